package store

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/dgraph-io/badger/v4"

	"omnicart/shop"
)

// The audit log: every staff action, kept for good.
//
//	au/<nanos><rand>   shop.AuditEntry; <nanos> (Unix nanoseconds) and <rand>
//	                   are 8 bytes big-endian each: time order
const prefixAudit = "au/"

func auditKey(e shop.AuditEntry) []byte {
	k := binary.BigEndian.AppendUint64([]byte(prefixAudit), uint64(max(e.At.UnixNano(), 0)))
	return binary.BigEndian.AppendUint64(k, rand.Uint64())
}

// putAudit writes e in txn, stamped now when it has no time.
func (db *DB) putAudit(txn *badger.Txn, e shop.AuditEntry) error {
	if e.At.IsZero() {
		e.At = db.now()
	}
	return setJSON(txn, auditKey(e), e)
}

// Audit records a staff action, synced.
func (db *DB) Audit(ctx context.Context, e shop.AuditEntry) error {
	if err := db.updateNoTurns(ctx, func(txn *badger.Txn) error { return db.putAudit(txn, e) }); err != nil {
		return fmt.Errorf("audit %s: %w", e.Action, err)
	}
	if err := db.sync(); err != nil {
		return fmt.Errorf("audit %s: sync: %w", e.Action, err)
	}
	return nil
}

// ChangeOrderAudited is ChangeOrder that also records the staff action e
// in the audit log, in the order's transaction: the change and its record
// are made together or not at all. e's Target is the order's number; its
// Before and After, when empty, the order's status before and after.
func (db *DB) ChangeOrderAudited(ctx context.Context, id string, e shop.AuditEntry, fn func(*shop.Order) ([]shop.Notice, error)) (shop.Order, error) {
	return db.changeOrder(ctx, id, &e, fn)
}

func auditOfOrder(e shop.AuditEntry, before, after shop.Order) shop.AuditEntry {
	e.Target = fmt.Sprint(after.Number)
	if e.Before == "" {
		e.Before = string(before.Status)
	}
	if e.After == "" {
		e.After = string(after.Status)
	}
	return e
}

// AuditLog returns the latest n audit entries, newest first.
func (db *DB) AuditLog(ctx context.Context, n int) ([]shop.AuditEntry, error) {
	var out []shop.AuditEntry
	err := db.view(ctx, func(txn *badger.Txn) error {
		prefix := []byte(prefixAudit)
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, Reverse: true, PrefetchValues: true, PrefetchSize: n})
		defer it.Close()
		for it.Seek(append(slices.Clip(prefix), 0xff)); it.ValidForPrefix(prefix) && len(out) < n; it.Next() {
			var e shop.AuditEntry
			if err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, &e) }); err != nil {
				return err
			}
			out = append(out, e)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	return out, nil
}
