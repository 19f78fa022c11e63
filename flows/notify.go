package flows

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"

	"omnicart/bot"
	"omnicart/shop"
)

// ErrUnreachable is wrapped by Notify errors that are final: no chat of the
// customer takes messages from the shop (every one refused or is marked
// unreachable), the customer does not exist, or the notice cannot be
// rendered. Trying again will not help. It wraps bot.ErrRefused, which is
// how the outbox tells final from transient.
var ErrUnreachable = fmt.Errorf("flows: notice cannot be delivered to the customer: %w", bot.ErrRefused)

// Notify delivers notice n now, in the customer's turn: after the work
// queued before it and never in the middle of the customer's own message.
// It is rendered in the customer's language (Money arguments formatted in
// it, a Number argument named n picks the plural form; buttons fire their
// event in the conversation) and delivered to the chat the customer wrote
// from last, then to their other linked chats, skipping channels marked
// unreachable. A chat that refuses (an error wrapping bot.ErrRefused) marks
// its channel unreachable on the customer and the next chat is tried at
// once; any other error is returned as it is (transient: try again later).
// When no chat is left the error wraps ErrUnreachable. On success a
// shop.EventNotified is logged and the chat used is returned.
//
// The notice is queued in the chat's order in the customer's turn, and
// waited for after it: a slow channel (WhatsApp sends a message every few
// seconds) does not hold an engine worker, so a broadcast does not keep
// other shoppers waiting. Notify returns when the notice is delivered or
// failed; it returns early with an error, having sent nothing, when ctx
// ends or the engine stops before the customer's turn.
func (e *Engine) Notify(ctx context.Context, n shop.Notice) (bot.Address, error) {
	if err := n.Validate(); err != nil {
		return bot.Address{}, fmt.Errorf("%w: %w", ErrUnreachable, err)
	}
	if m, ok := e.store.(mergeFollower); ok { // linked into another since it was written: theirs, in their turn
		if into, merged, err := m.MergedInto(ctx, n.Customer); err == nil && merged {
			n.Customer = into
		}
	}
	var refused []bot.Address
	for {
		var to bot.Address
		var cust shop.Customer
		var wait func(context.Context) error
		err := e.call(ctx, n.Customer, func(ctx context.Context) error {
			var err error
			to, cust, wait, err = e.queueNotice(ctx, n, refused)
			return err
		})
		if err != nil {
			return bot.Address{}, err
		}
		err = wait(ctx)
		if errors.Is(err, bot.ErrRefused) {
			// Marked in the customer's turn, so a message of theirs being
			// handled does not save its older copy over the mark.
			why := err
			if err := e.call(ctx, n.Customer, func(ctx context.Context) error { return e.refused(ctx, n, cust, to, why) }); err != nil {
				return bot.Address{}, err
			}
			refused = append(refused, to)
			continue
		}
		if err != nil {
			return bot.Address{}, fmt.Errorf("notice %s: deliver on %s: %w", n.Key, to.Channel, err)
		}
		ev := shop.Event{Time: e.opt.Now(), Customer: cust.ID, Type: shop.EventNotified, Channel: to.Channel,
			Source: cust.Source, Campaign: n.Campaign, Notice: n.Key}
		if err := e.store.LogEvent(ctx, ev); err != nil {
			e.log.Warn("log event", slog.Any("err", err))
		}
		return to, nil
	}
}

