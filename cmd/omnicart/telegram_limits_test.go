package main

import (
	"context"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"omnicart/bot/telegram/tgtest"
	"omnicart/store"
)

// waitChats waits until every chat shows want in some message.
func waitChats(t *testing.T, api *tgtest.Server, chats []int64, want string, within time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	missing := func() []int64 {
		var out []int64
		for _, c := range chats {
			ok := false
			for _, m := range api.Chat(c) {
				if strings.Contains(m.Text+m.Caption, want) {
					ok = true
					break
				}
			}
			if !ok {
				out = append(out, c)
			}
		}
		return out
	}
	if err := api.WaitFor(ctx, func() bool { return len(missing()) == 0 }); err != nil {
		m := missing()
		t.Fatalf("%d chats never got %q (e.g. %v)", len(m), want, m[:min(5, len(m))])
	}
}

// TestTelegramManyChatsWithinLimits: 500 chats write at once, some of them
// several times; every reply arrives, and the fake never sees more than
// the configured rate per chat or in all.
func TestTelegramManyChatsWithinLimits(t *testing.T) {
	api := tgtest.NewServer(t, tgtest.Options{})
	const perChatRate, burst, global = 2.0, 2, 150
	srv, _ := tgShop(t, api, func(c *Config) {
		c.Telegram.PerChatRate, c.Telegram.PerChatBurst, c.Telegram.GlobalRate = perChatRate, burst, global
	})
	defer srv.stop(t)
	var chats []int64
	for i := range 500 {
		chats = append(chats, int64(10_000+i))
	}
	for _, c := range chats {
		api.UserText(c, "/start", "en")
	}
	// The first 20 chats also ask three more things at once.
	for _, c := range chats[:20] {
		api.UserText(c, "/cart", "en")
		api.UserText(c, "/help", "en")
		api.UserText(c, "/orders", "en")
	}
	waitChats(t, api, chats, "Welcome to Test shop", 60*time.Second)
	waitChats(t, api, chats[:20], "You have no orders yet", 30*time.Second)
	perChatWindow := time.Duration(float64(burst) / perChatRate * float64(time.Second))
	if got := api.MaxPerChat(perChatWindow); got > burst {
		t.Errorf("a chat got %d messages within %v; the limit is %d", got, perChatWindow, burst)
	}
	if got := api.MaxGlobal(time.Second); got > global {
		t.Errorf("%d messages within one second; the limit is %d", got, global)
	}
	t.Logf("max per chat in %v: %d (limit %d); max in all per second: %d (limit %d)",
		perChatWindow, api.MaxPerChat(perChatWindow), burst, api.MaxGlobal(time.Second), global)
}

// TestTelegram429StormLosesNothing: the Bot API answers 429 for a while;
// the bot waits retry_after and delivers every reply.
func TestTelegram429StormLosesNothing(t *testing.T) {
	api := tgtest.NewServer(t, tgtest.Options{})
	srv, _ := tgShop(t, api, nil)
	defer srv.stop(t)
	api.FailNext("sendMessage", 8, 429, 1)
	chats := []int64{7001, 7002, 7003, 7004}
	for _, c := range chats {
		api.UserText(c, "/start", "en")
		api.UserText(c, "/help", "en")
	}
	waitChats(t, api, chats, "Welcome to Test shop", 20*time.Second)
	waitChats(t, api, chats, "This is a shop in a chat", 20*time.Second)
	failed := 0
	for _, c := range api.Calls("sendMessage") {
		if c.Status == 429 {
			failed++
		}
	}
	if failed != 8 {
		t.Fatalf("%d sends were refused with 429, want 8", failed)
	}
}

