package flows

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"omnicart/shop"
)

// Checkout up to the summary: the contact (name and phone), the delivery
// (a courier address and window, or a pickup point) and the summary, where
// the shopper sees every line of the total, may add the one related item
// offered, type a promo code and pay part with loyalty points. Placing the
// order and paying are in pay.go; what the order costs is worked out here
// (priceOrder), and its window, code use and points are taken with it in
// the store's transaction.

// checkoutStore is what the checkout reads besides the session.
type checkoutStore interface {
	Extras
	Stock
}

// checkoutActions are the actions of the checkout flow before the order is
// placed; a phone the shopper confirms links their chats through link.
func checkoutActions(link linker, st checkoutStore) Actions {
	k := checkout{link: link, st: st}
	return Actions{
		"start_checkout":     {Emits: []string{"empty", "name", "known"}, Run: startCheckout},
		"take_name":          {Emits: []string{"ok"}, Run: takeName},
		"ask_phone":          {Emits: []string{"keep"}, Run: askPhone},
		"take_phone":         {Emits: []string{"ok"}, Run: k.takePhone},
		"ask_delivery":       {Fills: []string{"name", "phone", "courier", "free", "points"}, Run: askDelivery},
		"ask_address":        {Emits: []string{"same"}, Run: askAddress},
		"take_address":       {Emits: []string{"ok"}, Run: takeAddress},
		"list_pickup_points": {Emits: []string{"pick"}, Run: listPickupPoints},
		"take_location":      {Emits: []string{"located"}, Run: takeLocation},
		"list_slot_days":     {Emits: []string{"day", "none"}, Run: k.listSlotDays},
		"list_slot_windows":  {Fills: []string{"day"}, Emits: []string{"window", "full"}, Run: k.listSlotWindows},
		"show_summary": {Fills: []string{"lines", "delivery", "fee", "total", "name", "phone", "totals", "points", "offer"},
			Emits: []string{"empty", "full", "add", "points", "drop_promo"}, Run: k.showSummary},
		"take_promo": {Emits: []string{"promo"}, Run: k.takePromo},
	}
}

type checkout struct {
	link linker
	st   checkoutStore
}

func startCheckout(c *Ctx) (string, error) {
	if len(c.Cart.Lines) == 0 {
		return "empty", nil
	}
	c.Track(shop.EventCheckout, "")
	// A new checkout: a new offer, points chosen anew. The promo code stays
	// (it may come from a deep link before the cart was filled).
	delete(c.Vars, varCrossSell)
	delete(c.Vars, varUsePoints)
	// Name and phone confirmed in this conversation, or a phone the platform
	// vouches for: go straight to delivery, which shows them with a button
	// to change them.
	if c.Customer.Name != "" && c.Customer.Phone != "" && (c.Vars[varContactOK] == "1" || c.Customer.PhoneVerified) {
		return "known", nil
	}
	return "name", nil
}

// maxField is the longest name or address kept, in runes.
const maxField = 200

func cleanField(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) > maxField {
		s = string([]rune(s)[:maxField])
	}
	return s
}

func takeName(c *Ctx) (string, error) {
	name := cleanField(c.Msg.Text)
	if c.Msg.Contact != nil && c.Msg.Contact.Name != "" {
		name = cleanField(c.Msg.Contact.Name)
	}
	if utf8.RuneCountInString(name) < 2 {
		c.Say("checkout.bad_name")
		return "", nil
	}
	c.Customer.Name = name
	c.CustomerChanged()
	return "ok", nil
}

func askPhone(c *Ctx) (string, error) {
	c.AskContact()
	if c.Customer.Phone != "" {
		c.Text(c.P.T("checkout.ask_phone_known", "phone", c.Customer.Phone))
		c.Row(c.Button(c.P.T("checkout.keep_phone", "phone", c.Customer.Phone), "keep", ""))
	}
	return "", nil
}

