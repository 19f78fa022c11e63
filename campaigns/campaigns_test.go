package campaigns

import (
	"context"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"omnicart/catalog"
	"omnicart/demo"
	"omnicart/locales"
	"omnicart/shop"
	"omnicart/store"
)

var moscow = mustZone("Europe/Moscow")

func mustZone(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// world is a store in memory with an injected clock and the demo shop.
type world struct {
	t   *testing.T
	ctx context.Context
	now time.Time
	db  *store.DB
	r   *Runner
	sh  *Shop
}

func newWorld(t *testing.T, start time.Time) *world {
	t.Helper()
	w := &world{t: t, ctx: context.Background(), now: start}
	db, err := store.Open("", store.Options{InMemory: true, Now: func() time.Time { return w.now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	cat, err := catalog.Load(demo.FS, "demo")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SyncStock(w.ctx, cat.StockSeed()); err != nil {
		t.Fatal(err)
	}
	w.db = db
	w.sh = &Shop{Campaigns: Default(), Catalog: cat, Texts: locales.Default(), Lang: "en", Zone: moscow,
		Go: func(f string) string { return "go:" + f }}
	w.r = New(db, func() *Shop { return w.sh }, Options{Now: func() time.Time { return w.now }})
	return w
}

// customer makes a customer seen now, with a cart of one SKU when given.
func (w *world) customer(addr, sku string) shop.CustomerID {
	w.t.Helper()
	c, err := w.db.CustomerFor(w.ctx, addr)
	if err != nil {
		w.t.Fatal(err)
	}
	c.Name = "Ann"
	c.Lang = "en"
	w.seen(&c)
	if sku != "" {
		p, _ := w.sh.Catalog.Product(sku)
		var cart shop.Cart
		cart.Add(shop.Item{SKU: sku}, 1, p.Price)
		if err := w.db.SaveCart(w.ctx, c.ID, cart); err != nil {
			w.t.Fatal(err)
		}
	}
	return c.ID
}

func (w *world) seen(c *shop.Customer) {
	w.t.Helper()
	c.SeenAt = w.now
	if err := w.db.SaveCustomer(w.ctx, *c); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) get(id shop.CustomerID) shop.Customer {
	c, err := w.db.Customer(w.ctx, id)
	if err != nil {
		w.t.Fatal(err)
	}
	return c
}

// run runs the campaigns at now and returns the decisions of campaign.
func (w *world) run(campaign string) []Decision {
	w.t.Helper()
	ds, err := w.r.Run(w.ctx)
	if err != nil {
		w.t.Fatal(err)
	}
	var out []Decision
	for _, d := range ds {
		if campaign == "" || d.Campaign == campaign {
			out = append(out, d)
		}
	}
	return out
}

// reasons lists the decisions as "customer:reason", leaving out those
// with nothing to say.
func reasons(ds []Decision) string {
	var s []string
	for _, d := range ds {
		if d.Reason == Nothing { // every customer is due for the campaigns that follow activity; most have nothing to say
			continue
		}
		s = append(s, string(d.Customer)+":"+d.Reason)
	}
	return strings.Join(s, ",")
}

// noon is a Monday at 12:00 in Moscow.
var noon = time.Date(2026, 11, 30, 12, 0, 0, 0, moscow)

func TestAbandonedCartTiming(t *testing.T) {
	tests := []struct {
		name  string
		setup func(w *world, id shop.CustomerID)
		after time.Duration
		want  string
	}{
		{"too early", nil, 2 * time.Hour, ""},
		{"due after 3 hours", nil, 3*time.Hour + time.Minute, Send},
		{"active shopper not reminded", func(w *world, id shop.CustomerID) {
			w.now = w.now.Add(3 * time.Hour)
			c := w.get(id)
			w.seen(&c)
			w.now = w.now.Add(-3 * time.Hour)
		}, 3*time.Hour + 10*time.Minute, Active},
		{"buyer not reminded", func(w *world, id shop.CustomerID) {
			w.now = w.now.Add(time.Hour)
			cart, _ := w.db.Cart(w.ctx, id)
			if _, err := w.db.PlaceOrder(w.ctx, shop.Order{CustomerID: id, Lines: cart.Lines, Total: cart.Total()}); err != nil {
				t.Fatal(err)
			}
			w.now = w.now.Add(-time.Hour)
		}, 4 * time.Hour, ""},
		{"quiet hours wait for the morning", nil, 10 * time.Hour, Quiet}, // 22:00 Moscow
		{"opted out", func(w *world, id shop.CustomerID) {
			c := w.get(id)
			c.NoOffers = true
			w.db.SaveCustomer(w.ctx, c)
		}, 4 * time.Hour, OptedOut},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, noon)
			id := w.customer("telegram:1", "ETH-250")
			if tt.setup != nil {
				tt.setup(w, id)
			}
			w.now = noon.Add(tt.after)
			ds := w.run(Cart)
			got := ""
			if len(ds) == 1 {
				got = ds[0].Reason
			}
			if got != tt.want || len(ds) > 1 {
				t.Fatalf("decisions %s, want %q", reasons(ds), tt.want)
			}
		})
	}
}

func TestAbandonedCartReminderAndSecondWithCoupon(t *testing.T) {
	w := newWorld(t, noon)
	id := w.customer("telegram:1", "GRINDER-X") // 3 in stock: "only 3 left"
	w.now = noon.Add(10 * time.Hour)            // 22:00: quiet
	if ds := w.run(Cart); reasons(ds) != string(id)+":quiet" {
		t.Fatalf("at night: %s", reasons(ds))
	}
	w.now = time.Date(2026, 12, 1, 9, 59, 0, 0, moscow)
	if ds := w.run(Cart); reasons(ds) != string(id)+":quiet" {
		t.Fatalf("before 10:00: %s", reasons(ds))
	}
	w.now = time.Date(2026, 12, 1, 10, 0, 0, 0, moscow)
	ds := w.run(Cart)
	if reasons(ds) != string(id)+":send" {
		t.Fatalf("in the morning: %s", reasons(ds))
	}
	n := ds[0].Notice
	if n.Kind != shop.NoticeMarketing || n.Text != "campaign.cart" || n.Buttons[0].Event != "go:checkout" || n.Buttons[len(n.Buttons)-1].Event != "go:offers_stop" {
		t.Errorf("notice %+v", n)
	}
	if stock := argText(n, "stock"); !strings.Contains(stock, "Only 3 left") {
		t.Errorf("stock note %q", stock)
	}
	if ds := w.run(""); len(ds) != 0 {
		t.Errorf("run again: %s", reasons(ds))
	}
	// The second reminder 24 h after the last activity, with a coupon.
	w.now = noon.Add(24*time.Hour + time.Minute)
	ds = w.run(CartAgain)
	if reasons(ds) != string(id)+":capped" {
		t.Fatalf("second within a day of the first: %s", reasons(ds))
	}
	w.now = time.Date(2026, 12, 2, 10, 1, 0, 0, moscow)
	ds = w.run(CartAgain)
	if reasons(ds) != string(id)+":send" {
		t.Fatalf("second: %s", reasons(ds))
	}
	code := argText(ds[0].Notice, "code")
	p, ok, err := w.db.PromoCode(w.ctx, code)
	if err != nil || !ok || p.Percent != 10 || p.Limit != 1 || p.PerCustomer != 1 {
		t.Fatalf("coupon %q: %+v %v %v", code, p, ok, err)
	}
	// "Valid until 4 Dec": all of 4 December in the shopper's zone (48 h
	// from 10:01 on 2 December would end at 10:01 on the 4th).
	if until := argText(ds[0].Notice, "until"); until != "4 Dec 2026" || !p.Until.Equal(time.Date(2026, 12, 5, 0, 0, 0, 0, moscow)) {
		t.Errorf("coupon valid until %s (%v); want through 4 Dec 2026, to midnight", until, p.Until)
	}
	if ds := w.run(""); len(ds) != 0 {
		t.Errorf("after the second: %s", reasons(ds))
	}
}

// TestCouponOff: with coupon: off a campaign whose built-in text shows the
// coupon sends its coupon-free text, every placeholder filled; a text the
// owner names that needs a coupon is refused at the campaign's line.
func TestCouponOff(t *testing.T) {
	texts := locales.Default()
	file := "campaigns:\n  abandoned_cart:\n    second: {coupon: off}\n  winback: {coupon: off}\n  birthday:\n    coupon: off\n"
	c, err := Load(fstest.MapFS{FileName: {Data: []byte(file)}}, "shop", texts)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{CartAgain: "campaign.cart_again_no_coupon", Winback: "campaign.winback_no_coupon", Birthday: "campaign.birthday_no_coupon"} {
		if got := c.Get(name); got == nil || got.Coupon != nil || got.Text != want {
			t.Errorf("%s = %+v; want text %s without a coupon", name, got, want)
		}
	}

	w := newWorld(t, noon)
	w.sh.Campaigns = c
	id := w.customer("telegram:1", "GRINDER-X")
	w.now = time.Date(2026, 12, 1, 10, 0, 0, 0, moscow)
	if ds := w.run(Cart); reasons(ds) != string(id)+":send" {
		t.Fatalf("first reminder: %s", reasons(ds))
	}
	w.now = time.Date(2026, 12, 2, 10, 1, 0, 0, moscow)
	ds := w.run(CartAgain)
	if reasons(ds) != string(id)+":send" {
		t.Fatalf("second reminder: %s", reasons(ds))
	}
	n := ds[0].Notice
	if n.Text != "campaign.cart_again_no_coupon" || ds[0].Coupon != nil {
		t.Errorf("second reminder sends %s with coupon %+v", n.Text, ds[0].Coupon)
	}
	for _, ph := range texts.Placeholders(n.Text) {
		if !slices.ContainsFunc(n.Args, func(a shop.NoticeArg) bool { return a.Name == ph }) {
			t.Errorf("text %s: {%s} is not filled (args %+v)", n.Text, ph, n.Args)
		}
	}

	for _, tt := range []struct{ file, want string }{
		{"campaigns:\n  birthday:\n    coupon: off\n    text: campaign.birthday\n",
			`shop/campaigns.yaml:2: campaign "birthday": text "campaign.birthday" needs {code}, {percent}, {until}, which only a coupon fills, and the campaign has no coupon (give it one, like coupon: {percent: 10, valid: 48h}, or text: campaign.birthday_no_coupon)`},
		{"campaigns:\n  abandoned_cart:\n    second:\n      coupon: off\n      text: campaign.cart_again\n",
			`shop/campaigns.yaml:4: campaign "abandoned_cart_2": text "campaign.cart_again" needs {code}, {percent}, {until}, which only a coupon fills, and the campaign has no coupon (give it one, like coupon: {percent: 10, valid: 48h}, or text: campaign.cart_again_no_coupon)`},
	} {
		_, err := Load(fstest.MapFS{FileName: {Data: []byte(tt.file)}}, "shop", texts)
		if err == nil || err.Error() != tt.want {
			t.Errorf("Load(%q) = %v\nwant %s", tt.file, err, tt.want)
		}
	}
}

func argText(n shop.Notice, name string) string {
	for _, a := range n.Args {
		if a.Name == name {
			return a.Text
		}
	}
	return ""
}

func TestQuietHours(t *testing.T) {
	from, to := 21*time.Hour, 10*time.Hour
	vlad := mustZone("Asia/Vladivostok")
	tests := []struct {
		at    time.Time
		quiet bool
		until time.Time
	}{
		{time.Date(2026, 12, 1, 12, 0, 0, 0, moscow), false, time.Time{}},
		{time.Date(2026, 12, 1, 21, 0, 0, 0, moscow), true, time.Date(2026, 12, 2, 10, 0, 0, 0, moscow)},
		{time.Date(2026, 12, 1, 3, 0, 0, 0, moscow), true, time.Date(2026, 12, 1, 10, 0, 0, 0, moscow)},
		{time.Date(2026, 12, 1, 10, 0, 0, 0, moscow), false, time.Time{}},
		// 12:00 in Moscow is 19:00 in Vladivostok; 15:00 Moscow is 22:00 there.
		{time.Date(2026, 12, 1, 12, 0, 0, 0, moscow).In(vlad), false, time.Time{}},
		{time.Date(2026, 12, 1, 15, 0, 0, 0, moscow).In(vlad), true, time.Date(2026, 12, 2, 10, 0, 0, 0, vlad)},
	}
	for _, tt := range tests {
		q, until := QuietHours(from, to, tt.at)
		if q != tt.quiet || !until.Equal(tt.until) {
			t.Errorf("%v: quiet %v until %v, want %v until %v", tt.at, q, until, tt.quiet, tt.until)
		}
	}
}

func TestQuietHoursTwoZones(t *testing.T) {
	w := newWorld(t, time.Date(2026, 11, 30, 11, 0, 0, 0, moscow))
	msk := w.customer("telegram:1", "ETH-250")
	vl := w.customer("telegram:2", "ETH-250")
	c := w.get(vl)
	c.Zone = "Asia/Vladivostok"
	w.db.SaveCustomer(w.ctx, c)
	w.now = time.Date(2026, 11, 30, 15, 0, 0, 0, moscow) // 22:00 in Vladivostok
	got := map[shop.CustomerID]string{}
	for _, d := range w.run(Cart) {
		got[d.Customer] = d.Reason
	}
	if got[msk] != Send || got[vl] != Quiet {
		t.Fatalf("got %v", got)
	}
}

func TestCapAcrossCampaignsAndLinkedChats(t *testing.T) {
	w := newWorld(t, noon)
	a := w.customer("telegram:1", "ETH-250")
	b := w.customer("web:1", "")
	cb := w.get(b)
	cb.Birthday = "12-01"
	w.db.SaveCustomer(w.ctx, cb)
	// Telegram and the web chat are one customer: one cap.
	if _, err := w.db.Merge(w.ctx, a, b); err != nil {
		t.Fatal(err)
	}
	w.now = time.Date(2026, 12, 1, 10, 30, 0, 0, moscow) // due for both the cart and the birthday
	ds := w.run("")
	var sent []string
	for _, d := range ds {
		if d.Reason == Send {
			sent = append(sent, d.Campaign)
		}
	}
	if len(sent) != 1 || reasons(ds) != string(b)+":send,"+string(b)+":capped" {
		t.Fatalf("one a day: %s (%v)", reasons(ds), sent)
	}
	n, err := w.db.MarketingSince(w.ctx, b, noon)
	if err != nil || n != 1 {
		t.Fatalf("ledger %d %v", n, err)
	}
	// A broadcast delivered the next day counts too: the week's cap of 2 is reached.
	w.now = time.Date(2026, 12, 2, 12, 0, 0, 0, moscow)
	w.db.LogEvent(w.ctx, shop.Event{Customer: b, Type: shop.EventNotified, Notice: "broadcast/7/" + string(b)})
	if capped, _ := CapReached(w.ctx, w.db, w.sh.Campaigns, b, w.now, 0); !capped {
		t.Fatal("a broadcast does not count")
	}
	if ds := w.run(""); strings.Contains(reasons(ds), Send) {
		t.Fatalf("over the week's cap: %s", reasons(ds))
	}
}

func TestOptOutHoldsOnLinkedChats(t *testing.T) {
	w := newWorld(t, noon)
	tg := w.customer("telegram:1", "ETH-250")
	web := w.customer("web:1", "")
	c := w.get(web)
	c.NoOffers = true // "Stop offers" pressed in the web chat
	w.db.SaveCustomer(w.ctx, c)
	merged, err := w.db.Merge(w.ctx, web, tg)
	if err != nil || !merged.NoOffers {
		t.Fatalf("merged %+v %v", merged, err)
	}
	w.now = noon.Add(4 * time.Hour)
	if ds := w.run(Cart); reasons(ds) != string(tg)+":opted_out" {
		t.Fatalf("got %s", reasons(ds))
	}
}

func TestSegments(t *testing.T) {
	now := noon
	order := func(daysAgo int, total int64) shop.Order {
		return shop.Order{Status: shop.StatusPaid, CreatedAt: now.AddDate(0, 0, -daysAgo), Total: shop.Money{Minor: total * 100, Currency: "RUB"}}
	}
	partRefunded := func(o shop.Order, refunded int64) shop.Order {
		o.Refunded = shop.Money{Minor: refunded * 100, Currency: "RUB"}
		return o
	}
	cart := shop.Cart{Lines: []shop.Line{{Item: shop.Item{SKU: "ETH-250"}, Qty: 1}}}
	old := shop.Customer{CreatedAt: now.AddDate(0, -3, 0)}
	tests := []struct {
		name    string
		c       shop.Customer
		cart    shop.Cart
		orders  []shop.Order
		want    Segment
		r, f, m int
	}{
		{"new", shop.Customer{CreatedAt: now.AddDate(0, 0, -2)}, shop.Cart{}, nil, SegmentNew, 0, 0, 0},
		{"browsing", old, shop.Cart{}, nil, SegmentBrowsing, 0, 0, 0},
		{"carting", old, cart, nil, SegmentCarting, 0, 0, 0},
		{"unpaid is not bought", old, cart, []shop.Order{{Status: shop.StatusNew, CreatedAt: now}}, SegmentCarting, 0, 0, 0},
		{"buyer", old, shop.Cart{}, []shop.Order{order(3, 900)}, SegmentBuyer, 5, 1, 1},
		{"repeat buyer", old, shop.Cart{}, []shop.Order{order(20, 5000), order(40, 6000)}, SegmentRepeat, 4, 2, 4},
		{"at risk", old, shop.Cart{}, []shop.Order{order(90, 2000)}, SegmentAtRisk, 2, 1, 2},
		{"lost", old, shop.Cart{}, []shop.Order{order(200, 40000)}, SegmentLost, 1, 1, 5},
		{"a part refunded was not spent", old, shop.Cart{}, []shop.Order{partRefunded(order(90, 40000), 38000)}, SegmentAtRisk, 2, 1, 2},
	}
	for _, tt := range tests {
		p := profile(tt.c, tt.cart, tt.orders, nil, nil, now)
		if p.Segment != tt.want || p.Recency != tt.r || p.Frequency != tt.f || p.Monetary != tt.m {
			t.Errorf("%s: %s R%d F%d M%d, want %s R%d F%d M%d", tt.name, p.Segment, p.Recency, p.Frequency, p.Monetary, tt.want, tt.r, tt.f, tt.m)
		}
	}
	f, err := ParseFilter("r>=4")
	if err != nil || !InAudience([]Filter{{Segment: SegmentRepeat}, f}, Profile{Segment: SegmentRepeat, Recency: 4}) ||
		InAudience([]Filter{{Segment: SegmentRepeat}, f}, Profile{Segment: SegmentRepeat, Recency: 3}) {
		t.Error("audience filters")
	}
}

func TestPreviewChangesNothing(t *testing.T) {
	w := newWorld(t, noon)
	id := w.customer("telegram:1", "ETH-250")
	w.customer("telegram:2", "")
	at := noon.Add(10 * time.Hour)
	ds, err := w.r.Preview(w.ctx, noon.Add(4*time.Hour))
	if err != nil || reasons(ds) != string(id)+":send" {
		t.Fatalf("preview: %s %v", reasons(ds), err)
	}
	if known, _ := w.db.NoticeKnown(w.ctx, ds[0].Notice.Key); known {
		t.Fatal("the preview enqueued a notice")
	}
	ds, _ = w.r.Preview(w.ctx, at)
	text := Report(w.sh.Texts.Printer("en"), at, ds, nil)
	for _, want := range []string{"abandoned_cart: 0 of 1 due would get a message", "(Ann) [carting]: waits: quiet hours, until 2026-12-01 10:00 MSK"} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q:\n%s", want, text)
		}
	}
	// The real run afterwards sends it, once.
	w.now = noon.Add(4 * time.Hour)
	if ds := w.run(Cart); reasons(ds) != string(id)+":send" {
		t.Fatalf("run: %s", reasons(ds))
	}
	stats, err := Stats(w.ctx, w.db, noon, 7*24*time.Hour)
	if err != nil || len(stats) != 1 || stats[0].Sent != 1 {
		t.Fatalf("stats %+v %v", stats, err)
	}
}

