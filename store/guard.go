package store

// The guard keeps the shop from starting on a data directory that lost data.
//
// Badger trusts its MANIFEST: when the MANIFEST is missing it creates an
// empty one and deletes every table file it does not list, and when a
// write-ahead log (.mem) is damaged it drops everything after the damage
// without a word. So before Badger opens a directory the guard checks the
// MANIFEST against the table files, keeps copies of damaged logs, and after
// it opens compares the store with an independent Record (RecordFile) of
// what it must hold: the last order number and the number of orders,
// rewritten atomically after every synced order.

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/pb"
	"github.com/dgraph-io/badger/v4/y"
	"google.golang.org/protobuf/proto"
)

// RecordFile is the name of the Record, next to Badger's files.
const RecordFile = "omnicart-Record.json"

// damagedDir is where copies of damaged logs and set-aside tables go.
const damagedDir = "damaged"

// Record is what the store must hold at least.
type Record struct {
	Version   int       `json:"version"`
	LastOrder int64     `json:"last_order"` // the last order number handed out
	Orders    int       `json:"orders"`     // orders stored (orders are never deleted)
	Updated   time.Time `json:"updated"`
}

// DamagedError says the data directory lost data or cannot be trusted, and
// what to do. Open refuses to start on it.
type DamagedError struct {
	Dir     string
	Problem string // what is wrong
}

func (e *DamagedError) Error() string {
	return fmt.Sprintf("data directory %s is damaged: %s.\n"+
		"Omnicart did not start, so nothing more was changed or overwritten. To recover:\n"+
		"  1. keep a copy of the whole directory as it is (cp -a %s %s.damaged);\n"+
		"  2. restore the latest backup into an empty directory: omnicart restore --data NEWDIR FILE\n"+
		"     (backups are in the [backup] dir of the config), and check it: omnicart verify NEWDIR;\n"+
		"  3. start omnicart with --data NEWDIR (or point data.dir at it).\n"+
		"See README.md, \"Your data\"", e.Dir, e.Problem, e.Dir, e.Dir)
}

// readRecord reads the record in dir; ok is false when there is none.
func readRecord(dir string) (r Record, ok bool, err error) {
	b, err := os.ReadFile(filepath.Join(dir, RecordFile))
	if errors.Is(err, fs.ErrNotExist) {
		return Record{}, false, nil
	}
	if err != nil {
		return Record{}, false, err
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return Record{}, false, fmt.Errorf("%s: %w", RecordFile, err)
	}
	return r, true, nil
}

// writeFileAtomic replaces path with data: a synced temporary file renamed
// over it, so a crash leaves the old or the new content, never a mix.
func writeFileAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, path)
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// recorder keeps the record file up to date. Orders are counted in
// memory as they are committed (count) and written with the next sync
// (DB.sync): the file never claims an order Badger has not synced.
type recorder struct {
	dir     string
	mu      sync.Mutex
	rec     Record
	written Record // what the file holds
}

// count records, in memory, an order number committed to Badger.
func (r *recorder) count(number int64) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if number > r.rec.LastOrder {
		r.rec.LastOrder = number
	}
	r.rec.Orders++
}

// snapshot is what the record counts now, and whether the file says less:
// taken before a sync, it is what the file may say after it.
func (r *recorder) snapshot() (Record, bool) {
	if r == nil {
		return Record{}, false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.rec, r.rec.LastOrder != r.written.LastOrder || r.rec.Orders != r.written.Orders
}

// write writes a snapshot taken before a sync that has finished. Of two
// racing writers the older snapshot does not overwrite the newer one.
func (r *recorder) write(snap Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if snap.Orders < r.written.Orders || snap.LastOrder < r.written.LastOrder {
		return nil
	}
	saved := r.rec
	r.rec.LastOrder, r.rec.Orders = snap.LastOrder, snap.Orders
	err := r.writeLocked()
	r.rec.LastOrder, r.rec.Orders = saved.LastOrder, saved.Orders
	return err
}

// reset records the store's contents as they are now.
func (r *recorder) reset(last int64, orders int) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rec.LastOrder, r.rec.Orders = last, orders
	return r.writeLocked()
}

