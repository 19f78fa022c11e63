package telegram_test

import (
	"context"
	"flag"
	"net/http"
	"testing"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"omnicart/bot/telegram/tgtest"
)

var echoEvery = flag.Duration("load.every", 0, "BenchmarkEchoBot: time between updates (0: all at once)")

// BenchmarkEchoBot is the baseline for BenchmarkTelegramUpdates in
// cmd/omnicart: the library's plain echo bot (its default handler settings,
// one goroutine per update) against the same fake Bot API and load.
//
//	go test ./bot/telegram -run '^$' -bench EchoBot -benchtime 5000x
//	go test ./bot/telegram -run '^$' -bench EchoBot -benchtime 2000x -load.every 5ms
func BenchmarkEchoBot(b *testing.B) {
	api := tgtest.NewServer(b, tgtest.Options{})
	client := &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	bot, err := tgbot.New(api.Token(), tgbot.WithServerURL(api.URL()), tgbot.WithSkipGetMe(),
		tgbot.WithHTTPClient(50*time.Second, client),
		tgbot.WithDefaultHandler(func(ctx context.Context, bot *tgbot.Bot, u *models.Update) {
			if u.Message == nil {
				return
			}
			bot.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: u.Message.Chat.ID, Text: u.Message.Text})
		}))
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { bot.Start(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	texts := []string{"/cart", "/help", "/catalog", "/orders"}
	wait, stop := context.WithTimeout(context.Background(), 5*time.Minute)
	defer stop()
	if _, err := api.Load(wait, 20_000, 100, 100, 0, func(int) string { return "/start" }); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	cpu := tgtest.CPUTime()
	lat, err := api.Load(wait, 20_000, 100, b.N, *echoEvery, func(i int) string { return texts[i%len(texts)] })
	cpu = tgtest.CPUTime() - cpu
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	tgtest.Report(b, b.N, cpu, lat)
}
