package telegram

import (
	"strings"
	"testing"

	"github.com/go-telegram/bot/models"

	"omnicart/bot"
)

func TestFromMessage(t *testing.T) {
	user := &models.User{ID: 42, FirstName: "Anna", LanguageCode: "ru"}
	private := models.Chat{ID: 42, Type: models.ChatTypePrivate}
	tests := []struct {
		name string
		msg  *models.Message
		want bot.Message
		ok   bool
	}{
		{"deep link", &models.Message{Chat: private, From: user, Text: "/start ad_spring"},
			bot.Message{Command: "start", Payload: "ad_spring"}, true},
		{"command with bot name", &models.Message{Chat: private, From: user, Text: "/cart@omnicart_bot"},
			bot.Message{Command: "cart"}, true},
		{"text", &models.Message{Chat: private, From: user, Text: "  coffee  "}, bot.Message{Text: "coffee"}, true},
		{"own contact", &models.Message{Chat: private, From: user, Contact: &models.Contact{PhoneNumber: "+79161234567", FirstName: "Anna", UserID: 42}},
			bot.Message{Contact: &bot.Contact{Phone: "+79161234567", Name: "Anna", Own: true}}, true},
		{"someone else's contact", &models.Message{Chat: private, From: user, Contact: &models.Contact{PhoneNumber: "+7000", UserID: 7}},
			bot.Message{Contact: &bot.Contact{Phone: "+7000"}}, true},
		{"location", &models.Message{Chat: private, From: user, Location: &models.Location{Latitude: 55.7, Longitude: 37.6}},
			bot.Message{Location: &bot.Location{Lat: 55.7, Lon: 37.6}}, true},
		{"group chat ignored", &models.Message{Chat: models.Chat{ID: -100, Type: models.ChatTypeGroup}, From: user, Text: "hi"}, bot.Message{}, false},
		{"nothing readable ignored", &models.Message{Chat: private, From: user}, bot.Message{}, false},
		{"voice note", &models.Message{Chat: private, From: user, Voice: &models.Voice{FileID: "v"}}, bot.Message{Unsupported: "voice"}, true},
		{"sticker", &models.Message{Chat: private, From: user, Sticker: &models.Sticker{FileID: "s"}}, bot.Message{Unsupported: "sticker"}, true},
		{"nil", nil, bot.Message{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := fromMessage(7, tt.msg)
			if ok != tt.ok {
				t.Fatalf("ok = %v", ok)
			}
			if !ok {
				return
			}
			if got.From != (bot.Address{Channel: bot.Telegram, Chat: "42"}) || got.ID != "7" || got.Name != "Anna" || got.Lang != "ru" {
				t.Errorf("envelope = %+v", got)
			}
			if got.Command != tt.want.Command || got.Payload != tt.want.Payload || got.Text != tt.want.Text {
				t.Errorf("body = %q %q %q, want %q %q %q", got.Command, got.Payload, got.Text, tt.want.Command, tt.want.Payload, tt.want.Text)
			}
			if (got.Contact == nil) != (tt.want.Contact == nil) || got.Contact != nil && *got.Contact != *tt.want.Contact {
				t.Errorf("contact = %+v, want %+v", got.Contact, tt.want.Contact)
			}
			if (got.Location == nil) != (tt.want.Location == nil) || got.Location != nil && *got.Location != *tt.want.Location {
				t.Errorf("location = %+v", got.Location)
			}
		})
	}
}

func TestSplitAndEscape(t *testing.T) {
	if got := escape(`<b>"x" & y</b>`); got != `&lt;b&gt;"x" &amp; y&lt;/b&gt;` {
		t.Errorf("escape = %q", got)
	}
	long := strings.Repeat("line of text 😀\n", 400) // 😀 is two UTF-16 units
	parts := split(long, maxText)
	if len(parts) < 2 {
		t.Fatalf("not split: %d parts", len(parts))
	}
	total := 0
	for _, p := range parts {
		if n := utf16Len(p); n > maxText || n == 0 {
			t.Fatalf("part of %d UTF-16 units", n)
		}
		if !strings.HasSuffix(strings.TrimRight(p, "\n"), "😀") {
			t.Fatalf("part does not end at a line break: %q", p[len(p)-20:])
		}
		total += strings.Count(p, "😀")
	}
	if total != 400 {
		t.Fatalf("lost text: %d of 400 lines", total)
	}
	if got := split("short", maxText); len(got) != 1 || got[0] != "short" {
		t.Fatalf("short text: %q", got)
	}
	noBreaks := strings.Repeat("я", 5000)
	if parts := split(noBreaks, maxText); len(parts) != 2 || utf16Len(parts[0]) != maxText {
		t.Fatalf("text without breaks: %d parts", len(parts))
	}
}
