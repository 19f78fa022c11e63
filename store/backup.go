package store

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// Backup files written by BackupTo are named like
// omnicart-20260102T150405Z.backup and hold Badger's backup stream.
const (
	backupPrefix = "omnicart-"
	backupSuffix = ".backup"
)

// Backup writes a consistent copy of the whole store to w (Badger's backup
// stream) while the store keeps serving. It returns the bytes written.
func (db *DB) Backup(w io.Writer) (int64, error) {
	cw := &countWriter{w: w}
	if _, err := db.bdb.Backup(cw, 0); err != nil {
		return cw.n, fmt.Errorf("backup: %w", err)
	}
	return cw.n, nil
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// BackupFile writes a backup to path atomically: a synced temporary file
// renamed into place, so path is whole or absent.
func (db *DB) BackupFile(path string) (int64, error) {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	n, err := db.Backup(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return 0, fmt.Errorf("backup to %s: %w", path, err)
	}
	syncDir(filepath.Dir(path))
	return n, nil
}

// BackupOptions configures RunBackups.
type BackupOptions struct {
	Dir   string        // folder of the backups; created if needed
	Every time.Duration // time between backups
	Keep  int           // how many to keep; older ones are deleted (at least 1)
}

// BackupTo writes a new backup into dir and deletes the oldest ones beyond
// keep (never the new one). It returns the new file's path. A backup that
// would leave less than the store's reserve free (data.min_free) on its
// disk is not written: a full disk makes the shop refuse orders. The
// periodic backups and the staff's /backup both come here, one at a time,
// and both count in DataStats and Health.
func (db *DB) BackupTo(dir string, keep int) (string, error) {
	db.backups.run.Lock()
	defer db.backups.run.Unlock()
	path, err := db.backupTo(dir, keep)
	db.backups.done(err)
	return path, err
}

func (db *DB) backupTo(dir string, keep int) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("backup: %w", err)
	}
	// A backup cut short by a kill leaves its temporary file: drop them.
	stale, _ := filepath.Glob(filepath.Join(dir, backupPrefix+"*"+backupSuffix+".tmp"))
	for _, f := range stale {
		os.Remove(f)
	}
	if err := db.roomForBackup(dir); err != nil {
		return "", err
	}
	path := filepath.Join(dir, backupPrefix+db.now().UTC().Format("20060102T150405.000Z")+backupSuffix)
	if _, err := db.BackupFile(path); err != nil {
		return "", err
	}
	all, err := Backups(dir)
	if err != nil {
		return path, err
	}
	old := slices.DeleteFunc(all, func(p string) bool { return p == path })
	for len(old)+1 > max(keep, 1) {
		if err := os.Remove(old[0]); err != nil {
			return path, fmt.Errorf("backup: delete old %s: %w", old[0], err)
		}
		old = old[1:]
	}
	return path, nil
}

// dataSize is the size of the store's tables and logs in dir: about what
// a backup of it takes (Badger's own count is only updated every minute).
func dataSize(dir string) uint64 {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0
	}
	var n uint64
	for _, e := range entries {
		if ext := filepath.Ext(e.Name()); ext != ".sst" && ext != ".vlog" && ext != ".mem" {
			continue
		}
		if info, err := e.Info(); err == nil {
			n += uint64(info.Size())
		}
	}
	return n
}

// sameDisk reports whether a and b are on one filesystem (true when it
// cannot tell).
func sameDisk(a, b string) bool {
	sa, errA := os.Stat(a)
	sb, errB := os.Stat(b)
	if errA != nil || errB != nil {
		return true
	}
	devA, okA := sa.Sys().(*syscall.Stat_t)
	devB, okB := sb.Sys().(*syscall.Stat_t)
	return !okA || !okB || devA.Dev == devB.Dev
}

// roomForBackup refuses a backup into dir that would leave less than the
// store's reserve free there: about the store's size on disk is written.
func (db *DB) roomForBackup(dir string) error {
	if db.space == nil {
		return nil
	}
	free, err := db.space.free(dir)
	if err != nil {
		return nil // unknown: try, as before
	}
	size, need := dataSize(db.dir), db.space.need
	if !sameDisk(dir, db.dir) {
		need = 0 // another disk: the shop's reserve is not there
	}
	if free < size+need {
		return fmt.Errorf("backup: not enough space in %s: %s free, a backup takes about %s and %s must stay free "+
			"for the shop (data.min_free); free some space, or set [backup] dir on another disk", dir, Bytes(free), Bytes(size), Bytes(need))
	}
	return nil
}

// Backups lists the backup files in dir, oldest first.
func Backups(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if n := e.Name(); strings.HasPrefix(n, backupPrefix) && strings.HasSuffix(n, backupSuffix) {
			names = append(names, filepath.Join(dir, n))
		}
	}
	slices.Sort(names) // the time in the name sorts
	return names, nil
}

