package flows

import (
	"strconv"
	"strings"

	"omnicart/catalog"
	"omnicart/shop"
)

// The catalog from the chat: /stock SKU N, /price SKU AMOUNT, /hide SKU,
// /show SKU, /overrides (what is overridden) and /clear SKU (back to the
// files). They do not write the owner's files: they are an override layer
// in the store, over the files, that a reload never undoes (the catalog in
// force is the files' catalog with the overrides, Engine.SetShop). An item
// is a SKU, or SKU/variant for one variant.

func adminCatalogActions() Actions {
	return Actions{
		"staff_set_stock":      {Run: staffSetStock},
		"staff_set_price":      {Run: staffSetPrice},
		"staff_hide":           {Run: func(c *Ctx) (string, error) { return staffHide(c, true) }},
		"staff_show":           {Run: func(c *Ctx) (string, error) { return staffHide(c, false) }},
		"staff_list_overrides": {Run: staffListOverrides},
		"staff_clear_override": {Run: staffClearOverride},
	}
}

// fileItem reads an item of the files' catalog (case does not matter), or
// says it is unknown and returns false.
func fileItem(c *Ctx, word string) (shop.Item, string, bool) {
	cat := fileCatalog(c)
	for _, w := range []string{word, strings.ToUpper(word)} {
		if item, ok := cat.ItemKnown(w); ok {
			return item, item.Key(), true
		}
	}
	c.Text(c.P.T("admin.no_item", "item", word))
	return shop.Item{}, "", false
}

// fileCatalog is the catalog as its files say, without the overrides.
func fileCatalog(c *Ctx) *catalog.Catalog {
	if c.Shop.File != nil {
		return c.Shop.File
	}
	return c.Shop.Catalog
}

func staffSetStock(c *Ctx) (string, error) {
	st, ok := staff(c)
	if !ok {
		return "", nil
	}
	w := fields(c.Arg)
	if len(w) != 2 {
		c.Text(c.P.T("admin.usage_stock"))
		return "", nil
	}
	item, _, ok := fileItem(c, w[0])
	if !ok {
		return "", nil
	}
	n, err := strconv.Atoi(w[1])
	if err != nil || n < 0 || n > 1_000_000 {
		c.Text(c.P.T("admin.usage_stock"))
		return "", nil
	}
	// Stock is counted per counter: a variant that shares its product's
	// stock sets the product's. A product whose variants each count their
	// own has no counter of its own that anything reads: refused.
	cat := fileCatalog(c)
	if own := cat.OwnStock(item.SKU); item.Variant == "" && len(own) > 0 {
		c.Text(c.P.T("admin.stock_per_variant", "item", item.SKU, "variants", strings.Join(own, ", "), "first", own[0]))
		return "", nil
	}
	key := cat.StockKey(item)
	old, known, err := c.eng.store.Stock(c, shop.Item{SKU: key})
	if err != nil {
		return unexpected(c, "stock", err)
	}
	e := audit(c, "stock")
	e.Before, e.After = "—", strconv.Itoa(n)
	if known {
		e.Before = strconv.Itoa(old)
	}
	if _, _, err := st.SetOverride(c, key, key, e, func(o *shop.Override) { o.Stock = &n }); err != nil {
		return unexpected(c, "set stock", err)
	}
	c.Text(c.P.T("admin.stock_done", "item", key, "before", e.Before, "after", n))
	return "", nil
}

func staffSetPrice(c *Ctx) (string, error) {
	st, ok := staff(c)
	if !ok {
		return "", nil
	}
	w := fields(c.Arg)
	if len(w) < 2 {
		c.Text(c.P.T("admin.usage_price"))
		return "", nil
	}
	item, key, ok := fileItem(c, w[0])
	if !ok {
		return "", nil
	}
	cur := c.Catalog().Currency
	m, ok := moneyArg(strings.Join(w[1:], ""), cur)
	if !ok || m.Minor <= 0 {
		c.Text(c.P.T("admin.usage_price"))
		return "", nil
	}
	before := "—"
	e := audit(c, "price")
	e.Before, e.After = before, m.String() // language-neutral: /audit reads it (admin_owner.go)
	if p, ok := c.Catalog().Product(item.SKU); ok {
		was := p.PriceOf(item.Variant)
		before, e.Before = c.Money(was), was.String()
	}
	if _, _, err := st.SetOverride(c, key, key, e, func(o *shop.Override) { o.Price = &m }); err != nil {
		return unexpected(c, "set price", err)
	}
	c.eng.refreshCatalog()
	c.Text(c.P.T("admin.price_done", "item", key, "before", before, "after", c.Money(m)))
	return "", nil
}

