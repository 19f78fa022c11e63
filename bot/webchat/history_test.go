package webchat

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"omnicart/bot"
)

// screens is a fake engine like the shop's: /start shows a quantity
// picker; its "+" replaces that screen (bot.Reply.Replace, as the flows do
// for a button that only changes the screen); "add" answers with a new
// message; /lang ru answers in Russian.
type screens struct {
	chat *Chat
	qty  int
}

func (e *screens) Handle(ctx context.Context, m bot.Message) {
	var r bot.Reply
	switch {
	case m.Command == "lang":
		r = bot.Reply{Text: "Язык: русский.", Lang: "ru"}
	case m.Command != "":
		e.qty = 1
		r = e.picker()
	case m.Button == "inc":
		e.qty++
		r = e.picker()
		r.Replace = true
	case m.Button == "add":
		r = bot.Reply{Text: "Added", Replace: true} // first reply after a press: Telegram would edit too
	case m.Button == "quiet":
		// handled without any reply
	default:
		r = bot.Reply{Text: "echo " + m.Text}
	}
	if r.Text != "" {
		if r.Lang == "" {
			r.Lang = "en"
		}
		e.chat.Send(ctx, m.From, []bot.Reply{r})
	}
	if m.Done != nil {
		m.Done()
	}
}

func (e *screens) picker() bot.Reply {
	return bot.Reply{Text: "How many? " + strings.Repeat("I", e.qty),
		Choices: [][]bot.Choice{{{Label: "+ 1", Data: "inc"}, {Label: "Nothing", Data: "quiet"}}, {{Label: "Add", Data: "add"}}}}
}

func newScreens(t *testing.T) (*Chat, *screens) {
	t.Helper()
	e := &screens{}
	e.chat = New(e, Options{Text: func(lang, key string) string { return lang + ":" + key }})
	return e.chat, e
}

func kinds(ms []message) string {
	var b []string
	for _, m := range ms {
		who := "shop"
		if m.From == fromShopper {
			who = "me"
		}
		b = append(b, who+":"+m.Text)
	}
	return strings.Join(b, " | ")
}

// TestHistoryKeepsBothSides: with ?shopper=1 the history a reloaded page
// loads has the shopper's own messages too (typed texts and the labels of
// the buttons pressed), in order; the page's own /start is not one; the
// plain API (the terminal chat) still gets only the shop's.
func TestHistoryKeepsBothSides(t *testing.T) {
	c, _ := newScreens(t)
	do(t, c, "POST", "/api/send?shopper=1", id, `{"text":"/start","quiet":true}`)
	do(t, c, "POST", "/api/send?shopper=1", id, `{"text":"hello"}`)
	do(t, c, "POST", "/api/send?shopper=1", id, `{"button":"quiet","message":1}`)
	do(t, c, "POST", "/api/send?shopper=1", id, `{"location":{"lat":55.75,"lon":37.61}}`)
	b := decode(t, do(t, c, "GET", "/api/messages?shopper=1", id, ""))
	want := "shop:How many? I | me:hello | shop:echo hello | me:Nothing | me:📍 55.75000, 37.61000 | shop:echo "
	if got := kinds(b.Messages); got != want {
		t.Errorf("history after a reload:\n got %s\nwant %s", got, want)
	}
	b = decode(t, do(t, c, "GET", "/api/messages", id, ""))
	if got := kinds(b.Messages); strings.Contains(got, "me:") {
		t.Errorf("without ?shopper=1 the shopper's messages came back: %s", got)
	}
}

// TestReplaceUpdatesInPlace: a button whose reply replaces the screen (the
// quantity picker's +) updates the pressed message in place, keeping its
// id, with a new seq that pollers see, and adds no bubble for the press;
// a reply that is not a replacement adds the press's bubble and a message.
func TestReplaceUpdatesInPlace(t *testing.T) {
	c, _ := newScreens(t)
	first := decode(t, do(t, c, "POST", "/api/send?shopper=1", id, `{"text":"/start","quiet":true}`))
	if len(first.Messages) != 1 {
		t.Fatalf("start = %+v", first)
	}
	picker := first.Messages[0]
	for i := 2; i <= 3; i++ {
		b := decode(t, do(t, c, "POST", "/api/send?shopper=1", id, `{"button":"inc","message":1}`))
		if len(b.Messages) != 1 || b.Messages[0].ID != picker.ID || b.Messages[0].Seq <= picker.Seq ||
			b.Messages[0].Text != "How many? "+strings.Repeat("I", i) {
			t.Fatalf("+ %d: answer %+v, want the picker (id %d) updated", i, b.Messages, picker.ID)
		}
		picker = b.Messages[0]
	}
	// A poll from before the presses sees the picker once, updated.
	b := decode(t, do(t, c, "GET", "/api/messages?shopper=1&after=1", id, ""))
	if len(b.Messages) != 1 || b.Messages[0].ID != picker.ID || b.Messages[0].Text != "How many? III" {
		t.Errorf("poll after 1 = %+v", b.Messages)
	}
	b = decode(t, do(t, c, "GET", "/api/messages?shopper=1", id, ""))
	if got := kinds(b.Messages); got != "shop:How many? III" {
		t.Errorf("history = %s, want the one picker", got)
	}
	// A button pressed on an old screen still replaces that screen.
	b = decode(t, do(t, c, "POST", "/api/send?shopper=1", id, `{"button":"add","message":1}`))
	if got := kinds(b.Messages); got != "shop:Added" || b.Messages[0].ID != picker.ID {
		t.Errorf("add = %s", got)
	}
}

// TestLangFollowsTheShop: each answer names the chat's language, the
// browser's until the shop answers in the customer's; the page is rendered
// in it after a reload, and /api/texts gives its labels.
func TestLangFollowsTheShop(t *testing.T) {
	c, _ := newScreens(t)
	b := decode(t, do(t, c, "POST", "/api/send?shopper=1", id, `{"text":"/start","quiet":true}`))
	if b.Lang != "en" {
		t.Errorf("lang after an English reply = %q", b.Lang)
	}
	b = decode(t, do(t, c, "POST", "/api/send?shopper=1", id, `{"text":"/lang ru"}`))
	if b.Lang != "ru" {
		t.Errorf("lang after /lang ru = %q", b.Lang)
	}
	if b := decode(t, do(t, c, "GET", "/api/messages", id, "")); b.Lang != "ru" {
		t.Errorf("history lang = %q", b.Lang)
	}
	page := do(t, c, "GET", "/?embed=1", id, "").Body.String()
	for _, want := range []string{`<html lang="ru">`, `placeholder="ru:web.placeholder"`, `>ru:web.send</button>`, `aria-label="ru:web.close"`} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	w := do(t, c, "GET", "/api/texts?lang=en", "", "")
	var got struct {
		Lang  string
		Texts map[string]string
	}
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil || got.Lang != "en" {
		t.Fatalf("texts: %s", w.Body)
	}
	for _, k := range TextKeys {
		if got.Texts[k] != "en:"+k {
			t.Errorf("texts[%s] = %q", k, got.Texts[k])
		}
	}
}
