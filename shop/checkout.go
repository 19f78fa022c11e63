package shop

import "errors"

// What a checkout adds to an order besides its lines: a courier window,
// loyalty points. Promo codes are in promo.go.

// Slot is a courier delivery window on one day.
type Slot struct {
	Day  string `json:"day"`  // "2026-11-21", in the shop's time zone
	From string `json:"from"` // "10:00"
	To   string `json:"to"`   // "14:00"
	// Capacity is how many orders the window takes, as configured when
	// the order was placed; 0: no limit.
	Capacity int `json:"capacity,omitempty"`
}

// Key names the window: "2026-11-21/10:00-14:00".
func (s Slot) Key() string { return s.Day + "/" + s.From + "-" + s.To }

// PointValue is what one loyalty point pays, in minor units (one rouble,
// one euro).
const PointValue = 100

// Loyalty is the shop's loyalty programme: EarnPercent of what a delivered
// order paid (its items after the discount and the points, not the
// delivery) is credited as points; up to MaxSharePercent of an order's
// items may be paid with points. Zero values turn either off.
type Loyalty struct {
	EarnPercent     int
	MaxSharePercent int
}

// Earn is the points an order whose items cost paid earns.
func (l Loyalty) Earn(paid Money) int64 {
	if l.EarnPercent <= 0 || paid.Minor <= 0 {
		return 0
	}
	return paid.Minor * int64(l.EarnPercent) / 100 / PointValue
}

// MaxPoints is the most points that may pay for items costing items, for
// a customer holding balance.
func (l Loyalty) MaxPoints(items Money, balance int64) int64 {
	if l.MaxSharePercent <= 0 || items.Minor <= 0 || balance <= 0 {
		return 0
	}
	return min(items.Minor*int64(min(l.MaxSharePercent, 100))/100/PointValue, balance)
}

// Items is the sum of the order's lines, before discount and delivery.
func (o Order) Items() Money { return Cart{Lines: o.Lines}.Total() }

// PointsValue is what the points the order was paid with are worth.
func (o Order) PointsValue() Money {
	return Money{Minor: o.Points * PointValue, Currency: o.Total.Currency}
}

// Errors of placing an order with limited things.
var (
	ErrSlotFull        = errors.New("the delivery window is full")
	ErrNotEnoughPoints = errors.New("not enough loyalty points")
)
