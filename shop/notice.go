package shop

import (
	"errors"
	"time"
)

// NoticeKind says why the shop writes first: service messages (an order's
// status, an operator's answer) go to everyone who has an order or a
// conversation; marketing (reminders, offers, broadcasts) only to those who
// did not opt out, within caps and quiet hours.
type NoticeKind string

// Notice kinds.
const (
	NoticeService   NoticeKind = "service"
	NoticeMarketing NoticeKind = "marketing"
)

// Notice is a message the shop starts. It is stored in the durable outbox
// unrendered and rendered in the customer's language when it is sent.
type Notice struct {
	// Key is the idempotency key: what, for whom, which occasion
	// ("order-expired/1042"). A key is sent at most once, ever.
	Key      string     `json:"key"`
	Customer CustomerID `json:"customer"`
	Kind     NoticeKind `json:"kind"`
	// Text is a locale key; Args fill its {placeholders}.
	Text    string         `json:"text"`
	Args    []NoticeArg    `json:"args,omitempty"`
	Buttons []NoticeButton `json:"buttons,omitempty"`
	// Photo is a picture shown with the text: a link (https://...) or a
	// path among the shop's images.
	Photo string `json:"photo,omitempty"`
	// Campaign names the campaign that sent it, for attribution.
	Campaign string    `json:"campaign,omitempty"`
	Created  time.Time `json:"created"`
}

// NoticeArg is one placeholder value of a notice. Exactly one of Text,
// Number, Money is set; Money is formatted in the customer's language.
type NoticeArg struct {
	Name   string `json:"name"`
	Text   string `json:"text,omitempty"`
	Number *int64 `json:"number,omitempty"`
	Money  *Money `json:"money,omitempty"`
}

// NoticeButton is a button under a notice: Text is a locale key, Event and
// Arg what the button fires in the customer's conversation.
type NoticeButton struct {
	Text  string `json:"text"`
	Event string `json:"event"`
	Arg   string `json:"arg,omitempty"`
}

// TextArg, NumberArg and MoneyArg build notice arguments.
func TextArg(name, v string) NoticeArg { return NoticeArg{Name: name, Text: v} }

// NumberArg is a whole-number argument (also used for plural forms).
func NumberArg(name string, v int64) NoticeArg { return NoticeArg{Name: name, Number: &v} }

// MoneyArg is an amount, formatted in the customer's language.
func MoneyArg(name string, v Money) NoticeArg { return NoticeArg{Name: name, Money: &v} }

// Validate reports what makes a notice unusable.
func (n Notice) Validate() error {
	switch {
	case n.Key == "" || len(n.Key) > 200:
		return errors.New("notice: the idempotency key must be 1-200 bytes")
	case n.Customer == "":
		return errors.New("notice " + n.Key + ": no customer")
	case n.Text == "":
		return errors.New("notice " + n.Key + ": no text key")
	case n.Kind != NoticeService && n.Kind != NoticeMarketing:
		return errors.New("notice " + n.Key + ": kind must be service or marketing")
	}
	return nil
}

// PendingNotice is a notice waiting in the durable outbox.
type PendingNotice struct {
	// ID names the outbox entry (not the notice's Key).
	ID     string
	Notice Notice
	// Attempts counts the sends begun.
	Attempts  int
	LastError string
	// CutShort says a send began and its outcome was never recorded (the
	// process stopped mid-send); Dispatched that its request had left for
	// the platform by then, so it may have been delivered.
	CutShort   bool
	Dispatched bool
}

// Due is a customer due for something at a time (an index entry read by
// scheduled jobs, so they never scan every customer).
type Due struct {
	Customer CustomerID
	At       time.Time
}
