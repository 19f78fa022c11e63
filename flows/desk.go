package flows

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"omnicart/bot"
	"omnicart/locales"
	"omnicart/shop"
)

// The staff's desk: support conversations with a person, stats
// and broadcasts. Its flows (support.yaml, support_desk.yaml,
// stats.yaml, broadcast.yaml) run these actions; staff commands are in
// flows with a role, so nobody else sees them.

// Desk is what the desk needs besides the store; zero values pick
// defaults.
type Desk struct {
	// Staff lists the chats whose role is at least min (the config's
	// [admin] lists): operators get support cards, managers returns.
	Staff func(min Role) []bot.Address
	// Hours are when people answer; zero: always.
	Hours Hours
	// IdleAfter closes a support conversation nobody wrote in for so
	// long; default 2 hours.
	IdleAfter time.Duration
	// ReturnDays is how many days after delivery an order may be returned
	// or exchanged; default 14.
	ReturnDays int
	// Chart draws the /stats funnel as a PNG; nil: text only.
	Chart func(FunnelChart) ([]byte, error)
	// Marketing reports whether a customer may receive marketing (the
	// seam for opt-out and frequency caps); nil: everyone.
	Marketing func(shop.Customer) bool
	// Refund refunds an order through its payment provider (or records a
	// refund made by hand); nil: returns are approved without a refund.
	Refund func(ctx context.Context, o shop.Order, by string) error
	// Wake tells the outbox something was enqueued; nil: it polls.
	Wake func()
}

func (d Desk) idleAfter() time.Duration {
	if d.IdleAfter <= 0 {
		return 2 * time.Hour
	}
	return d.IdleAfter
}

func (d Desk) returnDays() int {
	if d.ReturnDays <= 0 {
		return 14
	}
	return d.ReturnDays
}

func (d Desk) staff(min Role) []bot.Address {
	if d.Staff == nil {
		return nil
	}
	return d.Staff(min)
}

// Support keeps support conversations.
type Support interface {
	OpenConversation(ctx context.Context, id shop.CustomerID) (shop.Conversation, bool, error)
	ActiveConversation(ctx context.Context, id shop.CustomerID) (shop.Conversation, bool, error)
	Conversation(ctx context.Context, n int64) (shop.Conversation, error)
	TakeConversation(ctx context.Context, n int64, operator, name string) (shop.Conversation, error)
	CloseConversation(ctx context.Context, n int64) (shop.Conversation, error)
	TouchConversation(ctx context.Context, n int64) error
	OpenConversations(ctx context.Context) ([]shop.Conversation, error)
	CloseIdleConversations(ctx context.Context, before time.Time) ([]shop.Conversation, error)
}

// MessageLog keeps the last messages of each customer for the operator's
// card.
type MessageLog interface {
	LogMessage(ctx context.Context, id shop.CustomerID, m shop.LoggedMessage) error
	Messages(ctx context.Context, id shop.CustomerID) ([]shop.LoggedMessage, error)
}

// Outbox takes notices to send: a key is sent once, ever.
type Outbox interface {
	Enqueue(ctx context.Context, notices ...shop.Notice) (int, error)
}

// Analytics reads the event log.
type Analytics interface {
	Events(ctx context.Context, since time.Time, fn func(shop.Event) bool) error
}

// Broadcasts keeps broadcasts and finds their audiences.
type Broadcasts interface {
	NewBroadcast(ctx context.Context, b shop.Broadcast) (shop.Broadcast, error)
	Broadcast(ctx context.Context, id int64) (shop.Broadcast, error)
	UpdateBroadcast(ctx context.Context, id int64, fn func(*shop.Broadcast) error) (shop.Broadcast, error)
	ActiveBroadcasts(ctx context.Context) ([]shop.Broadcast, error)
	Audience(ctx context.Context, a shop.Audience, may func(shop.Customer) bool) ([]shop.CustomerID, error)
	BroadcastProgress(ctx context.Context, id int64) (sent, failed, pending int, err error)
}

// DeskStore is what the desk's actions keep and read.
type DeskStore interface {
	Customers
	Carts
	Orders
	Support
	MessageLog
	Outbox
	Analytics
	Broadcasts
}

// desk is the desk's actions over their dependencies.
type desk struct {
	st  DeskStore
	opt Desk
}

// deskActions are the actions of the desk's flows.
func deskActions(st DeskStore, opt Desk) Actions {
	d := &desk{st: st, opt: opt}
	all := Actions{}
	for _, part := range []Actions{d.supportActions(), d.statsActions(), d.broadcastActions()} {
		for k, v := range part {
			all[k] = v
		}
	}
	return all
}

// enqueue writes notices to the outbox and wakes it.
func (d *desk) enqueue(ctx context.Context, notices ...shop.Notice) error {
	if len(notices) == 0 {
		return nil
	}
	if _, err := d.st.Enqueue(ctx, notices...); err != nil {
		return err
	}
	if d.opt.Wake != nil {
		d.opt.Wake()
	}
	return nil
}

