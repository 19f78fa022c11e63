package flows

import (
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"omnicart/bot"
	"omnicart/payments"
	"omnicart/shop"
)

// Checkout from placing the order: the order (stock is taken here), the
// payment, waiting for a payment made elsewhere, and the thank-you.

// payActions are the actions that place and pay orders with the enabled
// payment methods pay, offered in that order.
func payActions(orders placer, pay []payments.Provider) Actions {
	f := payFlow{orders: orders, pay: pay}
	return Actions{
		"place_order":    {Emits: []string{"ok", "short", "empty", "slot_full", "changed"}, Run: f.placeOrder},
		"offer_payment":  {Fills: []string{"number", "total"}, Emits: []string{"pay"}, Run: f.offerPayment},
		"take_payment":   {Emits: []string{"paid", "failed", "gone", "pending", "transfer", "choose"}, Run: f.takePayment},
		"await_payment":  {Fills: []string{"number", "total", "url"}, Run: f.awaitPayment},
		"await_transfer": {Fills: []string{"number", "total"}, Run: f.awaitTransfer},
		"order_done":     {Fills: []string{"number", "total", "delivery", "totals"}, Run: f.orderDone},
	}
}

type payFlow struct {
	orders placer
	pay    []payments.Provider
}

// resumeWindow is how old an unpaid order may be for a repeated "place the
// order" to lead to it: the tap after a crash or a lost reply.
const resumeWindow = 30 * time.Minute

func (f payFlow) placeOrder(c *Ctx) (string, error) {
	if len(c.Cart.Lines) == 0 {
		// The order may already be placed: its reply was lost (a crash, a
		// double tap). Lead to its payment instead of an empty cart.
		orders, _, err := recentOrders(c, f.orders, c.Customer.ID, 1)
		if err != nil {
			return "", fmt.Errorf("place order: %w", err)
		}
		if len(orders) > 0 && orders[0].Status == shop.StatusNew && c.Now.Sub(orders[0].CreatedAt) < resumeWindow {
			c.Vars[varOrder] = orders[0].ID
			c.Say("checkout.placed", "number", orders[0].Number)
			return "ok", nil
		}
		return "empty", nil
	}
	// Prices are taken from the catalog in force, not from when the item was carted.
	var lines []shop.Line
	for _, l := range c.Cart.Lines {
		p, ok := c.Catalog().Product(l.SKU)
		if _, hasVariant := p.Variant(l.Variant); !ok || l.Variant != "" && !hasVariant {
			c.Say("cart.gone", "name", itemName(c, l.Item))
			c.Cart.SetQty(l.Item, 0)
			return "short", nil
		}
		l.Price = p.PriceOf(l.Variant)
		l.StockKey = c.Catalog().StockKey(l.Item)
		lines = append(lines, l)
	}
	// The summary showed the cart's prices: a price changed since (the
	// owner edited the catalog) is not placed unseen. The cart takes the
	// new prices and the summary is shown again.
	if priced, changed := pricedNow(c, c.Cart.Lines); changed {
		c.Cart.Lines = priced
		c.Say("checkout.prices_changed")
		return "changed", nil
	}
	if open, err := f.unpaidOrders(c); err != nil {
		return "", err
	} else if open >= maxUnpaid {
		c.Say("checkout.too_many_unpaid", "count", open)
		return "short", nil
	}
	o := shop.Order{CustomerID: c.Customer.ID, Lines: lines, Name: c.Customer.Name, Phone: c.Customer.Phone,
		Delivery: delivery(c), Channel: c.Msg.From.Channel, Status: shop.StatusNew}
	// The total's lines: discount, points, delivery fee, window (checkout.go).
	if ev, err := priceOrder(c, f.orders, &o); ev != "" || err != nil {
		return ev, err
	}
	// Nor is any other change of the total the summary showed (the
	// delivery price, a code's terms, the cart changed in another chat).
	if shown := c.Vars[varSummary]; shown != "" && shown != strconv.FormatInt(o.Total.Minor, 10) {
		c.Say("checkout.prices_changed")
		return "changed", nil
	}
	placed, err := f.orders.PlaceOrder(c, o)
	if ev, ok := refused(c, err); ok { // a full window, a used-up code (checkout.go)
		return ev, nil
	}
	var short *shop.OutOfStockError
	if errors.As(err, &short) {
		name := itemName(c, short.Item)
		if short.Left <= 0 {
			c.Say("checkout.out_of_stock", "name", name)
			c.Cart.SetQty(short.Item, 0)
		} else {
			c.Say("browse.only_left", "name", name, "count", short.Left)
			c.Cart.SetQty(short.Item, short.Left)
		}
		return "short", nil
	}
	if err != nil {
		return "", fmt.Errorf("place order: %w", err)
	}
	// The store cleared the stored cart with the order; clear ours too.
	c.Cart.Lines = nil
	c.Vars[varOrder] = placed.ID
	c.Say("checkout.placed", "number", placed.Number)
	return "ok", nil
}