func (k checkout) takePhone(c *Ctx) (string, error) {
	raw := c.Msg.Text
	if c.Msg.Contact != nil {
		raw = c.Msg.Contact.Phone
	}
	phone, ok := normalizePhone(raw, localPhones(c))
	if !ok && strings.TrimSpace(raw) == "" && c.Customer.Phone != "" {
		phone, ok = c.Customer.Phone, true
	}
	if !ok {
		c.Say("checkout.bad_phone")
		return "", nil
	}
	if c.Customer.Phone != phone {
		c.Customer.PhoneVerified = false
	}
	c.Customer.Phone = phone
	if c.Msg.Contact != nil && c.Msg.Contact.Own {
		c.Customer.PhoneVerified = true
	}
	c.Vars[varContactOK] = "1"
	c.CustomerChanged()
	if err := k.link.byPhone(c); err != nil {
		return "", err
	}
	return "ok", nil
}

// normalizePhone reads a phone number as people type it and returns it as
// "+" and digits: "+7 (999) 123-45-67" → "+79991234567". Spaces (any
// Unicode space, NBSP included), dashes (any Unicode dash), dots and
// brackets may separate the digits; one "+" may lead. The rules:
//
//   - +7 (Russia, Kazakhstan) is followed by exactly 10 digits;
//   - another country code may not start with 0, and the whole number has
//     10 to 15 digits (E.164);
//   - 8 and 10 more digits is a Russian number dialled at home: +7;
//   - 10 digits starting with 9 (a Russian mobile without its code) are
//     +7 and the 10 digits when local is true (the shop sells in roubles);
//     other 10 digits without "+" are refused: a national number whose
//     country is unknown;
//   - 11 to 15 digits without "+" are read as if it led them ("7999...").
func normalizePhone(s string, local bool) (string, bool) {
	s = strings.TrimSpace(s)
	var b strings.Builder
	plus := false
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0:
			plus = true
		case unicode.IsSpace(r), unicode.Is(unicode.Zs, r), unicode.Is(unicode.Pd, r), r == '\u2212',
			r == '(' || r == ')' || r == '.':
		default:
			return "", false
		}
	}
	digits := b.String()
	if !plus {
		switch {
		case len(digits) == 11 && digits[0] == '8':
			digits = "7" + digits[1:]
		case len(digits) == 10:
			if !local || digits[0] != '9' {
				return "", false
			}
			digits = "7" + digits
		}
	}
	switch {
	case digits == "" || digits[0] == '0':
		return "", false
	case digits[0] == '7' && len(digits) != 11:
		return "", false
	case len(digits) < 10 || len(digits) > 15:
		return "", false
	}
	return "+" + digits, true
}

// localPhones reports whether the shop reads a 10-digit number starting
// with 9 as a Russian mobile (+7): when it sells in roubles.
func localPhones(c *Ctx) bool { return c.Catalog().Currency == "RUB" }

func askDelivery(c *Ctx) (string, error) {
	if c.Event == "keep" {
		c.Vars[varContactOK] = "1"
	}
	d := c.Catalog().Delivery
	free := c.P.T("checkout.courier_never_free")
	if d.Courier.FreeFrom.Minor > 0 {
		free = c.P.T("checkout.courier_free_from", "amount", c.Money(d.Courier.FreeFrom))
	}
	lines, _ := pricedNow(c, c.Cart.Lines)
	items := shop.Cart{Lines: lines}.Total()
	courier := c.Money(d.CourierPrice(items))
	if d.CourierPrice(items).Minor == 0 {
		courier, free = c.P.T("checkout.free"), c.P.T("checkout.free_for_this_order")
	}
	c.Args("name", c.Customer.Name, "phone", c.Customer.Phone,
		"courier", courier, "free", free, "points", len(d.Pickup))
	return "", nil
}

func askAddress(c *Ctx) (string, error) {
	if c.Event == "same" {
		return "", nil
	}
	if c.Customer.Address != "" {
		c.Row(c.Button(c.P.T("checkout.same_address", "address", c.Customer.Address), "same", ""))
	}
	return "", nil
}

func takeAddress(c *Ctx) (string, error) {
	addr := cleanField(c.Msg.Text)
	if utf8.RuneCountInString(addr) < 5 {
		c.Say("checkout.bad_address")
		return "", nil
	}
	c.Customer.Address = addr
	c.CustomerChanged()
	c.Vars[varDelivery] = shop.DeliveryCourier
	return "ok", nil
}

