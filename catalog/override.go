package catalog

import (
	"slices"
	"strings"

	"omnicart/shop"
)

// With returns the catalog in force: c (as its files say) with the
// overrides made from the chat. A price override of "SKU" sets the
// product's price, of "SKU/variant" the variant's; a hidden "SKU" is taken
// out of the catalog (shoppers cannot find, cart or order it), a hidden
// "SKU/variant" only that variant. Stock overrides are live stock, kept by
// the store. c is not changed; with no overrides c itself is returned.
func (c *Catalog) With(overrides []shop.Override) *Catalog {
	if len(overrides) == 0 {
		return c
	}
	price := map[string]shop.Money{}
	hidden := map[string]bool{}
	for _, o := range overrides {
		if o.Price != nil {
			price[o.Item] = *o.Price
		}
		if o.Hidden {
			hidden[o.Item] = true
		}
	}
	out := &Catalog{Currency: c.Currency, Categories: c.Categories, Delivery: c.Delivery,
		categories: c.categories, products: map[string]int{}, texts: c.texts,
		promos: c.promos, promoOrder: c.promoOrder}
	for _, p := range c.Products {
		if hidden[p.SKU] {
			continue
		}
		if m, ok := price[p.SKU]; ok {
			p.Price = m
		}
		p.Variants = slices.Clone(p.Variants)
		p.Variants = slices.DeleteFunc(p.Variants, func(v Variant) bool { return hidden[p.SKU+"/"+v.ID] })
		for i, v := range p.Variants {
			if m, ok := price[p.SKU+"/"+v.ID]; ok {
				p.Variants[i].Price = m
			}
		}
		out.products[p.SKU] = len(out.Products)
		out.Products = append(out.Products, p)
		cat, _ := c.Category(p.Category)
		out.words = append(out.words, searchWords(p, cat))
	}
	return out
}

// ItemKnown reports whether item names a product of c, or a variant of
// one ("SKU/variant"), and returns it parsed.
func (c *Catalog) ItemKnown(item string) (shop.Item, bool) {
	sku, variant, _ := strings.Cut(item, "/")
	p, ok := c.Product(sku)
	if !ok {
		return shop.Item{}, false
	}
	if variant != "" {
		if _, ok := p.Variant(variant); !ok {
			return shop.Item{}, false
		}
	}
	return shop.Item{SKU: sku, Variant: variant}, true
}
