package store

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"omnicart/shop"
)

func TestMergeKeepsEveryItemAndOrder(t *testing.T) {
	db := openMem(t)
	ctx := context.Background()
	rub := func(n int64) shop.Money { return shop.Money{Minor: n * 100, Currency: "RUB"} }
	tg, _ := db.CustomerFor(ctx, "telegram:1")
	wa, _ := db.CustomerFor(ctx, "whatsapp:79160000001")
	tg.Name, tg.Source = "Anna", "ad"
	wa.Phone, wa.PhoneVerified, wa.Address = "+79160000001", true, "Arbat 1"
	db.SaveCustomer(ctx, tg)
	db.SaveCustomer(ctx, wa)

	// Conflicting carts: both hold A, each holds one more item.
	a, b, c := shop.Item{SKU: "A"}, shop.Item{SKU: "B"}, shop.Item{SKU: "C", Variant: "red"}
	var tgCart, waCart shop.Cart
	tgCart.Add(a, 1, rub(100))
	tgCart.Add(b, 2, rub(50))
	waCart.Add(a, 3, rub(100))
	waCart.Add(c, 1, rub(10))
	db.SaveState(ctx, tg.ID, []byte(`{"state":"x"}`), tgCart, "")
	db.SaveState(ctx, wa.ID, []byte(`{"state":"y"}`), waCart, "")
	// An order on each side.
	var line shop.Cart
	line.Add(b, 1, rub(50))
	o1, err := db.PlaceOrder(ctx, shop.Order{CustomerID: tg.ID, Lines: line.Lines, Total: rub(50)})
	if err != nil {
		t.Fatal(err)
	}
	db.SaveState(ctx, tg.ID, []byte(`{"state":"x"}`), tgCart, "") // the order cleared it
	o2, err := db.PlaceOrder(ctx, shop.Order{CustomerID: wa.ID, Lines: line.Lines, Total: rub(50)})
	if err != nil {
		t.Fatal(err)
	}
	db.SaveState(ctx, wa.ID, []byte(`{"state":"y"}`), waCart, "")
	// What each side viewed (the offers and the cap read the events).
	db.LogEvent(ctx, shop.Event{Customer: tg.ID, Type: shop.EventViewed, SKU: "A"})
	db.LogEvent(ctx, shop.Event{Customer: wa.ID, Type: shop.EventViewed, SKU: "C"})

	merged, err := db.Merge(ctx, tg.ID, wa.ID)
	if err != nil {
		t.Fatal(err)
	}
	if merged.ID != wa.ID || merged.Name != "Anna" || merged.Source != "ad" || merged.Phone != "+79160000001" || !merged.PhoneVerified {
		t.Fatalf("merged profile = %+v", merged)
	}
	if !slices.Contains(merged.Channels, "telegram:1") || !slices.Contains(merged.Channels, "whatsapp:79160000001") {
		t.Fatalf("channels = %v", merged.Channels)
	}
	cart, _ := db.Cart(ctx, wa.ID)
	if cart.Qty(a) != 4 || cart.Qty(b) != 2 || cart.Qty(c) != 1 || len(cart.Lines) != 3 {
		t.Fatalf("merged cart = %+v", cart)
	}
	orders, _ := db.Orders(ctx, wa.ID)
	if len(orders) != 2 || orders[0].ID != o2.ID || orders[1].ID != o1.ID || orders[1].CustomerID != wa.ID {
		t.Fatalf("orders = %+v", orders)
	}
	if left, _ := db.Orders(ctx, tg.ID); len(left) != 0 {
		t.Fatalf("orders left on the old customer: %v", left)
	}
	var viewed []string
	db.CustomerEvents(ctx, wa.ID, time.Time{}, func(e shop.Event) bool {
		if e.Type == shop.EventViewed {
			viewed = append(viewed, e.SKU)
		}
		return true
	})
	if slices.Sort(viewed); !slices.Equal(viewed, []string{"A", "C"}) {
		t.Errorf("views of the merged customer: %v, want both sides' A and C", viewed)
	}
	if _, err := db.Customer(ctx, tg.ID); !errors.Is(err, shop.ErrNotFound) {
		t.Fatalf("old customer still there: %v", err)
	}
	again, _ := db.CustomerFor(ctx, "telegram:1")
	if again.ID != wa.ID {
		t.Fatalf("telegram:1 now belongs to %s, want %s", again.ID, wa.ID)
	}
	if id, ok, _ := db.ByPhone(ctx, "+79160000001"); !ok || id != wa.ID {
		t.Fatalf("by phone = %s %v", id, ok)
	}
	if _, err := db.Merge(ctx, tg.ID, wa.ID); !errors.Is(err, shop.ErrNotFound) {
		t.Fatalf("merging a merged customer again: %v", err)
	}
}

