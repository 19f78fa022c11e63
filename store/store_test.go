package store

import (
	"context"
	"errors"
	"fmt"
	"github.com/dgraph-io/badger/v4"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"omnicart/shop"
)

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// tickClock returns t0, t0+1s, t0+2s, ... on successive calls.
func tickClock() func() time.Time {
	var n atomic.Int64
	return func() time.Time { return t0.Add(time.Duration(n.Add(1)-1) * time.Second) }
}

func openMem(tb testing.TB) *DB {
	tb.Helper()
	db, err := Open("", Options{InMemory: true, Now: tickClock()})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	// Fixtures: customers c1 and c2 exist, as the engine's customers always do.
	err = db.bdb.Update(func(txn *badger.Txn) error {
		for _, id := range []shop.CustomerID{"c1", "c2"} {
			if err := setJSON(txn, customerKey(id), shop.Customer{ID: id}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return db
}

func rub(minor int64) shop.Money { return shop.Money{Minor: minor, Currency: "RUB"} }

var (
	beans  = shop.Item{SKU: "ETH-250", Variant: "beans"}
	ground = shop.Item{SKU: "ETH-250", Variant: "ground"}
	filter = shop.Item{SKU: "FILTER-100"}
)

func TestCustomerFor(t *testing.T) {
	ctx := t.Context()
	db := openMem(t)

	c, err := db.CustomerFor(ctx, "telegram:1")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.ID) != 13 || c.ID[0] != 'c' || !slices.Equal(c.Channels, []string{"telegram:1"}) || !c.CreatedAt.Equal(t0) {
		t.Fatalf("new customer = %+v", c)
	}
	again, err := db.CustomerFor(ctx, "telegram:1")
	if err != nil || again.ID != c.ID {
		t.Fatalf("second CustomerFor = %v, %v; want %s", again.ID, err, c.ID)
	}
	other, err := db.CustomerFor(ctx, "web:abc")
	if err != nil || other.ID == c.ID {
		t.Fatalf("other address = %v, %v; want a new customer", other.ID, err)
	}

	// Linking: after a merge the other channel points at the customer.
	wa, _ := db.CustomerFor(ctx, "whatsapp:7900")
	if _, err := db.Merge(ctx, wa.ID, c.ID); err != nil {
		t.Fatal(err)
	}
	c.Name = "Ann"
	if err := db.SaveCustomer(ctx, c); err != nil {
		t.Fatal(err)
	}
	linked, err := db.CustomerFor(ctx, "whatsapp:7900")
	if err != nil || linked.ID != c.ID || linked.Name != "Ann" {
		t.Fatalf("linked = %+v, %v", linked, err)
	}
	got, err := db.Customer(ctx, c.ID)
	if err != nil || got.Name != "Ann" || len(got.Channels) != 2 {
		t.Fatalf("Customer = %+v, %v", got, err)
	}
	if _, err := db.Customer(ctx, "nobody"); !errors.Is(err, shop.ErrNotFound) {
		t.Fatalf("missing customer err = %v, want ErrNotFound", err)
	}
	if n, _, err := db.Counts(ctx); err != nil || n != 4 { // 2 fixtures, c (with whatsapp merged in), web:abc
		t.Fatalf("customers = %d, %v; want 4", n, err)
	}
}

func TestCustomerForConcurrent(t *testing.T) {
	ctx := t.Context()
	db := openMem(t)
	const n = 20
	ids := make([]shop.CustomerID, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			c, err := db.CustomerFor(ctx, "telegram:42")
			if err != nil {
				t.Error(err)
			}
			ids[i] = c.ID
		})
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] {
			t.Fatalf("ids = %v, want one customer", ids)
		}
	}
	if customers, _, err := db.Counts(ctx); err != nil || customers != 3 { // 2 fixtures + 1
		t.Fatalf("customers = %d, %v; want 3", customers, err)
	}
}

