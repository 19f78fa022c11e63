package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"omnicart/bot/telegram/tgtest"
	"omnicart/shop"
	"omnicart/store"
)

// TestCampaignRunSurvivesSIGKILL: 4,000 Telegram customers left carts an
// hour ago; the shop's campaigns.yaml shortens the abandoned-cart delay to
// a minute and the tick to a second, so the first run of the real binary
// finds all of them due. It is killed with SIGKILL while that run is still
// writing reminders (some customers are left in the due index) and started
// again on the same data directory. Every customer must get the reminder
// exactly once, except one whose request had left for Telegram when the
// process died: a marketing notice cut short after it left is not sent
// again (at most once), and its record says so. None may be lost.
func TestCampaignRunSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the real binary")
	}
	const customers = 10000
	api := tgtest.NewServer(t, tgtest.Options{Token: killToken})
	config, shopDir, data := killShop(t, api, 1000, "[campaigns]\ntick = \"1s\"\n")
	// No quiet hours (the test runs at any time of day), a cap that
	// allows the reminder, no second reminder.
	camps := `cap: {per_day: 3, per_week: 5}
quiet_hours: "00:00-00:00"
campaigns:
  abandoned_cart: {delay: 1m, active: 1m, second: off}
`
	if err := os.WriteFile(filepath.Join(shopDir, "campaigns.yaml"), []byte(camps), 0o644); err != nil {
		t.Fatal(err)
	}
	keys := seedCarts(t, data, customers, time.Now().Add(-time.Hour))

	isReminder := func(text string) bool { return strings.Contains(text, "you left something in your cart") }
	reminded := func(chat int64) int {
		n := 0
		for _, m := range api.Chat(chat) {
			if isReminder(m.Text) {
				n++
			}
		}
		return n
	}
	count := func() (delivered, twice int) { return deliveries(api, customers, isReminder) }
	// The first run starts a tick (1 s) after the shop does and writes
	// a few thousand reminders a second, so 10,000 take it a few seconds:
	// kill it early in the run. Killed before the run began, the shop is
	// started and killed again a little later each time (nothing was
	// written, so the data is as seeded).
	left := customers
	for wait := 1000 * time.Millisecond; left == customers; wait += 150 * time.Millisecond {
		if wait > 5*time.Second {
			t.Fatal("the campaign run never began")
		}
		p := start(t, "run", "--config", config)
		p.serving(t, 30*time.Second)
		time.Sleep(wait)
		p.kill(t)
		left = dueCarts(t, data)
	}
	atKill, _ := count()
	t.Logf("SIGKILL in the middle of the run: %d of %d customers still due, their reminder not written; %d reminders delivered",
		left, customers, atKill)
	if left == 0 {
		t.Fatal("the campaign run ended before the kill: the test proves nothing")
	}

	second := start(t, "run", "--config", config)
	if !waitUntil(90*time.Second, func() bool { d, _ := count(); return d == customers }) {
		d, _ := count()
		t.Logf("after the restart %d of %d reminders arrived (the rest must be recorded as cut short)", d, customers)
	}
	time.Sleep(3 * time.Second) // anything sent twice arrives now; three more ticks run
	second.stop(t, 30*time.Second)
	delivered, twice := count()
	if left := dueCarts(t, data); left != 0 {
		t.Errorf("%d customers still due after the restart", left)
	}

	st, err := store.Open(data, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cutShort, lost := 0, 0
	for i, key := range keys {
		chat := int64(1000 + i)
		r, ok, err := st.Notice(context.Background(), key)
		if err != nil || !ok {
			t.Errorf("chat %d: no reminder %s in the outbox: %+v, %v, %v", chat, key, r, ok, err)
			lost++
			continue
		}
		n := reminded(chat)
		switch {
		case n > 1:
			t.Errorf("chat %d got the reminder %d times", chat, n)
		case n == 1 && r.State != store.NoticeSent && r.State != store.NoticeFailed:
			t.Errorf("chat %d got the reminder but its record is %+v", chat, r)
		case n == 0 && r.State == store.NoticeFailed && strings.Contains(r.Error, "cut short"):
			cutShort++
		case n == 0:
			t.Errorf("chat %d never got the reminder: %+v", chat, r)
			lost++
		}
	}
	t.Logf("after the restart: %d of %d reminded once, %d twice, %d cut short in flight at the kill (not resent), %d lost",
		delivered, customers, twice, cutShort, lost)
	if delivered+cutShort != customers || twice > 0 || lost > 0 {
		t.Errorf("%d delivered + %d cut short != %d customers (twice %d, lost %d)", delivered, cutShort, customers, twice, lost)
	}
	if v := api.Violations(); len(v) > 0 {
		t.Errorf("Bot API violations: %v", v)
	}
}

// seedCarts writes n Telegram customers (chats 1000...) named Ann, each
// last seen at at with a cart left then, into the data directory, and
// returns the keys of the reminders they are due.
func seedCarts(t *testing.T, dir string, n int, at time.Time) []string {
	t.Helper()
	at = at.Truncate(time.Second)
	var keys []string
	seedTelegram(t, dir, n, at, func(ctx context.Context, db *store.DB, c *shop.Customer) error {
		c.Name, c.SeenAt = "Ann", at
		var cart shop.Cart
		cart.Add(shop.Item{SKU: "ETH-250", Variant: "beans"}, 1, shop.Money{Minor: 89000, Currency: "RUB"})
		keys = append(keys, fmt.Sprintf("cart/%s/%d", c.ID, at.Unix()))
		return db.SaveCart(ctx, c.ID, cart)
	})
	return keys
}

// dueCarts counts the customers left in the abandoned-cart index of the
// stopped data directory, read from a copy (after a SIGKILL Badger replays
// its log on opening, which is the restart's job, not the test's).
func dueCarts(t *testing.T, dir string) int {
	t.Helper()
	cp := filepath.Join(t.TempDir(), "data")
	if err := os.CopyFS(cp, os.DirFS(dir)); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(cp, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	due, err := db.Due(context.Background(), store.DueCart, time.Now().Add(time.Hour), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	return len(due)
}

// exited reports whether the process ended.
func exited(p *proc) bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}
