package campaigns

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"omnicart/catalog"
	"omnicart/demo"
	"omnicart/locales"
	"omnicart/shop"
	"omnicart/store"
)

// BenchmarkRunMillion is one campaign run over a store of many customers
// of whom 1% are due: their carts were left 3 to 4 hours ago. Another 1%
// are in the indexes but not due yet (carts left within the hour); the
// rest were seen over the past year and their index entries were consumed
// by earlier runs. The run must read only the due customers.
//
// The population is OMNICART_BENCH_CUSTOMERS customers (default 2,000, so
// make test stays fast). The run, 1,000,000 customers and 10,000
// due:
//
//	OMNICART_BENCH_CUSTOMERS=1000000 go test ./campaigns -run '^$' -bench RunMillion -benchtime 1x -timeout 30m
//
// It reports the run's time, the customers read (profiles, counted by a
// wrapper around the store) and the store's size on disk.
func BenchmarkRunMillion(b *testing.B) {
	n := 2000
	if s := os.Getenv("OMNICART_BENCH_CUSTOMERS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 100 {
			b.Fatalf("OMNICART_BENCH_CUSTOMERS=%q: a number of at least 100", s)
		}
		n = v
	}
	due := n / 100
	ctx := context.Background()
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, moscow) // noon on a Monday: no quiet hours
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	dir := b.TempDir()
	db, err := store.Open(dir, store.Options{Now: clock})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	cat, err := catalog.Load(demo.FS, "demo")
	if err != nil {
		b.Fatal(err)
	}
	if err := db.SyncStock(ctx, cat.StockSeed()); err != nil {
		b.Fatal(err)
	}

	// The generator: customers in batches of 10,000, one bulk write each.
	skus := []string{"COL-250", "FILTER-100", "MUG-350", "CANTUCCI-200", "V60-02"}
	start := time.Now()
	gen := func(from, to int, at func(i int) time.Time) {
		batch := make([]store.BulkCustomer, 0, 10000)
		flush := func() {
			if err := db.PutCustomers(ctx, batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
		for i := from; i < to; i++ {
			c := shop.Customer{ID: benchID(i), Name: "Ann", Lang: "en", Channels: []string{"telegram:" + strconv.Itoa(100000+i)}}
			bc := store.BulkCustomer{Customer: c}
			c.CreatedAt = now.AddDate(-1, 0, 0)
			switch {
			case i < 2*due: // in the indexes: due (even) or not yet (odd)
				seen := at(i)
				bc.Customer.SeenAt = seen
				p, _ := cat.Product(skus[i%len(skus)])
				bc.Cart.Add(shop.Item{SKU: p.SKU}, 1+i%2, p.Price)
				bc.Due = map[string]time.Time{store.DueCart: seen, store.DueSeen: seen, store.DueBrowse: seen, store.DueOffer: seen}
			default: // seen over the past year; earlier runs consumed their entries
				bc.Customer.SeenAt = now.Add(-time.Duration(i%365)*24*time.Hour - 7*24*time.Hour)
			}
			batch = append(batch, bc)
			if len(batch) == cap(batch) {
				flush()
			}
		}
		if len(batch) > 0 {
			flush()
		}
	}
	// at: the due customers left their carts 3 to 4 hours before the run,
	// the others within the hour.
	at := func(run time.Time) func(i int) time.Time {
		return func(i int) time.Time {
			if i%2 == 0 {
				return run.Add(-3*time.Hour - time.Duration(i%3600)*time.Second)
			}
			return run.Add(-time.Duration(i%3600) * time.Second)
		}
	}
	gen(0, n, at(now))
	b.Logf("generated %d customers in %v", n, time.Since(start).Round(time.Millisecond))

	sh := &Shop{Campaigns: Default(), Catalog: cat, Texts: locales.Default(), Lang: "en", Zone: moscow,
		Go: func(f string) string { return "go:" + f }}
	cs := &countingStore{Store: db, read: map[shop.CustomerID]int{}}
	r := New(cs, func() *Shop { return sh }, Options{Now: clock})
	b.ResetTimer()
	for i := range b.N {
		if i > 0 { // a week later, the same customers left carts again
			b.StopTimer()
			mu.Lock()
			now = now.AddDate(0, 0, 8)
			mu.Unlock()
			gen(0, 2*due, at(now))
			cs.reset()
			b.StartTimer()
		}
		t0 := time.Now()
		ds, err := r.Run(ctx)
		if err != nil {
			b.Fatal(err)
		}
		took := time.Since(t0)
		sent := 0
		for _, d := range ds {
			if d.Reason == Send {
				sent++
			}
		}
		if sent != due {
			b.Fatalf("run %d: %d reminders, want %d", i, sent, due)
		}
		b.Logf("run %d: %d customers, %d due, %d reminders written in %v; %d customer reads of %d distinct customers (%.2f%% of all)",
			i, n, due, sent, took.Round(time.Millisecond), cs.reads, len(cs.read), 100*float64(len(cs.read))/float64(n))
	}
	b.StopTimer()
	b.ReportMetric(float64(cs.reads), "customer-reads/op")
	b.ReportMetric(float64(n), "customers")
	if err := db.Close(); err != nil {
		b.Fatal(err)
	}
	size := dirSize(b, dir)
	b.ReportMetric(float64(size)/(1<<20), "MB-on-disk")
	b.Logf("store on disk: %.1f MB", float64(size)/(1<<20))
}

// benchID spreads generated customer IDs over the key space like random
// ones.
func benchID(i int) shop.CustomerID {
	return shop.CustomerID(fmt.Sprintf("c%012x", uint64(i)*0x9E3779B97F4A7C15>>16&(1<<48-1)))
}

// countingStore counts the customer profiles a run reads.
type countingStore struct {
	Store
	mu    sync.Mutex
	reads int
	read  map[shop.CustomerID]int
}

func (s *countingStore) Customer(ctx context.Context, id shop.CustomerID) (shop.Customer, error) {
	s.mu.Lock()
	s.reads++
	s.read[id]++
	s.mu.Unlock()
	return s.Store.Customer(ctx, id)
}

func (s *countingStore) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reads, s.read = 0, map[shop.CustomerID]int{}
}

func dirSize(b *testing.B, dir string) int64 {
	var size int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err == nil {
			size += info.Size()
		}
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	return size
}
