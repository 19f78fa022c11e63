package main

import (
	"context"
	"log/slog"
	"testing"

	"omnicart/payments/yookassa/yktest"
	"omnicart/shop"
)

// A shop that offers only СБП refunds its payments through YooKassa: they
// are recorded as YooKassa's ("yookassa"), whatever the method was called.
func TestRefundOfAnSBPPayment(t *testing.T) {
	yk := yktest.New(t)
	m := &Main{Config: defaultConfig(), Log: slog.New(slog.DiscardHandler)}
	c := &m.Config.Payments
	c.Methods = []string{"sbp"}
	c.YooKassa.ShopID, c.YooKassa.SecretKey, c.YooKassa.APIURL = yk.ShopID, yk.SecretKey, yk.URL
	if err := m.openPayments(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	total := shop.Money{Minor: 99000, Currency: "RUB"}
	o := shop.Order{ID: "o1", Number: 1001, Total: total, CustomerID: "c1"}
	p, err := m.payments.methods[0].Charge(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	yk.Succeed(p.ID)
	o.Provider, o.PaymentID = p.Provider, p.ID
	through, err := m.staffOptions().Refund(ctx, o, shop.Money{Minor: 50000, Currency: "RUB"}, "refund/1001")
	if err != nil || !through {
		t.Fatalf("refund of an СБП payment (provider %q): through %v, %v; want through YooKassa", o.Provider, through, err)
	}
	if r := yk.Refunds(); len(r) != 1 {
		t.Fatalf("refunds at YooKassa: %v", r)
	}
}
