package shop

import (
	"errors"
	"fmt"
	"time"
)

// Status is where an order is in its life.
type Status string

// Order statuses.
const (
	StatusNew       Status = "new"       // placed, waiting for payment
	StatusPaid      Status = "paid"      // paid, to be packed
	StatusShipped   Status = "shipped"   // handed to the courier or ready at the pickup point
	StatusDelivered Status = "delivered" // received by the customer
	StatusCancelled Status = "cancelled"
)

var transitions = map[Status][]Status{
	StatusNew:     {StatusPaid, StatusCancelled},
	StatusPaid:    {StatusShipped, StatusCancelled},
	StatusShipped: {StatusDelivered},
}

// CanMove reports whether an order may go from s to to.
func (s Status) CanMove(to Status) bool {
	for _, t := range transitions[s] {
		if t == to {
			return true
		}
	}
	return false
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
	Earn      int64     `json:"earn,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Move changes the order status if the transition is allowed.
func (o *Order) Move(to Status, now time.Time) error {
	if !o.Status.CanMove(to) {
		return fmt.Errorf("order %s: %s → %s: %w", o.ID, o.Status, to, ErrBadTransition)
	}
	o.Status = to
	o.UpdatedAt = now
	return nil
}

// Errors with a meaning for the shopper. Callers match them with errors.Is
// and turn them into locale texts at the edge.
var (
	ErrNotFound      = errors.New("not found")
	ErrBadTransition = errors.New("status change not allowed")
	ErrEmptyCart     = errors.New("cart is empty")
)

// OutOfStockError says which item ran short and how many are left.
type OutOfStockError struct {
	Item Item
	Left int
}

func (e *OutOfStockError) Error() string {
	return fmt.Sprintf("out of stock: %s (%d left)", e.Item.Key(), e.Left)
}
