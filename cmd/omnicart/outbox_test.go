package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"regexp"
	"strings"
	"testing"
	"time"

	"omnicart/bot/telegram/tgtest"
	"omnicart/shop"
	"omnicart/store"
)

// TestNoticeFallsBackToLinkedChat: a customer linked in Telegram and the
// web chat blocks the bot in Telegram; a notice written to the outbox
// reaches the web chat in the same drain (one attempt, no retry), and
// Telegram is marked unreachable for the next one.
func TestNoticeFallsBackToLinkedChat(t *testing.T) {
	api := tgtest.NewServer(t, tgtest.Options{})
	srv, _ := tgShop(t, api, nil)
	defer srv.stop(t)
	ctx := context.Background()

	u := &tgShopper{t: t, api: api, chat: 7301, lang: "en"}
	u.say("/start")
	u.say("/link")
	code := regexp.MustCompile(`/link ([A-Z0-9]{8})`).FindStringSubmatch(u.recent(1))
	if code == nil {
		t.Fatalf("no link code in:\n%s", u.recent(1))
	}
	jar, _ := cookiejar.New(nil)
	w := &webShopper{t: t, base: srv.base, client: &http.Client{Jar: jar, Timeout: 20 * time.Second}}
	if got := allText(w.say("/link " + code[1])); !strings.Contains(got, "Linked!") {
		t.Fatalf("web chat linking: %s", got)
	}
	u.say("/cart") // Telegram is the chat the customer wrote from last
	db := srv.m.DB
	c, err := db.CustomerFor(ctx, "telegram:7301")
	if err != nil || len(c.Channels) != 2 || !strings.HasPrefix(c.LastAddress, "telegram:") {
		t.Fatalf("customer %+v, %v; want two chats, Telegram last", c, err)
	}

	api.Block(7301)
	n := shop.Notice{Key: "test-shipped/1", Customer: c.ID, Kind: shop.NoticeService, Text: "orders.expired",
		Args: []shop.NoticeArg{shop.NumberArg("number", 4242)}}
	if added, err := db.Enqueue(ctx, n); err != nil || added != 1 {
		t.Fatalf("Enqueue = %d, %v", added, err)
	}
	srv.m.Outbox.Wake()
	var rec store.NoticeRecord
	if !waitUntil(10*time.Second, func() bool {
		rec, _, _ = db.Notice(ctx, n.Key)
		return rec.State != store.NoticePending
	}) {
		t.Fatal("the notice was not sent")
	}
	if rec.State != store.NoticeSent || !strings.HasPrefix(rec.Address, "web:") {
		t.Fatalf("notice record %+v; want sent to the web chat", rec)
	}
	if st := srv.m.Outbox.Stats(); st.Retried != 0 || st.Sent != 1 {
		t.Errorf("outbox stats %+v: the fallback took more than one drain", st)
	}
	if got := webHistory(t, w); !strings.Contains(got, "Order #4242 was not paid in time") {
		t.Errorf("web chat history lacks the notice:\n%s", got)
	}
	if c, _ := db.Customer(ctx, c.ID); !strings.Contains(strings.Join(c.Unreachable, ","), "telegram") {
		t.Errorf("Telegram not marked unreachable: %+v", c.Unreachable)
	}
}

// webHistory returns the texts the web chat holds, as the page reads them.
func webHistory(t *testing.T, w *webShopper) string {
	t.Helper()
	resp, err := w.client.Get(w.base + "api/messages?after=0")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ Messages []message }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return allText(out.Messages)
}
