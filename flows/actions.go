package flows

import (
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"omnicart/bot"
	"omnicart/catalog"
	"omnicart/payments"
	"omnicart/shop"
)

// Builtin returns the actions the default flows use; owners' flows may use
// them too.
func Builtin() Actions {
	return Actions{
		"main_menu":      {Fills: []string{"shop", "name", "cart"}, Run: mainMenu},
		"list_languages": {Emits: []string{"set"}, Run: listLanguages},
		"set_language":   {Emits: []string{"next"}, Run: setLanguage},

		"list_categories": {Emits: []string{"pick"}, Run: listCategories},
		"list_products":   {Fills: []string{"category", "page", "pages", "count"}, Emits: []string{"pick", "page"}, Run: listProducts},
		"show_product":    {Emits: []string{"buy", "variant", "pick", "missing"}, Run: showProduct},
		"ask_quantity":    {Fills: []string{"name", "qty", "total"}, Emits: []string{"inc", "dec", "add", "gone"}, Run: askQuantity},
		"take_quantity":   {Emits: []string{"typed"}, Run: takeQuantity},
		"add_to_cart":     {Fills: []string{"name", "qty", "cart", "total"}, Emits: []string{"gone"}, Run: addToCart},
		"take_query":      {Emits: []string{"query"}, Run: takeQuery},
		"search_results":  {Fills: []string{"page", "pages", "count"}, Emits: []string{"pick", "page", "none"}, Run: searchResults},

		"show_cart":   {Fills: []string{"lines", "total", "count"}, Emits: []string{"inc", "dec", "remove", "empty"}, Run: showCart},
		"change_line": {Emits: []string{"next"}, Run: changeLine},
		"clear_cart":  {Emits: []string{"next"}, Run: clearCart},

		"start_checkout":     {Emits: []string{"empty", "name", "known"}, Run: startCheckout},
		"take_name":          {Emits: []string{"ok"}, Run: takeName},
		"ask_phone":          {Emits: []string{"keep"}, Run: askPhone},
		"take_phone":         {Emits: []string{"ok"}, Run: takePhone},
		"ask_delivery":       {Fills: []string{"name", "phone", "courier", "free", "points"}, Run: askDelivery},
		"ask_address":        {Emits: []string{"same"}, Run: askAddress},
		"take_address":       {Emits: []string{"ok"}, Run: takeAddress},
		"list_pickup_points": {Emits: []string{"pick"}, Run: listPickupPoints},
		"take_location":      {Emits: []string{"located"}, Run: takeLocation},
		"show_summary":       {Fills: []string{"lines", "delivery", "fee", "total", "name", "phone"}, Emits: []string{"empty"}, Run: showSummary},
		"place_order":        {Emits: []string{"ok", "short", "empty"}, Run: placeOrder},
		"offer_payment":      {Fills: []string{"number", "total"}, Emits: []string{"pay"}, Run: offerPayment},
		"take_payment":       {Emits: []string{"paid", "failed", "gone"}, Run: takePayment},
		"order_done":         {Fills: []string{"number", "total", "delivery"}, Run: orderDone},

		"show_links":     {Fills: []string{"channels", "code"}, Emits: []string{"unlink"}, Run: showLinks},
		"unlink_channel": {Emits: []string{"next"}, Run: unlinkChannel},

		"list_orders": {Fills: []string{"count"}, Emits: []string{"pick"}, Run: listOrders},
		"show_order":  {Emits: []string{"pay"}, Run: showOrder},
	}
}

// pageSize is how many list buttons one screen shows.
const pageSize = 6

func mainMenu(c *Ctx) (string, error) {
	name := c.Customer.Name
	if name == "" {
		name = c.P.T("menu.friend")
	}
	c.Args("shop", c.Shop.Name, "name", name, "cart", c.P.N("cart.items", c.Cart.Count()))
	return "", nil
}

func listLanguages(c *Ctx) (string, error) {
	for _, l := range c.Shop.Texts.Langs() {
		c.Row(c.Button(c.Shop.Texts.Printer(l).T("lang.name"), "set", l))
	}
	return "", nil
}

