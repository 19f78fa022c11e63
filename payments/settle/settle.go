// Package settle turns a payment a provider confirmed into a paid order:
// the order is marked paid with its "paid" notice in one transaction, and
// the customer's conversation is told. It is what every provider's
// webhook (and Telegram's successful_payment) calls after it has read the
// payment's true state from the provider. A payment that does not match
// its order (unknown order, another amount or currency) changes nothing; a
// duplicate has its effect once; a payment for an order that expired in the
// meantime takes its stock again, or is refunded when the stock is gone.
package settle

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"omnicart/payments"
	"omnicart/shop"
)

// Orders is the persistence settle needs; *store.DB satisfies it.
type Orders interface {
	Order(ctx context.Context, id string) (shop.Order, error)
	// ChangeOrder changes an order and writes the notices fn returns in
	// the same transaction.
	ChangeOrder(ctx context.Context, id string, fn func(*shop.Order) ([]shop.Notice, error)) (shop.Order, error)
	// ReviveOrder takes the stock of a cancelled order again and applies
	// fn in one transaction, or returns a *shop.OutOfStockError.
	ReviveOrder(ctx context.Context, id string, fn func(*shop.Order) ([]shop.Notice, error)) (shop.Order, error)
}

// Options are what a Settler works with besides its orders.
type Options struct {
	// Refunders give money back, by provider name (shop.Order.Provider).
	Refunders map[string]payments.Refunder
	// Tell delivers an outside event (flows.Paid, flows.PaymentFailed) to
	// the customer's conversation; key names the occurrence so a repeated
	// call changes nothing. Nil: conversations are not told (the notice
	// still is).
	Tell   func(ctx context.Context, customer shop.CustomerID, event, orderID, key string) error
	Logger *slog.Logger
	// Now stamps the history of an order paid; default time.Now.
	Now func() time.Time
}

// Settler confirms payments.
type Settler struct {
	orders Orders
	opt    Options
	log    *slog.Logger
}

// New returns a Settler over orders.
func New(orders Orders, opt Options) *Settler {
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	return &Settler{orders: orders, opt: opt, log: opt.Logger}
}

// Payment is a payment as its provider reports it.
type Payment struct {
	Provider string // "yookassa", "stripe", "telegram", "qr"
	ID       string
	OrderID  string
	Amount   shop.Money
}

// Outcome is what a confirmation did.
type Outcome string

// Outcomes of Paid.
const (
	// Marked: the order is paid now.
	Marked Outcome = "paid"
	// Duplicate: the order was already paid by this payment; nothing changed.
	Duplicate Outcome = "duplicate"
	// Revived: the order had expired; its stock was taken again and it is paid.
	Revived Outcome = "revived"
	// Refunded: the order could not be paid (it expired and its stock is
	// gone, or it was paid by another payment): the money went back.
	Refunded Outcome = "refunded"
	// RefundByHand: as Refunded, but the provider cannot refund: the
	// shopper was told the shop will, and an error was logged.
	RefundByHand Outcome = "refund_by_hand"
)

// Errors for payments that must change nothing.
var (
	ErrUnknownOrder = errors.New("payment for an unknown order")
	ErrWrongAmount  = errors.New("payment amount differs from the order's total")
)

// errNotNew stops a ChangeOrder whose order stopped waiting for payment
// between the read and the write.
var errNotNew = errors.New("order no longer waits for payment")

// Paid settles a payment its provider confirmed: see the package comment.
// An unknown order or a wrong amount returns an error wrapping
// ErrUnknownOrder or ErrWrongAmount and changes nothing.
func (s *Settler) Paid(ctx context.Context, p Payment) (Outcome, error) {
	for range 3 { // the order may move between the read and the write
		out, err := s.paid(ctx, p)
		if errors.Is(err, errNotNew) {
			continue
		}
		return out, err
	}
	return "", fmt.Errorf("settle payment %s: order %s keeps changing", p.ID, p.OrderID)
}

