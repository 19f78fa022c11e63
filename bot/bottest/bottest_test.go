package bottest

import (
	"context"
	"testing"
	"time"

	"omnicart/bot"
)

// menu answers "menu" with buttons labelled 2, 1, Three and 12; a button
// press with the data pressed; "slow" late, after release is closed; other
// text with an echo.
type menu struct {
	rec     *Recorder
	release chan struct{}
}

func (h *menu) Handle(ctx context.Context, m bot.Message) {
	reply := func(rs ...bot.Reply) {
		h.rec.Send(ctx, m.From, rs)
		m.Done()
	}
	switch {
	case m.Text == "menu":
		reply(bot.Reply{Text: "Pick", Choices: [][]bot.Choice{
			{{Label: "2", Data: "first"}, {Label: "1", Data: "second"}},
			{{Label: "Three", Data: "third"}, {Label: "12", Data: "fourth"}},
		}})
	case m.Button != "":
		reply(bot.Reply{Text: "pressed " + m.Button})
	case m.Text == "slow":
		go func() {
			<-h.release
			reply(bot.Reply{Text: "late"})
		}()
	default:
		reply(bot.Reply{Text: "echo " + m.Text})
	}
}

func newChat() (*Chat, *menu) {
	h := &menu{rec: NewRecorder(), release: make(chan struct{})}
	return &Chat{H: h, R: h.rec, Addr: bot.Address{Channel: bot.Console, Chat: "t"}, Lang: "en"}, h
}

func TestButtons(t *testing.T) {
	tests := []struct {
		line, want string // want "" means an error
	}{
		{"[1]", "pressed first"}, // the first button, though another is labelled 1
		{"[2]", "pressed second"},
		{"[3]", "pressed third"},
		{"[Three]", "pressed third"},
		{"[12]", "pressed fourth"}, // no 12th button: the label
		{"[5]", ""},
		{"[Four]", ""},
		{"[]", ""},
	}
	for _, tt := range tests {
		c, _ := newChat()
		if _, err := c.Line("menu"); err != nil {
			t.Fatal(err)
		}
		rs, err := c.Line(tt.line)
		switch {
		case tt.want == "" && err == nil:
			t.Errorf("Line(%q) = %v, want an error", tt.line, rs)
		case tt.want != "" && (err != nil || len(rs) != 1 || rs[0].Text != tt.want):
			t.Errorf("Line(%q) = %v, %v; want %q", tt.line, rs, err, tt.want)
		}
	}
}

func TestTranscriptWindowsLineEnds(t *testing.T) {
	c, _ := newChat()
	got, err := c.Transcript("# a script\r\n> hello\r\n< old output\r\n> menu\r\n> [Three]\r\n")
	if err != nil {
		t.Fatal(err)
	}
	want := "# a script\n> hello\n< echo hello\n> menu\n< Pick\n  [2] [1]\n  [Three] [12]\n> [Three]\n< pressed third\n"
	if got != want {
		t.Errorf("transcript:\n%s\nwant:\n%s", got, want)
	}
}

func TestLateRepliesDropped(t *testing.T) {
	c, h := newChat()
	c.Timeout = 10 * time.Millisecond
	if _, err := c.Line("slow"); err == nil {
		t.Fatal("slow message: no timeout error")
	}
	close(h.release) // the late reply arrives after the timeout
	c.Timeout = 5 * time.Second
	rs, err := c.Line("next")
	if err != nil || len(rs) != 1 || rs[0].Text != "echo next" {
		t.Errorf("after a timeout: %v, %v; want only the echo", rs, err)
	}
}
