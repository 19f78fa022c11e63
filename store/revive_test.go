package store

import (
	"testing"
	"time"

	"omnicart/shop"
)

// An expired order whose payment came late is revived as paid: its stock
// is taken again and the status index follows it like any status change.
func TestReviveOrderIndexesItsStatus(t *testing.T) {
	ctx := t.Context()
	db := openMem(t)
	if err := db.SyncStock(ctx, map[string]int{filter.Key(): 5}); err != nil {
		t.Fatal(err)
	}
	placed, err := db.PlaceOrder(ctx, filterOrder("c1"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExpireUnpaid(ctx, placed.CreatedAt.Add(DefaultPayWithin+time.Second)); err != nil {
		t.Fatal(err)
	}
	revived, err := db.ReviveOrder(ctx, placed.ID, func(o *shop.Order) ([]shop.Notice, error) {
		o.Status, o.PaymentID = shop.StatusPaid, "pay-1" // as payments/settle does: the status machine has no such move
		return nil, nil
	})
	if err != nil || revived.Status != shop.StatusPaid {
		t.Fatalf("ReviveOrder = %+v, %v", revived, err)
	}
	if paid, n, _ := db.OrdersByStatus(ctx, shop.StatusPaid, 10); n != 1 || paid[0].ID != placed.ID {
		t.Errorf("paid orders after the revival: %d %+v", n, paid)
	}
	if _, n, _ := db.OrdersByStatus(ctx, shop.StatusCancelled, 10); n != 0 {
		t.Errorf("the revived order is still listed as cancelled (%d)", n)
	}
	if left, _, _ := db.Stock(ctx, filter); left != 4 {
		t.Errorf("stock after the revival = %d, want 4", left)
	}
	verifyClean(t, db)
}
