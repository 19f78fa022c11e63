package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/dgraph-io/badger/v4"

	"omnicart/shop"
)

// Orders by status and by number, for the staff's commands, which never
// read every order:
//
//	os/<status>/<n>/<orderID>   status index, empty value; <n> is the order number as
//	                            16 hex digits, so each status sorts oldest first
//	on/<n>                      order ID as raw bytes, by order number (16 hex digits)
//	op/<digits>/<n>             customer ID as raw bytes: the phone an order was placed
//	                            with (its digits), so /customer finds typed numbers too
//	m/status-index              migration marker: os/ and on/ were built
//
// PlaceOrder and ChangeOrder keep both indexes in the order's transaction;
// a store written before them is indexed once by IndexOrders.
const (
	prefixOrderStatus = "os/"
	prefixOrderNumber = "on/"
	prefixOrderPhone  = "op/"

	keyStatusIndexBuilt = "m/status-index"
)

func orderStatusPrefix(s shop.Status) []byte { return []byte(prefixOrderStatus + string(s) + "/") }

func orderStatusKey(o shop.Order) []byte {
	return fmt.Appendf(orderStatusPrefix(o.Status), "%016x/%s", uint64(o.Number), o.ID)
}

func orderNumberKey(n int64) []byte {
	return fmt.Appendf([]byte(prefixOrderNumber), "%016x", uint64(n))
}

func orderPhonePrefix(digits string) []byte { return []byte(prefixOrderPhone + digits + "/") }

func orderPhoneKey(o shop.Order) []byte {
	return fmt.Appendf(orderPhonePrefix(phoneDigits(o.Phone)), "%016x", uint64(o.Number))
}

// phoneDigits is a phone number's digits ("+7 916 123-45-67" → "79161234567").
func phoneDigits(s string) string {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b = append(b, byte(r))
		}
	}
	return string(b)
}

// indexOrder keeps the status and number indexes of an order written in
// txn; before is nil for a new order.
func indexOrder(txn *badger.Txn, before *shop.Order, after shop.Order) error {
	if before != nil && before.Status == after.Status {
		return nil
	}
	if before != nil {
		if err := txn.Delete(orderStatusKey(*before)); err != nil {
			return err
		}
	} else {
		if err := txn.Set(orderNumberKey(after.Number), []byte(after.ID)); err != nil {
			return err
		}
		if phoneDigits(after.Phone) != "" {
			if err := txn.Set(orderPhoneKey(after), []byte(after.CustomerID)); err != nil {
				return err
			}
		}
	}
	return txn.Set(orderStatusKey(after), nil)
}

// IndexOrders builds the status and number indexes of a store written
// before they existed, once; later calls return at once. The shop calls it
// when it starts.
func (db *DB) IndexOrders(ctx context.Context) error {
	if db.statusIndexed.Load() {
		return nil
	}
	var built bool
	if err := db.view(ctx, func(txn *badger.Txn) (err error) {
		built, err = exists(txn, []byte(keyStatusIndexBuilt))
		return err
	}); err != nil {
		return fmt.Errorf("index orders: %w", err)
	}
	if !built {
		wb := db.bdb.NewWriteBatch()
		defer wb.Cancel()
		err := db.view(ctx, func(txn *badger.Txn) error {
			it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(prefixOrder), PrefetchValues: true})
			defer it.Close()
			for it.Rewind(); it.Valid(); it.Next() {
				var o shop.Order
				if err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, &o) }); err != nil {
					return err
				}
				if err := wb.Set(orderStatusKey(o), nil); err != nil {
					return err
				}
				if err := wb.Set(orderNumberKey(o.Number), []byte(o.ID)); err != nil {
					return err
				}
				if phoneDigits(o.Phone) != "" {
					if err := wb.Set(orderPhoneKey(o), []byte(o.CustomerID)); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("index orders: %w", err)
		}
		if err := wb.Set([]byte(keyStatusIndexBuilt), nil); err != nil {
			return err
		}
		if err := wb.Flush(); err != nil {
			return fmt.Errorf("index orders: %w", err)
		}
	}
	db.statusIndexed.Store(true)
	return nil
}

// OrderByNumber returns the order with number n, or an error wrapping
// shop.ErrNotFound.
func (db *DB) OrderByNumber(ctx context.Context, n int64) (shop.Order, error) {
	if err := db.IndexOrders(ctx); err != nil {
		return shop.Order{}, err
	}
	var o shop.Order
	err := db.view(ctx, func(txn *badger.Txn) error {
		item, err := txn.Get(orderNumberKey(n))
		if err == badger.ErrKeyNotFound {
			return shop.ErrNotFound
		}
		if err != nil {
			return err
		}
		id, err := item.ValueCopy(nil)
		if err != nil {
			return err
		}
		return getOrder(txn, string(id), &o)
	})
	if err != nil {
		return shop.Order{}, fmt.Errorf("order %d: %w", n, err)
	}
	return o, nil
}

