package store

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/dgraph-io/badger/v4"

	"omnicart/shop"
)

// Due-time index kinds.
const (
	// DueCart: the customer's cart last changed at At and is not empty
	// (kept by SaveState and SaveCart, dropped by an order): what an
	// abandoned-cart reminder reads.
	DueCart = "cart"
)

// SetDue puts customer id in the due-time index of kind at t, replacing
// their earlier entry of that kind.
func (db *DB) SetDue(ctx context.Context, kind string, id shop.CustomerID, t time.Time) error {
	err := db.updateNoTurns(ctx, func(txn *badger.Txn) error { return setDue(txn, kind, id, t) })
	if err != nil {
		return fmt.Errorf("set due %s %s: %w", kind, id, err)
	}
	return nil
}

// ClearDue takes customer id out of the due-time index of kind.
func (db *DB) ClearDue(ctx context.Context, kind string, id shop.CustomerID) error {
	err := db.updateNoTurns(ctx, func(txn *badger.Txn) error { return clearDue(txn, kind, id) })
	if err != nil {
		return fmt.Errorf("clear due %s %s: %w", kind, id, err)
	}
	return nil
}

// Due returns up to limit customers due for kind at or before until,
// earliest first. It reads only the index, never every customer.
func (db *DB) Due(ctx context.Context, kind string, until time.Time, limit int) ([]shop.Due, error) {
	var out []shop.Due
	err := db.view(ctx, func(txn *badger.Txn) error {
		prefix := duePrefix(kind)
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
		defer it.Close()
		for it.Rewind(); it.ValidForPrefix(prefix) && len(out) < limit; it.Next() {
			k := it.Item().Key()[len(prefix):]
			if len(k) < 10 {
				continue
			}
			at := time.Unix(0, int64(binary.BigEndian.Uint64(k[:8])))
			if at.After(until) {
				break
			}
			out = append(out, shop.Due{Customer: shop.CustomerID(k[9:]), At: at})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("due %s: %w", kind, err)
	}
	return out, nil
}

func setDue(txn *badger.Txn, kind string, id shop.CustomerID, t time.Time) error {
	if err := clearDue(txn, kind, id); err != nil {
		return err
	}
	k := dueKey(kind, t, id)
	if err := txn.Set(k, nil); err != nil {
		return err
	}
	return txn.Set(dueRevKey(kind, id), k)
}

func clearDue(txn *badger.Txn, kind string, id shop.CustomerID) error {
	item, err := txn.Get(dueRevKey(kind, id))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	old, err := item.ValueCopy(nil)
	if err != nil {
		return err
	}
	if err := txn.Delete(old); err != nil {
		return err
	}
	return txn.Delete(dueRevKey(kind, id))
}
