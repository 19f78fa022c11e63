package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/dgraph-io/badger/v4"

	"omnicart/shop"
)

// CustomerFor returns the customer who writes from addr ("telegram:123"),
// creating one on first contact. Concurrent calls for the same new address
// end with one customer.
func (db *DB) CustomerFor(ctx context.Context, addr string) (shop.Customer, error) {
	if addr == "" {
		return shop.Customer{}, errors.New("customer for empty address")
	}
	var c shop.Customer
	err := db.update(ctx, func(txn *badger.Txn) error {
		c = shop.Customer{}
		item, err := txn.Get(addrKey(addr))
		if err == nil {
			id, err := item.ValueCopy(nil)
			if err != nil {
				return err
			}
			ok, err := getJSON(txn, customerKey(shop.CustomerID(id)), &c)
			if err == nil && !ok {
				err = fmt.Errorf("customer %s: %w", id, shop.ErrNotFound)
			}
			return err
		}
		if !errors.Is(err, badger.ErrKeyNotFound) {
			return err
		}
		c, err = db.newCustomer(txn, addr, shop.Customer{})
		return err
	})
	if err != nil {
		return shop.Customer{}, fmt.Errorf("customer for %s: %w", addr, err)
	}
	return c, nil
}

// newCustomer stores a new customer, like proto but with a fresh ID, addr
// as its only channel and the time, and points addr at it.
func (db *DB) newCustomer(txn *badger.Txn, addr string, proto shop.Customer) (shop.Customer, error) {
	id, err := freshID(txn, "c", 6, func(id string) []byte { return customerKey(shop.CustomerID(id)) })
	if err != nil {
		return shop.Customer{}, err
	}
	now := db.now()
	c := proto
	c.ID, c.Channels, c.CreatedAt, c.SeenAt = shop.CustomerID(id), []string{addr}, now, now
	if err := setJSON(txn, customerKey(c.ID), c); err != nil {
		return shop.Customer{}, err
	}
	if err := db.customerSaved(txn, shop.Customer{}, c); err != nil { // due for browse, offers, win-back from now
		return shop.Customer{}, err
	}
	return c, txn.Set(addrKey(addr), []byte(c.ID))
}

// freshID returns a random ID (prefix + n bytes in hex) whose key is unused.
func freshID(txn *badger.Txn, prefix string, n int, key func(string) []byte) (string, error) {
	for {
		id := newID(prefix, n)
		taken, err := exists(txn, key(id))
		if err != nil || !taken {
			return id, err
		}
	}
}

// Customer returns the customer with id, or an error wrapping
// shop.ErrNotFound.
func (db *DB) Customer(ctx context.Context, id shop.CustomerID) (shop.Customer, error) {
	var c shop.Customer
	err := db.view(ctx, func(txn *badger.Txn) error {
		ok, err := getJSON(txn, customerKey(id), &c)
		if err == nil && !ok {
			err = shop.ErrNotFound
		}
		return err
	})
	if err != nil {
		return shop.Customer{}, fmt.Errorf("customer %s: %w", id, err)
	}
	return c, nil
}

// SaveCustomer stores c's profile. The channel list is the store's own
// (CustomerFor, Merge and Unlink change it), so a copy read before a
// concurrent link or unlink cannot undo it. A customer merged away in the
// meantime is not brought back: the error wraps shop.ErrNotFound.
func (db *DB) SaveCustomer(ctx context.Context, c shop.Customer) error {
	if c.ID == "" {
		return errors.New("save customer: empty id")
	}
	defer db.turns.drop(c.ID)
	err := db.updateNoTurns(ctx, func(txn *badger.Txn) error { // writes c's records only: dropped above
		var stored shop.Customer
		ok, err := getJSON(txn, customerKey(c.ID), &stored)
		if err != nil {
			return err
		}
		if !ok {
			return shop.ErrNotFound
		}
		c.Channels = stored.Channels
		if err := db.customerSaved(txn, stored, c); err != nil { // campaigns.go: last seen, birthday
			return err
		}
		if err := setJSON(txn, customerKey(c.ID), c); err != nil {
			return err
		}
		return putPhone(txn, c)
	})
	if err != nil {
		return fmt.Errorf("save customer %s: %w", c.ID, err)
	}
	return nil
}

// SetReachable records whether the customer at addr can be written to on
// addr's channel, in one transaction.
func (db *DB) SetReachable(ctx context.Context, addr string, ok bool) error {
	channel, _, _ := strings.Cut(addr, ":")
	err := db.update(ctx, func(txn *badger.Txn) error {
		item, err := txn.Get(addrKey(addr))
		if err != nil {
			return err
		}
		id, err := item.ValueCopy(nil)
		if err != nil {
			return err
		}
		var c shop.Customer
		if found, err := getJSON(txn, customerKey(shop.CustomerID(id)), &c); err != nil || !found {
			return err
		}
		if !c.SetReachable(channel, ok) {
			return nil
		}
		return setJSON(txn, customerKey(c.ID), c)
	})
	if err != nil {
		return fmt.Errorf("set reachable %s: %w", addr, err)
	}
	return nil
}

