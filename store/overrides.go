package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/dgraph-io/badger/v4"

	"omnicart/shop"
)

// Catalog overrides: changes to the catalog made from the chat (/stock,
// /price, /hide, /show), kept over the owner's files until cleared.
//
//	ov/<item>   shop.Override; <item> is a SKU or "SKU/variant"
//
// A stock override also set the live stock (st/<item>); SyncStock leaves
// an item with a stock override alone, so a reload of changed files never
// undoes it.
const prefixOverride = "ov/"

func overrideKey(item string) []byte { return []byte(prefixOverride + item) }

// Overrides returns every catalog override, by item.
func (db *DB) Overrides(ctx context.Context) ([]shop.Override, error) {
	var out []shop.Override
	err := db.view(ctx, func(txn *badger.Txn) error {
		prefix := []byte(prefixOverride)
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: true})
		defer it.Close()
		for it.Rewind(); it.ValidForPrefix(prefix); it.Next() {
			var o shop.Override
			if err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, &o) }); err != nil {
				return err
			}
			out = append(out, o)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("overrides: %w", err)
	}
	return out, nil
}

// stockOverridden reports whether the live stock of item was set from the
// chat.
func stockOverridden(txn *badger.Txn, item string) (bool, error) {
	var o shop.Override
	ok, err := getJSON(txn, overrideKey(item), &o)
	return ok && o.Stock != nil, err
}

// SetOverride changes the override of item with fn and records the staff
// action e in the audit log, in one transaction; e.Before and e.After,
// when empty, describe the override before and after. When fn changes
// nothing (hiding a hidden item, showing a shown one, the price it has),
// nothing is written or audited, and the override keeps its author and
// time. An override left empty is removed. When fn sets a stock (a new *int, even of the same
// number), the live stock of item becomes that stock (stockItem names its
// counter: the item or its product's). It returns the override before and
// after.
func (db *DB) SetOverride(ctx context.Context, item, stockItem string, e shop.AuditEntry, fn func(*shop.Override)) (before, after shop.Override, err error) {
	err = db.update(ctx, func(txn *badger.Txn) error {
		before = shop.Override{}
		if _, err := getJSON(txn, overrideKey(item), &before); err != nil {
			return err
		}
		after = before
		after.Item, after.By, after.At = item, e.By, db.now()
		fn(&after)
		if sameOverride(before, after) {
			after = before
			return nil
		}
		// fn set a stock when after.Stock is not before's pointer: /stock
		// sets the live stock even to the number it set before (sales
		// have taken from it since); /price and /hide leave it alone.
		if after.Stock != nil && after.Stock != before.Stock {
			if err := setJSON(txn, stockKey(stockItem), *after.Stock); err != nil {
				return err
			}
		}
		if after.Empty() {
			if err := txn.Delete(overrideKey(item)); err != nil {
				return err
			}
		} else if err := setJSON(txn, overrideKey(item), after); err != nil {
			return err
		}
		e.Target = item
		return db.putAudit(txn, e)
	})
	if err != nil {
		return before, after, fmt.Errorf("override %s: %w", item, err)
	}
	if err := db.sync(); err != nil {
		return before, after, fmt.Errorf("override %s: sync: %w", item, err)
	}
	return before, after, nil
}

// sameOverride reports whether b changes the catalog as a does. A stock
// set again, even to the same number, is a change: it sets the live stock
// (see SetOverride).
func sameOverride(a, b shop.Override) bool {
	samePrice := a.Price == b.Price || (a.Price != nil && b.Price != nil && *a.Price == *b.Price)
	return samePrice && a.Stock == b.Stock && a.Hidden == b.Hidden
}

// ClearOverride drops the override of item, so the catalog's files say
// again what it is, and records e in the audit log, in one transaction.
// When the override set the stock, the live stock becomes fileStock (the
// files' value for the counter stockItem; nil: left as it is). It returns
// the override that was dropped, and false when there was none.
func (db *DB) ClearOverride(ctx context.Context, item, stockItem string, fileStock *int, e shop.AuditEntry) (shop.Override, bool, error) {
	var was shop.Override
	var found bool
	err := db.update(ctx, func(txn *badger.Txn) error {
		was = shop.Override{}
		var err error
		if found, err = getJSON(txn, overrideKey(item), &was); err != nil || !found {
			return err
		}
		if was.Stock != nil && fileStock != nil {
			if err := setJSON(txn, stockKey(stockItem), *fileStock); err != nil {
				return err
			}
			if err := setJSON(txn, seedKey(stockItem), *fileStock); err != nil {
				return err
			}
		}
		if err := txn.Delete(overrideKey(item)); err != nil {
			return err
		}
		e.Target = item
		return db.putAudit(txn, e)
	})
	if err != nil {
		return was, false, fmt.Errorf("clear override %s: %w", item, err)
	}
	if err := db.sync(); err != nil {
		return was, found, fmt.Errorf("clear override %s: sync: %w", item, err)
	}
	return was, found, nil
}