func setLanguage(c *Ctx) (string, error) {
	for _, l := range c.Shop.Texts.Langs() {
		if l == c.Arg {
			c.Customer.Lang = l
			c.CustomerChanged()
			c.P = c.Shop.Texts.Printer(l)
			c.Say("lang.set")
		}
	}
	return "next", nil
}

func listCategories(c *Ctx) (string, error) {
	for _, cat := range c.Catalog().Categories {
		label := cat.Name.In(c.Lang())
		if cat.Emoji != "" {
			label = cat.Emoji + " " + label
		}
		c.Row(c.Button(label, "pick", cat.ID))
	}
	return "", nil
}

func listProducts(c *Ctx) (string, error) {
	if c.Event == "pick" {
		c.Vars["cat"] = c.Arg
		c.Vars["page"] = "0"
	}
	if c.Event == "page" {
		c.Vars["page"] = c.Arg
	}
	cat, ok := c.Catalog().Category(c.Vars["cat"])
	if !ok {
		if cats := c.Catalog().Categories; len(cats) > 0 {
			cat = cats[0]
			c.Vars["cat"] = cat.ID
		}
	}
	c.Args("category", cat.Name.In(c.Lang()))
	productList(c, c.Catalog().InCategory(cat.ID))
	return "", nil
}

// productList shows one page of products as buttons with paging.
func productList(c *Ctx, ps []catalog.Product) {
	page, _ := strconv.Atoi(c.Vars["page"])
	pages := (len(ps) + pageSize - 1) / pageSize
	page = max(0, min(page, pages-1))
	c.Vars["page"] = strconv.Itoa(page)
	for _, p := range ps[min(page*pageSize, len(ps)):min((page+1)*pageSize, len(ps))] {
		c.Row(c.Button(c.P.T("browse.product_button", "name", p.Name.In(c.Lang()), "price", c.Money(p.Price)), "pick", p.SKU))
	}
	if pages > 1 {
		var row []bot.Choice
		if page > 0 {
			row = append(row, c.Button(c.P.T("common.prev"), "page", strconv.Itoa(page-1)))
		}
		row = append(row, c.Button(c.P.T("common.page", "page", page+1, "pages", pages), "page", strconv.Itoa(page)))
		if page < pages-1 {
			row = append(row, c.Button(c.P.T("common.next"), "page", strconv.Itoa(page+1)))
		}
		c.Row(row...)
	}
	c.Args("page", page+1, "pages", max(pages, 1), "count", len(ps))
}

// current returns the product the conversation is about.
func current(c *Ctx) (catalog.Product, bool) {
	return c.Catalog().Product(c.Vars["sku"])
}

// stockItem is the item whose stock counter item draws from: the product
// itself for variants that share its stock.
func stockItem(c *Ctx, item shop.Item) shop.Item {
	if c.Catalog().StockKey(item) == item.SKU {
		return shop.Item{SKU: item.SKU}
	}
	return item
}

// inCart is how much of item's stock counter the cart already holds.
func inCart(c *Ctx, item shop.Item) int {
	key, n := c.Catalog().StockKey(item), 0
	for _, l := range c.Cart.Lines {
		if c.Catalog().StockKey(l.Item) == key {
			n += l.Qty
		}
	}
	return n
}

// stockOf is the live stock of an item; ok is false for unlimited items.
func stockOf(c *Ctx, item shop.Item) (int, bool, error) {
	n, known, err := c.Store().Stock(c, stockItem(c, item))
	if err != nil {
		return 0, false, fmt.Errorf("stock of %s: %w", item.Key(), err)
	}
	return n, known, nil
}

