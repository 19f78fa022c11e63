// Package bottest holds test doubles for conversations: a Recorder that
// keeps what the shop sent, and a Chat that talks to a bot.Handler one line
// at a time and renders the exchange as a transcript.
package bottest

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"omnicart/bot"
)

// Recorder is a bot.Sender that keeps every reply by address.
type Recorder struct {
	mu      sync.Mutex
	replies map[bot.Address][]bot.Reply
}

// NewRecorder returns an empty Recorder.
func NewRecorder() *Recorder { return &Recorder{replies: map[bot.Address][]bot.Reply{}} }

// Send records replies.
func (r *Recorder) Send(_ context.Context, to bot.Address, replies []bot.Reply) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.replies[to] = append(r.replies[to], replies...)
	return nil
}

// Take returns and forgets the replies recorded for to.
func (r *Recorder) Take(to bot.Address) []bot.Reply {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.replies[to]
	delete(r.replies, to)
	return out
}

// Chat is one shopper talking to a handler, a line at a time.
type Chat struct {
	H    bot.Handler
	R    *Recorder
	Addr bot.Address
	Lang string
	Name string
	// Timeout bounds the wait for one message to be handled; default 10s.
	Timeout time.Duration

	last []bot.Choice // buttons of the latest reply that had any
	// late is closed when a message that timed out is handled; its
	// replies are dropped before the next message.
	late chan struct{}
}

// Send hands m to the handler, waits until it is handled, and returns the
// replies. The replies of an earlier message that timed out are dropped,
// not returned with the next one.
func (c *Chat) Send(m bot.Message) ([]bot.Reply, error) {
	if m.From == (bot.Address{}) {
		m.From = c.Addr
	}
	if m.Lang == "" {
		m.Lang = c.Lang
	}
	if m.Name == "" {
		m.Name = c.Name
	}
	timeout := c.Timeout
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	if c.late != nil {
		select {
		case <-c.late:
		case <-time.After(timeout):
		}
		c.late = nil
		c.R.Take(c.Addr)
	}
	handled := make(chan struct{})
	var once sync.Once
	m.Done = func() { once.Do(func() { close(handled) }) }
	c.H.Handle(context.Background(), m)
	select {
	case <-handled:
	case <-time.After(timeout):
		c.late = handled
		return nil, fmt.Errorf("message not handled within %s", timeout)
	}
	replies := c.R.Take(c.Addr)
	for _, r := range replies {
		if len(r.Choices) > 0 {
			c.last = nil
			for _, row := range r.Choices {
				c.last = append(c.last, row...)
			}
		}
	}
	return replies, nil
}

// Line sends one transcript input line: "[label]" or "[n]" presses a button
// of the latest menu (a number means the n-th button, even when a button is
// labelled with another number), "@contact +79991234567", "@location 55.75
// 37.61"; anything else is typed text (so "/start x" is a command).
func (c *Chat) Line(line string) ([]bot.Reply, error) {
	m, err := c.parse(line)
	if err != nil {
		return nil, err
	}
	return c.Send(m)
}

func (c *Chat) parse(line string) (bot.Message, error) {
	if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
		label := line[1 : len(line)-1]
		if strings.Trim(label, "0123456789") == "" {
			if n, err := strconv.Atoi(label); err == nil && n >= 1 && n <= len(c.last) {
				return bot.Message{Button: c.last[n-1].Data}, nil
			}
		}
		for _, ch := range c.last {
			if ch.Label == label {
				return bot.Message{Button: ch.Data}, nil
			}
		}
		return bot.Message{}, fmt.Errorf("no button %q on the latest menu", label)
	}
	if rest, ok := strings.CutPrefix(line, "@contact "); ok {
		return bot.Message{Contact: &bot.Contact{Phone: rest, Own: true}}, nil
	}
	if rest, ok := strings.CutPrefix(line, "@location "); ok {
		var loc bot.Location
		if _, err := fmt.Sscanf(rest, "%g %g", &loc.Lat, &loc.Lon); err != nil {
			return bot.Message{}, fmt.Errorf("@location wants two numbers: %w", err)
		}
		return bot.Message{Location: &loc}, nil
	}
	cmd, payload, text := bot.ParseText(line)
	return bot.Message{Command: cmd, Payload: payload, Text: text}, nil
}

// Render writes replies as transcript lines: "< text" (continuation lines
// indented), "< [photo path]", and buttons as "  [label]" one row a line.
func Render(replies []bot.Reply) string {
	var b strings.Builder
	for _, r := range replies {
		if r.Photo != "" {
			fmt.Fprintf(&b, "< [photo %s]\n", r.Photo)
		}
		for i, l := range strings.Split(r.Text, "\n") {
			if i == 0 {
				fmt.Fprintf(&b, "< %s\n", l)
			} else {
				fmt.Fprintf(&b, "<   %s\n", l)
			}
		}
		for _, row := range r.Choices {
			b.WriteString(" ")
			for _, ch := range row {
				fmt.Fprintf(&b, " [%s]", ch.Label)
			}
			b.WriteString("\n")
		}
		if r.AskContact {
			b.WriteString("  (share contact)\n")
		}
		if r.AskLocation {
			b.WriteString("  (share location)\n")
		}
	}
	return b.String()
}

// Transcript replays the "> " lines of script and returns the whole
// exchange: each input line followed by the rendered replies. Lines of
// script that do not start with "> " are ignored (they are the previous
// output), so a golden file is its own script.
func (c *Chat) Transcript(script string) (string, error) {
	var b strings.Builder
	for _, line := range strings.Split(script, "\n") {
		line = strings.TrimSuffix(line, "\r") // a script saved with Windows line ends
		in, ok := strings.CutPrefix(line, "> ")
		if !ok {
			if strings.HasPrefix(line, "#") {
				b.WriteString(line + "\n")
			}
			continue
		}
		b.WriteString("> " + in + "\n")
		replies, err := c.Line(in)
		if err != nil {
			return b.String(), fmt.Errorf("line %q: %w", in, err)
		}
		b.WriteString(Render(replies))
	}
	return b.String(), nil
}