// staffCustomers returns the customers of the staff chats with role at
// least min, but not skip.
func (d *desk) staffCustomers(ctx context.Context, min Role, skip shop.CustomerID) ([]shop.Customer, error) {
	var out []shop.Customer
	for _, addr := range d.opt.staff(min) {
		c, err := d.st.CustomerFor(ctx, addr.String())
		if err != nil {
			return nil, fmt.Errorf("staff %s: %w", addr.Channel, err)
		}
		if c.ID != skip {
			out = append(out, c)
		}
	}
	return out, nil
}

// supportRefs are the texts staff answer by replying to them: the
// shopper's card and the shopper's messages passed on.
var supportRefs = []string{"support.card", "support.from_shopper"}

// cardRef finds the conversation a staff reply answers: the number in a
// support card or a passed-on message replied to, read where the text (in
// any of the shop's languages) puts it. A reply to any other message, an
// order alert with its "#1001" say, is not an answer to a shopper.
func cardRef(texts *locales.Bundle, replied string) (string, bool) {
	if texts == nil {
		return "", false
	}
	for _, lang := range texts.Langs() {
		p := texts.Printer(lang)
		for _, key := range supportRefs {
			before, _, ok := strings.Cut(p.T(key), "{number}")
			if !ok || before == "" || strings.Contains(before, "{") {
				continue
			}
			rest, ok := strings.CutPrefix(replied, before)
			if !ok {
				continue
			}
			n := 0
			for n < len(rest) && n < 12 && rest[n] >= '0' && rest[n] <= '9' {
				n++
			}
			if n > 0 && (n == len(rest) || rest[n] < '0' || rest[n] > '9') {
				return rest[:n], true
			}
		}
	}
	return "", false
}

// intake runs before a message is routed: the shopper's text goes to
// their message log (for the operator's card), and a staff member's reply
// to a support card becomes "/reply N text".
func (e *Engine) intake(c *Ctx) {
	m := &c.Msg
	if m.ReplyText != "" && m.Text != "" && c.Role.AtLeast(RoleOperator) {
		if n, ok := cardRef(c.Shop.Texts, m.ReplyText); ok {
			m.Command, m.Payload, m.Text = "reply", n+" "+m.Text, ""
			return
		}
	}
	if m.Text == "" || c.Role.AtLeast(RoleOperator) {
		return
	}
	if ml, ok := e.store.(MessageLog); ok {
		err := ml.LogMessage(c, c.Customer.ID, shop.LoggedMessage{At: c.Now, From: shop.FromShopper, Channel: m.From.Channel, Text: m.Text})
		if err != nil {
			c.Log.Warn("log message", slog.Any("err", err))
		}
	}
}

// Hours are when people answer support: from Open to Close (time of day
// in the shop's zone) on Days.
type Hours struct {
	Open, Close time.Duration // since midnight
	Days        [7]bool       // by time.Weekday
	set         bool
}

// ParseHours reads "10:00-20:00" and day names ("mon", "tue", ...; none:
// every day). An empty spec is "always".
func ParseHours(spec string, days []string) (Hours, error) {
	var h Hours
	if strings.TrimSpace(spec) == "" {
		if len(days) == 0 {
			return h, nil // always
		}
		spec = "00:00-24:00" // all day, on those days
	}
	from, to, ok := strings.Cut(spec, "-")
	open, err1 := dayClock(from)
	end, err2 := dayClock(to)
	if !ok || err1 != nil || err2 != nil || end <= open {
		return h, fmt.Errorf("hours %q: want HH:MM-HH:MM, the end after the start", spec)
	}
	h.Open, h.Close, h.set = open, end, true
	names := []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}
	for _, d := range days {
		i := indexOf(names, strings.ToLower(strings.TrimSpace(d))[:min(3, len(strings.TrimSpace(d)))])
		if i < 0 {
			return h, fmt.Errorf("day %q: want mon, tue, wed, thu, fri, sat or sun", d)
		}
		h.Days[i] = true
	}
	if len(days) == 0 {
		for i := range h.Days {
			h.Days[i] = true
		}
	}
	return h, nil
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

func dayClock(s string) (time.Duration, error) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || hh < 0 || hh > 24 || mm < 0 || mm > 59 {
		return 0, fmt.Errorf("bad time %q", s)
	}
	return time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute, nil
}

// Next reports whether people answer at t (in zone) and, when not, when
// they next do.
func (h Hours) Next(t time.Time, zone *time.Location) (open bool, at time.Time) {
	if !h.set {
		return true, t
	}
	t = t.In(zone)
	for day := range 8 {
		d := t.AddDate(0, 0, day)
		midnight := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, zone)
		if !h.Days[midnight.Weekday()] {
			continue
		}
		start, end := midnight.Add(h.Open), midnight.Add(h.Close)
		if day == 0 && !t.Before(start) && t.Before(end) {
			return true, t
		}
		if start.After(t) {
			return false, start
		}
	}
	return true, t // no working day at all: do not promise a time
}
