package console

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"omnicart/bot"
)

// shop is a fake engine: it answers from another goroutine through the
// console's Send, then calls Done.
type shop struct {
	con *Console
	mu  sync.Mutex
	got []bot.Message
}

func (s *shop) Handle(ctx context.Context, m bot.Message) {
	s.mu.Lock()
	s.got = append(s.got, m)
	s.mu.Unlock()
	go func() {
		var rs []bot.Reply
		switch {
		case m.Text == "" && m.Command == "" && m.Button == "" && m.Contact == nil && m.Location == nil:
			// An empty message asks for the current screen.
			rs = []bot.Reply{
				{Text: "Welcome!\nWhat would you like?", Photo: "images/shop.jpg", Choices: [][]bot.Choice{
					{{Label: "Coffee", Data: "cat:coffee"}, {Label: "Gear", Data: "cat:gear"}},
					{{Label: "Cart", Data: "cart"}},
				}},
				{Notice: "toast"},
			}
		case m.Command != "":
			rs = []bot.Reply{{Text: "command " + m.Command}}
		case m.Contact != nil:
			rs = []bot.Reply{{Text: fmt.Sprintf("phone %s, own %v", m.Contact.Phone, m.Contact.Own)}}
		case m.Location != nil:
			rs = []bot.Reply{{Text: fmt.Sprintf("location %g %g", m.Location.Lat, m.Location.Lon)}}
		case m.Text == "phone?":
			rs = []bot.Reply{{Text: "Your phone?", AskContact: true}}
		case m.Text == "where?":
			rs = []bot.Reply{{Text: "Where?", AskContact: true, AskLocation: true, Lang: "en"}, {AskLocation: true}}
		case m.Button != "":
			rs = []bot.Reply{{Text: "pressed " + m.Button, Notice: "ok"}, {Text: "Sure?", Choices: [][]bot.Choice{{{Label: "Yes", Data: "yes"}}}}}
		default:
			rs = []bot.Reply{{Text: "you said " + m.Text + "\n"}}
		}
		s.con.Send(ctx, m.From, rs)
		m.Done()
	}()
}

func TestRun(t *testing.T) {
	tests := []struct {
		name, in string
		start    bool
		out      string
		msgs     []bot.Message // From, Lang, Name and Done are not compared
	}{
		{
			name:  "buttons",
			in:    "2\n\n  hello  \n3\n1\n/cart\n1",
			start: true,
			out: `[photo: images/shop.jpg]
Welcome!
What would you like?
[1] Coffee
[2] Gear
[3] Cart

pressed cat:gear
Sure?
[1] Yes

you said hello

ru:console.no_button[n 3 max 1]

pressed yes
Sure?
[1] Yes

command cart

pressed yes
Sure?
[1] Yes
`,
			msgs: []bot.Message{
				{}, {Button: "cat:gear"}, {Text: "hello"}, // "3" is no button: not sent
				{Button: "yes"}, {Command: "cart"}, {Button: "yes"},
			},
		},
		{
			name: "no buttons yet",
			in:   "1\n+1\n",
			out:  "you said 1\n\nyou said +1\n",
			msgs: []bot.Message{{Text: "1"}, {Text: "+1"}},
		},
		{name: "empty input", in: "", out: ""},
		{name: "start only", in: "\n\n", start: true, out: "[photo: images/shop.jpg]\nWelcome!\nWhat would you like?\n[1] Coffee\n[2] Gear\n[3] Cart\n", msgs: []bot.Message{{}}},
		{
			name: "contact and location",
			in:   "phone?\n@contact +7 999 123-45-67\nwhere?\n@location 55.75 -37.5\n@location 95 0\n@location here\n@contact\n",
			out: `Your phone?
ru:console.share_contact

phone +7 999 123-45-67, own true

Where?
en:console.share_contact
en:console.share_location
ru:console.share_location

location 55.75 -37.5

you said @location 95 0

you said @location here

you said @contact
`,
			msgs: []bot.Message{
				{Text: "phone?"}, {Contact: &bot.Contact{Phone: "+7 999 123-45-67", Own: true}},
				{Text: "where?"}, {Location: &bot.Location{Lat: 55.75, Lon: -37.5}},
				{Text: "@location 95 0"}, {Text: "@location here"}, {Text: "@contact"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out strings.Builder
			h := &shop{}
			addr := bot.Address{Channel: bot.Console, Chat: "owner"}
			text := func(lang, key string, args ...any) string {
				if len(args) == 0 {
					return lang + ":" + key
				}
				return lang + ":" + key + fmt.Sprintf("%v", args)
			}
			h.con = New(strings.NewReader(tt.in), &out, h, Options{Addr: addr, Lang: "ru", Name: "Ann", Start: tt.start, Text: text})
			if err := h.con.Run(context.Background()); err != nil {
				t.Fatalf("Run: %v", err)
			}
			if out.String() != tt.out {
				t.Errorf("output:\n%s\nwant:\n%s", out.String(), tt.out)
			}
			if len(h.got) != len(tt.msgs) {
				t.Fatalf("got %d messages, want %d: %+v", len(h.got), len(tt.msgs), h.got)
			}
			for i, m := range h.got {
				if m.From != addr || m.Lang != "ru" || m.Name != "Ann" || m.Done == nil {
					t.Errorf("message %d: From %v Lang %q Name %q", i, m.From, m.Lang, m.Name)
				}
				want := tt.msgs[i]
				if m.Text != want.Text || m.Command != want.Command || m.Payload != want.Payload || m.Button != want.Button ||
					fmt.Sprint(m.Contact) != fmt.Sprint(want.Contact) || fmt.Sprint(m.Location) != fmt.Sprint(want.Location) {
					t.Errorf("message %d = %+v, want %+v", i, m, want)
				}
			}
		})
	}
}

func TestRunStopsWithContext(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	ctx, cancel := context.WithCancel(context.Background())
	c := New(pr, io.Discard, bot.HandlerFunc(func(context.Context, bot.Message) {}), Options{})
	errc := make(chan error)
	go func() { errc <- c.Run(ctx) }()
	cancel()
	select {
	case err := <-errc:
		if err != nil {
			t.Errorf("Run = %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}

func TestUnhandledMessage(t *testing.T) {
	var n int
	c := New(strings.NewReader("a\nb\n"), io.Discard, bot.HandlerFunc(func(context.Context, bot.Message) { n++ }), Options{})
	c.wait = time.Millisecond
	if err := c.Run(context.Background()); err != nil || n != 2 {
		t.Errorf("Run = %v after %d messages", err, n)
	}
}

func TestSendAddress(t *testing.T) {
	c := New(strings.NewReader(""), io.Discard, bot.HandlerFunc(func(context.Context, bot.Message) {}), Options{})
	if err := c.Send(context.Background(), bot.Address{Channel: bot.Console, Chat: "local"}, []bot.Reply{{Text: "hi"}}); err != nil {
		t.Errorf("Send to the default address: %v", err)
	}
	if err := c.Send(context.Background(), bot.Address{Channel: bot.Web, Chat: "local"}, nil); err == nil {
		t.Error("Send to a web address: no error")
	}
}

var _ bot.Sender = (*Console)(nil)

func TestNoHintWithoutText(t *testing.T) {
	var out strings.Builder
	h := &shop{}
	h.con = New(strings.NewReader("phone?\n"), &out, h, Options{})
	if err := h.con.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if out.String() != "Your phone?\n" {
		t.Errorf("output = %q, want only the text", out.String())
	}
}
