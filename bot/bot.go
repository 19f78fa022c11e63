// Package bot is the channel-neutral vocabulary of the shop's conversations,
// in the spirit of net/http: an Address says who, a Message is what a shopper
// sent, a Reply is what the shop answers, and a Handler takes messages.
// Adapters (bot/telegram, bot/webchat, bot/console, ...) translate their
// platform to and from these types. It imports only the standard library.
package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
)

// Channel names.
const (
	Telegram = "telegram"
	WhatsApp = "whatsapp"
	Web      = "web"
	Console  = "console"
)

// Address names one chat on one channel.
type Address struct {
	Channel string `json:"channel"`
	Chat    string `json:"chat"`
}

// String returns "channel:chat".
func (a Address) String() string { return a.Channel + ":" + a.Chat }

// ParseAddress reads "channel:chat".
func ParseAddress(s string) (Address, bool) {
	c, chat, ok := strings.Cut(s, ":")
	if !ok || c == "" || chat == "" {
		return Address{}, false
	}
	return Address{Channel: c, Chat: chat}, true
}

// Contact is a phone number the shopper shared.
type Contact struct {
	Phone string `json:"phone"`
	Name  string `json:"name,omitempty"`
	// Own is true when the platform vouches that the number is the sender's.
	Own bool `json:"own,omitempty"`
}

// Location is a point the shopper shared.
type Location struct {
	Lat float64 `json:"lat"`
	Lon float64 `json:"lon"`
}

// Message is one thing a shopper sent: text, a command, a button press, a
// contact or a location. Exactly one of Text, Command, Button, Contact,
// Location is meaningful.
type Message struct {
	From Address
	// ID is the platform's id of this update, used to drop duplicates;
	// empty when the platform has none.
	ID string
	// Name is the sender's display name, if the platform gives one.
	Name string
	// Lang is the platform's language hint ("en", "ru"), if any.
	Lang string
	// Zone is the shopper's time zone ("Europe/Moscow") when the platform
	// tells it (the web chat does: the browser's), a name the zone
	// database knows; campaigns keep quiet hours in it.
	Zone string

	Text string
	// Command is a slash command without the slash ("start"), with the rest
	// of the line in Payload (a deep-link source for /start).
	Command string
	Payload string
	// Button is the Data of the Choice pressed.
	Button   string
	Contact  *Contact
	Location *Location
	// Photo is set when the shopper sent an image (its platform file id).
	Photo string
	// Unsupported names what the shopper sent that the shop cannot read
	// ("voice", "sticker", "video", "document"); the message has nothing
	// else, and the shopper is told what the shop can read.
	Unsupported string
	// ReplyTo is the platform's id of the message this one answers (a
	// Telegram reply), and ReplyText that message's text: staff answer a
	// support card by replying to it. Empty when it answers nothing.
	ReplyTo   string
	ReplyText string

	// Done, if set, is called once the engine has handled the message and
	// emitted all its replies (used by synchronous channels such as the web
	// chat's API and the terminal chat).
	Done func()
}

// ParseText turns a line of text into a Message body: "/start src" becomes
// Command "start" and Payload "src"; anything else is Text.
func ParseText(s string) (command, payload, text string) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "/") && len(s) > 1 {
		cmd, rest, _ := strings.Cut(s[1:], " ")
		cmd, _, _ = strings.Cut(cmd, "@") // "/start@shopbot"
		return strings.ToLower(cmd), strings.TrimSpace(rest), ""
	}
	return "", "", s
}

// Choice is one button: Label is shown, Data comes back in Message.Button.
// Data is at most 64 bytes (Telegram's callback_data limit).
type Choice struct {
	Label string `json:"label"`
	Data  string `json:"data"`
}

// MaxChoiceData is the longest Choice.Data any channel accepts.
const MaxChoiceData = 64

// StaleChoice is the Data of a press on a menu the channel no longer knows
// (a WhatsApp poll sent before a restart): the engine says the button is
// from an earlier screen and shows the current one, as for an old
// Telegram button.
const StaleChoice = "|stale"

// Reply is one message from the shop. Text is plain text: adapters escape
// it for their markup.
type Reply struct {
	Text string `json:"text"`
	// Photo is a path (relative to the shop directory's images) or URL.
	Photo string `json:"photo,omitempty"`
	// PhotoPNG is a picture made for this reply (a QR code to pay with),
	// as PNG bytes; it is sent instead of Photo: uploaded to Telegram and
	// WhatsApp, served at a URL of its own by the web chat, written to a
	// file by the terminal chat.
	PhotoPNG []byte `json:"photo_png,omitempty"`
	// Invoice asks for a payment in the messenger's own payment form
	// (Telegram Payments). Channels without one never get it.
	Invoice *Invoice `json:"invoice,omitempty"`
	// Choices are rows of buttons.
	Choices [][]Choice `json:"choices,omitempty"`
	// Replace says this reply is the next screen of the same menu: channels
	// that can edit a message in place (Telegram) edit the last menu instead
	// of sending a new message.
	Replace bool `json:"replace,omitempty"`
	// AskContact and AskLocation ask the channel to offer its native
	// "share my phone" / "share my location" buttons, when it has them.
	AskContact  bool `json:"ask_contact,omitempty"`
	AskLocation bool `json:"ask_location,omitempty"`
	// Lang is the language of Text; channels use it for labels of their
	// own, such as a "share my phone" button.
	Lang string `json:"lang,omitempty"`
	// Notice is a short acknowledgement of a button press (Telegram shows it
	// as a toast); channels without toasts may ignore it.
	Notice string `json:"notice,omitempty"`
}