// Session returns the customer's session bytes, or nil when there are none.
func (db *DB) Session(ctx context.Context, id shop.CustomerID) ([]byte, error) {
	var data []byte
	err := db.view(ctx, func(txn *badger.Txn) (err error) {
		data, err = getBytes(txn, sessionKey(id))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("session %s: %w", id, err)
	}
	return data, nil
}

// SaveSession stores the customer's session bytes; empty data deletes them.
func (db *DB) SaveSession(ctx context.Context, id shop.CustomerID, data []byte) error {
	err := db.update(ctx, func(txn *badger.Txn) error { return putSession(txn, id, data) })
	if err != nil {
		return fmt.Errorf("save session %s: %w", id, err)
	}
	return nil
}

// Cart returns the customer's cart, empty when there is none.
func (db *DB) Cart(ctx context.Context, id shop.CustomerID) (shop.Cart, error) {
	var c shop.Cart
	err := db.view(ctx, func(txn *badger.Txn) error {
		_, err := getJSON(txn, cartKey(id), &c)
		return err
	})
	if err != nil {
		return shop.Cart{}, fmt.Errorf("cart %s: %w", id, err)
	}
	return c, nil
}

// SaveCart stores the customer's cart; an empty cart deletes it.
func (db *DB) SaveCart(ctx context.Context, id shop.CustomerID, c shop.Cart) error {
	err := db.update(ctx, func(txn *badger.Txn) error { return db.putCart(txn, id, c) })
	if err != nil {
		return fmt.Errorf("save cart %s: %w", id, err)
	}
	return nil
}

// SaveState stores the session bytes and the cart in one transaction,
// and marks a seen key seen (see Turn).
func (db *DB) SaveState(ctx context.Context, id shop.CustomerID, session []byte, c shop.Cart, seen string) error {
	tok := db.turns.token(id)
	var cart []byte
	err := db.updateNoTurns(ctx, func(txn *badger.Txn) (err error) { // the cache is written through
		if err := mustExist(txn, id); err != nil {
			return err
		}
		if err := markSeen(txn, seen); err != nil {
			return err
		}
		if err := putSession(txn, id, session); err != nil {
			return err
		}
		cart, err = db.putCartBytes(txn, id, c)
		return err
	})
	if err != nil {
		db.turns.drop(id)
		return fmt.Errorf("save state %s: %w", id, err)
	}
	db.turns.writeThrough(id, tok, func(t *cachedTurn) { t.session, t.cart = sessionBytes(session), cart })
	return nil
}

func putSession(txn *badger.Txn, id shop.CustomerID, data []byte) error {
	if len(data) == 0 {
		return txn.Delete(sessionKey(id))
	}
	return txn.Set(sessionKey(id), data)
}

// putCart stores the cart and keeps the customer's place in the DueCart
// index: the last change of a non-empty cart (a message that leaves the
// cart as it was moves nothing: the abandoned-cart reminder counts from
// the cart's last change, as campaigns.yaml says).
func (db *DB) putCart(txn *badger.Txn, id shop.CustomerID, c shop.Cart) error {
	_, err := db.putCartBytes(txn, id, c)
	return err
}

// putCartBytes is putCart returning the bytes it stored (nil for an empty
// cart: the record is deleted).
func (db *DB) putCartBytes(txn *badger.Txn, id shop.CustomerID, c shop.Cart) ([]byte, error) {
	if len(c.Lines) == 0 {
		if err := clearDue(txn, DueCart, id); err != nil {
			return nil, err
		}
		return nil, txn.Delete(cartKey(id))
	}
	b, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	if was, err := getBytes(txn, cartKey(id)); err != nil {
		return nil, err
	} else if bytes.Equal(was, b) {
		return b, nil // unchanged: neither rewritten nor due again
	}
	if err := setDue(txn, DueCart, id, db.now()); err != nil {
		return nil, err
	}
	return b, txn.Set(cartKey(id), b)
}

// putAddresses points c's channel addresses, and its phone when verified,
// at c.
func putAddresses(txn *badger.Txn, c shop.Customer) error {
	for _, addr := range c.Channels {
		if err := txn.Set(addrKey(addr), []byte(c.ID)); err != nil {
			return err
		}
	}
	return putPhone(txn, c)
}

// putPhone points c's verified phone at c.
func putPhone(txn *badger.Txn, c shop.Customer) error {
	if c.PhoneVerified && c.Phone != "" {
		return txn.Set(phoneKey(c.Phone), []byte(c.ID))
	}
	return nil
}

// mustExist fails with shop.ErrNotFound when customer id is gone (merged
// into another while a message of theirs was being handled), so nothing is
// written under an ID that no address leads to any more.
func mustExist(txn *badger.Txn, id shop.CustomerID) error {
	ok, err := exists(txn, customerKey(id))
	if err == nil && !ok {
		err = shop.ErrNotFound
	}
	return err
}
