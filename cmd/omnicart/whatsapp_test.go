package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"google.golang.org/protobuf/proto"

	"omnicart/bot"
	"omnicart/bot/telegram"
	"omnicart/bot/telegram/tgtest"
	"omnicart/bot/whatsapp"
	"omnicart/flows"
	"omnicart/payments"
	"omnicart/store"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

// waFake stands in for whatsmeow's client: it records what the shop sends.
type waFake struct {
	mu      sync.Mutex
	sent    []string  // rendered messages, in order
	handler func(any) // wa.HandleEvent: Connect reports events.Connected, as whatsmeow does
}

func (f *waFake) Connect() error {
	if f.handler != nil {
		f.handler(&events.Connected{})
	}
	return nil
}
func (f *waFake) LIDForPN(context.Context, types.JID) (types.JID, error) { return types.JID{}, nil }
func (f *waFake) Disconnect()                                            {}
func (f *waFake) SendPresence(context.Context, types.Presence) error     { return nil }
func (f *waFake) SendChatPresence(context.Context, types.JID, types.ChatPresence, types.ChatPresenceMedia) error {
	return nil
}
func (f *waFake) Upload(_ context.Context, data []byte, _ whatsmeow.MediaType) (whatsmeow.UploadResponse, error) {
	return whatsmeow.UploadResponse{URL: "https://mmg.example/x", DirectPath: "/x", FileLength: uint64(len(data))}, nil
}
func (f *waFake) BuildPollCreation(name string, options []string, n int) *waE2E.Message {
	opts := make([]*waE2E.PollCreationMessage_Option, len(options))
	for i, o := range options {
		opts[i] = &waE2E.PollCreationMessage_Option{OptionName: proto.String(o)}
	}
	return &waE2E.Message{PollCreationMessage: &waE2E.PollCreationMessage{Name: proto.String(name), Options: opts, SelectableOptionsCount: proto.Uint32(uint32(n))}}
}
func (f *waFake) DecryptPollVote(context.Context, *events.Message) (*waE2E.PollVoteMessage, error) {
	return nil, fmt.Errorf("no polls in this test")
}
func (f *waFake) PNForLID(context.Context, types.JID) (types.JID, error) { return types.JID{}, nil }

func (f *waFake) SendMessage(_ context.Context, to types.JID, m *waE2E.Message, _ ...whatsmeow.SendRequestExtra) (whatsmeow.SendResponse, error) {
	var s string
	switch {
	case m.GetImageMessage() != nil:
		s = "[photo] " + m.GetImageMessage().GetCaption()
	case m.GetExtendedTextMessage() != nil:
		s = m.GetExtendedTextMessage().GetText()
	default:
		s = m.GetConversation()
	}
	f.mu.Lock()
	f.sent = append(f.sent, to.User+": "+s)
	f.mu.Unlock()
	return whatsmeow.SendResponse{ID: "OUT"}, nil
}

func (f *waFake) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.sent)
}

func (f *waFake) since(n int) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.sent[n:]...)
}

// shopHarness wires the engine to WhatsApp (fake client) and, when api is
// given, to Telegram (real client, fake Bot API), the way run does.
type shopHarness struct {
	eng *flows.Engine
	db  *store.DB
	wa  *whatsapp.WhatsApp
	fk  *waFake
	n   int // message ids
}

