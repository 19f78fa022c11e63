package store

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"github.com/dgraph-io/badger/v4"

	"omnicart/shop"
)

// Return requests: a shopper returns items of a delivered order for a
// refund or an exchange; an owner or a manager approves or declines.
//
//	rr/<n>              shop.Return; <n> is its number as 8 bytes big-endian
//	rro/<orderID>/<n>   the order's requests, empty value
//	rrq/<n>             pending-request index, empty value: what /returns lists
//	n/return            last request number (int64)
const (
	prefixReturn        = "rr/"
	prefixOrderReturn   = "rro/"
	prefixPendingReturn = "rrq/"
	keyReturnSeq        = "n/return"
)

func returnKey(n int64) []byte {
	return binary.BigEndian.AppendUint64([]byte(prefixReturn), uint64(n))
}

func pendingReturnKey(n int64) []byte {
	return binary.BigEndian.AppendUint64([]byte(prefixPendingReturn), uint64(n))
}

func orderReturnPrefix(orderID string) []byte { return []byte(prefixOrderReturn + orderID + "/") }

func orderReturnKey(orderID string, n int64) []byte {
	return binary.BigEndian.AppendUint64(orderReturnPrefix(orderID), uint64(n))
}

// CreateReturn files return request r of its customer's order r.OrderID:
// it numbers it, keeps it pending and writes the notices that notices
// returns for it (the staff told) in the same transaction, synced. An
// order with a pending request already gets an error wrapping
// shop.ErrReturnOpen; an order that is not the customer's, one wrapping
// shop.ErrNotFound.
func (db *DB) CreateReturn(ctx context.Context, r shop.Return, notices func(shop.Return) []shop.Notice) (shop.Return, error) {
	in := r
	err := db.update(ctx, func(txn *badger.Txn) error {
		r = in
		var o shop.Order
		if err := getOrder(txn, r.OrderID, &o); err != nil {
			return err
		}
		if o.CustomerID != r.Customer {
			return shop.ErrNotFound
		}
		open, err := orderReturns(txn, r.OrderID)
		if err != nil {
			return err
		}
		if slices.ContainsFunc(open, func(x shop.Return) bool { return x.Status == shop.ReturnPending }) {
			return shop.ErrReturnOpen
		}
		var last int64
		if _, err := getJSON(txn, []byte(keyReturnSeq), &last); err != nil {
			return err
		}
		r.N, r.OrderNumber, r.Status = last+1, o.Number, shop.ReturnPending
		if r.Created.IsZero() {
			r.Created = db.now()
		}
		if err := setJSON(txn, []byte(keyReturnSeq), r.N); err != nil {
			return err
		}
		if err := txn.Set(orderReturnKey(r.OrderID, r.N), nil); err != nil {
			return err
		}
		if err := txn.Set(pendingReturnKey(r.N), nil); err != nil {
			return err
		}
		if notices != nil {
			for _, n := range notices(r) {
				if _, err := db.putNotice(txn, n, db.now()); err != nil {
					return err
				}
			}
		}
		return setJSON(txn, returnKey(r.N), r)
	})
	if err != nil {
		return shop.Return{}, fmt.Errorf("return of order %s: %w", in.OrderID, err)
	}
	if err := db.sync(); err != nil {
		return shop.Return{}, fmt.Errorf("return %d: sync: %w", r.N, err)
	}
	return r, nil
}

// Return returns request n, or an error wrapping shop.ErrNotFound.
func (db *DB) Return(ctx context.Context, n int64) (shop.Return, error) {
	var r shop.Return
	err := db.view(ctx, func(txn *badger.Txn) error { return getReturn(txn, n, &r) })
	if err != nil {
		return shop.Return{}, fmt.Errorf("return %d: %w", n, err)
	}
	return r, nil
}

func getReturn(txn *badger.Txn, n int64, r *shop.Return) error {
	ok, err := getJSON(txn, returnKey(n), r)
	if err == nil && !ok {
		err = shop.ErrNotFound
	}
	return err
}