func TestAttribution(t *testing.T) {
	w := newWorld(t, noon)
	id := w.customer("telegram:1", "")
	ev := func(days int, e shop.Event) {
		e.Time, e.Customer = noon.AddDate(0, 0, days), id
		w.db.LogEvent(w.ctx, e)
	}
	ev(0, shop.Event{Type: shop.EventNotified, Campaign: Cart, Notice: "cart/x/1"})
	ev(1, shop.Event{Type: shop.EventPaid, OrderID: "o1", Value: shop.Money{Minor: 89000, Currency: "RUB"}})
	ev(9, shop.Event{Type: shop.EventPaid, OrderID: "o2", Value: shop.Money{Minor: 100, Currency: "RUB"}}) // outside the window
	ev(10, shop.Event{Type: shop.EventOptOut, Campaign: Winback})
	ev(11, shop.Event{Type: shop.EventRefund, OrderID: "o1", Value: shop.Money{Minor: 9000, Currency: "RUB"}}) // a part back
	ev(12, shop.Event{Type: shop.EventRefund, OrderID: "o2", Value: shop.Money{Minor: 100, Currency: "RUB"}})  // not the campaign's
	stats, err := Stats(w.ctx, w.db, noon.Add(-time.Hour), 7*24*time.Hour)
	if err != nil || len(stats) != 2 || stats[0].Campaign != Cart || stats[0].Orders != 1 || stats[0].Revenue.Minor != 80000 || stats[0].Delivered != 1 || stats[1].OptedOut != 1 {
		t.Fatalf("stats %+v %v", stats, err)
	}
}

