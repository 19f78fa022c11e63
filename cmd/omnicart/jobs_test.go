package main

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/robfig/cron/v3"

	"omnicart/bot"
	"omnicart/bot/bottest"
	"omnicart/flows"
	"omnicart/outbox"
	"omnicart/payments"
	"omnicart/shop"
	"omnicart/store"
)

func TestExpireUnpaidJob(t *testing.T) {
	config, _ := copyDemo(t)
	cfg, _ := LoadConfig(config)
	sh, err := loadShop(cfg)
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open("", store.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	db.SyncStock(ctx, sh.Catalog.StockSeed())
	rec := bottest.NewRecorder()
	eng := flows.NewEngine(db, bot.Senders{bot.Web: rec}, []payments.Provider{payments.Demo{}}, sh, flows.Options{Workers: 2})
	engCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { eng.Run(engCtx); close(done) }()
	defer func() { stop(); <-done }()

	chat := &bottest.Chat{H: eng, R: rec, Addr: bot.Address{Channel: bot.Web, Chat: "late"}, Lang: "en"}
	for _, l := range []string{"/start", "decaf", "[1]", "[🛒 Add to cart]", "[3]", "[✅ Check out]", "Lena", "+79990001122",
		"[🏬 Pickup point]", "[1]", "[✅ Place the order]", "[Pay later]"} {
		if _, err := chat.Line(l); err != nil {
			t.Fatal(err)
		}
	}
	if n, _, _ := db.Stock(ctx, shopItem("DECAF-250")); n != 0 {
		t.Fatalf("stock after the order = %d", n)
	}
	m := &Main{Config: cfg, Log: slog.New(slog.DiscardHandler), DB: db, Engine: eng}
	m.Outbox = outbox.New(db, eng.Notify, outbox.Options{Poll: 10 * time.Millisecond})
	m.Config.Orders.UnpaidTTL.Duration = 24 * time.Hour
	m.expireUnpaid(ctx, time.Now().Add(23*time.Hour)) // not yet
	if n, _, _ := db.Stock(ctx, shopItem("DECAF-250")); n != 0 {
		t.Fatal("expired too early")
	}
	m.expireUnpaid(ctx, time.Now().Add(25*time.Hour))
	m.expireUnpaid(ctx, time.Now().Add(26*time.Hour)) // the job again: nothing twice
	if n, _, _ := db.Stock(ctx, shopItem("DECAF-250")); n != 1 {
		t.Fatalf("stock after expiry = %d, want 1", n)
	}
	obCtx, stopOutbox := context.WithCancel(ctx)
	obDone := make(chan struct{})
	go func() { m.Outbox.Run(obCtx); close(obDone) }()
	if !waitUntil(5*time.Second, func() bool { n, _, _ := db.OutboxDepth(ctx); return n == 0 }) {
		t.Fatal("the outbox did not drain")
	}
	stopOutbox()
	<-obDone
	got := rec.Take(chat.Addr)
	if len(got) != 1 || !strings.Contains(got[0].Text, "Order #1001 was not paid in time") {
		t.Fatalf("notice: %+v", got)
	}
	// The schedule the job runs on.
	sched, _ := cron.ParseStandard("@every 10m")
	if next := sched.Next(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)); next.Sub(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) != 10*time.Minute {
		t.Fatalf("next run at %v", next)
	}
}

func shopItem(sku string) shop.Item { return shop.Item{SKU: sku} }