func (s *Settler) paid(ctx context.Context, p Payment) (Outcome, error) {
	log := s.log.With(slog.String("provider", p.Provider), slog.String("payment", p.ID), slog.String("order", p.OrderID))
	if p.OrderID == "" || p.ID == "" {
		log.Warn("payment ignored: no order or payment id")
		return "", fmt.Errorf("settle payment %q: %w", p.ID, ErrUnknownOrder)
	}
	o, err := s.orders.Order(ctx, p.OrderID)
	if errors.Is(err, shop.ErrNotFound) {
		log.Warn("payment ignored: unknown order")
		return "", fmt.Errorf("settle payment %s: order %s: %w", p.ID, p.OrderID, ErrUnknownOrder)
	}
	if err != nil {
		return "", fmt.Errorf("settle payment %s: %w", p.ID, err)
	}
	if p.Amount.Minor != o.Total.Minor || !strings.EqualFold(p.Amount.Currency, o.Total.Currency) {
		log.Warn("payment ignored: wrong amount", slog.Int64("paid", p.Amount.Minor), slog.String("currency", p.Amount.Currency),
			slog.Int64("total", o.Total.Minor), slog.String("order_currency", o.Total.Currency))
		return "", fmt.Errorf("settle payment %s: %d %s for order %s of %d %s: %w", p.ID, p.Amount.Minor, p.Amount.Currency,
			o.ID, o.Total.Minor, o.Total.Currency, ErrWrongAmount)
	}
	switch o.Status {
	case shop.StatusNew:
		o, err = s.orders.ChangeOrder(ctx, o.ID, func(o *shop.Order) ([]shop.Notice, error) {
			if o.Status != shop.StatusNew {
				return nil, errNotNew
			}
			o.PaymentID, o.Provider = p.ID, p.Provider
			if err := o.Move(shop.StatusPaid, s.opt.Now()); err != nil {
				return nil, err
			}
			return []shop.Notice{paidNotice(*o, "payments.paid")}, nil
		})
		if err != nil {
			return "", fmt.Errorf("settle payment %s: %w", p.ID, err)
		}
		log.Info("order paid")
		s.tell(ctx, o, "paid", "paid/"+o.ID)
		return Marked, nil
	case shop.StatusCancelled:
		return s.afterExpiry(ctx, log, o, p)
	}
	if o.PaymentID == p.ID {
		log.Debug("payment already settled")
		return Duplicate, nil
	}
	// Paid twice (say by card and by СБП): give the second payment back.
	log.Warn("order paid by another payment: refunding this one", slog.String("kept", o.PaymentID))
	return s.refund(ctx, log, o, p, "payments.refunded_twice")
}

// afterExpiry handles a payment for an order cancelled meanwhile: an order
// that expired comes back if what it held is still there, else the money
// goes back; an order the staff cancelled stays cancelled and the money
// goes back.
func (s *Settler) afterExpiry(ctx context.Context, log *slog.Logger, o shop.Order, p Payment) (Outcome, error) {
	if o.PaymentID == p.ID {
		log.Debug("payment already refunded")
		return Duplicate, nil // refunded before: a cancelled order names the payment it gave back
	}
	if !o.Expired() {
		// Staff cancelled it (the shopper asked, the items are gone):
		// a payment still on its way does not undo that.
		last, _ := o.LastChange()
		log.Warn("payment for an order the staff cancelled: refunding", slog.String("by", last.By))
		return s.refund(ctx, log, o, p, "payments.refunded_cancelled")
	}
	revived, err := s.orders.ReviveOrder(ctx, o.ID, func(o *shop.Order) ([]shop.Notice, error) {
		// The one way back from cancelled: the status machine has no such
		// move, because only a payment after expiry may take it, here.
		o.PaymentID, o.Provider = p.ID, p.Provider
		o.Status = shop.StatusPaid
		o.History = append(o.History, shop.StatusChange{Status: shop.StatusPaid, At: s.opt.Now()})
		return []shop.Notice{paidNotice(*o, "payments.paid_after_expiry")}, nil
	})
	var short *shop.OutOfStockError
	switch {
	case errors.As(err, &short):
		log.Warn("payment after expiry: out of stock, refunding", slog.String("item", short.Item.Key()))
		return s.refund(ctx, log, o, p, "payments.refunded_expired")
	case shop.HeldGone(err):
		// Its window, code or points went to others meanwhile: paid as
		// placed, it would be had for less, or overbook the couriers.
		log.Warn("payment after expiry: what the order held is gone, refunding", slog.Any("err", err))
		return s.refund(ctx, log, o, p, "payments.refunded_expired_terms")
	case errors.Is(err, shop.ErrBadTransition):
		return "", errNotNew // no longer cancelled: read it again
	case err != nil:
		return "", fmt.Errorf("settle payment %s after expiry: %w", p.ID, err)
	}
	log.Info("order paid after it expired: stock taken again")
	s.tell(ctx, revived, "paid", "paid/"+revived.ID)
	return Revived, nil
}

