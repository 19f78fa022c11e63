package flows

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"omnicart/bot"
	"omnicart/catalog"
	"omnicart/locales"
	"omnicart/shop"
)

// Action is Go code a state runs by name: on entry (do:) or on free input
// (input:). Run returns the event to fire next, or "" to stay and wait.
type Action struct {
	// Emits lists every event Run may return or put on a button; the loader
	// checks that each state using the action handles all of them.
	Emits []string
	// Fills lists the {placeholders} Run fills in the state's say text;
	// the loader refuses a text that needs one nothing fills.
	Fills []string
	// Role is the least role that may run it (staff actions); the zero
	// RoleShopper: anyone. A flow using it must have at least that role,
	// and the engine refuses it to anyone below.
	Role Role
	Run  func(c *Ctx) (string, error)
}

// forRole returns as with every action's Role set to r.
func forRole(r Role, as Actions) Actions {
	for name, a := range as {
		a.Role = r
		as[name] = a
	}
	return as
}

// Actions is a registry of actions by name.
type Actions map[string]Action

// Ctx is what an action sees of the conversation and the shop, and how it
// answers.
type Ctx struct {
	context.Context
	Msg      bot.Message
	Event    string // the event that led into the state
	Arg      string // that event's argument (a SKU, a page, an order id)
	Customer *shop.Customer
	Cart     *shop.Cart
	// Vars persist between messages for this customer.
	Vars map[string]string
	P    *locales.Printer
	Shop *Shop
	Now  time.Time
	Log  *slog.Logger
	// Role is the role of the chat the message came from (RoleShopper for
	// notices and outside events).
	Role Role

	events  Events
	eng     *Engine // for the staff's commands (staff.go)
	out     []bot.Reply
	args    []any
	text    string
	photo   string
	choices [][]bot.Choice
	ask     bot.Reply // AskContact / AskLocation flags
	dirty   bool      // customer changed
}

// Lang is the customer's language.
func (c *Ctx) Lang() string { return c.P.Lang() }

// Catalog is the catalog in force.
func (c *Ctx) Catalog() *catalog.Catalog { return c.Shop.Catalog }

// Say sends a separate message before the state's screen.
func (c *Ctx) Say(key string, args ...any) {
	c.out = append(c.out, bot.Reply{Text: c.P.T(key, args...)})
}

// SayText sends a separate, already rendered message.
func (c *Ctx) SayText(text string) { c.out = append(c.out, bot.Reply{Text: text}) }

// Args fills the placeholders of the state's say text.
func (c *Ctx) Args(args ...any) { c.args = append(c.args, args...) }

// Text replaces the state's say text with an already rendered one.
func (c *Ctx) Text(s string) { c.text = s }

// Photo shows a picture with the screen.
func (c *Ctx) Photo(path string) { c.photo = path }

// Row adds a row of buttons to the screen, before the state's own buttons.
func (c *Ctx) Row(choices ...bot.Choice) {
	if len(choices) > 0 {
		c.choices = append(c.choices, choices)
	}
}

// Button makes a button that fires event with arg.
func (c *Ctx) Button(label, event, arg string) bot.Choice {
	return bot.Choice{Label: label, Data: EncodeChoice(event, arg)}
}

// AskContact and AskLocation offer the channel's native sharing buttons.
func (c *Ctx) AskContact()  { c.ask.AskContact = true }
func (c *Ctx) AskLocation() { c.ask.AskLocation = true }

// Money formats an amount in the customer's language.
func (c *Ctx) Money(m shop.Money) string { return m.Format(c.Lang()) }

// Date formats a day in the shop's time zone and the customer's language
// (the layout is the locale's "time.date": "29 Nov 2026").
func (c *Ctx) Date(t time.Time) string { return t.In(c.Shop.zone()).Format(c.P.T("time.date")) }

// Time formats an instant in the shop's time zone, naming the zone (the
// layout is the locale's "time.datetime": "29 Nov 2026 14:05 MSK").
func (c *Ctx) Time(t time.Time) string { return t.In(c.Shop.zone()).Format(c.P.T("time.datetime")) }

// CustomerChanged marks the customer record to be saved.
func (c *Ctx) CustomerChanged() { c.dirty = true }

// Track logs an analytics event of the conversation (sku: the product it
// is about, if any). The events of orders (placed, paid, cancelled,
// refunded) are the store's: it logs them with each order's change.
func (c *Ctx) Track(typ shop.EventKind, sku string) {
	e := shop.Event{Time: c.Now, Customer: c.Customer.ID, Type: typ, Channel: c.Msg.From.Channel,
		Source: c.Customer.Source, SKU: sku}
	if err := c.events.LogEvent(c, e); err != nil {
		c.Log.Warn("log event", slog.Any("err", err))
	}
}

// goPrefix starts the event of a button that opens a flow or state from
// any screen.
const goPrefix = "go:"

// GoEvent is the event of a button that opens flow at its start from any
// screen: GoEvent("cart") is "go:cart". Notices use it for their buttons
// (shop.NoticeButton{Event: flows.GoEvent("orders")}).
func GoEvent(flow string) string { return goPrefix + flow }

// GoButton makes a button that opens flow at its start from any screen.
func GoButton(label, flow string) bot.Choice {
	return bot.Choice{Label: label, Data: EncodeChoice(GoEvent(flow), "")}
}

// EncodeChoice packs an event and its argument into button data:
// "event|arg". The result is at most bot.MaxChoiceData bytes; a longer arg is
// a programming error and is cut.
func EncodeChoice(event, arg string) string {
	s := event
	if arg != "" {
		s += "|" + arg
	}
	if len(s) > bot.MaxChoiceData {
		s = s[:bot.MaxChoiceData]
	}
	return s
}

// DecodeChoice unpacks button data made by EncodeChoice. ok is false for
// data that is not ours (forged or from another bot).
func DecodeChoice(data string) (event, arg string, ok bool) {
	if data == "" || len(data) > bot.MaxChoiceData {
		return "", "", false
	}
	event, arg, _ = strings.Cut(data, "|")
	if event == "" {
		return "", "", false
	}
	for _, r := range event {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '_' && r != ':' {
			return "", "", false
		}
	}
	return event, arg, true
}
