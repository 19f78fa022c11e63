package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"omnicart/bot/telegram/tgtest"
	"omnicart/shop"
	"omnicart/store"
)

// TestBroadcastSurvivesSIGKILL: an owner broadcasts to everyone (1,000
// Telegram customers and the owner) from Telegram through the real binary:
// audience, text, no picture, the preview with the count, Send. The binary
// is killed with SIGKILL halfway through and started again: every
// recipient gets the message once (a send that had left for Telegram when
// the process died is marketing, so it is never repeated: it may be lost,
// and the store says so), the progress message is one message edited in
// place, and a summary ends it.
func TestBroadcastSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the real binary")
	}
	const customers, admin = 1000, 999
	api := tgtest.NewServer(t, tgtest.Options{Token: killToken})
	config, _, data := killShop(t, api, 200, fmt.Sprintf("[admin]\nadmins = [\"telegram:%d\"]\n", admin))
	seedCustomers(t, data, customers)

	const text = "Spring sale: 20% off all coffee"
	isBroadcast := func(s string) bool { return s == text }
	got := func(chat int64) int {
		n := 0
		for _, m := range api.Chat(chat) {
			if isBroadcast(m.Text) {
				n++
			}
		}
		return n
	}
	count := func() (delivered, twice int) { return deliveries(api, customers, isBroadcast) }

	first := start(t, "run", "--config", config)
	o := &tgShopper{t: t, api: api, chat: admin, lang: "en"}
	o.say("/broadcast")
	o.press("Everyone")
	o.say(text)
	o.press("No picture")
	waitText(t, api, admin, fmt.Sprintf("Broadcast 1 to Everyone: %d customers.", customers+1))
	o.press("✅ Send")
	if !waitUntil(60*time.Second, func() bool { d, _ := count(); return d >= customers/4 }) {
		d, _ := count()
		t.Fatalf("only %d messages arrived before the kill", d)
	}
	first.kill(t)
	atKill, _ := count()
	t.Logf("SIGKILL after %d of %d messages were delivered", atKill, customers)
	if atKill == customers {
		t.Fatal("the broadcast finished before the kill: the test proves nothing; slow the rate down")
	}

	second := start(t, "run", "--config", config)
	waitText(t, api, admin, "Broadcast 1 is done")
	time.Sleep(500 * time.Millisecond) // anything sent twice would arrive now
	second.stop(t, 30*time.Second)
	delivered, twice := count()

	db, err := store.Open(data, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sent, failed, pending, err := db.BroadcastProgress(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if log, _ := db.AuditLog(context.Background(), 10); len(log) == 0 || log[0].Action != "broadcast" ||
		log[0].Target != "broadcast 1" || log[0].After != fmt.Sprintf("sent to %d", customers+1) || log[0].By != fmt.Sprintf("telegram:%d", admin) {
		t.Errorf("the audit log does not say who sent the broadcast: %+v", log)
	}
	lost := 0
	for i := range customers {
		c, err := db.CustomerFor(context.Background(), "telegram:"+strconv.Itoa(1000+i))
		if err != nil {
			t.Fatal(err)
		}
		r, _, _ := db.Notice(context.Background(), shop.BroadcastKey(1, c.ID))
		if r.State == store.NoticeFailed {
			if got(int64(1000+i)) == 0 {
				lost++
			}
			if !strings.Contains(r.Error, "cut short") {
				t.Errorf("customer %d: failed for another reason: %s", i, r.Error)
			}
		}
	}
	t.Logf("after the restart: %d delivered, %d twice; store: %d sent, %d failed (cut short by the kill; %d of them never arrived), %d pending",
		delivered, twice, sent, failed, lost, pending)
	if twice != 0 {
		t.Errorf("%d customers got the broadcast twice", twice)
	}
	if delivered+lost != customers || pending != 0 || sent+failed != customers+1 {
		t.Errorf("%d delivered + %d lost of %d; store %d sent + %d failed + %d pending", delivered, lost, customers, sent, failed, pending)
	}
	if failed > 16 {
		t.Errorf("%d sends cut short: more than the sends in flight", failed)
	}

	// One progress message, edited in place, ending with nothing left.
	var progress []tgtest.Sent
	for _, m := range api.Chat(admin) {
		if strings.HasPrefix(m.Text, "📣 Broadcast 1: sent") {
			progress = append(progress, m)
		}
	}
	if len(progress) != 1 || !strings.Contains(progress[0].Text, "left 0") {
		t.Errorf("progress messages: %+v; want one, edited to left 0", progress)
	}
	edits := 0
	for _, c := range api.Calls("editMessageText") {
		if c.Status == 200 && c.Params["chat_id"] == strconv.Itoa(admin) {
			edits++
		}
	}
	if edits < 2 {
		t.Errorf("the progress message was edited %d times", edits)
	}
	if v := api.Violations(); len(v) > 0 {
		t.Errorf("Bot API violations: %v", v)
	}
	t.Logf("progress edited %d times; at most %d messages in any second", edits, api.MaxGlobal(time.Second))
}

// seedCustomers writes n Telegram customers (chats 1000...) into the data
// directory.
func seedCustomers(t *testing.T, dir string, n int) {
	t.Helper()
	seedTelegram(t, dir, n, time.Now(), nil)
}
