package flows_test

import (
	"bytes"
	"context"
	"reflect"
	"strings"
	"testing"

	"omnicart/bot"
	"omnicart/flows"
	"omnicart/payments"
	"omnicart/shop"
)

// pagePay is a provider with a payment page: the order is paid when the
// provider confirms it later, from outside the chat.
type pagePay struct{}

func (pagePay) Name() string { return "page" }

func (pagePay) Charge(_ context.Context, o shop.Order) (payments.Payment, error) {
	return payments.Payment{ID: "pay_" + o.ID, OrderID: o.ID, Amount: o.Total, Status: payments.Pending,
		URL: "https://pay.example/" + o.ID}, nil
}

func (pagePay) Payment(context.Context, string) (payments.Payment, error) {
	return payments.Payment{}, payments.ErrNoStatus
}

// snapshot is what an outside event may change in a conversation.
type snapshot struct {
	session []byte
	cart    shop.Cart
}

func snap(t *testing.T, h *harness, id shop.CustomerID) snapshot {
	t.Helper()
	ctx := context.Background()
	s, err := h.db.Session(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	c, err := h.db.Cart(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return snapshot{s, c}
}

// waitForPayment buys one Kenya and stops where the shop waits for the
// payment made on the provider's page; it returns the order.
func waitForPayment(t *testing.T, h *harness, chat *chatT) shop.Order {
	t.Helper()
	if got := say(t, chat, "/start", "kenya", "[1]", "[1]", "[3]", "[✅ Check out]"); strings.Contains(got, "What is your name?") {
		say(t, chat, "Anna", "+79161234567")
	}
	got := say(t, chat, "[🏬 Pickup point]", "[1]", "[✅ Place the order]", "[💳 Pay ₽990]")
	if !strings.Contains(got, "Pay here: https://pay.example/") || !strings.Contains(got, "[Pay later]") {
		t.Fatalf("waiting screen: %s", got)
	}
	ctx := context.Background()
	c, _ := h.db.CustomerFor(ctx, chat.Addr.String())
	orders, _ := h.db.Orders(ctx, c.ID)
	if len(orders) == 0 || orders[0].Status != shop.StatusNew {
		t.Fatalf("orders = %+v", orders)
	}
	return orders[0]
}

// TestPaymentConfirmedFromOutside: the provider's confirmation moves a
// conversation waiting for the payment on to the thank-you screen; a stale,
// duplicate or forged event changes nothing.
func TestPaymentConfirmedFromOutside(t *testing.T) {
	h := newHarnessPaying(t, pagePay{}, nil, nil)
	ctx := context.Background()
	chat := &chatT{H: h.eng, R: h.rec, Addr: bot.Address{Channel: bot.Telegram, Chat: "700"}, Lang: "en"}
	first := waitForPayment(t, h, chat)
	id := first.CustomerID

	unchanged := func(what string, moved bool, err error, before snapshot) {
		t.Helper()
		if err != nil || moved {
			t.Fatalf("%s: moved %v, err %v; want nothing to happen", what, moved, err)
		}
		if after := snap(t, h, id); !bytes.Equal(after.session, before.session) || !reflect.DeepEqual(after.cart, before.cart) {
			t.Fatalf("%s changed the conversation:\n%s\n%s", what, before.session, after.session)
		}
		if got := h.rec.Take(chat.Addr); len(got) != 0 {
			t.Fatalf("%s sent %+v", what, got)
		}
	}

	// An event the waiting state does not react to.
	before := snap(t, h, id)
	moved, err := h.eng.Fire(ctx, id, flows.Outside{Event: flows.Shipped, Arg: first.ID})
	unchanged("shipped while waiting", moved, err, before)
	// A shopper cannot say it was paid with a forged button.
	if got := text(mustSend(t, chat, bot.Message{Button: "paid|" + first.ID})); !strings.Contains(got, "earlier screen") {
		t.Fatalf("forged paid button: %s", got)
	}

	// The provider confirms: the order is marked paid, then the event fires.
	h.db.UpdateOrder(ctx, first.ID, func(o *shop.Order) error { return o.Move(shop.StatusPaid, o.CreatedAt) })
	moved, err = h.eng.Fire(ctx, id, flows.Outside{Event: flows.Paid, Arg: first.ID, Key: "pay_" + first.ID})
	if err != nil || !moved {
		t.Fatalf("paid: moved %v, err %v", moved, err)
	}
	got := text(h.rec.Take(chat.Addr))
	if !strings.Contains(got, "Order #1001 is paid: ₽990") || !strings.Contains(got, "[📦 My orders]") {
		t.Fatalf("after the payment: %s", got)
	}

	// The same confirmation again: already where it leads.
	before = snap(t, h, id)
	moved, err = h.eng.Fire(ctx, id, flows.Outside{Event: flows.Paid, Arg: first.ID})
	unchanged("paid again after the thank-you", moved, err, before)

	// A second order waits for its payment; the first payment's webhook is
	// delivered again: its key was seen, so the new order is not thanked for.
	second := waitForPayment(t, h, chat)
	if second.ID == first.ID {
		t.Fatal("no second order")
	}
	before = snap(t, h, id)
	moved, err = h.eng.Fire(ctx, id, flows.Outside{Event: flows.Paid, Arg: first.ID, Key: "pay_" + first.ID})
	unchanged("a duplicate webhook", moved, err, before)

	// An unknown event is refused outright.
	if _, err := h.eng.Fire(ctx, id, flows.Outside{Event: "payed"}); err == nil {
		t.Fatal("an unknown outside event was accepted")
	}
	// The conversation still answers the shopper where it waits.
	if got := say(t, chat, "[Pay later]"); !strings.Contains(got, "Your orders (2)") {
		t.Fatalf("pay later: %s", got)
	}
}

// TestPaymentFailedFromOutside: a declined payment leads back to the
// payment screen with a word about it.
func TestPaymentFailedFromOutside(t *testing.T) {
	h := newHarnessPaying(t, pagePay{}, nil, nil)
	chat := h.chat("declined", "en")
	o := waitForPayment(t, h, chat)
	moved, err := h.eng.Fire(context.Background(), o.CustomerID, flows.Outside{Event: flows.PaymentFailed, Arg: o.ID})
	if err != nil || !moved {
		t.Fatalf("payment_failed: moved %v, err %v", moved, err)
	}
	got := text(h.rec.Take(chat.Addr))
	if !strings.Contains(got, "The payment did not go through") || !strings.Contains(got, "[💳 Pay ₽990]") {
		t.Fatalf("after a declined payment: %s", got)
	}
}

func mustSend(t *testing.T, c *chatT, m bot.Message) []bot.Reply {
	t.Helper()
	r, err := c.Send(m)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