// TestTelegramBlockedDuplicateAndForged covers a user who blocked the bot,
// a duplicate update and forged callback data.
func TestTelegramBlockedDuplicateAndForged(t *testing.T) {
	api := tgtest.NewServer(t, tgtest.Options{})
	srv, cfg := tgShop(t, api, nil)

	// A duplicate update (same update_id) is handled once.
	update := func() map[string]any {
		return map[string]any{"update_id": 900, "message": map[string]any{
			"message_id": 1, "date": 0, "text": "/help",
			"chat": map[string]any{"id": 8001, "type": "private"},
			"from": map[string]any{"id": 8001, "is_bot": false, "first_name": "D"}}}
	}
	api.Deliver(update())
	api.Deliver(update())
	waitChats(t, api, []int64{8001}, "This is a shop in a chat", 10*time.Second)
	time.Sleep(300 * time.Millisecond)
	if n := len(api.Chat(8001)); n != 1 {
		t.Fatalf("chat has %d messages after a duplicate update, want 1", n)
	}

	// Forged callback data gets an answer and the out-of-date notice.
	u := &tgShopper{t: t, api: api, chat: 8002, lang: "en"}
	u.say("/start")
	msgs := api.Chat(8002)
	before := u.sends()
	api.Deliver(map[string]any{"callback_query": map[string]any{
		"id": "forged-1", "chat_instance": "x", "data": "pay|o-not-yours",
		"from":    map[string]any{"id": 8002, "is_bot": false, "first_name": "F"},
		"message": map[string]any{"message_id": msgs[len(msgs)-1].ID, "date": 0, "chat": map[string]any{"id": 8002, "type": "private"}}}})
	u.settle(before)
	u.expect("no longer applies")
	answered := slices.ContainsFunc(api.Calls("answerCallbackQuery"), func(c tgtest.Call) bool {
		return c.Params["callback_query_id"] == "forged-1"
	})
	if !answered {
		t.Error("the forged button press was not answered")
	}
	api.TakeViolations() // the fake flags answering a query it never issued

	// A user who blocked the bot is marked unreachable on Telegram.
	api.Block(8003)
	api.UserText(8003, "/start", "en")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	api.WaitFor(ctx, func() bool {
		return slices.ContainsFunc(api.Calls("sendMessage"), func(c tgtest.Call) bool {
			return c.Params["chat_id"] == "8003" && c.Status == 403
		})
	})
	time.Sleep(200 * time.Millisecond)
	srv.stop(t)
	db, err := store.Open(cfg.Data.Dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c, _ := db.CustomerFor(context.Background(), "telegram:8003")
	if !slices.Contains(c.Unreachable, "telegram") {
		t.Fatalf("blocked customer not marked unreachable: %+v", c)
	}
}

// freeAddr returns a loopback address nobody listens on.
func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestTelegramWebhook: in webhook mode the bot registers its webhook with a
// secret, takes updates on its own HTTP server, and refuses a wrong secret
// with 401.
func TestTelegramWebhook(t *testing.T) {
	api := tgtest.NewServer(t, tgtest.Options{})
	addr := freeAddr(t)
	hook := "http://" + addr + "/telegram/hook"
	srv, _ := tgShop(t, api, func(c *Config) {
		c.HTTP.Addr = addr
		c.Telegram.Mode, c.Telegram.WebhookURL, c.Telegram.WebhookSecret = "webhook", hook, "s3cret-token"
	})
	defer srv.stop(t)
	set := api.Calls("setWebhook")
	if len(set) != 1 || set[0].Params["url"] != hook || set[0].Params["secret_token"] != "s3cret-token" {
		t.Fatalf("setWebhook calls: %+v", set)
	}
	api.UserText(9001, "/start", "ru")
	waitChats(t, api, []int64{9001}, "Добро пожаловать", 10*time.Second)

	for _, secret := range []string{"", "wrong"} {
		req, _ := http.NewRequest("POST", hook, strings.NewReader(`{"update_id":1}`))
		if secret != "" {
			req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("secret %q: status %d, want 401", secret, resp.StatusCode)
		}
	}
	if n := len(api.Calls("getUpdates")); n != 0 {
		t.Errorf("getUpdates called %d times in webhook mode", n)
	}
}