func TestSessionAndCart(t *testing.T) {
	ctx := t.Context()
	db := openMem(t)
	const id = shop.CustomerID("c1")

	if s, err := db.Session(ctx, id); s != nil || err != nil {
		t.Fatalf("no session = %q, %v", s, err)
	}
	if c, err := db.Cart(ctx, id); len(c.Lines) != 0 || err != nil {
		t.Fatalf("no cart = %+v, %v", c, err)
	}

	var cart shop.Cart
	cart.Add(beans, 2, rub(89000))
	steps := []struct {
		name    string
		save    func() error
		session string
		lines   int
	}{
		{"session", func() error { return db.SaveSession(ctx, id, []byte("s1")) }, "s1", 0},
		{"cart", func() error { return db.SaveCart(ctx, id, cart) }, "s1", 1},
		{"state", func() error { return db.SaveState(ctx, id, []byte("s2"), shop.Cart{}, "") }, "s2", 0},
		{"both", func() error { return db.SaveState(ctx, id, []byte("s3"), cart, "") }, "s3", 1},
		{"clear session", func() error { return db.SaveSession(ctx, id, nil) }, "", 1},
	}
	for _, st := range steps {
		if err := st.save(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		s, err := db.Session(ctx, id)
		if err != nil || string(s) != st.session {
			t.Errorf("%s: session = %q, %v; want %q", st.name, s, err, st.session)
		}
		c, err := db.Cart(ctx, id)
		if err != nil || len(c.Lines) != st.lines {
			t.Errorf("%s: cart = %+v, %v; want %d lines", st.name, c, err, st.lines)
		}
	}
	c, _ := db.Cart(ctx, id)
	if c.Qty(beans) != 2 || c.Total() != rub(178000) {
		t.Errorf("cart = %+v, want 2 × beans at 890.00", c)
	}
}

func TestSyncStock(t *testing.T) {
	ctx := t.Context()
	db := openMem(t)
	order := func(item shop.Item, qty int) {
		t.Helper()
		o := shop.Order{CustomerID: "c1", Lines: []shop.Line{{Item: item, Qty: qty, Price: rub(100)}}}
		if _, err := db.PlaceOrder(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	steps := []struct {
		name string
		do   func()
		want map[shop.Item]int // -1: unknown
	}{
		{"first sync", func() { db.SyncStock(ctx, map[string]int{beans.Key(): 10, filter.Key(): 5}) },
			map[shop.Item]int{beans: 10, filter: 5, ground: -1}},
		{"orders consume", func() { order(beans, 3); order(filter, 1) },
			map[shop.Item]int{beans: 7, filter: 4}},
		{"same catalog keeps live stock", func() { db.SyncStock(ctx, map[string]int{beans.Key(): 10, filter.Key(): 5}) },
			map[shop.Item]int{beans: 7, filter: 4}},
		{"edited value resets", func() { db.SyncStock(ctx, map[string]int{beans.Key(): 20, ground.Key(): 2}) },
			map[shop.Item]int{beans: 20, filter: 4, ground: 2}},
		{"admin override", func() { db.SetStock(ctx, filter, 9) },
			map[shop.Item]int{filter: 9}},
		{"override survives unchanged catalog", func() { db.SyncStock(ctx, map[string]int{filter.Key(): 5}) },
			map[shop.Item]int{filter: 9}},
	}
	for _, st := range steps {
		st.do()
		for item, want := range st.want {
			n, known, err := db.Stock(ctx, item)
			if err != nil {
				t.Fatal(err)
			}
			if want < 0 && known || want >= 0 && (!known || n != want) {
				t.Errorf("%s: stock %s = %d (known %v), want %d", st.name, item.Key(), n, known, want)
			}
		}
	}
}

func TestPlaceOrder(t *testing.T) {
	ctx := t.Context()
	db := openMem(t)
	if err := db.SyncStock(ctx, map[string]int{beans.Key(): 5, ground.Key(): 1}); err != nil {
		t.Fatal(err)
	}
	const cust = shop.CustomerID("c1")
	var cart shop.Cart
	cart.Add(beans, 2, rub(89000))
	cart.Add(filter, 3, rub(15000)) // unknown stock: unlimited
	if err := db.SaveState(ctx, cust, []byte("s"), cart, ""); err != nil {
		t.Fatal(err)
	}

	o, err := db.PlaceOrder(ctx, shop.Order{CustomerID: cust, Lines: cart.Lines, Total: cart.Total()})
	if err != nil {
		t.Fatal(err)
	}
	if len(o.ID) != 11 || o.ID[0] != 'o' || o.Number != 1001 || o.Status != shop.StatusNew || o.CreatedAt.IsZero() || o.UpdatedAt != o.CreatedAt {
		t.Errorf("placed order = %+v", o)
	}
	if n, _, _ := db.Stock(ctx, beans); n != 3 {
		t.Errorf("beans stock = %d, want 3", n)
	}
	if c, _ := db.Cart(ctx, cust); len(c.Lines) != 0 {
		t.Errorf("cart after order = %+v, want empty", c)
	}
	if s, _ := db.Session(ctx, cust); string(s) != "s" {
		t.Errorf("session after order = %q, want kept", s)
	}
	stored, err := db.Order(ctx, o.ID)
	if err != nil || stored.Number != 1001 || stored.Total != rub(223000) || len(stored.Lines) != 2 {
		t.Errorf("stored order = %+v, %v", stored, err)
	}

	// The same item on two lines takes stock once for both.
	o2, err := db.PlaceOrder(ctx, shop.Order{ID: "mine", CustomerID: cust, Status: shop.StatusPaid,
		Lines: []shop.Line{{Item: beans, Qty: 1}, {Item: beans, Qty: 2}}})
	if err != nil {
		t.Fatal(err)
	}
	if o2.ID != "mine" || o2.Number != 1002 || o2.Status != shop.StatusPaid {
		t.Errorf("second order = %+v", o2)
	}
	if n, _, _ := db.Stock(ctx, beans); n != 0 {
		t.Errorf("beans stock = %d, want 0", n)
	}
	if _, err := db.PlaceOrder(ctx, shop.Order{ID: "mine", CustomerID: cust, Lines: []shop.Line{{Item: filter, Qty: 1}}}); err == nil {
		t.Error("order with a taken ID: no error")
	}
	if _, err := db.PlaceOrder(ctx, shop.Order{CustomerID: cust}); !errors.Is(err, shop.ErrEmptyCart) {
		t.Errorf("empty order err = %v, want ErrEmptyCart", err)
	}
	if _, orders, _ := db.Counts(ctx); orders != 2 {
		t.Errorf("orders = %d, want 2", orders)
	}
}

func TestPlaceOrderOutOfStock(t *testing.T) {
	ctx := t.Context()
	db := openMem(t)
	if err := db.SyncStock(ctx, map[string]int{beans.Key(): 5, ground.Key(): 1}); err != nil {
		t.Fatal(err)
	}
	const cust = shop.CustomerID("c1")
	var cart shop.Cart
	cart.Add(beans, 2, rub(89000))
	cart.Add(ground, 2, rub(89000))
	if err := db.SaveCart(ctx, cust, cart); err != nil {
		t.Fatal(err)
	}

	_, err := db.PlaceOrder(ctx, shop.Order{CustomerID: cust, Lines: cart.Lines})
	var oos *shop.OutOfStockError
	if !errors.As(err, &oos) || oos.Item != ground || oos.Left != 1 {
		t.Fatalf("err = %v, want out of stock: ground, 1 left", err)
	}
	for item, want := range map[shop.Item]int{beans: 5, ground: 1} {
		if n, _, _ := db.Stock(ctx, item); n != want {
			t.Errorf("stock %s = %d, want %d", item.Key(), n, want)
		}
	}
	if c, _ := db.Cart(ctx, cust); c.Count() != 4 {
		t.Errorf("cart = %+v, want kept", c)
	}
	if orders, _ := db.Orders(ctx, cust); len(orders) != 0 {
		t.Errorf("orders = %+v, want none", orders)
	}
	// The sequence did not move either.
	o, err := db.PlaceOrder(ctx, shop.Order{CustomerID: cust, Lines: []shop.Line{{Item: ground, Qty: 1}}})
	if err != nil || o.Number != 1001 {
		t.Errorf("next order = %d, %v; want 1001", o.Number, err)
	}
}

// TestLastUnit: many shoppers order the last unit at once; exactly one gets it.
func TestLastUnit(t *testing.T) {
	ctx := t.Context()
	db := openMem(t)
	if err := db.SyncStock(ctx, map[string]int{filter.Key(): 1}); err != nil {
		t.Fatal(err)
	}
	const n = 20
	var won, lost atomic.Int32
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			o := shop.Order{CustomerID: shop.CustomerID(fmt.Sprint("c", 1+i%2)), Lines: []shop.Line{{Item: filter, Qty: 1}}}
			_, err := db.PlaceOrder(ctx, o)
			var oos *shop.OutOfStockError
			switch {
			case err == nil:
				won.Add(1)
			case errors.As(err, &oos) && oos.Left == 0:
				lost.Add(1)
			default:
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if won.Load() != 1 || lost.Load() != n-1 {
		t.Errorf("won %d, lost %d; want 1 and %d", won.Load(), lost.Load(), n-1)
	}
	if left, _, _ := db.Stock(ctx, filter); left != 0 {
		t.Errorf("stock = %d, want 0", left)
	}
}

// TestConcurrentOrdersAndStockEdits mixes orders with admin stock edits, which
// conflict with them and are retried.
func TestConcurrentOrdersAndStockEdits(t *testing.T) {
	ctx := t.Context()
	db := openMem(t)
	if err := db.SetStock(ctx, beans, 1000); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Go(func() {
			lines := []shop.Line{{Item: beans, Qty: 1}, {Item: filter, Qty: 1}}
			if _, err := db.PlaceOrder(ctx, shop.Order{CustomerID: "c1", Lines: lines}); err != nil {
				t.Error(err)
			}
		})
		wg.Go(func() {
			if err := db.SyncStock(ctx, map[string]int{filter.Key(): 100 + i}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n, _, _ := db.Stock(ctx, beans); n != 990 {
		t.Errorf("stock = %d, want 990", n)
	}
}

func TestOrdersAndUpdateOrder(t *testing.T) {
	ctx := t.Context()
	db := openMem(t)
	var ids []string
	for _, cust := range []shop.CustomerID{"c1", "c2", "c1", "c1"} {
		o, err := db.PlaceOrder(ctx, shop.Order{CustomerID: cust, Lines: []shop.Line{{Item: filter, Qty: 1}}})
		if err != nil {
			t.Fatal(err)
		}
		if cust == "c1" {
			ids = append(ids, o.ID)
		}
	}
	orders, err := db.Orders(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range orders {
		got = append(got, o.ID)
	}
	slices.Reverse(ids)
	if !slices.Equal(got, ids) {
		t.Errorf("Orders = %v, want newest first %v", got, ids)
	}
	if orders, _ := db.Orders(ctx, "c"); len(orders) != 0 {
		t.Errorf("Orders of a prefix of an ID = %d orders, want 0", len(orders))
	}

	id := ids[0]
	before, _ := db.Order(ctx, id)
	paid, err := db.UpdateOrder(ctx, id, func(o *shop.Order) error {
		o.PaymentID = "p1"
		o.Number = 1 // identity is kept
		return o.Move(shop.StatusPaid, time.Time{})
	})
	if err != nil {
		t.Fatal(err)
	}
	if paid.Status != shop.StatusPaid || paid.PaymentID != "p1" || paid.Number != before.Number || !paid.UpdatedAt.After(before.UpdatedAt) {
		t.Errorf("updated = %+v", paid)
	}
	_, err = db.UpdateOrder(ctx, id, func(o *shop.Order) error {
		o.PaymentID = "p2"
		return o.Move(shop.StatusNew, time.Time{})
	})
	if !errors.Is(err, shop.ErrBadTransition) {
		t.Errorf("bad move err = %v", err)
	}
	if stored, _ := db.Order(ctx, id); stored.PaymentID != "p1" || stored.Status != shop.StatusPaid {
		t.Errorf("after failed update = %+v, want unchanged", stored)
	}
	if _, err := db.UpdateOrder(ctx, "nope", func(*shop.Order) error { return nil }); !errors.Is(err, shop.ErrNotFound) {
		t.Errorf("missing order err = %v", err)
	}
	if _, err := db.Order(ctx, "nope"); !errors.Is(err, shop.ErrNotFound) {
		t.Errorf("missing order err = %v", err)
	}
}

func TestFirstSeen(t *testing.T) {
	ctx := t.Context()
	db := openMem(t)
	const n = 20
	var firsts atomic.Int32
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			first, err := db.FirstSeen(ctx, "telegram:update:1")
			if err != nil {
				t.Error(err)
			}
			if first {
				firsts.Add(1)
			}
		})
	}
	wg.Wait()
	if firsts.Load() != 1 {
		t.Errorf("%d calls saw it first, want 1", firsts.Load())
	}
	if first, err := db.FirstSeen(ctx, "telegram:update:2"); !first || err != nil {
		t.Errorf("other key = %v, %v; want first", first, err)
	}
}

func TestEvents(t *testing.T) {
	ctx := t.Context()
	db := openMem(t)
	// Logged out of order; the zero time becomes the clock's t0.
	for _, e := range []shop.Event{
		{Time: t0.Add(3 * time.Minute), Type: "order"},
		{Time: t0.Add(time.Minute), Type: "view"},
		{Type: "start"},
		{Time: t0.Add(2 * time.Minute), Type: "cart"},
		{Time: t0.Add(2 * time.Minute), Type: "cart"},
	} {
		if err := db.LogEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		since time.Time
		limit int
		want  []string
	}{
		{time.Time{}, 10, []string{"start", "view", "cart", "cart", "order"}},
		{t0.Add(time.Minute), 10, []string{"view", "cart", "cart", "order"}},
		{t0.Add(90 * time.Second), 2, []string{"cart", "cart"}},
		{t0.Add(time.Hour), 10, nil},
	}
	for _, tt := range tests {
		var got []string
		err := db.Events(ctx, tt.since, func(e shop.Event) bool {
			got = append(got, string(e.Type))
			return len(got) < tt.limit
		})
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("Events(%v, limit %d) = %v, %v; want %v", tt.since, tt.limit, got, err, tt.want)
		}
	}
}

func TestOnDisk(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	db, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !db.Healthy() {
		t.Error("open database not healthy")
	}

	_, err = Open(dir, Options{})
	var locked *LockedError
	if !errors.As(err, &locked) || locked.Dir != dir {
		t.Fatalf("second Open err = %v, want *LockedError", err)
	}
	if want := "data directory " + dir + " is in use by another omnicart process"; err.Error() != want {
		t.Errorf("lock message = %q, want %q", err, want)
	}

	c1, _ := db.CustomerFor(ctx, "web:disk")
	o, err := db.PlaceOrder(ctx, shop.Order{CustomerID: c1.ID, Lines: []shop.Line{{Item: filter, Qty: 1, Price: rub(15000)}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if db.Healthy() {
		t.Error("closed database healthy")
	}
	if err := db.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}

	db, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got, err := db.Order(ctx, o.ID)
	if err != nil || got.Number != 1001 || got.Lines[0].Price != rub(15000) {
		t.Errorf("order after reopen = %+v, %v", got, err)
	}
	next, err := db.PlaceOrder(ctx, shop.Order{CustomerID: c1.ID, Lines: []shop.Line{{Item: filter, Qty: 1}}})
	if err != nil || next.Number != 1002 {
		t.Errorf("next order number = %d, %v; want 1002", next.Number, err)
	}
}

func TestRun(t *testing.T) {
	db := openMem(t)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error)
	go func() { done <- db.Run(ctx) }()
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run = %v, want nil", err)
	}
	db.gc(t.Context()) // in memory: nothing to collect, no panic
}

func BenchmarkSaveState(b *testing.B) {
	ctx := b.Context()
	db := openMem(b)
	var cart shop.Cart
	cart.Add(beans, 2, rub(89000))
	cart.Add(filter, 1, rub(15000))
	session := make([]byte, 200)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		id := shop.CustomerID(fmt.Sprint("c", 1+i%2)) // the fixtures
		if err := db.SaveState(ctx, id, session, cart, ""); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkPlaceOrder(b *testing.B) {
	ctx := b.Context()
	db := openMem(b)
	if err := db.SetStock(ctx, beans, 1<<30); err != nil {
		b.Fatal(err)
	}
	lines := []shop.Line{{Item: beans, Qty: 1, Price: rub(89000)}, {Item: filter, Qty: 2, Price: rub(15000)}}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		o := shop.Order{CustomerID: shop.CustomerID(fmt.Sprint("c", 1+i%2)), Lines: lines}
		if _, err := db.PlaceOrder(ctx, o); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// A new customer is due for the campaigns that follow last activity
// (browse abandonment, personal offers, win-back) from their first
// message: one who leaves within the minute before SeenAt would move is
// not forgotten.
func TestNewCustomerIsDue(t *testing.T) {
	ctx := t.Context()
	db := openMem(t)
	c, err := db.CustomerFor(ctx, "whatsapp:79990000001")
	if err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{DueSeen, DueBrowse, DueOffer} {
		if at, ok, err := db.DueAt(ctx, kind, c.ID); err != nil || !ok || !at.Equal(c.SeenAt) {
			t.Errorf("due %s: %v %v %v, want %v", kind, at, ok, err, c.SeenAt)
		}
	}
}

// /stock N sets the live stock even when N is what the last /stock set
// (sales took from it since); /price keeps the live stock as it is.
func TestStockOverrideSetAgainAfterSales(t *testing.T) {
	ctx := t.Context()
	db := openMem(t)
	key := filter.Key()
	set := func(fn func(*shop.Override)) {
		t.Helper()
		if _, _, err := db.SetOverride(ctx, key, key, shop.AuditEntry{By: "manager", Action: "stock"}, fn); err != nil {
			t.Fatal(err)
		}
	}
	stock := func(n int) func(*shop.Override) { return func(o *shop.Override) { o.Stock = &n } }
	set(stock(5))
	if _, err := db.PlaceOrder(ctx, filterOrder("c1")); err != nil { // one sold
		t.Fatal(err)
	}
	price := shop.Money{Minor: 100, Currency: "RUB"}
	set(func(o *shop.Override) { o.Price = &price })
	if n, _, _ := db.Stock(ctx, filter); n != 4 {
		t.Errorf("stock after a sale and /price = %d, want 4", n)
	}
	set(stock(5))
	if n, _, _ := db.Stock(ctx, filter); n != 5 {
		t.Errorf("stock after /stock 5 again = %d, want 5", n)
	}
}

// /hide of a hidden item and /show of a shown one change nothing: nothing
// is written or audited, and the override keeps who made it and when.
func TestOverrideNoOpWritesNothing(t *testing.T) {
	ctx := t.Context()
	db := openMem(t)
	key := filter.Key()
	hide := func(by string, hidden bool) (before, after shop.Override) {
		t.Helper()
		before, after, err := db.SetOverride(ctx, key, key, shop.AuditEntry{By: by, Action: "hide"},
			func(o *shop.Override) { o.Hidden = hidden })
		if err != nil {
			t.Fatal(err)
		}
		return before, after
	}
	hide("manager", false) // shown already: no override made
	if ov, _ := db.Overrides(ctx); len(ov) != 0 {
		t.Errorf("showing a shown item made overrides %+v", ov)
	}
	hide("manager", true)
	was, now := hide("owner", true) // hidden already
	if !was.Hidden || !now.Hidden || now.By != "manager" {
		t.Errorf("hiding again: before %+v, after %+v; want hidden by manager", was, now)
	}
	price := shop.Money{Minor: 100, Currency: "RUB"}
	for range 2 {
		if _, _, err := db.SetOverride(ctx, key, key, shop.AuditEntry{By: "owner", Action: "price"},
			func(o *shop.Override) { p := price; o.Price = &p }); err != nil {
			t.Fatal(err)
		}
	}
	log, err := db.AuditLog(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != 2 || log[0].Action != "price" || log[1].By != "manager" {
		t.Errorf("audit log %+v, want one hide by the manager and one price", log)
	}
	ov, _ := db.Overrides(ctx)
	if len(ov) != 1 || ov[0].By != "owner" {
		t.Errorf("overrides %+v", ov)
	}
}

// The staff's lists page through a status oldest first: the orders that
// have waited longest are on the first page, and every order is on one.
func TestOrdersByStatusPage(t *testing.T) {
	ctx := t.Context()
	db := openMem(t)
	if err := db.SyncStock(ctx, map[string]int{filter.Key(): 100}); err != nil {
		t.Fatal(err)
	}
	var want []int64
	for i := range 12 {
		c, err := db.CustomerFor(ctx, fmt.Sprintf("web:%d", i))
		if err != nil {
			t.Fatal(err)
		}
		o, err := db.PlaceOrder(ctx, filterOrder(c.ID))
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, o.Number)
	}
	var got []int64
	for offset := 0; offset < 20; offset += 5 {
		page, total, err := db.OrdersByStatusPage(ctx, shop.StatusNew, offset, 5)
		if err != nil || total != 12 {
			t.Fatalf("page at %d: total %d, %v", offset, total, err)
		}
		for _, o := range page {
			got = append(got, o.Number)
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("pages give %v, want %v", got, want)
	}
}
