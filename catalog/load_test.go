package catalog

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"omnicart/demo"
	"omnicart/ownerfile"
	"omnicart/shop"
)

func TestLoadDemo(t *testing.T) {
	c, err := Load(demo.FS, "demo")
	if err != nil {
		t.Fatal(err)
	}
	if c.Currency != "RUB" || len(c.Categories) != 5 || len(c.Products) != 30 || len(c.Delivery.Pickup) != 3 {
		t.Fatalf("currency %s, %d categories, %d products, %d pickup points; want RUB, 5, 30, 3",
			c.Currency, len(c.Categories), len(c.Products), len(c.Delivery.Pickup))
	}
	rub := func(minor int64) shop.Money { return shop.Money{Minor: minor, Currency: "RUB"} }
	if c.Delivery.Courier.Price != rub(30000) || c.Delivery.Courier.FreeFrom != rub(300000) {
		t.Errorf("courier = %v, want 300 free from 3000", c.Delivery.Courier)
	}

	eth, ok := c.Product("ETH-250")
	if !ok {
		t.Fatal("ETH-250 not found")
	}
	if eth.Price != rub(89000) || eth.Stock != 12 || eth.ReorderAfterDays != 21 || len(eth.Variants) != 2 ||
		eth.Photo != "images/eth-250.jpg" || strings.Join(eth.Related, ",") != "FILTER-100,V60-02" ||
		eth.Name.In("ru") != "Эфиопия Иргачеффе 250 г" {
		t.Errorf("ETH-250 = %+v", eth)
	}
	if g, _ := c.Product("GRINDER-X"); g.WarrantyMonths != 24 {
		t.Errorf("GRINDER-X warranty = %d months, want 24", g.WarrantyMonths)
	}
	// The products from products.csv come after the YAML ones.
	coffee := c.InCategory("coffee")
	if len(coffee) != 7 || coffee[0].SKU != "ETH-250" || coffee[6].SKU != "GUA-250" {
		t.Errorf("InCategory(coffee) = %d products, first %s, last %s", len(coffee), coffee[0].SKU, coffee[len(coffee)-1].SKU)
	}
	honey, _ := c.Product("HONEY-250")
	if honey.Price != rub(54000) || honey.ReorderAfterDays != 42 || strings.Join(honey.Related, ",") != "ASSAM-100,EARLGREY-100" ||
		honey.Name.In("ru") != "Гречишный мёд 250 г" || len(honey.Tags) != 3 {
		t.Errorf("HONEY-250 (from CSV) = %+v", honey)
	}
	if cat, ok := c.Category("tea"); !ok || cat.Name.In("ru") != "Чай" || cat.Emoji == "" {
		t.Errorf("Category(tea) = %+v, %v", cat, ok)
	}

	esp, _ := c.Product("ESP-BLEND")
	if esp.PriceOf("1kg") != rub(249000) || esp.PriceOf("250g") != rub(75000) || esp.PriceOf("nope") != rub(75000) {
		t.Errorf("ESP-BLEND prices: 1kg %v, 250g %v", esp.PriceOf("1kg"), esp.PriceOf("250g"))
	}

	seed := c.StockSeed()
	for key, want := range map[string]int{
		"DECAF-250":     1, // the last one: tests use it to run out of stock
		"MATCHA-30":     0, // sold out
		"ETH-250":       12,
		"COL-250/beans": 15,
		"V60-02":        7, // the white one shares the product's stock...
		"V60-02/black":  2, // ...the black one counts its own
		"MUG-350/mint":  4,
	} {
		if got, ok := seed[key]; !ok || got != want {
			t.Errorf("StockSeed()[%q] = %d, %v; want %d", key, got, ok, want)
		}
	}
	for _, key := range []string{"COL-250", "MUG-350", "ETH-250/beans"} {
		if _, ok := seed[key]; ok {
			t.Errorf("StockSeed() has %q", key)
		}
	}
	// Every variant of ESP-BLEND counts its own stock: its own counter is
	// read by nothing. V60-02's white variant shares the product's.
	for sku, want := range map[string]string{"ESP-BLEND": "ESP-BLEND/250g ESP-BLEND/1kg", "V60-02": "", "ETH-250": "", "nope": ""} {
		if got := strings.Join(c.OwnStock(sku), " "); got != want {
			t.Errorf("OwnStock(%q) = %q, want %q", sku, got, want)
		}
	}
}

