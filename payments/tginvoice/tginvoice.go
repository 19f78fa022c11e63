// Package tginvoice is the Telegram Payments method "telegram": the order
// is paid in Telegram's own payment form (sendInvoice, with the provider
// token from @BotFather), offered in Telegram chats only. The Bot API calls
// live in bot/telegram, the one package that imports the Telegram library;
// Provider answers the payment updates it passes on (PreCheckout and
// SuccessfulPayment), which is the interface bot/telegram declares.
package tginvoice

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"omnicart/payments"
	"omnicart/payments/settle"
	"omnicart/shop"
)

// Orders reads orders and live stock; *store.DB satisfies it.
type Orders interface {
	Order(ctx context.Context, id string) (shop.Order, error)
}

// Settler settles a confirmed payment; *settle.Settler is one.
type Settler interface {
	Paid(ctx context.Context, p settle.Payment) (settle.Outcome, error)
}

// Provider is the "telegram" method.
type Provider struct {
	orders Orders
	settle Settler
}

// New returns the method; payments are checked against orders and
// settled by s.
func New(orders Orders, s Settler) *Provider { return &Provider{orders: orders, settle: s} }

// Name returns "telegram".
func (*Provider) Name() string { return payments.MethodTelegram }

// Channels returns "telegram": the invoice is Telegram's own form.
func (*Provider) Channels() []string { return []string{"telegram"} }

// Charge returns the invoice to send; the payment is made in the form.
func (*Provider) Charge(_ context.Context, o shop.Order) (payments.Payment, error) {
	if o.Total.Minor <= 0 {
		return payments.Payment{}, fmt.Errorf("telegram invoice %s: nothing to pay: %w", o.ID, payments.ErrDeclined)
	}
	return payments.Payment{OrderID: o.ID, Amount: o.Total, Status: payments.Pending, Provider: payments.MethodTelegram,
		Invoice: &payments.Invoice{Payload: o.ID, Amount: o.Total}}, nil
}

// Payment returns ErrNoStatus: Telegram tells of a payment once, in the
// successful_payment message, and cannot be asked later.
func (*Provider) Payment(_ context.Context, id string) (payments.Payment, error) {
	return payments.Payment{}, fmt.Errorf("telegram payment %s: %w", id, payments.ErrNoStatus)
}

// Refusals of a pre-checkout query: locale keys of the text Telegram shows.
const (
	RefuseGone    = "payments.precheckout_gone"
	RefuseChanged = "payments.precheckout_changed"
	RefuseStock   = "payments.precheckout_stock"
)

// PreCheckout checks a pre-checkout query before Telegram takes the money:
// the order (payload) must still wait for payment, for exactly this amount
// and currency; its stock was taken when it was placed and is held while
// it waits. It returns "" to accept, else the locale key of the reason.
// Telegram wants the answer within 10 seconds.
func (p *Provider) PreCheckout(ctx context.Context, payload, currency string, total int64) string {
	o, err := p.orders.Order(ctx, payload)
	switch {
	case errors.Is(err, shop.ErrNotFound):
		return RefuseGone
	case err != nil:
		return RefuseGone // cannot check now: do not take money blind
	case o.Status == shop.StatusCancelled:
		return RefuseGone
	case o.Status != shop.StatusNew:
		return RefuseGone // paid already
	case o.Total.Minor != total || !strings.EqualFold(o.Total.Currency, currency):
		return RefuseChanged
	}
	return ""
}

// SuccessfulPayment settles a successful_payment message: chargeID is
// Telegram's telegram_payment_charge_id. It arrives over the bot's own
// authenticated connection, so its amount is Telegram's word; it is still
// checked against the order by the settler.
func (p *Provider) SuccessfulPayment(ctx context.Context, payload, currency string, total int64, chargeID string) error {
	_, err := p.settle.Paid(ctx, settle.Payment{Provider: payments.MethodTelegram, ID: chargeID, OrderID: payload,
		Amount: shop.Money{Minor: total, Currency: strings.ToUpper(currency)}})
	return err
}

var _ payments.Provider = (*Provider)(nil)
