// Package tginvoice is the Telegram Payments method "telegram": the order
// is paid in Telegram's own payment form (sendInvoice, with the provider
// token from @BotFather), offered in Telegram chats only. The Bot API calls
// live in bot/telegram, the one package that imports the Telegram library;
// Provider answers the payment updates it passes on (PreCheckout and
// SuccessfulPayment), which is the interface bot/telegram declares.
package tginvoice

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"omnicart/payments"
	"omnicart/payments/settle"
	"omnicart/shop"
)

// Orders reads orders and keeps the payments still to settle;
// *store.DB satisfies it.
type Orders interface {
	Order(ctx context.Context, id string) (shop.Order, error)
	// Keep stores data under id, synced; Drop removes it; Kept lists
	// what is kept under a prefix (store/inbox.go).
	Keep(ctx context.Context, id string, data []byte) error
	Drop(ctx context.Context, id string) error
	Kept(ctx context.Context, prefix string, fn func(id string, data []byte) bool) error
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
	if _, err := o.Total.UnitAmount(); err != nil {
		return payments.Payment{}, fmt.Errorf("telegram invoice %s: %v: %w", o.ID, err, payments.ErrDeclined)
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
	case shop.ProviderMoney(total, currency) != shop.Money{Minor: o.Total.Minor, Currency: strings.ToUpper(o.Total.Currency)}:
		return RefuseChanged
	}
	return ""
}

// SuccessfulPayment settles a successful_payment message: chargeID is
// Telegram's telegram_payment_charge_id. It arrives over the bot's own
// authenticated connection, so its amount is Telegram's word; it is still
// checked against the order by the settler.
//
// Telegram sends a successful payment once: it is kept (synced) before it
// is settled and dropped once settled, so a crash or a store error in
// between leaves it for SettleKept.
func (p *Provider) SuccessfulPayment(ctx context.Context, payload, currency string, total int64, chargeID string) error {
	settle, err := p.KeepPayment(ctx, payload, currency, total, chargeID)
	if err != nil {
		return err
	}
	return settle(ctx)
}

// KeepPayment is SuccessfulPayment in two steps: the payment is kept
// (synced) when it returns, and settle settles it. The update loop keeps
// it and settles it apart, holding up no other update.
func (p *Provider) KeepPayment(ctx context.Context, payload, currency string, total int64, chargeID string) (settle func(context.Context) error, err error) {
	pay := settlePayment(payload, currency, total, chargeID)
	data, err := json.Marshal(pay)
	if err != nil {
		return nil, err
	}
	id := keptPrefix + chargeID
	if err := p.orders.Keep(ctx, id, data); err != nil {
		return nil, fmt.Errorf("telegram payment %s: %w", chargeID, err)
	}
	return func(ctx context.Context) error { return p.settleKept(ctx, id, pay) }, nil
}

func settlePayment(payload, currency string, total int64, chargeID string) settle.Payment {
	return settle.Payment{Provider: payments.MethodTelegram, ID: chargeID, OrderID: payload,
		Amount: shop.ProviderMoney(total, currency)} // Telegram counts yen as yen
}

// keptPrefix names the kept Telegram payments.
const keptPrefix = "tg-payment/"

// settleKept settles a kept payment and drops it once settled, or once
// settling it can never succeed (an unknown order, a wrong amount: the
// settler logged it for the staff).
func (p *Provider) settleKept(ctx context.Context, id string, pay settle.Payment) error {
	_, err := p.settle.Paid(ctx, pay)
	if err != nil && !errors.Is(err, settle.ErrUnknownOrder) && !errors.Is(err, settle.ErrWrongAmount) {
		return err // kept: SettleKept tries again
	}
	if derr := p.orders.Drop(ctx, id); derr != nil {
		return errors.Join(err, derr)
	}
	return err
}

// SettleKept settles the Telegram payments kept but not settled (the shop
// stopped, or the store failed, in between) and returns how many it
// settled; the ones that still fail stay kept for the next call.
func (p *Provider) SettleKept(ctx context.Context) (int, error) {
	n := 0
	var errs []error
	err := p.orders.Kept(ctx, keptPrefix, func(id string, data []byte) bool {
		var pay settle.Payment
		if err := json.Unmarshal(data, &pay); err != nil {
			errs = append(errs, fmt.Errorf("kept %s: %w", id, err))
			return true
		}
		if err := p.settleKept(ctx, id, pay); err != nil {
			errs = append(errs, err)
			return ctx.Err() == nil
		}
		n++
		return true
	})
	return n, errors.Join(append(errs, err)...)
}

var _ payments.Provider = (*Provider)(nil)
