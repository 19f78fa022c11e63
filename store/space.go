package store

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"omnicart/shop"
)

// DefaultMinFree is the free space the store keeps on its filesystem when
// Options.MinFree is zero: room for Badger's next write-ahead log (16 MB),
// value log (32 MB) and the table a memtable flush writes.
const DefaultMinFree = 64 << 20

// spaceInterval is how often Run reads the free space.
const spaceInterval = 2 * time.Second

// spaceRecheck is how old a free-space reading may be when a write asks.
const spaceRecheck = 500 * time.Millisecond

// LowSpaceError says the data directory's filesystem is below the reserve:
// the write was refused and nothing changed. It matches shop.ErrTryLater,
// so the shopper is asked to try again later.
type LowSpaceError struct {
	Dir  string
	Free uint64 // bytes free
	Need uint64 // the configured reserve
}

func (e *LowSpaceError) Error() string {
	return fmt.Sprintf("the disk of data directory %s is full: %s free, below the %s reserve (data.min_free)",
		e.Dir, Bytes(e.Free), Bytes(e.Need))
}

// Is makes errors.Is(err, shop.ErrTryLater) true.
func (e *LowSpaceError) Is(target error) bool { return target == shop.ErrTryLater }

// FreeSpace returns the bytes available to this process on the
// filesystem that holds dir.
func FreeSpace(dir string) (uint64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, fmt.Errorf("free space of %s: %w", dir, err)
	}
	return st.Bavail * uint64(st.Bsize), nil
}

// Bytes formats n like "64 MB".
func Bytes(n uint64) string {
	switch {
	case n >= 10<<30:
		return fmt.Sprintf("%d GB", n>>30)
	case n >= 10<<20:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 10<<10:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// space watches the free space of the data directory's filesystem.
type space struct {
	dir     string
	need    uint64
	free    func(string) (uint64, error)
	now     func() time.Time
	onEvent func(low bool, free uint64) // logs changes; may be nil

	mu      sync.Mutex
	checked time.Time
	low     atomic.Bool
	last    atomic.Uint64 // bytes free at the last check
	refused atomic.Int64  // writes refused
}

func newSpace(dir string, opt Options, log *slog.Logger) *space {
	s := &space{dir: dir, need: opt.MinFree, free: opt.FreeSpace, now: time.Now}
	if s.need == 0 {
		s.need = DefaultMinFree
	}
	if s.free == nil {
		s.free = FreeSpace
	}
	s.onEvent = func(low bool, free uint64) {
		if low {
			log.Error("disk full: refusing writes until space is freed", slog.String("dir", dir),
				slog.String("free", Bytes(free)), slog.String("reserve", Bytes(s.need)))
		} else {
			log.Info("disk space is back: taking writes again", slog.String("dir", dir), slog.String("free", Bytes(free)))
		}
	}
	return s
}

// check reads the free space when the last reading is older than maxAge
// and returns a *LowSpaceError when it is below the reserve.
func (s *space) check(maxAge time.Duration) error {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	if now := s.now(); now.Sub(s.checked) >= maxAge {
		s.checked = now
		free, err := s.free(s.dir)
		if err == nil {
			s.last.Store(free)
			low := free < s.need
			if s.low.Swap(low) != low && s.onEvent != nil {
				s.onEvent(low, free)
			}
		}
	}
	s.mu.Unlock()
	if s.low.Load() {
		return &LowSpaceError{Dir: s.dir, Free: s.last.Load(), Need: s.need}
	}
	return nil
}

// writable refuses a write when the disk is below the reserve.
func (s *space) writable() error {
	err := s.check(spaceRecheck)
	if err != nil {
		s.refused.Add(1)
	}
	return err
}

// preallocate gives Badger's newest write-ahead and value log files their
// disk blocks now. Badger writes them through memory maps of sparse files,
// and a store through a map onto a full disk kills the process with SIGBUS;
// allocated blocks cannot run out. It reports ENOSPC as low space.
func (s *space) preallocate() {
	if s == nil {
		return
	}
	for _, pattern := range []string{"*.mem", "*.vlog"} {
		names, _ := filepath.Glob(filepath.Join(s.dir, pattern))
		if len(names) == 0 {
			continue
		}
		newest := names[len(names)-1] // zero-padded numbers sort by age
		f, err := os.OpenFile(newest, os.O_RDWR, 0)
		if err != nil {
			continue
		}
		if st, err := f.Stat(); err == nil && st.Size() > 0 {
			err := syscall.Fallocate(int(f.Fd()), 0, 0, st.Size())
			if errors.Is(err, syscall.ENOSPC) {
				s.mu.Lock()
				s.checked = time.Time{} // read again on the next write
				s.mu.Unlock()
			}
		}
		f.Close()
	}
}
