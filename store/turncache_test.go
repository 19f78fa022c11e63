package store

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"omnicart/shop"
)

// turnOf reads a turn and fails the test on an error.
func turnOf(t *testing.T, db *DB, id shop.CustomerID) (shop.Customer, string, shop.Cart) {
	t.Helper()
	c, sess, cart, _, err := db.Turn(context.Background(), id, "")
	if err != nil {
		t.Fatal(err)
	}
	return c, string(sess), cart
}

// A turn read from the cache shows every write made since, whoever made
// it: the turn's own save, the other writers of profiles, sessions and
// carts, an order, a merge.
func TestTurnCacheSeesEveryWrite(t *testing.T) {
	ctx := t.Context()
	db := openMem(t)
	c, err := db.CustomerFor(ctx, "telegram:1")
	if err != nil {
		t.Fatal(err)
	}
	other, err := db.CustomerFor(ctx, "web:2")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SyncStock(ctx, map[string]int{"BEANS": 100}); err != nil {
		t.Fatal(err)
	}
	var cart shop.Cart
	cart.Add(beans, 1, rub(89000))
	steps := []struct {
		name  string
		write func() error
		check func(shop.Customer, string, shop.Cart) bool
	}{
		{"the turn's save", func() error { return db.SaveState(ctx, c.ID, []byte("s1"), cart, "telegram:u1") },
			func(_ shop.Customer, s string, k shop.Cart) bool { return s == "s1" && len(k.Lines) == 1 }},
		{"a session-only save", func() error { return db.SaveSessionOnly(ctx, c.ID, []byte("s2"), "") },
			func(_ shop.Customer, s string, k shop.Cart) bool { return s == "s2" && len(k.Lines) == 1 }},
		{"SaveCustomer", func() error {
			cu, _, _ := turnOf(t, db, c.ID)
			cu.Name = "Anna"
			return db.SaveCustomer(ctx, cu)
		}, func(cu shop.Customer, _ string, _ shop.Cart) bool { return cu.Name == "Anna" }},
		{"SetReachable", func() error { return db.SetReachable(ctx, "telegram:1", false) },
			func(cu shop.Customer, _ string, _ shop.Cart) bool { return slices.Contains(cu.Unreachable, "telegram") }},
		{"SaveSession", func() error { return db.SaveSession(ctx, c.ID, []byte("s3")) },
			func(_ shop.Customer, s string, _ shop.Cart) bool { return s == "s3" }},
		{"SaveCart", func() error {
			var two shop.Cart
			two.Add(beans, 2, rub(89000))
			return db.SaveCart(ctx, c.ID, two)
		}, func(_ shop.Customer, _ string, k shop.Cart) bool { return len(k.Lines) == 1 && k.Lines[0].Qty == 2 }},
		{"PlaceOrder", func() error {
			_, err := db.PlaceOrder(ctx, shop.Order{CustomerID: c.ID, Lines: []shop.Line{{Item: beans, Qty: 1, Price: rub(89000)}}})
			return err
		}, func(_ shop.Customer, _ string, k shop.Cart) bool { return len(k.Lines) == 0 }},
		{"an empty save", func() error { return db.SaveState(ctx, c.ID, nil, shop.Cart{}, "") },
			func(_ shop.Customer, s string, k shop.Cart) bool { return s == "" && len(k.Lines) == 0 }},
		{"Merge", func() error {
			if err := db.SaveCart(ctx, other.ID, cart); err != nil {
				return err
			}
			_, err := db.Merge(ctx, other.ID, c.ID)
			return err
		}, func(cu shop.Customer, _ string, k shop.Cart) bool { return len(cu.Channels) == 2 && len(k.Lines) == 1 }},
	}
	for _, s := range steps {
		turnOf(t, db, c.ID) // cached now
		if err := s.write(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if cu, sess, k := turnOf(t, db, c.ID); !s.check(cu, sess, k) {
			t.Errorf("after %s the turn reads %+v, session %q, cart %+v", s.name, cu, sess, k)
		}
	}
}

// Turns saved and read while other writers change the same customers end
// with the cache agreeing with Badger (run with -race).
func TestTurnCacheUnderRaces(t *testing.T) {
	ctx := t.Context()
	db := openMem(t)
	var ids []shop.CustomerID
	for i := range 8 {
		c, err := db.CustomerFor(ctx, fmt.Sprintf("telegram:%d", i))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 200 {
				id := ids[(w+i)%len(ids)]
				var k shop.Cart
				k.Add(beans, 1+i%5, rub(89000))
				var err error
				switch i % 4 {
				case 0:
					err = db.SaveCart(ctx, id, k)
				case 1:
					err = db.SaveSession(ctx, id, fmt.Appendf(nil, "w%d-%d", w, i))
				default:
					_, _, _, _, err = db.Turn(ctx, id, "")
					if err == nil {
						err = db.SaveState(ctx, id, fmt.Appendf(nil, "t%d-%d", w, i), k, "")
					}
				}
				if err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	for _, id := range ids {
		_, sess, cart := turnOf(t, db, id)
		stored, err := db.Session(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		storedCart, err := db.Cart(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if sess != string(stored) || fmt.Sprint(cart) != fmt.Sprint(storedCart) {
			t.Errorf("%s: the turn reads %q %v, Badger holds %q %v", id, sess, cart, stored, storedCart)
		}
	}
}

// A cached address follows the customer it belongs to through a merge
// and an unlink.
func TestCustomerIDCacheFollowsLinks(t *testing.T) {
	ctx := t.Context()
	db := openMem(t)
	a, err := db.CustomerFor(ctx, "telegram:1")
	if err != nil {
		t.Fatal(err)
	}
	b, err := db.CustomerFor(ctx, "web:2")
	if err != nil {
		t.Fatal(err)
	}
	owner := func() shop.CustomerID {
		t.Helper()
		id, ok, err := db.CustomerID(ctx, "web:2")
		if err != nil || !ok {
			t.Fatalf("CustomerID(web:2) = %q, %v, %v", id, ok, err)
		}
		return id
	}
	if owner() != b.ID || owner() != b.ID { // the second from the cache
		t.Fatal("web:2 is not b's")
	}
	if _, err := db.Merge(ctx, b.ID, a.ID); err != nil {
		t.Fatal(err)
	}
	if id := owner(); id != a.ID {
		t.Fatalf("after the merge web:2 is %s's, want %s", id, a.ID)
	}
	if _, err := db.Unlink(ctx, a.ID, "web:2"); err != nil {
		t.Fatal(err)
	}
	if id := owner(); id == a.ID {
		t.Fatal("after the unlink web:2 is still the merged customer's")
	}
}