func showProduct(c *Ctx) (string, error) {
	if c.Event == "pick" {
		c.Vars["sku"] = c.Arg
	}
	p, ok := current(c)
	if !ok {
		c.Say("browse.no_such_product")
		return "missing", nil
	}
	c.Vars["cat"] = p.Category
	c.Track("view", p.SKU, "")
	lang := c.Lang()
	var b strings.Builder
	b.WriteString(c.P.T("browse.card", "name", p.Name.In(lang), "price", c.Money(p.Price), "description", p.Description.In(lang)))
	available := false
	if len(p.Variants) == 0 {
		n, known, err := stockOf(c, shop.Item{SKU: p.SKU})
		if err != nil {
			return "", err
		}
		available = !known || n > 0
		b.WriteString("\n" + stockLine(c, n, known))
		if available {
			c.Row(c.Button(c.P.T("browse.add"), "buy", p.SKU))
		}
	} else {
		for _, v := range p.Variants {
			n, known, err := stockOf(c, shop.Item{SKU: p.SKU, Variant: v.ID})
			if err != nil {
				return "", err
			}
			if known && n <= 0 {
				b.WriteString("\n" + c.P.T("browse.variant_out", "variant", v.Name.In(lang)))
				continue
			}
			available = true
			c.Row(c.Button(c.P.T("browse.variant_button", "variant", v.Name.In(lang), "price", c.Money(p.PriceOf(v.ID))), "variant", v.ID))
		}
		if !available {
			b.WriteString("\n" + c.P.T("browse.out_of_stock"))
		}
	}
	if p.WarrantyMonths > 0 {
		b.WriteString("\n" + c.P.N("browse.warranty", p.WarrantyMonths))
	}
	var rel []bot.Choice
	for _, sku := range p.Related {
		if r, ok := c.Catalog().Product(sku); ok && len(rel) < 2 {
			rel = append(rel, c.Button(c.P.T("browse.related", "name", r.Name.In(lang)), "pick", r.SKU))
		}
	}
	for _, r := range rel {
		c.Row(r)
	}
	c.Text(b.String())
	c.Photo(p.Photo)
	return "", nil
}

func stockLine(c *Ctx, n int, known bool) string {
	switch {
	case !known:
		return c.P.T("browse.in_stock")
	case n <= 0:
		return c.P.T("browse.out_of_stock")
	case n <= 5:
		return c.P.N("browse.few_left", n)
	}
	return c.P.T("browse.in_stock")
}

// maxQty is the most of one item the quantity screen offers.
const maxQty = 20

func askQuantity(c *Ctx) (string, error) {
	p, ok := current(c)
	if !ok {
		c.Say("browse.no_such_product")
		return "", nil
	}
	qty, _ := strconv.Atoi(c.Vars["qty"])
	switch c.Event {
	case "buy", "variant":
		// A button from an older card may name a variant or a product that
		// is gone or sold out since.
		variant := ""
		if c.Event == "variant" {
			if _, ok := p.Variant(c.Arg); !ok {
				c.Say("error.stale")
				return "gone", nil
			}
			variant = c.Arg
		} else if len(p.Variants) > 0 {
			c.Say("error.stale")
			return "gone", nil
		}
		item := shop.Item{SKU: p.SKU, Variant: variant}
		if n, known, err := stockOf(c, item); err != nil {
			return "", err
		} else if known && n <= 0 {
			c.Say("browse.none_left", "name", itemName(c, item))
			return "gone", nil
		}
		c.Vars["variant"] = variant
		qty = 1
	case "inc":
		qty++
	case "dec":
		qty--
	}
	qty = max(1, min(qty, maxQty))
	c.Vars["qty"] = strconv.Itoa(qty)
	item := shop.Item{SKU: p.SKU, Variant: c.Vars["variant"]}
	name := itemName(c, item)
	price := p.PriceOf(item.Variant)
	c.Args("name", name, "qty", qty, "total", c.Money(price.Mul(qty)))
	c.Row(c.Button("−", "dec", ""), c.Button(strconv.Itoa(qty), "inc", ""), c.Button("+", "inc", ""))
	c.Row(c.Button(c.P.T("browse.add_qty", "qty", qty, "total", c.Money(price.Mul(qty))), "add", ""))
	return "", nil
}

func takeQuantity(c *Ctx) (string, error) {
	n, err := strconv.Atoi(strings.TrimSpace(c.Msg.Text))
	if err != nil || n < 1 || n > maxQty {
		c.Say("browse.bad_quantity", "max", maxQty)
		return "", nil
	}
	c.Vars["qty"] = strconv.Itoa(n)
	return "typed", nil
}

// itemName is "Product" or "Product (Variant)".
func itemName(c *Ctx, item shop.Item) string {
	p, ok := c.Catalog().Product(item.SKU)
	if !ok {
		return item.Key()
	}
	name := p.Name.In(c.Lang())
	if v, ok := p.Variant(item.Variant); ok {
		name += " (" + v.Name.In(c.Lang()) + ")"
	}
	return name
}

