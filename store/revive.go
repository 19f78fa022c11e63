package store

import (
	"context"
	"fmt"

	"github.com/dgraph-io/badger/v4"

	"omnicart/shop"
)

// ReviveOrder brings back a cancelled order whose payment arrived after
// it expired: in one transaction it takes again the stock of every line
// and what the expiry gave back (its delivery window, its promo code use,
// the points it paid with), and applies fn (which marks the order paid and
// returns the notices to write with it). When an item with known stock
// runs short it returns a *shop.OutOfStockError; when the window is full,
// the code used up or the points spent meanwhile, shop.ErrSlotFull, a
// *shop.PromoError or shop.ErrNotEnoughPoints; each changes nothing. An
// order that is not cancelled is an error wrapping shop.ErrBadTransition.
// The change is synced to disk before ReviveOrder returns.
func (db *DB) ReviveOrder(ctx context.Context, id string, fn func(*shop.Order) ([]shop.Notice, error)) (shop.Order, error) {
	var o shop.Order
	err := db.update(ctx, func(txn *badger.Txn) error {
		o = shop.Order{}
		if err := getOrder(txn, id, &o); err != nil {
			return err
		}
		if o.Status != shop.StatusCancelled {
			return fmt.Errorf("order %s is %s, not cancelled: %w", id, o.Status, shop.ErrBadTransition)
		}
		if err := takeStock(txn, o.Lines); err != nil {
			return err
		}
		if err := claim(txn, o); err != nil {
			return err
		}
		old := o
		notices, err := fn(&o)
		if err != nil {
			return err
		}
		o.ID, o.Number, o.CustomerID, o.CreatedAt = old.ID, old.Number, old.CustomerID, old.CreatedAt
		o.UpdatedAt = db.now()
		for _, n := range notices {
			if _, err := db.putNotice(txn, n, o.UpdatedAt); err != nil {
				return err
			}
		}
		if err := db.orderWritten(txn, &old, o); err != nil { // the status index, the staff told
			return err
		}
		return setJSON(txn, orderKey(id), o)
	})
	if shop.HeldGone(err) {
		return shop.Order{}, err
	}
	if err != nil {
		return shop.Order{}, fmt.Errorf("revive order %s: %w", id, err)
	}
	if err := db.syncNow(); err != nil {
		return shop.Order{}, fmt.Errorf("revive order %s: sync: %w", id, err)
	}
	return o, nil
}
