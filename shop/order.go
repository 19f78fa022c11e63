package shop

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// Status is where an order is in its life.
type Status string

// Order statuses. An order goes new → paid → packed → shipped (courier) or
// ready (pickup) → delivered; it may be cancelled until it leaves the shop
// and refunded once paid.
const (
	StatusNew       Status = "new"       // placed, waiting for payment
	StatusPaid      Status = "paid"      // paid, to be packed
	StatusPacked    Status = "packed"    // packed, waiting for the courier or the shelf
	StatusShipped   Status = "shipped"   // handed to the courier or the carrier
	StatusReady     Status = "ready"     // waiting at the pickup point
	StatusDelivered Status = "delivered" // received by the customer (or picked up)
	StatusCancelled Status = "cancelled"
	StatusRefunded  Status = "refunded"
)

// Statuses lists every status in the order of an order's life.
var Statuses = []Status{StatusNew, StatusPaid, StatusPacked, StatusShipped, StatusReady,
	StatusDelivered, StatusCancelled, StatusRefunded}

// ParseStatus reads a status name.
func ParseStatus(s string) (Status, bool) {
	for _, st := range Statuses {
		if string(st) == s {
			return st, true
		}
	}
	return "", false
}

// transitions are the moves an order may make. Packing may be skipped (a
// paid order may go straight to the courier or the shelf).
var transitions = map[Status][]Status{
	StatusNew:       {StatusPaid, StatusCancelled},
	StatusPaid:      {StatusPacked, StatusShipped, StatusReady, StatusCancelled, StatusRefunded},
	StatusPacked:    {StatusShipped, StatusReady, StatusCancelled, StatusRefunded},
	StatusShipped:   {StatusDelivered, StatusRefunded},
	StatusReady:     {StatusDelivered, StatusRefunded},
	StatusDelivered: {StatusRefunded},
}

// CanMove reports whether an order may go from s to to, whatever its
// delivery (see Order.CanMove).
func (s Status) CanMove(to Status) bool {
	return slices.Contains(transitions[s], to)
}

// Final reports whether nothing follows s.
func (s Status) Final() bool { return len(transitions[s]) == 0 }

// Why a status change is refused (TransitionError.Reason).
const (
	ReasonSame      = "same"      // the order is in that status already
	ReasonFinal     = "final"     // cancelled or refunded: nothing follows
	ReasonNotPaid   = "not_paid"  // packing, shipping or refunding an unpaid order
	ReasonPickup    = "pickup"    // shipping a pickup order (it becomes ready)
	ReasonCourier   = "courier"   // making a courier order ready for pickup
	ReasonLeft      = "left"      // cancelling an order that left the shop (refund it)
	ReasonNotLeft   = "not_left"  // delivering an order that has not left the shop
	ReasonBackwards = "backwards" // any other move back
)

// TransitionError is a refused status change and the reason, one of the
// Reason constants. It wraps ErrBadTransition.
type TransitionError struct {
	From, To Status
	Reason   string
}

func (e *TransitionError) Error() string {
	return fmt.Sprintf("%s → %s: %s", e.From, e.To, e.Reason)
}

// Unwrap makes errors.Is(err, ErrBadTransition) true.
func (e *TransitionError) Unwrap() error { return ErrBadTransition }

// check returns why o may not go to status to, or nil.
func (o *Order) check(to Status) error {
	from := o.Status
	reason := ""
	switch {
	case from == to:
		reason = ReasonSame
	case from.Final():
		reason = ReasonFinal
	case to == StatusShipped && o.Delivery.Method == DeliveryPickup:
		reason = ReasonPickup
	case to == StatusReady && o.Delivery.Method != DeliveryPickup:
		reason = ReasonCourier
	case from.CanMove(to):
		return nil
	case from == StatusNew:
		reason = ReasonNotPaid
	case to == StatusCancelled:
		reason = ReasonLeft
	case to == StatusDelivered:
		reason = ReasonNotLeft
	default:
		reason = ReasonBackwards
	}
	return &TransitionError{From: from, To: to, Reason: reason}
}

// CanMove reports whether o may go to status to now.
func (o *Order) CanMove(to Status) bool { return o.check(to) == nil }

// Next lists the statuses o may go to now, in the order of an order's life.
func (o *Order) Next() []Status {
	var out []Status
	for _, st := range Statuses {
		if o.CanMove(st) {
			out = append(out, st)
		}
	}
	return out
}

// StatusChange is one change of an order's status: when, to what, and who
// made it ("" for the shop itself: a payment provider, the unpaid-order
// expiry; else the chat address of the staff member).
type StatusChange struct {
	Status Status    `json:"status"`
	At     time.Time `json:"at"`
	By     string    `json:"by,omitempty"`
}

// Delivery methods.
const (
	DeliveryCourier = "courier"
	DeliveryPickup  = "pickup"
)

// Delivery says how the order reaches the customer.
type Delivery struct {
	Method  string `json:"method"`            // DeliveryCourier or DeliveryPickup
	Address string `json:"address,omitempty"` // courier address
	Point   string `json:"point,omitempty"`   // pickup point id
}

