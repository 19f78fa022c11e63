package flows_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"omnicart/bot"
	"omnicart/shop"
)

// TestLastUnitGoesToOneShopper: two shoppers place an order for the last
// unit of DECAF-250 at the same moment; exactly one gets it, the other is
// told it has sold out.
func TestLastUnitGoesToOneShopper(t *testing.T) {
	h := newHarness(t, nil, nil)
	ready := func(id string) *chatT {
		c := h.chat(id, "en")
		for _, line := range []string{"/start", "decaf", "[1]", "[🛒 Add to cart]", "[3]", "[✅ Check out]",
			"Buyer " + id, "+79990000000", "[🏬 Pickup point]", "[1]"} {
			if _, err := c.Line(line); err != nil {
				t.Fatalf("%s: %s: %v", id, line, err)
			}
		}
		return c
	}
	a, b := ready("a"), ready("b")
	var wg sync.WaitGroup
	results := make([][]bot.Reply, 2)
	for i, c := range []*chatT{a, b} {
		wg.Go(func() {
			r, err := c.Line("[✅ Place the order]")
			if err != nil {
				t.Error(err)
			}
			results[i] = r
		})
	}
	wg.Wait()
	placed, soldOut := 0, 0
	for _, r := range results {
		text := r[0].Text
		switch {
		case strings.HasPrefix(text, "Order #"):
			placed++
		case strings.Contains(text, "has just sold out"):
			soldOut++
		default:
			t.Errorf("unexpected reply: %q", text)
		}
	}
	if placed != 1 || soldOut != 1 {
		t.Fatalf("placed %d, sold out %d; want exactly one of each", placed, soldOut)
	}
	n, known, err := h.db.Stock(context.Background(), shop.Item{SKU: "DECAF-250"})
	if err != nil || !known || n != 0 {
		t.Fatalf("stock after = %d (known %v, err %v), want 0", n, known, err)
	}
}

// TestSharedAndOwnVariantStock: V60-02 white shares the product's stock, the
// black one counts its own (2 in the demo).
func TestSharedAndOwnVariantStock(t *testing.T) {
	h := newHarness(t, nil, nil)
	c := h.chat("v60", "en")
	got := say(t, c, "/start", "hario", "[1]", "[Black · ₽1,190]", "5")
	if !strings.Contains(got, "Only 2 of Hario V60 dripper 02 (Black) left") {
		t.Fatalf("black variant: %s", got)
	}
	got = say(t, c, "hario", "[1]", "[White · ₽1,190]", "20")
	if !strings.Contains(got, "Only 7 of Hario V60 dripper 02 (White) left") {
		t.Fatalf("white variant (shared stock): %s", got)
	}
	cart := say(t, c, "/cart")
	if !strings.Contains(cart, "(Black) — 2 ×") || !strings.Contains(cart, "(White) — 7 ×") {
		t.Fatalf("cart: %s", cart)
	}
}

// TestCrashAfterOrderLosesNothing: the process dies after an order was
// committed but before the conversation was saved. The shopper taps "Place
// the order" again: no second order and no second stock take; the order
// waits in "my orders" and can be paid there.
func TestCrashAfterOrderLosesNothing(t *testing.T) {
	h := newHarness(t, nil, nil)
	c := h.chat("crash", "en")
	say(t, c, "/start", "decaf", "[1]", "[🛒 Add to cart]", "[3]", "[✅ Check out]", "Ivan", "+79990000001", "[🏬 Pickup point]")
	summary, _ := c.Line("[1]")
	var place string
	for _, row := range summary[0].Choices {
		if row[0].Label == "✅ Place the order" {
			place = row[0].Data
		}
	}
	h.crash.set(true)
	c.Send(bot.Message{Button: place}) // its replies never reached the shopper
	h.crash.set(false)
	// After the restart the conversation is where it was saved last: the
	// summary, whose button the shopper taps again.
	r, _ := c.Send(bot.Message{Button: place})
	again := text(r)
	if !strings.Contains(again, "Order #1001 is placed") || !strings.Contains(again, "Pay ₽850") {
		t.Fatalf("the second tap should lead to the placed order: %s", again)
	}
	ctx := context.Background()
	cust, _ := h.db.CustomerFor(ctx, c.Addr.String())
	orders, _ := h.db.Orders(ctx, cust.ID)
	if len(orders) != 1 || orders[0].Status != shop.StatusNew {
		t.Fatalf("orders = %+v", orders)
	}
	if n, _, _ := h.db.Stock(ctx, shop.Item{SKU: "DECAF-250"}); n != 0 {
		t.Fatalf("stock = %d, want 0 (taken once)", n)
	}
	if got := say(t, c, "[💳 Pay ₽850]"); !strings.Contains(got, "Order #1001 is paid") {
		t.Fatalf("paying: %s", got)
	}
}

// TestButtonsFromOldScreensAreChecked: pay on a cancelled order, buy a
// sold-out product, a product that left the catalog, a name made of
// invisible characters.
func TestButtonsFromOldScreensAreChecked(t *testing.T) {
	h := newHarness(t, nil, nil)
	ctx := context.Background()
	c := h.chat("old", "en")
	say(t, c, "/start", "kenya", "[1]", "[Whole beans · ₽990]", "[3]", "[✅ Check out]")
	if got := say(t, c, "\u200b\u0000\u200e"); !strings.Contains(got, "What is your name?") || !strings.Contains(got, "[Cancel]") {
		t.Fatalf("invisible name: %s", got)
	}
	say(t, c, "Olga", "+79991112233", "[🏬 Pickup point]", "[1]", "[✅ Place the order]")
	cust, _ := h.db.CustomerFor(ctx, c.Addr.String())
	orders, _ := h.db.Orders(ctx, cust.ID)
	h.db.UpdateOrder(ctx, orders[0].ID, func(o *shop.Order) error { return o.Move(shop.StatusCancelled, o.CreatedAt) })
	if got := say(t, c, "[💳 Pay ₽990]"); !strings.Contains(got, "was cancelled and cannot be paid") || strings.Contains(got, "is paid") {
		t.Fatalf("pay on a cancelled order: %s", got)
	}
	say(t, c, "matcha", "[1]") // sold out: no Add button on the card
	r, _ := c.Send(bot.Message{Button: "buy|MATCHA-30"})
	if got := text(r); !strings.Contains(got, "is out of stock") || strings.Contains(got, "How many?") {
		t.Fatalf("forged buy of a sold-out product: %s", got)
	}
	say(t, c, "matcha")
	r, _ = c.Send(bot.Message{Button: "pick|NO-SUCH"})
	if got := text(r); !strings.Contains(got, "no longer in the catalog") || !strings.Contains(got, "Choose a product") {
		t.Fatalf("a product that left the catalog: %s", got)
	}
}