func (r *recorder) writeLocked() error {
	r.rec.Version = 1
	r.rec.Updated = time.Now().UTC()
	b, err := json.MarshalIndent(r.rec, "", "  ")
	if err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(r.dir, RecordFile), append(b, '\n')); err != nil {
		return fmt.Errorf("write %s: %w", RecordFile, err)
	}
	r.written = r.rec
	return nil
}

// dirFiles is what a data directory holds, by kind.
type dirFiles struct {
	manifest bool
	tables   map[uint64]string // table ID → file name
	mems     []string          // write-ahead logs
	vlogs    []string          // value logs
	record   bool
}

func (f dirFiles) hasData() bool {
	return len(f.tables) > 0 || len(f.mems) > 0 || len(f.vlogs) > 0 || f.record
}

func listDir(dir string) (dirFiles, error) {
	f := dirFiles{tables: map[uint64]string{}}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return f, nil
	}
	if err != nil {
		return f, err
	}
	for _, e := range entries {
		name := e.Name()
		switch {
		case name == badger.ManifestFilename:
			f.manifest = true
		case name == RecordFile:
			f.record = true
		case strings.HasSuffix(name, ".sst"):
			id, err := strconv.ParseUint(strings.TrimSuffix(name, ".sst"), 10, 64)
			if err == nil {
				f.tables[id] = name
			}
		case strings.HasSuffix(name, ".mem"):
			f.mems = append(f.mems, name)
		case strings.HasSuffix(name, ".vlog"):
			f.vlogs = append(f.vlogs, name)
		}
	}
	slices.Sort(f.mems)
	return f, nil
}

// lockDir takes Badger's directory lock for the checks before Badger opens,
// so they never touch a directory another process is using. The returned
// function releases it.
func lockDir(dir string) (func(), error) {
	f, err := os.Open(dir) // Badger locks the directory itself
	if errors.Is(err, fs.ErrNotExist) {
		return func() {}, nil // Badger creates it
	}
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, &LockedError{Dir: dir}
	}
	return func() { f.Close() }, nil
}

