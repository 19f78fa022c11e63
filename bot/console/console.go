// Package console is the terminal chat behind `omnicart chat`: it reads the
// shopper's lines from an io.Reader, hands them to a bot.Handler and prints
// the shop's replies as plain text with numbered buttons.
//
// A reply prints as
//
//	[photo: images/eth-250.jpg]
//	Its text
//	[1] First button
//	[2] Second button
//
// with buttons numbered across the rows of that reply, then, when it asks
// for a phone number or a location, a hint about the lines below (see
// Options.Text). A line that is just a number n presses button n of the
// most recent reply that had buttons; a number of one to three digits that
// is not one of those buttons is not sent: the console says there is no
// such button (Options.Text "console.no_button"). "@contact +79991234567"
// shares a phone number and "@location 55.75 37.61" a location; any other
// line is sent as text (or a command: "/cart"). A blank line separates the
// bot's turns, and Options.Prompt shows where to type.
package console

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"omnicart/bot"
)

// doneWait is how long Run waits for a message to be handled.
const doneWait = 30 * time.Second

// Options configures a Console.
type Options struct {
	// Addr is the chat's address (default console:local).
	Addr bot.Address
	// Lang and Name are passed on in every Message.
	Lang string
	Name string
	// Start sends an empty message before reading input: the engine
	// answers it with the chat's current screen, so a returning owner
	// continues where they left off.
	Start bool
	// Text returns a text of the shop's locale files with its {placeholders}
	// filled from args (name, value pairs); when a reply asks for a contact
	// or a location, the console prints the hint Text(lang,
	// "console.share_contact") or "console.share_location" about the
	// @contact and @location lines, and for a number that is no button
	// Text(lang, "console.no_button", "n", n, "max", buttons). nil or ""
	// prints no hint (and a plain English line for the missing button).
	Text func(lang, key string, args ...any) string
	// Prompt, when set, is printed whenever the console waits for a line,
	// like "> ".
	Prompt string
	// ImageDir is where pictures made for replies (bot.Reply.PhotoPNG, a
	// QR code to pay with) are written as PNG files, printed as
	// [photo: PATH]. Empty: omnicart-chat in the system's temporary folder.
	ImageDir string
}

// Console is one terminal chat.
type Console struct {
	in   io.Reader
	out  io.Writer
	h    bot.Handler
	opt  Options
	wait time.Duration // tests shorten it

	mu       sync.Mutex
	buttons  []bot.Choice // of the most recent reply that had buttons
	printed  bool         // something was printed in the current turn
	gap      bool         // print a blank line before the next reply
	prompted bool         // the prompt is the last thing printed
}

// New returns a Console reading in, writing out and handing messages to h.
func New(in io.Reader, out io.Writer, h bot.Handler, opt Options) *Console {
	if opt.Addr.Channel == "" {
		opt.Addr.Channel = bot.Console
	}
	if opt.Addr.Chat == "" {
		opt.Addr.Chat = "local"
	}
	return &Console{in: in, out: out, h: h, opt: opt, wait: doneWait}
}

// Run reads lines until the end of input or of ctx, sending each and
// waiting for it to be handled before reading the next. It returns nil at
// the end of input or of ctx.
func (c *Console) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	lines := make(chan string)
	errc := make(chan error, 1)
	go func() {
		errc <- readLines(ctx, c.in, lines)
	}()

	if c.opt.Start {
		c.handle(ctx, bot.Message{})
	}
	for {
		c.prompt()
		select {
		case <-ctx.Done():
			return nil
		case err := <-errc:
			return err
		case line := <-lines:
			c.mu.Lock()
			c.prompted = false // the terminal echoed the line and its newline
			c.mu.Unlock()
			if line = strings.TrimSpace(line); line != "" {
				c.send(ctx, line)
			}
		}
	}
}

// prompt prints Options.Prompt unless it is already the last thing printed.
func (c *Console) prompt() {
	if c.opt.Prompt == "" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.prompted {
		io.WriteString(c.out, c.opt.Prompt)
		c.prompted = true
	}
}

