package store

import (
	"context"
	"encoding/json"
	"fmt"
	mrand "math/rand/v2"
	"time"

	"github.com/dgraph-io/badger/v4"

	"omnicart/shop"
)

// seenTTL is how long FirstSeen remembers a key.
const seenTTL = 48 * time.Hour

// LogEvent appends e to the analytics log; a zero e.Time becomes now. Events
// are not synced: a power cut may lose the last few.
func (db *DB) LogEvent(ctx context.Context, e shop.Event) error {
	if e.Time.IsZero() {
		e.Time = db.now()
	}
	err := db.updateNoTurns(ctx, func(txn *badger.Txn) error { return putEvent(txn, e) })
	if err != nil {
		return fmt.Errorf("log event %s: %w", e.Type, err)
	}
	return nil
}

// putEvent writes e to the analytics log and its customer's index.
func putEvent(txn *badger.Txn, e shop.Event) error {
	k := eventKey(e.Time, mrand.Uint64())
	if e.Customer != "" {
		if err := txn.Set(custEventKey(e.Customer, k), nil); err != nil {
			return err
		}
	}
	return setJSON(txn, k, e)
}

// orderEvents logs what an order's change from before (nil: it is new) to
// after means in money, in the transaction that writes it, so the
// analytics log has each order placed, paid, cancelled and refunded once,
// whoever changed it (the shopper, a payment provider's webhook, staff, the
// expiry job): EventPlaced and EventPaid with the order's total,
// EventRefund with the part given back, EventCancel. An order made paid
// with nothing to pay (an exchange of returned items) is no sale and logs
// nothing.
func orderEvents(txn *badger.Txn, before *shop.Order, after shop.Order) error {
	var was shop.Order // a new order was nothing before
	if before != nil {
		was = *before
	} else if after.Status != shop.StatusNew && after.Total.Minor == 0 {
		return nil
	}
	var kinds []shop.EventKind
	if before == nil {
		kinds = append(kinds, shop.EventPlaced)
	}
	if after.Status == shop.StatusPaid && (was.Status == "" || was.Status == shop.StatusNew || was.Status == shop.StatusCancelled) {
		kinds = append(kinds, shop.EventPaid)
	}
	if after.Status == shop.StatusCancelled && was.Status != shop.StatusCancelled {
		kinds = append(kinds, shop.EventCancel)
	}
	refunded := after.Refunded.Minor - was.Refunded.Minor
	if refunded > 0 {
		kinds = append(kinds, shop.EventRefund)
	}
	if len(kinds) == 0 {
		return nil
	}
	var c shop.Customer
	if _, err := getJSON(txn, customerKey(after.CustomerID), &c); err != nil {
		return err
	}
	for _, k := range kinds {
		e := shop.Event{Time: after.UpdatedAt, Customer: after.CustomerID, Type: k, Channel: after.Channel,
			Source: c.Source, OrderID: after.ID, Value: after.Total}
		switch k {
		case shop.EventRefund:
			e.Value = shop.Money{Minor: refunded, Currency: after.Total.Currency}
		case shop.EventCancel:
			e.Value = shop.Money{}
		}
		if err := putEvent(txn, e); err != nil {
			return err
		}
	}
	return nil
}

// Events calls fn for every event at or after since, in time order, until fn
// returns false.
func (db *DB) Events(ctx context.Context, since time.Time, fn func(shop.Event) bool) error {
	err := db.view(ctx, func(txn *badger.Txn) error {
		prefix := []byte(prefixEvent)
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: true, PrefetchSize: 100})
		defer it.Close()
		for it.Seek(eventSeek(since)); it.ValidForPrefix(prefix); it.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			var e shop.Event
			if err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, &e) }); err != nil {
				return err
			}
			if !fn(e) {
				return nil
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("events: %w", err)
	}
	return nil
}

// CustomerEvents calls fn for every event of customer id at or after since,
// in time order, until fn returns false. It reads the per-customer index,
// not the whole log.
func (db *DB) CustomerEvents(ctx context.Context, id shop.CustomerID, since time.Time, fn func(shop.Event) bool) error {
	err := db.view(ctx, func(txn *badger.Txn) error {
		prefix := []byte(prefixCustEvent + string(id) + "/")
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
		defer it.Close()
		for it.Seek(custEventKey(id, eventSeek(since))); it.ValidForPrefix(prefix); it.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			k := append([]byte(prefixEvent), it.Item().Key()[len(prefix):]...)
			var e shop.Event
			ok, err := getJSON(txn, k, &e)
			if err != nil {
				return err
			}
			if ok && !fn(e) {
				return nil
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("events of %s: %w", id, err)
	}
	return nil
}

// FirstSeen marks key (such as "telegram:update:12345") as seen for 48 hours
// and reports whether this is the first time. Of concurrent calls with the
// same key exactly one gets true.
func (db *DB) FirstSeen(ctx context.Context, key string) (bool, error) {
	var first bool
	err := db.updateNoTurns(ctx, func(txn *badger.Txn) error {
		seen, err := exists(txn, seenKey(key))
		first = err == nil && !seen
		if !first {
			return err
		}
		return markSeen(txn, key)
	})
	if err != nil {
		return false, fmt.Errorf("first seen %s: %w", key, err)
	}
	return first, nil
}

// markSeen marks key seen for seenTTL; an empty key is not marked.
func markSeen(txn *badger.Txn, key string) error {
	if key == "" {
		return nil
	}
	return txn.SetEntry(badger.NewEntry(seenKey(key), nil).WithTTL(seenTTL))
}

// Counts returns how many customers and orders are stored.
func (db *DB) Counts(ctx context.Context) (customers, orders int, err error) {
	err = db.view(ctx, func(txn *badger.Txn) error {
		customers = countPrefix(txn, prefixCustomer)
		orders = countPrefix(txn, prefixOrder)
		return nil
	})
	if err != nil {
		return 0, 0, fmt.Errorf("counts: %w", err)
	}
	return customers, orders, nil
}

func countPrefix(txn *badger.Txn, prefix string) int {
	p := []byte(prefix)
	it := txn.NewIterator(badger.IteratorOptions{Prefix: p})
	defer it.Close()
	n := 0
	for it.Seek(p); it.ValidForPrefix(p); it.Next() {
		n++
	}
	return n
}