// Invoice is a payment form a messenger shows itself.
type Invoice struct {
	Title       string `json:"title"`       // 1-32 characters
	Description string `json:"description"` // 1-255 characters
	// Payload comes back with the payment (the order id); 1-128 bytes.
	Payload  string `json:"payload"`
	Currency string `json:"currency"` // ISO 4217, like "RUB"
	Amount   int64  `json:"amount"`   // in the currency's smallest unit (shop.Money.UnitAmount): yen for JPY
	Label    string `json:"label"`    // the price line's label
}

// Handler takes messages from an adapter. Handle must return quickly: it
// queues the message; replies come back through the channel's Sender.
type Handler interface {
	Handle(ctx context.Context, m Message)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, m Message)

// Handle calls f(ctx, m).
func (f HandlerFunc) Handle(ctx context.Context, m Message) { f(ctx, m) }

// Sender delivers replies to one channel.
type Sender interface {
	Send(ctx context.Context, to Address, replies []Reply) error
}

// Senders routes replies to the Sender of the address's channel.
type Senders map[string]Sender

// Send delivers replies through the sender registered for to.Channel.
func (s Senders) Send(ctx context.Context, to Address, replies []Reply) error {
	snd, ok := s[to.Channel]
	if !ok {
		return &NoChannelError{Channel: to.Channel}
	}
	return snd.Send(ctx, to, replies)
}

// NoChannelError is returned for an address whose channel has no sender.
type NoChannelError struct{ Channel string }

func (e *NoChannelError) Error() string { return "no sender for channel " + e.Channel }

// ErrRefused is wrapped by Deliver errors that are final for one chat: the
// shopper blocked the shop, the chat is gone, or the platform does not let
// the shop write first there. The next linked chat should be tried at once.
var ErrRefused = errors.New("the chat refuses messages from the shop")

// Deliverer is a Sender that can also deliver now: Deliver returns only when
// the platform accepted every reply, or with an error (wrapping ErrRefused
// when the chat will never take them). Channels whose Send queues in memory
// implement it, so a durable outbox knows what was delivered.
type Deliverer interface {
	Deliver(ctx context.Context, to Address, replies []Reply) error
}

// Queuer is a Deliverer that can queue a delivery and be waited on apart:
// Queue puts the replies in the chat's order at once, and wait returns as
// Deliver would. A caller that must keep a chat's order (the engine, in the
// customer's turn) queues, and waits after it let go, so a slow channel
// (WhatsApp sends a message every few seconds) holds up nobody else.
type Queuer interface {
	Queue(ctx context.Context, to Address, replies []Reply) (wait func(context.Context) error, err error)
}

// Queue queues replies through the sender of to.Channel (see Queuer); a
// sender that cannot queue delivers them at once, and wait returns what
// that gave.
func (s Senders) Queue(ctx context.Context, to Address, replies []Reply) (wait func(context.Context) error, err error) {
	if q, ok := s[to.Channel].(Queuer); ok {
		return q.Queue(ctx, to, replies)
	}
	return Finished(s.Deliver(ctx, to, replies)), nil
}

// Finished is the wait of a delivery that is over: it returns err.
func Finished(err error) func(context.Context) error {
	return func(context.Context) error { return err }
}

// DeliverQueued is Deliver made of Queue and its wait: what a Queuer's
// Deliver does.
func DeliverQueued(ctx context.Context, q Queuer, to Address, replies []Reply) error {
	wait, err := q.Queue(ctx, to, replies)
	if err != nil {
		return err
	}
	return wait(ctx)
}

// Deliver delivers replies through the sender of to.Channel and waits: with
// its Deliver when it has one, else with Send (whose return then means
// delivered).
func (s Senders) Deliver(ctx context.Context, to Address, replies []Reply) error {
	snd, ok := s[to.Channel]
	if !ok {
		return fmt.Errorf("%w: %w", ErrRefused, &NoChannelError{Channel: to.Channel})
	}
	if d, ok := snd.(Deliverer); ok {
		return d.Deliver(ctx, to, replies)
	}
	return snd.Send(ctx, to, replies)
}

type dispatchKey struct{}

// WithDispatch returns a context whose Deliver calls fn (once) right
// before the first request leaves for the platform. A durable outbox uses
// it to tell a send that never left the process (safe to repeat after a
// crash) from one that may have reached the platform.
func WithDispatch(ctx context.Context, fn func()) context.Context {
	var once sync.Once
	return context.WithValue(ctx, dispatchKey{}, func() { once.Do(fn) })
}

// DispatchFunc returns the function WithDispatch set on ctx, or nil.
// Channels that queue sends keep it with the queued request and call it
// right before making the request.
func DispatchFunc(ctx context.Context) func() {
	fn, _ := ctx.Value(dispatchKey{}).(func())
	return fn
}

// Editor is a channel that can post a message and later change it in place
// (Telegram edits it), as a progress message does. Post returns the
// message's id; "" says the channel cannot edit, and the caller should
// only post again when it has something final to say.
type Editor interface {
	Post(ctx context.Context, to Address, r Reply) (id string, err error)
	Edit(ctx context.Context, to Address, id string, r Reply) error
}