// OrdersByStatus returns up to limit orders in status s, newest first, and
// how many there are in all. It reads the status index only (counting
// reads keys, not orders).
func (db *DB) OrdersByStatus(ctx context.Context, s shop.Status, limit int) ([]shop.Order, int, error) {
	return db.ordersByStatus(ctx, s, 0, limit, true)
}

// OrdersByStatusPage returns up to limit orders in status s after the
// first offset, oldest first (by number: the order waiting longest comes
// first), and how many there are in all. Like OrdersByStatus it reads the
// status index for counting and skipping, and only the orders it returns.
func (db *DB) OrdersByStatusPage(ctx context.Context, s shop.Status, offset, limit int) ([]shop.Order, int, error) {
	return db.ordersByStatus(ctx, s, offset, limit, false)
}

func (db *DB) ordersByStatus(ctx context.Context, s shop.Status, offset, limit int, newest bool) ([]shop.Order, int, error) {
	if err := db.IndexOrders(ctx); err != nil {
		return nil, 0, err
	}
	var orders []shop.Order
	total := 0
	err := db.view(ctx, func(txn *badger.Txn) error {
		prefix := orderStatusPrefix(s)
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, Reverse: newest})
		defer it.Close()
		if newest {
			it.Seek(append(slices.Clip(prefix), 0xff))
		} else {
			it.Rewind()
		}
		for ; it.ValidForPrefix(prefix); it.Next() {
			total++
			if total <= offset || len(orders) >= limit {
				continue
			}
			var o shop.Order
			if err := getOrder(txn, string(it.Item().Key()[len(prefix)+17:]), &o); err != nil {
				return err
			}
			orders = append(orders, o)
		}
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("orders %s: %w", s, err)
	}
	return orders, total, nil
}

// returnStock puts the stock of o's lines back (a cancelled order).
func returnStock(txn *badger.Txn, o shop.Order) error {
	for _, l := range o.Lines {
		var left int
		known, err := getJSON(txn, stockKey(l.Stock()), &left)
		if err != nil {
			return err
		}
		if known {
			if err := setJSON(txn, stockKey(l.Stock()), left+l.Qty); err != nil {
				return err
			}
		}
	}
	return nil
}

// FindCustomer finds a customer by id, chat address ("telegram:123") or
// phone number in any spelling ("+7 916 123-45-67"): one the platform
// vouched for, else the one their latest order was placed with. It returns
// an error wrapping shop.ErrNotFound when nobody matches.
func (db *DB) FindCustomer(ctx context.Context, q string) (shop.Customer, error) {
	if err := db.IndexOrders(ctx); err != nil {
		return shop.Customer{}, err
	}
	q = strings.TrimSpace(q)
	var c shop.Customer
	err := db.view(ctx, func(txn *badger.Txn) error {
		id, found, err := findCustomerID(txn, q)
		if err != nil {
			return err
		}
		if !found {
			id = shop.CustomerID(q)
		}
		ok, err := getJSON(txn, customerKey(id), &c)
		if err == nil && !ok {
			err = shop.ErrNotFound
		}
		return err
	})
	if err != nil {
		return shop.Customer{}, fmt.Errorf("find customer: %w", err)
	}
	return c, nil
}

func findCustomerID(txn *badger.Txn, q string) (shop.CustomerID, bool, error) {
	get := func(k []byte) (shop.CustomerID, bool, error) {
		item, err := txn.Get(k)
		if err == badger.ErrKeyNotFound {
			return "", false, nil
		}
		if err != nil {
			return "", false, err
		}
		id, err := item.ValueCopy(nil)
		return shop.CustomerID(id), err == nil, err
	}
	if id, ok, err := get(addrKey(q)); ok || err != nil {
		return id, ok, err
	}
	digits := phoneDigits(q)
	if len(digits) < 6 || strings.Trim(q, "0123456789+ -()") != "" {
		return "", false, nil
	}
	var spellings []string
	if len(digits) == 11 && digits[0] == '8' { // a Russian number written 8 916 ...
		spellings = append(spellings, "7"+digits[1:])
	}
	spellings = append(spellings, digits)
	for _, d := range spellings {
		if id, ok, err := get(phoneKey("+" + d)); ok || err != nil {
			return id, ok, err
		}
	}
	for _, d := range spellings {
		prefix := orderPhonePrefix(d)
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, Reverse: true})
		it.Seek(append(slices.Clip(prefix), 0xff))
		if it.ValidForPrefix(prefix) {
			id, err := it.Item().ValueCopy(nil)
			it.Close()
			return shop.CustomerID(id), err == nil, err
		}
		it.Close()
	}
	return "", false, nil
}
