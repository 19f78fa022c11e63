package flows

import (
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"strings"

	"omnicart/shop"
)

// My orders: the list and one order (its tracking number or courier's
// phone, its history in the shop's time zone, its return request), with a
// button to pay an unpaid one and one to return or exchange a delivered
// one within the return window (returns.go).

// orderActions are the actions of the orders flow.
func orderActions(orders Orders) Actions {
	o := ordersFlow{orders: orders}
	all := Actions{
		"list_orders": {Fills: []string{"count"}, Emits: []string{"pick"}, Run: o.listOrders},
		"show_order":  {Emits: []string{"pay", "return"}, Run: o.showOrder},
	}
	maps.Copy(all, returnActions(orders)) // returns.go
	return all
}

type ordersFlow struct{ orders Orders }

func (f ordersFlow) listOrders(c *Ctx) (string, error) {
	orders, total, err := recentOrders(c, f.orders, c.Customer.ID, 10)
	if err != nil {
		return "", fmt.Errorf("list orders: %w", err)
	}
	if total == 0 {
		c.Text(c.P.T("orders.none"))
		return "", nil
	}
	for _, o := range orders {
		c.Row(c.Button(c.P.T("orders.button", "number", o.Number, "date", c.Date(o.CreatedAt),
			"total", c.Money(o.Total), "status", statusText(c, o)), "pick", o.ID))
	}
	c.Args("count", total)
	return "", nil
}

func (f ordersFlow) showOrder(c *Ctx) (string, error) {
	o, err := f.orders.Order(c, c.Arg)
	if errors.Is(err, shop.ErrNotFound) || err == nil && o.CustomerID != c.Customer.ID {
		c.Text(c.P.T("error.stale"))
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("show order: %w", err)
	}
	var b strings.Builder
	for _, l := range o.Lines {
		b.WriteString("\n" + c.P.T("cart.line", "name", itemName(c, l.Item), "qty", l.Qty, "price", c.Money(l.Price), "total", c.Money(l.Total())))
	}
	text := c.P.T("orders.detail", "number", o.Number, "date", c.Time(o.CreatedAt),
		"status", statusText(c, o), "lines", b.String(), "delivery", placedDelivery(c, o),
		"totals", orderSums(c.P, o), "total", c.Money(o.Total))
	if o.Tracking != "" {
		if phone, ok := courierPhone(o.Tracking); ok {
			text += "\n" + c.P.T("orders.courier_phone", "phone", phone)
		} else {
			text += "\n" + c.P.T("orders.tracking", "tracking", o.Tracking)
		}
	}
	if o.Refunded.Minor > 0 {
		text += "\n" + c.P.T("orders.refunded", "amount", c.Money(o.Refunded))
	}
	if len(o.History) > 0 {
		text += "\n\n" + c.P.T("orders.history")
		for _, h := range o.History {
			text += "\n" + c.P.T("orders.history_line", "status", c.P.T("status."+string(h.Status)), "time", c.Time(h.At))
		}
	}
	if line := returnStatusLine(c, o); line != "" {
		text += "\n\n" + line
	}
	returnable, _, _, err := returnOffer(c, o)
	if err != nil {
		c.Log.Warn("may the order be returned", slog.Any("err", err))
	}
	if returnable {
		by, _ := o.ReturnBy(c.returnDays())
		text += "\n\n" + c.P.T("returns.until", "date", c.Date(by))
	}
	c.Text(text)
	if o.Status == shop.StatusNew {
		c.Row(c.Button(c.P.T("checkout.pay_button", "total", c.Money(o.Total)), "pay", o.ID))
	}
	if returnable {
		c.Row(c.Button(c.P.T("returns.button"), "return", o.ID))
	}
	return "", nil
}

// courierPhone reads what the staff gave when shipping (/status N shipped
// X) as the courier's phone when it is one: it starts with + (any
// country), or it is a Russian number of 11 digits starting with 7 or 8.
// Other digits are a carrier's tracking number (a Russian Post one has 14
// digits, CDEK's 10), shown as it was given.
func courierPhone(tracking string) (string, bool) {
	t := strings.TrimSpace(tracking)
	phone, ok := normalizePhone(t, false) // 11 digits starting with 8 or 7 become +7 and 10 more
	return phone, ok && (strings.HasPrefix(t, "+") || len(phone) == 12 && strings.HasPrefix(phone, "+7"))
}
