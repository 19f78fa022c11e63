package main

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"omnicart/catalog"
	"omnicart/demo"
	"omnicart/flows"
	"omnicart/locales"
	"omnicart/shop"
)

// shopFS returns the shop directory named in the config, or the embedded
// demo shop when none is named, with the name used in error positions.
func shopFS(cfg Config) (fs.FS, string) {
	if cfg.Shop.Dir == "" {
		return demo.FS, "demo(built-in)"
	}
	return os.DirFS(cfg.Shop.Dir), cfg.Shop.Dir
}

// loadShop loads and validates everything the owner edits. The error lists
// every problem found, one "file:line: message" a line.
func loadShop(cfg Config) (*flows.Shop, error) {
	fsys, name := shopFS(cfg)
	if cfg.Shop.Dir != "" {
		if st, err := os.Stat(cfg.Shop.Dir); err != nil || !st.IsDir() {
			return nil, errors.New(cfg.Shop.Dir + ": shop directory not found")
		}
	}
	var problems []string
	cat, err := catalog.Load(fsys, name)
	if err != nil {
		problems = append(problems, err.Error())
	}
	texts := locales.Default()
	if sub, ok := subDir(fsys, "texts"); ok {
		t, err := locales.Load(texts, sub, name+"/texts")
		if err != nil {
			problems = append(problems, err.Error())
		} else {
			texts = t
		}
	}
	var owner fs.FS
	if sub, ok := subDir(fsys, "flows"); ok {
		owner = sub
	}
	set, err := flows.Load(owner, name+"/flows", flows.Builtin(), texts)
	if err != nil {
		problems = append(problems, err.Error())
	}
	problems = append(problems, campaignProblems(cfg, texts)...)
	if len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "\n"))
	}
	shopName := cfg.Shop.Name
	if shopName == "" {
		shopName = texts.Printer(cfg.Shop.Lang).T("app.name")
	}
	zone, err := cfg.zone()
	if err != nil {
		return nil, errors.New("shop.timezone: " + err.Error())
	}
	return &flows.Shop{Name: shopName, Catalog: cat, Flows: set, Texts: texts, Images: fsys, Lang: cfg.Shop.Lang, Zone: zone,
		Loyalty: shop.Loyalty{EarnPercent: cfg.Loyalty.EarnPercent, MaxSharePercent: cfg.Loyalty.MaxSharePercent}}, nil
}

func subDir(fsys fs.FS, dir string) (fs.FS, bool) {
	st, err := fs.Stat(fsys, dir)
	if err != nil || !st.IsDir() {
		return nil, false
	}
	sub, err := fs.Sub(fsys, dir)
	return sub, err == nil
}

// stamp sums the sizes and modification times of the shop's files, so a
// change of any file (editors save by rename) changes it. Files for which
// skip is true (given their path under dir, and a directory before its
// files) are left out.
func stamp(dir string, skip func(path string) bool) int64 {
	var sum int64
	fs.WalkDir(os.DirFS(dir), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if p != "." && skip(filepath.Join(dir, filepath.FromSlash(p))) {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		if info, err := d.Info(); err == nil {
			sum += info.ModTime().UnixNano() ^ info.Size()<<20 + int64(len(p))
		}
		return nil
	})
	return sum
}

// notOwnerFiles reports the paths inside the shop directory that the shop
// itself writes: the data directory (Badger writes all the time), the
// backups, the WhatsApp store with its -wal, -shm and -journal files, and
// *.log files (its own log, when sent there, has a line for every reload).
// Watching them would reload the shop every two seconds.
func notOwnerFiles(cfg Config) func(path string) bool {
	abs := func(p string) string {
		if p == "" {
			return ""
		}
		a, err := filepath.Abs(p)
		if err != nil {
			return filepath.Clean(p)
		}
		return a
	}
	shopDir := abs(cfg.Shop.Dir)
	var dirs []string
	for _, d := range []string{cfg.Data.Dir, cfg.Backup.Dir} {
		// The shop directory itself is the owner's, even when the data is kept in it.
		if d := abs(d); d != "" && d != shopDir {
			dirs = append(dirs, d)
		}
	}
	wa := abs(cfg.WhatsApp.DB)
	return func(p string) bool {
		p = abs(p)
		if strings.HasSuffix(p, ".log") || wa != "" && (p == wa || strings.HasPrefix(p, wa+"-")) {
			return true
		}
		return slices.Contains(dirs, p)
	}
}

// watchShop reloads the shop when its files change or on reload(); a shop
// that fails to load is logged and the running one stays.
func watchShop(ctx context.Context, cfg Config, log *slog.Logger, reload <-chan os.Signal, apply func(*flows.Shop)) error {
	if cfg.Shop.Dir == "" && reload == nil {
		return nil
	}
	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	skip := notOwnerFiles(cfg)
	dir, err := filepath.Abs(cfg.Shop.Dir) // skip compares absolute paths
	if err != nil {
		dir = cfg.Shop.Dir
	}
	last := int64(0)
	if cfg.Shop.Dir != "" {
		last = stamp(dir, skip)
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-reload:
		case <-tick.C:
			if cfg.Shop.Dir == "" {
				continue
			}
			now := stamp(dir, skip)
			if now == last {
				continue
			}
			last = now
		}
		sh, err := loadShop(cfg)
		if err != nil {
			log.Error("shop files have errors; the last good version keeps running", slog.String("errors", err.Error()))
			continue
		}
		apply(sh)
		log.Info("shop reloaded", slog.Int("products", len(sh.Catalog.Products)))
	}
}
