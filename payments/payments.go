// Package payments is the payment model: a Provider takes money for an
// order by one payment method. Real providers live in subpackages
// (payments/yookassa, payments/stripe, payments/qr, payments/tginvoice);
// Demo pays at once, offline. payments/settle turns a confirmed payment
// into a paid order.
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

// Method names, in the order the configuration may offer them.
const (
	MethodDemo     = "demo"
	MethodYooKassa = "yookassa"
	MethodSBP      = "sbp"
	MethodQR       = "qr"
	MethodTelegram = "telegram"
	MethodStripe   = "stripe"
)

// Methods are the payment methods this shop knows, in their documented
// order.
var Methods = []string{MethodDemo, MethodYooKassa, MethodSBP, MethodQR, MethodTelegram, MethodStripe}

// Payment is one attempt to take money for an order.
type Payment struct {
	ID      string
	OrderID string
	Amount  shop.Money
	Status  Status
	// Provider names who holds the payment ("yookassa" for the "sbp"
	// method too): shop.Order.Provider is set to it, refunds go back
	// through it.
	Provider string
	// URL is where the shopper pays, for providers with a payment page
	// (or the link behind a QR code).
	URL string
	// QR is a PNG picture for the shopper to scan with a bank app: an СБП
	// code or a bank-transfer code. With Transfer set, nothing confirms the
	// payment automatically: the shop checks its bank account.
	QR       []byte
	Transfer bool
	// Invoice asks the chat to show its own payment form (Telegram
	// Payments); the chat's payment updates confirm it.
	Invoice *Invoice
}

// Invoice is a payment form a messenger shows itself.
type Invoice struct {
	Title       string
	Description string
	// Payload comes back with the pre-checkout query and the successful
	// payment: the order id.
	Payload string
	Amount  shop.Money
}

// Provider takes payments by one method.
type Provider interface {
	// Name is the method's short name ("demo", "yookassa", "sbp"), as in
	// the configuration's payments.methods.
	Name() string
	// Charge starts (or, for instant providers, completes) the payment of o.
	// It is idempotent per order: charging the same order twice returns the
	// same payment.
	Charge(ctx context.Context, o shop.Order) (Payment, error)
	// Payment reads the true state of payment id from the provider (never
	// from a notification's body). Providers that cannot be asked (a bank
	// transfer, a Telegram invoice, whose confirmation is itself the
	// truth) return an error wrapping ErrNoStatus.
	Payment(ctx context.Context, id string) (Payment, error)
}

// Channels is an optional capability: a provider that works only in some
// chats (a Telegram invoice in Telegram) says which.
type Channels interface {
	// Channels returns the bot channels ("telegram") the method is offered
	// in.
	Channels() []string
}

// Offered reports whether p is offered in chats of channel.
func Offered(p Provider, channel string) bool {
	c, ok := p.(Channels)
	if !ok {
		return true
	}
	for _, ch := range c.Channels() {
		if ch == channel {
			return true
		}
	}
	return false
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

// ErrNoStatus is returned by Payment for providers that cannot be asked.
var ErrNoStatus = errors.New("the provider cannot be asked for a payment's status")

// ErrNotFound is returned by Payment for a payment the provider does not
// know.
var ErrNotFound = errors.New("payment not found")

// Demo is the offline demo provider: every payment succeeds at once. It is
// what `make run` uses, so a purchase can be completed without accounts.
type Demo struct{}

// Name returns "demo".
func (Demo) Name() string { return MethodDemo }

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
	return Payment{ID: "demo_" + hex.EncodeToString(sum[:8]), OrderID: o.ID, Amount: o.Total, Status: Succeeded, Provider: MethodDemo}, nil
}

// Payment returns ErrNoStatus: demo payments succeed when charged and are
// kept nowhere else.
func (Demo) Payment(_ context.Context, id string) (Payment, error) {
	return Payment{}, fmt.Errorf("demo payment %s: %w", id, ErrNoStatus)
}

// Refund gives a demo payment back: there is no money to move.
func (Demo) Refund(context.Context, string, shop.Money, string) error { return nil }

// IdempotencyKey is the key of one request about order for providers that
// take one (YooKassa's Idempotence-Key, Stripe's Idempotency-Key): the same
// order, method and amount give the same key, so a retried request never
// makes a second payment.
func IdempotencyKey(method string, o shop.Order) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "%s|%s|%d|%s", method, o.ID, o.Total.Minor, o.Total.Currency))
	return "omnicart-" + method + "-" + hex.EncodeToString(sum[:12])
}
