package flows

import (
	"errors"
	"fmt"
	"strings"

	"omnicart/shop"
)

// My orders: the list and one order, with a button to pay an unpaid one.

// orderActions are the actions of the orders flow.
func orderActions(orders Orders) Actions {
	o := ordersFlow{orders: orders}
	return Actions{
		"list_orders": {Fills: []string{"count"}, Emits: []string{"pick"}, Run: o.listOrders},
		"show_order":  {Emits: []string{"pay"}, Run: o.showOrder},
	}
}

type ordersFlow struct{ orders Orders }

func (f ordersFlow) listOrders(c *Ctx) (string, error) {
	orders, err := f.orders.Orders(c, c.Customer.ID)
	if err != nil {
		return "", fmt.Errorf("list orders: %w", err)
	}
	if len(orders) == 0 {
		c.Text(c.P.T("orders.none"))
		return "", nil
	}
	for i, o := range orders {
		if i == 10 {
			break
		}
		c.Row(c.Button(c.P.T("orders.button", "number", o.Number, "date", c.Date(o.CreatedAt),
			"total", c.Money(o.Total), "status", statusText(c, o)), "pick", o.ID))
	}
	c.Args("count", len(orders))
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
	_, where := orderDelivery(c, o.Delivery)
	c.Text(c.P.T("orders.detail", "number", o.Number, "date", c.Time(o.CreatedAt),
		"status", statusText(c, o), "lines", b.String(), "delivery", where, "total", c.Money(o.Total)))
	if o.Status == shop.StatusNew {
		c.Row(c.Button(c.P.T("checkout.pay_button", "total", c.Money(o.Total)), "pay", o.ID))
	}
	return "", nil
}
