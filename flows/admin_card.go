package flows

import (
	"strings"
	"time"

	"omnicart/catalog"
	"omnicart/locales"
	"omnicart/shop"
)

// What staff see of an order: its card, in the shop's time zone.

// orderCard renders an order for staff in p's language: number and
// status (when withStatus), when and where it was placed, the customer,
// the lines, the delivery, the total and the payment, the tracking
// number, refunds and history.
func orderCard(p *locales.Printer, sh *Shop, o shop.Order, withStatus bool) string {
	lang := p.Lang()
	var lines strings.Builder
	for _, l := range o.Lines {
		lines.WriteString("\n" + p.T("cart.line", "name", lineName(sh.Catalog, l.Item, lang), "qty", l.Qty,
			"price", l.Price.Format(lang), "total", l.Total().Format(lang)))
	}
	customer := o.Name
	if o.Phone != "" {
		customer += ", " + o.Phone
	}
	payment := p.T("admin.payment_waiting")
	switch {
	case o.Status == shop.StatusNew && o.Provider == "qr":
		payment = p.T("admin.payment_transfer", "number", o.Number)
	case o.Status != shop.StatusNew && o.Status != shop.StatusCancelled || o.PaymentID != "":
		provider := o.Provider
		if provider == "" {
			provider = "—"
		}
		payment = p.T("admin.payment_paid", "provider", provider)
	}
	delivery := deliveryText(p, sh.Catalog, o.Delivery)
	if o.Slot != nil { // the weekday, not "Tomorrow": the card is read later too
		delivery = p.T("checkout.delivery_in", "delivery", delivery, "slot", windowName(p, sh.zone(), time.Time{}, *o.Slot))
	}
	body := p.T("admin.order_body", "date", sh.zoneTime(p, o.CreatedAt), "channel", staffChannel(p, o.Channel),
		"customer", customer, "lines", lines.String(), "delivery", delivery,
		"totals", orderSums(p, o), "total", o.Total.Format(lang), "payment", payment)
	if o.Tracking != "" {
		body += "\n" + p.T("admin.tracking", "tracking", o.Tracking)
	}
	if o.Refunded.Minor > 0 {
		body += "\n" + p.T("admin.refunded", "amount", o.Refunded.Format(lang))
	}
	if !withStatus {
		return body
	}
	var hist strings.Builder
	for _, h := range o.History {
		who := h.By
		if who == "" {
			who = p.T("admin.by_shop")
		}
		hist.WriteString("\n" + p.T("admin.history_line", "status", p.T("status."+string(h.Status)), "time", sh.zoneTime(p, h.At), "by", who))
	}
	return p.T("admin.order_card", "number", o.Number, "status", p.T("status."+string(o.Status)), "body", body) + hist.String()
}

// orderSums writes the lines of an order's total in p's language, as its
// summary showed them: the items, the promo code's discount, the points
// paid and the delivery fee. With the total below them they add up: the
// fee is what the total has beyond the rest (the fee recorded, or the one
// an order placed before fees were recorded paid).
func orderSums(p *locales.Printer, o shop.Order) string {
	lang, cur := p.Lang(), o.Total.Currency
	money := func(minor int64) string { return shop.Money{Minor: minor, Currency: cur}.Format(lang) }
	items := o.Items().Minor
	sums := []string{p.T("checkout.sum_items", "amount", money(items))}
	if o.Discount.Minor > 0 {
		code := ""
		if o.Promo != nil {
			code = o.Promo.Code
		}
		sums = append(sums, p.T("checkout.sum_discount", "code", code, "amount", money(o.Discount.Minor)))
	}
	points := o.PointsValue().Minor
	if o.Points > 0 {
		sums = append(sums, p.N("checkout.sum_points", int(o.Points), "amount", money(points)))
	}
	switch fee := o.Total.Minor - (items - o.Discount.Minor - points); {
	case fee > 0:
		sums = append(sums, p.T("orders.sum_delivery", "amount", money(fee)))
	case fee == 0:
		sums = append(sums, p.T("orders.sum_delivery", "amount", p.T("checkout.free")))
	}
	return strings.Join(sums, "\n")
}

// zoneTime formats an instant in the shop's time zone and p's language.
func (s *Shop) zoneTime(p *locales.Printer, t time.Time) string {
	return t.In(s.zone()).Format(p.T("time.datetime"))
}

// lineName names an item in lang: the product and its variant.
func lineName(cat *catalog.Catalog, item shop.Item, lang string) string {
	p, ok := cat.Product(item.SKU)
	if !ok {
		return item.Key()
	}
	name := p.Name.In(lang)
	if v, ok := p.Variant(item.Variant); ok {
		name += " (" + v.Name.In(lang) + ")"
	}
	return name
}

// deliveryText says where an order goes, in p's language.
func deliveryText(p *locales.Printer, cat *catalog.Catalog, d shop.Delivery) string {
	if d.Method == shop.DeliveryPickup {
		pt, _ := cat.Delivery.Point(d.Point)
		return p.T("checkout.pickup_at", "name", pt.Name.In(p.Lang()), "address", pt.Address.In(p.Lang()))
	}
	return p.T("checkout.courier_to", "address", d.Address)
}

// staffChannel names a chat channel for people.
func staffChannel(p *locales.Printer, channel string) string {
	if channel == "" {
		return "—"
	}
	return textOr(p, "channel."+channel, channel)
}

// textOr is the text of key in p's language, or raw when there is none
// (or no printer).
func textOr(p *locales.Printer, key, raw string) string {
	if p == nil {
		return raw
	}
	if s := p.T(key); s != key {
		return s
	}
	return raw
}