func listPickupPoints(c *Ctx) (string, error) {
	d := c.Catalog().Delivery
	points := d.Pickup
	lat, errLat := strconv.ParseFloat(c.Vars[varLat], 64)
	lon, errLon := strconv.ParseFloat(c.Vars[varLon], 64)
	if errLat == nil && errLon == nil {
		points = d.Nearest(lat, lon, len(points))
		c.Text(c.P.T("checkout.nearest_pickup"))
	}
	for _, p := range points {
		c.Row(c.Button(c.P.T("checkout.point_button", "name", p.Name.In(c.Lang()), "address", p.Address.In(c.Lang())), "pick", p.ID))
	}
	c.AskLocation()
	return "", nil
}

func takeLocation(c *Ctx) (string, error) {
	if c.Msg.Location == nil {
		c.Say("checkout.use_buttons")
		return "", nil
	}
	c.Vars[varLat] = strconv.FormatFloat(c.Msg.Location.Lat, 'f', 6, 64)
	c.Vars[varLon] = strconv.FormatFloat(c.Msg.Location.Lon, 'f', 6, 64)
	return "located", nil
}

// delivery returns the delivery chosen in this checkout.
func delivery(c *Ctx) shop.Delivery {
	if c.Vars[varDelivery] == shop.DeliveryPickup {
		return shop.Delivery{Method: shop.DeliveryPickup, Point: c.Vars[varPoint]}
	}
	return shop.Delivery{Method: shop.DeliveryCourier, Address: c.Customer.Address}
}

// --- courier windows ---

func (k checkout) showSummary(c *Ctx) (string, error) {
	switch c.Event {
	case "pick":
		if _, ok := c.Catalog().Delivery.Point(c.Arg); !ok {
			c.Say("error.stale")
			return "", nil
		}
		c.Vars[varDelivery] = shop.DeliveryPickup
		c.Vars[varPoint] = c.Arg
		delete(c.Vars, varSlot)
	case "same":
		c.Vars[varDelivery] = shop.DeliveryCourier
	case "window":
		if ok, err := k.takeWindow(c); err != nil || !ok {
			return "full", err
		}
	case "add":
		addCrossSell(c)
	case "points":
		if c.Arg == "on" {
			c.Vars[varUsePoints] = "1"
		} else {
			delete(c.Vars, varUsePoints)
		}
	case "drop_promo":
		c.Say("checkout.promo_removed", "code", c.Vars[varPromo])
		delete(c.Vars, varPromo)
	}
	if len(c.Cart.Lines) == 0 {
		return "empty", nil
	}
	// The summary shows the prices in force, which placing the order
	// takes: a price changed since the item was carted is updated, and said.
	if lines, changed := pricedNow(c, c.Cart.Lines); changed {
		c.Cart.Lines = lines
		c.Say("checkout.prices_changed")
	}
	d := delivery(c)
	if needsSlot(c, d) {
		c.Say("checkout.window_gone")
		return "full", nil
	}
	b, _, err := billFor(c, k.st, c.Cart.Lines, d)
	if err != nil {
		return "", err
	}
	// What the shopper confirms: placing the order checks it costs that.
	c.Vars[varSummary] = strconv.FormatInt(b.total.Minor, 10)
	if c.Event == "promo" && b.promo != nil {
		c.Say("checkout.promo_applied", "code", b.promo.Code, "amount", c.Money(b.discount))
	}
	var lines strings.Builder
	for _, l := range c.Cart.Lines {
		lines.WriteString(c.P.T("cart.line", "name", itemName(c, l.Item), "qty", l.Qty, "price", c.Money(l.Price), "total", c.Money(l.Total())) + "\n")
	}
	_, where := orderDelivery(c, d)
	if b.slot != nil {
		where = c.P.T("checkout.delivery_in", "delivery", where, "slot", slotLabel(c, *b.slot))
	}
	if d.Method == shop.DeliveryPickup {
		where = pickupDetails(c, d.Point, where)
	}

	// Every total shows its lines: items, discount, points, delivery, to pay.
	totals := []string{c.P.T("checkout.sum_items", "amount", c.Money(b.items))}
	if b.promo != nil {
		totals = append(totals, c.P.T("checkout.sum_discount", "code", b.promo.Code, "amount", c.Money(b.discount)))
	}
	if b.points > 0 {
		totals = append(totals, c.P.N("checkout.sum_points", int(b.points), "amount", c.Money(b.pointsValue)))
	}
	fee := c.Money(b.fee)
	if b.fee.Minor == 0 {
		fee = c.P.T("checkout.free")
	}
	totals = append(totals, c.P.T("checkout.sum_delivery", "amount", fee),
		c.P.T("checkout.sum_to_pay", "amount", c.Money(b.total)))
	points := ""
	if b.balance > 0 {
		points = "\n" + c.P.N("checkout.points_balance", int(b.balance))
	}

	// One compact offer, on the first summary of the checkout only.
	offer := ""
	if c.Vars[varCrossSell] == "" {
		c.Vars[varCrossSell] = "-"
		p, ok, err := k.crossSell(c)
		if err != nil {
			return "", err
		}
		if ok {
			c.Vars[varCrossSell] = p.SKU
			name := p.Name.In(c.Lang())
			offer = "\n\n" + c.P.T("checkout.cross_sell", "name", name, "price", c.Money(p.Price))
			c.Row(c.Button(c.P.T("checkout.cross_sell_add", "name", name, "price", c.Money(p.Price)), "add", p.SKU))
		}
	}
	switch {
	case b.points > 0:
		c.Row(c.Button(c.P.T("checkout.points_off"), "points", "off"))
	case b.most > 0:
		c.Row(c.Button(c.P.N("checkout.points_on", int(b.most), "amount", c.Money(shop.Money{Minor: b.most * shop.PointValue, Currency: b.total.Currency})), "points", "on"))
	}
	if b.promo != nil {
		c.Row(c.Button(c.P.T("checkout.promo_remove", "code", b.promo.Code), "drop_promo", ""))
	}
	c.Args("lines", strings.TrimRight(lines.String(), "\n"), "delivery", where, "fee", fee,
		"total", c.Money(b.total), "name", c.Customer.Name, "phone", c.Customer.Phone,
		"totals", strings.Join(totals, "\n"), "points", points, "offer", offer)
	return "", nil
}

