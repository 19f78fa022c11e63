package catalog

import (
	"fmt"
	"math"
	"path"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"omnicart/ownerfile"
	"omnicart/shop"
)

// yfile decodes one YAML file of the shop directory, node by node, so that
// every problem is reported at its line and unknown fields are errors.
type yfile struct {
	*loader
	ownerfile.File
	file string     // the path inside the shop directory
	root *yaml.Node // nil when the file is empty or could not be parsed
}

// yamlFile returns the reader of file, a path inside the shop directory.
func (l *loader) yamlFile(file string) yfile {
	return yfile{loader: l, File: ownerfile.File{Name: path.Join(l.name, file), Errs: &l.errs}, file: file}
}

func (f yfile) errorf(n *yaml.Node, format string, args ...any) {
	f.Errorf(n.Line, format, args...)
}

// value returns the scalar n with its line; a zero value when absent.
func (f yfile) value(n *yaml.Node, ctx, field string) value {
	if ownerfile.Absent(n) {
		return value{}
	}
	if n.Kind != yaml.ScalarNode {
		f.errorf(n, "%s%s: expected a single value", ctx, field)
		return value{}
	}
	return value{strings.TrimSpace(n.Value), n.Line}
}

// text reads a text: {en: ..., ru: ...}, or a plain string for every language.
func (f yfile) text(n *yaml.Node, ctx, field string) Text {
	switch {
	case ownerfile.Absent(n):
		return nil
	case n.Kind == yaml.ScalarNode:
		return Text{"": strings.TrimSpace(n.Value)}
	case n.Kind != yaml.MappingNode:
		f.errorf(n, "%s%s: expected texts by language, like {en: Coffee, ru: Кофе}", ctx, field)
		return nil
	}
	t := Text{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], ownerfile.Resolve(n.Content[i+1])
		switch {
		case !isLang(k.Value):
			f.errorf(k, "%s%s: %q is not a language code like en or ru (put a text with a comma in quotes)", ctx, field, k.Value)
		case ownerfile.Absent(v):
		case v.Kind != yaml.ScalarNode:
			f.errorf(v, "%s%s.%s: expected a text", ctx, field, k.Value)
		case t[k.Value] != "":
			f.errorf(k, "%s%s.%s given twice", ctx, field, k.Value)
		default:
			t[k.Value] = strings.TrimSpace(v.Value)
		}
	}
	f.noteText(f.file, n.Line, ctx+field, t)
	return t
}

