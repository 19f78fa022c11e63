package store

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/dgraph-io/badger/v4"

	"omnicart/shop"
)

// The read path of one message: what the engine needs for a customer's
// turn is read once, in one transaction, instead of one transaction per
// record.

// CustomerID returns the ID of the customer who writes from addr without
// reading their profile; ok is false for an address never seen (then
// CustomerFor creates the customer).
func (db *DB) CustomerID(ctx context.Context, addr string) (id shop.CustomerID, ok bool, err error) {
	err = db.view(ctx, func(txn *badger.Txn) error {
		item, err := txn.Get(addrKey(addr))
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		return item.Value(func(b []byte) error {
			id, ok = shop.CustomerID(b), true // string(b) copies
			return nil
		})
	})
	if err != nil {
		return "", false, fmt.Errorf("customer of %s: %w", addr, err)
	}
	return id, ok, nil
}

// Turn reads a customer's profile, session bytes (nil when there are
// none) and cart in one transaction. With a seen key ("telegram:123", an
// update's ID) it also reports whether that key was marked seen (dup): a
// duplicate of an update whose turn was saved (SaveState marks it). A
// customer who is gone is an error wrapping shop.ErrNotFound.
func (db *DB) Turn(ctx context.Context, id shop.CustomerID, seen string) (c shop.Customer, session []byte, cart shop.Cart, dup bool, err error) {
	err = db.view(ctx, func(txn *badger.Txn) error {
		c, session, cart, dup = shop.Customer{}, nil, shop.Cart{}, false
		if seen != "" {
			if dup, err = exists(txn, seenKey(seen)); err != nil || dup {
				return err
			}
		}
		ok, err := getJSON(txn, customerKey(id), &c)
		if err == nil && !ok {
			err = shop.ErrNotFound
		}
		if err != nil {
			return err
		}
		item, err := txn.Get(sessionKey(id))
		switch {
		case err == nil:
			if session, err = item.ValueCopy(nil); err != nil {
				return err
			}
		case !errors.Is(err, badger.ErrKeyNotFound):
			return err
		}
		_, err = getJSON(txn, cartKey(id), &cart)
		return err
	})
	if err != nil {
		return shop.Customer{}, nil, shop.Cart{}, false, fmt.Errorf("turn of %s: %w", id, err)
	}
	return c, session, cart, dup, nil
}

// SaveSessionOnly stores the session bytes of a customer who still exists
// and leaves the cart as it is: SaveState for a message that found the
// cart empty and left it empty, with nothing to read or write for it.
// A seen key is marked seen in the same transaction (see Turn).
func (db *DB) SaveSessionOnly(ctx context.Context, id shop.CustomerID, session []byte, seen string) error {
	err := db.update(ctx, func(txn *badger.Txn) error {
		if err := mustExist(txn, id); err != nil {
			return err
		}
		if err := markSeen(txn, seen); err != nil {
			return err
		}
		return putSession(txn, id, session)
	})
	if err != nil {
		return fmt.Errorf("save state %s: %w", id, err)
	}
	return nil
}

// RecentOrders returns the customer's newest n orders, newest first, and
// how many orders they have in all: a listing reads n orders, however
// many there are (the count walks the index keys only).
func (db *DB) RecentOrders(ctx context.Context, id shop.CustomerID, n int) (orders []shop.Order, total int, err error) {
	err = db.view(ctx, func(txn *badger.Txn) error {
		orders, total = nil, 0
		prefix := customerOrdersPrefix(id)
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, Reverse: true})
		defer it.Close()
		for it.Seek(append(slices.Clip(prefix), 0xff)); it.ValidForPrefix(prefix); it.Next() {
			total++
			if len(orders) == n {
				continue
			}
			var o shop.Order
			if err := getOrder(txn, orderIDFromIndex(it.Item().Key(), len(prefix)), &o); err != nil {
				return err
			}
			orders = append(orders, o)
		}
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("orders of %s: %w", id, err)
	}
	return orders, total, nil
}
