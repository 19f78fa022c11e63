package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"omnicart/demo"
	"omnicart/flows"
)

// TestReloadIgnoresDataInShopDir: with the data, the backups, the WhatsApp
// store and the shop's log kept inside the shop directory, what the shop writes there
// itself does not reload it (it did every two seconds, forever); an
// owner's edit still does.
func TestReloadIgnoresDataInShopDir(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(dir, demo.FS); err != nil {
		t.Fatal(err)
	}
	config := filepath.Join(dir, "config.toml")
	body := "[shop]\ndir = \".\"\n[data]\ndir = \"data\"\n[backup]\ndir = \"backups\"\n[whatsapp]\ndb = \"whatsapp.db\"\n"
	if err := os.WriteFile(config, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(config)
	if err != nil {
		t.Fatal(err)
	}
	reloads := make(chan int, 10)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- watchShop(ctx, cfg, slog.New(slog.DiscardHandler), nil, func(sh *flows.Shop) { reloads <- len(sh.Catalog.Products) })
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()

	shopWrites := []string{"data/000001.vlog", "data/MANIFEST", "data/http.addr", "backups/omnicart-1.backup", "whatsapp.db", "whatsapp.db-wal", "omnicart.log"}
	for _, f := range shopWrites {
		os.MkdirAll(filepath.Join(dir, filepath.Dir(f)), 0o755)
	}
	// Longer than two looks at the files (one every 2 s).
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); {
		for _, f := range shopWrites {
			fh, err := os.OpenFile(filepath.Join(dir, f), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
			if err != nil {
				t.Fatal(err)
			}
			fh.WriteString("written by the shop\n")
			fh.Close()
		}
		select {
		case <-reloads:
			t.Fatal("the shop reloaded for files it writes itself")
		case <-time.After(300 * time.Millisecond):
		}
	}

	catalog := filepath.Join(dir, "catalog.yaml")
	data, err := os.ReadFile(catalog)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(catalog, append(data, "# edited\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	select {
	case n := <-reloads:
		if n == 0 {
			t.Error("reloaded a catalog without products")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("an edit of catalog.yaml was not picked up")
	}
}
