package store

import (
	"context"
	"fmt"

	"github.com/dgraph-io/badger/v4"
)

// Secret returns the secret called name (the web chat's cookie key), kept
// in the store so that every backup carries it. The first call stores what
// first returns (a new random key, or one an older version kept in a file)
// and syncs it before returning it; later calls return that.
func (db *DB) Secret(ctx context.Context, name string, first func() ([]byte, error)) ([]byte, error) {
	key := []byte(prefixSecret + name)
	var v []byte
	read := func(txn *badger.Txn) (err error) {
		v, err = getBytes(txn, key)
		return err
	}
	if err := db.view(ctx, read); err != nil || v != nil {
		return v, wrapSecret(name, err)
	}
	made, err := first()
	if err != nil {
		return nil, wrapSecret(name, err)
	}
	err = db.updateNoTurns(ctx, func(txn *badger.Txn) error {
		if err := read(txn); err != nil || v != nil {
			return err // another process stored one meanwhile
		}
		v = made
		return txn.Set(key, made)
	})
	if err == nil {
		err = db.syncNow()
	}
	if err != nil {
		return nil, wrapSecret(name, err)
	}
	return v, nil
}

func wrapSecret(name string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("secret %s: %w", name, err)
}