func TestTextIn(t *testing.T) {
	tests := []struct {
		text Text
		lang string
		want string
	}{
		{Text{"en": "Tea", "ru": "Чай"}, "ru", "Чай"},
		{Text{"en": "Tea", "ru": "Чай"}, "de", "Tea"},
		{Text{"en": "", "ru": "Чай", "uk": "Чай UK"}, "de", "Чай"},
		{Text{"": "Tea"}, "ru", "Tea"},
		{nil, "en", ""},
	}
	for _, tt := range tests {
		if got := tt.text.In(tt.lang); got != tt.want {
			t.Errorf("%v.In(%q) = %q, want %q", tt.text, tt.lang, got, tt.want)
		}
	}
}

// shopFS builds a shop directory from name, content pairs. It has a valid
// delivery.yaml and images/a.jpg unless they are given.
func shopFS(files ...string) fstest.MapFS {
	fsys := fstest.MapFS{
		"delivery.yaml": {Data: []byte("courier: {price: 300}\n")},
		"images/a.jpg":  {Data: []byte("jpeg")},
	}
	for i := 0; i+1 < len(files); i += 2 {
		if files[i+1] == "" {
			delete(fsys, files[i])
			continue
		}
		fsys[files[i]] = &fstest.MapFile{Data: []byte(files[i+1])}
	}
	return fsys
}

