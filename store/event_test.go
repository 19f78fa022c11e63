package store

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"omnicart/shop"
)

// Every order logs its money events itself, once, whoever changes it: a
// shopper's order placed, expired, paid after expiry (a provider's webhook
// revives it), refunded in part and then in full; an exchange made paid
// with nothing to pay logs nothing.
func TestOrdersLogTheirMoneyEvents(t *testing.T) {
	ctx := t.Context()
	db := openMem(t)
	c, err := db.Customer(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	c.Source = "ad_spring"
	if err := db.SaveCustomer(ctx, c); err != nil {
		t.Fatal(err)
	}
	if err := db.SyncStock(ctx, map[string]int{filter.Key(): 5}); err != nil {
		t.Fatal(err)
	}
	o := filterOrder("c1")
	o.Channel = "telegram"
	placed, err := db.PlaceOrder(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExpireUnpaid(ctx, placed.CreatedAt.Add(DefaultPayWithin+time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ReviveOrder(ctx, placed.ID, func(o *shop.Order) ([]shop.Notice, error) {
		o.Status, o.PaymentID = shop.StatusPaid, "pay-1"
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	change := func(fn func(o *shop.Order) error) {
		t.Helper()
		if _, err := db.UpdateOrder(ctx, placed.ID, fn); err != nil {
			t.Fatal(err)
		}
	}
	change(func(o *shop.Order) error { return o.Move(shop.StatusShipped, o.UpdatedAt) })
	change(func(o *shop.Order) error { o.RefundPart(rub(9000)); return nil })
	change(func(o *shop.Order) error { return nil }) // saved again: nothing new
	change(func(o *shop.Order) error {
		o.Refunded = o.Total
		return o.Move(shop.StatusRefunded, o.UpdatedAt)
	})
	if _, err := db.PlaceOrder(ctx, shop.Order{CustomerID: "c1", Status: shop.StatusPaid, Provider: "exchange",
		Lines: []shop.Line{{Item: filter, Qty: 1, Price: rub(29000)}}, Total: rub(0)}); err != nil {
		t.Fatal(err)
	}

	var got []string
	err = db.Events(ctx, time.Time{}, func(e shop.Event) bool {
		if e.Customer != "c1" || e.Channel != "telegram" || e.Source != "ad_spring" || e.OrderID != placed.ID {
			t.Errorf("event %+v: want customer c1 on telegram from ad_spring, order %s", e, placed.ID)
		}
		got = append(got, fmt.Sprintf("%s %d", e.Type, e.Value.Minor))
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "order 29000, cancel 0, paid 29000, refund 9000, refund 20000"
	if g := strings.Join(got, ", "); g != want {
		t.Errorf("events:\n got %s\nwant %s", g, want)
	}
}
