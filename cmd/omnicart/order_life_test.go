package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"omnicart/bot"
	"omnicart/bot/telegram"
	"omnicart/bot/telegram/tgtest"
	"omnicart/bot/webchat"
	"omnicart/bot/whatsapp"
	"omnicart/flows"
	"omnicart/outbox"
	"omnicart/payments"
	"omnicart/shop"
	"omnicart/store"
)

// lifeHarness is the shop on three channels at once, wired as run wires
// it: Telegram (fake Bot API), WhatsApp (fake client), the web chat (real
// HTTP), roles from the config, order notices written in the order's
// transaction (WatchOrders) and the outbox draining them.
type lifeHarness struct {
	*shopHarness
	api *tgtest.Server
	web string // the web chat's base URL
}

// lifeOwner is the Telegram chat listed in [admin] admins.
const lifeOwner = 7100

func newLifeHarness(t *testing.T) *lifeHarness {
	t.Helper()
	api := tgtest.NewServer(t, tgtest.Options{})
	config, _ := copyDemo(t)
	cfg, err := LoadConfig(config)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Admin.Admins = []string{fmt.Sprintf("telegram:%d", lifeOwner)}
	sh, err := loadShop(cfg)
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open("", store.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	db.SyncStock(ctx, sh.Catalog.StockSeed())
	senders := bot.Senders{}
	var ob *outbox.Sender
	desk, err := (&Main{}).desk(cfg)
	if err != nil {
		t.Fatal(err)
	}
	desk.Wake = func() { ob.Wake() }
	staff := newStaff(cfg)
	eng := flows.NewEngine(db, senders, []payments.Provider{payments.Demo{}}, sh,
		flows.Options{Workers: 4, Roles: staff.Role, Desk: desk})
	var told []string
	for _, a := range staff.Addresses(flows.RoleManager) {
		told = append(told, a.String())
	}
	db.WatchOrders(told, func(ch store.OrderChange) []shop.Notice {
		return eng.OrderNotices(ch.Before, ch.After, ch.Customer, ch.Staff)
	})
	ob = outbox.New(db, eng.Notify, outbox.Options{Poll: 50 * time.Millisecond})
	fk := &waFake{}
	opt := whatsappOptions(cfg, eng, nil)
	opt.DB, opt.MinGap, opt.Polls = "", time.Millisecond, false
	wa, err := whatsapp.New(eng, fk, opt)
	if err != nil {
		t.Fatal(err)
	}
	fk.handler = wa.HandleEvent
	senders[bot.WhatsApp] = wa
	tg, err := telegram.New(eng, telegram.Options{Token: api.Token(), APIURL: api.URL(), PerChatRate: 50, PerChatBurst: 5,
		GlobalRate: 500, Images: sh.Images, Text: opt.Text, PollTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	senders[bot.Telegram] = tg
	web := webchat.New(eng, webchat.Options{Images: sh.Images, Text: func(lang, key string) string {
		return sh.Texts.Printer(lang).T(key, "shop", sh.Name)
	}})
	senders[bot.Web] = web
	hs := httptest.NewServer(web)
	rctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { eng.Run(rctx) })
	wg.Go(func() { wa.Run(rctx) })
	wg.Go(func() { tg.Run(rctx) })
	wg.Go(func() { ob.Run(rctx) })
	t.Cleanup(func() { cancel(); wg.Wait(); hs.Close(); wa.Close(); db.Close() })
	return &lifeHarness{shopHarness: &shopHarness{eng: eng, db: db, wa: wa, fk: fk}, api: api, web: hs.URL + "/"}
}

// webShopperHistory is everything the web chat shows the shopper, as the page
// reads it (GET /api/messages), one message a block: its text and its
// buttons.
func webShopperHistory(t *testing.T, w *webShopper) []string {
	t.Helper()
	resp, err := w.client.Get(w.base + "api/messages?after=0")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b struct{ Messages []message }
	if err := json.NewDecoder(resp.Body).Decode(&b); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range b.Messages {
		s := m.Text
		for _, row := range m.Choices {
			s += "\n"
			for _, c := range row {
				s += "[" + c.Label + "]"
			}
		}
		out = append(out, s)
	}
	return out
}

// tgRendered is a Telegram message as the user sees it: its text and its
// inline keyboard.
func tgRendered(m tgtest.Sent) string {
	s := m.Text + m.Caption
	for _, row := range m.Keyboard {
		s += "\n"
		for _, b := range row {
			s += "[" + b.Text + "]"
		}
	}
	return s
}

// The shopper's messages of the order life, one per step, as each
// channel says them.
var lifeSteps = []struct{ name, want string }{
	{"paid", "is paid"},
	{"packed", "is packed and will be on its way soon"},
	{"shipped", "on its way with our courier. The courier's phone: +79165554433"},
	{"delivered", "is delivered. Thank you for shopping with us!"},
}

// TestOrderLifeOnEveryChannel: three shoppers buy for courier delivery,
// one in Telegram, one in WhatsApp, one in the web chat; the owner (a
// Telegram chat in [admin] admins) is told of each order and moves each
// through packed → shipped with the courier's phone → delivered with the
// commands; each shopper is told every step in their own channel's
// rendering (kept in testdata/order_life_channels.txt; -update rewrites
// it), and their order screen shows the courier's phone and the history.
func TestOrderLifeOnEveryChannel(t *testing.T) {
	h := newLifeHarness(t)
	ctx := context.Background()
	o := &tgShopper{t: t, api: h.api, chat: lifeOwner, lang: "en"}
	o.say("/start")

	// Telegram: order #1001.
	u := &tgShopper{t: t, api: h.api, chat: 8101, lang: "en"}
	u.say("/start")
	u.say("kenya")
	u.press("Kenya")
	u.press("Whole beans")
	u.press("Add 1")
	u.press("✅ Check out")
	u.say("Tanya")
	u.say("+7 916 000-00-11")
	u.press("🚚 Courier")
	u.say("Moscow, Arbat 10")
	pressFirst(u)
	pressFirst(u)
	u.press("✅ Place the order")
	u.press("💳 Pay")
	u.expect("Order #1001 is paid")
	waitText(t, h.api, lifeOwner, "New order #1001")

	// WhatsApp: order #1002.
	const phone = "79035550404"
	for _, line := range []string{"/start", "Catalog", "1", "2", "1", "3", "1", "Courier", "Moscow, Arbat 12", "1", "1", "Place the order", "1"} {
		h.say(t, phone, line)
	}
	h.waitWhatsAppText(t, "Order #1002 is paid")
	waitText(t, h.api, lifeOwner, "New order #1002")

	// The web chat: order #1003.
	jar, _ := cookiejar.New(nil)
	w := &webShopper{t: t, base: h.web, client: &http.Client{Jar: jar, Timeout: 20 * time.Second}}
	w.say("/start")
	w.press("🛍 Catalog")
	w.press("☕")
	w.press("Kenya")
	w.press("Whole beans")
	w.press("Add 1")
	w.press("✅ Check out")
	w.say("Web Buyer")
	w.say("+7 916 000-00-13")
	w.press("🚚 Courier")
	w.say("Moscow, Arbat 14")
	w.post(map[string]any{"button": w.last[0].Data}) // the first day
	w.post(map[string]any{"button": w.last[0].Data}) // its first window
	w.press("✅ Place the order")
	if got := allText(w.press("💳 Pay")); !strings.Contains(got, "Order #1003 is paid") {
		t.Fatalf("web pay: %s", got)
	}
	waitText(t, h.api, lifeOwner, "New order #1003")

	for n := 1001; n <= 1003; n++ {
		o.say(fmt.Sprintf("/status %d packed", n))
		o.say(fmt.Sprintf("/status %d shipped +7 916 555-44-33", n))
		o.say(fmt.Sprintf("/status %d delivered", n))
		waitText(t, h.api, lifeOwner, fmt.Sprintf("Order #%d is now delivered", n))
	}

	// What each shopper was told, in their channel's rendering.
	var golden strings.Builder
	tgMsgs := func() []string {
		var out []string
		for _, m := range h.api.Chat(u.chat) {
			out = append(out, tgRendered(m))
		}
		return out
	}
	waMsgs := func() []string {
		var out []string
		for _, s := range h.fk.since(0) {
			if rest, ok := strings.CutPrefix(s, phone+": "); ok {
				out = append(out, rest)
			}
		}
		return out
	}
	webMsgs := func() []string { return webShopperHistory(t, w) }
	for _, ch := range []struct {
		name string
		msgs func() []string
	}{{"telegram", tgMsgs}, {"whatsapp", waMsgs}, {"web", webMsgs}} {
		var msgs []string
		ok := waitUntil(10*time.Second, func() bool {
			msgs = ch.msgs()
			return strings.Contains(strings.Join(msgs, "\n"), lifeSteps[len(lifeSteps)-1].want)
		})
		if !ok {
			t.Fatalf("%s: the shopper was never told of the delivery:\n%s", ch.name, strings.Join(msgs, "\n---\n"))
		}
		fmt.Fprintf(&golden, "== %s\n", ch.name)
		from := 0
		for _, step := range lifeSteps {
			i := from
			for ; i < len(msgs) && !strings.Contains(msgs[i], step.want); i++ {
			}
			if i == len(msgs) {
				t.Fatalf("%s: no %s message (%q) after the previous step:\n%s", ch.name, step.name, step.want, strings.Join(msgs, "\n---\n"))
			}
			fmt.Fprintf(&golden, "-- %s\n%s\n", step.name, msgs[i])
			from = i + 1
		}
	}
	const file = "testdata/order_life_channels.txt"
	if *update {
		if err := os.WriteFile(file, []byte(golden.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, _ := os.ReadFile(file)
	if golden.String() != string(want) {
		t.Errorf("the shoppers' messages differ from %s (go test ./cmd/omnicart -run OrderLife -update):\n%s", file, golden.String())
	}

	// Each order screen shows the courier's phone and the history.
	u.press("📦 My orders")
	u.press("#1001")
	u.expect("Courier's phone: +79165554433")
	u.expect("· on its way, ")
	got := strings.Join(h.say(t, phone, "/orders"), "\n")
	if !strings.Contains(got, "#1002") {
		t.Fatalf("WhatsApp /orders:\n%s", got)
	}
	got = strings.Join(h.say(t, phone, "1"), "\n")
	for _, want := range []string{"Courier's phone: +79165554433", "History:", "· delivered, ", "↩ Return or exchange"} {
		if !strings.Contains(got, want) {
			t.Errorf("WhatsApp order screen lacks %q:\n%s", want, got)
		}
	}
	w.say("/orders")
	if got := allText(w.press("#1003")); !strings.Contains(got, "Courier's phone: +79165554433") || !strings.Contains(got, "· packed, ") {
		t.Errorf("web order screen:\n%s", got)
	}
	for n := int64(1001); n <= 1003; n++ {
		ord, err := h.db.OrderByNumber(ctx, n)
		if err != nil || ord.Status != shop.StatusDelivered || ord.Tracking != "+7 916 555-44-33" {
			t.Errorf("order %d: %+v %v", n, ord, err)
		}
	}
	if r, err := h.db.Verify(ctx); err != nil || !r.OK() {
		t.Errorf("verify after the orders' life: %v %v", r.Problems, err)
	}
}

// pressFirst presses the first button of the Telegram chat's newest
// keyboard (a courier day or window, whose labels follow the clock).
func pressFirst(s *tgShopper) {
	s.t.Helper()
	msgs := s.api.Chat(s.chat)
	for i := len(msgs) - 1; i >= 0; i-- {
		if len(msgs[i].Keyboard) > 0 && msgs[i].Keyboard[0][0].Data != "" {
			s.press(msgs[i].Keyboard[0][0].Text)
			return
		}
	}
	s.t.Fatalf("chat %d: no keyboard", s.chat)
}

// waitWhatsAppText waits until the fake WhatsApp client sent a message
// containing want.
func (h *lifeHarness) waitWhatsAppText(t *testing.T, want string) {
	t.Helper()
	(&deskHarness{shopHarness: h.shopHarness}).waitWhatsApp(t, want)
}