// RunBackups writes a backup every opt.Every until ctx ends, then returns
// nil. The first comes one period after the newest backup already in the
// folder (a minute after the start when there is none). Failures are logged, counted and
// shown by Health, and retried at the next period.
func (db *DB) RunBackups(ctx context.Context, opt BackupOptions) error {
	if opt.Every <= 0 {
		return errors.New("backups: the period must be positive")
	}
	wait := min(opt.Every, time.Minute) // not at once: a shop restarted in a loop would only back up
	if old, _ := Backups(opt.Dir); len(old) > 0 {
		if st, err := os.Stat(old[len(old)-1]); err == nil {
			wait = max(0, opt.Every-db.now().Sub(st.ModTime()))
		}
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		start := time.Now()
		path, err := db.BackupTo(opt.Dir, opt.Keep)
		if err != nil {
			db.log.Error("backup failed", slog.String("dir", opt.Dir), slog.Any("err", err))
		} else {
			db.log.Info("backup written", slog.String("file", path), slog.Duration("took", time.Since(start)))
		}
		t.Reset(opt.Every)
	}
}

// backupStats are the backups' results, for Health and metrics.
type backupStats struct {
	run      sync.Mutex // held while a backup is written
	mu       sync.Mutex
	ok, fail int64
	last     time.Time // of the last good backup
	lastErr  error
}

func (b *backupStats) done(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err != nil {
		b.fail++
		b.lastErr = err
		return
	}
	b.ok++
	b.last = time.Now()
	b.lastErr = nil
}

func (b *backupStats) warning() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.lastErr != nil {
		return "the last backup failed: " + b.lastErr.Error()
	}
	return ""
}

// DataStats are counters for the metrics page.
type DataStats struct {
	DamagedLogs    int64     // damage found and recovered when opening (guard.go)
	WritesRefused  int64     // writes refused because the disk was full
	FreeBytes      uint64    // free space at the last reading
	LowSpace       bool      // below the reserve now
	Backups        int64     // backups written, periodic and /backup
	BackupFailures int64     // backups that failed
	LastBackup     time.Time // when the last backup was written
}

// DataStats returns the store's data-safety counters.
func (db *DB) DataStats() DataStats {
	s := DataStats{DamagedLogs: db.damages.Load()}
	if db.space != nil {
		s.WritesRefused = db.space.refused.Load()
		s.FreeBytes = db.space.last.Load()
		s.LowSpace = db.space.low.Load()
	}
	db.backups.mu.Lock()
	s.Backups, s.BackupFailures, s.LastBackup = db.backups.ok, db.backups.fail, db.backups.last
	db.backups.mu.Unlock()
	return s
}

// Restore loads a backup stream into dir, which must not hold a store.
// The restored store gets a fresh record of its orders. It is built in a
// temporary directory inside dir and moved into place only once the whole
// backup loaded: a cut-short or foreign file leaves dir as it was.
func Restore(dir string, r io.Reader, opt Options) error {
	files, err := listDir(dir)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if files.manifest || files.hasData() {
		return fmt.Errorf("restore: %s already holds a store; restore into a new, empty directory", dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	// Inside the target: the same disk (a Docker volume is its own), and
	// writable wherever the target is.
	tmp, err := os.MkdirTemp(dir, ".restoring-")
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer os.RemoveAll(tmp) // empty once moved; else what a failed load left
	if err := restoreInto(tmp, r, opt); err != nil {
		return err
	}
	entries, err := os.ReadDir(tmp)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	for _, e := range entries {
		if err := os.Rename(filepath.Join(tmp, e.Name()), filepath.Join(dir, e.Name())); err != nil {
			return fmt.Errorf("restore: move the restored store into %s: %w", dir, err)
		}
	}
	syncDir(dir)
	return nil
}

// load reads a backup stream into db. A stream cut short, or one that is
// no backup at all (Badger panics on some), is an error that says so.
func load(db *DB, r io.Reader) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("this is not an omnicart backup, or it is damaged (%v)", firstLine(fmt.Sprint(p)))
		}
	}()
	err = db.bdb.Load(bufio.NewReaderSize(r, 1<<20), 256)
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("the backup is cut short (was it copied whole?): %w", err)
	}
	return err
}

// restoreInto loads the backup into the empty directory dir.
func restoreInto(dir string, r io.Reader, opt Options) error {
	opt.ReadOnly, opt.InMemory = false, false
	db, err := Open(dir, opt)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if err := load(db, r); err != nil {
		db.Close()
		return fmt.Errorf("restore: load the backup: %w", err)
	}
	if err := db.bdb.Sync(); err != nil {
		db.Close()
		return fmt.Errorf("restore: %w", err)
	}
	err = db.bdb.View(func(txn *badger.Txn) error {
		last, orders, err := orderState(txn)
		if err == nil {
			err = db.record.reset(last, orders)
		}
		return err
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	return nil
}
