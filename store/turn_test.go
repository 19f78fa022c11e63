package store

import (
	"errors"
	"testing"

	"omnicart/shop"
)

// TestTurn: what one message needs is read at once, as the separate
// reads return it; SaveSessionOnly keeps the cart; a customer who is gone
// is not found.
func TestTurn(t *testing.T) {
	ctx := t.Context()
	db := openMem(t)
	if _, ok, err := db.CustomerID(ctx, "telegram:1"); ok || err != nil {
		t.Fatalf("CustomerID of a new address = %v, %v", ok, err)
	}
	c, err := db.CustomerFor(ctx, "telegram:1")
	if err != nil {
		t.Fatal(err)
	}
	if id, ok, err := db.CustomerID(ctx, "telegram:1"); id != c.ID || !ok || err != nil {
		t.Fatalf("CustomerID = %q, %v, %v; want %q", id, ok, err, c.ID)
	}
	got, sess, cart, dup, err := db.Turn(ctx, c.ID, "telegram:update:7")
	if err != nil || got.ID != c.ID || sess != nil || len(cart.Lines) != 0 || dup {
		t.Fatalf("Turn of a new customer = %+v, %q, %+v, %v, %v", got, sess, cart, dup, err)
	}
	var full shop.Cart
	full.Add(beans, 2, rub(89000))
	// Saving the turn marks its update seen: the same update again is a
	// duplicate; the next one is not.
	if err := db.SaveState(ctx, c.ID, []byte(`{"state":"a"}`), full, "telegram:update:7"); err != nil {
		t.Fatal(err)
	}
	if _, _, _, dup, err := db.Turn(ctx, c.ID, "telegram:update:7"); !dup || err != nil {
		t.Fatalf("Turn of a saved update: dup=%v, %v", dup, err)
	}
	if err := db.SaveSessionOnly(ctx, c.ID, []byte(`{"state":"b"}`), "telegram:update:8"); err != nil {
		t.Fatal(err)
	}
	if first, err := db.FirstSeen(ctx, "telegram:update:8"); first || err != nil {
		t.Fatalf("FirstSeen of an update saved with SaveSessionOnly = %v, %v", first, err)
	}
	_, sess, cart, dup, err = db.Turn(ctx, c.ID, "telegram:update:9")
	if err != nil || dup || string(sess) != `{"state":"b"}` || len(cart.Lines) != 1 || cart.Lines[0].Qty != 2 {
		t.Fatalf("Turn = %q, %+v, %v, %v", sess, cart, dup, err)
	}
	if _, _, _, _, err := db.Turn(ctx, "gone", ""); !errors.Is(err, shop.ErrNotFound) {
		t.Errorf("Turn of no customer: %v, want ErrNotFound", err)
	}
	if err := db.SaveSessionOnly(ctx, "gone", []byte("x"), ""); !errors.Is(err, shop.ErrNotFound) {
		t.Errorf("SaveSessionOnly of no customer: %v, want ErrNotFound", err)
	}
}

// TestRecentOrders: the newest n orders and the count of all.
func TestRecentOrders(t *testing.T) {
	ctx := t.Context()
	db := openMem(t)
	c, err := db.CustomerFor(ctx, "telegram:1")
	if err != nil {
		t.Fatal(err)
	}
	if orders, total, err := db.RecentOrders(ctx, c.ID, 10); len(orders) != 0 || total != 0 || err != nil {
		t.Fatalf("no orders: %v, %d, %v", orders, total, err)
	}
	for range 5 {
		if _, err := db.PlaceOrder(ctx, shop.Order{CustomerID: c.ID, Lines: []shop.Line{{Item: filter, Qty: 1, Price: rub(100)}}}); err != nil {
			t.Fatal(err)
		}
	}
	all, err := db.Orders(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	orders, total, err := db.RecentOrders(ctx, c.ID, 3)
	if err != nil || total != 5 || len(orders) != 3 {
		t.Fatalf("RecentOrders(3) = %d orders, total %d, %v", len(orders), total, err)
	}
	for i := range orders {
		if orders[i].ID != all[i].ID {
			t.Errorf("order %d = %s, want %s (newest first)", i, orders[i].ID, all[i].ID)
		}
	}
}
