package flows_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"omnicart/bot"
	"omnicart/flows"
	"omnicart/shop"
)

// linkedShopper is a Russian-speaking customer with a web chat and a
// Telegram chat linked into one; Telegram is the chat used last.
func linkedShopper(t *testing.T, h *harness) (id shop.CustomerID, tg, web *chatT) {
	t.Helper()
	tg = &chatT{H: h.eng, R: h.rec, Addr: bot.Address{Channel: bot.Telegram, Chat: "n1"}, Lang: "ru"}
	web = &chatT{H: h.eng, R: h.rec, Addr: bot.Address{Channel: bot.Web, Chat: "n1web"}, Lang: "ru"}
	say(t, web, "/start")
	code := codeRE.FindStringSubmatch(say(t, web, "/link"))[1]
	say(t, tg, "/link "+code)
	c, err := h.db.CustomerFor(context.Background(), tg.Addr.String())
	if err != nil {
		t.Fatal(err)
	}
	return c.ID, tg, web
}

func orderNotice(id shop.CustomerID) shop.Notice {
	return shop.Notice{Key: "order-waiting/1001", Customer: id, Kind: shop.NoticeService, Text: "checkout.pay",
		Args:    []shop.NoticeArg{shop.NumberArg("number", 1001), shop.MoneyArg("total", shop.Money{Minor: 198000, Currency: "RUB"})},
		Buttons: []shop.NoticeButton{{Text: "menu.cart", Event: flows.GoEvent("cart")}}}
}

func TestNotify(t *testing.T) {
	transient := errors.New("telegram: 502 bad gateway")
	refused := fmt.Errorf("telegram: 403 bot was blocked by the user: %w", bot.ErrRefused)
	webRefused := fmt.Errorf("web: chat closed: %w", bot.ErrRefused)
	tests := []struct {
		name        string
		fail        map[string]error // Deliver errors by channel
		want        string           // channel delivered to; "" for none
		wantErr     error
		unreachable []string // channels marked unreachable after
	}{
		{"last chat first", nil, bot.Telegram, nil, nil},
		{"refused moves on at once", map[string]error{bot.Telegram: refused}, bot.Web, nil, []string{bot.Telegram}},
		{"none left", map[string]error{bot.Telegram: refused, bot.Web: webRefused}, "", flows.ErrUnreachable, []string{bot.Telegram, bot.Web}},
		{"transient error returned as is", map[string]error{bot.Telegram: transient}, "", transient, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, nil, nil)
			ctx := context.Background()
			id, tg, web := linkedShopper(t, h)
			for ch, err := range tt.fail {
				h.out.failOn(ch, err)
			}
			addr, err := h.eng.Notify(ctx, orderNotice(id))
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if tt.wantErr == transient && errors.Is(err, flows.ErrUnreachable) {
				t.Fatalf("a transient error is reported as final: %v", err)
			}
			if addr.Channel != tt.want {
				t.Fatalf("delivered to %v, want channel %q", addr, tt.want)
			}
			got := map[string][]bot.Reply{bot.Telegram: h.rec.Take(tg.Addr), bot.Web: h.rec.Take(web.Addr)}
			for ch, replies := range got {
				if ch != tt.want && len(replies) > 0 {
					t.Errorf("%s got %+v", ch, replies)
				}
			}
			c, _ := h.db.Customer(ctx, id)
			if slices.Sort(c.Unreachable); !slices.Equal(c.Unreachable, tt.unreachable) {
				t.Errorf("unreachable = %v, want %v", c.Unreachable, tt.unreachable)
			}
			var notified []shop.Event
			h.db.Events(ctx, time.Time{}, func(e shop.Event) bool {
				if e.Type == shop.EventNotified {
					notified = append(notified, e)
				}
				return true
			})
			if tt.want == "" {
				if len(notified) != 0 {
					t.Errorf("logged %+v for a notice not delivered", notified)
				}
				return
			}
			if len(notified) != 1 || notified[0].Notice != "order-waiting/1001" || notified[0].Channel != tt.want || notified[0].Customer != id {
				t.Errorf("notified events = %+v", notified)
			}
			r := got[tt.want]
			if len(r) != 1 {
				t.Fatalf("%s got %+v", tt.want, r)
			}
			// Rendered in Russian, the amount formatted for Russian.
			if want := "Заказ №1001: к оплате 1\u00a0980\u00a0₽."; !strings.HasPrefix(r[0].Text, want) || r[0].Lang != "ru" {
				t.Errorf("text = %q (%s), want %q...", r[0].Text, r[0].Lang, want)
			}
			if len(r[0].Choices) != 1 || r[0].Choices[0][0].Label != "🛒 Корзина" {
				t.Fatalf("buttons = %+v", r[0].Choices)
			}
			// The notice's button works in the conversation.
			chat := map[string]*chatT{bot.Telegram: tg, bot.Web: web}[tt.want]
			after, _ := chat.Send(bot.Message{Button: r[0].Choices[0][0].Data})
			if len(after) == 0 || !strings.Contains(after[len(after)-1].Text, "Корзина пуста") {
				t.Errorf("button of the notice: %+v", after)
			}
		})
	}
}

