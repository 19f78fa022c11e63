package store

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestSecretTravelsInBackups: a secret is made once, returned the same
// after a restart, and restored from a backup with the rest of the shop.
func TestSecretTravelsInBackups(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := openDir(t, dir, Options{})
	made := 0
	first := func() ([]byte, error) { made++; return []byte("key-one"), nil }
	never := func() ([]byte, error) { t.Error("a kept secret made again"); return []byte("other"), nil }
	if k, err := db.Secret(ctx, "webchat-key", first); err != nil || string(k) != "key-one" {
		t.Fatalf("Secret = %q, %v", k, err)
	}
	if k, err := db.Secret(ctx, "webchat-key", never); err != nil || string(k) != "key-one" || made != 1 {
		t.Fatalf("second Secret = %q, %v (made %d times)", k, err, made)
	}
	if _, err := db.Secret(ctx, "other", func() ([]byte, error) { return nil, errors.New("no randomness") }); err == nil {
		t.Error("Secret stored nothing and returned no error")
	}
	file := filepath.Join(t.TempDir(), "shop.backup")
	if _, err := db.BackupFile(file); err != nil {
		t.Fatal(err)
	}
	db.Close()

	db = openDir(t, dir, Options{})
	if k, err := db.Secret(ctx, "webchat-key", never); err != nil || string(k) != "key-one" {
		t.Errorf("after a restart Secret = %q, %v", k, err)
	}
	db.Close()
	restored := filepath.Join(t.TempDir(), "data")
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := Restore(restored, f, Options{}); err != nil {
		t.Fatal(err)
	}
	db = openDir(t, restored, Options{})
	defer db.Close()
	if k, err := db.Secret(ctx, "webchat-key", never); err != nil || !bytes.Equal(k, []byte("key-one")) {
		t.Errorf("restored Secret = %q, %v", k, err)
	}
}
