package flows

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"omnicart/bot"
	"omnicart/shop"
)

// ErrUnreachable is returned by Notify when no channel of the customer
// takes the message.
var ErrUnreachable = errors.New("customer unreachable on every channel")

// Notify sends replies the shop starts (order updates, campaign messages)
// to the customer: to the chat they wrote from last, or, when that channel
// is blocked or refuses, to their other linked chats in turn. It returns the
// address used.
func (e *Engine) Notify(ctx context.Context, id shop.CustomerID, replies []bot.Reply) (bot.Address, error) {
	c, err := e.store.Customer(ctx, id)
	if err != nil {
		return bot.Address{}, fmt.Errorf("notify: %w", err)
	}
	order := slices.Clone(c.Channels)
	if i := slices.Index(order, c.LastAddress); i > 0 {
		order = append([]string{c.LastAddress}, slices.Delete(order, i, i+1)...)
	}
	lang := c.Lang
	if lang == "" {
		lang = e.shop.Load().Lang
	}
	for i := range replies {
		if replies[i].Lang == "" {
			replies[i].Lang = lang
		}
	}
	var errs []error
	for _, s := range order {
		addr, ok := bot.ParseAddress(s)
		if !ok || slices.Contains(c.Unreachable, addr.Channel) {
			continue
		}
		if err := e.send.Send(ctx, addr, replies); err != nil {
			errs = append(errs, err)
			continue
		}
		return addr, nil
	}
	return bot.Address{}, errors.Join(append([]error{ErrUnreachable}, errs...)...)
}
