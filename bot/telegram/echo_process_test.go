package telegram_test

import (
	"context"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"testing"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

// TestEchoBotProcess is the baseline bot of the load harness in
// cmd/omnicart (TestLoadHarness): the library's plain echo bot, with its
// default handler settings (one goroutine per update), run as a process of
// its own. The harness builds this package's test binary and runs it with
// OMNICART_ECHO_API (the fake Bot API's URL) and OMNICART_ECHO_TOKEN set;
// it serves until SIGTERM. With OMNICART_ECHO_WEBHOOK (an address) it
// sets a webhook and takes updates on the library's webhook handler at
// that address instead of long polling. Without them the test is skipped.
func TestEchoBotProcess(t *testing.T) {
	api, token := os.Getenv("OMNICART_ECHO_API"), os.Getenv("OMNICART_ECHO_TOKEN")
	if api == "" || token == "" {
		t.Skip("OMNICART_ECHO_API and OMNICART_ECHO_TOKEN are not set: run by the load harness only")
	}
	client := &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	b, err := tgbot.New(token, tgbot.WithServerURL(api), tgbot.WithSkipGetMe(),
		tgbot.WithHTTPClient(50*time.Second, client),
		tgbot.WithDefaultHandler(func(ctx context.Context, b *tgbot.Bot, u *models.Update) {
			if u.Message == nil {
				return
			}
			b.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: u.Message.Chat.ID, Text: u.Message.Text})
		}))
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if addr := os.Getenv("OMNICART_ECHO_WEBHOOK"); addr != "" {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		srv := &http.Server{Handler: b.WebhookHandler()}
		go srv.Serve(ln)
		defer srv.Close()
		if _, err := b.SetWebhook(ctx, &tgbot.SetWebhookParams{URL: "https://echo.example/hook"}); err != nil {
			t.Fatal(err)
		}
		b.StartWebhook(ctx)
		return
	}
	b.Start(ctx)
}