func TestLoadErrors(t *testing.T) {
	fsys := fstest.MapFS{FileName: {Data: []byte("campaigns:\n  abandoned_cart:\n    dealy: 10m\n  winbak: off\n")}}
	_, err := Load(fsys, "shop", locales.Default())
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{`shop/campaigns.yaml:3: campaign "abandoned_cart": unknown field "dealy" (did you mean "delay"?)`,
		`shop/campaigns.yaml:4: unknown campaign "winbak" (did you mean "winback"?)`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("lacks %q:\n%v", want, err)
		}
	}
	_, err = Load(fstest.MapFS{FileName: {Data: []byte("campaigns:\n  birthday:\n    text: campaign.cart_agian\n")}}, "shop", locales.Default())
	if want := `shop/campaigns.yaml:2: campaign "birthday": unknown text "campaign.cart_agian" (did you mean "campaign.cart_again"?)`; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("text: %v", err)
	}
	_, err = Load(fstest.MapFS{FileName: {Data: []byte("campaigns:\n  birthday:\n    text: campaign.cart\n")}}, "shop", locales.Default())
	if err == nil || !strings.Contains(err.Error(), "needs {items}") {
		t.Errorf("placeholders: %v", err)
	}
	// Only campaigns.yaml is read: campaigns.yml would be ignored without a word.
	_, err = Load(fstest.MapFS{"campaigns.yml": {Data: []byte("campaigns:\n  winback: off\n")}}, "shop", locales.Default())
	if want := "shop/campaigns.yml: name the file campaigns.yaml"; err == nil || err.Error() != want {
		t.Errorf("campaigns.yml: %v; want %s", err, want)
	}
	c, err := Load(fstest.MapFS{FileName: {Data: []byte("campaigns:\n  abandoned_cart: {delay: 10m}\n")}}, "shop", locales.Default())
	if err != nil || c.Get(Cart).Delay != 10*time.Minute || c.Get(Cart).Active != 30*time.Minute || c.Get(CartAgain) == nil {
		t.Fatalf("override: %v %+v", err, c)
	}
}