func addToCart(c *Ctx) (string, error) {
	p, ok := current(c)
	if !ok {
		c.Say("browse.no_such_product")
		return "", nil
	}
	qty, _ := strconv.Atoi(c.Vars["qty"])
	qty = max(1, min(qty, maxQty))
	item := shop.Item{SKU: p.SKU, Variant: c.Vars["variant"]}
	n, known, err := stockOf(c, item)
	if err != nil {
		return "", err
	}
	if known {
		room := n - inCart(c, item)
		if room <= 0 {
			c.Say("browse.none_left", "name", itemName(c, item))
			return "gone", nil
		}
		if qty > room {
			c.Say("browse.only_left", "name", itemName(c, item), "count", n)
			qty = room
		}
	}
	c.Cart.Add(item, qty, p.PriceOf(item.Variant))
	c.Track("cart", p.SKU, "")
	c.Args("name", itemName(c, item), "qty", qty, "cart", c.P.N("cart.items", c.Cart.Count()), "total", c.Money(c.Cart.Total()))
	return "", nil
}

func takeQuery(c *Ctx) (string, error) {
	q := strings.TrimSpace(c.Msg.Text)
	if q == "" {
		c.Say("search.ask")
		return "", nil
	}
	c.Arg = q
	return "query", nil
}

// maxQuery is the longest search query kept.
const maxQuery = 100

func searchResults(c *Ctx) (string, error) {
	switch c.Event {
	case "page":
		c.Vars["page"] = c.Arg
	case "":
	default:
		q := strings.TrimSpace(c.Arg)
		if utf8.RuneCountInString(q) > maxQuery {
			q = string([]rune(q)[:maxQuery])
		}
		c.Vars["q"] = q
		c.Vars["page"] = "0"
	}
	q := c.Vars["q"]
	if q == "" {
		return "none", nil
	}
	found := c.Catalog().Search(q, c.Lang())
	if len(found) == 0 {
		c.Text(c.P.T("search.nothing", "query", q))
		return "", nil
	}
	productList(c, found)
	c.Text(c.P.N("search.found", len(found), "query", q))
	return "", nil
}

func showCart(c *Ctx) (string, error) {
	if len(c.Cart.Lines) == 0 {
		return "empty", nil
	}
	var b strings.Builder
	for i, l := range c.Cart.Lines {
		fmt.Fprintf(&b, "%d. %s\n", i+1, c.P.T("cart.line", "name", itemName(c, l.Item), "qty", l.Qty,
			"price", c.Money(l.Price), "total", c.Money(l.Total())))
		n := strconv.Itoa(i + 1)
		ref := lineRef(l.Item)
		c.Row(c.Button(n+" −", "dec", ref), c.Button(n+" +", "inc", ref), c.Button(n+" ✕", "remove", ref))
	}
	c.Args("lines", strings.TrimRight(b.String(), "\n"), "total", c.Money(c.Cart.Total()), "count", c.P.N("cart.items", c.Cart.Count()))
	return "", nil
}

// lineRef is a short, stable name of a cart line for button data: an
// "SKU/variant" key may be longer than callback data allows.
func lineRef(item shop.Item) string {
	h := fnv.New64a()
	h.Write([]byte(item.Key()))
	return strconv.FormatUint(h.Sum64(), 36)
}

func changeLine(c *Ctx) (string, error) {
	var item shop.Item
	for _, l := range c.Cart.Lines {
		if lineRef(l.Item) == c.Arg {
			item = l.Item
		}
	}
	qty := c.Cart.Qty(item)
	if qty == 0 {
		c.Say("error.stale")
		return "next", nil
	}
	switch c.Event {
	case "inc":
		n, known, err := stockOf(c, item)
		if err != nil {
			return "", err
		}
		if known && inCart(c, item)+1 > n {
			c.Say("browse.only_left", "name", itemName(c, item), "count", n)
			break
		}
		c.Cart.SetQty(item, qty+1)
	case "dec":
		c.Cart.SetQty(item, qty-1)
	case "remove":
		c.Cart.SetQty(item, 0)
		c.Say("cart.removed", "name", itemName(c, item))
	}
	return "next", nil
}

