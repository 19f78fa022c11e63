package catalog

import (
	"errors"
	"strings"
	"testing"

	"omnicart/ownerfile"
)

// TestUntranslated: a text written by language but missing one of the
// shop's languages is a warning at its line; plain texts are for every
// language and are not.
func TestUntranslated(t *testing.T) {
	fsys := shopFS(
		"catalog.yaml", `currency: RUB
categories:
  - {id: tea, name: {en: Tea, ru: Чай}}
  - {id: gear, name: {en: Gear}}
products:
  - sku: A
    category: tea
    name: {en: Assam, ru: Ассам}
    price: 100
  - sku: B
    category: tea
    name: {en: Breakfast tea}
    description: {ru: Крепкий}
    price: 100
  - {sku: C, category: gear, name: Chemex, price: 100,
     variants: [{id: s, name: {ru: Малый}}]}
`,
		"products.csv", "sku,category,name_en,name_ru,price\nD,tea,Darjeeling,,120\nE,tea,Earl Grey,Эрл Грей,130\n",
		"delivery.yaml", "courier: {price: 300, note: {ru: Курьер}}\n",
	)
	c, err := Load(fsys, "shop")
	if err != nil {
		t.Fatal(err)
	}
	got := c.Untranslated([]string{"en", "ru"})
	want := []string{
		`shop/catalog.yaml:4: category "gear": name has no "ru" text: ru shoppers see "Gear"`,
		`shop/catalog.yaml:12: product "B": name has no "ru" text: ru shoppers see "Breakfast tea"`,
		`shop/catalog.yaml:13: product "B": description has no "en" text: en shoppers see "Крепкий"`,
		`shop/catalog.yaml:16: product "C": variant "s": name has no "en" text: en shoppers see "Малый"`,
		`shop/delivery.yaml:1: courier: note has no "en" text: en shoppers see "Курьер"`,
		`shop/products.csv:2: product "D": name has no "ru" text: ru shoppers see "Darjeeling"`,
	}
	if g := strings.Join(lines(got), "\n"); g != strings.Join(want, "\n") {
		t.Errorf("Untranslated:\n%s\nwant\n%s", g, strings.Join(want, "\n"))
	}
	if got := c.Untranslated([]string{"en"}); len(got) != 3 {
		t.Errorf("for en only: %v", lines(got))
	}
}

func lines(es ownerfile.Errors) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.Error())
	}
	return out
}

// TestAmbiguousPriceAtLine: "price: 11,50" in catalog.yaml is an error at
// its line saying how to write it; "1,150" is a thousand and fifty.
func TestAmbiguousPriceAtLine(t *testing.T) {
	fsys := shopFS("catalog.yaml", teaCategory+"products:\n  - {sku: A, category: tea, name: A, price: \"1,150\"}\n  - sku: B\n    category: tea\n    name: B\n    price: 11,50\n")
	_, err := Load(fsys, "shop")
	var errs ownerfile.Errors
	if !errors.As(err, &errs) || len(errs) != 1 || errs[0].Error() != `shop/catalog.yaml:8: product "B": price "11,50": write the decimals after a point, like 11.50 (a comma only separates thousands, like 1,150)` {
		t.Fatalf("Load: %v", err)
	}
	fsys = shopFS("catalog.yaml", teaCategory+"products:\n  - sku: A\n    category: tea\n    name: A\n    price: 1,150\n")
	c, err := Load(fsys, "shop")
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := c.Product("A"); p.Price.Minor != 115000 {
		t.Errorf("1,150 = %d minor units; want 115000", p.Price.Minor)
	}
}
