// Package payments is the payment model: a Provider takes money for an
// order. Real providers live in subpackages; Demo pays at once, offline.
package payments

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"omnicart/shop"
)

// Status is where a payment is.
type Status string

// Payment statuses.
const (
	Pending   Status = "pending"
	Succeeded Status = "succeeded"
	Canceled  Status = "canceled"
)

// Payment is one attempt to take money for an order.
type Payment struct {
	ID      string
	OrderID string
	Amount  shop.Money
	Status  Status
	// URL is where the shopper pays, for providers with a payment page.
	URL string
}

// Provider takes payments.
type Provider interface {
	// Name is the provider's short name ("demo", "yookassa").
	Name() string
	// Charge starts (or, for instant providers, completes) the payment of o.
	// It is idempotent per order: charging the same order twice returns the
	// same payment.
	Charge(ctx context.Context, o shop.Order) (Payment, error)
}

// Refunder is a provider that can give money back. Refund returns amount
// (at most what was paid) of payment id to the payer; key makes it
// idempotent (the same key refunds once). Providers that cannot refund
// (a bank transfer) do not implement it: such refunds are recorded as made
// by hand.
type Refunder interface {
	Refund(ctx context.Context, paymentID string, amount shop.Money, key string) error
}

// ErrDeclined is returned when the provider refuses the payment.
var ErrDeclined = errors.New("payment declined")

// Demo is the offline demo provider: every payment succeeds at once. It is
// what `make run` uses, so a purchase can be completed without accounts.
type Demo struct{}

// Name returns "demo".
func (Demo) Name() string { return "demo" }

// Charge pays o at once; the payment id is derived from the order id, so a
// repeated charge yields the same payment.
func (Demo) Charge(_ context.Context, o shop.Order) (Payment, error) {
	if o.ID == "" {
		return Payment{}, fmt.Errorf("demo charge: order has no id")
	}
	if o.Total.Minor <= 0 {
		return Payment{}, fmt.Errorf("demo charge %s: nothing to pay: %w", o.ID, ErrDeclined)
	}
	sum := sha256.Sum256([]byte("demo:" + o.ID))
	return Payment{ID: "demo_" + hex.EncodeToString(sum[:8]), OrderID: o.ID, Amount: o.Total, Status: Succeeded}, nil
}