// queueNotice renders n and queues it to the first chat of its customer
// that is neither unreachable nor in refused (a chat that refuses at once,
// as WhatsApp does one that never wrote first, is marked and skipped).
func (e *Engine) queueNotice(ctx context.Context, n shop.Notice, refused []bot.Address) (bot.Address, shop.Customer, func(context.Context) error, error) {
	cust, err := e.store.Customer(ctx, n.Customer)
	if errors.Is(err, shop.ErrNotFound) {
		return bot.Address{}, cust, nil, fmt.Errorf("notice %s: %w: %w", n.Key, ErrUnreachable, err)
	}
	if err != nil {
		return bot.Address{}, cust, nil, fmt.Errorf("notice %s: %w", n.Key, err)
	}
	reply, err := e.renderNotice(cust, n)
	if err != nil {
		return bot.Address{}, cust, nil, fmt.Errorf("notice %s: %w: %w", n.Key, ErrUnreachable, err)
	}
	for _, addr := range chatsOf(cust) {
		if slices.Contains(refused, addr) {
			continue
		}
		wait, err := e.queue(ctx, addr, []bot.Reply{reply})
		if errors.Is(err, bot.ErrRefused) {
			if err := e.refused(ctx, n, cust, addr, err); err != nil {
				return bot.Address{}, cust, nil, err
			}
			continue
		}
		if err != nil {
			return bot.Address{}, cust, nil, fmt.Errorf("notice %s: deliver on %s: %w", n.Key, addr.Channel, err)
		}
		return addr, cust, wait, nil
	}
	return bot.Address{}, cust, nil, fmt.Errorf("notice %s: %w", n.Key, ErrUnreachable)
}

// mergeFollower is a store that knows which customer a link merged
// another into (*store.DB).
type mergeFollower interface {
	MergedInto(ctx context.Context, id shop.CustomerID) (shop.CustomerID, bool, error)
}

// queue queues replies with the sender's Queue (bot.Queuer), or, for a
// sender that cannot queue, delivers them now.
func (e *Engine) queue(ctx context.Context, to bot.Address, replies []bot.Reply) (func(context.Context) error, error) {
	if q, ok := e.send.(bot.Queuer); ok {
		return q.Queue(ctx, to, replies)
	}
	return bot.Finished(nil), e.send.Deliver(ctx, to, replies)
}

// refused marks the channel of addr unreachable for cust: it refused n.
func (e *Engine) refused(ctx context.Context, n shop.Notice, cust shop.Customer, addr bot.Address, why error) error {
	e.log.Info("chat refuses notices", slog.String("customer", string(cust.ID)), slog.String("channel", addr.Channel), slog.Any("err", why))
	if err := e.store.SetReachable(ctx, addr.String(), false); err != nil {
		return fmt.Errorf("notice %s: mark %s unreachable: %w", n.Key, addr.Channel, err)
	}
	return nil
}

// chatsOf lists the chats to try for a notice: the one the customer wrote
// from last, then the other linked ones, but none on a channel marked
// unreachable.
func chatsOf(c shop.Customer) []bot.Address {
	order := slices.Clone(c.Channels)
	if i := slices.Index(order, c.LastAddress); i > 0 {
		order = append([]string{c.LastAddress}, slices.Delete(order, i, i+1)...)
	}
	var out []bot.Address
	for _, s := range order {
		addr, ok := bot.ParseAddress(s)
		if ok && !slices.Contains(c.Unreachable, addr.Channel) {
			out = append(out, addr)
		}
	}
	return out
}

// renderNotice renders n in the customer's language.
func (e *Engine) renderNotice(cust shop.Customer, n shop.Notice) (bot.Reply, error) {
	sh := e.shop.Load()
	if !sh.Texts.Has(n.Text) {
		return bot.Reply{}, fmt.Errorf("unknown text %q", n.Text)
	}
	lang := cust.Lang
	if lang == "" {
		lang = sh.Lang
	}
	p := sh.Texts.Printer(lang)
	lang = p.Lang()
	var args []any
	count, plural := int64(0), false
	for _, a := range n.Args {
		switch {
		case a.Money != nil:
			args = append(args, a.Name, a.Money.Format(lang))
		case a.Number != nil:
			args = append(args, a.Name, *a.Number)
			if a.Name == "n" {
				count, plural = *a.Number, true
			}
		default:
			args = append(args, a.Name, a.Text)
		}
	}
	r := bot.Reply{Text: p.T(n.Text, args...), Lang: lang, Photo: n.Photo}
	if plural {
		r.Text = p.N(n.Text, int(count), args...)
	}
	for _, b := range n.Buttons {
		r.Choices = append(r.Choices, []bot.Choice{{Label: p.T(b.Text), Data: EncodeChoice(b.Event, b.Arg)}})
	}
	return r, nil
}
