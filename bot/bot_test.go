package bot_test

import (
	"context"
	"errors"
	"testing"

	"omnicart/bot"
)

// refusing is a channel without Queue whose Deliver refuses.
type refusing struct{}

func (refusing) Send(context.Context, bot.Address, []bot.Reply) error { return nil }
func (refusing) Deliver(context.Context, bot.Address, []bot.Reply) error {
	return bot.ErrRefused
}

// A channel that cannot queue delivers at once, and its wait gives what
// the delivery gave: a refusal is not lost on the way.
func TestQueueFallsBackToDeliver(t *testing.T) {
	s := bot.Senders{bot.Web: refusing{}}
	wait, err := s.Queue(context.Background(), bot.Address{Channel: bot.Web, Chat: "x"}, []bot.Reply{{Text: "hi"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := wait(context.Background()); !errors.Is(err, bot.ErrRefused) {
		t.Errorf("wait = %v, want the refusal", err)
	}
	if _, err := s.Queue(context.Background(), bot.Address{Channel: "fax", Chat: "x"}, nil); err != nil {
		t.Errorf("an unknown channel: %v (its refusal comes with wait)", err)
	}
}
