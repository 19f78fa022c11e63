package store

import (
	"context"
	"fmt"

	"github.com/dgraph-io/badger/v4"

	"omnicart/shop"
)

// Courier delivery windows: how many orders hold each window. An order
// takes its window in PlaceOrder's transaction and gives it back when it is
// cancelled (or expires unpaid), so the last place of a window goes to one
// order only.

func slotKey(s shop.Slot) []byte { return []byte(prefixSlot + s.Key()) }

// SlotsTaken returns how many orders hold each of slots, in their order.
func (db *DB) SlotsTaken(ctx context.Context, slots []shop.Slot) ([]int, error) {
	taken := make([]int, len(slots))
	err := db.view(ctx, func(txn *badger.Txn) error {
		for i, s := range slots {
			if _, err := getJSON(txn, slotKey(s), &taken[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("delivery windows: %w", err)
	}
	return taken, nil
}

// takeSlot takes a place in the order's window: shop.ErrSlotFull when the
// window already holds its capacity.
func takeSlot(txn *badger.Txn, o shop.Order) error {
	if o.Slot == nil {
		return nil
	}
	var n int
	if _, err := getJSON(txn, slotKey(*o.Slot), &n); err != nil {
		return err
	}
	if o.Slot.Capacity > 0 && n >= o.Slot.Capacity {
		return shop.ErrSlotFull
	}
	return setJSON(txn, slotKey(*o.Slot), n+1)
}

// releaseSlot gives the order's place in its window back.
func releaseSlot(txn *badger.Txn, o shop.Order) error {
	if o.Slot == nil {
		return nil
	}
	return addCount(txn, slotKey(*o.Slot), -1)
}

// addCount adds d to the counter at key, never below zero; a counter that
// reaches zero is deleted.
func addCount(txn *badger.Txn, key []byte, d int) error {
	var n int
	if _, err := getJSON(txn, key, &n); err != nil {
		return err
	}
	if n += d; n <= 0 {
		return txn.Delete(key)
	}
	return setJSON(txn, key, n)
}
