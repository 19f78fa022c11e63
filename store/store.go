// Package store is the Badger persistence of the shop: customers and their
// channel addresses, sessions, carts, stock, orders, the analytics event log
// and duplicate-update markers. keys.go documents the key schema.
package store

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"log/slog"
	mrand "math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dgraph-io/badger/v4"

	"omnicart/shop"
)

// Tuning for a small footprint (DESIGN.md §4): well under 100 MB RSS
// instead of Badger's ~300 MB defaults. 4 MB memtables (issue 13): after
// 10,000 chats through the load harness the peak fell from ~165 to ~120 MB
// at the same CPU per message.
const (
	memTableSize     = 4 << 20
	numMemtables     = 2
	blockCacheSize   = 4 << 20
	indexCacheSize   = 2 << 20
	valueLogFileSize = 16 << 20
	valueThreshold   = 512 << 10 // must stay ≤ 15 % of memTableSize
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

	// ReadOnly opens an existing directory for reading only (omnicart
	// verify): nothing in it is changed.
	ReadOnly bool
	// MinFree is the free space to keep on the data directory's
	// filesystem: below it every write is refused with a *LowSpaceError
	// and Open refuses to start. 0 means DefaultMinFree.
	MinFree uint64
	// FreeSpace reports the free bytes of the filesystem holding a
	// directory; nil means FreeSpace (statfs). Tests inject a full disk.
	FreeSpace func(dir string) (uint64, error)
	// NoSync skips the sync after each order (bulk loads and tests);
	// Close syncs.
	NoSync bool
	// PayWithin is how long an order may wait for payment before
	// ExpireUnpaid cancels it, by the order (a bank transfer takes longer
	// than a card); nil means DefaultPayWithin for every order.
	PayWithin func(shop.Order) time.Duration
}

// DB is the shop's database. It is safe for concurrent use.
type DB struct {
	bdb    *badger.DB
	log    *slog.Logger
	now    func() time.Time
	closed atomic.Bool

	// payWithin is Options.PayWithin: the time an order has to be paid,
	// which orders its entry in the unpaid-order index (order.go).
	payWithin func(shop.Order) time.Duration

	// orderMu serializes the transaction part of PlaceOrder: every order
	// bumps the same sequence key, so concurrent orders would only conflict
	// and retry.
	orderMu sync.Mutex

	unpaidIndexed atomic.Bool // the unpaid-order index is known to be built
	statusIndexed atomic.Bool // the order status and number indexes are built (status.go)
	watch         atomic.Pointer[orderWatch]
	outboxSeq     atomic.Uint64 // orders outbox entries of one instant

	dir     string
	noSync  bool
	record  *recorder // nil in memory and read-only
	space   *space    // nil in memory and read-only
	damaged []string  // damage found when opening, for Health
	damages atomic.Int64
	backups backupStats
	turns   *turnCache // the records of recent turns (turncache.go)
	syncs   groupSync  // sync's: one Badger sync and record write serve all who wait
}

// LockedError says the data directory is held by another process.
type LockedError struct {
	Dir string
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("data directory %s is in use by another omnicart process", e.Dir)
}

