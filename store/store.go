// Package store is the Badger persistence of the shop: customers and their
// channel addresses, sessions, carts, stock, orders, the analytics event log
// and duplicate-update markers. keys.go documents the key schema.
package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// Tuning for a small footprint (DESIGN.md §4): about 70 MB RSS instead of
// Badger's ~300 MB defaults.
const (
	memTableSize     = 8 << 20
	numMemtables     = 2
	blockCacheSize   = 8 << 20
	indexCacheSize   = 4 << 20
	valueLogFileSize = 16 << 20
	valueThreshold   = 1 << 20 // must stay ≤ 15 % of memTableSize
	numCompactors    = 2

	gcInterval     = 10 * time.Minute
	gcDiscardRatio = 0.5

	maxTries = 20 // attempts of a transaction that keeps hitting ErrConflict
)

// Options tunes Open. The zero value opens an on-disk database with the
// real clock and no logging.
type Options struct {
	InMemory bool             // keep everything in memory (tests); dir is ignored
	Logger   *slog.Logger     // Badger warnings and errors, value-log GC failures; may be nil
	Now      func() time.Time // clock; nil means time.Now
}

// DB is the shop's database. It is safe for concurrent use.
type DB struct {
	bdb    *badger.DB
	log    *slog.Logger
	now    func() time.Time
	closed atomic.Bool

	// orderMu serializes the transaction part of PlaceOrder: every order
	// bumps the same sequence key, so concurrent orders would only conflict
	// and retry.
	orderMu sync.Mutex
}

// LockedError says the data directory is held by another process.
type LockedError struct {
	Dir string
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("data directory %s is in use by another omnicart process", e.Dir)
}

// Open opens (creating if needed) the database in dir. It returns a
// *LockedError when another process holds dir.
func Open(dir string, opt Options) (*DB, error) {
	bo := badger.DefaultOptions(dir)
	if opt.InMemory {
		bo = badger.DefaultOptions("").WithInMemory(true)
	}
	var bl badger.Logger // nil silences Badger
	if opt.Logger != nil {
		bl = badgerLogger{opt.Logger}
	}
	bo = bo.
		WithMemTableSize(memTableSize).
		WithNumMemtables(numMemtables).
		WithBlockCacheSize(blockCacheSize).
		WithIndexCacheSize(indexCacheSize).
		WithValueLogFileSize(valueLogFileSize).
		WithValueThreshold(valueThreshold).
		WithNumCompactors(numCompactors).
		WithSyncWrites(false).
		WithLogger(bl)

	bdb, err := badger.Open(bo)
	if err != nil {
		if strings.Contains(err.Error(), "Cannot acquire directory lock") {
			return nil, &LockedError{Dir: dir}
		}
		return nil, fmt.Errorf("open data directory %s: %w", dir, err)
	}
	db := &DB{bdb: bdb, log: opt.Logger, now: opt.Now}
	if db.log == nil {
		db.log = slog.New(slog.DiscardHandler)
	}
	if db.now == nil {
		db.now = time.Now
	}
	return db, nil
}

// Close flushes and closes the database. Calling it again does nothing.
func (db *DB) Close() error {
	if !db.closed.CompareAndSwap(false, true) {
		return nil
	}
	if err := db.bdb.Close(); err != nil {
		return fmt.Errorf("close store: %w", err)
	}
	return nil
}

// Healthy reports whether the database is open.
func (db *DB) Healthy() bool {
	return !db.closed.Load() && !db.bdb.IsClosed()
}

// Run collects value-log garbage every 10 minutes until ctx ends, then
// returns nil.
func (db *DB) Run(ctx context.Context) error {
	t := time.NewTicker(gcInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			db.gc(ctx)
		}
	}
}

// gc rewrites value-log files while Badger finds ones worth rewriting.
func (db *DB) gc(ctx context.Context) {
	for ctx.Err() == nil {
		err := db.bdb.RunValueLogGC(gcDiscardRatio)
		switch {
		case err == nil:
			continue
		case errors.Is(err, badger.ErrNoRewrite), errors.Is(err, badger.ErrRejected),
			errors.Is(err, badger.ErrGCInMemoryMode):
		default:
			db.log.Warn("value log gc failed", slog.Any("err", err))
		}
		return
	}
}

// update runs fn in a read-write transaction, retrying with a short jittered
// backoff while it fails with badger.ErrConflict. fn may run several times.
func (db *DB) update(ctx context.Context, fn func(*badger.Txn) error) error {
	for try := 1; ; try++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		err := db.bdb.Update(fn)
		if !errors.Is(err, badger.ErrConflict) || try == maxTries {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(mrand.N(time.Duration(try) * 100 * time.Microsecond)):
		}
	}
}

// view runs fn in a read-only transaction.
func (db *DB) view(ctx context.Context, fn func(*badger.Txn) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return db.bdb.View(fn)
}

// getJSON decodes the value at key into v and reports whether it was there.
func getJSON(txn *badger.Txn, key []byte, v any) (bool, error) {
	item, err := txn.Get(key)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, item.Value(func(b []byte) error { return json.Unmarshal(b, v) })
}

// setJSON stores v at key as JSON.
func setJSON(txn *badger.Txn, key []byte, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return txn.Set(key, b)
}

// exists reports whether key is present.
func exists(txn *badger.Txn, key []byte) (bool, error) {
	_, err := txn.Get(key)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return false, nil
	}
	return err == nil, err
}

// newID returns prefix followed by n random bytes in hex.
func newID(prefix string, n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails
	return prefix + hex.EncodeToString(b)
}

// badgerLogger routes Badger's warnings and errors to slog and drops the rest.
type badgerLogger struct{ log *slog.Logger }

func (l badgerLogger) Errorf(f string, a ...any) {
	l.log.Error("badger", slog.String("detail", strings.TrimSpace(fmt.Sprintf(f, a...))))
}

func (l badgerLogger) Warningf(f string, a ...any) {
	l.log.Warn("badger", slog.String("detail", strings.TrimSpace(fmt.Sprintf(f, a...))))
}

func (badgerLogger) Infof(string, ...any)  {}
func (badgerLogger) Debugf(string, ...any) {}