// refund gives payment p back and tells the customer why, once per payment.
func (s *Settler) refund(ctx context.Context, log *slog.Logger, o shop.Order, p Payment, text string) (Outcome, error) {
	key := "refund/" + p.Provider + "/" + p.ID
	out := Refunded
	if r := s.opt.Refunders[p.Provider]; r != nil {
		if err := r.Refund(ctx, p.ID, p.Amount, key); err != nil {
			return "", fmt.Errorf("refund payment %s: %w", p.ID, err)
		}
		log.Info("payment refunded")
	} else {
		out, text = RefundByHand, "payments.refund_by_hand"
		log.Error("payment must be refunded by hand: the provider cannot refund")
	}
	n := shop.Notice{Key: "payment-refunded/" + p.Provider + "/" + p.ID, Customer: o.CustomerID, Kind: shop.NoticeService,
		Text: text, Args: []shop.NoticeArg{shop.NumberArg("number", o.Number), shop.MoneyArg("total", p.Amount)}}
	_, err := s.orders.ChangeOrder(ctx, o.ID, func(o *shop.Order) ([]shop.Notice, error) {
		if o.Status == shop.StatusCancelled && o.PaymentID == "" && !o.WasPaid() {
			// A duplicate of this payment is recognised. An order paid
			// before (by a bank transfer marked by hand too: no payment
			// id) keeps the payment it was paid with (a refund of it is
			// still to come); a duplicate of this one is refunded again
			// under the same key, which the provider takes once.
			o.PaymentID, o.Provider = p.ID, p.Provider
		}
		return []shop.Notice{n}, nil
	})
	if err != nil {
		return out, fmt.Errorf("refund notice for payment %s: %w", p.ID, err)
	}
	return out, nil
}

// Failed tells the conversation of an order still waiting for payment id
// that the payment was declined or abandoned, so the shopper can try
// again. Nothing else changes.
func (s *Settler) Failed(ctx context.Context, provider, paymentID, orderID string) error {
	o, err := s.orders.Order(ctx, orderID)
	if err != nil {
		s.log.Warn("failed payment ignored: unknown order", slog.String("provider", provider), slog.String("payment", paymentID))
		return fmt.Errorf("failed payment %s: order %s: %w", paymentID, orderID, ErrUnknownOrder)
	}
	if o.Status != shop.StatusNew {
		return nil // paid or cancelled meanwhile
	}
	s.tell(ctx, o, "payment_failed", "payment-failed/"+paymentID)
	return nil
}

func (s *Settler) tell(ctx context.Context, o shop.Order, event, key string) {
	if s.opt.Tell == nil {
		return
	}
	if err := s.opt.Tell(ctx, o.CustomerID, event, o.ID, key); err != nil {
		s.log.Warn("payment: conversation not told", slog.String("order", o.ID), slog.String("event", event), slog.Any("err", err))
	}
}

// paidNotice is the notice of o turning paid.
func paidNotice(o shop.Order, text string) shop.Notice {
	return shop.Notice{Key: fmt.Sprintf("order-paid/%d", o.Number), Customer: o.CustomerID, Kind: shop.NoticeService,
		Text: text, Args: []shop.NoticeArg{shop.NumberArg("number", o.Number), shop.MoneyArg("total", o.Total)}}
}