func newShopHarness(t *testing.T, api *tgtest.Server) *shopHarness {
	t.Helper()
	config, _ := copyDemo(t)
	cfg, err := LoadConfig(config)
	if err != nil {
		t.Fatal(err)
	}
	sh, err := loadShop(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	clock := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	now := func() time.Time { // a fixed, advancing clock keeps the transcript stable
		mu.Lock()
		defer mu.Unlock()
		clock = clock.Add(time.Second)
		return clock
	}
	db, err := store.Open("", store.Options{InMemory: true, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	db.SyncStock(context.Background(), sh.Catalog.StockSeed())
	senders := bot.Senders{}
	eng := flows.NewEngine(db, senders, []payments.Provider{payments.Demo{}}, sh, flows.Options{Workers: 4, Now: now})
	fk := &waFake{}
	opt := whatsappOptions(cfg, eng, nil)
	opt.DB, opt.MinGap, opt.Polls = "", time.Millisecond, false
	wa, err := whatsapp.New(eng, fk, opt)
	if err != nil {
		t.Fatal(err)
	}
	fk.handler = wa.HandleEvent
	senders[bot.WhatsApp] = wa
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { eng.Run(ctx) })
	wg.Go(func() { wa.Run(ctx) })
	if api != nil {
		tg, err := telegram.New(eng, telegram.Options{Token: api.Token(), APIURL: api.URL(), PerChatRate: 50, PerChatBurst: 5,
			GlobalRate: 500, Images: sh.Images, Text: opt.Text, PollTimeout: 2 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		senders[bot.Telegram] = tg
		wg.Go(func() { tg.Run(ctx) })
	}
	t.Cleanup(func() { cancel(); wg.Wait(); wa.Close(); db.Close() })
	return &shopHarness{eng: eng, db: db, wa: wa, fk: fk}
}

// say delivers a WhatsApp text from phone and returns what the shop sent
// back once it has gone quiet.
func (h *shopHarness) say(t *testing.T, phone, text string) []string {
	t.Helper()
	h.n++
	jid := types.NewJID(phone, types.DefaultUserServer)
	before := h.fk.count()
	h.wa.HandleEvent(&events.Message{
		Info: types.MessageInfo{MessageSource: types.MessageSource{Chat: jid, Sender: jid},
			ID: types.MessageID(fmt.Sprintf("IN%d", h.n)), PushName: "Vera", Timestamp: time.Now()},
		Message: &waE2E.Message{Conversation: proto.String(text)},
	})
	deadline := time.Now().Add(10 * time.Second)
	for h.fk.count() == before {
		if time.Now().After(deadline) {
			t.Fatalf("no answer to %q", text)
		}
		time.Sleep(5 * time.Millisecond)
	}
	for last := h.fk.count(); ; {
		time.Sleep(100 * time.Millisecond)
		if now := h.fk.count(); now == last {
			break
		} else {
			last = now
		}
	}
	return h.fk.since(before)
}

// TestWhatsAppPurchaseTranscript buys in WhatsApp rendering: numbered text
// menus answered by number or by name, a photo card, free-text search.
// The exchange is kept in testdata/whatsapp_purchase.txt (-update rewrites).
func TestWhatsAppPurchaseTranscript(t *testing.T) {
	h := newShopHarness(t, nil)
	const phone = "79035550101"
	script := []string{"/start wa_qr", "Catalog", "1", "2", "1", "3", "1",
		"Pickup point", "1", "Place the order", "1", "/orders"}
	var b strings.Builder
	for _, line := range script {
		fmt.Fprintf(&b, "> %s\n", line)
		for _, m := range h.say(t, phone, line) {
			for i, l := range strings.Split(strings.TrimPrefix(m, phone+": "), "\n") {
				if i == 0 {
					fmt.Fprintf(&b, "< %s\n", l)
				} else {
					fmt.Fprintf(&b, "<   %s\n", l)
				}
			}
		}
	}
	got := b.String()
	const golden = "testdata/whatsapp_purchase.txt"
	if *update {
		os.WriteFile(golden, []byte(got), 0o644)
	}
	want, _ := os.ReadFile(golden)
	if got != string(want) {
		t.Errorf("WhatsApp transcript differs from %s (go test ./cmd/omnicart -run WhatsAppPurchase -update):\n%s", golden, got)
	}
	c, _ := h.db.CustomerFor(context.Background(), "whatsapp:"+phone)
	orders, _ := h.db.Orders(context.Background(), c.ID)
	if len(orders) != 1 || orders[0].Status != "paid" || c.Source != "wa_qr" || c.Phone != "+"+phone || !c.PhoneVerified {
		t.Fatalf("customer %+v, orders %+v", c, orders)
	}
}

// TestAddOnTelegramPayOnWhatsApp: the cart filled in Telegram is paid in
// WhatsApp after the two are linked by the shopper's phone number, with
// nothing lost or doubled.
func TestAddOnTelegramPayOnWhatsApp(t *testing.T) {
	api := tgtest.NewServer(t, tgtest.Options{})
	h := newShopHarness(t, api)
	u := &tgShopper{t: t, api: api, chat: 6001, lang: "en"}
	u.say("/start")
	u.say("kenya")
	u.press("Kenya")
	u.press("Ground")
	u.press("+")
	u.press("Add 2")
	u.press("✅ Check out")
	u.say("Vera")
	u.share("+79035550202") // her own contact: a verified phone
	u.expect("How would you like to receive")

	got := strings.Join(h.say(t, "79035550202", "/cart"), "\n")
	for _, want := range []string{"We recognised your phone number", "(Ground for filter) — 2 × ₽990"} {
		if !strings.Contains(got, want) {
			t.Fatalf("WhatsApp cart lacks %q:\n%s", want, got)
		}
	}
	h.say(t, "79035550202", "Check out")
	h.say(t, "79035550202", "Pickup point")
	h.say(t, "79035550202", "1")
	paid := strings.Join(append(h.say(t, "79035550202", "Place the order"), h.say(t, "79035550202", "1")...), "\n")
	if !strings.Contains(paid, "Order #1001 is paid: ₽1,980") {
		t.Fatalf("payment on WhatsApp:\n%s", paid)
	}
	u.say("/orders")
	u.expect("#1001")
	u.say("/cart")
	u.expect("Your cart is empty")
}
