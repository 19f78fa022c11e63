package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/dgraph-io/badger/v4"
)

// The inbox keeps what arrived from outside and must still be acted on
// after a crash: a payment Telegram confirmed, which it never sends again.
// The receiver keeps it (synced) before it acts, and drops it once done;
// what is still there at start is acted on again.

// Keep stores data under id in the inbox, synced to disk before it returns.
func (db *DB) Keep(ctx context.Context, id string, data []byte) error {
	err := db.updateNoTurns(ctx, func(txn *badger.Txn) error { return txn.Set([]byte(prefixInbox+id), data) })
	if err == nil {
		err = db.syncNow()
	}
	if err != nil {
		return fmt.Errorf("keep %s: %w", id, err)
	}
	return nil
}

// Drop removes id from the inbox: it was acted on.
func (db *DB) Drop(ctx context.Context, id string) error {
	if err := db.updateNoTurns(ctx, func(txn *badger.Txn) error { return txn.Delete([]byte(prefixInbox + id)) }); err != nil {
		return fmt.Errorf("drop %s: %w", id, err)
	}
	return nil
}

// Kept calls fn for each entry of the inbox whose id starts with prefix,
// in id order, until fn returns false.
func (db *DB) Kept(ctx context.Context, prefix string, fn func(id string, data []byte) bool) error {
	type entry struct {
		id   string
		data []byte
	}
	var all []entry
	err := db.view(ctx, func(txn *badger.Txn) error {
		p := []byte(prefixInbox + prefix)
		it := txn.NewIterator(badger.IteratorOptions{Prefix: p, PrefetchValues: true})
		defer it.Close()
		for it.Rewind(); it.ValidForPrefix(p); it.Next() {
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			all = append(all, entry{strings.TrimPrefix(string(it.Item().Key()), prefixInbox), v})
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("inbox %s: %w", prefix, err)
	}
	for _, e := range all { // outside the transaction: fn writes
		if !fn(e.id, e.data) {
			break
		}
	}
	return nil
}