// Open opens (creating if needed) the database in dir. It returns a
// *LockedError when another process holds dir, a *DamagedError when dir lost
// data (see guard.go) and a *LowSpaceError when its disk is full.
func Open(dir string, opt Options) (*DB, error) {
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	db := &DB{log: log, now: opt.Now, dir: dir, noSync: opt.NoSync, payWithin: opt.PayWithin,
		turns: &turnCache{seed: maphash.MakeSeed()}}
	if db.now == nil {
		db.now = time.Now
	}
	bo := badger.DefaultOptions(dir)
	if opt.InMemory {
		bo = badger.DefaultOptions("").WithInMemory(true)
	}
	var warnings []string
	if !opt.InMemory {
		if !opt.ReadOnly {
			db.space = newSpace(dir, opt, log)
			if err := db.space.check(0); err != nil {
				return nil, fmt.Errorf("cannot start: %w", err)
			}
			unlock, err := lockDir(dir)
			if err != nil {
				return nil, err
			}
			warnings, err = precheck(dir, false)
			unlock()
			if err != nil {
				return nil, err
			}
		} else {
			var err error
			if warnings, err = precheck(dir, true); err != nil {
				return nil, err
			}
		}
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
		WithReadOnly(opt.ReadOnly).
		WithLogger(bl)

	bdb, err := openBadger(bo)
	if err != nil {
		if strings.Contains(err.Error(), "Cannot acquire directory lock") {
			return nil, &LockedError{Dir: dir}
		}
		var damaged *DamagedError
		if errors.As(err, &damaged) {
			return nil, err
		}
		return nil, fmt.Errorf("open data directory %s: %w", dir, err)
	}
	db.bdb = bdb
	if !opt.InMemory {
		if err := db.checkRecord(dir, opt.ReadOnly); err != nil {
			bdb.Close()
			return nil, err
		}
	}
	for _, w := range warnings {
		log.Error("damaged data directory", slog.String("dir", dir), slog.String("detail", w))
	}
	db.damaged = warnings
	db.damages.Add(int64(len(warnings)))
	return db, nil
}

// NotClosedCleanly reports whether err is a read-only Open's refusal of a
// directory that was not closed cleanly (the shop was killed): its log
// needs the replay of a writable Open; it is not damaged.
func NotClosedCleanly(err error) bool { return errors.Is(err, badger.ErrTruncateNeeded) }

// openBadger opens Badger and turns its panics on damaged files into a
// *DamagedError. (A panic in one of Badger's own goroutines cannot be
// caught here.)
func openBadger(bo badger.Options) (bdb *badger.DB, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &DamagedError{Dir: bo.Dir, Problem: fmt.Sprintf("Badger cannot read it: %v", firstLine(fmt.Sprint(r)))}
		}
	}()
	bdb, err = badger.Open(bo)
	if err != nil && (errors.Is(err, badger.ErrTruncateNeeded) || strings.Contains(err.Error(), badger.ErrTruncateNeeded.Error())) {
		// Not closed cleanly (killed), not damaged: a writable open
		// replays its log. Badger flattens the error it wraps.
		return nil, fmt.Errorf("%w: %s", badger.ErrTruncateNeeded, firstLine(err.Error()))
	}
	if err != nil && isDamage(err) {
		return nil, &DamagedError{Dir: bo.Dir, Problem: fmt.Sprintf("Badger cannot read it: %v", firstLine(err.Error()))}
	}
	return bdb, err
}

