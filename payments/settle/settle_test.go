package settle_test

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"omnicart/payments"
	"omnicart/payments/settle"
	"omnicart/shop"
	"omnicart/store"
)

// world is a store with one customer and one placed order of 2 × BEANS
// (stock 3, so 1 is left), and a settler whose refunds and tellings are
// recorded.
type world struct {
	db      *store.DB
	s       *settle.Settler
	order   shop.Order
	refunds *refunder
	told    *teller
}

type refunder struct {
	mu   sync.Mutex
	keys map[string]int
}

func (r *refunder) Refund(_ context.Context, id string, _ shop.Money, key string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.keys[key]++
	return nil
}

type teller struct {
	mu     sync.Mutex
	events []string
}

func (t *teller) tell(_ context.Context, _ shop.CustomerID, event, orderID, key string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.events = append(t.events, event+" "+orderID+" "+key)
	return nil
}

func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open("", store.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.SyncStock(ctx, map[string]int{"BEANS": 3}); err != nil {
		t.Fatal(err)
	}
	c, err := db.CustomerFor(ctx, "web:anna")
	if err != nil {
		t.Fatal(err)
	}
	price := shop.Money{Minor: 89000, Currency: "RUB"}
	o, err := db.PlaceOrder(ctx, shop.Order{CustomerID: c.ID, Lines: []shop.Line{{Item: shop.Item{SKU: "BEANS"}, Qty: 2, Price: price}},
		Total: price.Mul(2), Status: shop.StatusNew})
	if err != nil {
		t.Fatal(err)
	}
	w := &world{db: db, order: o, refunds: &refunder{keys: map[string]int{}}, told: &teller{}}
	w.s = settle.New(db, settle.Options{Refunders: map[string]payments.Refunder{"yookassa": w.refunds}, Tell: w.told.tell})
	return w
}

func (w *world) get(t *testing.T) shop.Order {
	t.Helper()
	o, err := w.db.Order(context.Background(), w.order.ID)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func (w *world) notices(t *testing.T) map[string]shop.Notice {
	t.Helper()
	pend, err := w.db.PendingNotices(context.Background(), time.Now().Add(time.Hour), 100)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]shop.Notice{}
	for _, p := range pend {
		out[p.Notice.Key] = p.Notice
	}
	return out
}

func (w *world) payment(id string) settle.Payment {
	return settle.Payment{Provider: "yookassa", ID: id, OrderID: w.order.ID, Amount: w.order.Total}
}

func TestPaidOnceWithNotice(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	outcomes := make(chan settle.Outcome, 5)
	for range 5 { // a notification delivered five times at once
		wg.Go(func() {
			out, err := w.s.Paid(ctx, w.payment("pay-1"))
			if err != nil {
				t.Error(err)
			}
			outcomes <- out
		})
	}
	wg.Wait()
	close(outcomes)
	n := map[settle.Outcome]int{}
	for o := range outcomes {
		n[o]++
	}
	if n[settle.Marked] != 1 || n[settle.Duplicate] != 4 {
		t.Fatalf("outcomes = %v, want 1 paid and 4 duplicates", n)
	}
	o := w.get(t)
	if o.Status != shop.StatusPaid || o.PaymentID != "pay-1" || o.Provider != "yookassa" {
		t.Fatalf("order = %s %s %s", o.Status, o.PaymentID, o.Provider)
	}
	key := "order-paid/" + itoa(o.Number)
	if nt, ok := w.notices(t)[key]; !ok || nt.Text != "payments.paid" || nt.Customer != o.CustomerID {
		t.Fatalf("notice %s = %+v (all: %v)", key, nt, w.notices(t))
	}
	if len(w.told.events) != 1 || w.told.events[0] != "paid "+o.ID+" paid/"+o.ID {
		t.Fatalf("told = %v", w.told.events)
	}
}

