package flows

import (
	"errors"
	"fmt"

	"omnicart/catalog"
	"omnicart/shop"
)

// The bill: every line of a total (items, discount, points, delivery, to
// pay), and the one cross-sell offer before payment.

// bill is what an order costs, line by line.
type bill struct {
	items, discount, pointsValue, fee, total shop.Money
	promo                                    *shop.Promo
	points                                   int64 // points paid with
	balance                                  int64 // points the customer holds
	most                                     int64 // points that may pay for this order
	earn                                     int64 // points the order earns once delivered
	slot                                     *shop.Slot
}

// billFor works out what lines cost delivered as d, with the promo code,
// points and window chosen in this checkout. A code that no longer
// applies is dropped, the shopper told why (dropped is true).
func billFor(c *Ctx, st Extras, lines []shop.Line, d shop.Delivery) (b bill, dropped bool, err error) {
	cur := c.Catalog().Currency
	zero := shop.Money{Currency: cur}
	b.items = shop.Cart{Lines: lines}.Total()
	b.items.Currency = cur
	b.discount, b.pointsValue = zero, zero
	if code := c.Vars[varPromo]; code != "" {
		p, err := findPromo(c, st, code)
		if err == nil {
			b.discount, err = promoDiscount(c, p, lines)
		}
		switch {
		case err == nil:
			b.promo = &p
		case sayPromoError(c, err, b.items):
			delete(c.Vars, varPromo)
			b.discount, dropped = zero, true
		default:
			return bill{}, false, err
		}
	}
	goods := shop.Money{Minor: b.items.Minor - b.discount.Minor, Currency: cur}
	if b.balance, err = st.Points(c, c.Customer.ID); err != nil {
		return bill{}, false, err
	}
	loyalty := c.Shop.Loyalty
	b.most = loyalty.MaxPoints(goods, b.balance)
	if c.Vars[varUsePoints] == "1" {
		b.points = b.most
	}
	b.pointsValue = shop.Money{Minor: b.points * shop.PointValue, Currency: cur}
	b.fee = zero
	if d.Method == shop.DeliveryCourier {
		// Free delivery is earned by the items before the discount and the
		// points, as the delivery screen says: a code never makes it paid.
		b.fee = c.Catalog().Delivery.CourierPrice(b.items)
		b.fee.Currency = cur
		if s, ok := chosenSlot(c); ok && c.Catalog().Delivery.Courier.Slots != nil {
			b.slot = &s
		}
	}
	paid := shop.Money{Minor: goods.Minor - b.pointsValue.Minor, Currency: cur}
	b.earn = loyalty.Earn(paid)
	b.total = paid.Add(b.fee)
	return b, dropped, nil
}

// priceOrder fills in what o costs (discount, points, delivery fee, total)
// and its window, before it is placed. ev is "changed" when the promo
// code no longer applies (the summary is shown again) and "slot_full" when
// the window must be chosen again.
func priceOrder(c *Ctx, st Extras, o *shop.Order) (ev string, err error) {
	if needsSlot(c, o.Delivery) {
		c.Say("checkout.window_gone")
		return "slot_full", nil
	}
	b, dropped, err := billFor(c, st, o.Lines, o.Delivery)
	if err != nil {
		return "", fmt.Errorf("price order: %w", err)
	}
	if dropped {
		return "changed", nil
	}
	o.Discount, o.Promo, o.Points, o.DeliveryFee = b.discount, b.promo, b.points, b.fee
	o.Slot, o.Earn, o.Total = b.slot, b.earn, b.total
	return "", nil
}

// refused turns the store's refusal to place an order for its window,
// promo code or points into what the shopper is told and where the
// conversation goes; ok is false for other errors. An order placed (err is
// nil) used the code, the points and the window of this checkout: they
// are forgotten.
func refused(c *Ctx, err error) (ev string, ok bool) {
	var pe *shop.PromoError
	switch {
	case err == nil:
		for _, v := range []string{varPromo, varUsePoints, varSlot, varSlotDay, varCrossSell, varSummary} {
			delete(c.Vars, v)
		}
		return "", false
	case errors.Is(err, shop.ErrSlotFull):
		delete(c.Vars, varSlot)
		c.Say("checkout.window_taken")
		return "slot_full", true
	case errors.As(err, &pe):
		delete(c.Vars, varPromo)
		sayPromoError(c, err, shop.Money{})
		return "changed", true
	case errors.Is(err, shop.ErrNotEnoughPoints):
		delete(c.Vars, varUsePoints)
		c.Say("checkout.points_changed")
		return "changed", true
	}
	return "", false
}

// --- cross-sell ---

// crossSell returns the one product offered at the summary: the first
// item related to the cart's (in the catalog's related:) that is not in
// the cart, has no variants to choose and is in stock.
func (k checkout) crossSell(c *Ctx) (catalog.Product, bool, error) {
	cat := c.Catalog()
	in := map[string]bool{}
	for _, l := range c.Cart.Lines {
		in[l.SKU] = true
	}
	for _, l := range c.Cart.Lines {
		p, ok := cat.Product(l.SKU)
		if !ok {
			continue
		}
		for _, sku := range p.Related {
			r, ok := cat.Product(sku)
			if in[sku] || !ok || len(r.Variants) > 0 {
				continue
			}
			in[sku] = true
			n, known, err := k.st.Stock(c, shop.Item{SKU: sku})
			if err != nil {
				return catalog.Product{}, false, err
			}
			if !known || n > 0 {
				return r, true, nil
			}
		}
	}
	return catalog.Product{}, false, nil
}

// addCrossSell adds the offered item to the cart: one tap, back to the
// summary.
func addCrossSell(c *Ctx) {
	p, ok := c.Catalog().Product(c.Arg)
	if !ok || c.Arg != c.Vars[varCrossSell] {
		c.Say("error.stale")
		return
	}
	c.Vars[varCrossSell] = "-" // taken: not offered again
	c.Cart.Add(shop.Item{SKU: p.SKU}, 1, p.Price)
	c.Track(shop.EventCarted, p.SKU)
	c.Say("checkout.cross_sell_added", "name", p.Name.In(c.Lang()), "price", c.Money(p.Price))
}

// --- the summary ---
