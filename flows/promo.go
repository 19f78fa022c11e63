package flows

import (
	"errors"
	"strings"

	"omnicart/shop"
)

// Promo codes at the summary and from deep links.

// promoPayload starts a /start payload that carries a promo code: the
// deep link /start promo_WELCOME10.
const promoPayload = "promo_"

// findPromo returns the promo code code, the owner's or a generated one,
// with its uses checked: a *shop.PromoError says why it cannot be used.
func findPromo(c *Ctx, st Extras, code string) (shop.Promo, error) {
	p, ok := c.Catalog().Promo(code, c.Shop.zone())
	if !ok {
		var err error
		if p, ok, err = st.PromoCode(c, code); err != nil {
			return shop.Promo{}, err
		}
	}
	if !ok {
		return shop.Promo{}, &shop.PromoError{Code: code, Reason: shop.PromoUnknown}
	}
	if err := p.Active(c.Now); err != nil {
		return shop.Promo{}, err
	}
	all, mine, err := st.PromoUses(c, p.Code, c.Customer.ID)
	if err != nil {
		return shop.Promo{}, err
	}
	switch {
	case p.Limit > 0 && all >= p.Limit:
		return shop.Promo{}, &shop.PromoError{Code: code, Reason: shop.PromoUsedUp, Promo: p}
	case p.PerCustomer > 0 && mine >= p.PerCustomer:
		return shop.Promo{}, &shop.PromoError{Code: code, Reason: shop.PromoUsedByYou, Promo: p}
	}
	return p, nil
}

// promoDiscount returns what p takes off lines.
func promoDiscount(c *Ctx, p shop.Promo, lines []shop.Line) (shop.Money, error) {
	cat := c.Catalog()
	d, err := p.Discount(lines, func(sku string) string {
		prod, _ := cat.Product(sku)
		return prod.Category
	})
	d.Currency = cat.Currency
	return d, err
}

// sayPromoError tells the shopper why a code cannot be used; it returns
// false for errors that are not about the code.
func sayPromoError(c *Ctx, err error, items shop.Money) bool {
	var pe *shop.PromoError
	if !errors.As(err, &pe) {
		return false
	}
	args := []any{"code", pe.Code}
	switch pe.Reason {
	case shop.PromoNotYet:
		args = append(args, "date", c.Date(pe.Promo.From))
	case shop.PromoMinTotal:
		args = append(args, "amount", c.Money(pe.Promo.MinTotal), "total", c.Money(items))
	case shop.PromoNoItems:
		var names []string
		for _, id := range pe.Promo.Categories {
			if cat, ok := c.Catalog().Category(id); ok {
				names = append(names, cat.Name.In(c.Lang()))
			}
		}
		args = append(args, "categories", strings.Join(names, ", "))
	}
	c.Say("checkout.promo_"+string(pe.Reason), args...)
	return true
}

// takePromo reads a promo code typed at the summary.
func (k checkout) takePromo(c *Ctx) (string, error) {
	code, ok := shop.NormalizeCode(c.Msg.Text)
	if !ok {
		c.Say("checkout.promo_bad")
		return "", nil
	}
	p, err := findPromo(c, k.st, code)
	if err == nil {
		_, err = promoDiscount(c, p, c.Cart.Lines)
	}
	if err != nil {
		if sayPromoError(c, err, c.Cart.Total()) {
			return "", nil
		}
		return "", err
	}
	c.Vars[varPromo] = p.Code
	return "promo", nil
}

// promoFromLink keeps the promo code of a deep link (/start promo_CODE)
// for the next checkout, or says why it cannot be used.
func promoFromLink(c *Ctx, st Extras, payload string) {
	code, ok := shop.NormalizeCode(payload)
	if !ok {
		c.Say("checkout.promo_bad")
		return
	}
	p, err := findPromo(c, st, code)
	if err != nil {
		if !sayPromoError(c, err, c.Cart.Total()) {
			c.Log.Error("promo code of a deep link", "err", err)
			c.Say("error.internal")
		}
		return
	}
	c.Vars[varPromo] = p.Code
	c.Say("checkout.promo_saved", "code", p.Code)
}

// --- the bill ---
