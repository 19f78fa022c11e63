package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"omnicart/shop"
)

// fillStore places n orders (of n/10+1 customers) in db.
func fillStore(t testing.TB, db *DB, n int) {
	t.Helper()
	ctx := context.Background()
	var ids []shop.CustomerID
	for i := range n/10 + 1 {
		c, err := db.CustomerFor(ctx, fmt.Sprintf("web:%d", i))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	if err := db.SyncStock(ctx, map[string]int{"TEA": 1 << 30}); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if _, err := db.PlaceOrder(ctx, testOrder(ids[i%len(ids)])); err != nil {
			t.Fatal(err)
		}
	}
}

func testOrder(id shop.CustomerID) shop.Order {
	price := shop.Money{Minor: 25000, Currency: "RUB"}
	return shop.Order{
		CustomerID: id,
		Lines:      []shop.Line{{Item: shop.Item{SKU: "TEA"}, Qty: 2, Price: price}},
		Total:      shop.Money{Minor: 50000, Currency: "RUB"},
	}
}

func testLogger(w io.Writer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }

func openDir(t testing.TB, dir string, opt Options) *DB {
	t.Helper()
	db, err := Open(dir, opt)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// crashCopy copies the files of an open store, as a power cut after the
// last sync would leave them (Badger writes its logs through memory maps,
// so the copy sees everything written).
func crashCopy(t *testing.T, from string) string {
	t.Helper()
	to := t.TempDir()
	if err := copyDir(from, to); err != nil {
		t.Fatal(err)
	}
	return to
}

func countOrders(t *testing.T, db *DB) int {
	t.Helper()
	_, n, err := db.Counts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func wantDamaged(t *testing.T, err error, words ...string) {
	t.Helper()
	var d *DamagedError
	if !errors.As(err, &d) {
		t.Fatalf("Open: %v, want a *DamagedError", err)
	}
	for _, w := range words {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error does not say %q:\n%v", w, err)
		}
	}
	if !strings.Contains(err.Error(), "omnicart restore") {
		t.Errorf("error does not name the way out:\n%v", err)
	}
}

// A closed store with orders in table files.
func closedStore(t *testing.T, orders int) string {
	t.Helper()
	dir := t.TempDir()
	db := openDir(t, dir, Options{NoSync: true})
	fillStore(t, db, orders)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestMissingManifestRefused(t *testing.T) {
	dir := closedStore(t, 100)
	if err := os.Remove(filepath.Join(dir, "MANIFEST")); err != nil {
		t.Fatal(err)
	}
	tables, _ := filepath.Glob(filepath.Join(dir, "*.sst"))
	if len(tables) == 0 {
		t.Fatal("no table files")
	}
	_, err := Open(dir, Options{})
	wantDamaged(t, err, "MANIFEST file is missing")
	after, _ := filepath.Glob(filepath.Join(dir, "*.sst"))
	if len(after) != len(tables) {
		t.Fatalf("tables before %d, after %d: the refused open deleted some", len(tables), len(after))
	}
	if _, err := os.Stat(filepath.Join(dir, "MANIFEST")); err == nil {
		t.Fatal("a new MANIFEST was created")
	}
}

func TestTruncatedManifestRefused(t *testing.T) {
	dir := closedStore(t, 100)
	path := filepath.Join(dir, "MANIFEST")
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, st.Size()-5); err != nil {
		t.Fatal(err)
	}
	_, err = Open(dir, Options{})
	wantDamaged(t, err, "MANIFEST is truncated")
	if err := os.Truncate(path, 3); err != nil {
		t.Fatal(err)
	}
	_, err = Open(dir, Options{})
	wantDamaged(t, err, "MANIFEST cannot be read")
}

func TestMissingTableRefused(t *testing.T) {
	dir := closedStore(t, 100)
	tables, _ := filepath.Glob(filepath.Join(dir, "*.sst"))
	if err := os.Remove(tables[0]); err != nil {
		t.Fatal(err)
	}
	_, err := Open(dir, Options{})
	wantDamaged(t, err, "missing: "+filepath.Base(tables[0]))
}

func TestTruncatedTableRefused(t *testing.T) {
	dir := closedStore(t, 100)
	tables, _ := filepath.Glob(filepath.Join(dir, "*.sst"))
	st, _ := os.Stat(tables[0])
	if err := os.Truncate(tables[0], st.Size()/2); err != nil {
		t.Fatal(err)
	}
	_, err := Open(dir, Options{}) // an error, not a panic
	wantDamaged(t, err, "is damaged: truncated")
}

func TestUnlistedTableSetAside(t *testing.T) {
	dir := closedStore(t, 100)
	// A table written by a compaction that never reached the MANIFEST.
	stray := filepath.Join(dir, "999999.sst")
	if err := os.WriteFile(stray, []byte("half a table"), 0o644); err != nil {
		t.Fatal(err)
	}
	db := openDir(t, dir, Options{})
	defer db.Close()
	if n := countOrders(t, db); n != 100 {
		t.Fatalf("orders: %d", n)
	}
	if _, err := os.Stat(filepath.Join(dir, damagedDir, "999999.sst")); err != nil {
		t.Fatalf("the unlisted table was not set aside: %v", err)
	}
	if h := db.Health(); len(h.Warnings) == 0 || db.DataStats().DamagedLogs == 0 {
		t.Fatalf("not reported: %+v", h)
	}
}

// A store killed with orders still in its write-ahead log.
func crashedStore(t *testing.T, orders int) string {
	t.Helper()
	dir := t.TempDir()
	db := openDir(t, dir, Options{})
	fillStore(t, db, orders)
	copy := crashCopy(t, dir)
	db.Close()
	if m, _ := filepath.Glob(filepath.Join(copy, "*.mem")); len(m) == 0 {
		t.Fatal("no write-ahead log")
	}
	return copy
}

// Orders placed at once share syncs and record writes, and the record
// counts every order whose PlaceOrder returned.
func TestRecordCountsConcurrentOrders(t *testing.T) {
	dir := t.TempDir()
	db := openDir(t, dir, Options{})
	defer db.Close()
	fillStore(t, db, 1)
	c, err := db.CustomerFor(context.Background(), "web:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 25 {
				if _, err := db.PlaceOrder(context.Background(), testOrder(c.ID)); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	rec, ok, err := readRecord(dir)
	if err != nil || !ok {
		t.Fatalf("record: %v %v", ok, err)
	}
	if rec.Orders != 201 || rec.LastOrder != firstOrderNumber+200 {
		t.Fatalf("record after 201 orders: %+v", rec)
	}
}

func newestMem(t *testing.T, dir string) string {
	m, _ := filepath.Glob(filepath.Join(dir, "*.mem"))
	return m[len(m)-1]
}

func TestCrashedStoreOpens(t *testing.T) {
	dir := crashedStore(t, 30)
	db := openDir(t, dir, Options{})
	defer db.Close()
	if n := countOrders(t, db); n != 30 {
		t.Fatalf("orders after a crash: %d", n)
	}
	if h := db.Health(); len(h.Problems)+len(h.Warnings) > 0 {
		t.Fatalf("a clean crash reported as damage: %+v", h)
	}
}

func TestDeletedWALRefused(t *testing.T) {
	dir := crashedStore(t, 30)
	if err := os.Remove(newestMem(t, dir)); err != nil {
		t.Fatal(err)
	}
	_, err := Open(dir, Options{})
	wantDamaged(t, err, "orders were lost", "it holds 0 orders", "30 orders up to #1030")
}

func TestTruncatedWALRefused(t *testing.T) {
	dir := crashedStore(t, 30)
	mem := newestMem(t, dir)
	wal, _ := os.ReadFile(mem)
	end := len(wal)
	for end > 0 && wal[end-1] == 0 {
		end--
	}
	if err := os.Truncate(mem, int64(end-30)); err != nil { // inside the last order
		t.Fatal(err)
	}
	_, err := Open(dir, Options{})
	wantDamaged(t, err, "orders were lost", "it holds 29 orders")
	if copies, _ := filepath.Glob(filepath.Join(dir, damagedDir, "*.mem.*")); len(copies) != 1 {
		t.Fatalf("the damaged log was not kept: %v", copies)
	}
}

func TestFlippedWALRefused(t *testing.T) {
	dir := crashedStore(t, 30)
	mem := newestMem(t, dir)
	wal, _ := os.ReadFile(mem)
	end := len(wal)
	for end > 0 && wal[end-1] == 0 {
		end--
	}
	wal[end/2] ^= 0x55
	if err := os.WriteFile(mem, wal, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Open(dir, Options{})
	wantDamaged(t, err, "orders were lost")
}

// Damage after the last order loses no order: the store starts, and says
// so loudly.
func TestDamagedWALLoud(t *testing.T) {
	dir := t.TempDir()
	db := openDir(t, dir, Options{})
	fillStore(t, db, 5)
	ctx := context.Background()
	c, _ := db.CustomerFor(ctx, "web:0")
	if err := db.SaveSession(ctx, c.ID, []byte("a session written after the orders")); err != nil {
		t.Fatal(err)
	}
	db.bdb.Sync()
	copy := crashCopy(t, dir)
	db.Close()
	mem := newestMem(t, copy)
	wal, _ := os.ReadFile(mem)
	end := len(wal)
	for end > 0 && wal[end-1] == 0 {
		end--
	}
	wal[end-10] ^= 0xff // inside the session's entry
	os.WriteFile(mem, wal, 0o644)

	var logged strings.Builder
	db2 := openDir(t, copy, Options{Logger: testLogger(&logged)})
	defer db2.Close()
	if n := countOrders(t, db2); n != 5 {
		t.Fatalf("orders: %d", n)
	}
	h := db2.Health()
	if len(h.Warnings) != 1 || !strings.Contains(h.Warnings[0], "write-ahead log") || !strings.Contains(h.Warnings[0], "checksum") {
		t.Fatalf("health: %+v", h)
	}
	if db2.DataStats().DamagedLogs != 1 {
		t.Fatalf("stats: %+v", db2.DataStats())
	}
	if !strings.Contains(logged.String(), "level=ERROR") || !strings.Contains(logged.String(), "damaged data directory") {
		t.Fatalf("not logged as an error:\n%s", logged.String())
	}
}

func TestFullDisk(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	var free atomic.Uint64
	free.Store(1 << 30)
	opt := Options{MinFree: 64 << 20, FreeSpace: func(string) (uint64, error) { return free.Load(), nil }}
	db := openDir(t, dir, opt)
	fillStore(t, db, 3)
	c, err := db.CustomerFor(ctx, "web:0")
	if err != nil {
		t.Fatal(err)
	}

	free.Store(10 << 20)
	time.Sleep(spaceRecheck + 50*time.Millisecond)
	_, err = db.PlaceOrder(ctx, testOrder(c.ID))
	var low *LowSpaceError
	if !errors.As(err, &low) || !errors.Is(err, shop.ErrTryLater) {
		t.Fatalf("order on a full disk: %v", err)
	}
	if err := db.SaveSession(ctx, c.ID, []byte("x")); !errors.Is(err, shop.ErrTryLater) {
		t.Fatalf("session on a full disk: %v", err)
	}
	if _, err := db.CustomerFor(ctx, "web:new"); !errors.Is(err, shop.ErrTryLater) {
		t.Fatalf("new customer on a full disk: %v", err)
	}
	// Reads, and transactions that turn out to only read, still work.
	if again, err := db.CustomerFor(ctx, "web:0"); err != nil || again.ID != c.ID {
		t.Fatalf("known customer on a full disk: %v", err)
	}
	if orders, err := db.Orders(ctx, c.ID); err != nil || len(orders) != 3 {
		t.Fatalf("orders on a full disk: %d %v", len(orders), err)
	}
	if db.Healthy() {
		t.Fatal("healthy on a full disk")
	}
	if h := db.Health(); len(h.Problems) != 1 || !strings.Contains(h.Problems[0], "disk") || !strings.Contains(h.Problems[0], "10 MB free") {
		t.Fatalf("health: %+v", h)
	}
	if s := db.DataStats(); !s.LowSpace || s.WritesRefused < 3 {
		t.Fatalf("stats: %+v", s)
	}

	// A restart on the full disk is a clear error.
	db.Close()
	if _, err := Open(dir, opt); !errors.As(err, &low) || !strings.Contains(err.Error(), "cannot start") {
		t.Fatalf("start on a full disk: %v", err)
	}

	free.Store(1 << 30)
	db = openDir(t, dir, opt)
	defer db.Close()
	if !db.Healthy() {
		t.Fatalf("unhealthy after space came back: %+v", db.Health())
	}
	if _, err := db.PlaceOrder(ctx, testOrder(c.ID)); err != nil {
		t.Fatalf("order after space came back: %v", err)
	}
	// Space goes and comes back while running.
	free.Store(1 << 20)
	time.Sleep(spaceRecheck + 50*time.Millisecond)
	if db.Healthy() {
		t.Fatal("healthy on a full disk")
	}
	free.Store(1 << 30)
	time.Sleep(spaceRecheck + 50*time.Millisecond)
	if !db.Healthy() {
		t.Fatal("did not recover")
	}
	if _, err := db.PlaceOrder(ctx, testOrder(c.ID)); err != nil {
		t.Fatalf("order after recovery: %v", err)
	}
}

func TestBackupRestoreVerify10000(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 orders")
	}
	ctx := context.Background()
	dir := t.TempDir()
	db := openDir(t, dir, Options{NoSync: true})
	fillStore(t, db, 10000)
	file := filepath.Join(t.TempDir(), "shop.backup")
	if _, err := db.BackupFile(file); err != nil {
		t.Fatal(err)
	}
	db.Close()

	restored := filepath.Join(t.TempDir(), "data")
	f, _ := os.Open(file)
	defer f.Close()
	if err := Restore(restored, f, Options{}); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{file, restored, dir} {
		r, err := Verify(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		if !r.OK() || r.Orders != 10000 || r.Customers != 1001 || r.LastOrder != 11000 || r.Ordered["TEA"] != 20000 {
			t.Fatalf("%s: %+v", path, r)
		}
	}
	rec, ok, err := readRecord(restored)
	if err != nil || !ok || rec.Orders != 10000 || rec.LastOrder != 11000 {
		t.Fatalf("record of the restored store: %+v %v %v", rec, ok, err)
	}
	// Restoring over a store is refused.
	f.Seek(0, 0)
	if err := Restore(restored, f, Options{}); err == nil || !strings.Contains(err.Error(), "already holds a store") {
		t.Fatalf("restore over a store: %v", err)
	}
	// The restored store takes the next number.
	db = openDir(t, restored, Options{})
	defer db.Close()
	c, _ := db.CustomerFor(ctx, "web:0")
	o, err := db.PlaceOrder(ctx, testOrder(c.ID))
	if err != nil || o.Number != 11001 {
		t.Fatalf("next order: #%d %v", o.Number, err)
	}
}

func TestVerifyFindsProblems(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := openDir(t, dir, Options{NoSync: true})
	fillStore(t, db, 3)
	c, _ := db.CustomerFor(ctx, "web:0")
	orders, _ := db.Orders(ctx, c.ID)
	// A paid order without its payment, and a negative stock.
	if _, err := db.UpdateOrder(ctx, orders[0].ID, func(o *shop.Order) error { o.Status = shop.StatusPaid; return nil }); err != nil {
		t.Fatal(err)
	}
	if err := db.update(ctx, func(txn *badger.Txn) error { return setJSON(txn, stockKey("TEA"), -2) }); err != nil {
		t.Fatal(err)
	}
	db.Close()
	r, err := Verify(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(r.Problems, "\n")
	for _, want := range []string{"is paid but has no payment", "stock of TEA is negative"} {
		if !strings.Contains(got, want) {
			t.Errorf("problems do not say %q:\n%s", want, got)
		}
	}
}

func TestPeriodicBackupWhileBuying(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	dir := t.TempDir()
	db := openDir(t, dir, Options{})
	defer db.Close()
	fillStore(t, db, 10)
	backups := filepath.Join(t.TempDir(), "backups")
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := db.RunBackups(ctx, BackupOptions{Dir: backups, Every: 30 * time.Millisecond, Keep: 3}); err != nil {
			t.Error(err)
		}
	})
	var placed atomic.Int64
	for i := range 4 {
		wg.Go(func() {
			c, err := db.CustomerFor(ctx, fmt.Sprintf("web:buyer%d", i))
			if err != nil {
				t.Error(err)
				return
			}
			for range 25 {
				if _, err := db.PlaceOrder(ctx, testOrder(c.ID)); err != nil {
					t.Error(err)
					return
				}
				placed.Add(1)
			}
		})
	}
	for db.DataStats().Backups < 5 {
		time.Sleep(10 * time.Millisecond)
	}
	for placed.Load() < 100 {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	files, _ := Backups(backups)
	if len(files) != 3 {
		t.Fatalf("kept %d backups, want 3", len(files))
	}
	for _, f := range files {
		r, err := Verify(context.Background(), f)
		if err != nil || !r.OK() || r.Orders < 10 {
			t.Fatalf("%s: %+v %v", f, r, err)
		}
	}
	if s := db.DataStats(); s.BackupFailures != 0 {
		t.Fatalf("stats: %+v", s)
	}
}

// BenchmarkSyncedOrder measures an order with its fsync and record write
// (the cost of surviving a power cut), against BenchmarkUnsyncedOrder.
func BenchmarkSyncedOrder(b *testing.B)   { benchOrders(b, false) }
func BenchmarkUnsyncedOrder(b *testing.B) { benchOrders(b, true) }

func benchOrders(b *testing.B, noSync bool) {
	db := openDir(b, b.TempDir(), Options{NoSync: noSync})
	defer db.Close()
	fillStore(b, db, 1)
	c, _ := db.CustomerFor(context.Background(), "web:0")
	b.ResetTimer()
	for b.Loop() {
		if _, err := db.PlaceOrder(context.Background(), testOrder(c.ID)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRecordWrite measures rewriting the record file (a synced
// temporary file renamed over it), part of every synced order.
func BenchmarkRecordWrite(b *testing.B) {
	r := &recorder{dir: b.TempDir()}
	for b.Loop() {
		r.count(1001)
		snap, _ := r.snapshot()
		if err := r.write(snap); err != nil {
			b.Fatal(err)
		}
	}
}

// A backup cut short, or a file that is no backup, is refused with what is
// wrong, and the target directory is left as it was: empty, so the next
// try with the right file works.
func TestRestoreRefusesBadFiles(t *testing.T) {
	dir := t.TempDir()
	db := openDir(t, dir, Options{NoSync: true})
	fillStore(t, db, 200)
	var full bytes.Buffer
	if _, err := db.Backup(&full); err != nil {
		t.Fatal(err)
	}
	db.Close()
	target := filepath.Join(t.TempDir(), "data")
	foreign := bytes.Repeat([]byte("[shop]\nname = \"not a backup\"\n"), 400)
	for _, bad := range []struct {
		name string
		data []byte
		want string
	}{
		{"cut short", full.Bytes()[:full.Len()/2], "cut short"},
		{"foreign", foreign, "not an omnicart backup"},
	} {
		err := Restore(target, bytes.NewReader(bad.data), Options{})
		if err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%s: restore = %v, want %q", bad.name, err, bad.want)
		}
		if entries, _ := os.ReadDir(target); len(entries) != 0 {
			t.Errorf("%s: the target holds %d files after a failed restore", bad.name, len(entries))
		}
	}
	if err := Restore(target, bytes.NewReader(full.Bytes()), Options{}); err != nil {
		t.Fatalf("the whole backup after the failed ones: %v", err)
	}
	r, err := Verify(context.Background(), target)
	if err != nil || !r.OK() || r.Orders != 200 {
		t.Fatalf("verify the restored store: %+v %v", r, err)
	}
}

// Rotation never deletes the backup just written, even when older files
// carry later times in their names (a clock that was once ahead); a backup
// that would eat into the shop's free-space reserve is not written.
func TestBackupToKeepsTheNewOneAndTheReserve(t *testing.T) {
	backups := t.TempDir()
	var backupFree atomic.Uint64
	backupFree.Store(1 << 40)
	db := openDir(t, t.TempDir(), Options{NoSync: true, FreeSpace: func(dir string) (uint64, error) {
		if dir == backups {
			return backupFree.Load(), nil
		}
		return 1 << 40, nil
	}})
	fillStore(t, db, 50)
	for _, name := range []string{"20270101T000000.000Z", "20270102T000000.000Z", "20270103T000000.000Z"} {
		os.WriteFile(filepath.Join(backups, backupPrefix+name+backupSuffix), []byte("x"), 0o600)
	}
	killed := filepath.Join(backups, backupPrefix+"20261101T000000.000Z"+backupSuffix+".tmp") // a backup cut short by a kill
	os.WriteFile(killed, []byte("half"), 0o600)
	path, err := db.BackupTo(backups, 3)
	if err != nil {
		t.Fatal(err)
	}
	left, _ := Backups(backups)
	if len(left) != 3 || !slices.Contains(left, path) {
		t.Fatalf("after a backup with keep 3: %v; want the new %s among 3", left, path)
	}
	if _, err := os.Stat(killed); err == nil {
		t.Error("the temporary file of a killed backup is still there")
	}
	backupFree.Store(DefaultMinFree + 1<<10) // the backup would eat into the reserve
	if _, err := db.BackupTo(backups, 3); err == nil || !strings.Contains(err.Error(), "not enough space") {
		t.Fatalf("a backup into a nearly full disk: %v", err)
	}
	if after, _ := Backups(backups); !slices.Equal(after, left) {
		t.Errorf("a refused backup changed the folder: %v, was %v", after, left)
	}
	// Every backup counts, /backup's too: the metrics and /healthz.
	if st := db.DataStats(); st.Backups != 1 || st.BackupFailures != 1 || st.LastBackup.IsZero() {
		t.Errorf("after one backup and one refused: %+v", st)
	}
	if h := db.Health(); len(h.Warnings) == 0 || !strings.Contains(strings.Join(h.Warnings, " "), "the last backup failed") {
		t.Errorf("health after a refused backup: %+v", h)
	}
	backupFree.Store(1 << 40)
	if _, err := db.BackupTo(backups, 3); err != nil {
		t.Fatal(err)
	}
	if h := db.Health(); strings.Contains(strings.Join(h.Warnings, " "), "backup") {
		t.Errorf("health after a good backup still warns: %+v", h)
	}
}