// Two products of one delivered order fall due for "buy again" on the same
// day: both are offered, spaced out by the frequency cap, not just
// the first.
func TestReorderEveryItemOfAnOrder(t *testing.T) {
	w := newWorld(t, noon)
	id := w.customer("telegram:1", "")
	price := shop.Money{Minor: 89000, Currency: "RUB"}
	o, err := w.db.PlaceOrder(w.ctx, shop.Order{CustomerID: id, Total: price.Mul(2), Lines: []shop.Line{
		{Item: shop.Item{SKU: "ETH-250", Variant: "beans"}, Qty: 1, Price: price},
		{Item: shop.Item{SKU: "KEN-250", Variant: "beans"}, Qty: 1, Price: price}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []shop.Status{shop.StatusPaid, shop.StatusShipped, shop.StatusDelivered} {
		if _, err := w.db.UpdateOrder(w.ctx, o.ID, func(o *shop.Order) error { return o.Move(s, noon) }); err != nil {
			t.Fatal(err)
		}
	}
	sent := map[string]bool{}
	for day := range 40 {
		w.now = noon.AddDate(0, 0, day)
		w.run("") // the satisfaction check and the indexes run too
		for _, sku := range []string{"ETH-250", "KEN-250"} {
			if known, _ := w.db.NoticeKnown(w.ctx, "reorder/"+o.ID+"/"+sku+"/beans"); known && !sent[sku] {
				sent[sku] = true
				t.Logf("day %d: reorder %s", day, sku)
			}
		}
	}
	if !sent["ETH-250"] || !sent["KEN-250"] {
		t.Errorf("reorder messages sent for %v; want both products of the order", sent)
	}
}

// A variant that shares its product's stock ("Ethiopia, whole beans" and
// "ground" draw from ETH-250) gets the "only N left" note too.
func TestLowStockOfAVariant(t *testing.T) {
	w := newWorld(t, noon)
	id := w.customer("telegram:1", "")
	p, _ := w.sh.Catalog.Product("ETH-250")
	var cart shop.Cart
	cart.Add(shop.Item{SKU: "ETH-250", Variant: "beans"}, 1, p.Price)
	if err := w.db.SaveCart(w.ctx, id, cart); err != nil {
		t.Fatal(err)
	}
	if err := w.db.SetStock(w.ctx, shop.Item{SKU: "ETH-250"}, 2); err != nil {
		t.Fatal(err)
	}
	w.now = time.Date(2026, 12, 1, 10, 0, 0, 0, moscow)
	ds := w.run(Cart)
	if len(ds) != 1 || !strings.Contains(argText(ds[0].Notice, "stock"), "Only 2 left") {
		t.Fatalf("reminder for a variant with 2 left: %+v", ds)
	}
}