func TestLinkCodeIsOneTime(t *testing.T) {
	db := openMem(t)
	ctx := context.Background()
	c, _ := db.CustomerFor(ctx, "web:abc")
	first, _ := db.NewLinkCode(ctx, c.ID)
	code, err := db.NewLinkCode(ctx, c.ID)
	if err != nil || len(code) != 8 || code == first {
		t.Fatalf("code %q, %v", code, err)
	}
	if _, ok, _ := db.TakeLinkCode(ctx, first); ok {
		t.Fatal("a replaced code still works")
	}
	id, ok, err := db.TakeLinkCode(ctx, strings.ToLower(code))
	if err != nil || !ok || id != c.ID {
		t.Fatalf("take = %s %v %v", id, ok, err)
	}
	if _, ok, _ := db.TakeLinkCode(ctx, code); ok {
		t.Fatal("a link code worked twice")
	}
	if _, ok, _ := db.TakeLinkCode(ctx, "AAAAAAAA"); ok {
		t.Fatal("an unknown code worked")
	}
}

func TestUnlink(t *testing.T) {
	db := openMem(t)
	ctx := context.Background()
	c, _ := db.CustomerFor(ctx, "telegram:5")
	w, _ := db.CustomerFor(ctx, "web:x")
	w.NoOffers = true // /stop on the web chat
	db.SaveCustomer(ctx, w)
	if _, err := db.Merge(ctx, w.ID, c.ID); err != nil {
		t.Fatal(err)
	}
	fresh, err := db.Unlink(ctx, c.ID, "web:x")
	if err != nil {
		t.Fatal(err)
	}
	if fresh.ID == c.ID || !slices.Equal(fresh.Channels, []string{"web:x"}) || !fresh.NoAutoLink || !fresh.NoOffers {
		t.Fatalf("fresh = %+v", fresh)
	}
	if got, _ := db.CustomerFor(ctx, "web:x"); got.ID != fresh.ID {
		t.Fatalf("web:x belongs to %s", got.ID)
	}
	old, _ := db.Customer(ctx, c.ID)
	if !slices.Equal(old.Channels, []string{"telegram:5"}) {
		t.Fatalf("old channels = %v", old.Channels)
	}
	if _, err := db.Unlink(ctx, c.ID, "telegram:5"); !errors.Is(err, ErrLastChannel) {
		t.Fatalf("unlinking the last channel: %v", err)
	}
}

func TestVariantsSharingStockDrawFromOneCounter(t *testing.T) {
	db := openMem(t)
	ctx := context.Background()
	db.SyncStock(ctx, map[string]int{"ETH-250": 12})
	c, _ := db.CustomerFor(ctx, "web:s")
	line := func(variant string, qty int) shop.Line {
		return shop.Line{Item: shop.Item{SKU: "ETH-250", Variant: variant}, Qty: qty, StockKey: "ETH-250"}
	}
	_, err := db.PlaceOrder(ctx, shop.Order{CustomerID: c.ID, Lines: []shop.Line{line("beans", 7), line("ground", 6)}})
	var short *shop.OutOfStockError
	if !errors.As(err, &short) || short.Left != 12 {
		t.Fatalf("13 of 12 shared units: err = %v", err)
	}
	if _, err := db.PlaceOrder(ctx, shop.Order{CustomerID: c.ID, Lines: []shop.Line{line("beans", 7), line("ground", 5)}}); err != nil {
		t.Fatal(err)
	}
	if n, _, _ := db.Stock(ctx, shop.Item{SKU: "ETH-250"}); n != 0 {
		t.Fatalf("shared stock left %d, want 0", n)
	}
}

