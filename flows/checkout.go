package flows

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"omnicart/catalog"
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
	c.Track(shop.EventCheckout, "", "")
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
	phone, ok := normalizePhone(raw)
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

// normalizePhone keeps "+" and digits: "+7 (999) 123-45-67" → "+79991234567".
// A number needs 10 to 15 digits.
func normalizePhone(s string) (string, bool) {
	s = strings.TrimSpace(s)
	var b strings.Builder
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0:
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '(' || r == ')' || r == '.':
		default:
			return "", false
		}
	}
	p := b.String()
	digits := strings.TrimPrefix(p, "+")
	if len(digits) < 10 || len(digits) > 15 {
		return "", false
	}
	if !strings.HasPrefix(p, "+") {
		if len(digits) == 11 && digits[0] == '8' {
			digits = "7" + digits[1:]
		}
		p = "+" + digits
	}
	return p, true
}

func askDelivery(c *Ctx) (string, error) {
	if c.Event == "keep" {
		c.Vars[varContactOK] = "1"
	}
	d := c.Catalog().Delivery
	free := c.P.T("checkout.courier_never_free")
	if d.Courier.FreeFrom.Minor > 0 {
		free = c.P.T("checkout.courier_free_from", "amount", c.Money(d.Courier.FreeFrom))
	}
	courier := c.Money(d.CourierPrice(c.Cart.Total()))
	if d.CourierPrice(c.Cart.Total()).Minor == 0 {
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

// slotOffer returns the days and windows the shop offers now, in its time
// zone; nil when the courier has no windows.
func slotOffer(c *Ctx) []catalog.SlotDay {
	s := c.Catalog().Delivery.Courier.Slots
	if s == nil {
		return nil
	}
	return s.Offer(c.Now.In(c.Shop.zone()))
}

// freeSlots returns the windows of day that still have room.
func (k checkout) freeSlots(c *Ctx, day catalog.SlotDay) ([]shop.Slot, error) {
	taken, err := k.st.SlotsTaken(c, day.Slots)
	if err != nil {
		return nil, fmt.Errorf("delivery windows: %w", err)
	}
	var free []shop.Slot
	for i, s := range day.Slots {
		if s.Capacity == 0 || taken[i] < s.Capacity {
			free = append(free, s)
		}
	}
	return free, nil
}

// dayLabel names a day for the shopper: "Today, 20 Nov", "Sat, 21 Nov".
func dayLabel(c *Ctx, d time.Time) string {
	today := c.Now.In(c.Shop.zone())
	name := strings.Split(c.P.T("checkout.weekdays"), ",")[int(d.Weekday())%7]
	switch d.YearDay() - today.YearDay() {
	case 0:
		name = c.P.T("checkout.today")
	case 1:
		name = c.P.T("checkout.tomorrow")
	}
	return c.P.T("checkout.day", "weekday", strings.TrimSpace(name), "date", d.Format(c.P.T("checkout.day_layout")))
}

// slotLabel names a window for the shopper: "Sat, 21 Nov, 10:00–14:00".
func slotLabel(c *Ctx, s shop.Slot) string {
	d, err := time.ParseInLocation(time.DateOnly, s.Day, c.Shop.zone())
	if err != nil {
		return s.Key()
	}
	return c.P.T("checkout.slot", "day", dayLabel(c, d), "from", s.From, "to", s.To)
}

func (k checkout) listSlotDays(c *Ctx) (string, error) {
	if c.Event == "same" {
		c.Vars[varDelivery] = shop.DeliveryCourier
	}
	days := slotOffer(c)
	if days == nil {
		delete(c.Vars, varSlot)
		return "none", nil // the courier comes as its note says
	}
	n := 0
	for _, d := range days {
		free, err := k.freeSlots(c, d)
		if err != nil {
			return "", err
		}
		if len(free) == 0 {
			continue // a day whose every window is full is not offered
		}
		c.Row(c.Button(dayLabel(c, d.Date), "day", d.Date.Format(time.DateOnly)))
		n++
	}
	if n == 0 {
		c.Text(c.P.T("checkout.no_windows"))
	}
	return "", nil
}

func (k checkout) listSlotWindows(c *Ctx) (string, error) {
	if c.Event == "day" {
		c.Vars[varSlotDay] = c.Arg
	}
	for _, d := range slotOffer(c) {
		if d.Date.Format(time.DateOnly) != c.Vars[varSlotDay] {
			continue
		}
		free, err := k.freeSlots(c, d)
		if err != nil {
			return "", err
		}
		if len(free) == 0 {
			break
		}
		for _, s := range free {
			c.Row(c.Button(c.P.T("checkout.window_button", "from", s.From, "to", s.To), "window", s.From+"-"+s.To))
		}
		c.Args("day", dayLabel(c, d.Date))
		return "", nil
	}
	c.Say("checkout.day_full")
	return "full", nil
}

// chosenSlot returns the window chosen in this checkout, as the shop
// offers it now; ok is false when none is chosen or it is no longer offered.
func chosenSlot(c *Ctx) (shop.Slot, bool) {
	key := c.Vars[varSlot]
	if key == "" {
		return shop.Slot{}, false
	}
	for _, d := range slotOffer(c) {
		for _, s := range d.Slots {
			if s.Key() == key {
				return s, true
			}
		}
	}
	return shop.Slot{}, false
}

// needsSlot reports whether delivery d needs a window that is not chosen
// (or no longer offered).
func needsSlot(c *Ctx, d shop.Delivery) bool {
	if d.Method != shop.DeliveryCourier || c.Catalog().Delivery.Courier.Slots == nil {
		return false
	}
	_, ok := chosenSlot(c)
	return !ok
}

// takeWindow keeps the window the shopper tapped; false (said why) when
// it filled up meanwhile.
func (k checkout) takeWindow(c *Ctx) (bool, error) {
	c.Vars[varSlot] = c.Vars[varSlotDay] + "/" + c.Arg
	s, ok := chosenSlot(c)
	if !ok {
		delete(c.Vars, varSlot)
		c.Say("error.stale")
		return false, nil
	}
	taken, err := k.st.SlotsTaken(c, []shop.Slot{s})
	if err != nil {
		return false, fmt.Errorf("delivery window: %w", err)
	}
	if s.Capacity > 0 && taken[0] >= s.Capacity {
		delete(c.Vars, varSlot)
		c.Say("checkout.window_taken")
		return false, nil
	}
	return true, nil
}

// --- promo codes ---

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
		b.fee = c.Catalog().Delivery.CourierPrice(goods)
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
		for _, v := range []string{varPromo, varUsePoints, varSlot, varSlotDay, varCrossSell} {
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
	c.Track(shop.EventCarted, p.SKU, "")
	c.Say("checkout.cross_sell_added", "name", p.Name.In(c.Lang()), "price", c.Money(p.Price))
}

// --- the summary ---

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
	d := delivery(c)
	if needsSlot(c, d) {
		c.Say("checkout.window_gone")
		return "full", nil
	}
	b, _, err := billFor(c, k.st, c.Cart.Lines, d)
	if err != nil {
		return "", err
	}
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
