package main

// The shop's data: `omnicart backup`, `omnicart restore` and `omnicart
// verify`, the periodic backup of a running shop, /healthz and the data
// metrics. README.md "Your data" tells owners how to use them.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"slices"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"omnicart/store"
)

const dataUsage = `  backup FILE    write a backup of a stopped shop's data directory to FILE
                 (a running shop backs itself up into [backup] dir)
  restore FILE   restore a backup into an empty data directory
          --config FILE --data DIR
  verify [DIR|FILE]  check a data directory (default: the config's) or a
                 backup: counts customers and orders, checks that orders,
                 stock and payments agree; exit status 1 when they do not
          --config FILE
`

// dataCommand runs backup, restore or verify.
func dataCommand(ctx context.Context, cmd string, cfg Config, args []string, stdout, stderr io.Writer) int {
	path := cfg.Data.Dir
	switch {
	case len(args) == 1:
		path = args[0]
	case len(args) == 0 && cmd == "verify":
	default:
		fmt.Fprintf(stderr, "omnicart %s: name one file\n\n%s", cmd, usage)
		return 2
	}
	opt := store.Options{MinFree: uint64(cfg.Data.MinFree)}
	switch cmd {
	case "backup":
		return report(backupCommand(cfg.Data.Dir, path, opt, stdout), stderr)
	case "restore":
		return report(restoreCommand(ctx, path, cfg.Data.Dir, opt, stdout), stderr)
	}
	r, err := store.Verify(ctx, path)
	if err != nil {
		return report(explainLocked(err), stderr)
	}
	printReport(stdout, path, r)
	if !r.OK() {
		return 1
	}
	return 0
}

func backupCommand(dir, file string, opt store.Options, stdout io.Writer) error {
	if _, err := os.Stat(dir); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	// Read-only: a backup only reads, so a shop stopped on a full disk can
	// still be backed up to another one. A directory that was not closed
	// cleanly needs the log replay of a writable open.
	ro := opt
	ro.ReadOnly = true
	db, err := store.Open(dir, ro)
	if store.NotClosedCleanly(err) {
		db, err = store.Open(dir, opt)
	}
	if err != nil {
		return explainLocked(err)
	}
	defer db.Close()
	n, err := db.BackupFile(file)
	if err != nil {
		return err
	}
	customers, orders, err := db.Counts(context.Background())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %d customers, %d orders, %s\n", file, customers, orders, store.Bytes(uint64(n)))
	return db.Close()
}

func restoreCommand(ctx context.Context, file, dir string, opt store.Options, stdout io.Writer) error {
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer f.Close()
	if err := store.Restore(dir, f, opt); err != nil {
		return err
	}
	r, err := store.Verify(ctx, dir)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "restored %s into %s\n", file, dir)
	printReport(stdout, dir, r)
	if !r.OK() {
		return errors.New("the restored store has problems (above)")
	}
	return nil
}

// explainLocked says what to do about a directory a running shop holds.
func explainLocked(err error) error {
	var locked *store.LockedError
	if errors.As(err, &locked) {
		return fmt.Errorf("%w: stop it first, or use the backups it writes into the [backup] dir of its config", locked)
	}
	return err
}

func printReport(w io.Writer, path string, r store.Report) {
	fmt.Fprintf(w, "%s (%s): %d customers, %d orders, last order #%d, %d stock items\n",
		path, r.Opened, r.Customers, r.Orders, r.LastOrder, r.Stock)
	if len(r.ByStatus) > 0 {
		var parts []string
		for _, s := range slices.Sorted(maps.Keys(r.ByStatus)) {
			parts = append(parts, fmt.Sprintf("%s %d", s, r.ByStatus[s]))
		}
		fmt.Fprintf(w, "  orders: %s\n", strings.Join(parts, ", "))
	}
	if r.Record != nil {
		fmt.Fprintf(w, "  record: %d orders up to #%d (%s)\n", r.Record.Orders, r.Record.LastOrder, r.Record.Updated.Format("2006-01-02 15:04:05 MST"))
	}
	for _, s := range r.Warnings {
		fmt.Fprintf(w, "  warning: %s\n", s)
	}
	for _, s := range r.Problems {
		fmt.Fprintf(w, "  PROBLEM: %s\n", s)
	}
	if r.OK() {
		fmt.Fprintln(w, "  ok: orders, stock and payments agree")
	} else {
		fmt.Fprintf(w, "  %d problems: restore an earlier backup (omnicart verify FILE finds a good one)\n", len(r.Problems))
	}
}

// backups writes a backup of the running shop every backup.every into
// backup.dir, keeping backup.keep; without backup.dir it waits for ctx.
func (m *Main) backups(ctx context.Context) error {
	b := m.Config.Backup
	if b.Dir == "" {
		<-ctx.Done()
		return nil
	}
	return m.DB.RunBackups(ctx, store.BackupOptions{Dir: b.Dir, Every: b.Every.Duration, Keep: b.Keep})
}

// healthz answers /healthz: 200 "ok" (and warnings, such as a damaged log
// recovered at start or a failed backup), or 503 with the problems (a
// full disk, a closed store).
func healthz(db *store.DB) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		h := db.Health()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if len(h.Problems) > 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
			for _, p := range h.Problems {
				fmt.Fprintln(w, "unhealthy:", p)
			}
		} else {
			fmt.Fprintln(w, "ok")
		}
		for _, s := range h.Warnings {
			fmt.Fprintln(w, "warning:", s)
		}
	}
}

// dataCollectors are the store's data-safety metrics.
func dataCollectors(db *store.DB) []prometheus.Collector {
	stat := func(f func(store.DataStats) float64) func() float64 {
		return func() float64 { return f(db.DataStats()) }
	}
	return []prometheus.Collector{
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "omnicart_store_damage_total",
			Help: "Damaged write-ahead logs and stray tables found (and recovered from) when the store opened."},
			stat(func(s store.DataStats) float64 { return float64(s.DamagedLogs) })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "omnicart_store_writes_refused_total",
			Help: "Writes refused because the data directory's disk was below data.min_free."},
			stat(func(s store.DataStats) float64 { return float64(s.WritesRefused) })),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "omnicart_store_free_bytes",
			Help: "Free space on the data directory's disk at the last reading."},
			stat(func(s store.DataStats) float64 { return float64(s.FreeBytes) })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "omnicart_backups_total",
			Help: "Backups written, periodic and by /backup."},
			stat(func(s store.DataStats) float64 { return float64(s.Backups) })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "omnicart_backup_failures_total",
			Help: "Backups that failed, periodic and by /backup."},
			stat(func(s store.DataStats) float64 { return float64(s.BackupFailures) })),
	}
}
