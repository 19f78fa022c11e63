package store

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"time"

	"github.com/dgraph-io/badger/v4"

	"omnicart/shop"
)

// The durable outbox: notices the shop starts, written in the same
// transaction as the change that causes them, drained by one sender loop.
//
//	ob/<nanos><rand>   outboxEntry: a notice waiting to be sent, in enqueue order
//	obk/<key>          noticeRecord: what became of the notice with that
//	                   idempotency key; kept after sending, so a key is sent once

// Notice states.
const (
	NoticePending = "pending"
	NoticeSent    = "sent"
	NoticeFailed  = "failed"
)

type outboxEntry struct {
	Notice   shop.Notice `json:"notice"`
	Attempts int         `json:"attempts,omitempty"`
	Sending  bool        `json:"sending,omitempty"` // an attempt began and has no outcome yet
	// Dispatched: that attempt's request left for the platform.
	Dispatched bool `json:"dispatched,omitempty"`
	// MaybeSent: an earlier attempt was cut short after it left.
	MaybeSent bool      `json:"maybe_sent,omitempty"`
	NotBefore time.Time `json:"not_before,omitzero"`
	LastError string    `json:"last_error,omitempty"`
}

// NoticeRecord is what became of a notice.
type NoticeRecord struct {
	State   string    `json:"state"`
	Entry   string    `json:"entry,omitempty"` // the outbox entry while pending
	At      time.Time `json:"at"`
	Address string    `json:"address,omitempty"` // where it was delivered
	Error   string    `json:"error,omitempty"`   // why it failed
	// Resent says it was sent again after a crash cut short a send that
	// had already left for the platform: it may have arrived twice.
	Resent bool `json:"resent,omitempty"`
}

// putNotice adds n to the outbox in txn unless its key was seen before, and
// reports whether it was added.
func (db *DB) putNotice(txn *badger.Txn, n shop.Notice, now time.Time) (bool, error) {
	if err := n.Validate(); err != nil {
		return false, err
	}
	seen, err := exists(txn, noticeKeyKey(n.Key))
	if err != nil || seen {
		return false, err
	}
	if n.Created.IsZero() {
		n.Created = now
	}
	id := outboxID(now, db.outboxSeq.Add(1))
	if err := setJSON(txn, outboxKey(id), outboxEntry{Notice: n}); err != nil {
		return false, err
	}
	if n.Kind == shop.NoticeMarketing { // the ledger the cap and /campaigns count (campaigns.go)
		if err := setJSON(txn, marketingKey(n.Customer, now, mrand.Uint64()), marketingEntry{Key: n.Key, Campaign: n.Campaign, At: now}); err != nil {
			return false, err
		}
	}
	return true, setJSON(txn, noticeKeyKey(n.Key), NoticeRecord{State: NoticePending, Entry: id, At: now})
}

// Enqueue writes notices to the outbox, synced, and returns how many were
// new: a notice whose key was enqueued before (whatever became of it) is
// skipped, so callers may enqueue again after a crash without fear.
func (db *DB) Enqueue(ctx context.Context, notices ...shop.Notice) (int, error) {
	added := 0
	for len(notices) > 0 {
		chunk := notices[:min(len(notices), syncChunk)]
		notices = notices[len(chunk):]
		err := db.updateNoTurns(ctx, func(txn *badger.Txn) error {
			n := 0
			now := db.now()
			for _, x := range chunk {
				ok, err := db.putNotice(txn, x, now)
				if err != nil {
					return err
				}
				if ok {
					n++
				}
			}
			added += n
			return nil
		})
		if err != nil {
			return added, fmt.Errorf("enqueue notices: %w", err)
		}
	}
	if added > 0 {
		if err := db.syncNow(); err != nil {
			return added, fmt.Errorf("enqueue notices: sync: %w", err)
		}
	}
	return added, nil
}

// PendingNotices returns up to limit notices due by now, oldest first. A
// customer's notices keep their order: behind a service notice waiting to
// be tried again, the later ones of the same customer wait too ("shipped"
// never arrives before a "paid" that failed once). A marketing notice that
// keeps failing (a broken picture link) holds up nothing.
func (db *DB) PendingNotices(ctx context.Context, now time.Time, limit int) ([]shop.PendingNotice, error) {
	var out []shop.PendingNotice
	waiting := map[shop.CustomerID]bool{}
	err := db.view(ctx, func(txn *badger.Txn) error {
		prefix := []byte(prefixOutbox)
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: true, PrefetchSize: 64})
		defer it.Close()
		for it.Rewind(); it.ValidForPrefix(prefix) && len(out) < limit; it.Next() {
			var e outboxEntry
			if err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, &e) }); err != nil {
				return err
			}
			if e.NotBefore.After(now) {
				if e.Notice.Kind != shop.NoticeMarketing {
					waiting[e.Notice.Customer] = true
				}
				continue
			}
			if waiting[e.Notice.Customer] {
				continue
			}
			out = append(out, shop.PendingNotice{ID: string(it.Item().Key()[len(prefix):]), Notice: e.Notice,
				Attempts: e.Attempts, LastError: e.LastError, CutShort: e.Sending, Dispatched: e.Sending && e.Dispatched})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("pending notices: %w", err)
	}
	return out, nil
}

