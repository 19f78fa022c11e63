package tginvoice_test

import (
	"context"
	"errors"
	"testing"

	"omnicart/payments/settle"
	"omnicart/payments/tginvoice"
	"omnicart/shop"
	"omnicart/store"
)

// placed is a store in memory with one order of ₽990 waiting for payment.
func placed(t *testing.T) (*store.DB, shop.Order) {
	t.Helper()
	db, err := store.Open("", store.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ctx := context.Background()
	c, _ := db.CustomerFor(ctx, "telegram:42")
	price := shop.Money{Minor: 99000, Currency: "RUB"}
	o, err := db.PlaceOrder(ctx, shop.Order{CustomerID: c.ID, Lines: []shop.Line{{Item: shop.Item{SKU: "K"}, Qty: 1, Price: price}}, Total: price})
	if err != nil {
		t.Fatal(err)
	}
	return db, o
}

func TestPreCheckoutAndPayment(t *testing.T) {
	ctx := context.Background()
	db, o := placed(t)
	price := o.Total
	p := tginvoice.New(db, settle.New(db, settle.Options{}))
	pay, err := p.Charge(ctx, o)
	if err != nil || pay.Invoice == nil || pay.Invoice.Payload != o.ID || pay.Invoice.Amount != price {
		t.Fatalf("charge: %+v %v", pay, err)
	}
	for name, tc := range map[string]struct {
		payload, cur string
		total        int64
		want         string
	}{
		"ok":       {o.ID, "RUB", 99000, ""},
		"amount":   {o.ID, "RUB", 100, tginvoice.RefuseChanged},
		"currency": {o.ID, "USD", 99000, tginvoice.RefuseChanged},
		"no order": {"o-nope", "RUB", 99000, tginvoice.RefuseGone},
	} {
		if got := p.PreCheckout(ctx, tc.payload, tc.cur, tc.total); got != tc.want {
			t.Errorf("%s: %q, want %q", name, got, tc.want)
		}
	}
	if err := p.SuccessfulPayment(ctx, o.ID, "RUB", 99000, "charge-1"); err != nil {
		t.Fatal(err)
	}
	got, _ := db.Order(ctx, o.ID)
	if got.Status != shop.StatusPaid || got.Provider != "telegram" || got.PaymentID != "charge-1" {
		t.Fatalf("order %s %s %s", got.Status, got.Provider, got.PaymentID)
	}
	if r := p.PreCheckout(ctx, o.ID, "RUB", 99000); r != tginvoice.RefuseGone {
		t.Fatalf("a paid order's pre-checkout: %q", r)
	}
}

// flaky fails its first Paid calls, as a store out of disk or a crash
// would leave the settlement undone.
type flaky struct {
	settle *settle.Settler
	fails  int
}

func (f *flaky) Paid(ctx context.Context, p settle.Payment) (settle.Outcome, error) {
	if f.fails > 0 {
		f.fails--
		return "", errors.New("disk full")
	}
	return f.settle.Paid(ctx, p)
}

// Telegram sends a successful payment once: one that could not be settled
// is kept, and settled by SettleKept (at start and every minute) once the
// store works again; a kept payment for an unknown order is dropped, not
// tried for ever.
func TestPaymentKeptUntilSettled(t *testing.T) {
	ctx := context.Background()
	db, o := placed(t)
	f := &flaky{settle: settle.New(db, settle.Options{}), fails: 2}
	p := tginvoice.New(db, f)
	if err := p.SuccessfulPayment(ctx, o.ID, "RUB", 99000, "charge-1"); err == nil {
		t.Fatal("a failed settlement reported no error")
	}
	if err := p.SuccessfulPayment(ctx, "o-gone", "RUB", 100, "charge-2"); err == nil {
		t.Fatal("a payment for an unknown order failed without an error")
	}
	if n, err := p.SettleKept(ctx); n != 1 || err == nil {
		t.Fatalf("first retry: %d settled, %v; want charge-1 settled and charge-2's error", n, err)
	}
	if got, _ := db.Order(ctx, o.ID); got.Status != shop.StatusPaid || got.PaymentID != "charge-1" {
		t.Fatalf("order after the retry: %s %s", got.Status, got.PaymentID)
	}
	kept := 0
	db.Kept(ctx, "", func(string, []byte) bool { kept++; return true })
	if n, err := p.SettleKept(ctx); kept != 0 || n != 0 || err != nil {
		t.Fatalf("after settling: %d kept, %d settled again, %v", kept, n, err)
	}
}