// pricedNow returns lines at the catalog's prices in force, and whether
// any of them differs from the price lines have. A line whose product or
// variant is no longer sold keeps its price (placing the order says it
// is gone).
func pricedNow(c *Ctx, lines []shop.Line) ([]shop.Line, bool) {
	out := make([]shop.Line, len(lines))
	changed := false
	for i, l := range lines {
		out[i] = l
		p, ok := c.Catalog().Product(l.SKU)
		if _, hasVariant := p.Variant(l.Variant); !ok || l.Variant != "" && !hasVariant {
			continue
		}
		if now := p.PriceOf(l.Variant); now != l.Price {
			out[i].Price = now
			changed = true
		}
	}
	return out, changed
}

// pickupDetails adds a pickup point's hours and a map link to where.
func pickupDetails(c *Ctx, id, where string) string {
	p, ok := c.Catalog().Delivery.Point(id)
	if !ok {
		return where
	}
	if h := p.Hours.In(c.Lang()); h != "" {
		where += "\n" + c.P.T("checkout.pickup_hours", "hours", h)
	}
	return where + "\n" + c.P.T("checkout.pickup_map", "url", mapURL(p.Lat, p.Lon))
}

// mapURL links a point on OpenStreetMap.
func mapURL(lat, lon float64) string {
	return fmt.Sprintf("https://www.openstreetmap.org/?mlat=%.5f&mlon=%.5f#map=17/%.5f/%.5f", lat, lon, lat, lon)
}

// placedDelivery says where and when placed order o goes: the courier's
// address and window (as the summary named it) or the pickup point.
func placedDelivery(c *Ctx, o shop.Order) string {
	_, where := orderDelivery(c, o.Delivery)
	if o.Slot != nil {
		where = c.P.T("checkout.delivery_in", "delivery", where, "slot", slotLabel(c, *o.Slot))
	}
	return where
}

// orderDelivery returns the courier fee for the order's lines before any
// discount and a line describing the delivery.
func orderDelivery(c *Ctx, d shop.Delivery) (shop.Money, string) {
	dl := c.Catalog().Delivery
	if d.Method == shop.DeliveryPickup {
		p, _ := dl.Point(d.Point)
		return shop.Money{Currency: c.Catalog().Currency}, c.P.T("checkout.pickup_at", "name", p.Name.In(c.Lang()), "address", p.Address.In(c.Lang()))
	}
	fee := dl.CourierPrice(c.Cart.Total())
	fee.Currency = c.Catalog().Currency
	return fee, c.P.T("checkout.courier_to", "address", d.Address)
}