// OrderReturns returns the return requests of an order, oldest first.
func (db *DB) OrderReturns(ctx context.Context, orderID string) ([]shop.Return, error) {
	var out []shop.Return
	err := db.view(ctx, func(txn *badger.Txn) (err error) {
		out, err = orderReturns(txn, orderID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("returns of order %s: %w", orderID, err)
	}
	return out, nil
}

func orderReturns(txn *badger.Txn, orderID string) ([]shop.Return, error) {
	prefix := orderReturnPrefix(orderID)
	it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
	defer it.Close()
	var out []shop.Return
	for it.Rewind(); it.ValidForPrefix(prefix); it.Next() {
		k := it.Item().Key()
		if len(k) != len(prefix)+8 {
			continue
		}
		var r shop.Return
		if err := getReturn(txn, int64(binary.BigEndian.Uint64(k[len(prefix):])), &r); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// PendingReturns returns up to limit requests waiting for a decision,
// oldest first, and how many there are.
func (db *DB) PendingReturns(ctx context.Context, limit int) ([]shop.Return, int, error) {
	var out []shop.Return
	total := 0
	err := db.view(ctx, func(txn *badger.Txn) error {
		prefix := []byte(prefixPendingReturn)
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
		defer it.Close()
		for it.Rewind(); it.ValidForPrefix(prefix); it.Next() {
			total++
			if len(out) >= limit {
				continue
			}
			var r shop.Return
			if err := getReturn(txn, int64(binary.BigEndian.Uint64(it.Item().Key()[len(prefix):])), &r); err != nil {
				return err
			}
			out = append(out, r)
		}
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("pending returns: %w", err)
	}
	return out, total, nil
}

// DecideReturn decides pending request n in one transaction, synced: fn
// sets its outcome (status, refund, note) and returns the notices it
// causes (the shopper told); the staff action e goes to the audit log
// (its Target the order's number, Before and After the request's status
// when empty). When exchange is not nil it is placed as a new order in the
// same transaction: the stock of its lines is taken (a
// *shop.OutOfStockError when short, and nothing changes), it gets the
// next order number, and fn sees it placed. A request decided already
// gets an error wrapping shop.ErrReturnDecided, with the request as it is.
func (db *DB) DecideReturn(ctx context.Context, n int64, e shop.AuditEntry, exchange *shop.Order,
	fn func(r *shop.Return, placed *shop.Order) ([]shop.Notice, error)) (shop.Return, *shop.Order, error) {
	var r shop.Return
	var placed *shop.Order
	if exchange != nil {
		db.orderMu.Lock() // order numbers are taken one at a time (PlaceOrder)
		defer db.orderMu.Unlock()
	}
	err := db.update(ctx, func(txn *badger.Txn) error {
		r, placed = shop.Return{}, nil
		if err := getReturn(txn, n, &r); err != nil {
			return err
		}
		if r.Status != shop.ReturnPending {
			return shop.ErrReturnDecided
		}
		before := r
		if exchange != nil {
			o, err := db.placeExchange(txn, *exchange)
			if err != nil {
				return err
			}
			placed = &o
		}
		notices, err := fn(&r, placed)
		if err != nil {
			return err
		}
		r.N, r.OrderID, r.OrderNumber, r.Customer, r.Created = before.N, before.OrderID, before.OrderNumber, before.Customer, before.Created
		if r.Decided.IsZero() {
			r.Decided = db.now()
		}
		if r.Status != shop.ReturnPending {
			if err := txn.Delete(pendingReturnKey(n)); err != nil {
				return err
			}
		}
		for _, nt := range notices {
			if _, err := db.putNotice(txn, nt, db.now()); err != nil {
				return err
			}
		}
		e.Target = fmt.Sprint(r.OrderNumber)
		if e.Before == "" {
			e.Before = string(before.Status)
		}
		if e.After == "" {
			e.After = string(r.Status)
		}
		if err := db.putAudit(txn, e); err != nil {
			return err
		}
		return setJSON(txn, returnKey(n), r)
	})
	if err != nil {
		if errors.Is(err, shop.ErrReturnDecided) {
			return r, nil, fmt.Errorf("return %d: %w", n, err)
		}
		return shop.Return{}, nil, fmt.Errorf("return %d: %w", n, err)
	}
	if placed != nil {
		db.noteOrder(placed.Number)
	}
	if err := db.sync(); err != nil {
		return shop.Return{}, nil, fmt.Errorf("return %d: sync: %w", n, err)
	}
	return r, placed, nil
}

// placeExchange writes o as a new order in txn: its stock taken, the next
// number, the indexes and the watcher's notices (the staff told of a new
// paid order). Unlike PlaceOrder it leaves the customer's cart alone and
// takes no courier window, promo code or points.
func (db *DB) placeExchange(txn *badger.Txn, o shop.Order) (shop.Order, error) {
	if len(o.Lines) == 0 {
		return shop.Order{}, shop.ErrEmptyCart
	}
	if err := takeStock(txn, o.Lines); err != nil {
		return shop.Order{}, err
	}
	id, err := freshID(txn, "o", 5, orderKey)
	if err != nil {
		return shop.Order{}, err
	}
	o.ID = id
	last := int64(firstOrderNumber - 1)
	if _, err := getJSON(txn, orderSeqKey(), &last); err != nil {
		return shop.Order{}, err
	}
	o.Number = last + 1
	if err := setJSON(txn, orderSeqKey(), o.Number); err != nil {
		return shop.Order{}, err
	}
	now := db.now()
	o.CreatedAt, o.UpdatedAt = now, now
	if len(o.History) == 0 {
		o.History = []shop.StatusChange{{Status: o.Status, At: now}}
	}
	for i := range o.History {
		o.History[i].At = now
	}
	if err := setJSON(txn, orderKey(o.ID), o); err != nil {
		return shop.Order{}, err
	}
	if err := txn.Set(customerOrderKey(o), nil); err != nil {
		return shop.Order{}, err
	}
	if err := db.orderWritten(txn, nil, o); err != nil {
		return shop.Order{}, err
	}
	return o, nil
}
