package yookassa_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"omnicart/payments"
	"omnicart/payments/qr/qrtest"
	"omnicart/payments/settle"
	"omnicart/payments/yookassa"
	"omnicart/payments/yookassa/yktest"
	"omnicart/shop"
	"omnicart/store"
)

var order = shop.Order{ID: "o7", Number: 1042, Total: shop.Money{Minor: 178050, Currency: "RUB"}}

func client(t *testing.T, fake *yktest.Server, opt yookassa.Options) *yookassa.Client {
	t.Helper()
	if opt.ShopID == "" {
		opt.ShopID, opt.SecretKey = fake.ShopID, fake.SecretKey
	}
	opt.APIURL, opt.ReturnURL = fake.URL, "https://shop.example/"
	c, err := yookassa.New(opt)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestChargeLink(t *testing.T) {
	fake := yktest.New(t)
	c := client(t, fake, yookassa.Options{})
	p, err := c.Link().Charge(context.Background(), order)
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != payments.Pending || !strings.HasPrefix(p.URL, fake.URL[:len(fake.URL)-len("/v3")]+"/checkout/payments/v2/contract?orderId=") || p.OrderID != "o7" ||
		p.Amount != order.Total || p.Provider != "yookassa" || p.QR != nil {
		t.Fatalf("payment = %+v", p)
	}
	again, err := c.Link().Charge(context.Background(), order)
	if err != nil || again.ID != p.ID {
		t.Fatalf("second charge: %v, %s vs %s (must be the same payment)", err, again.ID, p.ID)
	}
	reqs := fake.Requests()
	if len(reqs) != 2 || reqs[0].IdempotenceKey == "" || reqs[0].IdempotenceKey != reqs[1].IdempotenceKey {
		t.Fatalf("requests = %+v", reqs)
	}
	b := reqs[0].Body
	amount := b["amount"].(map[string]any)
	conf := b["confirmation"].(map[string]any)
	if amount["value"] != "1780.50" || amount["currency"] != "RUB" || b["capture"] != true ||
		conf["type"] != "redirect" || conf["return_url"] != "https://shop.example/" ||
		b["metadata"].(map[string]any)["order_id"] != "o7" || b["description"] != "Order 1042" {
		t.Fatalf("body = %v", b)
	}
	if _, ok := b["payment_method_data"]; ok {
		t.Fatal("a link payment names a method")
	}
}

// A shopper whose payment was cancelled (the card declined, the page
// left) and who pays again gets a new payment, not the cancelled one (the
// same Idempotence-Key would give it back for a day); a retried request of
// that attempt still makes no third payment.
func TestChargeAgainAfterCancel(t *testing.T) {
	for _, m := range []func(*yookassa.Client) *yookassa.Method{(*yookassa.Client).Link, (*yookassa.Client).SBP} {
		fake := yktest.New(t)
		c := client(t, fake, yookassa.Options{})
		ctx := context.Background()
		first, err := m(c).Charge(ctx, order)
		if err != nil {
			t.Fatal(err)
		}
		fake.Cancel(first.ID)
		second, err := m(c).Charge(ctx, order)
		if err != nil || second.ID == first.ID || second.Status != payments.Pending || second.URL == "" {
			t.Fatalf("%s: charge after a cancel: %+v %v (first %s)", m(c).Name(), second, err, first.ID)
		}
		again, err := m(c).Charge(ctx, order)
		if err != nil || again.ID != second.ID {
			t.Fatalf("%s: the same attempt again: %s %v, want %s", m(c).Name(), again.ID, err, second.ID)
		}
		if n := len(fake.Payments()); n != 2 {
			t.Fatalf("%s: %d payments at YooKassa, want 2", m(c).Name(), n)
		}
	}
}

func TestChargeSBPSendsQR(t *testing.T) {
	fake := yktest.New(t)
	c := client(t, fake, yookassa.Options{})
	p, err := c.SBP().Charge(context.Background(), order)
	if err != nil {
		t.Fatal(err)
	}
	b := fake.Requests()[0].Body
	if b["payment_method_data"].(map[string]any)["type"] != "sbp" || b["confirmation"].(map[string]any)["type"] != "qr" {
		t.Fatalf("body = %v", b)
	}
	if !strings.HasPrefix(p.URL, "https://qr.nspk.ru/") || len(p.QR) == 0 {
		t.Fatalf("payment = %+v", p)
	}
	if got := qrtest.Decode(t, p.QR); got != p.URL {
		t.Fatalf("QR says %q, want the confirmation_data %q", got, p.URL)
	}
	if c.SBP().Name() != "sbp" || c.Link().Name() != "yookassa" {
		t.Fatal("names")
	}
	// A link and an СБП payment of the same order are two payments.
	l, _ := c.Link().Charge(context.Background(), order)
	if l.ID == p.ID {
		t.Fatal("the link reused the СБП payment")
	}
}

func TestAPIErrors(t *testing.T) {
	fake := yktest.New(t)
	ctx := context.Background()
	bad := client(t, fake, yookassa.Options{ShopID: "123456", SecretKey: "wrong"})
	var apiErr *yookassa.APIError
	if _, err := bad.Link().Charge(ctx, order); !errors.As(err, &apiErr) || apiErr.Status != 401 || apiErr.Code != "invalid_credentials" {
		t.Fatalf("wrong key: %v", err)
	}
	c := client(t, fake, yookassa.Options{})
	fake.FailNext(500)
	if _, err := c.Link().Charge(ctx, order); !errors.As(err, &apiErr) || apiErr.Status != 500 {
		t.Fatalf("500: %v", err)
	}
	if _, err := c.Payment(ctx, "no-such-payment"); !errors.Is(err, payments.ErrNotFound) {
		t.Fatalf("unknown payment: %v", err)
	}
	if _, err := c.Payment(ctx, "../refunds"); !errors.Is(err, payments.ErrNotFound) {
		t.Fatalf("path in an id: %v", err)
	}
	if _, err := c.Link().Charge(ctx, shop.Order{ID: "o0"}); !errors.Is(err, payments.ErrDeclined) {
		t.Fatalf("nothing to pay: %v", err)
	}
	slow := client(t, fake, yookassa.Options{HTTP: &http.Client{Timeout: 100 * time.Millisecond}})
	fake.Delay(time.Second)
	if _, err := slow.Link().Charge(ctx, order); err == nil || !strings.Contains(err.Error(), "Timeout") {
		t.Fatalf("timeout: %v", err)
	}
}

func TestRefund(t *testing.T) {
	fake := yktest.New(t)
	c := client(t, fake, yookassa.Options{})
	ctx := context.Background()
	p, _ := c.Link().Charge(ctx, order)
	if err := c.Refund(ctx, p.ID, order.Total, "refund-1"); err == nil {
		t.Fatal("refunded a pending payment")
	}
	fake.Succeed(p.ID)
	for range 2 {
		if err := c.Refund(ctx, p.ID, order.Total, "refund-2"); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(fake.Refunds()); n != 1 {
		t.Fatalf("%d refunds, want 1 (the same Idempotence-Key)", n)
	}
	last := fake.Requests()[len(fake.Requests())-1]
	if last.Path != "/v3/refunds" || last.IdempotenceKey != "refund-2" || last.Body["payment_id"] != p.ID {
		t.Fatalf("refund request = %+v", last)
	}

	// Parts: refunds add up to the payment's amount at most.
	other := order
	other.ID, other.Number = "o8", 1043
	q, err := c.Link().Charge(ctx, other)
	if err != nil || q.ID == p.ID {
		t.Fatalf("another order's payment = %+v, %v", q, err)
	}
	fake.Succeed(q.ID)
	part := shop.Money{Minor: order.Total.Minor / 4, Currency: order.Total.Currency}
	for i, key := range []string{"part-1", "part-2"} {
		if err := c.Refund(ctx, q.ID, part, key); err != nil {
			t.Fatalf("part %d: %v", i+1, err)
		}
	}
	if err := c.Refund(ctx, q.ID, order.Total, "part-3"); err == nil {
		t.Error("refunded more than was left of the payment")
	}
}

// shopWorld is a store with a placed order and a settler over it.
type shopWorld struct {
	db    *store.DB
	order shop.Order
	hook  http.Handler
	c     *yookassa.Client
	fake  *yktest.Server
}

func newShop(t *testing.T) *shopWorld {
	ctx := context.Background()
	db, err := store.Open("", store.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	cust, _ := db.CustomerFor(ctx, "web:anna")
	price := shop.Money{Minor: 89025, Currency: "RUB"}
	o, err := db.PlaceOrder(ctx, shop.Order{CustomerID: cust.ID, Lines: []shop.Line{{Item: shop.Item{SKU: "BEANS"}, Qty: 2, Price: price}}, Total: price.Mul(2)})
	if err != nil {
		t.Fatal(err)
	}
	fake := yktest.New(t)
	c := client(t, fake, yookassa.Options{})
	s := settle.New(db, settle.Options{Refunders: map[string]payments.Refunder{"yookassa": c}})
	return &shopWorld{db: db, order: o, hook: c.Webhook(s, nil), c: c, fake: fake}
}

func (w *shopWorld) post(t *testing.T, body []byte) int {
	t.Helper()
	rec := httptest.NewRecorder()
	w.hook.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/payments/yookassa", bytes.NewReader(body)))
	return rec.Code
}

func (w *shopWorld) status(t *testing.T) shop.Order {
	o, err := w.db.Order(context.Background(), w.order.ID)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestWebhookPaysOnce(t *testing.T) {
	w := newShop(t)
	p, err := w.c.Link().Charge(context.Background(), w.order)
	if err != nil {
		t.Fatal(err)
	}
	// Before the shopper paid, a notification (replayed, or forged to say
	// succeeded) changes nothing: the API says pending.
	forged := yktest.Notification("payment.succeeded", p.ID, map[string]any{"status": "succeeded", "paid": true})
	if code := w.post(t, forged); code != 200 || w.status(t).Status != shop.StatusNew {
		t.Fatalf("pending payment: %d, order %s", code, w.status(t).Status)
	}
	w.fake.Succeed(p.ID)
	for range 3 {
		if code := w.post(t, yktest.Notification("payment.succeeded", p.ID, nil)); code != 200 {
			t.Fatalf("code %d", code)
		}
	}
	o := w.status(t)
	if o.Status != shop.StatusPaid || o.PaymentID != p.ID || o.Provider != "yookassa" {
		t.Fatalf("order = %s %s %s", o.Status, o.PaymentID, o.Provider)
	}
	pend, _ := w.db.PendingNotices(context.Background(), time.Now().Add(time.Hour), 10)
	if len(pend) != 1 || pend[0].Notice.Text != "payments.paid" {
		t.Fatalf("notices = %+v", pend)
	}
}

func TestWebhookRefusesWhatTheAPIDoesNotSay(t *testing.T) {
	w := newShop(t)
	ctx := context.Background()
	// Forged: a payment id YooKassa never made.
	if code := w.post(t, yktest.Notification("payment.succeeded", "2f0e9999-000f-5000-8000-000000000000",
		map[string]any{"metadata": map[string]any{"order_id": w.order.ID}, "amount": map[string]any{"value": "1780.50", "currency": "RUB"}})); code != 200 {
		t.Fatalf("forged: %d", code)
	}
	// Wrong amount: a real, succeeded payment of 1.00 naming the order.
	cheap := w.order
	cheap.Total.Minor = 100
	p, _ := w.c.Link().Charge(ctx, cheap)
	w.fake.Succeed(p.ID)
	w.post(t, yktest.Notification("payment.succeeded", p.ID, nil))
	// Unknown order: a real payment naming an order the shop does not have.
	other := w.order
	other.ID = "o-nope"
	p2, _ := w.c.Link().Charge(ctx, other)
	w.fake.Succeed(p2.ID)
	w.post(t, yktest.Notification("payment.succeeded", p2.ID, nil))
	// Not a notification at all.
	if code := w.post(t, []byte(`{"hello":1}`)); code != 400 {
		t.Fatalf("junk: %d", code)
	}
	if o := w.status(t); o.Status != shop.StatusNew || o.PaymentID != "" {
		t.Fatalf("order changed: %s %s", o.Status, o.PaymentID)
	}
	if pend, _ := w.db.PendingNotices(ctx, time.Now().Add(time.Hour), 10); len(pend) != 0 {
		t.Fatalf("notices = %+v", pend)
	}
	// The API down: 503, so YooKassa sends it again.
	w.fake.FailNext(500)
	if code := w.post(t, yktest.Notification("payment.succeeded", p.ID, nil)); code != 503 {
		t.Fatalf("API down: %d", code)
	}
}

func TestWebhookAfterExpiryRefundsWithoutStock(t *testing.T) {
	w := newShop(t)
	ctx := context.Background()
	w.db.SyncStock(ctx, map[string]int{"BEANS": 0})
	p, _ := w.c.Link().Charge(ctx, w.order)
	w.db.ExpireUnpaid(ctx, time.Now().Add(store.DefaultPayWithin+time.Hour))
	w.db.SetStock(ctx, shop.Item{SKU: "BEANS"}, 0)
	w.fake.Succeed(p.ID)
	w.post(t, yktest.Notification("payment.succeeded", p.ID, nil))
	w.post(t, yktest.Notification("payment.succeeded", p.ID, nil))
	if r := w.fake.Refunds(); len(r) != 1 || r[0]["payment_id"] != p.ID {
		t.Fatalf("refunds = %v", r)
	}
	if o := w.status(t); o.Status != shop.StatusCancelled {
		t.Fatalf("status %s", o.Status)
	}
}
