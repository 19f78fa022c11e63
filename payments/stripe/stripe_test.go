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
	"omnicart/shop"
)

// fakeStripe is a fake of the Checkout Sessions and Refunds API: Bearer
// auth, form bodies, Idempotency-Key, Stripe's error shape.
type fakeStripe struct {
	mu       sync.Mutex
	sessions map[string]map[string]any
	byKey    map[string]string
	forms    []map[string]string
	keys     []string
	refunds  int
}

func newFake(t *testing.T) (*fakeStripe, *httptest.Server) {
	f := &fakeStripe{sessions: map[string]map[string]any{}, byKey: map[string]string{}}
	srv := httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(srv.Close)
	return f, srv
}

func stripeError(w http.ResponseWriter, code int, typ, msg string) {
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"type": typ, "message": msg}})
}

func (f *fakeStripe) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.Header.Get("Authorization") != "Bearer sk_test_1" {
		stripeError(w, 401, "invalid_request_error", "Invalid API Key provided")
		return
	}
	r.ParseForm()
	form := map[string]string{}
	for k, v := range r.PostForm {
		form[k] = v[0]
	}
	key := r.Header.Get("Idempotency-Key")
	switch {
	case r.Method == "POST" && r.URL.Path == "/v1/checkout/sessions":
		f.forms, f.keys = append(f.forms, form), append(f.keys, key)
		if id, ok := f.byKey[key]; ok && key != "" {
			json.NewEncoder(w).Encode(f.sessions[id])
			return
		}
		if form["mode"] != "payment" || form["success_url"] == "" || form["line_items[0][price_data][unit_amount]"] == "" {
			stripeError(w, 400, "invalid_request_error", "Missing required param")
			return
		}
		id := "cs_test_" + string(rune('a'+len(f.sessions)))
		amount := json.Number(form["line_items[0][price_data][unit_amount]"])
		s := map[string]any{"id": id, "object": "checkout.session", "url": "https://checkout.stripe.com/c/pay/" + id,
			"status": "open", "payment_status": "unpaid", "amount_total": amount, "currency": form["line_items[0][price_data][currency]"],
			"client_reference_id": form["client_reference_id"], "metadata": map[string]string{"order_id": form["metadata[order_id]"]},
			"payment_intent": nil}
		f.sessions[id], f.byKey[key] = s, id
		json.NewEncoder(w).Encode(s)
	case r.Method == "GET" && strings.HasPrefix(r.URL.Path, "/v1/checkout/sessions/"):
		s := f.sessions[strings.TrimPrefix(r.URL.Path, "/v1/checkout/sessions/")]
		if s == nil {
			stripeError(w, 404, "invalid_request_error", "No such checkout.session")
			return
		}
		json.NewEncoder(w).Encode(s)
	case r.Method == "POST" && r.URL.Path == "/v1/refunds":
		if key == "" || form["payment_intent"] == "" {
			stripeError(w, 400, "invalid_request_error", "bad refund")
			return
		}
		if _, ok := f.byKey[key]; !ok {
			f.refunds++
			f.byKey[key] = "re"
		}
		json.NewEncoder(w).Encode(map[string]any{"id": "re_1", "status": "succeeded"})
	default:
		stripeError(w, 404, "invalid_request_error", "Unrecognized request URL")
	}
}

func (f *fakeStripe) pay(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sessions[id]["payment_status"], f.sessions[id]["status"], f.sessions[id]["payment_intent"] = "paid", "complete", "pi_"+id
}

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
	f, srv := newFake(t)
	now := time.Unix(1_800_000_000, 0)
	p, err := stripe.New(stripe.Options{SecretKey: "sk_test_1", WebhookSecret: secret, APIURL: srv.URL,
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
	if pay.Status != payments.Pending || !strings.HasPrefix(pay.URL, "https://checkout.stripe.com/") || again.ID != pay.ID {
		t.Fatalf("payment %+v, again %s", pay, again.ID)
	}
	form := f.forms[0]
	if form["line_items[0][price_data][currency]"] != "eur" || form["line_items[0][price_data][unit_amount]"] != "4990" ||
		form["metadata[order_id]"] != "o1" || f.keys[0] == "" || f.keys[0] != f.keys[1] {
		t.Fatalf("form %v keys %v", form, f.keys)
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
	f.pay(pay.ID)
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
	if f.refunds != 1 {
		t.Fatalf("refunds = %d, want 1 (one Idempotency-Key)", f.refunds)
	}
}

func TestAPIErrors(t *testing.T) {
	_, srv := newFake(t)
	p, _ := stripe.New(stripe.Options{SecretKey: "sk_wrong", WebhookSecret: secret, APIURL: srv.URL, SuccessURL: "https://x/"})
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