// readLines sends each line of r to lines until the end of r or ctx.
func readLines(ctx context.Context, r io.Reader, lines chan<- string) error {
	br := bufio.NewReader(r)
	for {
		line, err := br.ReadString('\n')
		if line != "" {
			select {
			case lines <- line:
			case <-ctx.Done():
				return nil
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("console: read input: %w", err)
		}
	}
}

// send hands one line to the handler as a button press, a contact, a
// location or a message and waits until it is handled.
func (c *Console) send(ctx context.Context, line string) {
	var m bot.Message
	if n, max, ok := c.noButton(line); ok {
		c.say(c.text(c.opt.Lang, fmt.Sprintf("There is no button %d: type a number from 1 to %d, or a message.", n, max),
			"console.no_button", "n", n, "max", max))
		return
	}
	if data, ok := c.button(line); ok {
		m.Button = data
	} else if phone, ok := strings.CutPrefix(line, "@contact "); ok {
		m.Contact = &bot.Contact{Phone: strings.TrimSpace(phone), Own: true}
	} else if loc, ok := parseLocation(line); ok {
		m.Location = &loc
	} else {
		m.Command, m.Payload, m.Text = bot.ParseText(line)
	}
	c.handle(ctx, m)
}

// parseLocation reads "@location LAT LON".
func parseLocation(line string) (bot.Location, bool) {
	rest, ok := strings.CutPrefix(line, "@location ")
	if !ok {
		return bot.Location{}, false
	}
	f := strings.Fields(rest)
	if len(f) != 2 {
		return bot.Location{}, false
	}
	lat, err1 := strconv.ParseFloat(f[0], 64)
	lon, err2 := strconv.ParseFloat(f[1], 64)
	if err1 != nil || err2 != nil || math.Abs(lat) > 90 || math.Abs(lon) > 180 {
		return bot.Location{}, false
	}
	return bot.Location{Lat: lat, Lon: lon}, true
}

// handle hands m, from this console, to the handler and waits until it is
// handled.
func (c *Console) handle(ctx context.Context, m bot.Message) {
	done := make(chan struct{})
	var once sync.Once
	m.From, m.Lang, m.Name = c.opt.Addr, c.opt.Lang, c.opt.Name
	m.Done = func() { once.Do(func() { close(done) }) }
	c.h.Handle(ctx, m)

	timer := time.NewTimer(c.wait)
	defer timer.Stop()
	select {
	case <-done:
	case <-timer.C:
	case <-ctx.Done():
	}
	c.mu.Lock()
	c.gap = c.gap || c.printed
	c.printed = false
	c.mu.Unlock()
}

// button returns the data of the button a line that is just a number
// presses.
func (c *Console) button(line string) (string, bool) {
	if strings.Trim(line, "0123456789") != "" {
		return "", false
	}
	n, err := strconv.Atoi(line)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil || n < 1 || n > len(c.buttons) {
		return "", false
	}
	return c.buttons[n-1].Data, true
}

// noButton reports whether line is a number of one to three digits that
// is not one of the buttons of the most recent reply that had buttons (of
// which there are max). Longer numbers (a phone number, a code) are text.
func (c *Console) noButton(line string) (n, max int, ok bool) {
	if len(line) > 3 || strings.Trim(line, "0123456789") != "" {
		return 0, 0, false
	}
	n, _ = strconv.Atoi(line)
	c.mu.Lock()
	defer c.mu.Unlock()
	max = len(c.buttons)
	return n, max, max > 0 && (n < 1 || n > max)
}

// text returns Text(lang, key, args...), or def when there is none.
func (c *Console) text(lang, def, key string, args ...any) string {
	if c.opt.Text != nil {
		if s := c.opt.Text(lang, key, args...); s != "" && s != key {
			return s
		}
	}
	return def
}

// say prints a line of the console's own as one turn.
func (c *Console) say(s string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var b strings.Builder
	if c.gap {
		b.WriteString("\n")
	}
	b.WriteString(s + "\n")
	io.WriteString(c.out, b.String())
	c.gap, c.printed, c.prompted = true, false, false
}

// Send prints replies; it implements bot.Sender for the channel
// bot.Console.
func (c *Console) Send(_ context.Context, to bot.Address, replies []bot.Reply) error {
	if to != c.opt.Addr {
		return fmt.Errorf("console: send to %s: not this console (%s)", to, c.opt.Addr)
	}
	var b strings.Builder
	c.mu.Lock()
	defer c.mu.Unlock()
	reprompt := false
	for _, r := range replies {
		var choices []bot.Choice
		for _, row := range r.Choices {
			choices = append(choices, row...)
		}
		hints := c.hints(r)
		if len(r.PhotoPNG) > 0 {
			r.Photo = c.writeImage(r.PhotoPNG)
		}
		if r.Photo == "" && r.Text == "" && len(choices) == 0 && len(hints) == 0 {
			continue // a bare Notice
		}
		if c.prompted {
			// A message the shop started while the console waited: on a
			// line of its own, and the prompt again after it.
			b.WriteString("\n")
			c.prompted, c.gap, reprompt = false, false, true
		}
		if c.gap {
			b.WriteString("\n")
			c.gap = false
		}
		if r.Photo != "" {
			fmt.Fprintf(&b, "[photo: %s]\n", r.Photo)
		}
		if r.Text != "" {
			b.WriteString(strings.TrimRight(r.Text, "\n") + "\n")
		}
		for i, ch := range choices {
			fmt.Fprintf(&b, "[%d] %s\n", i+1, ch.Label)
		}
		for _, h := range hints {
			b.WriteString(h + "\n")
		}
		if len(choices) > 0 {
			c.buttons = choices
		}
		c.printed = true
	}
	if reprompt && c.opt.Prompt != "" {
		c.gap = true
		b.WriteString("\n" + c.opt.Prompt)
		c.prompted = true
	}
	if _, err := io.WriteString(c.out, b.String()); err != nil {
		return fmt.Errorf("console: write: %w", err)
	}
	return nil
}

// hints returns the texts that tell how to share what r asks for.
func (c *Console) hints(r bot.Reply) []string {
	if c.opt.Text == nil {
		return nil
	}
	var hs []string
	for _, k := range []struct {
		ask bool
		key string
	}{{r.AskContact, "console.share_contact"}, {r.AskLocation, "console.share_location"}} {
		if !k.ask {
			continue
		}
		lang := r.Lang
		if lang == "" {
			lang = c.opt.Lang
		}
		if h := c.opt.Text(lang, k.key); h != "" {
			hs = append(hs, h)
		}
	}
	return hs
}
