package stripe_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"omnicart/payments"
	"omnicart/payments/settle"
	"omnicart/payments/stripe"
	"omnicart/payments/stripe/stripetest"
	"omnicart/shop"
)

type recorder struct {
	mu   sync.Mutex
	paid []settle.Payment
}

func (r *recorder) Paid(_ context.Context, p settle.Payment) (settle.Outcome, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if p.OrderID != "o1" {
		return "", settle.ErrUnknownOrder
	}
	r.paid = append(r.paid, p)
	return settle.Marked, nil
}

func (r *recorder) Failed(context.Context, string, string, string) error { return nil }

const secret = "whsec_test"

var order = shop.Order{ID: "o1", Number: 1001, Total: shop.Money{Minor: 4990, Currency: "EUR"}}

func TestCheckoutAndWebhook(t *testing.T) {
	f := stripetest.New(t)
	now := time.Unix(1_800_000_000, 0)
	p, err := stripe.New(stripe.Options{SecretKey: f.SecretKey, WebhookSecret: secret, APIURL: f.URL,
		SuccessURL: "https://shop.example/", Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	pay, err := p.Charge(ctx, order)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := p.Charge(ctx, order)
	if pay.Status != payments.Pending || !strings.HasPrefix(pay.URL, f.URL+"/c/pay/cs_test_") || again.ID != pay.ID {
		t.Fatalf("payment %+v, again %s", pay, again.ID)
	}
	forms, keys := f.Forms()
	form := forms[0]
	if form["line_items[0][price_data][currency]"] != "eur" || form["line_items[0][price_data][unit_amount]"] != "4990" ||
		form["metadata[order_id]"] != "o1" || keys[0] == "" || keys[0] != keys[1] {
		t.Fatalf("form %v keys %v", form, keys)
	}
	rec := &recorder{}
	hook := p.Webhook(rec, nil)
	post := func(body []byte, sig string) int {
		req := httptest.NewRequest("POST", "/payments/stripe", bytes.NewReader(body))
		if sig != "" {
			req.Header.Set("Stripe-Signature", sig)
		}
		w := httptest.NewRecorder()
		hook.ServeHTTP(w, req)
		return w.Code
	}
	event := func(id string) []byte {
		b, _ := json.Marshal(map[string]any{"id": "evt_1", "type": "checkout.session.completed",
			"data": map[string]any{"object": map[string]any{"id": id, "object": "checkout.session", "payment_status": "paid"}}})
		return b
	}
	body := event(pay.ID)
	// Unpaid yet: a validly signed event changes nothing (the API says unpaid).
	if code := post(body, stripe.Sign(body, secret, now)); code != 200 || len(rec.paid) != 0 {
		t.Fatalf("unpaid session: %d %v", code, rec.paid)
	}
	f.Complete(pay.ID)
	for name, sig := range map[string]string{
		"unsigned": "",
		"forged":   stripe.Sign(body, "whsec_wrong", now),
		"replayed": stripe.Sign(body, secret, now.Add(-6*time.Minute)),
		"future":   stripe.Sign(body, secret, now.Add(6*time.Minute)),
		"junk":     "t=abc,v1=zz",
	} {
		if code := post(body, sig); code != 400 {
			t.Errorf("%s: %d, want 400", name, code)
		}
	}
	tampered := event("cs_test_other")
	if code := post(tampered, stripe.Sign(body, secret, now)); code != 400 {
		t.Errorf("tampered body: %d", code)
	}
	if len(rec.paid) != 0 {
		t.Fatalf("a refused event paid: %v", rec.paid)
	}
	if code := post(body, stripe.Sign(body, secret, now.Add(-4*time.Minute))); code != 200 {
		t.Fatalf("valid: %d", code)
	}
	if len(rec.paid) != 1 || rec.paid[0] != (settle.Payment{Provider: "stripe", ID: pay.ID, OrderID: "o1", Amount: order.Total}) {
		t.Fatalf("paid = %+v", rec.paid)
	}
	unknown := event("cs_test_zzz")
	if code := post(unknown, stripe.Sign(unknown, secret, now)); code != 200 || len(rec.paid) != 1 {
		t.Fatalf("unknown session: %d", code)
	}
	for range 2 {
		if err := p.Refund(ctx, pay.ID, order.Total, "refund/stripe/"+pay.ID); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.Refunds(); n != 1 {
		t.Fatalf("refunds = %d, want 1 (one Idempotency-Key)", n)
	}
}

func TestAPIErrors(t *testing.T) {
	f := stripetest.New(t)
	p, _ := stripe.New(stripe.Options{SecretKey: "sk_wrong", WebhookSecret: secret, APIURL: f.URL, SuccessURL: "https://x/"})
	var apiErr *stripe.APIError
	if _, err := p.Charge(context.Background(), order); !errors.As(err, &apiErr) || apiErr.Status != 401 {
		t.Fatalf("bad key: %v", err)
	}
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(time.Second):
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	p2, _ := stripe.New(stripe.Options{SecretKey: "sk_test_1", WebhookSecret: secret, APIURL: slow.URL, SuccessURL: "https://x/",
		HTTP: &http.Client{Timeout: 100 * time.Millisecond}})
	if _, err := p2.Charge(context.Background(), order); err == nil {
		t.Fatal("no timeout")
	}
	if _, err := p2.Payment(context.Background(), "pi_not_a_session"); !errors.Is(err, payments.ErrNotFound) {
		t.Fatalf("bad id: %v", err)
	}
}

// TestZeroDecimalCurrency: Stripe counts yen in yen, not hundredths: a
// ¥1,000 order asks for 1000 and reads back as ¥1,000; ¥0.50 cannot be
// asked for at all.
func TestZeroDecimalCurrency(t *testing.T) {
	f := stripetest.New(t)
	p, err := stripe.New(stripe.Options{SecretKey: f.SecretKey, WebhookSecret: secret, APIURL: f.URL, SuccessURL: "https://shop.example/"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	yen := shop.Order{ID: "o-jpy", Number: 1002, Total: shop.Money{Minor: 100000, Currency: "JPY"}}
	pay, err := p.Charge(ctx, yen)
	if err != nil {
		t.Fatal(err)
	}
	forms, _ := f.Forms()
	if got := forms[len(forms)-1]["line_items[0][price_data][unit_amount]"]; got != "1000" {
		t.Errorf("¥1,000 asked as unit_amount %s, want 1000", got)
	}
	read, err := p.Payment(ctx, pay.ID)
	if err != nil || read.Amount != yen.Total {
		t.Errorf("the session reads back as %v (%v), want %v", read.Amount, err, yen.Total)
	}
	yen.Total.Minor = 100050
	if _, err := p.Charge(ctx, shop.Order{ID: "o-half", Number: 1003, Total: yen.Total}); !errors.Is(err, payments.ErrDeclined) {
		t.Errorf("¥1,000.50: %v, want declined", err)
	}
}