// NoticeAttempt records that a send of the entry begins; until its outcome
// is recorded, PendingNotices reports it CutShort.
func (db *DB) NoticeAttempt(ctx context.Context, id string) error {
	return db.changeEntry(ctx, id, func(e *outboxEntry) {
		if e.Sending && e.Dispatched {
			e.MaybeSent = true // the cut-short attempt may have arrived
		}
		e.Attempts++
		e.Sending, e.Dispatched = true, false
	})
}

// NoticeDispatched records that the current attempt's request leaves for
// the platform now: after a crash it may have been delivered.
func (db *DB) NoticeDispatched(ctx context.Context, id string) error {
	return db.changeEntry(ctx, id, func(e *outboxEntry) { e.Dispatched = true })
}

// NoticeRetry puts the entry back to be tried again at or after at.
func (db *DB) NoticeRetry(ctx context.Context, id string, at time.Time, reason string) error {
	return db.changeEntry(ctx, id, func(e *outboxEntry) {
		e.NotBefore, e.LastError, e.Sending, e.Dispatched = at, reason, false, false
	})
}

// NoticeSent records the entry delivered to address and takes it out of
// the outbox.
func (db *DB) NoticeSent(ctx context.Context, id, address string) error {
	return db.finishEntry(ctx, id, NoticeRecord{State: NoticeSent, Address: address})
}

// NoticeFailed records the entry failed for good and takes it out.
func (db *DB) NoticeFailed(ctx context.Context, id, reason string) error {
	return db.finishEntry(ctx, id, NoticeRecord{State: NoticeFailed, Error: reason})
}

// Notice returns what became of the notice with key.
func (db *DB) Notice(ctx context.Context, key string) (NoticeRecord, bool, error) {
	var r NoticeRecord
	var ok bool
	err := db.view(ctx, func(txn *badger.Txn) (err error) {
		ok, err = getJSON(txn, noticeKeyKey(key), &r)
		return err
	})
	if err != nil {
		return r, false, fmt.Errorf("notice %s: %w", key, err)
	}
	return r, ok, nil
}

// OutboxDepth returns how many notices wait and when the oldest was
// enqueued (zero when none).
func (db *DB) OutboxDepth(ctx context.Context) (int, time.Time, error) {
	var n int
	var oldest time.Time
	err := db.view(ctx, func(txn *badger.Txn) error {
		prefix := []byte(prefixOutbox)
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
		defer it.Close()
		for it.Rewind(); it.ValidForPrefix(prefix); it.Next() {
			if n == 0 {
				oldest = outboxTime(it.Item().Key()[len(prefix):])
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("outbox depth: %w", err)
	}
	return n, oldest, nil
}

var errNoEntry = errors.New("no such outbox entry")

// withEntry runs fn on the outbox entry id in a read-write transaction.
func (db *DB) withEntry(ctx context.Context, id string, fn func(txn *badger.Txn, e *outboxEntry) error) error {
	err := db.updateNoTurns(ctx, func(txn *badger.Txn) error {
		var e outboxEntry
		ok, err := getJSON(txn, outboxKey(id), &e)
		if err == nil && !ok {
			err = errNoEntry
		}
		if err != nil {
			return err
		}
		return fn(txn, &e)
	})
	if err != nil {
		return fmt.Errorf("outbox entry %s: %w", id, err)
	}
	return nil
}

func (db *DB) changeEntry(ctx context.Context, id string, fn func(*outboxEntry)) error {
	return db.withEntry(ctx, id, func(txn *badger.Txn, e *outboxEntry) error {
		fn(e)
		return setJSON(txn, outboxKey(id), e)
	})
}

// finishEntry records what became of the entry and takes it out.
func (db *DB) finishEntry(ctx context.Context, id string, r NoticeRecord) error {
	return db.withEntry(ctx, id, func(txn *badger.Txn, e *outboxEntry) error {
		r.At = db.now()
		r.Resent = r.State == NoticeSent && e.MaybeSent
		if err := setJSON(txn, noticeKeyKey(e.Notice.Key), r); err != nil {
			return err
		}
		return txn.Delete(outboxKey(id))
	})
}

// outboxID is an entry name that sorts by enqueue time: 32 hex digits of
// the time in nanoseconds and a counter (notices of one instant keep their
// order).
func outboxID(t time.Time, r uint64) string {
	b := binary.BigEndian.AppendUint64(nil, uint64(t.UnixNano()))
	return hex.EncodeToString(binary.BigEndian.AppendUint64(b, r))
}

// outboxTime is the enqueue time in an entry name.
func outboxTime(id []byte) time.Time {
	b := make([]byte, 8)
	if len(id) < 16 {
		return time.Time{}
	}
	if _, err := hex.Decode(b, id[:16]); err != nil {
		return time.Time{}
	}
	return time.Unix(0, int64(binary.BigEndian.Uint64(b)))
}
