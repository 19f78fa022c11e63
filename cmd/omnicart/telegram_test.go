package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"regexp"
	"strings"
	"testing"
	"time"

	"omnicart/bot/telegram/tgtest"
	"omnicart/store"
)

// tgShop runs `omnicart run` on a copy of the demo shop with Telegram
// pointed at the fake Bot API.
func tgShop(t testing.TB, api *tgtest.Server, tweak func(*Config)) (*server, Config) {
	t.Helper()
	config, _ := copyDemo(t)
	cfg, err := LoadConfig(config)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Telegram.Token, cfg.Telegram.APIURL = api.Token(), api.URL()
	cfg.Telegram.PerChatRate, cfg.Telegram.PerChatBurst, cfg.Telegram.GlobalRate = 20, 3, 100
	if tweak != nil {
		tweak(&cfg)
	}
	srv := startServer(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := api.WaitFor(ctx, func() bool { return len(api.Calls("getUpdates")) > 0 || len(api.Calls("setWebhook")) > 0 }); err != nil {
		t.Fatalf("the bot did not start on Telegram: %v", err)
	}
	return srv, cfg
}

// tgShopper is one Telegram user of the fake.
type tgShopper struct {
	t    *testing.T
	api  *tgtest.Server
	chat int64
	lang string

	presses int
}

// sends counts the bot's successful sends and edits to the chat.
func (s *tgShopper) sends() int {
	n := 0
	for _, c := range s.api.Calls("") {
		if c.Status == 200 && c.Params["chat_id"] == fmt.Sprint(s.chat) &&
			(strings.HasPrefix(c.Method, "send") || strings.HasPrefix(c.Method, "edit")) {
			n++
		}
	}
	return n
}

// settle waits until the bot has answered an action and gone quiet.
func (s *tgShopper) settle(before int) {
	s.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for s.sends() <= before {
		if time.Now().After(deadline) {
			s.t.Fatalf("chat %d: no answer", s.chat)
		}
		time.Sleep(5 * time.Millisecond)
	}
	for last := s.sends(); ; {
		time.Sleep(150 * time.Millisecond)
		now := s.sends()
		if now == last {
			return
		}
		last = now
	}
}

func (s *tgShopper) say(text string) {
	s.t.Helper()
	before := s.sends()
	s.api.UserText(s.chat, text, s.lang)
	s.settle(before)
}

func (s *tgShopper) share(phone string) {
	s.t.Helper()
	before := s.sends()
	s.api.UserContact(s.chat, phone, true)
	s.settle(before)
}

// press taps the newest inline button whose label starts with label.
func (s *tgShopper) press(label string) {
	s.t.Helper()
	msgs := s.api.Chat(s.chat)
	for i := len(msgs) - 1; i >= 0; i-- {
		for _, row := range msgs[i].Keyboard {
			for _, b := range row {
				if b.Data != "" && strings.HasPrefix(b.Text, label) {
					before := s.sends()
					s.presses++
					s.api.UserPress(s.chat, msgs[i].ID, b.Data)
					s.settle(before)
					return
				}
			}
		}
	}
	s.t.Fatalf("chat %d: no button %q in:\n%s", s.chat, label, s.screen())
}

// recent returns the text, caption and button labels of the newest n
// messages.
func (s *tgShopper) recent(n int) string {
	msgs := s.api.Chat(s.chat)
	var b strings.Builder
	for _, m := range msgs[max(0, len(msgs)-n):] {
		b.WriteString(m.Text + m.Caption + "\n")
		for _, row := range m.Keyboard {
			for _, btn := range row {
				b.WriteString("[" + btn.Text + "]")
			}
		}
	}
	return b.String()
}

func (s *tgShopper) screen() string {
	var b strings.Builder
	for _, m := range s.api.Chat(s.chat) {
		fmt.Fprintf(&b, "#%d %s%s %v\n", m.ID, m.Text, m.Caption, m.Keyboard)
	}
	return b.String()
}

func (s *tgShopper) expect(substr string) {
	s.t.Helper()
	if !strings.Contains(s.screen(), substr) {
		s.t.Fatalf("chat %d: %q not shown:\n%s", s.chat, substr, s.screen())
	}
}

// TestTelegramPurchase runs the whole purchase through the real
// go-telegram/bot client and the fake Bot API, from a deep link to a stored
// order, in English and in Russian. The fake fails the test on any request
// the real Bot API would reject.
func TestTelegramPurchase(t *testing.T) {
	type step struct{ do, arg, want string }
	scripts := map[string][]step{
		"en": {
			{"say", "/start src_x", "Welcome to Test shop"},
			{"press", "🛍 Catalog", "Our catalog"},
			{"press", "☕", "Coffee beans (7)"},
			{"press", "Kenya", "Kenya AA"},
			{"press", "Whole beans", "How many?"},
			{"press", "+", "Add 2 for"},
			{"press", "Add 2", "Added: Kenya AA"},
			{"press", "✅ Check out", "What is your name?"},
			{"say", "<b>Anna</b> & co", "Your phone number"},
			{"share", "+79161234567", "How would you like to receive"},
			{"press", "🚚 Courier", "Type the delivery address"},
			{"say", "Moscow, Tverskaya 1", "When should the courier come?"},
			{"press", "Tomorrow", "14:00–18:00"},
			{"press", "14:00–18:00", "Please check your order"},
			{"press", "✅ Place the order", "Order #1001 is placed"},
			{"press", "💳 Pay", "Order #1001 is paid"},
			{"say", "/orders", "Your orders (1)"},
		},
		"ru": {
			{"say", "/start src_x", "Добро пожаловать в Test shop"},
			{"say", "кения", "найден 1 товар"},
			{"press", "Кения", "Кения AA"},
			{"press", "Молотый", "Сколько штук?"},
			{"press", "Добавить 1", "Добавлено"},
			{"press", "✅ Оформить", "Как вас зовут?"},
			{"say", "Иван", "Ваш номер телефона"},
			{"share", "+79161234567", "Как вы хотите получить заказ?"},
			{"press", "🏬 Пункт выдачи", "Выберите пункт выдачи"},
			{"press", "Чистые пруды", "Проверьте заказ"},
			{"press", "✅ Подтвердить заказ", "Заказ №1001 оформлен"},
			{"press", "💳 Оплатить", "Заказ №1001 оплачен"},
			{"say", "/orders", "Ваши заказы (1)"},
		},
	}
	// The English purchase once more with Telegram posting updates to the
	// shop's webhook (behind a TLS proxy): button presses are answered in
	// the answers to Telegram's requests.
	scripts["en/webhook"] = scripts["en"]
	for name, script := range scripts {
		lang, mode, _ := strings.Cut(name, "/")
		t.Run(name, func(t *testing.T) {
			api := tgtest.NewServer(t, tgtest.Options{})
			srv, cfg := tgShop(t, api, func(cfg *Config) {
				if mode == "webhook" {
					cfg.Telegram.Mode = "webhook"
					cfg.Telegram.WebhookURL = "https://shop.example/telegram/webhook"
					cfg.Telegram.WebhookSecret = "webhook-secret-1"
				}
			})
			if mode == "webhook" {
				api.ProxyWebhook(srv.base)
			}
			u := &tgShopper{t: t, api: api, chat: 5001, lang: lang}
			for _, st := range script {
				switch st.do {
				case "say":
					u.say(st.arg)
				case "press":
					u.press(st.arg)
				case "share":
					u.share(st.arg)
				}
				if !strings.Contains(u.recent(2), st.want) {
					t.Fatalf("after %s %q: the newest messages do not show %q:\n%s", st.do, st.arg, st.want, u.screen())
				}
			}
			if name == "en" {
				// The name was shown back as text, escaped for HTML, not as markup.
				found := false
				for _, c := range api.Calls("") {
					if strings.Contains(c.Params["text"], "&lt;b&gt;Anna&lt;/b&gt; &amp; co") {
						found = true
					}
				}
				if !found {
					t.Error("the hostile name was not shown back escaped")
				}
			}
			// Browsing edited the menu in place instead of flooding the chat.
			if n := len(api.Calls("editMessageText")); n < 3 {
				t.Errorf("only %d edits: menus are not edited in place", n)
			}
			// Every button press was answered, over the webhook's answers
			// in webhook mode.
			if p, a := u.presses, answered(api); a != p {
				t.Errorf("%d presses, %d answered", p, a)
			}
			for _, c := range api.Calls("answerCallbackQuery") {
				if c.ViaWebhook != (mode == "webhook") {
					t.Errorf("mode %q: an answer to a press made via the webhook: %v", mode, c.ViaWebhook)
				}
			}
			if mode == "webhook" && len(api.Calls("getUpdates")) > 0 {
				t.Error("getUpdates called in webhook mode")
			}
			resp, err := http.Get(srv.base + "metrics")
			if err != nil {
				t.Fatal(err)
			}
			metrics, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if !regexp.MustCompile(`(?m)^omnicart_telegram_sent_total [1-9]`).Match(metrics) {
				t.Errorf("no Telegram sends in /metrics:\n%s", metrics)
			}
			if cmds := api.Calls("setMyCommands"); len(cmds) < 2 {
				t.Errorf("setMyCommands called %d times, want default + per language", len(cmds))
			}
			srv.stop(t)
			db, err := store.Open(cfg.Data.Dir, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			c, err := db.CustomerFor(context.Background(), "telegram:5001")
			if err != nil || c.Source != "src_x" || c.Phone != "+79161234567" {
				t.Fatalf("customer = %+v, %v; want source src_x and the shared phone", c, err)
			}
			orders, _ := db.Orders(context.Background(), c.ID)
			if len(orders) != 1 || orders[0].Status != "paid" || orders[0].Channel != "telegram" {
				t.Fatalf("orders = %+v", orders)
			}
		})
	}
}

// answered counts the distinct callback queries the bot answered.
func answered(api *tgtest.Server) int {
	seen := map[string]bool{}
	for _, c := range api.Calls("answerCallbackQuery") {
		if c.Status == 200 {
			seen[c.Params["callback_query_id"]] = true
		}
	}
	return len(seen)
}

// TestLinkTelegramToWebChatByDeepLink: /link in Telegram offers a t.me link
// and the web chat's; opening the web chat's link joins the two chats.
func TestLinkTelegramToWebChatByDeepLink(t *testing.T) {
	api := tgtest.NewServer(t, tgtest.Options{})
	srv, _ := tgShop(t, api, func(c *Config) { c.HTTP.PublicURL = "https://shop.example" })
	defer srv.stop(t)
	u := &tgShopper{t: t, api: api, chat: 6101, lang: "en"}
	u.say("/start")
	u.say("cantucci")
	u.press("Almond cantucci")
	u.press("🛒 Add to cart")
	u.press("Add 1")
	u.say("/link")
	shown := u.recent(1)
	m := regexp.MustCompile(`https://t\.me/omnicart_test_bot\?start=link_([A-Z0-9]{8})`).FindStringSubmatch(shown)
	if m == nil || !strings.Contains(shown, "https://shop.example/?start=link_"+m[1]) {
		t.Fatalf("link screen:\n%s", shown)
	}
	jar, _ := cookiejar.New(nil)
	w := &webShopper{t: t, base: srv.base, client: &http.Client{Jar: jar, Timeout: 20 * time.Second}}
	if got := allText(w.say("/start link_" + m[1])); !strings.Contains(got, "Linked!") {
		t.Fatalf("web chat opening the link: %s", got)
	}
	if got := allText(w.say("/cart")); !strings.Contains(got, "Almond cantucci 200 g — 1 ×") {
		t.Fatalf("web chat cart after linking: %s", got)
	}
}
