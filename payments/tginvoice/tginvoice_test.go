package tginvoice_test

import (
	"context"
	"testing"

	"omnicart/payments/settle"
	"omnicart/payments/tginvoice"
	"omnicart/shop"
	"omnicart/store"
)

func TestPreCheckoutAndPayment(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open("", store.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c, _ := db.CustomerFor(ctx, "telegram:42")
	price := shop.Money{Minor: 99000, Currency: "RUB"}
	o, err := db.PlaceOrder(ctx, shop.Order{CustomerID: c.ID, Lines: []shop.Line{{Item: shop.Item{SKU: "K"}, Qty: 1, Price: price}}, Total: price})
	if err != nil {
		t.Fatal(err)
	}
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
