package flows_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"omnicart/bot"
	"omnicart/bot/bottest"
	"omnicart/flows"
	"omnicart/shop"
)

// echoFlow answers each text with its position in the customer's stream.
const echoFlow = `flow: main
start: menu
commands: {start: menu, help: menu, lang: menu, menu: menu}
states:
  menu:
    input: echo
    buttons:
      - {text: menu.catalog, to: browse}
      - {text: menu.cart, to: cart}
      - {text: menu.orders, to: orders}
      - {text: menu.search, to: search}
`

func TestOrderPerCustomerUnderConcurrency(t *testing.T) {
	actions := flows.Actions{"echo": {Run: func(c *flows.Ctx) (string, error) {
		c.SayText(c.Msg.Text)
		return "", nil
	}}}
	h := newHarness(t, actions, map[string]string{"main.yaml": echoFlow})
	const customers, perCustomer = 40, 25
	var wg sync.WaitGroup
	var handled sync.WaitGroup
	handled.Add(customers * perCustomer)
	for c := range customers {
		wg.Go(func() {
			addr := bot.Address{Channel: bot.Web, Chat: fmt.Sprintf("c%d", c)}
			for i := range perCustomer {
				h.eng.Handle(context.Background(), bot.Message{From: addr, Text: fmt.Sprint(i), Done: handled.Done})
			}
		})
	}
	wg.Wait()
	handled.Wait()
	for c := range customers {
		addr := bot.Address{Channel: bot.Web, Chat: fmt.Sprintf("c%d", c)}
		var got []string
		for _, r := range h.rec.Take(addr) {
			if r.Text != "" { // the echo, not the menu shown again under it
				got = append(got, r.Text)
			}
		}
		if len(got) != perCustomer {
			t.Fatalf("customer %d got %d replies, want %d", c, len(got), perCustomer)
		}
		for i, s := range got {
			if s != fmt.Sprint(i) {
				t.Fatalf("customer %d: reply %d is %q: out of order: %v", c, i, s, got)
			}
		}
	}
}

func TestDuplicateUpdateHandledOnce(t *testing.T) {
	h := newHarness(t, nil, nil)
	chat := h.chat("dup", "en")
	first, err := chat.Send(bot.Message{ID: "42", Command: "start"})
	if err != nil || len(first) == 0 {
		t.Fatalf("first delivery: %v %v", first, err)
	}
	again, err := chat.Send(bot.Message{ID: "42", Command: "start"})
	if err != nil {
		t.Fatal(err)
	}
	if len(again) != 0 {
		t.Fatalf("duplicate update answered again: %+v", again)
	}
}

func TestStaleAndForgedButtons(t *testing.T) {
	h := newHarness(t, nil, nil)
	chat := h.chat("stale", "en")
	menu, _ := chat.Line("/start")
	catalogBtn := menu[0].Choices[0][0].Data
	chat.Line("[🛍 Catalog]")
	chat.Line("[1]") // a category: the "Catalog" button of the menu is still valid (a flow start)
	for _, data := range []string{"pay|o123", "bogus data with spaces!", strings.Repeat("x", 80), "|"} {
		replies, err := chat.Send(bot.Message{Button: data})
		if err != nil {
			t.Fatal(err)
		}
		if len(replies) == 0 || !strings.Contains(replies[0].Text, "earlier screen") {
			t.Fatalf("button %q: want the out-of-date notice, got %+v", data, replies)
		}
	}
	replies, _ := chat.Send(bot.Message{Button: catalogBtn})
	if len(replies) != 1 || !strings.HasPrefix(replies[0].Text, "Our catalog") {
		t.Fatalf("menu button from an old message: %+v", replies)
	}
}

func TestHostileTextIsKeptAsText(t *testing.T) {
	h := newHarness(t, nil, nil)
	chat := h.chat("hostile", "en")
	chat.Line("/start")
	evil := "<b>bold</b> *x* _y_ [z](http://e) " + strings.Repeat("я", 5000)
	replies, err := chat.Line(evil)
	if err != nil {
		t.Fatal(err)
	}
	if len(replies) == 0 || !strings.Contains(replies[0].Text, "<b>bold</b>") {
		t.Fatalf("search echo: %+v", replies)
	}
	if n := len([]rune(replies[0].Text)); n > 1000 {
		t.Fatalf("reply of %d runes: the query was not cut", n)
	}
}

