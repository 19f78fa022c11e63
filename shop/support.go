package shop

import (
	"errors"
	"time"
)

// Support: a shopper asked for a person; staff answer from their own chats.

// ConversationStatus is where a support conversation is.
type ConversationStatus string

// Conversation statuses.
const (
	ConversationWaiting ConversationStatus = "waiting" // in the queue, no operator yet
	ConversationTaken   ConversationStatus = "taken"   // an operator answers
	ConversationClosed  ConversationStatus = "closed"  // handed back to the bot
)

// Conversation is one request of a shopper for a person, numbered for the
// staff ("#12").
type Conversation struct {
	N        int64              `json:"n"`
	Customer CustomerID         `json:"customer"`
	Status   ConversationStatus `json:"status"`
	// Operator is the chat address of the operator who took it
	// ("telegram:42"), OperatorName their display name.
	Operator     string    `json:"operator,omitempty"`
	OperatorName string    `json:"operator_name,omitempty"`
	Opened       time.Time `json:"opened"`
	Taken        time.Time `json:"taken,omitzero"`
	Closed       time.Time `json:"closed,omitzero"`
	// Updated is the last message of either side: an idle conversation is
	// closed after a timeout.
	Updated time.Time `json:"updated"`
}

// Open reports whether the conversation still waits or is being answered.
func (c Conversation) Open() bool { return c.Status != ConversationClosed }

// ErrTaken: another operator took the conversation first.
var ErrTaken = errors.New("taken by another operator")

// ErrClosed: the conversation was closed.
var ErrClosed = errors.New("conversation closed")

// Who wrote a logged message.
const (
	FromShopper  = "shopper"
	FromOperator = "operator"
)

// LoggedMessage is one line of the short per-customer message log that
// operators see on the shopper's card.
type LoggedMessage struct {
	At      time.Time `json:"at"`
	From    string    `json:"from"` // FromShopper or FromOperator
	Channel string    `json:"channel,omitempty"`
	Text    string    `json:"text"`
}
