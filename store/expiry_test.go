package store

import (
	"context"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"omnicart/shop"
)

// transferTTL gives an order paid by bank transfer ("qr") three days,
// any other one a day.
func transferTTL(o shop.Order) time.Duration {
	if o.Provider == "qr" {
		return 72 * time.Hour
	}
	return 24 * time.Hour
}

func openExpiry(t *testing.T) *DB {
	t.Helper()
	db, err := Open("", Options{InMemory: true, Now: tickClock(), PayWithin: transferTTL})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.SyncStock(context.Background(), map[string]int{"A": 10})
	return db
}

func placeA(t *testing.T, db *DB, chat string) shop.Order {
	t.Helper()
	c, err := db.CustomerFor(context.Background(), "web:"+chat)
	if err != nil {
		t.Fatal(err)
	}
	o, err := db.PlaceOrder(context.Background(), shop.Order{CustomerID: c.ID, Lines: []shop.Line{{Item: shop.Item{SKU: "A"}, Qty: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func statusOf(t *testing.T, db *DB, id string) shop.Status {
	t.Helper()
	o, err := db.Order(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return o.Status
}

// TestExpireUnpaidByOrderDeadline: an order waiting for a bank transfer
// has its own, longer time to pay (Options.PayWithin by provider): it
// outlives a card order placed with it, and expires when its own time is
// up; an order changed back to another method gets the shorter time again.
func TestExpireUnpaidByOrderDeadline(t *testing.T) {
	db := openExpiry(t)
	ctx := context.Background()
	card, transfer, back := placeA(t, db, "c1"), placeA(t, db, "c2"), placeA(t, db, "c3")
	for _, id := range []string{transfer.ID, back.ID} {
		if _, err := db.UpdateOrder(ctx, id, func(o *shop.Order) error { o.Provider = "qr"; return nil }); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.UpdateOrder(ctx, back.ID, func(o *shop.Order) error { o.Provider = "yookassa"; return nil }); err != nil {
		t.Fatal(err)
	}

	expired, err := db.ExpireUnpaid(ctx, t0.Add(25*time.Hour))
	if err != nil || len(expired) != 2 {
		t.Fatalf("after a day: expired %+v, %v; want the card order and the one changed back", expired, err)
	}
	if statusOf(t, db, card.ID) != shop.StatusCancelled || statusOf(t, db, back.ID) != shop.StatusCancelled ||
		statusOf(t, db, transfer.ID) != shop.StatusNew {
		t.Fatal("the transfer order did not get its longer time")
	}
	if again, _ := db.ExpireUnpaid(ctx, t0.Add(71*time.Hour)); len(again) != 0 {
		t.Fatalf("before three days: %+v", again)
	}
	expired, err = db.ExpireUnpaid(ctx, t0.Add(73*time.Hour))
	if err != nil || len(expired) != 1 || expired[0].ID != transfer.ID || statusOf(t, db, transfer.ID) != shop.StatusCancelled {
		t.Fatalf("after three days: %+v, %v", expired, err)
	}
	if n, _, _ := db.Stock(ctx, shop.Item{SKU: "A"}); n != 10 {
		t.Fatalf("stock = %d, want all 10 back", n)
	}
	var left int
	db.bdb.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(prefixUnpaid)})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			left++
		}
		return nil
	})
	if left != 0 {
		t.Fatalf("%d entries left in the unpaid-order index", left)
	}
}

// TestUnpaidIndexByCreationIsRebuilt: a store whose unpaid-order index is
// by creation time (written before deadlines) is indexed again by each
// order's deadline, once, on the first expiry run.
func TestUnpaidIndexByCreationIsRebuilt(t *testing.T) {
	db := openExpiry(t)
	ctx := context.Background()
	card, transfer := placeA(t, db, "c1"), placeA(t, db, "c2")
	if _, err := db.UpdateOrder(ctx, transfer.ID, func(o *shop.Order) error { o.Provider = "qr"; return nil }); err != nil {
		t.Fatal(err)
	}
	// The old layout: un/<created>/<id> and its marker.
	err := db.bdb.Update(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(prefixUnpaid)})
		var keys [][]byte
		for it.Rewind(); it.Valid(); it.Next() {
			keys = append(keys, it.Item().KeyCopy(nil))
		}
		it.Close()
		for _, k := range keys {
			if err := txn.Delete(k); err != nil {
				return err
			}
		}
		for _, o := range []shop.Order{card, transfer} {
			if err := txn.Set(unpaidKey(o.CreatedAt, o.ID), nil); err != nil {
				return err
			}
		}
		if err := txn.Delete([]byte(keyUnpaidIndexBuilt)); err != nil {
			return err
		}
		return txn.Set([]byte(keyUnpaidIndexOld), nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	db.unpaidIndexed.Store(false)
	expired, err := db.ExpireUnpaid(ctx, t0.Add(25*time.Hour))
	if err != nil || len(expired) != 1 || expired[0].ID != card.ID {
		t.Fatalf("expired %+v, %v; want the card order only", expired, err)
	}
	if statusOf(t, db, transfer.ID) != shop.StatusNew {
		t.Fatal("the transfer order expired by its creation time")
	}
	if expired, _ := db.ExpireUnpaid(ctx, t0.Add(73*time.Hour)); len(expired) != 1 || expired[0].ID != transfer.ID {
		t.Fatalf("after three days: %+v", expired)
	}
}
