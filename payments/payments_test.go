package payments

import (
	"context"
	"errors"
	"testing"

	"omnicart/shop"
)

func TestDemoCharge(t *testing.T) {
	o := shop.Order{ID: "o1", Total: shop.Money{Minor: 89000, Currency: "RUB"}}
	p1, err := Demo{}.Charge(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if p1.Status != Succeeded || p1.Amount != o.Total || p1.OrderID != "o1" {
		t.Fatalf("payment = %+v", p1)
	}
	p2, _ := Demo{}.Charge(context.Background(), o)
	if p2.ID != p1.ID {
		t.Fatalf("second charge of the same order made a new payment: %s vs %s", p2.ID, p1.ID)
	}
	if _, err := (Demo{}).Charge(context.Background(), shop.Order{ID: "o2"}); !errors.Is(err, ErrDeclined) {
		t.Fatalf("zero total: err = %v, want ErrDeclined", err)
	}
}
