package main

import (
	"context"
	"flag"
	"testing"
	"time"

	"omnicart/bot/telegram/tgtest"
)

// BenchmarkTelegramUpdates is the load harness for the Telegram channel:
// b.N updates from 100 chats go through the real client, the engine and
// Badger on disk to replies at the fake Bot API, with Telegram's limits
// lifted so the bot itself is measured. It reports the process CPU time per
// 1000 updates (the fake server included) and the p50/p99 time from update
// to reply. Compare with BenchmarkEchoBot in bot/telegram.
//
//	go test ./cmd/omnicart -run '^$' -bench TelegramUpdates -benchtime 5000x               # all at once: throughput
//	go test ./cmd/omnicart -run '^$' -bench TelegramUpdates -benchtime 2000x -load.every 5ms # 200 updates/s: latency
func BenchmarkTelegramUpdates(b *testing.B) {
	api := tgtest.NewServer(b, tgtest.Options{})
	srv, _ := tgShop(b, api, func(c *Config) {
		c.Telegram.PerChatRate, c.Telegram.PerChatBurst, c.Telegram.GlobalRate = 10000, 1000, 100000
	})
	defer srv.stop(b)
	texts := []string{"/cart", "/help", "/catalog", "/orders"}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	// Warm up: every chat says hello once.
	if _, err := api.Load(ctx, 20_000, 100, 100, 0, func(int) string { return "/start" }); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	cpu := tgtest.CPUTime()
	lat, err := api.Load(ctx, 20_000, 100, b.N, *loadEvery, func(i int) string { return texts[i%len(texts)] })
	cpu = tgtest.CPUTime() - cpu
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	tgtest.Report(b, b.N, cpu, lat)
}

var loadEvery = flag.Duration("load.every", 0, "BenchmarkTelegramUpdates: time between updates (0: all at once)")