// maxUnpaid is how many orders a customer may leave unpaid at once: stock
// is taken when an order is placed, so unpaid orders hold it until they
// expire.
const maxUnpaid = 3

// unpaidLookback is how many of the customer's newest orders are counted
// for maxUnpaid: placing an order reads that many, however many orders a
// regular customer has. An unpaid order behind that many newer ones is
// left out (it expires after its time to pay in any case).
const unpaidLookback = 20

func (f payFlow) unpaidOrders(c *Ctx) (int, error) {
	orders, _, err := recentOrders(c, f.orders, c.Customer.ID, unpaidLookback)
	if err != nil {
		return 0, fmt.Errorf("unpaid orders: %w", err)
	}
	n := 0
	for _, o := range orders {
		if o.Status == shop.StatusNew {
			n++
		}
	}
	return n, nil
}

// offered returns the methods offered in the chat of c, in the shop's order.
func (f payFlow) offered(c *Ctx) []payments.Provider {
	var out []payments.Provider
	for _, p := range f.pay {
		if payments.Offered(p, c.Msg.From.Channel) {
			out = append(out, p)
		}
	}
	return out
}

// onlyDemo reports whether the demo payment is all there is: the pay
// screen then says so and has one button.
func onlyDemo(methods []payments.Provider) bool {
	return len(methods) == 1 && methods[0].Name() == payments.MethodDemo
}

func (f payFlow) offerPayment(c *Ctx) (string, error) {
	o, err := f.orders.Order(c, c.Vars[varOrder])
	if err != nil {
		return "", fmt.Errorf("order to pay: %w", err)
	}
	if c.Event == PaymentFailed {
		c.Say("checkout.payment_failed")
	}
	total := c.Money(o.Total)
	c.Args("number", o.Number, "total", total)
	methods := f.offered(c)
	switch {
	case len(methods) == 1:
		if !onlyDemo(methods) { // the say text tells of the demo's test payment
			c.Text(c.P.T("payments.pay_one", "number", o.Number, "total", total))
		}
		c.Row(c.Button(c.P.T("checkout.pay_button", "total", total), "pay", o.ID))
	case len(methods) == 0:
		c.Text(c.P.T("payments.none_here", "number", o.Number, "total", total))
	default:
		c.Text(c.P.T("payments.choose", "number", o.Number, "total", total))
		for _, m := range methods {
			c.Row(c.Button(c.P.T("payments.method."+m.Name(), "total", total), "pay", m.Name()+":"+o.ID))
		}
	}
	return "", nil
}

// payArg reads a pay button's argument: "method:order" or, from buttons
// that leave the choice to the pay screen, "order".
func payArg(arg string) (method, order string) {
	if m, o, ok := strings.Cut(arg, ":"); ok {
		return m, o
	}
	return "", arg
}

func (f payFlow) takePayment(c *Ctx) (string, error) {
	method, id := payArg(c.Arg)
	if id == "" {
		id = c.Vars[varOrder]
	}
	o, err := f.orders.Order(c, id)
	if err != nil || o.CustomerID != c.Customer.ID {
		c.Say("error.stale")
		return "gone", nil
	}
	c.Vars[varOrder] = o.ID
	switch o.Status {
	case shop.StatusNew:
	case shop.StatusCancelled:
		c.Say("checkout.order_cancelled", "number", o.Number)
		return "gone", nil
	default:
		c.Say("checkout.already_paid", "number", o.Number)
		return "paid", nil
	}
	pay := f.method(c, method)
	if pay == nil {
		return "choose", nil // no method named, or one no longer offered: show the choice
	}
	p, err := pay.Charge(c, o)
	if err != nil {
		c.Log.Warn("payment failed", slog.String("order", o.ID), slog.String("method", pay.Name()), slog.Any("err", err))
		c.Say("checkout.payment_failed")
		return "failed", nil
	}
	if p.Status != payments.Succeeded {
		return f.pending(c, o, p)
	}
	_, err = f.orders.UpdateOrder(c, o.ID, func(o *shop.Order) error {
		if o.Status != shop.StatusNew {
			return nil
		}
		o.PaymentID, o.Provider = p.ID, p.Provider
		return o.Move(shop.StatusPaid, c.Now)
	})
	if err != nil {
		return "", fmt.Errorf("mark order %s paid: %w", o.ID, err)
	}
	return "paid", nil
}