func TestRejectedPaymentsChangeNothing(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	before := w.get(t)
	for name, p := range map[string]settle.Payment{
		"unknown order": {Provider: "yookassa", ID: "pay-x", OrderID: "o-nope", Amount: w.order.Total},
		"no order":      {Provider: "yookassa", ID: "pay-x", Amount: w.order.Total},
		"less":          {Provider: "yookassa", ID: "pay-x", OrderID: w.order.ID, Amount: shop.Money{Minor: 100, Currency: "RUB"}},
		"currency":      {Provider: "yookassa", ID: "pay-x", OrderID: w.order.ID, Amount: shop.Money{Minor: w.order.Total.Minor, Currency: "USD"}},
	} {
		_, err := w.s.Paid(ctx, p)
		if !errors.Is(err, settle.ErrUnknownOrder) && !errors.Is(err, settle.ErrWrongAmount) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	after := w.get(t)
	if after.Status != before.Status || after.PaymentID != "" || !after.UpdatedAt.Equal(before.UpdatedAt) {
		t.Fatalf("order changed: %+v", after)
	}
	if len(w.notices(t)) != 0 || len(w.told.events) != 0 {
		t.Fatalf("notices %v, told %v", w.notices(t), w.told.events)
	}
}

func TestPaidAfterExpiryTakesStockAgain(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	if _, err := w.db.ExpireUnpaid(ctx, time.Now().Add(store.DefaultPayWithin+time.Hour)); err != nil {
		t.Fatal(err)
	}
	if n, _, _ := w.db.Stock(ctx, shop.Item{SKU: "BEANS"}); n != 3 {
		t.Fatalf("stock after expiry = %d", n)
	}
	out, err := w.s.Paid(ctx, w.payment("pay-late"))
	if err != nil || out != settle.Revived {
		t.Fatalf("outcome %q, err %v", out, err)
	}
	if n, _, _ := w.db.Stock(ctx, shop.Item{SKU: "BEANS"}); n != 1 {
		t.Fatalf("stock after revival = %d, want 1", n)
	}
	o := w.get(t)
	if o.Status != shop.StatusPaid || o.PaymentID != "pay-late" {
		t.Fatalf("order %s %s", o.Status, o.PaymentID)
	}
	if nt := w.notices(t)["order-paid/"+itoa(o.Number)]; nt.Text != "payments.paid_after_expiry" {
		t.Fatalf("notice = %+v", nt)
	}
	if out, _ := w.s.Paid(ctx, w.payment("pay-late")); out != settle.Duplicate {
		t.Fatalf("again: %q", out)
	}
}

func TestPaidAfterExpiryWithoutStockRefunds(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	if _, err := w.db.ExpireUnpaid(ctx, time.Now().Add(store.DefaultPayWithin+time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := w.db.SetStock(ctx, shop.Item{SKU: "BEANS"}, 1); err != nil { // sold meanwhile
		t.Fatal(err)
	}
	out, err := w.s.Paid(ctx, w.payment("pay-late"))
	if err != nil || out != settle.Refunded {
		t.Fatalf("outcome %q, err %v", out, err)
	}
	if w.refunds.keys["refund/yookassa/pay-late"] != 1 {
		t.Fatalf("refunds = %v", w.refunds.keys)
	}
	o := w.get(t)
	if o.Status != shop.StatusCancelled {
		t.Fatalf("status %s", o.Status)
	}
	if n, _, _ := w.db.Stock(ctx, shop.Item{SKU: "BEANS"}); n != 1 {
		t.Fatalf("stock = %d, want 1 (untouched)", n)
	}
	if nt := w.notices(t)["payment-refunded/yookassa/pay-late"]; nt.Text != "payments.refunded_expired" {
		t.Fatalf("notices = %v", w.notices(t))
	}
	// The stock comes back; the same notification again must not revive the order.
	w.db.SetStock(ctx, shop.Item{SKU: "BEANS"}, 10)
	if out, _ := w.s.Paid(ctx, w.payment("pay-late")); out != settle.Duplicate {
		t.Fatalf("replayed after refund: %q", out)
	}
	if w.get(t).Status != shop.StatusCancelled {
		t.Fatal("a refunded payment revived the order")
	}
}

func TestRefundByHandWhenProviderCannot(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.db.ExpireUnpaid(ctx, time.Now().Add(store.DefaultPayWithin+time.Hour))
	w.db.SetStock(ctx, shop.Item{SKU: "BEANS"}, 0)
	p := w.payment("tg-charge")
	p.Provider = "telegram"
	out, err := w.s.Paid(ctx, p)
	if err != nil || out != settle.RefundByHand {
		t.Fatalf("outcome %q, err %v", out, err)
	}
	if nt := w.notices(t)["payment-refunded/telegram/tg-charge"]; nt.Text != "payments.refund_by_hand" {
		t.Fatalf("notices = %v", w.notices(t))
	}
}

func TestSecondPaymentIsRefunded(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.s.Paid(ctx, w.payment("pay-1"))
	out, err := w.s.Paid(ctx, w.payment("pay-2"))
	if err != nil || out != settle.Refunded || w.refunds.keys["refund/yookassa/pay-2"] != 1 {
		t.Fatalf("outcome %q, err %v, refunds %v", out, err, w.refunds.keys)
	}
	if o := w.get(t); o.PaymentID != "pay-1" || o.Status != shop.StatusPaid {
		t.Fatalf("order %s %s", o.Status, o.PaymentID)
	}
}

func TestFailedTellsOnlyWaitingOrders(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	if err := w.s.Failed(ctx, "yookassa", "pay-1", w.order.ID); err != nil {
		t.Fatal(err)
	}
	w.s.Paid(ctx, w.payment("pay-2"))
	w.s.Failed(ctx, "yookassa", "pay-1", w.order.ID) // too late: paid by another payment
	if len(w.told.events) != 2 || w.told.events[0] != "payment_failed "+w.order.ID+" payment-failed/pay-1" {
		t.Fatalf("told = %v", w.told.events)
	}
	if err := w.s.Failed(ctx, "yookassa", "pay-1", "o-nope"); !errors.Is(err, settle.ErrUnknownOrder) {
		t.Fatalf("unknown order: %v", err)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// A late payment revives an expired order only with what it was placed
// with: the points it paid with and its promo code use are taken again;
// when they went meanwhile (points spent, the code used up by another),
// the payment goes back and nothing changes.
func TestPaidAfterExpiryTakesPointsAndCodeAgain(t *testing.T) {
	for _, spent := range []string{"", "points", "code"} {
		t.Run("gone="+spent, func(t *testing.T) {
			w := newWorld(t)
			ctx := context.Background()
			c, err := w.db.CustomerFor(ctx, "web:boris")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.db.AddPoints(ctx, c.ID, 100); err != nil {
				t.Fatal(err)
			}
			promo := &shop.Promo{Code: "ONCE", Percent: 10, Limit: 1}
			price := shop.Money{Minor: 10000, Currency: "RUB"}
			o, err := w.db.PlaceOrder(ctx, shop.Order{CustomerID: c.ID, Lines: []shop.Line{{Item: shop.Item{SKU: "BEANS"}, Qty: 1, Price: price}},
				Total: shop.Money{Minor: 8200, Currency: "RUB"}, Points: 80, Promo: promo})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.db.ExpireUnpaid(ctx, time.Now().Add(store.DefaultPayWithin+time.Hour)); err != nil {
				t.Fatal(err)
			}
			switch spent {
			case "points":
				if _, err := w.db.AddPoints(ctx, c.ID, -90); err != nil {
					t.Fatal(err)
				}
			case "code":
				if _, err := w.db.PlaceOrder(ctx, shop.Order{CustomerID: w.order.CustomerID, Lines: []shop.Line{{Item: shop.Item{SKU: "BEANS"}, Qty: 1, Price: price}},
					Total: price, Promo: promo}); err != nil {
					t.Fatal(err)
				}
			}
			before, _ := w.db.Points(ctx, c.ID)
			out, err := w.s.Paid(ctx, settle.Payment{Provider: "yookassa", ID: "late", OrderID: o.ID, Amount: o.Total})
			got, _ := w.db.Order(ctx, o.ID)
			after, _ := w.db.Points(ctx, c.ID)
			if spent == "" {
				if err != nil || out != settle.Revived || got.Status != shop.StatusPaid || after != 20 {
					t.Fatalf("outcome %q %v: order %s, points %d (want revived, paid, 20)", out, err, got.Status, after)
				}
				if _, err := w.db.PlaceOrder(ctx, shop.Order{CustomerID: w.order.CustomerID, Lines: []shop.Line{{Item: shop.Item{SKU: "BEANS"}, Qty: 1, Price: price}},
					Total: price, Promo: promo}); err == nil {
					t.Fatal("the code of the revived order was used once more")
				}
				return
			}
			if err != nil || out != settle.Refunded || got.Status != shop.StatusCancelled || after != before ||
				w.refunds.keys["refund/yookassa/late"] != 1 {
				t.Fatalf("outcome %q %v: order %s, points %d→%d, refunds %v (want refunded, cancelled, unchanged)",
					out, err, got.Status, before, after, w.refunds.keys)
			}
			if nt := w.notices(t)["payment-refunded/yookassa/late"]; nt.Text != "payments.refunded_expired_terms" {
				t.Fatalf("notices = %v", w.notices(t))
			}
		})
	}
}

// A payment still on its way when the staff cancelled the order (the
// shopper asked; the page stayed open) does not bring the order back: the
// money goes back and the cancellation holds. A paid order the staff
// cancelled keeps the payment it was paid with, for its refund.
func TestPaymentAfterStaffCancelledIsRefunded(t *testing.T) {
	// How the order was paid before the cancel: not, online, or by a bank
	// transfer staff marked (no payment id: the order still owes it back,
	// and must not take the late payment's id for it).
	for _, paidFirst := range []string{"", "online", "by hand"} {
		w := newWorld(t)
		ctx := context.Background()
		switch paidFirst {
		case "online":
			if out, err := w.s.Paid(ctx, w.payment("pay-1")); err != nil || out != settle.Marked {
				t.Fatalf("first payment: %q %v", out, err)
			}
		case "by hand":
			if _, err := w.db.UpdateOrder(ctx, w.order.ID, func(o *shop.Order) error {
				o.Provider = "qr"
				return o.Change(shop.StatusPaid, time.Now(), "telegram:200")
			}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := w.db.UpdateOrder(ctx, w.order.ID, func(o *shop.Order) error {
			return o.Change(shop.StatusCancelled, time.Now(), "telegram:200")
		}); err != nil {
			t.Fatal(err)
		}
		out, err := w.s.Paid(ctx, w.payment("pay-late"))
		if err != nil || out != settle.Refunded || w.refunds.keys["refund/yookassa/pay-late"] != 1 {
			t.Fatalf("paid first %q: outcome %q %v, refunds %v", paidFirst, out, err, w.refunds.keys)
		}
		o := w.get(t)
		if o.Status != shop.StatusCancelled {
			t.Errorf("paid first %q: the late payment undid the staff's cancel: %s", paidFirst, o.Status)
		}
		if want := map[string]string{"": "pay-late", "online": "pay-1", "by hand": ""}[paidFirst]; o.PaymentID != want {
			t.Errorf("paid first %q: order names payment %q, want %q", paidFirst, o.PaymentID, want)
		}
		if n, _, _ := w.db.Stock(ctx, shop.Item{SKU: "BEANS"}); n != 3 {
			t.Errorf("paid first %q: stock %d, want all 3 back", paidFirst, n)
		}
		if nt := w.notices(t)["payment-refunded/yookassa/pay-late"]; nt.Text != "payments.refunded_cancelled" {
			t.Errorf("paid first %q: notices %v", paidFirst, w.notices(t))
		}
		// The same notification again refunds nothing more: at most the
		// same refund under the same key, which the provider takes once.
		w.s.Paid(ctx, w.payment("pay-late"))
		if len(w.refunds.keys) != 1 || w.get(t).Status != shop.StatusCancelled {
			t.Errorf("paid first %q: refunds after a repeat %v", paidFirst, w.refunds.keys)
		}
	}
}