func clearCart(c *Ctx) (string, error) {
	c.Cart.Lines = nil
	return "next", nil
}

func startCheckout(c *Ctx) (string, error) {
	if len(c.Cart.Lines) == 0 {
		return "empty", nil
	}
	c.Track("checkout", "", "")
	// Name and phone confirmed in this conversation, or a phone the platform
	// vouches for: go straight to delivery, which shows them with a button
	// to change them.
	if c.Customer.Name != "" && c.Customer.Phone != "" && (c.Vars["contact_ok"] == "1" || c.Customer.PhoneVerified) {
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

func takePhone(c *Ctx) (string, error) {
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
	c.Vars["contact_ok"] = "1"
	c.CustomerChanged()
	if err := linkByPhone(c); err != nil {
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
		c.Vars["contact_ok"] = "1"
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
	c.Vars["delivery"] = shop.DeliveryCourier
	return "ok", nil
}

func listPickupPoints(c *Ctx) (string, error) {
	d := c.Catalog().Delivery
	points := d.Pickup
	lat, errLat := strconv.ParseFloat(c.Vars["lat"], 64)
	lon, errLon := strconv.ParseFloat(c.Vars["lon"], 64)
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
	c.Vars["lat"] = strconv.FormatFloat(c.Msg.Location.Lat, 'f', 6, 64)
	c.Vars["lon"] = strconv.FormatFloat(c.Msg.Location.Lon, 'f', 6, 64)
	return "located", nil
}

// delivery returns the delivery chosen in this checkout.
func delivery(c *Ctx) shop.Delivery {
	if c.Vars["delivery"] == shop.DeliveryPickup {
		return shop.Delivery{Method: shop.DeliveryPickup, Point: c.Vars["point"]}
	}
	return shop.Delivery{Method: shop.DeliveryCourier, Address: c.Customer.Address}
}

func showSummary(c *Ctx) (string, error) {
	switch c.Event {
	case "pick":
		if _, ok := c.Catalog().Delivery.Point(c.Arg); !ok {
			c.Say("error.stale")
			return "", nil
		}
		c.Vars["delivery"] = shop.DeliveryPickup
		c.Vars["point"] = c.Arg
	case "same":
		c.Vars["delivery"] = shop.DeliveryCourier
	}
	if len(c.Cart.Lines) == 0 {
		return "empty", nil
	}
	var b strings.Builder
	for _, l := range c.Cart.Lines {
		b.WriteString(c.P.T("cart.line", "name", itemName(c, l.Item), "qty", l.Qty, "price", c.Money(l.Price), "total", c.Money(l.Total())) + "\n")
	}
	fee, where := orderDelivery(c, delivery(c))
	total := c.Cart.Total().Add(fee)
	c.Args("lines", strings.TrimRight(b.String(), "\n"), "delivery", where, "fee", c.Money(fee),
		"total", c.Money(total), "name", c.Customer.Name, "phone", c.Customer.Phone)
	return "", nil
}

// orderDelivery returns the delivery fee and a line describing the delivery.
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

// resumeWindow is how old an unpaid order may be for a repeated "place the
// order" to lead to it: the tap after a crash or a lost reply.
const resumeWindow = 30 * time.Minute

func placeOrder(c *Ctx) (string, error) {
	if len(c.Cart.Lines) == 0 {
		// The order may already be placed: its reply was lost (a crash, a
		// double tap). Lead to its payment instead of an empty cart.
		orders, err := c.Store().Orders(c, c.Customer.ID)
		if err != nil {
			return "", fmt.Errorf("place order: %w", err)
		}
		if len(orders) > 0 && orders[0].Status == shop.StatusNew && c.Now.Sub(orders[0].CreatedAt) < resumeWindow {
			c.Vars["order"] = orders[0].ID
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
	if open, err := unpaidOrders(c); err != nil {
		return "", err
	} else if open >= maxUnpaid {
		c.Say("checkout.too_many_unpaid", "count", open)
		return "short", nil
	}
	d := delivery(c)
	fee, _ := orderDelivery(c, d)
	o := shop.Order{CustomerID: c.Customer.ID, Lines: lines, Name: c.Customer.Name, Phone: c.Customer.Phone,
		Delivery: d, Channel: c.Msg.From.Channel, Status: shop.StatusNew}
	o.Total = (shop.Cart{Lines: lines}).Total().Add(fee)
	placed, err := c.Store().PlaceOrder(c, o)
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
	c.Vars["order"] = placed.ID
	c.Track("order", "", placed.ID)
	c.Say("checkout.placed", "number", placed.Number)
	return "ok", nil
}

// maxUnpaid is how many orders a customer may leave unpaid at once: stock
// is taken when an order is placed, so unpaid orders hold it until they
// expire.
const maxUnpaid = 3

func unpaidOrders(c *Ctx) (int, error) {
	orders, err := c.Store().Orders(c, c.Customer.ID)
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

func offerPayment(c *Ctx) (string, error) {
	o, err := c.Store().Order(c, c.Vars["order"])
	if err != nil {
		return "", fmt.Errorf("order to pay: %w", err)
	}
	c.Args("number", o.Number, "total", c.Money(o.Total))
	c.Row(c.Button(c.P.T("checkout.pay_button", "total", c.Money(o.Total)), "pay", o.ID))
	return "", nil
}

func takePayment(c *Ctx) (string, error) {
	id := c.Arg
	if id == "" {
		id = c.Vars["order"]
	}
	o, err := c.Store().Order(c, id)
	if err != nil || o.CustomerID != c.Customer.ID {
		c.Say("error.stale")
		return "gone", nil
	}
	c.Vars["order"] = o.ID
	switch o.Status {
	case shop.StatusNew:
	case shop.StatusCancelled:
		c.Say("checkout.order_cancelled", "number", o.Number)
		return "gone", nil
	default:
		c.Say("checkout.already_paid", "number", o.Number)
		return "paid", nil
	}
	p, err := c.eng.opt.Payments.Charge(c, o)
	if err != nil {
		c.Log.Warn("payment failed", "order", o.ID, "err", err)
		c.Say("checkout.payment_failed")
		return "failed", nil
	}
	if p.Status != payments.Succeeded {
		// A provider with a payment page: the order is paid when its
		// webhook says so, not now.
		if p.URL != "" {
			c.Say("checkout.pay_link", "url", p.URL)
		} else {
			c.Say("checkout.payment_failed")
		}
		return "failed", nil
	}
	_, err = c.Store().UpdateOrder(c, o.ID, func(o *shop.Order) error {
		if o.Status != shop.StatusNew {
			return nil
		}
		o.PaymentID = p.ID
		return o.Move(shop.StatusPaid, c.Now)
	})
	if err != nil {
		return "", fmt.Errorf("mark order %s paid: %w", o.ID, err)
	}
	c.Track("paid", "", o.ID)
	return "paid", nil
}

func orderDone(c *Ctx) (string, error) {
	o, err := c.Store().Order(c, c.Vars["order"])
	if err != nil {
		return "", fmt.Errorf("paid order: %w", err)
	}
	_, where := orderDelivery(c, o.Delivery)
	c.Args("number", o.Number, "total", c.Money(o.Total), "delivery", where)
	return "", nil
}

func listOrders(c *Ctx) (string, error) {
	orders, err := c.Store().Orders(c, c.Customer.ID)
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
		c.Row(c.Button(c.P.T("orders.button", "number", o.Number, "date", o.CreatedAt.Format("02.01.2006"),
			"total", c.Money(o.Total), "status", c.P.T("status."+string(o.Status))), "pick", o.ID))
	}
	c.Args("count", len(orders))
	return "", nil
}

func showOrder(c *Ctx) (string, error) {
	o, err := c.Store().Order(c, c.Arg)
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
	c.Text(c.P.T("orders.detail", "number", o.Number, "date", o.CreatedAt.Format("02.01.2006 15:04"),
		"status", c.P.T("status."+string(o.Status)), "lines", b.String(), "delivery", where, "total", c.Money(o.Total)))
	if o.Status == shop.StatusNew {
		c.Row(c.Button(c.P.T("checkout.pay_button", "total", c.Money(o.Total)), "pay", o.ID))
	}
	return "", nil
}
