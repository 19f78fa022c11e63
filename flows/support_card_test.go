package flows_test

import (
	"strings"
	"testing"

	"omnicart/bot"
	"omnicart/bot/bottest"
)

// TestFirstMessageOperatorCard: a new shopper whose first message asks
// for a person still gets a card with her name, chat and language.
func TestFirstMessageOperatorCard(t *testing.T) {
	h := newStaffHarness(t, "en")
	h.chats["operator"].Line("/start")
	h.drain(t)
	olga := &bottest.Chat{H: h.eng, R: h.rec, Addr: bot.Address{Channel: bot.Telegram, Chat: "555"}, Lang: "ru", Name: "Ольга"}
	olga.Line("/operator")
	card := h.drain(t)
	for _, want := range []string{"· Ольга ·", "Channel: Telegram (chats: Telegram) · language: ru"} {
		if !strings.Contains(card, want) {
			t.Errorf("the card lacks %q:\n%s", want, card)
		}
	}
}