// TestStaleSavesCannotUndoALink: a copy of a customer read before a merge
// or unlink is saved afterwards (a message in flight); the link holds.
func TestStaleSavesCannotUndoALink(t *testing.T) {
	db := openMem(t)
	ctx := context.Background()
	tg, _ := db.CustomerFor(ctx, "telegram:9")
	web, _ := db.CustomerFor(ctx, "web:9")
	staleTG := tg
	if _, err := db.Merge(ctx, web.ID, tg.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveCustomer(ctx, web); !errors.Is(err, shop.ErrNotFound) {
		t.Fatalf("saving a merged-away customer: %v", err)
	}
	if err := db.SaveState(ctx, web.ID, []byte("{}"), shop.Cart{}, ""); !errors.Is(err, shop.ErrNotFound) {
		t.Fatalf("saving state of a merged-away customer: %v", err)
	}
	var cart shop.Cart
	cart.Add(shop.Item{SKU: "A"}, 1, shop.Money{Minor: 1})
	if _, err := db.PlaceOrder(ctx, shop.Order{CustomerID: web.ID, Lines: cart.Lines}); !errors.Is(err, shop.ErrNotFound) {
		t.Fatalf("order for a merged-away customer: %v", err)
	}
	staleTG.Name = "Ann"
	if err := db.SaveCustomer(ctx, staleTG); err != nil { // its channel list predates the merge
		t.Fatal(err)
	}
	got, _ := db.CustomerFor(ctx, "web:9")
	if got.ID != tg.ID || got.Name != "Ann" || len(got.Channels) != 2 {
		t.Fatalf("web:9 -> %+v", got)
	}
	if err := db.SetReachable(ctx, "web:9", false); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.Customer(ctx, tg.ID); !slices.Contains(got.Unreachable, "web") {
		t.Fatalf("unreachable = %v", got.Unreachable)
	}
}

func TestExpireUnpaidPutsStockBack(t *testing.T) {
	db := openMem(t) // the clock ticks a second per call
	ctx := context.Background()
	db.SyncStock(ctx, map[string]int{"A": 5})
	c, _ := db.CustomerFor(ctx, "web:e")
	line := []shop.Line{{Item: shop.Item{SKU: "A"}, Qty: 2}}
	unpaid, _ := db.PlaceOrder(ctx, shop.Order{CustomerID: c.ID, Lines: line})
	paid, _ := db.PlaceOrder(ctx, shop.Order{CustomerID: c.ID, Lines: line})
	db.UpdateOrder(ctx, paid.ID, func(o *shop.Order) error { return o.Move(shop.StatusPaid, paid.CreatedAt) })
	fresh, _ := db.PlaceOrder(ctx, shop.Order{CustomerID: c.ID, Lines: []shop.Line{{Item: shop.Item{SKU: "A"}, Qty: 1}}})
	expired, err := db.ExpireUnpaid(ctx, fresh.CreatedAt.Add(DefaultPayWithin)) // older than the last one
	if err != nil || len(expired) != 1 || expired[0].ID != unpaid.ID || expired[0].Status != shop.StatusCancelled {
		t.Fatalf("expired = %+v, %v", expired, err)
	}
	if n, _, _ := db.Stock(ctx, shop.Item{SKU: "A"}); n != 2 { // 5 - 2 - 2 - 1 + 2
		t.Fatalf("stock = %d, want 2", n)
	}
	if again, _ := db.ExpireUnpaid(ctx, fresh.CreatedAt.Add(DefaultPayWithin)); len(again) != 0 {
		t.Fatalf("expired twice: %+v", again)
	}
}

// A link carries what the desk keeps of the merged customer: the return
// requests of their orders, their open support conversation and its
// message log, the notices still waiting for them; and it remembers the
// merge, so an old id still finds its customer.
func TestMergeMovesTheDesk(t *testing.T) {
	db := openMem(t)
	ctx := context.Background()
	web, _ := db.CustomerFor(ctx, "web:x")
	tg, _ := db.CustomerFor(ctx, "telegram:9")
	if err := db.SyncStock(ctx, map[string]int{filter.Key(): 5}); err != nil {
		t.Fatal(err)
	}
	o, err := db.PlaceOrder(ctx, filterOrder(web.ID))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []shop.Status{shop.StatusPaid, shop.StatusShipped, shop.StatusDelivered} {
		if _, err := db.UpdateOrder(ctx, o.ID, func(o *shop.Order) error { return o.Move(s, o.UpdatedAt) }); err != nil {
			t.Fatal(err)
		}
	}
	r, err := db.CreateReturn(ctx, shop.Return{OrderID: o.ID, Customer: web.ID, Lines: o.Lines, Reason: "defective", Want: shop.WantRefund}, nil)
	if err != nil {
		t.Fatal(err)
	}
	conv, _, err := db.OpenConversation(ctx, web.ID)
	if err != nil {
		t.Fatal(err)
	}
	db.LogMessage(ctx, web.ID, shop.LoggedMessage{At: time.Now(), From: shop.FromShopper, Channel: "web", Text: "where is it?"})
	db.Enqueue(ctx, shop.Notice{Key: "waiting/1", Customer: web.ID, Kind: shop.NoticeService, Text: "x"})

	if _, err := db.Merge(ctx, web.ID, tg.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.Return(ctx, r.N); got.Customer != tg.ID {
		t.Errorf("return request of %s, want %s", got.Customer, tg.ID)
	}
	if c, ok, _ := db.ActiveConversation(ctx, tg.ID); !ok || c.N != conv.N || c.Customer != tg.ID {
		t.Errorf("open conversation after the link: %+v %v", c, ok)
	}
	if msgs, _ := db.Messages(ctx, tg.ID); len(msgs) != 1 || msgs[0].Text != "where is it?" {
		t.Errorf("message log after the link: %+v", msgs)
	}
	pend, _ := db.PendingNotices(ctx, time.Now().Add(time.Hour), 10)
	if len(pend) != 1 || pend[0].Notice.Customer != tg.ID {
		t.Errorf("pending notices after the link: %+v", pend)
	}
	if into, ok, err := db.MergedInto(ctx, web.ID); err != nil || !ok || into != tg.ID {
		t.Errorf("MergedInto = %s %v %v, want %s", into, ok, err, tg.ID)
	}
	if _, ok, _ := db.MergedInto(ctx, tg.ID); ok {
		t.Error("the customer kept says it was merged")
	}
}

// Two customers with an open support conversation each are linked: the
// kept customer's goes on, the other's ends, and closing either later
// leaves the kept one's pointer alone.
func TestMergeWithTwoOpenConversations(t *testing.T) {
	db := openMem(t)
	ctx := context.Background()
	a, _ := db.CustomerFor(ctx, "web:a")
	b, _ := db.CustomerFor(ctx, "telegram:b")
	ca, _, _ := db.OpenConversation(ctx, a.ID)
	cb, _, _ := db.OpenConversation(ctx, b.ID)
	if _, err := db.Merge(ctx, a.ID, b.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.Conversation(ctx, ca.N); got.Open() {
		t.Errorf("the merged customer's conversation is still open: %+v", got)
	}
	open, _ := db.OpenConversations(ctx)
	if len(open) != 1 || open[0].N != cb.N {
		t.Errorf("open conversations after the link: %+v, want only #%d", open, cb.N)
	}
	if c, ok, _ := db.ActiveConversation(ctx, b.ID); !ok || c.N != cb.N {
		t.Errorf("active conversation: %+v %v, want #%d", c, ok, cb.N)
	}
}
