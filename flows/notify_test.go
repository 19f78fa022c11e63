package flows_test

import (
	"context"
	"errors"
	"testing"

	"omnicart/bot"
	"omnicart/flows"
)

func TestNotifyPrefersLastChannelAndSkipsBlocked(t *testing.T) {
	h := newHarness(t, nil, nil)
	ctx := context.Background()
	tg := h.chat("n1", "en")
	tg.Addr = bot.Address{Channel: bot.Telegram, Chat: "n1"}
	web := h.chat("n1web", "en")
	web.Addr = bot.Address{Channel: bot.Web, Chat: "n1web"}
	say(t, web, "/start")
	code := codeRE.FindStringSubmatch(say(t, web, "/link"))[1]
	say(t, tg, "/link "+code) // telegram is now the last used chat

	c, _ := h.db.CustomerFor(ctx, tg.Addr.String())
	addr, err := h.eng.Notify(ctx, c.ID, []bot.Reply{{Text: "Your order is on its way"}})
	if err != nil || addr != tg.Addr {
		t.Fatalf("notify went to %v (%v), want %v", addr, err, tg.Addr)
	}
	if got := h.rec.Take(tg.Addr); len(got) != 1 || got[0].Lang != "en" {
		t.Fatalf("telegram got %+v", got)
	}
	// The customer blocked the bot on Telegram: the web chat gets it.
	c.SetReachable(bot.Telegram, false)
	h.db.SaveCustomer(ctx, c)
	if addr, err := h.eng.Notify(ctx, c.ID, []bot.Reply{{Text: "Delivered"}}); err != nil || addr != web.Addr {
		t.Fatalf("notify went to %v (%v), want %v", addr, err, web.Addr)
	}
	c.SetReachable(bot.Web, false)
	h.db.SaveCustomer(ctx, c)
	if _, err := h.eng.Notify(ctx, c.ID, []bot.Reply{{Text: "x"}}); !errors.Is(err, flows.ErrUnreachable) {
		t.Fatalf("all blocked: err = %v", err)
	}
}
