package store

import (
	"context"
	"encoding/json"
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
//
// Known addresses come from the turn cache (turncache.go).
func (db *DB) CustomerID(ctx context.Context, addr string) (id shop.CustomerID, ok bool, err error) {
	id, ok, epoch := db.turns.addr(addr)
	if ok {
		return id, true, nil
	}
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
	if ok {
		db.turns.fillAddr(addr, id, epoch)
	}
	return id, ok, nil
}

// Turn reads a customer's profile, session bytes (nil when there are
// none) and cart in one transaction. With a seen key ("telegram:123", an
// update's ID) it also reports whether that key was marked seen (dup): a
// duplicate of an update whose turn was saved (SaveState marks it). A
// customer who is gone is an error wrapping shop.ErrNotFound.
//
// The records come from the turn cache when they are there (turncache.go).
func (db *DB) Turn(ctx context.Context, id shop.CustomerID, seen string) (c shop.Customer, session []byte, cart shop.Cart, dup bool, err error) {
	cached, hit := db.turns.get(id)
	tok := db.turns.token(id)
	err = db.view(ctx, func(txn *badger.Txn) error {
		dup = false
		if seen != "" {
			if dup, err = exists(txn, seenKey(seen)); err != nil || dup {
				return err
			}
		}
		if hit {
			return nil
		}
		cached = cachedTurn{}
		if cached.cust, err = getBytes(txn, customerKey(id)); err != nil {
			return err
		}
		if cached.session, err = getBytes(txn, sessionKey(id)); err != nil {
			return err
		}
		cached.cart, err = getBytes(txn, cartKey(id))
		return err
	})
	if err == nil && dup {
		return shop.Customer{}, nil, shop.Cart{}, true, nil
	}
	if err == nil && cached.cust == nil {
		err = shop.ErrNotFound
	}
	if err == nil {
		err = decodeTurn(cached, &c, &cart)
	}
	if err != nil {
		return shop.Customer{}, nil, shop.Cart{}, false, fmt.Errorf("turn of %s: %w", id, err)
	}
	if !hit {
		db.turns.fill(id, tok, cached)
	}
	return c, slices.Clone(cached.session), cart, false, nil
}

// decodeTurn decodes a turn's customer and cart records.
func decodeTurn(t cachedTurn, c *shop.Customer, cart *shop.Cart) error {
	*c, *cart = shop.Customer{}, shop.Cart{}
	if err := json.Unmarshal(t.cust, c); err != nil {
		return err
	}
	if t.cart != nil {
		return json.Unmarshal(t.cart, cart)
	}
	return nil
}

// SaveSessionOnly stores the session bytes of a customer who still exists
// and leaves the cart as it is: SaveState for a message that found the
// cart empty and left it empty, with nothing to read or write for it.
// A seen key is marked seen in the same transaction (see Turn).
func (db *DB) SaveSessionOnly(ctx context.Context, id shop.CustomerID, session []byte, seen string) error {
	tok := db.turns.token(id)
	err := db.updateNoTurns(ctx, func(txn *badger.Txn) error { // the cache is written through
		if err := mustExist(txn, id); err != nil {
			return err
		}
		if err := markSeen(txn, seen); err != nil {
			return err
		}
		return putSession(txn, id, session)
	})
	if err != nil {
		db.turns.drop(id)
		return fmt.Errorf("save state %s: %w", id, err)
	}
	db.turns.writeThrough(id, tok, func(t *cachedTurn) { t.session = sessionBytes(session) })
	return nil
}

// sessionBytes is what putSession stores: nil for an empty session (the
// record is deleted), else a copy the caller cannot change.
func sessionBytes(session []byte) []byte {
	if len(session) == 0 {
		return nil
	}
	return slices.Clone(session)
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
