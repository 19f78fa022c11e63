package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"omnicart/shop"
)

// addCustomers stores customers c<from>..c<to-1>.
func addCustomers(tb testing.TB, db *DB, n int) []shop.CustomerID {
	tb.Helper()
	var ids []shop.CustomerID
	err := db.bdb.Update(func(txn *badger.Txn) error {
		for i := range n {
			id := shop.CustomerID(fmt.Sprintf("s%03d", i))
			ids = append(ids, id)
			if err := setJSON(txn, customerKey(id), shop.Customer{ID: id}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return ids
}

func filterOrder(id shop.CustomerID) shop.Order {
	return shop.Order{CustomerID: id, Lines: []shop.Line{{Item: filter, Qty: 1, Price: rub(29000)}}, Total: rub(29000)}
}

// placeAll places orders for every customer at once and returns the
// errors, one per customer.
func placeAll(t *testing.T, db *DB, ids []shop.CustomerID, order func(shop.CustomerID) shop.Order) []error {
	t.Helper()
	errs := make([]error, len(ids))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, id := range ids {
		wg.Go(func() {
			<-start
			_, errs[i] = db.PlaceOrder(context.Background(), order(id))
		})
	}
	close(start)
	wg.Wait()
	return errs
}

func verifyClean(t *testing.T, db *DB) {
	t.Helper()
	r, err := db.verify(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK() {
		t.Errorf("verify: %v", r.Problems)
	}
}

func TestLastPlacesOfADeliveryWindow(t *testing.T) {
	db := openMem(t)
	ids := addCustomers(t, db, 50)
	slot := shop.Slot{Day: "2025-03-02", From: "10:00", To: "14:00", Capacity: 3}
	errs := placeAll(t, db, ids, func(id shop.CustomerID) shop.Order {
		o := filterOrder(id)
		o.Slot = &slot
		return o
	})
	got, full := 0, 0
	for _, err := range errs {
		switch {
		case err == nil:
			got++
		case errors.Is(err, shop.ErrSlotFull):
			full++
		default:
			t.Errorf("unexpected error: %v", err)
		}
	}
	t.Logf("50 checkouts for a window of 3: %d got it, %d were told it is full", got, full)
	if got != 3 || full != 47 {
		t.Errorf("%d got the window and %d were refused; want 3 and 47", got, full)
	}
	taken, err := db.SlotsTaken(t.Context(), []shop.Slot{slot, {Day: "2025-03-02", From: "14:00", To: "18:00"}})
	if err != nil || taken[0] != 3 || taken[1] != 0 {
		t.Errorf("SlotsTaken = %v, %v; want [3 0]", taken, err)
	}
	verifyClean(t, db)
}

func TestPromoCodeLimitUnderRush(t *testing.T) {
	db := openMem(t)
	ids := addCustomers(t, db, 20)
	promo := shop.Promo{Code: "FIVE", Percent: 10, Limit: 5}
	errs := placeAll(t, db, ids, func(id shop.CustomerID) shop.Order {
		o := filterOrder(id)
		o.Promo, o.Discount, o.Total = &promo, rub(2900), rub(26100)
		return o
	})
	got, usedUp := 0, 0
	for _, err := range errs {
		var pe *shop.PromoError
		switch {
		case err == nil:
			got++
		case errors.As(err, &pe) && pe.Reason == shop.PromoUsedUp:
			usedUp++
		default:
			t.Errorf("unexpected error: %v", err)
		}
	}
	t.Logf("20 shoppers on a code limited to 5: %d used it, %d were told it is used up", got, usedUp)
	if got != 5 || usedUp != 15 {
		t.Errorf("%d used the code and %d were refused; want 5 and 15", got, usedUp)
	}
	if all, _, _ := db.PromoUses(t.Context(), "FIVE", ids[0]); all != 5 {
		t.Errorf("uses = %d, want 5", all)
	}
	verifyClean(t, db)
}

func TestPromoCodePerCustomer(t *testing.T) {
	ctx := t.Context()
	db := openMem(t)
	promo := shop.Promo{Code: "ONCE", Amount: rub(10000), PerCustomer: 1}
	o := filterOrder("c1")
	o.Promo, o.Discount, o.Total = &promo, rub(10000), rub(19000)
	if _, err := db.PlaceOrder(ctx, o); err != nil {
		t.Fatal(err)
	}
	var pe *shop.PromoError
	if _, err := db.PlaceOrder(ctx, o); !errors.As(err, &pe) || pe.Reason != shop.PromoUsedByYou {
		t.Errorf("second use by c1: %v, want used_by_you", err)
	}
	o.CustomerID = "c2"
	if _, err := db.PlaceOrder(ctx, o); err != nil {
		t.Errorf("c2: %v", err)
	}
	all, mine, err := db.PromoUses(ctx, "ONCE", "c1")
	if err != nil || all != 2 || mine != 1 {
		t.Errorf("PromoUses = %d, %d, %v; want 2, 1", all, mine, err)
	}
}

func TestPointsPayAndComeBack(t *testing.T) {
	ctx := t.Context()
	db := openMem(t)
	if _, err := db.AddPoints(ctx, "c1", 100); err != nil {
		t.Fatal(err)
	}
	o := filterOrder("c1")
	o.Points, o.Total = 150, rub(14000)
	if _, err := db.PlaceOrder(ctx, o); !errors.Is(err, shop.ErrNotEnoughPoints) {
		t.Fatalf("150 of 100 points: %v, want ErrNotEnoughPoints", err)
	}
	o.Points, o.Total, o.Earn = 80, rub(21000), 10
	placed, err := db.PlaceOrder(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := db.Points(ctx, "c1"); n != 20 {
		t.Errorf("balance after paying 80 = %d, want 20", n)
	}
	// Cancelled: the points come back.
	if _, err := db.UpdateOrder(ctx, placed.ID, func(o *shop.Order) error { return o.Move(shop.StatusCancelled, t0) }); err != nil {
		t.Fatal(err)
	}
	if n, _ := db.Points(ctx, "c1"); n != 100 {
		t.Errorf("balance after cancelling = %d, want 100", n)
	}
	// Delivered: the order earns its points, once.
	placed, err = db.PlaceOrder(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []shop.Status{shop.StatusPaid, shop.StatusShipped, shop.StatusDelivered} {
		if _, err := db.UpdateOrder(ctx, placed.ID, func(o *shop.Order) error {
			o.PaymentID = "p1"
			return o.Move(s, t0)
		}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.UpdateOrder(ctx, placed.ID, func(o *shop.Order) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if n, _ := db.Points(ctx, "c1"); n != 30 {
		t.Errorf("balance after delivery = %d, want 100 − 80 + 10 = 30", n)
	}
	// Half refunded: half the points paid with come back, half the points
	// earned go; the order stays delivered.
	half := rub(10500)
	if _, err := db.UpdateOrder(ctx, placed.ID, func(o *shop.Order) error { o.RefundPart(half); return nil }); err != nil {
		t.Fatal(err)
	}
	if n, _ := db.Points(ctx, "c1"); n != 65 {
		t.Errorf("balance after half refunded = %d, want 30 + 40 − 5 = 65", n)
	}
	// The rest refunded: the rest of both, nothing twice.
	if _, err := db.UpdateOrder(ctx, placed.ID, func(o *shop.Order) error {
		o.Refunded = o.Total
		return o.Move(shop.StatusRefunded, t0)
	}); err != nil {
		t.Fatal(err)
	}
	if n, _ := db.Points(ctx, "c1"); n != 100 {
		t.Errorf("balance after refunded in full = %d, want 65 + 40 − 5 = 100", n)
	}
	verifyClean(t, db)
}

func TestExpiryGivesBackPointsCodeAndWindow(t *testing.T) {
	ctx := t.Context()
	db := openMem(t)
	if _, err := db.AddPoints(ctx, "c1", 50); err != nil {
		t.Fatal(err)
	}
	promo := shop.Promo{Code: "ONE", Percent: 10, Limit: 1}
	slot := shop.Slot{Day: "2025-03-02", From: "10:00", To: "14:00", Capacity: 1}
	o := filterOrder("c1")
	o.Promo, o.Discount, o.Points, o.Slot = &promo, rub(2900), 20, &slot
	o.Total = rub(29000 - 2900 - 2000)
	placed, err := db.PlaceOrder(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	o2 := filterOrder("c2")
	o2.Slot = &slot
	if _, err := db.PlaceOrder(ctx, o2); !errors.Is(err, shop.ErrSlotFull) {
		t.Fatalf("second order in a window of 1: %v", err)
	}
	expired, err := db.ExpireUnpaid(ctx, placed.CreatedAt.Add(DefaultPayWithin+time.Second))
	if err != nil || len(expired) != 1 {
		t.Fatalf("ExpireUnpaid = %v, %v", expired, err)
	}
	if n, _ := db.Points(ctx, "c1"); n != 50 {
		t.Errorf("points after expiry = %d, want 50", n)
	}
	if all, mine, _ := db.PromoUses(ctx, "ONE", "c1"); all != 0 || mine != 0 {
		t.Errorf("code uses after expiry = %d, %d; want 0, 0", all, mine)
	}
	if taken, _ := db.SlotsTaken(ctx, []shop.Slot{slot}); taken[0] != 0 {
		t.Errorf("window after expiry holds %d", taken[0])
	}
	// The code and the window are free again.
	o2.Promo, o2.Discount, o2.Total = &promo, rub(2900), rub(26100)
	if _, err := db.PlaceOrder(ctx, o2); err != nil {
		t.Errorf("the code and window given back: %v", err)
	}
	verifyClean(t, db)
}

func TestMergeAddsBalances(t *testing.T) {
	ctx := t.Context()
	db := openMem(t)
	for id, n := range map[shop.CustomerID]int64{"c1": 30, "c2": 12} {
		if _, err := db.AddPoints(ctx, id, n); err != nil {
			t.Fatal(err)
		}
	}
	promo := shop.Promo{Code: "ONCE", Percent: 5, PerCustomer: 1}
	o := filterOrder("c1")
	o.Promo, o.Discount, o.Total = &promo, rub(1450), rub(27550)
	if _, err := db.PlaceOrder(ctx, o); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Merge(ctx, "c1", "c2"); err != nil {
		t.Fatal(err)
	}
	if n, _ := db.Points(ctx, "c2"); n != 42 {
		t.Errorf("merged balance = %d, want 30 + 12", n)
	}
	if n, _ := db.Points(ctx, "c1"); n != 0 {
		t.Errorf("the merged-away customer keeps %d points", n)
	}
	// The code used in one chat is used in the other.
	o.CustomerID = "c2"
	var pe *shop.PromoError
	if _, err := db.PlaceOrder(ctx, o); !errors.As(err, &pe) || pe.Reason != shop.PromoUsedByYou {
		t.Errorf("code used before the link: %v, want used_by_you", err)
	}
	verifyClean(t, db)
}

func TestNewPromoCode(t *testing.T) {
	ctx := t.Context()
	db := openMem(t)
	if _, err := db.NewPromoCode(ctx, "BACK-", shop.Promo{Percent: 10}); err == nil {
		t.Error("a code without expiry was made")
	}
	p, err := db.NewPromoCode(ctx, "back-", shop.Promo{Percent: 10, Until: t0.Add(72 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Code) != 13 || p.Code[:5] != "BACK-" || p.Limit != 1 || p.PerCustomer != 1 {
		t.Errorf("generated %+v", p)
	}
	got, ok, err := db.PromoCode(ctx, p.Code)
	if err != nil || !ok || got.Code != p.Code || got.Percent != 10 || !got.Until.Equal(p.Until) {
		t.Errorf("PromoCode(%s) = %+v, %v, %v", p.Code, got, ok, err)
	}
	if _, ok, _ := db.PromoCode(ctx, "BACK-NOPE1234"); ok {
		t.Error("an unknown code was found")
	}
}

func TestVerifyChecksTotals(t *testing.T) {
	ctx := t.Context()
	db := openMem(t)
	o := filterOrder("c1")
	o.Discount, o.DeliveryFee, o.Total = rub(900), rub(30000), rub(29000-900+30000)
	if _, err := db.PlaceOrder(ctx, o); err != nil {
		t.Fatal(err)
	}
	verifyClean(t, db)
	o.Total = rub(29000) // the discount and the fee not added up
	if _, err := db.PlaceOrder(ctx, o); err != nil {
		t.Fatal(err)
	}
	r, err := db.verify(ctx)
	if err != nil || len(r.Problems) != 1 {
		t.Errorf("problems = %q, %v; want the one wrong total", r.Problems, err)
	}
}

// TestVerifyKnowsEveryStatus: an order in any status of its life is no
// problem to verify, and one marked paid by the staff (a bank transfer:
// /paid) names no payment; one paid by nobody is still a problem.
func TestVerifyKnowsEveryStatus(t *testing.T) {
	ctx := t.Context()
	db := openMem(t)
	if err := db.SyncStock(ctx, map[string]int{filter.Key(): 100}); err != nil {
		t.Fatal(err)
	}
	walk := func(paidBy string, path ...shop.Status) {
		t.Helper()
		o := filterOrder("c1")
		if slices.Contains(path, shop.StatusReady) {
			o.Delivery = shop.Delivery{Method: shop.DeliveryPickup, Point: "p1"}
		}
		placed, err := db.PlaceOrder(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range path {
			if _, err := db.UpdateOrder(ctx, placed.ID, func(o *shop.Order) error {
				if s == shop.StatusPaid && paidBy == "" {
					o.PaymentID, o.Provider = "pay-"+o.ID, "demo"
				}
				if s == shop.StatusRefunded {
					o.Refunded = o.Total
				}
				by := ""
				if s == shop.StatusPaid && paidBy != "nobody" {
					by = paidBy
				}
				return o.Change(s, t0, by)
			}); err != nil {
				t.Fatalf("%v: %v", path, err)
			}
		}
	}
	walk("")
	walk("", shop.StatusCancelled)
	walk("", shop.StatusPaid, shop.StatusPacked)
	walk("", shop.StatusPaid, shop.StatusPacked, shop.StatusShipped, shop.StatusDelivered, shop.StatusRefunded)
	walk("", shop.StatusPaid, shop.StatusReady)
	walk("telegram:200", shop.StatusPaid, shop.StatusReady, shop.StatusDelivered)
	walk("telegram:200", shop.StatusPaid, shop.StatusRefunded)
	verifyClean(t, db)

	walk("nobody", shop.StatusPaid) // paid, yet neither a payment nor a member of staff says so
	r, err := db.verify(ctx)
	if err != nil || r.OK() || !strings.Contains(strings.Join(r.Problems, "\n"), "is paid but has no payment") {
		t.Errorf("an order paid by nobody: %v, %v", r.Problems, err)
	}
}
