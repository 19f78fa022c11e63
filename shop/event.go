package shop

import "time"

// EventKind names what happened in an Event.
type EventKind string

// Event kinds: what campaigns and analytics count.
const (
	EventStart    EventKind = "start"    // a /start, with its deep-link source
	EventViewed   EventKind = "view"     // a product card was shown (SKU)
	EventCarted   EventKind = "cart"     // an item was added to the cart (SKU)
	EventCheckout EventKind = "checkout" // checkout began
	EventPlaced   EventKind = "order"    // an order was placed (OrderID, Value: its total)
	EventPaid     EventKind = "paid"     // an order was paid (OrderID, Value: its total)
	EventCancel   EventKind = "cancel"   // an order was cancelled or expired (OrderID)
	EventRefund   EventKind = "refund"   // money of an order was given back (OrderID, Value: the part)
	EventLink     EventKind = "link"     // two chats were linked into one customer
	EventNotified EventKind = "notified" // a notice was delivered (Notice: its key, Campaign)
	EventOptOut   EventKind = "optout"   // the customer stopped offers (Campaign: the message they stopped from)
	EventOptIn    EventKind = "optin"    // the customer asked for offers again
)

// Event is one line of the analytics log: a shopper viewed, carted, checked
// out, paid, was notified...
type Event struct {
	Time     time.Time  `json:"time"`
	Customer CustomerID `json:"customer"`
	Type     EventKind  `json:"type"`
	Channel  string     `json:"channel,omitempty"`
	Source   string     `json:"source,omitempty"`
	SKU      string     `json:"sku,omitempty"`
	OrderID  string     `json:"order_id,omitempty"`
	// Value is the money the event is about (a cart line, an order).
	Value Money `json:"value,omitzero"`
	// Campaign names the campaign whose message led here, if any.
	Campaign string `json:"campaign,omitempty"`
	// Notice is the idempotency key of the notice an EventNotified is about.
	Notice string `json:"notice,omitempty"`
}
