package shop

import (
	"errors"
	"slices"
	"time"
)

// ReturnStatus is where a return request is: waiting for the staff, or
// decided.
type ReturnStatus string

// Return request statuses.
const (
	ReturnPending  ReturnStatus = "pending"  // waiting for an owner or a manager
	ReturnApproved ReturnStatus = "approved" // refunded, or an exchange order placed
	ReturnDeclined ReturnStatus = "declined"
)

// What the shopper wants back for the items they return.
const (
	WantRefund   = "refund"   // the money, through the payment provider or by hand
	WantExchange = "exchange" // the same items again, in a new order at no charge
)

// ReturnReasons are the reasons a shopper may pick, in the order shown;
// each is a locale key "returns.reason_<reason>".
var ReturnReasons = []string{"defective", "wrong_item", "not_as_described", "changed_mind", "other"}

// Return is a shopper's request to return items of a delivered order for
// a refund or an exchange.
type Return struct {
	N           int64      `json:"n"` // the request's number, from 1
	OrderID     string     `json:"order_id"`
	OrderNumber int64      `json:"order_number"`
	Customer    CustomerID `json:"customer"`
	// Lines are the order's lines returned (each whole).
	Lines  []Line `json:"lines"`
	Reason string `json:"reason"` // one of ReturnReasons
	Want   string `json:"want"`   // WantRefund or WantExchange
	// Comment is what the shopper typed, if anything.
	Comment string `json:"comment,omitempty"`
	// Photo is the platform's id of the picture the shopper sent, and
	// PhotoChannel the channel it came from (it means nothing elsewhere).
	Photo        string       `json:"photo,omitempty"`
	PhotoChannel string       `json:"photo_channel,omitempty"`
	Status       ReturnStatus `json:"status"`
	Created      time.Time    `json:"created"`
	// Decided, By and Note: when, by whom (a staff chat address) and why
	// (a declined request's reason) it was decided.
	Decided time.Time `json:"decided,omitzero"`
	By      string    `json:"by,omitempty"`
	Note    string    `json:"note,omitempty"`
	// Refund is the amount given back for an approved refund; Exchange the
	// number of the order placed for an approved exchange.
	Refund   Money `json:"refund,omitzero"`
	Exchange int64 `json:"exchange,omitempty"`
	// Value is what a refund of the lines gives back, as the shopper was
	// told when asking (earlier returns of the order counted); zero in
	// requests kept before it was.
	Value Money `json:"value,omitzero"`
}

// RefundValue is what approving r as a refund gives back of order o: the
// value the shopper was told, never more than is left to refund.
func (r *Return) RefundValue(o *Order) Money {
	v := r.Value
	if v.Minor == 0 {
		v = o.ReturnValue(r.Lines, nil)
	}
	return Money{Minor: max(0, min(v.Minor, o.RefundLeft().Minor)), Currency: o.Total.Currency}
}

// Errors of return requests.
var (
	ErrReturnOpen    = errors.New("a return request for this order is waiting already")
	ErrReturnDecided = errors.New("the return request is decided already")
)

// Delivered returns when o was delivered (or picked up), if it was.
func (o *Order) Delivered() (time.Time, bool) {
	for _, h := range slices.Backward(o.History) {
		if h.Status == StatusDelivered {
			return h.At, true
		}
	}
	if o.Status == StatusDelivered { // an order kept before its history was
		return o.UpdatedAt, true
	}
	return time.Time{}, false
}

// ReturnBy returns until when o may be returned, days after its delivery;
// ok is false when o is not delivered (not yet, or refunded since).
func (o *Order) ReturnBy(days int) (by time.Time, ok bool) {
	if o.Status != StatusDelivered {
		return time.Time{}, false
	}
	at, ok := o.Delivered()
	if !ok {
		return time.Time{}, false
	}
	return at.AddDate(0, 0, days), true
}

// Returnable reports whether o may be returned at now with a return window
// of days after delivery.
func (o *Order) Returnable(now time.Time, days int) bool {
	by, ok := o.ReturnBy(days)
	return ok && now.Before(by)
}

// RefundPart records a part of o's total given back: Refunded grows by
// amount, and the points go with the money, that share of those paid with
// coming back and of those earned going.
func (o *Order) RefundPart(amount Money) {
	if o.Total.Minor > 0 {
		share := func(n, back int64) int64 { return min(n, back+n*amount.Minor/o.Total.Minor) }
		o.PointsBack, o.EarnBack = share(o.Points, o.PointsBack), share(o.Earn, o.EarnBack)
	}
	o.GaveBack(amount)
}

// GaveBack records amount of o's total given back: Refunded grows by it.
func (o *Order) GaveBack(amount Money) {
	o.Refunded = Money{Minor: o.Refunded.Minor + amount.Minor, Currency: o.Total.Currency}
}

// ReturnRefund is what the refund of return request N gave back.
type ReturnRefund struct {
	N      int64 `json:"n"`
	Amount Money `json:"amount"`
}

// RefundedFor reports whether return request n was refunded already, and
// how much it gave back.
func (o *Order) RefundedFor(n int64) (Money, bool) {
	for _, r := range o.Returns {
		if r.N == n {
			return r.Amount, true
		}
	}
	return Money{}, false
}

// RefundLeft is what is left of o's total to give back.
func (o *Order) RefundLeft() Money {
	return Money{Minor: max(0, o.Total.Minor-o.Refunded.Minor), Currency: o.Total.Currency}
}

// RefundDue reports whether o was cancelled after it was paid and not all
// its money went back yet: the shop owes the rest (a refund records it;
// the order stays cancelled).
func (o *Order) RefundDue() bool {
	return o.Status == StatusCancelled && o.RefundLeft().Minor > 0 && o.WasPaid()
}

// ReturnValue is what returning lines of o gives back when the lines
// before were refunded by earlier returns: all that is left of the total
// (delivery included) when with them every line has come back, else the
// lines' share of what was paid for the items (after the discount and the
// points), never more than is left to refund.
func (o *Order) ReturnValue(lines, before []Line) Money {
	left := o.RefundLeft()
	var value, count int64
	for _, l := range lines {
		value += l.Price.Minor * int64(l.Qty)
		count += int64(l.Qty)
	}
	for _, l := range before {
		count += int64(l.Qty)
	}
	var all int64
	for _, l := range o.Lines {
		all += int64(l.Qty)
	}
	if count >= all {
		return left
	}
	items := o.Items().Minor
	paid := o.Total.Minor - o.DeliveryFee.Minor // what the items cost the shopper
	if items > 0 && paid < items {
		value = value * paid / items
	}
	return Money{Minor: max(0, min(value, left.Minor)), Currency: o.Total.Currency}
}