// precheck looks at dir before Badger opens it. It refuses (a
// *DamagedError) a directory whose MANIFEST is missing, truncated or
// unreadable, or that misses tables the MANIFEST lists. Tables the MANIFEST
// does not list (Badger would delete them) are moved to damaged/ when
// readOnly is false; the record check after opening decides whether they
// mattered. Damaged write-ahead logs are copied to damaged/ and described
// in the returned warnings.
func precheck(dir string, readOnly bool) (warnings []string, err error) {
	files, err := listDir(dir)
	if err != nil {
		return nil, err
	}
	if !files.manifest {
		if files.hasData() {
			return nil, &DamagedError{Dir: dir, Problem: "its MANIFEST file is missing, but it holds " +
				describeFiles(files) + " (Badger would start an empty store and delete the tables)"}
		}
		return nil, nil
	}
	mf, err := readManifest(dir)
	if err != nil {
		return nil, &DamagedError{Dir: dir, Problem: err.Error()}
	}
	var missing []string
	for id := range mf.Tables {
		if _, ok := files.tables[id]; !ok {
			missing = append(missing, fmt.Sprintf("%06d.sst", id))
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return nil, &DamagedError{Dir: dir, Problem: fmt.Sprintf("table files listed in the MANIFEST are missing: %s",
			strings.Join(missing, ", "))}
	}
	for id := range mf.Tables {
		if err := checkTable(filepath.Join(dir, files.tables[id])); err != nil {
			return nil, &DamagedError{Dir: dir, Problem: fmt.Sprintf("table file %s is damaged: %v", files.tables[id], err)}
		}
	}
	var unlisted []string
	for id, name := range files.tables {
		if _, ok := mf.Tables[id]; !ok {
			unlisted = append(unlisted, name)
		}
	}
	slices.Sort(unlisted)
	if len(unlisted) > 0 {
		if readOnly {
			warnings = append(warnings, fmt.Sprintf("table files not listed in the MANIFEST (left over from an interrupted compaction, or the MANIFEST is damaged): %s",
				strings.Join(unlisted, ", ")))
		} else {
			to := filepath.Join(dir, damagedDir)
			if err := os.MkdirAll(to, 0o755); err != nil {
				return nil, err
			}
			for _, name := range unlisted {
				if err := os.Rename(filepath.Join(dir, name), filepath.Join(to, name)); err != nil {
					return nil, err
				}
			}
			warnings = append(warnings, fmt.Sprintf("table files not listed in the MANIFEST were moved to %s (left over from an interrupted compaction, or the MANIFEST is damaged): %s",
				to, strings.Join(unlisted, ", ")))
		}
	}
	for _, name := range files.mems {
		problem, err := scanWAL(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		if problem == "" {
			continue
		}
		w := fmt.Sprintf("write-ahead log %s is damaged: %s; Badger drops everything after the damage", name, problem)
		if !readOnly {
			copyTo := filepath.Join(dir, damagedDir, name+"."+time.Now().UTC().Format("20060102T150405"))
			if err := copyFile(filepath.Join(dir, name), copyTo); err != nil {
				return nil, err
			}
			w += "; a copy is kept in " + copyTo
		}
		warnings = append(warnings, w)
	}
	return warnings, nil
}

func describeFiles(f dirFiles) string {
	var parts []string
	if n := len(f.tables); n > 0 {
		parts = append(parts, fmt.Sprintf("%d table files", n))
	}
	if n := len(f.mems); n > 0 {
		parts = append(parts, fmt.Sprintf("%d write-ahead logs", n))
	}
	if n := len(f.vlogs); n > 0 {
		parts = append(parts, fmt.Sprintf("%d value logs", n))
	}
	if f.record {
		parts = append(parts, RecordFile)
	}
	return strings.Join(parts, ", ")
}

// readManifest replays the MANIFEST without changing it and fails when it
// cannot be read to its end.
func readManifest(dir string) (badger.Manifest, error) {
	path := filepath.Join(dir, badger.ManifestFilename)
	f, err := os.Open(path)
	if err != nil {
		return badger.Manifest{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return badger.Manifest{}, err
	}
	mf, end, err := badger.ReplayManifestFile(f, 0, badger.DefaultOptions(dir).WithLogger(nil))
	if err != nil {
		return badger.Manifest{}, fmt.Errorf("its MANIFEST cannot be read (%v)", err)
	}
	if end < st.Size() {
		return badger.Manifest{}, fmt.Errorf("its MANIFEST is truncated or damaged at byte %d of %d (tables added after that point would be lost)", end, st.Size())
	}
	return mf, nil
}

// checkTable checks the footer and the checksummed index at the end of a
// Badger table, which Badger reads in a goroutine of its own where a
// damaged (say truncated) table is a panic that cannot be recovered.
func checkTable(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	read := func(off, n int64) ([]byte, error) {
		if off < 0 || n < 0 || off+n > st.Size() {
			return nil, errors.New("truncated: its index is cut off")
		}
		b := make([]byte, n)
		_, err := f.ReadAt(b, off)
		return b, err
	}
	pos := st.Size() - 4
	b, err := read(pos, 4)
	if err != nil {
		return err
	}
	sumLen := int64(binary.BigEndian.Uint32(b))
	pos -= sumLen
	b, err = read(pos, sumLen)
	if err != nil {
		return err
	}
	var sum pb.Checksum
	if err := proto.Unmarshal(b, &sum); err != nil {
		return fmt.Errorf("unreadable index checksum: %w", err)
	}
	pos -= 4
	if b, err = read(pos, 4); err != nil {
		return err
	}
	indexLen := int64(binary.BigEndian.Uint32(b))
	if b, err = read(pos-indexLen, indexLen); err != nil {
		return err
	}
	if err := y.VerifyChecksum(b, &sum); err != nil {
		return fmt.Errorf("its index fails its checksum")
	}
	return nil
}

// Entry bits of Badger's write-ahead log (badger/v4 structs.go).
const (
	walHeaderSize = 20 // key ID and IV at the start of every log file
	bitTxn        = 1 << 6
	bitFinTxn     = 1 << 7
	maxWALKey     = 1 << 16
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// scanWAL reads a Badger write-ahead log the way Badger replays it and
// describes damage: an entry that fails its checksum or is cut short with
// written bytes after it. A clean log ends in zeros or at the end of the
// file after a whole transaction. It returns "" when the log is sound.
func scanWAL(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	if len(data) < walHeaderSize {
		if len(data) == 0 {
			return "", nil
		}
		return fmt.Sprintf("only %d bytes long", len(data)), nil
	}
	off := walHeaderSize
	validEnd := off // after the last whole transaction
	inTxn := false
	for off < len(data) {
		meta, n, why := walEntry(data[off:])
		if why == "zero" { // the clean end: Badger zeroes what it has not written
			return "", nil
		}
		if why != "" {
			return fmt.Sprintf("%s at byte %d of %d (the last whole transaction ends at byte %d)", why, off, len(data), validEnd), nil
		}
		off += n
		switch {
		case meta&bitTxn != 0:
			inTxn = true
		case meta&bitFinTxn != 0:
			inTxn = false
			validEnd = off
		default:
			validEnd = off
		}
	}
	if inTxn {
		return fmt.Sprintf("the file is truncated inside a transaction at byte %d (the last whole transaction ends at byte %d)", len(data), validEnd), nil
	}
	return "", nil
}

// walEntry decodes one entry at the start of b and returns its meta byte
// and length, or why it is not a valid entry ("zero" for the clean end).
func walEntry(b []byte) (meta byte, n int, why string) {
	if len(b) < 2 {
		return 0, 0, "the file is truncated inside an entry"
	}
	meta = b[0]
	i := 2
	var vals [3]uint64
	for k := range vals {
		v, c := binary.Uvarint(b[i:])
		if c <= 0 {
			return 0, 0, "the file is truncated inside an entry header"
		}
		vals[k] = v
		i += c
	}
	klen, vlen := vals[0], vals[1]
	if klen == 0 && vlen == 0 && meta == 0 && b[1] == 0 {
		return 0, 0, "zero"
	}
	if klen > maxWALKey {
		return 0, 0, "an entry with an impossible key length"
	}
	end := uint64(i) + klen + vlen + 4
	if end > uint64(len(b)) {
		return 0, 0, "the file is truncated inside an entry"
	}
	sum := binary.BigEndian.Uint32(b[end-4 : end])
	if crc32.Checksum(b[:end-4], castagnoli) != sum {
		return 0, 0, "an entry that fails its checksum"
	}
	return meta, int(end), ""
}

func copyFile(from, to string) error {
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		return err
	}
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// orderState reads the last order number and counts the orders.
func orderState(txn *badger.Txn) (last int64, orders int, err error) {
	if _, err := getJSON(txn, orderSeqKey(), &last); err != nil {
		return 0, 0, err
	}
	return last, countPrefix(txn, prefixOrder), nil
}

// checkRecord compares the opened store with the record in dir. With no
// record it writes one (a store from before records, or a new one). It
// refuses a store that holds fewer orders or an older last order number
// than recorded.
func (db *DB) checkRecord(dir string, readOnly bool) error {
	var last int64
	var orders int
	if err := db.bdb.View(func(txn *badger.Txn) (err error) {
		last, orders, err = orderState(txn)
		return err
	}); err != nil {
		return fmt.Errorf("read order state: %w", err)
	}
	rec, ok, err := readRecord(dir)
	if err != nil {
		return &DamagedError{Dir: dir, Problem: fmt.Sprintf("its record of what it holds is unreadable (%v)", err)}
	}
	if ok && (last < rec.LastOrder || orders < rec.Orders) {
		return &DamagedError{Dir: dir, Problem: fmt.Sprintf(
			"it holds %d orders up to #%d, but %d orders up to #%d were recorded in %s on %s: orders were lost",
			orders, last, rec.Orders, rec.LastOrder, RecordFile, rec.Updated.Format(time.RFC3339))}
	}
	if readOnly {
		return nil
	}
	db.record = &recorder{dir: dir, rec: rec}
	if !ok || last != rec.LastOrder || orders != rec.Orders {
		if err := db.record.reset(last, orders); err != nil {
			return err
		}
		return syncDir(dir)
	}
	return nil
}
