package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/dgraph-io/badger/v4"

	"omnicart/shop"
)

// Loyalty points: one balance per customer. An order pays with points in
// PlaceOrder's transaction, gets them back when it is cancelled, and
// credits the points it earns (shop.Order.Earn) when it is delivered.

func pointsKey(id shop.CustomerID) []byte { return []byte(prefixPoints + string(id)) }

// Points returns the customer's balance of loyalty points.
func (db *DB) Points(ctx context.Context, id shop.CustomerID) (int64, error) {
	var n int64
	err := db.view(ctx, func(txn *badger.Txn) error {
		_, err := getJSON(txn, pointsKey(id), &n)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("points of %s: %w", id, err)
	}
	return n, nil
}

// AddPoints adds n points (negative: takes them, never below zero) to the
// customer's balance and returns the new balance: a goodwill credit, a
// campaign's gift.
func (db *DB) AddPoints(ctx context.Context, id shop.CustomerID, n int64) (int64, error) {
	var bal int64
	err := db.updateNoTurns(ctx, func(txn *badger.Txn) error {
		if err := mustExist(txn, id); err != nil {
			return err
		}
		var err error
		bal, err = addPoints(txn, id, n)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("add points to %s: %w", id, err)
	}
	return bal, nil
}

// addPoints adds n to the balance of id, never below zero.
func addPoints(txn *badger.Txn, id shop.CustomerID, n int64) (int64, error) {
	var bal int64
	if _, err := getJSON(txn, pointsKey(id), &bal); err != nil {
		return 0, err
	}
	bal = max(bal+n, 0)
	if bal == 0 {
		return 0, txn.Delete(pointsKey(id))
	}
	return bal, setJSON(txn, pointsKey(id), bal)
}

// spendPoints takes the points the order pays with:
// shop.ErrNotEnoughPoints when the balance is short.
func spendPoints(txn *badger.Txn, o shop.Order) error {
	if o.Points == 0 {
		return nil
	}
	if o.Points < 0 {
		return fmt.Errorf("negative points %d", o.Points)
	}
	var bal int64
	if _, err := getJSON(txn, pointsKey(o.CustomerID), &bal); err != nil {
		return err
	}
	if bal < o.Points {
		return shop.ErrNotEnoughPoints
	}
	_, err := addPoints(txn, o.CustomerID, -o.Points)
	return err
}

// claim takes what an order holds besides stock, in PlaceOrder's
// transaction: its delivery window, its promo code use, its points.
func claim(txn *badger.Txn, o shop.Order) error {
	if err := takeSlot(txn, o); err != nil {
		return err
	}
	if err := takePromo(txn, o); err != nil {
		return err
	}
	return spendPoints(txn, o)
}

// release gives back what claim took: the order was cancelled, expired
// unpaid or was refunded.
func release(txn *badger.Txn, o shop.Order) error {
	if err := releaseSlot(txn, o); err != nil {
		return err
	}
	if err := releasePromo(txn, o); err != nil {
		return err
	}
	if left := o.Points - o.PointsBack; left > 0 {
		if _, err := addPoints(txn, o.CustomerID, left); err != nil {
			return err
		}
	}
	return nil
}

// statusRefunded is the status of a refunded order, when the order status
// machine has one: a refund gives back like a cancellation.
const statusRefunded shop.Status = "refunded"

// givesBack reports whether an order in status s holds nothing any more.
func givesBack(s shop.Status) bool { return s == shop.StatusCancelled || s == statusRefunded }

// settle does what an order's status change means for the customer's
// balances, in the transaction of the change: an order cancelled or
// refunded gives back its window, its promo code use and its points (and
// the points it earned, when it was delivered); a delivered order credits
// the points it earns.
//
// A part refunded (shop.Order.RefundPart) keeps the status: its share of
// the points paid with comes back, and its share of the points earned goes
// (once credited; else it is never credited).
func settle(txn *badger.Txn, old, o shop.Order) error {
	if old.Status == o.Status {
		if n := o.PointsBack - old.PointsBack; n > 0 {
			if _, err := addPoints(txn, o.CustomerID, n); err != nil {
				return err
			}
		}
		if n := o.EarnBack - old.EarnBack; n > 0 && o.Status == shop.StatusDelivered {
			if _, err := addPoints(txn, o.CustomerID, -n); err != nil {
				return err
			}
		}
		return nil
	}
	earned := o.Earn - o.EarnBack
	if givesBack(o.Status) && !givesBack(old.Status) {
		if err := release(txn, o); err != nil {
			return err
		}
		if old.Status == shop.StatusDelivered && earned > 0 {
			if _, err := addPoints(txn, o.CustomerID, -earned); err != nil {
				return err
			}
		}
		return nil
	}
	if o.Status == shop.StatusDelivered && earned > 0 {
		_, err := addPoints(txn, o.CustomerID, earned)
		return err
	}
	return nil
}

// mergeBalances adds the points and the promo code uses of from to into
// and deletes from's (Merge).
func mergeBalances(txn *badger.Txn, from, into shop.CustomerID) error {
	var pts int64
	if _, err := getJSON(txn, pointsKey(from), &pts); err != nil {
		return err
	}
	if pts > 0 {
		if _, err := addPoints(txn, into, pts); err != nil {
			return err
		}
	}
	if err := txn.Delete(pointsKey(from)); err != nil {
		return err
	}
	prefix := []byte(prefixPromoMine + string(from) + "/")
	uses := map[string]int{}
	var keys [][]byte
	it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: true})
	for it.Rewind(); it.Valid(); it.Next() {
		var n int
		if err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, &n) }); err != nil {
			it.Close()
			return err
		}
		k := it.Item().KeyCopy(nil)
		keys = append(keys, k)
		uses[strings.TrimPrefix(string(k), string(prefix))] = n
	}
	it.Close()
	for code, n := range uses {
		if err := addCount(txn, promoMineKey(into, code), n); err != nil {
			return err
		}
	}
	for _, k := range keys {
		if err := txn.Delete(k); err != nil {
			return err
		}
	}
	return nil
}