// method returns the offered method named name; with no name, the only
// method offered. Nil: the shopper has to choose.
func (f payFlow) method(c *Ctx, name string) payments.Provider {
	offered := f.offered(c)
	if name == "" && len(offered) == 1 {
		return offered[0]
	}
	for _, p := range offered {
		if p.Name() == name {
			return p
		}
	}
	return nil
}

// pending shows how to pay a payment made elsewhere: a link, a QR code to
// scan, a messenger's own payment form, or a bank transfer's QR code. The
// order remembers its provider meanwhile ("awaiting transfer" in my orders).
func (f payFlow) pending(c *Ctx, o shop.Order, p payments.Payment) (string, error) {
	_, err := f.orders.UpdateOrder(c, o.ID, func(o *shop.Order) error {
		if o.Status == shop.StatusNew {
			o.Provider = p.Provider
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("order %s awaits %s: %w", o.ID, p.Provider, err)
	}
	total := c.Money(o.Total)
	c.Vars[varPayURL] = p.URL
	switch {
	case p.Transfer && len(p.QR) > 0:
		c.out = append(c.out, bot.Reply{PhotoPNG: p.QR, Text: c.P.T("payments.transfer_qr", "number", o.Number, "total", total)})
		return "transfer", nil
	case p.Invoice != nil:
		units, _ := p.Invoice.Amount.UnitAmount() // the provider refused what has none
		c.out = append(c.out, bot.Reply{Invoice: &bot.Invoice{
			Title:       c.P.T("payments.invoice_title", "number", o.Number),
			Description: c.P.T("payments.invoice_description", "number", o.Number, "shop", c.Shop.Name),
			Label:       c.P.T("payments.invoice_label", "number", o.Number),
			Payload:     p.Invoice.Payload, Currency: p.Invoice.Amount.Currency, Amount: units,
		}})
		return "pending", nil
	case len(p.QR) > 0:
		c.out = append(c.out, bot.Reply{PhotoPNG: p.QR, Text: c.P.T("payments.sbp_qr", "number", o.Number, "total", total)})
		return "pending", nil
	case p.URL != "":
		return "pending", nil
	}
	c.Log.Warn("payment has no way to pay", slog.String("order", o.ID), slog.String("provider", p.Provider))
	c.Say("checkout.payment_failed")
	return "failed", nil
}

// awaitPayment shows where to pay while the conversation waits for the
// provider to confirm the payment (the outside event "paid").
func (f payFlow) awaitPayment(c *Ctx) (string, error) {
	o, err := f.orders.Order(c, c.Vars[varOrder])
	if err != nil {
		return "", fmt.Errorf("order to pay: %w", err)
	}
	c.Args("number", o.Number, "total", c.Money(o.Total), "url", c.Vars[varPayURL])
	if c.Vars[varPayURL] == "" { // a messenger's own payment form, just sent
		c.Text(c.P.T("payments.waiting_invoice", "number", o.Number, "total", c.Money(o.Total)))
	}
	return "", nil
}

// awaitTransfer waits for a bank transfer: the order stays "awaiting
// transfer" until the shop sees the money and marks it paid.
func (f payFlow) awaitTransfer(c *Ctx) (string, error) {
	delete(c.Vars, varPayURL)
	o, err := f.orders.Order(c, c.Vars[varOrder])
	if err != nil {
		return "", fmt.Errorf("order to pay: %w", err)
	}
	c.Args("number", o.Number, "total", c.Money(o.Total))
	return "", nil
}

// statusText names the status of o for the shopper: an unpaid order
// waiting for a bank transfer is "awaiting transfer".
func statusText(c *Ctx, o shop.Order) string {
	if o.Status == shop.StatusNew && o.Provider == payments.MethodQR {
		return c.P.T("payments.awaiting_transfer")
	}
	return c.P.T("status." + string(o.Status))
}

func (f payFlow) orderDone(c *Ctx) (string, error) {
	delete(c.Vars, varPayURL)
	id := c.Vars[varOrder]
	if c.Event == Paid && c.Arg != "" && c.Arg != id {
		// A confirmation from outside names the order it is about.
		if o, err := f.orders.Order(c, c.Arg); err == nil && o.CustomerID == c.Customer.ID {
			id = o.ID
			c.Vars[varOrder] = id
		}
	}
	o, err := f.orders.Order(c, id)
	if err != nil {
		return "", fmt.Errorf("paid order: %w", err)
	}
	c.Args("number", o.Number, "total", c.Money(o.Total), "delivery", placedDelivery(c, o), "totals", orderSums(c.P, o))
	return "", nil
}
