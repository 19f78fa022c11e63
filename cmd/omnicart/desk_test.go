package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"google.golang.org/protobuf/proto"

	"omnicart/bot"
	"omnicart/bot/telegram"
	"omnicart/bot/telegram/tgtest"
	"omnicart/bot/whatsapp"
	"omnicart/flows"
	"omnicart/outbox"
	"omnicart/payments"
	"omnicart/shop"
	"omnicart/store"
)

// deskHarness is the shop with its staff desk: WhatsApp (fake client),
// Telegram (fake Bot API), roles, and the outbox draining notices, wired
// as run wires them.
type deskHarness struct {
	*shopHarness
	api *tgtest.Server
}

// Operators of the desk tests.
const (
	anna  = 7001
	boris = 7002
	owner = 7000
)

func newDeskHarness(t *testing.T) *deskHarness {
	t.Helper()
	api := tgtest.NewServer(t, tgtest.Options{})
	config, _ := copyDemo(t)
	cfg, err := LoadConfig(config)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Admin.Admins = []string{fmt.Sprintf("telegram:%d", owner)}
	cfg.Admin.Operators = []string{fmt.Sprintf("telegram:%d", anna), fmt.Sprintf("telegram:%d", boris)}
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
	for chat, name := range map[int64]string{anna: "Anna", boris: "Boris", owner: "Olga"} {
		c, err := db.CustomerFor(ctx, fmt.Sprintf("telegram:%d", chat))
		if err != nil {
			t.Fatal(err)
		}
		c.Name, c.Lang = name, "en"
		if err := db.SaveCustomer(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	senders := bot.Senders{}
	var ob *outbox.Sender
	desk, err := (&Main{}).desk(cfg)
	if err != nil {
		t.Fatal(err)
	}
	desk.Wake = func() { ob.Wake() }
	eng := flows.NewEngine(db, senders, []payments.Provider{payments.Demo{}}, sh,
		flows.Options{Workers: 4, Roles: newStaff(cfg).Role, Desk: desk})
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
	rctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { eng.Run(rctx) })
	wg.Go(func() { wa.Run(rctx) })
	wg.Go(func() { tg.Run(rctx) })
	wg.Go(func() { ob.Run(rctx) })
	t.Cleanup(func() { cancel(); wg.Wait(); wa.Close(); db.Close() })
	return &deskHarness{shopHarness: &shopHarness{eng: eng, db: db, wa: wa, fk: fk}, api: api}
}

// waitText waits until one of the chat's messages contains want and
// returns that message.
func waitText(t *testing.T, api *tgtest.Server, chat int64, want string) tgtest.Sent {
	t.Helper()
	var found tgtest.Sent
	ok := waitUntil(10*time.Second, func() bool {
		for _, m := range api.Chat(chat) {
			if strings.Contains(m.Text+m.Caption, want) {
				found = m
				return true
			}
		}
		return false
	})
	if !ok {
		var all []string
		for _, m := range api.Chat(chat) {
			all = append(all, m.Text)
		}
		t.Fatalf("chat %d never got %q; it has:\n%s", chat, want, strings.Join(all, "\n---\n"))
	}
	return found
}

// waitWhatsApp waits until the fake WhatsApp client sent a message
// containing want.
func (h *deskHarness) waitWhatsApp(t *testing.T, want string) {
	t.Helper()
	ok := waitUntil(10*time.Second, func() bool {
		for _, s := range h.fk.since(0) {
			if strings.Contains(s, want) {
				return true
			}
		}
		return false
	})
	if !ok {
		t.Fatalf("WhatsApp never got %q; it has:\n%s", want, strings.Join(h.fk.since(0), "\n"))
	}
}

// replyTo sends a Telegram message from chat that replies to the bot's
// message m, as a client's "Reply" does.
func replyTo(api *tgtest.Server, chat int64, m tgtest.Sent, text string) {
	api.Deliver(map[string]any{"message": map[string]any{
		"message_id": 500000 + int(time.Now().UnixNano()%100000), "date": time.Now().Unix(), "text": text,
		"from": map[string]any{"id": chat, "is_bot": false, "first_name": "Test"},
		"chat": map[string]any{"id": chat, "type": "private", "first_name": "Test"},
		"reply_to_message": map[string]any{"message_id": m.ID, "date": time.Now().Unix(), "text": m.Text,
			"chat": map[string]any{"id": chat, "type": "private", "first_name": "Test"}},
	}})
}

// TestHandoffWhatsAppToTelegram: a shopper on WhatsApp asks for a person;
// both operators get the card in Telegram; Anna takes it (Boris is told),
// answers by replying to the card, the shopper's next message reaches her,
// and /close hands the shopper back to the bot.
func TestHandoffWhatsAppToTelegram(t *testing.T) {
	h := newDeskHarness(t)
	const phone = "79035550303"
	ctx := context.Background()
	h.say(t, phone, "/start")
	h.say(t, phone, "kenya")
	got := strings.Join(h.say(t, phone, "/operator"), "\n")
	if !strings.Contains(got, "A person will answer here soon") {
		t.Fatalf("/operator on WhatsApp:\n%s", got)
	}
	if got := strings.Join(h.say(t, phone, "Where is my order?"), "\n"); !strings.Contains(got, "Sent. A person will see it") {
		t.Fatalf("first message while waiting:\n%s", got)
	}

	card := waitText(t, h.api, anna, "💬 #1 · Vera")
	waitText(t, h.api, boris, "💬 #1 · Vera")
	for _, want := range []string{"Channel: WhatsApp (chats: WhatsApp)", "language: en", "› kenya", "Reply to this message"} {
		if !strings.Contains(card.Text, want) {
			t.Errorf("card lacks %q:\n%s", want, card.Text)
		}
	}
	if len(card.Keyboard) == 0 || card.Keyboard[0][0].Data != "cmd:take|1" {
		t.Fatalf("card has no Take button: %+v", card.Keyboard)
	}

	a := &tgShopper{t: t, api: h.api, chat: anna, lang: "en"}
	a.press("✋ Take it")
	if fresh := waitText(t, h.api, anna, "› Where is my order?"); !strings.Contains(fresh.Text, "taken · Anna") {
		t.Errorf("the card sent on taking is not fresh:\n%s", fresh.Text)
	}
	waitText(t, h.api, anna, "You took #1")
	waitText(t, h.api, boris, "#1 was taken by Anna")
	h.waitWhatsApp(t, "Anna has joined")

	replyTo(h.api, anna, card, "It ships tomorrow")
	h.waitWhatsApp(t, "💬 Anna: It ships tomorrow")
	waitText(t, h.api, anna, "Sent to #1")

	h.tell(phone, "Thanks!")
	waitText(t, h.api, anna, "#1 Vera (WhatsApp): Thanks!")

	a.say("/reply 1 You are welcome")
	h.waitWhatsApp(t, "💬 Anna: You are welcome")

	b := &tgShopper{t: t, api: h.api, chat: boris, lang: "en"}
	b.say("/reply 1 Me too")
	waitText(t, h.api, boris, "#1 is already taken by Anna")

	a.say("/close 1")
	waitText(t, h.api, anna, "#1 is closed")
	h.waitWhatsApp(t, "The conversation with a person has ended")
	if got := strings.Join(h.say(t, phone, "hello again"), "\n"); !strings.Contains(got, "the bot is here again") {
		t.Fatalf("after /close the shopper's text:\n%s", got)
	}

	c, _ := h.db.CustomerFor(ctx, "whatsapp:"+phone)
	msgs, _ := h.db.Messages(ctx, c.ID)
	var froms []string
	for _, m := range msgs {
		froms = append(froms, m.From+":"+m.Text)
	}
	if !strings.Contains(strings.Join(froms, "|"), "operator:It ships tomorrow") {
		t.Errorf("message log: %v", froms)
	}
	// The owner sees who took, answered and closed it in the audit log.
	log, _ := h.db.AuditLog(ctx, 20)
	var acts []string
	for _, e := range log {
		if e.Action == "support" {
			acts = append(acts, e.By+" "+e.Target+" "+e.After)
		}
	}
	slices.Reverse(acts) // the log is newest first
	want := []string{"conversation 1 taken", "conversation 1 answered", "conversation 1 answered", "conversation 1 closed"}
	if len(acts) != len(want) {
		t.Fatalf("support actions in the audit log: %q, want %d", acts, len(want))
	}
	for i, a := range acts {
		if !strings.HasPrefix(a, fmt.Sprintf("telegram:%d ", anna)) || !strings.HasSuffix(a, want[i]) {
			t.Errorf("audit %d: %q, want Anna's %q", i, a, want[i])
		}
	}
	// A shopper is not staff: the staff commands do not exist for them.
	if got := strings.Join(h.say(t, phone, "/support"), "\n"); !strings.Contains(got, "don't know the command") && !strings.Contains(got, "/support") {
		t.Errorf("/support from a shopper:\n%s", got)
	}
}

// TestOperatorsRaceForOneCard: two operators press Take on the same card
// at the same moment; exactly one gets the conversation, the other is told
// who has it. In the store, of 2 operators racing for each of 50
// conversations, exactly one wins each.
func TestOperatorsRaceForOneCard(t *testing.T) {
	h := newDeskHarness(t)
	h.say(t, "79035550404", "/operator")
	cards := map[int64]tgtest.Sent{anna: waitText(t, h.api, anna, "#1 ·"), boris: waitText(t, h.api, boris, "#1 ·")}
	for chat, card := range cards {
		h.api.UserPress(chat, card.ID, "cmd:take|1")
	}
	waitUntil(10*time.Second, func() bool {
		n := 0
		for chat := range cards {
			for _, m := range h.api.Chat(chat) {
				if strings.Contains(m.Text, "You took #1") || strings.Contains(m.Text, "already taken by") {
					n++
				}
			}
		}
		return n == 2
	})
	took, refused := 0, 0
	for chat := range cards {
		for _, m := range h.api.Chat(chat) {
			switch {
			case strings.Contains(m.Text, "You took #1"):
				took++
			case strings.Contains(m.Text, "#1 is already taken by"):
				refused++
			}
		}
	}
	if took != 1 || refused != 1 {
		t.Fatalf("took %d, refused %d; want exactly one each", took, refused)
	}

	ctx := context.Background()
	for i := range 50 {
		c, _ := h.db.CustomerFor(ctx, fmt.Sprintf("web:race%d", i))
		conv, _, err := h.db.OpenConversation(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins := 0
		for _, op := range []string{"telegram:1", "telegram:2"} {
			wg.Go(func() {
				_, err := h.db.TakeConversation(ctx, conv.N, op, op)
				mu.Lock()
				defer mu.Unlock()
				if err == nil {
					wins++
				} else if !errors.Is(err, shop.ErrTaken) {
					t.Errorf("take: %v", err)
				}
			})
		}
		wg.Wait()
		if wins != 1 {
			t.Fatalf("conversation %d: %d operators won", conv.N, wins)
		}
	}
}

// tell delivers a WhatsApp text from phone without waiting for an answer
// (a message to an operator has none).
func (h *deskHarness) tell(phone, text string) {
	h.n++
	jid := types.NewJID(phone, types.DefaultUserServer)
	h.wa.HandleEvent(&events.Message{
		Info: types.MessageInfo{MessageSource: types.MessageSource{Chat: jid, Sender: jid},
			ID: types.MessageID(fmt.Sprintf("TELL%d", h.n)), PushName: "Vera", Timestamp: time.Now()},
		Message: &waE2E.Message{Conversation: proto.String(text)},
	})
}
