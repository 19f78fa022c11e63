package flows

import (
	"context"
	"fmt"
	"log/slog"
	"slices"

	"omnicart/bot"
	"omnicart/shop"
)

// Outside events: what the rest of the shop tells a conversation (a payment
// provider, an admin, a campaign timer, an operator). Flow files react to
// them with on: like to a button (on: {paid: done}); no action has to emit
// them, and no button can fire them.
const (
	// Paid: an order was paid; Arg is its id. Fire it after the order is
	// marked paid.
	Paid = "paid"
	// PaymentFailed: a payment was declined or abandoned; Arg is the order id.
	PaymentFailed = "payment_failed"
	// Expired: an unpaid order expired; Arg is the order id.
	Expired = "expired"
	// Shipped, Delivered, Cancelled: an admin moved an order; Arg is its id.
	Shipped   = "shipped"
	Delivered = "delivered"
	Cancelled = "cancelled"
	// Operator: a human operator took the conversation.
	Operator = "operator"
)

// outsideEvents is the vocabulary of outside events, sorted.
var outsideEvents = []string{Cancelled, Delivered, Expired, Operator, Paid, PaymentFailed, Shipped}

// OutsideEvents returns the names of the outside events, sorted.
func OutsideEvents() []string { return slices.Clone(outsideEvents) }

// IsOutside reports whether event is an outside event.
func IsOutside(event string) bool {
	_, ok := slices.BinarySearch(outsideEvents, event)
	return ok
}

// Outside is an event from outside the chat for one customer's
// conversation.
type Outside struct {
	Event string // one of the outside events (Paid, Shipped, ...)
	Arg   string // what it is about: an order id
	// Key, if set, names this occurrence: a second event with the same
	// key (a webhook delivered twice) changes nothing.
	Key string
}

// Fire delivers ev to customer id's conversation, in the customer's turn
// (never in the middle of their own message). When the state the
// conversation waits in reacts to ev.Event, it moves on: the states
// entered run their actions, the session is saved and the new screen is
// sent to the chat the customer wrote from last; moved is true. Otherwise
// (the conversation is elsewhere, the key was seen before) nothing changes
// and moved is false. Like Notify, Fire returns early with an error when
// ctx ends or the engine stops before its turn.
func (e *Engine) Fire(ctx context.Context, id shop.CustomerID, ev Outside) (moved bool, err error) {
	if !IsOutside(ev.Event) {
		return false, fmt.Errorf("fire %q: not an outside event (want one of %v)", ev.Event, outsideEvents)
	}
	err = e.call(ctx, id, func(ctx context.Context) error {
		var err error
		moved, err = e.fire(ctx, id, ev)
		return err
	})
	return moved, err
}

func (e *Engine) fire(ctx context.Context, id shop.CustomerID, ev Outside) (bool, error) {
	if ev.Key != "" {
		first, err := e.store.FirstSeen(ctx, "event:"+ev.Key)
		if err != nil {
			return false, fmt.Errorf("fire %s: %w", ev.Event, err)
		}
		if !first {
			return false, nil
		}
	}
	sh := e.shop.Load()
	t, err := e.load(ctx, id, "") // an outside event: its key was checked above
	if err != nil {
		return false, fmt.Errorf("fire %s: %w", ev.Event, err)
	}
	now := e.opt.Now()
	set := sh.Flows
	if e.stale(set, t.sess, now) {
		return false, nil
	}
	target, ok := set.states[t.sess.State].On[ev.Event]
	if !ok {
		return false, nil
	}
	to, _ := bot.ParseAddress(t.cust.LastAddress)
	c := e.newCtx(ctx, sh, t, bot.Message{From: to}, now)
	state, err := e.enter(c, set, t.sess.State, target, ev.Event, ev.Arg)
	if err != nil {
		return false, fmt.Errorf("fire %s: %w", ev.Event, err)
	}
	t.sess.State, t.sess.Updated = state, now
	if err := e.save(ctx, c, t, false); err != nil {
		return false, fmt.Errorf("fire %s: %w", ev.Event, err)
	}
	if len(c.out) > 0 && to.Channel != "" {
		if err := e.send.Send(ctx, to, c.out); err != nil {
			e.stats.Errors.Add(1)
			e.log.Warn("send replies", slog.String("channel", to.Channel), slog.String("event", ev.Event), slog.Any("err", err))
		}
	}
	return true, nil
}
