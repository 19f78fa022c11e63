package flows

import (
	"fmt"
	"strconv"
	"strings"

	"omnicart/bot"
	"omnicart/catalog"
	"omnicart/shop"
)

// Browsing the catalog: categories, a page of products, a product card,
// the quantity, and the item added to the cart.

// browseActions are the actions of the browse flow over the live stock.
func browseActions(stock Stock) Actions {
	b := browse{stock: stock}
	return Actions{
		"list_categories": {Emits: []string{"pick"}, Run: listCategories},
		"list_products":   {Fills: []string{"category", "page", "pages", "count", "paging"}, Emits: []string{"pick", "page"}, Run: b.listProducts},
		"show_product":    {Emits: []string{"buy", "variant", "pick", "missing"}, Run: b.showProduct},
		"ask_quantity":    {Fills: []string{"name", "qty", "total", "price"}, Emits: []string{"inc", "dec", "add", "gone"}, Run: b.askQuantity},
		"take_quantity":   {Emits: []string{"typed"}, Run: takeQuantity},
		"add_to_cart":     {Fills: []string{"name", "qty", "cart", "total"}, Emits: []string{"gone"}, Run: b.addToCart},
	}
}

type browse struct{ stock Stock }

// pageSize is how many list buttons one screen shows.
const pageSize = 6

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

func (b browse) listProducts(c *Ctx) (string, error) {
	if c.Event == "pick" {
		c.Vars[varCategory] = c.Arg
		c.Vars[varPage] = "0"
	}
	if c.Event == "page" {
		c.Vars[varPage] = c.Arg
	}
	cat, ok := c.Catalog().Category(c.Vars[varCategory])
	if !ok {
		if cats := c.Catalog().Categories; len(cats) > 0 {
			cat = cats[0]
			c.Vars[varCategory] = cat.ID
		}
	}
	c.Args("category", cat.Name.In(c.Lang()))
	_, err := productList(c, b.stock, c.Catalog().InCategory(cat.ID))
	return "", err
}

// productList shows one page of products as buttons, sold-out ones marked,
// with Prev and Next buttons. The page counter is text, never a button: it
// fills {paging} (", page 1 of 2", or "" when everything fits one page),
// which is also returned.
func productList(c *Ctx, st Stock, ps []catalog.Product) (string, error) {
	page, _ := strconv.Atoi(c.Vars[varPage])
	pages := (len(ps) + pageSize - 1) / pageSize
	page = max(0, min(page, pages-1))
	c.Vars[varPage] = strconv.Itoa(page)
	for _, p := range ps[min(page*pageSize, len(ps)):min((page+1)*pageSize, len(ps))] {
		key := "browse.product_button"
		sold, err := soldOut(c, st, p)
		if err != nil {
			return "", err
		}
		if sold {
			key = "browse.product_button_out"
		}
		c.Row(c.Button(c.P.T(key, "name", p.Name.In(c.Lang()), "price", c.Money(p.Price)), "pick", p.SKU))
	}
	paging := ""
	if pages > 1 {
		paging = c.P.T("common.paging", "page", page+1, "pages", pages)
		var row []bot.Choice
		if page > 0 {
			row = append(row, c.Button(c.P.T("common.prev"), "page", strconv.Itoa(page-1)))
		}
		if page < pages-1 {
			row = append(row, c.Button(c.P.T("common.next"), "page", strconv.Itoa(page+1)))
		}
		c.Row(row...)
	}
	c.Args("page", page+1, "pages", max(pages, 1), "count", len(ps), "paging", paging)
	return paging, nil
}

// soldOut reports whether none of p (none of any of its variants) is left.
func soldOut(c *Ctx, st Stock, p catalog.Product) (bool, error) {
	items := []shop.Item{{SKU: p.SKU}}
	if len(p.Variants) > 0 {
		items = items[:0]
		for _, v := range p.Variants {
			items = append(items, shop.Item{SKU: p.SKU, Variant: v.ID})
		}
	}
	for _, it := range items {
		n, known, err := stockOf(c, st, it)
		if err != nil {
			return false, err
		}
		if !known || n > 0 {
			return false, nil
		}
	}
	return true, nil
}

