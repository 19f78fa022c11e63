package shop

import "time"

// AuditEntry is one thing a member of staff did: who (their chat
// address), what (the command), to what (an order number, a SKU), and the
// value before and after. The values are language-neutral (status codes,
// words such as "hidden", amounts as Money.String writes them, then
// ": " and a note as written): /audit reads them in the reader's language
// (flows/admin_owner.go).
type AuditEntry struct {
	At     time.Time `json:"at"`
	By     string    `json:"by"`
	Action string    `json:"action"` // "status", "price", "backup", ...
	Target string    `json:"target,omitempty"`
	Before string    `json:"before,omitempty"`
	After  string    `json:"after,omitempty"`
}

// Override is a change to the catalog made from the chat, kept over the
// catalog's files (a reload never undoes it) until it is cleared. Item is
// a SKU or "SKU/variant".
type Override struct {
	Item   string    `json:"item"`
	Price  *Money    `json:"price,omitempty"`
	Stock  *int      `json:"stock,omitempty"` // the live stock was set to this
	Hidden bool      `json:"hidden,omitempty"`
	By     string    `json:"by,omitempty"`
	At     time.Time `json:"at"`
}

// Empty reports whether the override changes nothing.
func (o Override) Empty() bool { return o.Price == nil && o.Stock == nil && !o.Hidden }