// isDamage tells errors about damaged files from others (permissions, a
// lock).
func isDamage(err error) bool {
	s := strings.ToLower(err.Error())
	for _, w := range []string{"checksum", "corrupt", "truncat", ".sst", "table", "manifest", "magic", "unexpected eof"} {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

// sync makes committed writes durable, unless Options.NoSync.
func (db *DB) sync() error {
	if db.noSync {
		return nil
	}
	return db.syncNow()
}

// syncNow makes everything committed before the call durable, and writes
// the record of the orders among it. Concurrent callers share one sync.
func (db *DB) syncNow() error {
	return db.syncs.sync(func() error {
		snap, counted := db.record.snapshot() // orders committed before the sync
		if err := db.bdb.Sync(); err != nil {
			return err
		}
		if counted {
			if err := db.record.write(snap); err != nil {
				db.log.Error("write the store Record", slog.Any("err", err))
			}
		}
		return nil
	})
}

// noteOrder counts an order committed to Badger in the record file
// (guard.go); the next sync writes it. With NoSync, Close writes it.
func (db *DB) noteOrder(number int64) {
	if !db.noSync {
		db.record.count(number)
	}
}

// Close flushes and closes the database. Calling it again does nothing.
func (db *DB) Close() error {
	if !db.closed.CompareAndSwap(false, true) {
		return nil
	}
	if db.record != nil && db.noSync {
		err := db.bdb.Sync()
		if err == nil {
			err = db.bdb.View(func(txn *badger.Txn) error {
				last, orders, err := orderState(txn)
				if err == nil {
					err = db.record.reset(last, orders)
				}
				return err
			})
		}
		if err != nil {
			db.bdb.Close()
			return fmt.Errorf("close store: %w", err)
		}
	}
	if err := db.bdb.Close(); err != nil {
		return fmt.Errorf("close store: %w", err)
	}
	return nil
}

// Healthy reports whether the database is open and can take writes.
func (db *DB) Healthy() bool {
	return len(db.Health().Problems) == 0
}

// Health is the store's state for /healthz.
type Health struct {
	Problems []string // the store cannot work as it should: unhealthy
	Warnings []string // it works, but an owner should look: healthy
}

// Health describes what is wrong with the store, if anything.
func (db *DB) Health() Health {
	var h Health
	if db.closed.Load() || db.bdb.IsClosed() {
		h.Problems = append(h.Problems, "store closed")
		return h
	}
	if err := db.space.check(spaceRecheck); err != nil {
		h.Problems = append(h.Problems, err.Error()+"; new chats, messages and orders are refused until space is freed")
	}
	for _, d := range db.damaged {
		h.Warnings = append(h.Warnings, "recovered at start: "+d)
	}
	if w := db.backups.warning(); w != "" {
		h.Warnings = append(h.Warnings, w)
	}
	return h
}

// Run collects value-log garbage every 10 minutes and watches the free disk
// space every few seconds until ctx ends, then returns nil.
func (db *DB) Run(ctx context.Context) error {
	t := time.NewTicker(gcInterval)
	defer t.Stop()
	watch := time.NewTicker(spaceInterval)
	defer watch.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			db.gc(ctx)
		case <-watch.C:
			db.space.preallocate()
			db.space.check(0)
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
// It drops the turn cache (turncache.go): fn may have written any
// customer's records.
func (db *DB) update(ctx context.Context, fn func(*badger.Txn) error) error {
	defer db.turns.dropAll()
	return db.updateNoTurns(ctx, fn)
}

// updateNoTurns is update for a transaction that writes no customer,
// session or cart record (c/, s/, k/), or whose caller keeps the turn
// cache itself (drop, writeThrough): the hot writes of a message.
func (db *DB) updateNoTurns(ctx context.Context, fn func(*badger.Txn) error) error {
	for try := 1; ; try++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		if db.space.check(spaceRecheck) != nil {
			// Below the reserve: run fn without the right to write. A
			// transaction that only reads still works.
			err := db.bdb.View(fn)
			if errors.Is(err, badger.ErrReadOnlyTxn) {
				return db.space.writable()
			}
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

// getBytes returns a copy of the value at key, or nil when there is none.
func getBytes(txn *badger.Txn, key []byte) ([]byte, error) {
	item, err := txn.Get(key)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return item.ValueCopy(nil)
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

// getRecord decodes the record at key, or returns an error wrapping
// shop.ErrNotFound when there is none.
func getRecord[T any](txn *badger.Txn, key []byte) (T, error) {
	var v T
	ok, err := getJSON(txn, key, &v)
	if err == nil && !ok {
		err = shop.ErrNotFound
	}
	return v, err
}

// viewRecord is getRecord in a read-only transaction of its own.
func viewRecord[T any](ctx context.Context, db *DB, key []byte) (T, error) {
	var v T
	err := db.view(ctx, func(txn *badger.Txn) (err error) {
		v, err = getRecord[T](txn, key)
		return err
	})
	return v, err
}

// indexed returns the records an index of numbered records points at: the
// keys under prefix end in a record's number (8 bytes big-endian) and
// key(n) is where the record lives. Index entries of missing records are
// skipped.
func indexed[T any](ctx context.Context, db *DB, prefix string, key func(int64) []byte) ([]T, error) {
	var out []T
	err := db.view(ctx, func(txn *badger.Txn) error {
		p := []byte(prefix)
		it := txn.NewIterator(badger.IteratorOptions{Prefix: p})
		defer it.Close()
		for it.Rewind(); it.ValidForPrefix(p); it.Next() {
			k := it.Item().Key()[len(p):]
			if len(k) != 8 {
				continue
			}
			v, err := getRecord[T](txn, key(int64(binary.BigEndian.Uint64(k))))
			if errors.Is(err, shop.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			out = append(out, v)
		}
		return nil
	})
	return out, err
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