const teaCategory = "currency: RUB\ncategories: [{id: tea, name: Tea}]\n"

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name  string
		files []string
		want  []string
	}{
		{
			name: "YAML syntax, at the line of the mistake",
			files: []string{"catalog.yaml", `currency: RUB
products:
  - sku: A
   name: x
`},
			want: []string{`shop/catalog.yaml:4: YAML: did not find expected '-' indicator`},
		},
		{
			// A start of the file that ends inside the flow list or the
			// quoted text fails too, but not with the parser's error.
			name: "YAML syntax below a flow list and a text over several lines",
			files: []string{"catalog.yaml", `currency: RUB
categories: [{id: tea, name: Tea}]
products:
  - sku: A
    category: tea
    name: A
    price: 1
  - sku: B
    category: tea
    name: B
    description: "A tea
      that is green
      or black"
    tags: [
      green,
      black,
    ]
    price: 1
  - sku: C
    category: tea
    name: C
   price: 1
`},
			want: []string{`shop/catalog.yaml:22: YAML: did not find expected '-' indicator`},
		},
		{
			// Only .yaml files are read: a .yml one would be skipped
			// without a word, its products missing.
			name: "files named .yml",
			files: []string{
				"catalog.yaml", teaCategory,
				"catalog/tea.yml", "products: [{sku: A, category: tea, name: A, price: 1}]\n",
				"catalog/notes.txt", "x",
				"promos.yml", "promos: [{code: WELCOME10, percent: 10}]\n",
				"delivery.yml", "courier: {price: 300}\n",
				"delivery.yaml", "",
			},
			want: []string{
				`shop/catalog/tea.yml: name the file tea.yaml`,
				`shop/delivery.yaml: file not found`,
				`shop/delivery.yml: name the file delivery.yaml`,
				`shop/promos.yml: name the file promos.yaml`,
			},
		},
		{
			name: "colon in a text",
			files: []string{"catalog.yaml", `currency: RUB
categories:
  - id: tea
    name: Tea: the best
`},
			want: []string{`shop/catalog.yaml:4: YAML: mapping values are not allowed in this context (put a text with ": " in quotes)`},
		},
		{
			name: "unknown fields",
			files: []string{"catalog.yaml", `currency: RUB
categories:
  - {id: tea, name: Tea, emoij: x}
products:
  - sku: A
    category: tea
    name: {en: A}
    prise: 10
    colour: red
`},
			want: []string{
				`shop/catalog.yaml:3: category "tea": unknown field "emoij" (did you mean "emoji"?)`,
				`shop/catalog.yaml:5: product "A": missing price`,
				`shop/catalog.yaml:8: product "A": unknown field "prise" (did you mean "price"?)`,
				`shop/catalog.yaml:9: product "A": unknown field "colour" (known fields: sku, category, name, description, price, stock, photo, variants, related, warranty, reorder_after, tags)`,
			},
		},
		{
			name: "missing fields",
			files: []string{"catalog.yaml", teaCategory + `products:
  - stock: 1
  - sku: B
  - {sku: C, category: tea, name: {en: "", ru: ""}, price: 1}
  - {sku: D, category: tea, name: D, price: 1, variants: [{name: X}, {id: y}]}
`},
			want: []string{
				`shop/catalog.yaml:4: product: missing sku`,
				`shop/catalog.yaml:4: product: missing category`,
				`shop/catalog.yaml:4: product: missing name`,
				`shop/catalog.yaml:4: product: missing price`,
				`shop/catalog.yaml:5: product "B": missing category`,
				`shop/catalog.yaml:5: product "B": missing name`,
				`shop/catalog.yaml:5: product "B": missing price`,
				`shop/catalog.yaml:6: product "C": missing name`,
				`shop/catalog.yaml:7: product "D": variant: missing id`,
				`shop/catalog.yaml:7: product "D": variant "y": missing name`,
			},
		},
		{
			name: "negative and malformed numbers",
			files: []string{"catalog.yaml", teaCategory + `products:
  - sku: A
    category: tea
    name: A
    price: -5
    stock: -1
    variants:
      - {id: big, name: Big, price: -1, stock: many}
  - {sku: B, category: tea, name: B, price: 12.345, stock: 1.5}
  - {sku: C, category: tea, name: C, price: 1 290 руб}
`},
			want: []string{
				`shop/catalog.yaml:7: product "A": price must not be negative`,
				`shop/catalog.yaml:8: product "A": stock must not be negative`,
				`shop/catalog.yaml:10: product "A": variant "big": price must not be negative`,
				`shop/catalog.yaml:10: product "A": variant "big": stock "many" is not a whole number`,
				`shop/catalog.yaml:11: product "B": price "12.345": at most two decimals`,
				`shop/catalog.yaml:11: product "B": stock "1.5" is not a whole number`,
				`shop/catalog.yaml:12: product "C": price "1 290 руб" is not a number`,
			},
		},
		{
			name: "duplicate SKU across files",
			files: []string{
				"catalog.yaml", teaCategory + "products:\n  - {sku: A, category: tea, name: A, price: 1}\n",
				"catalog/more.yaml", "products:\n  - {sku: B, category: tea, name: B, price: 1}\n  - {sku: A, category: tea, name: A2, price: 2}\n",
			},
			want: []string{`shop/catalog/more.yaml:3: duplicate SKU "A" (first defined at shop/catalog.yaml:4)`},
		},
		{
			name:  "duplicate category",
			files: []string{"catalog.yaml", "currency: RUB\ncategories:\n  - {id: tea, name: Tea}\n  - {id: tea, name: Tea 2}\n"},
			want:  []string{`shop/catalog.yaml:4: duplicate category "tea" (first defined at shop/catalog.yaml:3)`},
		},
		{
			name: "unknown category and related SKU",
			files: []string{"catalog.yaml", teaCategory + `products:
  - sku: A
    category: tee
    name: A
    price: 1
    related:
      - B
      - A
      - NOPE
  - {sku: B, category: coffee, name: B, price: 1}
`},
			want: []string{
				`shop/catalog.yaml:5: product "A": unknown category "tee" (did you mean "tea"?)`,
				`shop/catalog.yaml:10: product "A": related to itself`,
				`shop/catalog.yaml:11: product "A": related SKU "NOPE" does not exist`,
				`shop/catalog.yaml:12: product "B": unknown category "coffee" (categories: tea)`,
			},
		},
		{
			name: "duplicate variant",
			files: []string{"catalog.yaml", teaCategory + `products:
  - sku: A
    category: tea
    name: A
    price: 1
    variants:
      - {id: white, name: White}
      - {id: black, name: Black}
      - {id: white, name: White again}
`},
			want: []string{`shop/catalog.yaml:11: product "A": duplicate variant "white"`},
		},
		{
			name: "photos",
			files: []string{"catalog.yaml", teaCategory + `products:
  - {sku: A, category: tea, name: A, price: 1, photo: images/a.jpg}
  - {sku: B, category: tea, name: B, price: 1, photo: images/b.jpg}
  - {sku: C, category: tea, name: C, price: 1, photo: ../c.jpg}
  - {sku: D, category: tea, name: D, price: 1, photo: images}
`},
			want: []string{
				`shop/catalog.yaml:5: product "B": photo "images/b.jpg" not found`,
				`shop/catalog.yaml:6: product "C": photo "../c.jpg": write a path inside the shop directory, like images/photo.jpg`,
				`shop/catalog.yaml:7: product "D": photo "images" is a directory`,
			},
		},
		{
			name: "durations",
			files: []string{"catalog.yaml", teaCategory + `products:
  - sku: A
    category: tea
    name: A
    price: 1
    warranty: 12
    reorder_after: 3 weeks
  - {sku: B, category: tea, name: B, price: 1, warranty: 90d, reorder_after: 0d}
`},
			want: []string{
				`shop/catalog.yaml:8: product "A": warranty "12": write a whole number and d, w, mo or y, like 21d, 3w, 12mo, 1y`,
				`shop/catalog.yaml:9: product "A": reorder_after "3 weeks": write a whole number and d, w, mo or y, like 21d, 3w, 12mo, 1y`,
				`shop/catalog.yaml:10: product "B": warranty "90d": give it in months or years, like 12mo or 2y`,
				`shop/catalog.yaml:10: product "B": reorder_after "0d": write a whole number and d, w, mo or y, like 21d, 3w, 12mo, 1y`,
			},
		},
		{
			name: "SKUs and ids that do not fit button data",
			files: []string{"catalog.yaml", `currency: RUB
categories: [{id: tea leaves, name: Tea}]
products:
  - {sku: ETH 250, category: tea leaves, name: A, price: 1}
  - {sku: ABCDEFGHIJKLMNOPQRSTUVWXYZ-0123456, category: tea leaves, name: B, price: 1}
  - {sku: Ч-1, category: tea leaves, name: C, price: 1, variants: [{id: a/b, name: AB}]}
`},
			want: []string{
				`shop/catalog.yaml:2: category id "tea leaves": use only letters A-Z a-z, digits and . _ -`,
				`shop/catalog.yaml:4: SKU "ETH 250": use only letters A-Z a-z, digits and . _ -`,
				`shop/catalog.yaml:5: SKU "ABCDEFGHIJKLMNOPQRSTUVWXYZ-0123456" is 34 bytes long; at most 32 fit in Telegram button data`,
				`shop/catalog.yaml:6: product "Ч-1": variant id "a/b": use only letters A-Z a-z, digits and . _ -`,
				`shop/catalog.yaml:6: SKU "Ч-1": use only letters A-Z a-z, digits and . _ -`,
			},
		},
		{
			name: "wrong shapes",
			files: []string{"catalog.yaml", `currency: RUB
categories: tea
products:
  - just a name
  - sku: A
    category: tea
    name: [A]
    price: {rub: 1}
    tags: coffee
    related: [{sku: B}]
    variants: {id: x}
  - {sku: B, category: tea, name: {en: "Filters 02", 100 pcs}, price: 1}
`},
			want: []string{
				`shop/catalog.yaml:2: categories: expected a list, like [{id: coffee, name: {en: Coffee, ru: Кофе}}]`,
				`shop/catalog.yaml:4: product: expected a product like {sku: ETH-250, name: {en: ..., ru: ...}, price: 890}`,
				`shop/catalog.yaml:5: product "A": missing name`,
				`shop/catalog.yaml:5: product "A": missing price`,
				`shop/catalog.yaml:6: product "A": unknown category "tea"`,
				`shop/catalog.yaml:7: product "A": name: expected texts by language, like {en: Coffee, ru: Кофе}`,
				`shop/catalog.yaml:8: product "A": price: expected a single value`,
				`shop/catalog.yaml:9: product "A": tags: expected a list, like [a, b]`,
				`shop/catalog.yaml:10: product "A": related: expected a single value`,
				`shop/catalog.yaml:11: product "A": variants: expected a list, like [{id: beans, name: {en: Beans, ru: Зерно}}]`,
				`shop/catalog.yaml:12: product "B": name: "100 pcs" is not a language code like en or ru (put a text with a comma in quotes)`,
				`shop/catalog.yaml:12: product "B": unknown category "tea"`,
			},
		},
		{
			name: "currency",
			files: []string{
				"catalog.yaml", "categories: [{id: tea, name: Tea}]\n",
				"catalog/a.yaml", "currency: rub\n",
				"catalog/b.yaml", "currency: EUR\n",
				"catalog/c.yaml", "currency: рубли\n",
			},
			want: []string{
				`shop/catalog/b.yaml:1: currency EUR differs from RUB set at shop/catalog/a.yaml:1`,
				`shop/catalog/c.yaml:1: currency "рубли": write a three-letter code like RUB, EUR or USD`,
			},
		},
		{
			name:  "no currency",
			files: []string{"catalog.yaml", "categories: [{id: tea, name: Tea}]\n"},
			want:  []string{`shop/catalog.yaml: missing currency, like currency: RUB`},
		},
		{
			name:  "no files",
			files: []string{"delivery.yaml", ""},
			want:  []string{`shop/catalog.yaml: file not found`, `shop/delivery.yaml: file not found`},
		},
		{
			name: "delivery",
			files: []string{"catalog.yaml", teaCategory, "delivery.yaml", `pickup:
  - id: a
    name: A
    address: Street 1
    lat: 95
    lon: 37.6
    open: always
  - {id: a, name: A2, address: Street 2, lat: 55.7, lon: 37.6}
  - {id: b c}
`},
			want: []string{
				`shop/delivery.yaml:1: missing courier, like courier: {price: 300, free_from: 3000}`,
				`shop/delivery.yaml:5: pickup point "a": lat "95": expected degrees between -90 and 90`,
				`shop/delivery.yaml:7: pickup point "a": unknown field "open" (known fields: id, name, address, hours, lat, lon)`,
				`shop/delivery.yaml:8: duplicate pickup point "a" (first defined at line 2)`,
				`shop/delivery.yaml:9: pickup point id "b c": use only letters A-Z a-z, digits and . _ -`,
				`shop/delivery.yaml:9: pickup point "b c": missing name`,
				`shop/delivery.yaml:9: pickup point "b c": missing address`,
				`shop/delivery.yaml:9: pickup point "b c": missing lat`,
				`shop/delivery.yaml:9: pickup point "b c": missing lon`,
			},
		},
		{
			name:  "empty delivery.yaml",
			files: []string{"catalog.yaml", teaCategory, "delivery.yaml", "# to do\n"},
			want:  []string{`shop/delivery.yaml:1: missing courier, like courier: {price: 300, free_from: 3000}`},
		},
		{
			name:  "courier price",
			files: []string{"catalog.yaml", teaCategory, "delivery.yaml", "courier:\n  price: -300\n  free_from: lots\n"},
			want: []string{
				`shop/delivery.yaml:2: courier: price must not be negative`,
				`shop/delivery.yaml:3: courier: free_from: price "lots" is not a number`,
			},
		},
		{
			name: "CSV header",
			files: []string{"catalog.yaml", teaCategory,
				"products.csv", "sku,category,name,price,Price,stok\nA,tea,A,1,1,2\n"},
			want: []string{
				`shop/products.csv:1: unknown column "name" (known columns: sku, category, name_en, name_ru, description_en, description_ru, price, stock, photo, related, warranty, reorder_after, tags)`,
				`shop/products.csv:1: column "price" given twice`,
				`shop/products.csv:1: unknown column "stok" (did you mean "stock"?)`,
				`shop/products.csv:1: missing column "name_en" or "name_ru"`,
			},
		},
		{
			// Excel on Russian Windows saves Windows-1251: "Чай" is
			// D7 E0 E9 there. The products it holds are not read, so A's
			// related C is not reported as missing.
			name: "CSV not in UTF-8",
			files: []string{"catalog.yaml", teaCategory + "products:\n  - {sku: A, category: tea, name: A, price: 1, related: [C]}\n",
				"products.csv", "sku,category,name_en,name_ru,price\nB,tea,Tea,Tea,1\nC,tea,Tea,\xd7\xe0\xe9,1\n"},
			want: []string{`shop/products.csv:3: not UTF-8 (save the file as UTF-8)`},
		},
		{
			name: "CSV with semicolons",
			files: []string{"catalog.yaml", teaCategory,
				"products.csv", "sku;category;name_en;price\nA;tea;A;1\n"},
			want: []string{`shop/products.csv:1: separate the columns with commas, not semicolons`},
		},
		{
			name: "CSV rows",
			files: []string{"catalog.yaml", teaCategory + "products: [{sku: A, category: tea, name: A, price: 1}]\n",
				"products.csv", `sku,name_en,category,price,stock,related
B,B,tea,1,2,A;Z

C,"Multi
line",tea,-1,x,
A,Again,tea,1,1,
D,D,tea
F,F,tea,1,1,
`},
			want: []string{
				`shop/products.csv:2: product "B": related SKU "Z" does not exist`,
				`shop/products.csv:4: product "C": price must not be negative`,
				`shop/products.csv:4: product "C": stock "x" is not a whole number`,
				`shop/products.csv:6: duplicate SKU "A" (first defined at shop/catalog.yaml:3)`,
				`shop/products.csv:7: row has 3 columns, the header has 6`,
			},
		},
		{
			// The products after the mistake are lost: saying that F, which
			// A names, does not exist would only mislead.
			name: "CSV syntax error",
			files: []string{"catalog.yaml", teaCategory + "products: [{sku: A, category: tea, name: A, price: 1, related: [F]}]\n",
				"products.csv", "sku,name_en,category,price\nE,\"broken\"quote,tea,1\nF,F,tea,1\n"},
			want: []string{`shop/products.csv:2: CSV: extraneous or missing " in quoted-field`},
		},
		{
			name: "CSV header mistake",
			files: []string{"catalog.yaml", teaCategory + "products: [{sku: A, category: tea, name: A, price: 1, related: [F]}]\n",
				"products.csv", "sku,name_en,categori,price\nF,F,tea,1\n"},
			want: []string{
				`shop/products.csv:1: unknown column "categori" (did you mean "category"?)`,
				`shop/products.csv:1: missing column "category"`,
			},
		},
		{
			name: "every problem in every file",
			files: []string{
				"catalog.yaml", teaCategory + "products: [{sku: A, category: cofee, name: A, price: 1}]\n",
				"products.csv", "sku,category,name_ru,price\nB,tea,Б,\n",
				"delivery.yaml", "courier: {price: 300, free: 3000}\n",
			},
			want: []string{
				`shop/catalog.yaml:3: product "A": unknown category "cofee" (categories: tea)`,
				`shop/delivery.yaml:1: courier: unknown field "free" (known fields: price, free_from, note, slots)`,
				`shop/products.csv:2: product "B": missing price`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(shopFS(tt.files...), "shop")
			var errs ownerfile.Errors
			if !errors.As(err, &errs) {
				t.Fatalf("Load() = %v, %v; want ownerfile.Errors", c, err)
			}
			if c != nil {
				t.Errorf("Load() returned a catalog with errors")
			}
			if got, want := err.Error(), strings.Join(tt.want, "\n"); got != want {
				t.Errorf("errors:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

func TestLoadMergesFiles(t *testing.T) {
	fsys := shopFS(
		"catalog.yaml", "currency: RUB\ncategories: [{id: tea, name: {en: Tea, ru: Чай}}]\nproducts:\n  - {sku: A, category: coffee, name: A, price: 1, related: [B, C]}\n",
		"catalog/coffee.yaml", "categories: [{id: coffee, name: Coffee}]\nproducts:\n  - {sku: B, category: coffee, name: B, price: 2}\n",
		"products.csv", "\ufeffSKU,category,name_en,name_ru,price,stock,related,tags,warranty,reorder_after,photo\n"+
			"C,tea,Green tea,Зелёный чай,1.50,3,A; B,green;sencha,1y,3w,images/a.jpg\n",
	)
	c, err := Load(fsys, "shop")
	if err != nil {
		t.Fatal(err)
	}
	var skus []string
	for _, p := range c.Products {
		skus = append(skus, p.SKU)
	}
	if got := strings.Join(skus, ","); got != "A,B,C" {
		t.Errorf("products = %s, want A,B,C", got)
	}
	if len(c.Categories) != 2 || c.Categories[1].ID != "coffee" {
		t.Errorf("categories = %+v", c.Categories)
	}
	p, _ := c.Product("C")
	want := Product{
		SKU: "C", Category: "tea", Name: Text{"en": "Green tea", "ru": "Зелёный чай"}, Description: Text{},
		Price: shop.Money{Minor: 150, Currency: "RUB"}, Stock: 3, Photo: "images/a.jpg",
		Related: []string{"A", "B"}, Tags: []string{"green", "sencha"}, WarrantyMonths: 12, ReorderAfterDays: 21,
	}
	if !equalProducts(p, want) {
		t.Errorf("C = %+v\nwant %+v", p, want)
	}
}

// TestLoadCSVExport reads a spreadsheet export: a byte order mark before
// a quoted first cell, and empty cells at the end of every row.
func TestLoadCSVExport(t *testing.T) {
	fsys := shopFS(
		"catalog.yaml", teaCategory+"products: [{sku: A, category: tea, name: A, price: 1, related: [B]}]\n",
		"products.csv", "\ufeff\"sku\",\"category\",\"name_ru\",\"price\",,\r\n\"B\",\"tea\",\"Чай\",\"1 290.50\",,\r\n,,,,,\r\n",
	)
	c, err := Load(fsys, "shop")
	if err != nil {
		t.Fatal(err)
	}
	if p, ok := c.Product("B"); !ok || p.Name.In("ru") != "Чай" || p.Price != (shop.Money{Minor: 129050, Currency: "RUB"}) {
		t.Errorf("B = %+v, %v", p, ok)
	}
}

func equalProducts(a, b Product) bool {
	return a.SKU == b.SKU && a.Category == b.Category && a.Name.In("en") == b.Name.In("en") &&
		a.Name.In("ru") == b.Name.In("ru") && a.Price == b.Price && a.Stock == b.Stock && a.Photo == b.Photo &&
		strings.Join(a.Related, ",") == strings.Join(b.Related, ",") && strings.Join(a.Tags, ",") == strings.Join(b.Tags, ",") &&
		a.WarrantyMonths == b.WarrantyMonths && a.ReorderAfterDays == b.ReorderAfterDays && len(a.Variants) == len(b.Variants)
}

func TestParsePrice(t *testing.T) {
	tests := []struct {
		in    string
		minor int64
		err   string
	}{
		{"890", 89000, ""},
		{"890.5", 89050, ""},
		{"1 290", 129000, ""},
		{"1 290.00", 129000, ""},
		{"1\u00a0290.50", 129050, ""},
		{"12\u202f345\u202f678", 1234567800, ""},
		// A comma before exactly three digits separates thousands; any
		// other comma is ambiguous (11,50 is 11.50 or 1150) and refused.
		{"1,150", 115000, ""},
		{"12,345", 1234500, ""},
		{"1,290.00", 129000, ""},
		{"12,345,678.5", 1234567850, ""},
		{"11,50", 0, `price "11,50": write the decimals after a point, like 11.50 (a comma only separates thousands, like 1,150)`},
		{" 890,5 ", 0, `price "890,5": write the decimals after a point, like 890.5 (a comma only separates thousands, like 1,150)`},
		{"1 290,50", 0, `price "1 290,50": write the decimals after a point, like 1290.50 (a comma only separates thousands, like 1,150)`},
		{"1290,00", 0, `price "1290,00": write the decimals after a point, like 1290.00 (a comma only separates thousands, like 1,150)`},
		{"1 290,505", 0, `price "1 290,505" is not a number: write the decimals after a point, like 11.50 (a comma only separates thousands, like 1,150)`},
		{"12,3,4", 0, `price "12,3,4" is not a number: write the decimals after a point, like 11.50 (a comma only separates thousands, like 1,150)`},
		{"1,15", 0, `price "1,15": write the decimals after a point, like 1.15 (a comma only separates thousands, like 1,150)`},
		{"1,1500", 0, `price "1,1500" is not a number: write the decimals after a point, like 11.50 (a comma only separates thousands, like 1,150)`},
		{"1 290.505", 0, `price "1 290.505": at most two decimals`},
		{"1 29", 0, `price "1 29" is not a number`},
		{"1290 00", 0, `price "1290 00" is not a number`},
		{"1 290 руб", 0, `price "1 290 руб" is not a number`},
		{"-5", 0, "price must not be negative"},
	}
	for _, tt := range tests {
		m, err := parsePrice(tt.in, "RUB")
		if got := fmt.Sprint(err); tt.err != "" && got != tt.err || tt.err == "" && (err != nil || m.Minor != tt.minor) {
			t.Errorf("parsePrice(%q) = %d, %v; want %d, %s", tt.in, m.Minor, err, tt.minor, tt.err)
		}
	}
}

func TestParsePeriod(t *testing.T) {
	tests := []struct {
		in     string
		days   int
		months int // -1: not in months
		err    bool
	}{
		{"21d", 21, -1, false},
		{"3w", 21, -1, false},
		{"12mo", 360, 12, false},
		{"1y", 365, 12, false},
		{" 2Y ", 730, 24, false},
		{"6 mo", 180, 6, false},
		{"12", 0, 0, true},
		{"0d", 0, 0, true},
		{"-3d", 0, 0, true},
		{"3m", 0, 0, true},
		{"d", 0, 0, true},
		{"1.5y", 0, 0, true},
		{"99999999999999999999d", 0, 0, true},
		{"", 0, 0, true},
	}
	for _, tt := range tests {
		p, err := parsePeriod(tt.in)
		if (err != nil) != tt.err {
			t.Errorf("parsePeriod(%q) error = %v, want error %v", tt.in, err, tt.err)
			continue
		}
		if err != nil {
			continue
		}
		m, ok := p.months()
		if !ok {
			m = -1
		}
		if p.days() != tt.days || m != tt.months {
			t.Errorf("parsePeriod(%q) = %d days, %d months; want %d, %d", tt.in, p.days(), m, tt.days, tt.months)
		}
	}
}

func FuzzLoad(f *testing.F) {
	demoCatalog, err := demo.FS.ReadFile("catalog.yaml")
	if err != nil {
		f.Fatal(err)
	}
	demoCSV, err := demo.FS.ReadFile("products.csv")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(demoCatalog), string(demoCSV))
	f.Add(teaCategory+"products: [{sku: A, category: tea, name: A, price: 1, variants: [{id: x, name: X, stock: 1}]}]\n", "")
	f.Add("currency: RUB\nproducts:\n  - &p {sku: A, name: *p, related: [*p]}\n  - *p\n", "sku,price\nA,1\n")
	f.Add("currency: RUB\nproducts: [\n", "sku,name_en,category,price\n\"B\"x,,\n")
	f.Add("a: b\n---\nc: d\n", "\ufeffsku;price\n")
	f.Fuzz(func(t *testing.T, catalogYAML, productsCSV string) {
		c, err := Load(shopFS("catalog.yaml", catalogYAML, "products.csv", productsCSV), "shop")
		if err == nil {
			if c == nil {
				t.Fatal("no catalog and no error")
			}
			c.Search("a", "en")
			c.StockSeed()
			return
		}
		var errs ownerfile.Errors
		if !errors.As(err, &errs) || len(errs) == 0 {
			t.Fatalf("error %v is not a non-empty ownerfile.Errors", err)
		}
		for _, e := range errs {
			if !strings.HasPrefix(e.File, "shop/") || e.Line < 0 || e.Msg == "" {
				t.Fatalf("bad error %+v", e)
			}
		}
	})
}