// current returns the product the conversation is about.
func current(c *Ctx) (catalog.Product, bool) {
	return c.Catalog().Product(c.Vars[varSKU])
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
func stockOf(c *Ctx, st Stock, item shop.Item) (int, bool, error) {
	n, known, err := st.Stock(c, stockItem(c, item))
	if err != nil {
		return 0, false, fmt.Errorf("stock of %s: %w", item.Key(), err)
	}
	return n, known, nil
}

func (b browse) showProduct(c *Ctx) (string, error) {
	if c.Event == "pick" {
		c.Vars[varSKU] = c.Arg
	}
	p, ok := current(c)
	if !ok {
		c.Say("browse.no_such_product")
		return "missing", nil
	}
	c.Vars[varCategory] = p.Category
	c.Track(shop.EventViewed, p.SKU)
	lang := c.Lang()
	var card strings.Builder
	card.WriteString(c.P.T("browse.card", "name", p.Name.In(lang), "price", c.Money(p.Price), "description", p.Description.In(lang)))
	available := false
	if len(p.Variants) == 0 {
		n, known, err := stockOf(c, b.stock, shop.Item{SKU: p.SKU})
		if err != nil {
			return "", err
		}
		available = !known || n > 0
		card.WriteString("\n" + stockLine(c, n, known))
		if available {
			c.Row(c.Button(c.P.T("browse.add"), "buy", p.SKU))
		}
	} else {
		for _, v := range p.Variants {
			n, known, err := stockOf(c, b.stock, shop.Item{SKU: p.SKU, Variant: v.ID})
			if err != nil {
				return "", err
			}
			if known && n <= 0 {
				card.WriteString("\n" + c.P.T("browse.variant_out", "variant", v.Name.In(lang)))
				continue
			}
			available = true
			c.Row(c.Button(c.P.T("browse.variant_button", "variant", v.Name.In(lang), "price", c.Money(p.PriceOf(v.ID))), "variant", v.ID))
		}
		if !available {
			card.WriteString("\n" + c.P.T("browse.out_of_stock"))
		}
	}
	if p.WarrantyMonths > 0 {
		card.WriteString("\n" + c.P.N("browse.warranty", p.WarrantyMonths))
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
	c.Text(card.String())
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

func (b browse) askQuantity(c *Ctx) (string, error) {
	p, ok := current(c)
	if !ok {
		c.Say("browse.no_such_product")
		return "", nil
	}
	qty, _ := strconv.Atoi(c.Vars[varQty])
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
		if n, known, err := stockOf(c, b.stock, item); err != nil {
			return "", err
		} else if known && n <= 0 {
			c.Say("browse.none_left", "name", itemName(c, item))
			return "gone", nil
		}
		c.Vars[varVariant] = variant
		qty = 1
	case "inc":
		qty++
	case "dec":
		qty--
	}
	qty = max(1, min(qty, maxQty))
	c.Vars[varQty] = strconv.Itoa(qty)
	item := shop.Item{SKU: p.SKU, Variant: c.Vars[varVariant]}
	name := itemName(c, item)
	price := p.PriceOf(item.Variant)
	c.Args("name", name, "qty", qty, "total", c.Money(price.Mul(qty)), "price", c.Money(price))
	// The quantity is in the text; the buttons only change it (a counter
	// that is a button reads as one more thing to press).
	c.Row(c.Button(c.P.T("browse.fewer"), "dec", ""), c.Button(c.P.T("browse.more"), "inc", ""))
	c.Row(c.Button(c.P.T("browse.add_qty", "qty", qty, "total", c.Money(price.Mul(qty))), "add", ""))
	return "", nil
}

func takeQuantity(c *Ctx) (string, error) {
	n, err := strconv.Atoi(strings.TrimSpace(c.Msg.Text))
	if err != nil || n < 1 || n > maxQty {
		c.Say("browse.bad_quantity", "max", maxQty)
		return "", nil
	}
	c.Vars[varQty] = strconv.Itoa(n)
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

func (b browse) addToCart(c *Ctx) (string, error) {
	p, ok := current(c)
	if !ok {
		c.Say("browse.no_such_product")
		return "", nil
	}
	qty, _ := strconv.Atoi(c.Vars[varQty])
	qty = max(1, min(qty, maxQty))
	item := shop.Item{SKU: p.SKU, Variant: c.Vars[varVariant]}
	n, known, err := stockOf(c, b.stock, item)
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
	c.Track(shop.EventCarted, p.SKU)
	c.Args("name", itemName(c, item), "qty", qty, "cart", c.P.N("cart.items", c.Cart.Count()), "total", c.Money(c.Cart.Total()))
	return "", nil
}
