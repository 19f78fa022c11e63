package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"omnicart/shop"
	"omnicart/store"
)

// dataConfig writes a config for a data directory under dir and returns
// its path.
func dataConfig(t *testing.T, dir, data, extra string) string {
	t.Helper()
	config := filepath.Join(dir, "config.toml")
	body := fmt.Sprintf("[data]\ndir = %q\n%s\n[http]\naddr = \"127.0.0.1:0\"\n[log]\nlevel = \"warn\"\n", data, extra)
	if err := os.WriteFile(config, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return config
}

// seedOrders stores n orders in the data directory dir, quickly (no sync
// per order; Close syncs).
func seedOrders(t *testing.T, dir string, n int) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(dir, store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SyncStock(ctx, map[string]int{"ETH-250": n * 3}); err != nil {
		t.Fatal(err)
	}
	price := shop.Money{Minor: 89000, Currency: "RUB"}
	var c shop.Customer
	for i := range n {
		if i%10 == 0 {
			if c, err = db.CustomerFor(ctx, fmt.Sprintf("web:%d", i)); err != nil {
				t.Fatal(err)
			}
		}
		o := shop.Order{CustomerID: c.ID, Lines: []shop.Line{{Item: shop.Item{SKU: "ETH-250"}, Qty: 2, Price: price}},
			Total: shop.Money{Minor: 178000, Currency: "RUB"}}
		if _, err := db.PlaceOrder(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

func runBinary(t *testing.T, args ...string) (string, int) {
	t.Helper()
	out, err := exec.Command(binary(t), args...).CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return string(out), code
}

// Backup → restore → verify round-trips a store with 10,000 orders.
func TestBackupRestoreVerifyBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	config := dataConfig(t, dir, "data", "")
	seedOrders(t, data, 10000)

	file := filepath.Join(dir, "shop.backup")
	out, code := runBinary(t, "backup", "--config", config, file)
	if code != 0 || !strings.Contains(out, "1000 customers, 10000 orders") {
		t.Fatalf("backup: exit %d\n%s", code, out)
	}
	// The flags after the file, as the usage writes them: "restore FILE
	// --data DIR" restores into DIR (the flag package alone stopped at
	// FILE, and the store went to the config's data directory).
	restored := filepath.Join(dir, "restored")
	out, code = runBinary(t, "restore", file, "--config", config, "--data", restored)
	if code != 0 || !strings.Contains(out, "10000 orders, last order #11000") || !strings.Contains(out, "ok: orders, stock and payments agree") {
		t.Fatalf("restore: exit %d\n%s", code, out)
	}
	for _, path := range []string{restored, file, data} {
		out, code = runBinary(t, "verify", path, "--config", config)
		if code != 0 || !strings.Contains(out, "1000 customers, 10000 orders") || !strings.Contains(out, "ok:") {
			t.Fatalf("verify %s: exit %d\n%s", path, code, out)
		}
	}
	// Restoring over a store is refused.
	if out, code = runBinary(t, "restore", "--config", config, "--data", restored, file); code == 0 || !strings.Contains(out, "already holds a store") {
		t.Fatalf("restore over a store: exit %d\n%s", code, out)
	}
}

// A shop killed with SIGKILL is not damaged: verify checks a copy and
// says all is well, rather than telling the owner to restore a backup
// (which would lose every order since it).
func TestVerifyAfterKillBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	config := dataConfig(t, dir, "data", "")
	seedOrders(t, data, 100)
	p := start(t, "run", "--config", config)
	p.serving(t, 60*time.Second)
	p.kill(t)
	out, code := runBinary(t, "verify", "--config", config)
	if code != 0 || !strings.Contains(out, "100 orders") || !strings.Contains(out, "not closed cleanly") || strings.Contains(out, "damaged") {
		t.Fatalf("verify after a kill: exit %d\n%s", code, out)
	}
}

// A store that lost its MANIFEST is refused with a message that names
// the problem and the way out, and nothing in it is changed.
func TestLostManifestRefusedBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	config := dataConfig(t, dir, "data", "")
	seedOrders(t, data, 100)
	if err := os.Remove(filepath.Join(data, "MANIFEST")); err != nil {
		t.Fatal(err)
	}
	before, _ := filepath.Glob(filepath.Join(data, "*.sst"))
	out, code := runBinary(t, "run", "--config", config)
	if code != 1 || !strings.Contains(out, "MANIFEST file is missing") || !strings.Contains(out, "omnicart restore") {
		t.Fatalf("exit %d\n%s", code, out)
	}
	after, _ := filepath.Glob(filepath.Join(data, "*.sst"))
	if len(before) == 0 || len(after) != len(before) {
		t.Fatalf("tables before %d, after %d", len(before), len(after))
	}
	out, code = runBinary(t, "verify", "--config", config)
	if code != 1 || !strings.Contains(out, "MANIFEST file is missing") {
		t.Fatalf("verify: exit %d\n%s", code, out)
	}
}

// A real full disk: a small tmpfs (needs root; skipped elsewhere). The
// shop turns unhealthy instead of dying of SIGBUS, recovers when space
// returns, and a start on the full disk is a clear error.
func TestFullDiskBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	mnt := t.TempDir()
	if err := syscall.Mount("tmpfs", mnt, "tmpfs", 0, "size=160m"); err != nil {
		t.Skipf("cannot mount a tmpfs to fill (%v): TestFullDisk in store covers this with an injected free-space reading", err)
	}
	t.Cleanup(func() { syscall.Unmount(mnt, syscall.MNT_DETACH) })
	data := filepath.Join(mnt, "data")
	config, _ := copyDemo(t)
	body := fmt.Sprintf("[shop]\ndir = \"myshop\"\n[data]\ndir = %q\nmin_free = \"64MB\"\n[http]\naddr = \"127.0.0.1:0\"\n[log]\nlevel = \"info\"\n", data)
	if err := os.WriteFile(config, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	p := start(t, "run", "--config", config)
	addr := p.serving(t, 30*time.Second)
	health := func() (int, string) {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := health(); code != 200 {
		t.Fatalf("healthz %d %s", code, body)
	}
	// Fill the disk to the last byte.
	filler := filepath.Join(mnt, "filler")
	f, err := os.Create(filler)
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 1<<20)
	for {
		if _, err := f.Write(chunk); err != nil {
			break
		}
	}
	f.Close()
	if !waitUntil(10*time.Second, func() bool { c, b := health(); return c == 503 && strings.Contains(b, "disk") }) {
		c, b := health()
		t.Fatalf("healthz on a full disk: %d %s", c, b)
	}
	// The web chat gets its page (a read) and the process lives on.
	if resp, err := http.Get("http://" + addr + "/"); err != nil || resp.StatusCode != 200 {
		t.Fatalf("page on a full disk: %v %v", resp, err)
	}
	time.Sleep(3 * time.Second) // a few rounds of the space watcher
	select {
	case <-p.done:
		t.Fatalf("died on a full disk:\n%s", p.log())
	default:
	}
	os.Remove(filler)
	if !waitUntil(10*time.Second, func() bool { c, _ := health(); return c == 200 }) {
		c, b := health()
		t.Fatalf("healthz after space returned: %d %s", c, b)
	}
	p.stop(t, 20*time.Second)
	if !strings.Contains(p.log(), "disk full") || !strings.Contains(p.log(), "disk space is back") {
		t.Errorf("log:\n%s", p.log())
	}

	// A start on a full disk is a clear error.
	f, _ = os.Create(filler)
	for {
		if _, err := f.Write(chunk); err != nil {
			break
		}
	}
	f.Close()
	out, code := runBinary(t, "run", "--config", config)
	if code != 1 || !strings.Contains(out, "cannot start") || !strings.Contains(out, "disk") {
		t.Fatalf("start on a full disk: exit %d\n%s", code, out)
	}
}

// TestWebKeyMovesIntoTheStore: the web chat's cookie key an older version
// kept in data/webchat.key is taken into the store (which backups carry)
// on the first start, and stays the same after the file is gone.
func TestWebKeyMovesIntoTheStore(t *testing.T) {
	ctx := context.Background()
	var cfg Config
	cfg.Data.Dir = t.TempDir()
	old := strings.Repeat("ab", 32)
	if err := os.WriteFile(webKeyFile(cfg), []byte(old+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(filepath.Join(cfg.Data.Dir, "store"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	key, err := webKey(ctx, db, cfg, slog.Default())
	if err != nil || fmt.Sprintf("%x", key) != old {
		t.Fatalf("webKey = %x, %v; want the file's %s", key, err, old)
	}
	os.Remove(webKeyFile(cfg))
	if again, err := webKey(ctx, db, cfg, slog.Default()); err != nil || fmt.Sprintf("%x", again) != old {
		t.Errorf("webKey without the file = %x, %v", again, err)
	}

	fresh, err := store.Open(t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	var none Config
	none.Data.Dir = t.TempDir()
	k1, err1 := webKey(ctx, fresh, none, slog.Default())
	k2, err2 := webKey(ctx, fresh, none, slog.Default())
	if err1 != nil || err2 != nil || len(k1) < 32 || string(k1) != string(k2) {
		t.Errorf("a new shop's key = %x, %v then %x, %v", k1, err1, k2, err2)
	}
	if _, err := os.Stat(webKeyFile(none)); err == nil {
		t.Error("a new shop wrote data/webchat.key: the key belongs in the store")
	}

	// A disk full since the start: the key cannot be stored, and the web chat starts with
	// it all the same (the old file's, so it stays the same).
	var free atomic.Uint64
	free.Store(1 << 40)
	full, err := store.Open(t.TempDir(), store.Options{FreeSpace: func(string) (uint64, error) { return free.Load(), nil }})
	if err != nil {
		t.Fatal(err)
	}
	defer full.Close()
	free.Store(0)                      // filled up after the start
	time.Sleep(600 * time.Millisecond) // the store reads the free space again (store.spaceRecheck)
	os.WriteFile(webKeyFile(cfg), []byte(old+"\n"), 0o600)
	if k, err := webKey(ctx, full, cfg, slog.Default()); err != nil || fmt.Sprintf("%x", k) != old {
		t.Errorf("webKey on a full disk = %x, %v; want the file's", k, err)
	}
	// It was not stored: with room again and the file gone, a new key.
	free.Store(1 << 40)
	time.Sleep(600 * time.Millisecond)
	os.Remove(webKeyFile(cfg))
	if k, err := webKey(ctx, full, cfg, slog.Default()); err != nil || len(k) < 32 || fmt.Sprintf("%x", k) == old {
		t.Errorf("webKey after the disk had room again = %x, %v", k, err)
	}
}

// A stopped shop on a full disk can still be backed up (to another disk):
// a backup only reads.
func TestBackupOfAFullDisk(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	seedOrders(t, data, 20)
	full := store.Options{FreeSpace: func(string) (uint64, error) { return 1 << 20, nil }}
	var out bytes.Buffer
	file := filepath.Join(t.TempDir(), "x.backup")
	if err := backupCommand(data, file, full, &out); err != nil || !strings.Contains(out.String(), "20 orders") {
		t.Fatalf("backup of a stopped shop on a full disk: %v\n%s", err, out.String())
	}
}
