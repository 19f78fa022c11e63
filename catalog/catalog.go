// Package catalog holds what the shop sells and how it delivers: categories,
// products with their variants, prices and stock, pickup points and the
// courier price. Load reads them from the owner's shop directory and reports
// every mistake as a "file:line: message" error; the loaded Catalog answers
// lookups and searches.
package catalog

import (
	"slices"

	"omnicart/ownerfile"
	"omnicart/shop"
)

// Text is one text in several languages: language code -> text.
type Text map[string]string

// In returns the text in lang, else in English, else in any language that
// has one (the first by language code), else "".
func (t Text) In(lang string) string {
	if s := t[lang]; s != "" {
		return s
	}
	if s := t["en"]; s != "" {
		return s
	}
	langs := make([]string, 0, len(t))
	for l, s := range t {
		if s != "" {
			langs = append(langs, l)
		}
	}
	if len(langs) == 0 {
		return ""
	}
	return t[slices.Min(langs)]
}

// Category groups products on the catalog's first screen.
type Category struct {
	ID          string
	Name        Text
	Description Text
	Emoji       string
}

// Variant is one choice of a product: a grind, a colour, a size.
type Variant struct {
	ID    string
	Name  Text
	Price shop.Money // zero means the product's price
	Stock *int       // nil means the variant draws on the product's stock
}

// Product is one thing the shop sells.
type Product struct {
	SKU         string
	Category    string
	Name        Text
	Description Text
	Price       shop.Money
	Stock       int
	Photo       string // path inside the shop directory, "" when none
	Variants    []Variant
	Related     []string // SKUs offered once before payment
	Tags        []string // extra words for search
	// WarrantyMonths is the warranty length, 0 when none.
	WarrantyMonths int
	// ReorderAfterDays is when a consumable usually runs out, 0 when not a consumable.
	ReorderAfterDays int
}

// Variant returns the product's variant with the given id.
func (p Product) Variant(id string) (Variant, bool) {
	for _, v := range p.Variants {
		if v.ID == id {
			return v, true
		}
	}
	return Variant{}, false
}

// PriceOf returns the unit price of a variant of p: the variant's own price
// when it has one, else the product's price.
func (p Product) PriceOf(variant string) shop.Money {
	if v, ok := p.Variant(variant); ok && v.Price.Minor != 0 {
		return v.Price
	}
	return p.Price
}

// Catalog is a loaded, validated shop directory. It must not be modified
// after Load: its lookups use indexes built there.
type Catalog struct {
	Currency   string
	Categories []Category
	Products   []Product
	Delivery   Delivery

	categories map[string]int        // id -> index in Categories
	products   map[string]int        // SKU -> index in Products
	words      [][]word              // search words, parallel to Products
	texts      []textAt              // every text written by language, for Untranslated
	promos     map[string]shop.Promo // the owner's promo codes by code (promos.yaml)
	promoOrder []string              // their codes, in the file's order
}

// textAt is a text written by language ({en: ..., ru: ...}, or the name_en
// and name_ru columns) and where.
type textAt struct {
	at
	what string // `product "ETH-250": name`
	t    Text
}

// Untranslated returns a warning for every text of the catalog and the
// delivery file written in some languages but not in one of langs (the
// shop's languages): shoppers of that language see it in another. A plain
// text (name: Espresso) is meant for every language and never counts.
// Each warning is at the file and line where the text was written.
func (c *Catalog) Untranslated(langs []string) ownerfile.Errors {
	var ws ownerfile.Errors
	for _, ta := range c.texts {
		if ta.t[""] != "" {
			continue
		}
		for _, lang := range langs {
			if ta.t[lang] == "" {
				ws.Add(ta.file, ta.line, "%s has no %q text: %s shoppers see %q", ta.what, lang, lang, ta.t.In(lang))
			}
		}
	}
	ws.Sort()
	return ws
}

// Category returns the category with the given id.
func (c *Catalog) Category(id string) (Category, bool) {
	i, ok := c.categories[id]
	if !ok {
		return Category{}, false
	}
	return c.Categories[i], true
}

// Product returns the product with the given SKU.
func (c *Catalog) Product(sku string) (Product, bool) {
	i, ok := c.products[sku]
	if !ok {
		return Product{}, false
	}
	return c.Products[i], true
}

// InCategory returns the products of a category in the order of the files.
func (c *Catalog) InCategory(id string) []Product {
	var ps []Product
	for _, p := range c.Products {
		if p.Category == id {
			ps = append(ps, p)
		}
	}
	return ps
}

// StockKey is the stock counter item draws from: its own when the variant
// counts its stock, else the product's, which its variants share.
func (c *Catalog) StockKey(item shop.Item) string {
	p, ok := c.Product(item.SKU)
	if !ok {
		return item.Key()
	}
	if v, ok := p.Variant(item.Variant); ok && v.Stock != nil {
		return item.Key()
	}
	return p.SKU
}

// OwnStock returns the items ("SKU/variant") of the variants of the product
// sku that count their own stock, when every variant does: the product's
// own counter is then read by nothing. It returns nil when the product has
// no variants, or any variant shares the product's stock.
func (c *Catalog) OwnStock(sku string) []string {
	p, ok := c.Product(sku)
	if !ok {
		return nil
	}
	var items []string
	for _, v := range p.Variants {
		if v.Stock == nil {
			return nil
		}
		items = append(items, shop.Item{SKU: p.SKU, Variant: v.ID}.Key())
	}
	return items
}

// StockSeed returns the stock to start from, keyed like StockKey: one
// entry per variant that counts its own stock, and one under the bare SKU
// for a product without variants or with variants that share its stock.
func (c *Catalog) StockSeed() map[string]int {
	m := make(map[string]int, len(c.Products))
	for _, p := range c.Products {
		shared := len(p.Variants) == 0
		for _, v := range p.Variants {
			if v.Stock == nil {
				shared = true
				continue
			}
			m[shop.Item{SKU: p.SKU, Variant: v.ID}.Key()] = *v.Stock
		}
		if shared {
			m[p.SKU] = p.Stock
		}
	}
	return m
}
