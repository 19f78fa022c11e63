package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/dgraph-io/badger/v4"

	"omnicart/shop"
)

// BulkCustomer is one customer of a bulk load: the profile (its ID and
// Channels set), the cart, and the due-time index entries to write, by
// kind (DueCart, DueSeen ...). The entries are the caller's to choose: a
// load of an old customer base, or a generated population, holds only
// what earlier campaign runs have not consumed yet.
type BulkCustomer struct {
	Customer shop.Customer
	Cart     shop.Cart
	Due      map[string]time.Time
}

// PutCustomers writes customers in as few transactions as Badger allows,
// without a sync per customer (Close or the next synced write makes them
// durable): a bulk load for imports and for benchmarks' populations of a
// million customers. It writes each profile, its address keys, a non-empty
// cart and the due entries given; it checks nothing else (the IDs and
// addresses must be new).
func (db *DB) PutCustomers(ctx context.Context, cs []BulkCustomer) error {
	defer db.turns.dropAll()
	txn := db.bdb.NewTransaction(true)
	defer func() { txn.Discard() }()
	put := func(fn func(*badger.Txn) error) error {
		err := fn(txn)
		if errors.Is(err, badger.ErrTxnTooBig) {
			if err := txn.Commit(); err != nil {
				return err
			}
			txn = db.bdb.NewTransaction(true)
			err = fn(txn)
		}
		return err
	}
	for i := range cs {
		if i%1000 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		b := &cs[i]
		id := b.Customer.ID
		err := put(func(txn *badger.Txn) error {
			if err := setJSON(txn, customerKey(id), b.Customer); err != nil {
				return err
			}
			for _, addr := range b.Customer.Channels {
				if err := txn.Set(addrKey(addr), []byte(id)); err != nil {
					return err
				}
			}
			if len(b.Cart.Lines) > 0 {
				if err := setJSON(txn, cartKey(id), b.Cart); err != nil {
					return err
				}
			}
			for kind, at := range b.Due {
				k := dueKey(kind, at, id)
				if err := txn.Set(k, nil); err != nil {
					return err
				}
				if err := txn.Set(dueRevKey(kind, id), k); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("put customers: %s: %w", id, err)
		}
	}
	if err := txn.Commit(); err != nil {
		return fmt.Errorf("put customers: %w", err)
	}
	return nil
}