// BenchmarkMessage is one message through the engine: queue, load customer,
// session and cart from Badger (in memory), rebuild the state machine, run
// the action, render, save, send.
func BenchmarkMessage(b *testing.B) {
	h := newHarness(b, nil, nil)
	chat := h.chat("bench", "en")
	chat.Line("/start")
	lines := []string{"/catalog", "[1]", "[1]", "/cart"}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if _, err := chat.Line(lines[i%len(lines)]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMessageParallel spreads messages over many customers at once.
func BenchmarkMessageParallel(b *testing.B) {
	h := newHarness(b, nil, nil)
	var n atomicCounter
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		chat := h.chat(fmt.Sprintf("p%d", n.next()), "en")
		for pb.Next() {
			if _, err := chat.Line("/catalog"); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

type atomicCounter struct {
	mu sync.Mutex
	n  int
}

func (c *atomicCounter) next() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	return c.n
}

// TestEngineNeedsPayments: there is no silent default payment provider.
func TestEngineNeedsPayments(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("NewEngine without a payment provider did not panic")
		}
	}()
	flows.NewEngine(nil, bot.Senders{}, nil, nil, flows.Options{})
}

// A shopper who just writes (WhatsApp has no /start) starts the funnel
// with the first message of a visit, once: /stats counts them as started.
func TestFirstMessageStartsTheFunnel(t *testing.T) {
	h := newHarness(t, nil, nil)
	chat := &bottest.Chat{H: h.eng, R: h.rec, Addr: bot.Address{Channel: bot.WhatsApp, Chat: "79990000002"}, Lang: "ru"}
	for _, line := range []string{"привет", "кофе", "/catalog"} {
		if _, err := chat.Line(line); err != nil {
			t.Fatal(err)
		}
	}
	starts := 0
	h.db.Events(context.Background(), time.Time{}, func(e shop.Event) bool {
		if e.Type == shop.EventStart {
			starts++
			if e.Channel != string(bot.WhatsApp) {
				t.Errorf("start on %q, want whatsapp", e.Channel)
			}
		}
		return true
	})
	if starts != 1 {
		t.Errorf("%d starts for one visit, want 1", starts)
	}
}

// The web chat tells the browser's time zone: it is the customer's, for
// quiet hours and birthdays; a later message from another zone moves it.
func TestZoneFromTheMessage(t *testing.T) {
	h := newHarness(t, nil, nil)
	chat := &bottest.Chat{H: h.eng, R: h.rec, Addr: bot.Address{Channel: bot.Web, Chat: "0123456789abcdef0123456789abcdef"}, Lang: "en"}
	ctx := context.Background()
	zone := func() string {
		c, err := h.db.CustomerFor(ctx, chat.Addr.String())
		if err != nil {
			t.Fatal(err)
		}
		return c.Zone
	}
	for _, z := range []string{"Asia/Vladivostok", "", "Europe/Kaliningrad"} {
		if _, err := chat.Send(bot.Message{Text: "hello", Zone: z}); err != nil {
			t.Fatal(err)
		}
		want := z
		if z == "" { // not told: kept
			want = "Asia/Vladivostok"
		}
		if got := zone(); got != want {
			t.Errorf("after a message from %q the customer's zone is %q, want %q", z, got, want)
		}
	}
}

// A voice note or a sticker gets told what the shop can read, and the
// shopper stays where they were.
func TestUnsupportedMessage(t *testing.T) {
	h := newHarness(t, nil, nil)
	chat := h.chat("voice", "en")
	chat.Line("/cart")
	replies, err := chat.Send(bot.Message{Unsupported: "voice"})
	if err != nil {
		t.Fatal(err)
	}
	if len(replies) != 1 || !strings.Contains(replies[0].Text, "not this kind of message") {
		t.Fatalf("replies to a voice note: %+v", replies)
	}
	replies, _ = chat.Line("/cart")
	if len(replies) == 0 || !strings.Contains(replies[0].Text, "cart") {
		t.Errorf("after the voice note: %+v", replies)
	}
}

// A press on a menu the channel no longer knows (a WhatsApp poll from
// before a restart) is answered as an old button: said so, and the
// current screen shown.
func TestStalePress(t *testing.T) {
	h := newHarness(t, nil, nil)
	chat := h.chat("stale", "en")
	chat.Line("/cart")
	replies, err := chat.Send(bot.Message{Button: bot.StaleChoice})
	if err != nil {
		t.Fatal(err)
	}
	if len(replies) < 2 || !strings.Contains(replies[0].Text, "earlier screen") || !strings.Contains(replies[1].Text, "cart") {
		t.Fatalf("replies to a stale press: %+v", replies)
	}
}

// What the staff give when shipping is the courier's phone only when it
// is one; a carrier's tracking number of digits stays a tracking number.
func TestCourierPhoneOrTracking(t *testing.T) {
	for in, want := range map[string]bool{
		"+7 916 555-44-33": true, "89165554433": true, "+44 7700 900123": true,
		"80081234567890": false, "1234567890": false, "RA123456789RU": false, "": false,
	} {
		if _, ok := flows.CourierPhone(in); ok != want {
			t.Errorf("%q: phone %v, want %v", in, ok, want)
		}
	}
}