func staffHide(c *Ctx, hide bool) (string, error) {
	st, ok := staff(c)
	if !ok {
		return "", nil
	}
	w := fields(c.Arg)
	if len(w) != 1 {
		c.Text(c.P.T("admin.usage_hide"))
		return "", nil
	}
	_, key, ok := fileItem(c, w[0])
	if !ok {
		return "", nil
	}
	action, before, after := "hide", "shown", "hidden"
	if !hide {
		action, before, after = "show", "hidden", "shown"
	}
	e := audit(c, action)
	e.Before, e.After = before, after
	was, now, err := st.SetOverride(c, key, key, e, func(o *shop.Override) { o.Hidden = hide })
	if err != nil {
		return unexpected(c, action, err)
	}
	c.eng.refreshCatalog()
	if was.Hidden == now.Hidden {
		c.Text(c.P.T("admin."+after+"_already", "item", key))
		return "", nil
	}
	c.Text(c.P.T("admin."+after+"_done", "item", key))
	return "", nil
}

// staffListOverrides lists the overrides (/overrides [page]), listLimit
// at a time, each with a button to clear it.
func staffListOverrides(c *Ctx) (string, error) {
	st, ok := staff(c)
	if !ok {
		return "", nil
	}
	ov, err := st.Overrides(c)
	if err != nil {
		return unexpected(c, "overrides", err)
	}
	if len(ov) == 0 {
		c.Text(c.P.T("admin.overrides_none"))
		return "", nil
	}
	pages := (len(ov) + listLimit - 1) / listLimit
	page := 1
	if w := fields(c.Arg); len(w) > 0 {
		if n, err := strconv.Atoi(w[0]); err == nil && n > 1 {
			page = min(n, pages)
		}
	}
	var b strings.Builder
	for _, o := range ov[(page-1)*listLimit : min(page*listLimit, len(ov))] {
		var what []string
		if o.Price != nil {
			what = append(what, c.P.T("admin.override_price", "price", c.Money(*o.Price)))
		}
		if o.Stock != nil {
			what = append(what, c.P.T("admin.override_stock", "stock", *o.Stock))
		}
		if o.Hidden {
			what = append(what, c.P.T("admin.override_hidden"))
		}
		b.WriteString("\n" + c.P.T("admin.override_line", "item", o.Item, "what", strings.Join(what, ", "),
			"by", o.By, "time", c.Time(o.At)))
		c.Row(CommandButton(c.P.T("admin.clear_button", "item", o.Item), "clear", itemRef(o.Item)))
	}
	title := c.P.T("admin.overrides_title", "count", len(ov))
	if pages > 1 {
		title = c.P.T("admin.overrides_title_paged", "count", len(ov), "paging", c.P.T("common.paging", "page", page, "pages", pages))
		pageButtons(c, page, pages, func(p int) (string, string) { return "overrides", strconv.Itoa(p) })
	}
	c.Text(title + b.String())
	return "", nil
}

func staffClearOverride(c *Ctx) (string, error) {
	st, ok := staff(c)
	if !ok {
		return "", nil
	}
	w := fields(c.Arg)
	if len(w) != 1 {
		c.Text(c.P.T("admin.usage_clear"))
		return "", nil
	}
	word := w[0]
	if strings.HasPrefix(word, refMark) { // a Clear button of /overrides
		item, ok, err := overrideOfRef(c, st, word)
		if err != nil {
			return unexpected(c, "clear override", err)
		}
		if !ok {
			c.Text(c.P.T("error.stale"))
			return "", nil
		}
		word = item
	}
	_, key, ok := fileItem(c, word)
	if !ok {
		return "", nil
	}
	var fileStock *int
	if n, ok := fileCatalog(c).StockSeed()[key]; ok {
		fileStock = &n
	}
	e := audit(c, "clear")
	e.Before, e.After = "override", "files"
	_, found, err := st.ClearOverride(c, key, key, fileStock, e)
	if err != nil {
		return unexpected(c, "clear override", err)
	}
	if !found {
		c.Text(c.P.T("admin.clear_none", "item", key))
		return "", nil
	}
	c.eng.refreshCatalog()
	c.Text(c.P.T("admin.clear_done", "item", key))
	return "", nil
}

// refMark starts the short reference of an item on a button: a SKU cannot
// start with it.
const refMark = "#"

// itemRef is the short reference a button carries for an item: a SKU and
// a variant may take 65 bytes, more than button data holds with the
// command ("cmd:clear|"), and a cut key could name another variant. It is
// the hash the link screen gives chat addresses (addrRef), at most 14
// bytes.
func itemRef(item string) string { return refMark + addrRef(item) }

// overrideOfRef returns the item of the override whose reference is ref,
// and false when no override has it any more (cleared meanwhile).
func overrideOfRef(c *Ctx, st staffStore, ref string) (string, bool, error) {
	ov, err := st.Overrides(c)
	if err != nil {
		return "", false, err
	}
	for _, o := range ov {
		if itemRef(o.Item) == ref {
			return o.Item, true, nil
		}
	}
	return "", false, nil
}