func TestNotifyBadNoticesAreFinal(t *testing.T) {
	h := newHarness(t, nil, nil)
	id, _, _ := linkedShopper(t, h)
	for name, n := range map[string]shop.Notice{
		"no key":           {Customer: id, Kind: shop.NoticeService, Text: "cart.empty"},
		"unknown text":     {Key: "k1", Customer: id, Kind: shop.NoticeService, Text: "no.such.text"},
		"unknown customer": {Key: "k2", Customer: "nobody", Kind: shop.NoticeService, Text: "cart.empty"},
	} {
		if _, err := h.eng.Notify(context.Background(), n); !errors.Is(err, flows.ErrUnreachable) {
			t.Errorf("%s: err = %v, want ErrUnreachable", name, err)
		}
	}
}

// gate is an action that holds the conversation of whoever writes "wait"
// until it is opened.
type gate struct {
	entered chan struct{}
	open    chan struct{}
	once    sync.Once
}

func (g *gate) release() { g.once.Do(func() { close(g.open) }) }

func (g *gate) action() flows.Action {
	return flows.Action{Run: func(c *flows.Ctx) (string, error) {
		if c.Msg.Text == "wait" {
			g.entered <- struct{}{}
			<-g.open
		}
		c.SayText(c.Msg.Text)
		return "", nil
	}}
}

// TestNotifyWaitsForTheShoppersMessage: a notice queued while the
// customer's message is being handled is delivered after its replies; one
// whose caller gives up before its turn is never delivered.
func TestNotifyWaitsForTheShoppersMessage(t *testing.T) {
	g := &gate{entered: make(chan struct{}), open: make(chan struct{})}
	h := newHarness(t, flows.Actions{"echo": g.action()}, map[string]string{"main.yaml": echoFlow})
	t.Cleanup(g.release) // before the engine stops, if the test fails early
	chat := h.chat("gated", "en")
	say(t, chat, "/start")
	ctx := context.Background()
	c, _ := h.db.CustomerFor(ctx, chat.Addr.String())

	handled := make(chan struct{})
	h.eng.Handle(ctx, bot.Message{From: chat.Addr, Text: "wait", Done: func() { close(handled) }})
	<-g.entered
	// Its caller gives up while the message is handled: never delivered.
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	gaveUp := shop.Notice{Key: "gave-up", Customer: c.ID, Kind: shop.NoticeService, Text: "cart.empty"}
	if _, err := h.eng.Notify(short, gaveUp); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("notify behind a busy conversation: err = %v, want the deadline", err)
	}
	var addr bot.Address
	var err error
	notified := make(chan struct{})
	go func() {
		defer close(notified)
		addr, err = h.eng.Notify(ctx, shop.Notice{Key: "k", Customer: c.ID, Kind: shop.NoticeService, Text: "cart.empty"})
	}()
	g.release()
	<-handled
	<-notified
	if err != nil || addr != chat.Addr {
		t.Fatalf("notify: %v %v", addr, err)
	}
	var texts []string
	for _, r := range h.rec.Take(chat.Addr) {
		if r.Text != "" {
			texts = append(texts, r.Text)
		}
	}
	if want := []string{"wait", "Your cart is empty."}; !slices.Equal(texts, want) {
		t.Fatalf("chat got %q, want %q", texts, want)
	}
}