// isLang reports whether s looks like a language code: en, ru, pt-BR.
func isLang(s string) bool {
	lang, region, _ := strings.Cut(s, "-")
	if len(lang) < 2 || len(lang) > 3 || len(region) > 4 {
		return false
	}
	for _, r := range lang {
		if r < 'a' || r > 'z' {
			return false
		}
	}
	for _, r := range region {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// values reads a list of single values, like [a, b].
func (f yfile) values(n *yaml.Node, ctx, field string) []value {
	var vs []value
	for _, item := range f.List(n, ctx, field, "[a, b]") {
		if v := f.value(item, ctx, field); v.s != "" {
			vs = append(vs, v)
		}
	}
	return vs
}

// catalog reads the top of a catalog file.
func (f yfile) catalog() {
	m, ok := f.Fields(f.root, "", "currency, categories and products", "currency", "categories", "products")
	if !ok {
		return
	}
	for _, n := range f.List(m["categories"], "", "categories", "[{id: coffee, name: {en: Coffee, ru: Кофе}}]") {
		f.category(n)
	}
	for _, n := range f.List(m["products"], "", "products", "[{sku: ETH-250, ...}]") {
		f.product(n)
	}
}

func (f yfile) category(n *yaml.Node) {
	ctx := "category: "
	if id := ownerfile.Scalar(ownerfile.Lookup(n, "id")); id != "" {
		ctx = fmt.Sprintf("category %q: ", id)
	}
	m, ok := f.Fields(n, ctx, "a category like {id: coffee, name: {en: Coffee, ru: Кофе}}",
		"id", "name", "description", "emoji")
	if !ok {
		return
	}
	id := f.value(m["id"], ctx, "id")
	c := Category{
		ID:          id.s,
		Name:        f.text(m["name"], ctx, "name"),
		Description: f.text(m["description"], ctx, "description"),
		Emoji:       f.value(m["emoji"], ctx, "emoji").s,
	}
	if c.Name.In("") == "" {
		f.errorf(n, "%smissing name", ctx)
	}
	if c.ID == "" {
		f.errorf(n, "%smissing id", ctx)
		return
	}
	if err := checkID("category id", c.ID); err != nil {
		f.loader.errorf(f.file, id.line, "%v", err)
	}
	if first, dup := f.categoryAt[c.ID]; dup {
		f.loader.errorf(f.file, id.line, "duplicate category %q (first defined at %s)", c.ID, f.where(first))
		return
	}
	f.categoryAt[c.ID] = at{f.file, id.line}
	f.cat.categories[c.ID] = len(f.cat.Categories)
	f.cat.Categories = append(f.cat.Categories, c)
}

var productFields = []string{"sku", "category", "name", "description", "price", "stock", "photo",
	"variants", "related", "warranty", "reorder_after", "tags"}

func (f yfile) product(n *yaml.Node) {
	ctx := "product: "
	if sku := ownerfile.Scalar(ownerfile.Lookup(n, "sku")); sku != "" {
		ctx = fmt.Sprintf("product %q: ", sku)
	}
	m, ok := f.Fields(n, ctx, "a product like {sku: ETH-250, name: {en: ..., ru: ...}, price: 890}", productFields...)
	if !ok {
		return
	}
	r := rawProduct{
		at:          at{f.file, n.Line},
		sku:         f.value(m["sku"], ctx, "sku"),
		category:    f.value(m["category"], ctx, "category"),
		name:        f.text(m["name"], ctx, "name"),
		description: f.text(m["description"], ctx, "description"),
		price:       f.value(m["price"], ctx, "price"),
		stock:       f.value(m["stock"], ctx, "stock"),
		photo:       f.value(m["photo"], ctx, "photo"),
		warranty:    f.value(m["warranty"], ctx, "warranty"),
		reorder:     f.value(m["reorder_after"], ctx, "reorder_after"),
		related:     f.values(m["related"], ctx, "related"),
	}
	for _, v := range f.values(m["tags"], ctx, "tags") {
		r.tags = append(r.tags, v.s)
	}
	for _, vn := range f.List(m["variants"], ctx, "variants", "[{id: beans, name: {en: Beans, ru: Зерно}}]") {
		if v, ok := f.variant(vn, ctx, r.variants); ok {
			r.variants = append(r.variants, v)
		}
	}
	f.addProduct(r, ctx)
}

// variant reads one variant of a product; ok is false when it has no id or
// repeats one of seen.
func (f yfile) variant(n *yaml.Node, ctx string, seen []Variant) (Variant, bool) {
	vctx := ctx + "variant: "
	if id := ownerfile.Scalar(ownerfile.Lookup(n, "id")); id != "" {
		vctx = fmt.Sprintf("%svariant %q: ", ctx, id)
	}
	m, ok := f.Fields(n, vctx, "a variant like {id: beans, name: {en: Beans, ru: Зерно}}", "id", "name", "price", "stock")
	if !ok {
		return Variant{}, false
	}
	id := f.value(m["id"], vctx, "id")
	v := Variant{ID: id.s, Name: f.text(m["name"], vctx, "name")}
	if v.ID == "" {
		f.errorf(n, "%smissing id", vctx)
		return Variant{}, false
	}
	if err := checkID("variant id", v.ID); err != nil {
		f.loader.errorf(f.file, id.line, "%s%v", ctx, err)
	}
	if v.Name.In("") == "" {
		f.errorf(n, "%smissing name", vctx)
	}
	if p := f.value(m["price"], vctx, "price"); p.s != "" {
		v.Price, _ = f.price(p, vctx)
	}
	if s := f.value(m["stock"], vctx, "stock"); s.s != "" {
		n, err := parseStock(s.s)
		if err != nil {
			f.loader.errorf(f.file, s.line, "%s%v", vctx, err)
		}
		v.Stock = &n
	}
	for _, o := range seen {
		if o.ID == v.ID {
			f.loader.errorf(f.file, id.line, "%sduplicate variant %q", ctx, v.ID)
			return Variant{}, false
		}
	}
	return v, true
}

// delivery reads delivery.yaml.
func (f yfile) delivery(root *yaml.Node) Delivery {
	var d Delivery
	m, ok := f.Fields(root, "", "courier and pickup", "courier", "pickup")
	if !ok && root != nil {
		return d
	}
	if cn := m["courier"]; ownerfile.Absent(cn) {
		f.loader.errorf(f.file, 1, "missing courier, like courier: {price: 300, free_from: 3000}")
	} else {
		d.Courier = f.courier(cn)
	}
	seen := map[string]int{}
	for _, n := range f.List(m["pickup"], "", "pickup", "[{id: center, name: ..., address: ..., lat: 55.75, lon: 37.62}]") {
		p, ok := f.pickup(n)
		if !ok {
			continue
		}
		if line, dup := seen[p.ID]; dup {
			f.errorf(n, "duplicate pickup point %q (first defined at line %d)", p.ID, line)
			continue
		}
		seen[p.ID] = n.Line
		d.Pickup = append(d.Pickup, p)
	}
	return d
}

func (f yfile) courier(n *yaml.Node) Courier {
	const ctx = "courier: "
	var c Courier
	m, ok := f.Fields(n, ctx, "{price: 300, free_from: 3000, note: {en: ..., ru: ...}}", "price", "free_from", "note", "slots")
	if !ok {
		return c
	}
	c.Note = f.text(m["note"], ctx, "note")
	if !ownerfile.Absent(m["slots"]) {
		c.Slots = f.slots(m["slots"])
	}
	c.FreeFrom = shop.Money{Currency: f.cat.Currency}
	if p := f.value(m["price"], ctx, "price"); p.s == "" {
		f.errorf(n, "%smissing price", ctx)
	} else {
		c.Price, _ = f.price(p, ctx)
	}
	if p := f.value(m["free_from"], ctx, "free_from"); p.s != "" {
		c.FreeFrom, _ = f.price(p, ctx+"free_from: ")
	}
	return c
}

func (f yfile) price(v value, ctx string) (shop.Money, bool) {
	m, err := parsePrice(v.s, f.cat.Currency)
	if err != nil {
		f.loader.errorf(f.file, v.line, "%s%v", ctx, err)
		return m, false
	}
	return m, true
}

func (f yfile) pickup(n *yaml.Node) (PickupPoint, bool) {
	ctx := "pickup point: "
	if id := ownerfile.Scalar(ownerfile.Lookup(n, "id")); id != "" {
		ctx = fmt.Sprintf("pickup point %q: ", id)
	}
	m, ok := f.Fields(n, ctx, "a pickup point like {id: center, name: ..., address: ..., lat: 55.75, lon: 37.62}",
		"id", "name", "address", "hours", "lat", "lon")
	if !ok {
		return PickupPoint{}, false
	}
	id := f.value(m["id"], ctx, "id")
	p := PickupPoint{
		ID:      id.s,
		Name:    f.text(m["name"], ctx, "name"),
		Address: f.text(m["address"], ctx, "address"),
		Hours:   f.text(m["hours"], ctx, "hours"),
	}
	if p.ID == "" {
		f.errorf(n, "%smissing id", ctx)
	} else if err := checkID("pickup point id", p.ID); err != nil {
		f.loader.errorf(f.file, id.line, "%v", err)
	}
	if p.Name.In("") == "" {
		f.errorf(n, "%smissing name", ctx)
	}
	if p.Address.In("") == "" {
		f.errorf(n, "%smissing address", ctx)
	}
	p.Lat = f.coord(n, m["lat"], ctx, "lat", 90)
	p.Lon = f.coord(n, m["lon"], ctx, "lon", 180)
	return p, p.ID != ""
}

// coord reads a latitude or longitude within ±limit degrees.
func (f yfile) coord(parent, n *yaml.Node, ctx, field string, limit float64) float64 {
	v := f.value(n, ctx, field)
	if v.s == "" {
		f.errorf(parent, "%smissing %s", ctx, field)
		return 0
	}
	x, err := strconv.ParseFloat(v.s, 64)
	if err != nil || math.IsNaN(x) || x < -limit || x > limit {
		f.loader.errorf(f.file, v.line, "%s%s %q: expected degrees between %v and %v", ctx, field, v.s, -limit, limit)
		return 0
	}
	return x
}
