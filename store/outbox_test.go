package store

import (
	"context"
	"testing"
	"time"

	"omnicart/shop"
)

func notice(key string, c shop.CustomerID) shop.Notice {
	return shop.Notice{Key: key, Customer: c, Kind: shop.NoticeService, Text: "orders.expired",
		Args: []shop.NoticeArg{shop.NumberArg("number", 1001)}}
}

func TestOutboxSendsAKeyOnce(t *testing.T) {
	db := openMem(t)
	ctx := context.Background()
	n, err := db.Enqueue(ctx, notice("a/1", "c1"), notice("a/2", "c2"), notice("a/1", "c1"))
	if err != nil || n != 2 {
		t.Fatalf("Enqueue = %d, %v; want 2 new (the repeated key skipped)", n, err)
	}
	far := t0.Add(time.Hour)
	pending, err := db.PendingNotices(ctx, far, 10)
	if err != nil || len(pending) != 2 || pending[0].Notice.Key != "a/1" || pending[1].Notice.Key != "a/2" {
		t.Fatalf("PendingNotices = %+v, %v; want a/1 then a/2", pending, err)
	}
	if got := pending[0].Notice.Args[0]; got.Name != "number" || got.Number == nil || *got.Number != 1001 {
		t.Errorf("args came back as %+v", got)
	}
	if err := db.NoticeAttempt(ctx, pending[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := db.NoticeSent(ctx, pending[0].ID, "telegram:1"); err != nil {
		t.Fatal(err)
	}
	if err := db.NoticeFailed(ctx, pending[1].ID, "blocked everywhere"); err != nil {
		t.Fatal(err)
	}
	// Enqueued again after it was sent (a job running twice, a restart):
	// nothing new.
	if n, err := db.Enqueue(ctx, notice("a/1", "c1"), notice("a/2", "c2")); err != nil || n != 0 {
		t.Errorf("Enqueue of sent keys = %d, %v; want 0", n, err)
	}
	if left, _ := db.PendingNotices(ctx, far, 10); len(left) != 0 {
		t.Errorf("pending after sent and failed: %+v", left)
	}
	for key, want := range map[string]NoticeRecord{
		"a/1": {State: NoticeSent, Address: "telegram:1"},
		"a/2": {State: NoticeFailed, Error: "blocked everywhere"},
	} {
		r, ok, err := db.Notice(ctx, key)
		if err != nil || !ok || r.State != want.State || r.Address != want.Address || r.Error != want.Error {
			t.Errorf("Notice(%s) = %+v, %v, %v; want %+v", key, r, ok, err, want)
		}
	}
	if depth, _, err := db.OutboxDepth(ctx); err != nil || depth != 0 {
		t.Errorf("OutboxDepth = %d, %v", depth, err)
	}
}

func TestOutboxRetryAndDepth(t *testing.T) {
	db := openMem(t)
	ctx := context.Background()
	if _, err := db.Enqueue(ctx, notice("r/1", "c1"), notice("r/2", "c2"), notice("r/3", "c1")); err != nil {
		t.Fatal(err)
	}
	p, _ := db.PendingNotices(ctx, t0.Add(time.Hour), 1)
	if len(p) != 1 {
		t.Fatalf("limit 1 gave %d", len(p))
	}
	later := t0.Add(2 * time.Hour)
	if err := db.NoticeRetry(ctx, p[0].ID, later, "timeout"); err != nil {
		t.Fatal(err)
	}
	// Before the retry time: c2's notice goes; c1's later one waits behind
	// r/1, so c1 gets them in order.
	now, _ := db.PendingNotices(ctx, t0.Add(time.Hour), 10)
	if len(now) != 1 || now[0].Notice.Key != "r/2" {
		t.Errorf("before the retry time: %+v; want only r/2", now)
	}
	again, _ := db.PendingNotices(ctx, later, 10)
	if len(again) != 3 || again[0].Notice.Key != "r/1" || again[0].LastError != "timeout" || again[2].Notice.Key != "r/3" {
		t.Errorf("at the retry time: %+v; want all three, r/1 with its error before r/3", again)
	}
	depth, oldest, err := db.OutboxDepth(ctx)
	if err != nil || depth != 3 || oldest.IsZero() || oldest.After(t0.Add(time.Minute)) {
		t.Errorf("OutboxDepth = %d, %v, %v", depth, oldest, err)
	}
	if _, err := db.Enqueue(ctx, shop.Notice{Key: "bad", Customer: "c1"}); err == nil {
		t.Error("a notice without text or kind was accepted")
	}
}

func TestExpireUnpaidWritesItsNotice(t *testing.T) {
	db := openMem(t)
	ctx := context.Background()
	if err := db.SyncStock(ctx, map[string]int{filter.Key(): 5}); err != nil {
		t.Fatal(err)
	}
	old, err := db.PlaceOrder(ctx, shop.Order{CustomerID: "c1", Lines: []shop.Line{{Item: filter, Qty: 2, Price: rub(100)}}})
	if err != nil {
		t.Fatal(err)
	}
	paid, _ := db.PlaceOrder(ctx, shop.Order{CustomerID: "c2", Lines: []shop.Line{{Item: filter, Qty: 1, Price: rub(100)}}})
	if _, err := db.UpdateOrder(ctx, paid.ID, func(o *shop.Order) error { return o.Move(shop.StatusPaid, t0) }); err != nil {
		t.Fatal(err)
	}
	fresh, _ := db.PlaceOrder(ctx, shop.Order{CustomerID: "c2", Lines: []shop.Line{{Item: filter, Qty: 1, Price: rub(100)}}})
	cutoff := fresh.CreatedAt.Add(DefaultPayWithin) // fresh itself is not due before the cutoff
	for range 2 {                                   // a second run finds nothing more and writes nothing twice
		if _, err := db.ExpireUnpaid(ctx, cutoff); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := db.Order(ctx, old.ID)
	if got.Status != shop.StatusCancelled {
		t.Errorf("old unpaid order is %s", got.Status)
	}
	for id, want := range map[string]shop.Status{paid.ID: shop.StatusPaid, fresh.ID: shop.StatusNew} {
		if o, _ := db.Order(ctx, id); o.Status != want {
			t.Errorf("order %s is %s, want %s", id, o.Status, want)
		}
	}
	if left, _, _ := db.Stock(ctx, filter); left != 5-1-1 {
		t.Errorf("stock %d, want 3: the expired order's 2 back", left)
	}
	p, _ := db.PendingNotices(ctx, cutoff.Add(time.Hour), 10)
	if len(p) != 1 || p[0].Notice.Key != "order-expired/1001" || p[0].Notice.Customer != "c1" {
		t.Fatalf("outbox = %+v; want one order-expired/1001 for c1", p)
	}
}

func TestDueIndex(t *testing.T) {
	db := openMem(t)
	ctx := context.Background()
	cart := shop.Cart{Lines: []shop.Line{{Item: filter, Qty: 1, Price: rub(100)}}}
	if err := db.SaveState(ctx, "c1", nil, cart, ""); err != nil { // at t0
		t.Fatal(err)
	}
	if err := db.SaveState(ctx, "c2", nil, cart, ""); err != nil { // t0+1s
		t.Fatal(err)
	}
	if err := db.SaveState(ctx, "c1", []byte("x"), cart, ""); err != nil { // c1 writes, its cart as it was
		t.Fatal(err)
	}
	if due, _ := db.Due(ctx, DueCart, t0.Add(time.Hour), 10); len(due) != 2 || due[0].Customer != "c1" {
		t.Fatalf("Due = %+v; want c1 first still (a message that leaves the cart as it was moves nothing)", due)
	}
	more := shop.Cart{Lines: []shop.Line{{Item: filter, Qty: 2, Price: rub(100)}}}
	if err := db.SaveState(ctx, "c1", []byte("x"), more, ""); err != nil { // c1 changes its cart: t0+2s
		t.Fatal(err)
	}
	due, err := db.Due(ctx, DueCart, t0.Add(time.Hour), 10)
	if err != nil || len(due) != 2 || due[0].Customer != "c2" || due[1].Customer != "c1" {
		t.Fatalf("Due = %+v, %v; want c2 then c1 (c1 moved by its cart's change)", due, err)
	}
	if due, _ := db.Due(ctx, DueCart, t0.Add(1500*time.Millisecond), 10); len(due) != 1 || due[0].Customer != "c2" {
		t.Errorf("due by t0+1.5s: %+v; want c2 only", due)
	}
	if err := db.SaveState(ctx, "c2", nil, shop.Cart{}, ""); err != nil { // emptied
		t.Fatal(err)
	}
	if _, err := db.PlaceOrder(ctx, shop.Order{CustomerID: "c1", Lines: cart.Lines}); err != nil { // bought
		t.Fatal(err)
	}
	if due, _ := db.Due(ctx, DueCart, t0.Add(time.Hour), 10); len(due) != 0 {
		t.Errorf("after an emptied cart and an order: %+v", due)
	}
}

func TestCustomerEvents(t *testing.T) {
	db := openMem(t)
	ctx := context.Background()
	for i, c := range []shop.CustomerID{"c1", "c2", "c1"} {
		e := shop.Event{Time: t0.Add(time.Duration(i) * time.Minute), Customer: c, Type: shop.EventViewed, SKU: string(rune('A' + i))}
		if err := db.LogEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	var skus string
	if err := db.CustomerEvents(ctx, "c1", t0, func(e shop.Event) bool { skus += e.SKU; return true }); err != nil {
		t.Fatal(err)
	}
	if skus != "AC" {
		t.Errorf("c1's events: %q, want AC", skus)
	}
	skus = ""
	db.CustomerEvents(ctx, "c1", t0.Add(time.Minute), func(e shop.Event) bool { skus += e.SKU; return true })
	if skus != "C" {
		t.Errorf("c1's events since t0+1m: %q, want C", skus)
	}
}

// A broadcast's notices, enqueued in bulk, are in the marketing ledger from
// the moment they are queued: they count for the cap at once (not only
// once delivered) and /campaigns shows them sent; a key enqueued again and
// its delivery count once.
func TestBroadcastIsInTheMarketingLedger(t *testing.T) {
	ctx := t.Context()
	db := openMem(t)
	since := db.now()
	n := func(id shop.CustomerID) shop.Notice {
		return shop.Notice{Key: shop.BroadcastKey(7, id), Customer: id, Kind: shop.NoticeMarketing, Text: "broadcast.message",
			Campaign: "broadcast/7"}
	}
	if added, err := db.Enqueue(ctx, n("c1"), n("c2"), shop.Notice{Key: "order-paid/1", Customer: "c1", Kind: shop.NoticeService, Text: "x"}); err != nil || added != 3 {
		t.Fatalf("enqueue: %d %v", added, err)
	}
	if added, _ := db.Enqueue(ctx, n("c1")); added != 0 {
		t.Fatal("a broadcast key enqueued twice")
	}
	db.LogEvent(ctx, shop.Event{Customer: "c1", Type: shop.EventNotified, Notice: shop.BroadcastKey(7, "c1")}) // delivered
	if got, err := db.MarketingSince(ctx, "c1", since); err != nil || got != 1 {
		t.Errorf("marketing of c1 since the broadcast: %d %v, want 1", got, err)
	}
	sent := map[shop.CustomerID]string{}
	db.MarketingLog(ctx, since, func(id shop.CustomerID, key, campaign string, _ time.Time) bool {
		sent[id] = campaign
		return true
	})
	if len(sent) != 2 || sent["c1"] != "broadcast/7" || sent["c2"] != "broadcast/7" {
		t.Errorf("marketing log: %v, want c1 and c2 sent broadcast/7", sent)
	}
}

// A marketing notice waiting to be retried (a broken picture link) holds
// up none of the customer's later notices; a service one does.
func TestFailingOfferHoldsNothingUp(t *testing.T) {
	db := openMem(t)
	ctx := context.Background()
	offer := notice("offer/1", "c1")
	offer.Kind = shop.NoticeMarketing
	if _, err := db.Enqueue(ctx, offer, notice("paid/1", "c1")); err != nil {
		t.Fatal(err)
	}
	p, _ := db.PendingNotices(ctx, t0.Add(time.Hour), 1)
	if err := db.NoticeRetry(ctx, p[0].ID, t0.Add(3*time.Hour), "bad picture"); err != nil {
		t.Fatal(err)
	}
	if now, _ := db.PendingNotices(ctx, t0.Add(time.Hour), 10); len(now) != 1 || now[0].Notice.Key != "paid/1" {
		t.Errorf("behind a failing offer: %+v; want paid/1 to go", now)
	}
}