// TestNoticesAndMessagesDoNotInterleave: many customers write while the
// shop notifies them; no notice is delivered while a message of the same
// customer is being handled. Run with -race.
func TestNoticesAndMessagesDoNotInterleave(t *testing.T) {
	var busy sync.Map // address -> *atomic.Bool, set while its message is handled
	flag := func(addr bot.Address) *atomic.Bool {
		v, _ := busy.LoadOrStore(addr.String(), new(atomic.Bool))
		return v.(*atomic.Bool)
	}
	var overlaps atomic.Int64
	echo := flows.Action{Run: func(c *flows.Ctx) (string, error) {
		f := flag(c.Msg.From)
		f.Store(true)
		time.Sleep(50 * time.Microsecond)
		c.SayText(c.Msg.Text)
		f.Store(false)
		return "", nil
	}}
	h := newHarness(t, flows.Actions{"echo": echo}, map[string]string{"main.yaml": echoFlow})
	h.out.onDeliver = func(to bot.Address) {
		if flag(to).Load() {
			overlaps.Add(1)
		}
	}
	ctx := context.Background()
	const customers, each = 12, 15
	var wg sync.WaitGroup
	for i := range customers {
		chat := h.chat(fmt.Sprintf("mix%d", i), "en")
		say(t, chat, "/start")
		c, _ := h.db.CustomerFor(ctx, chat.Addr.String())
		var handled sync.WaitGroup
		handled.Add(each)
		wg.Go(func() {
			for j := range each {
				h.eng.Handle(ctx, bot.Message{From: chat.Addr, Text: fmt.Sprint(j), Done: handled.Done})
			}
			handled.Wait()
		})
		wg.Go(func() {
			for j := range each {
				n := shop.Notice{Key: fmt.Sprintf("n%d/%d", i, j), Customer: c.ID, Kind: shop.NoticeMarketing, Text: "cart.empty"}
				if addr, err := h.eng.Notify(ctx, n); err != nil || addr != chat.Addr {
					t.Errorf("notify %s: %v %v", n.Key, addr, err)
				}
			}
		})
	}
	wg.Wait()
	if n := overlaps.Load(); n > 0 {
		t.Fatalf("%d notices were delivered in the middle of a message of the same customer", n)
	}
}

// Notices waiting on a slow channel (a WhatsApp broadcast: a message every
// few seconds) do not hold the engine's workers: with more notices in
// flight than workers, another shopper is still answered at once, and the
// notices complete when the channel catches up.
func TestSlowNoticesHoldNoWorker(t *testing.T) {
	h := newHarness(t, nil, nil) // 4 workers
	ctx := context.Background()
	release := h.out.slowDown()
	defer release()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		c, err := h.db.CustomerFor(ctx, fmt.Sprintf("whatsapp:7999000%04d", i))
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			_, err := h.eng.Notify(ctx, orderNotice(c.ID))
			errs <- err
		})
	}
	time.Sleep(50 * time.Millisecond) // the notices are queued and waiting
	chat := h.chat("busy-shopper", "en")
	start := time.Now()
	replies, err := chat.Line("/cart")
	if err != nil || len(replies) == 0 {
		t.Fatalf("a shopper during slow notices: %+v %v (after %v)", replies, err, time.Since(start))
	}
	release()
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("notice: %v", err)
		}
	}
}

// A notice written for a customer who was linked into another since (a
// job read the old id) reaches the customer they became.
func TestNotifyFollowsALink(t *testing.T) {
	h := newHarness(t, nil, nil)
	ctx := context.Background()
	tg := &chatT{H: h.eng, R: h.rec, Addr: bot.Address{Channel: bot.Telegram, Chat: "m1"}, Lang: "en"}
	web := &chatT{H: h.eng, R: h.rec, Addr: bot.Address{Channel: bot.Web, Chat: "m1web"}, Lang: "en"}
	say(t, web, "/start")
	say(t, tg, "/start")
	a, _ := h.db.CustomerFor(ctx, web.Addr.String())
	b, _ := h.db.CustomerFor(ctx, tg.Addr.String())
	code := codeRE.FindStringSubmatch(say(t, web, "/link"))[1]
	say(t, tg, "/link "+code)
	now, _ := h.db.CustomerFor(ctx, tg.Addr.String())
	old := a.ID
	if now.ID == a.ID {
		old = b.ID
	}
	if _, err := h.eng.Notify(ctx, orderNotice(old)); err != nil {
		t.Fatalf("a notice for the linked-away id %s: %v", old, err)
	}
}