// Order is a placed order. Stock for its lines was taken when it was placed.
type Order struct {
	ID         string     `json:"id"`
	Number     int64      `json:"number"`
	CustomerID CustomerID `json:"customer_id"`
	Lines      []Line     `json:"lines"`
	Total      Money      `json:"total"`
	Name       string     `json:"name"`
	Phone      string     `json:"phone"`
	Delivery   Delivery   `json:"delivery"`
	Status     Status     `json:"status"`
	Channel    string     `json:"channel,omitempty"`
	PaymentID  string     `json:"payment_id,omitempty"`
	// Provider names the payment provider that took PaymentID ("demo",
	// "yookassa", "stripe", "telegram", "qr"): refunds go back through it.
	Provider string `json:"provider,omitempty"`
	// The lines of the total: Total (what the customer pays) = the lines'
	// sum − Discount − PointsValue() + DeliveryFee.
	Discount    Money  `json:"discount,omitzero"`
	Promo       *Promo `json:"promo,omitempty"`  // the promo code applied, its terms as they were
	Points      int64  `json:"points,omitempty"` // loyalty points paid with, PointValue each
	DeliveryFee Money  `json:"delivery_fee,omitzero"`
	Slot        *Slot  `json:"slot,omitempty"` // the courier window taken
	// Earn is the loyalty points the order credits once delivered.
	Earn int64 `json:"earn,omitempty"`
	// Tracking is the carrier's tracking number or the courier's phone,
	// given when the order was shipped.
	Tracking string `json:"tracking,omitempty"`
	// Refunded is how much was given back.
	Refunded Money `json:"refunded,omitzero"`
	// PointsBack and EarnBack are the shares of Points and Earn that part
	// refunds gave back and took back (RefundPart); the rest goes with a
	// cancellation or a refund in full.
	PointsBack int64 `json:"points_back,omitempty"`
	EarnBack   int64 `json:"earn_back,omitempty"`
	// Returns are the return requests refunded, with what each gave back
	// (recorded with the refund, so a request is never refunded twice).
	Returns []ReturnRefund `json:"returns,omitempty"`
	// History is every status change, oldest first (orders placed before
	// it was kept start with their current status).
	History   []StatusChange `json:"history,omitempty"`
	CreatedAt time.Time      `json:"created_at"`
	UpdatedAt time.Time      `json:"updated_at"`
}

// Move changes the order status if the transition is allowed, as the shop
// itself (a payment, the expiry); see Change.
func (o *Order) Move(to Status, now time.Time) error { return o.Change(to, now, "") }

// Change moves the order to status to, made by by (a staff chat address,
// "" for the shop itself), and records it in History. A move the order may
// not make is refused with a *TransitionError saying why.
func (o *Order) Change(to Status, now time.Time, by string) error {
	if err := o.check(to); err != nil {
		return fmt.Errorf("order %d: %w", o.Number, err)
	}
	if len(o.History) == 0 && !o.CreatedAt.IsZero() {
		o.History = append(o.History, StatusChange{Status: StatusNew, At: o.CreatedAt})
	}
	o.Status = to
	o.UpdatedAt = now
	o.History = append(o.History, StatusChange{Status: to, At: now, By: by})
	return nil
}

// Clone returns a copy of o that changes nothing of o (to try a move).
func (o Order) Clone() *Order {
	o.Lines = slices.Clone(o.Lines)
	o.History = slices.Clone(o.History)
	o.Returns = slices.Clone(o.Returns)
	return &o
}

// LastChange is the latest status change, if any.
func (o *Order) LastChange() (StatusChange, bool) {
	if len(o.History) == 0 {
		return StatusChange{}, false
	}
	return o.History[len(o.History)-1], true
}

// Errors with a meaning for the shopper. Callers match them with errors.Is
// and turn them into locale texts at the edge.
var (
	ErrNotFound      = errors.New("not found")
	ErrBadTransition = errors.New("status change not allowed")
	ErrEmptyCart     = errors.New("cart is empty")
)

// HeldGone reports whether err says that what an order held is no longer
// there to take again: its stock (a *OutOfStockError), a place in its
// delivery window (ErrSlotFull), a use of its promo code (a *PromoError)
// or the points it paid with (ErrNotEnoughPoints). Reviving an expired
// order fails so.
func HeldGone(err error) bool {
	var short *OutOfStockError
	var promo *PromoError
	return errors.As(err, &short) || errors.As(err, &promo) || errors.Is(err, ErrSlotFull) || errors.Is(err, ErrNotEnoughPoints)
}

// Expired reports whether o was cancelled by the shop itself, for not
// being paid in time (staff cancellations name who made them).
func (o *Order) Expired() bool {
	last, _ := o.LastChange()
	return o.Status == StatusCancelled && last.By == ""
}

// WasPaid reports whether o was ever paid (a paid order cancelled since
// still owes its payment back).
func (o *Order) WasPaid() bool {
	return slices.ContainsFunc(o.History, func(h StatusChange) bool { return h.Status == StatusPaid })
}

// OutOfStockError says which item ran short and how many are left.
type OutOfStockError struct {
	Item Item
	Left int
}

func (e *OutOfStockError) Error() string {
	return fmt.Sprintf("out of stock: %s (%d left)", e.Item.Key(), e.Left)
}
