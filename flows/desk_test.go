package flows

import (
	"testing"

	"omnicart/locales"
)

// TestCardRef: a staff reply answers a shopper only when it replies to a
// support card or a passed-on message, in any language; an order alert's
// "#1001" is not a conversation.
func TestCardRef(t *testing.T) {
	texts := locales.Default()
	for replied, want := range map[string]string{
		"💬 #12 · Vera · waiting\nChannel: WhatsApp":         "12",
		"💬 #3 Vera (WhatsApp): where is it?":                "3",
		"💬 #7 · Ольга · ждёт\nКанал: Telegram":              "7",
		"🆕 New order #1001 · ₽890":                          "",
		"💰 The transfer for order #1002 arrived":            "",
		"You took #4. Reply to the card, or /reply 4 text.": "",
		"💬 #": "",
		"💬 #12345678901234 Vera (Telegram): hi": "",
	} {
		got, ok := cardRef(texts, replied)
		if got != want || ok != (want != "") {
			t.Errorf("cardRef(%q) = %q, %v; want %q", replied, got, ok, want)
		}
	}
}
