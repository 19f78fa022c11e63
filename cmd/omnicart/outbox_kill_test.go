package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"omnicart/bot/telegram/tgtest"
	"omnicart/shop"
	"omnicart/store"
)

// A token of the shape Telegram issues (the config checks it).
const killToken = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1"

// TestOutboxSurvivesSIGKILL: 1,000 unpaid orders of 1,000 Telegram
// customers expire, so the real binary has 1,000 notices to send; it is
// killed with SIGKILL while the outbox drains and started again on the same
// data directory. The fake Bot API must see every notice, and each once,
// except a notice whose request had left for Telegram when the process
// died and whose answer was never recorded: Telegram cannot say whether it
// arrived, so it is sent again (at least once), and its record says so.
func TestOutboxSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the real binary")
	}
	const customers = 1000
	api := tgtest.NewServer(t, tgtest.Options{Token: killToken})
	config, _, data := killShop(t, api, 250, "")
	seedUnpaid(t, data, customers)

	isExpired := func(text string) bool { return strings.Contains(text, "was not paid in time") }
	expired := func(chat int64) int {
		n := 0
		for _, m := range api.Chat(chat) {
			if isExpired(m.Text) {
				n++
			}
		}
		return n
	}
	count := func() (delivered, twice int) { return deliveries(api, customers, isExpired) }

	first := start(t, "run", "--config", config)
	if !waitUntil(60*time.Second, func() bool { d, _ := count(); return d >= customers*3/10 }) {
		d, _ := count()
		t.Fatalf("only %d notices arrived before the kill", d)
	}
	first.kill(t)
	atKill, _ := count()
	t.Logf("SIGKILL after %d of %d notices were delivered", atKill, customers)
	if atKill == customers {
		t.Fatal("the outbox drained before the kill: the test proves nothing; slow the rate down")
	}

	second := start(t, "run", "--config", config)
	if !waitUntil(90*time.Second, func() bool { d, _ := count(); return d == customers }) {
		d, _ := count()
		t.Fatalf("after the restart %d of %d notices arrived", d, customers)
	}
	time.Sleep(500 * time.Millisecond) // anything sent twice would arrive now
	second.stop(t, 30*time.Second)
	delivered, twice := count()
	if delivered != customers {
		t.Errorf("%d of %d notices delivered", delivered, customers)
	}
	db, err := store.Open(data, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	resent := 0
	for i := range customers {
		r, ok, err := db.Notice(context.Background(), fmt.Sprintf("order-expired/%d", 1001+i))
		if err != nil || !ok || r.State != store.NoticeSent {
			t.Errorf("notice of order #%d: %+v, %v, %v", 1001+i, r, ok, err)
			continue
		}
		if r.Resent {
			resent++
		}
		if n := expired(int64(1000 + i)); n > 1 && !r.Resent {
			t.Errorf("chat %d got its notice %d times, and it was not one cut short in flight", 1000+i, n)
		}
	}
	t.Logf("after the restart: %d delivered, %d twice; %d were in flight to Telegram at the kill and sent again", delivered, twice, resent)
	if v := api.Violations(); len(v) > 0 {
		t.Errorf("Bot API violations: %v", v)
	}
}

// seedUnpaid writes n Telegram customers (chats 1000...), each with an
// order placed two days ago and never paid, into the data directory.
func seedUnpaid(t *testing.T, dir string, n int) {
	t.Helper()
	seedTelegram(t, dir, n, time.Now().Add(-48*time.Hour), func(ctx context.Context, db *store.DB, c *shop.Customer) error {
		o := shop.Order{CustomerID: c.ID, Lines: []shop.Line{{Item: shop.Item{SKU: "TEST-1"}, Qty: 1,
			Price: shop.Money{Minor: 100, Currency: "RUB"}}}}
		_, err := db.PlaceOrder(ctx, o)
		return err
	})
}
