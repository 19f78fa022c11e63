package catalog

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"strconv"
	"strings"

	"omnicart/ownerfile"
	"omnicart/shop"
)

// Files of a shop directory that Load reads.
const (
	catalogFile  = "catalog.yaml"
	catalogGlob  = "catalog/*.yaml"
	productsFile = "products.csv"
	deliveryFile = "delivery.yaml"
)

// maxIDLen is the longest SKU or id: SKUs travel in Telegram callback data,
// which holds 64 bytes.
const maxIDLen = 32

// Load reads and validates the shop directory fsys: catalog.yaml and any
// catalog/*.yaml (categories and products), the optional products.csv
// (more products, one per row), delivery.yaml (courier, its delivery
// windows, and pickup points) and the optional promos.yaml (promo codes),
// and checks that every product photo exists in fsys. name is how
// the directory is shown in errors ("demo", "/home/o/myshop").
//
// When anything is wrong, Load returns an ownerfile.Errors holding every
// problem it found, each at its file and line.
func Load(fsys fs.FS, name string) (*Catalog, error) {
	l := &loader{
		fsys:       fsys,
		name:       name,
		cat:        &Catalog{categories: map[string]int{}, products: map[string]int{}},
		categoryAt: map[string]at{},
		skuAt:      map[string]at{},
	}
	l.load()
	if err := l.errs.Err(); err != nil {
		return nil, err
	}
	for _, p := range l.cat.Products {
		cat, _ := l.cat.Category(p.Category)
		l.cat.words = append(l.cat.words, searchWords(p, cat))
	}
	return l.cat, nil
}

// at is a position in the shop directory.
type at struct {
	file string
	line int
}

// productAt remembers where a product's references were written, to check
// them once every file is read.
type productAt struct {
	category at
	related  []at // parallel to Product.Related
}

// loader holds the state of one Load.
type loader struct {
	fsys fs.FS
	name string
	errs ownerfile.Errors
	cat  *Catalog

	currency   at // where the currency was set
	categoryAt map[string]at
	skuAt      map[string]at
	productAt  []productAt // parallel to cat.Products
	broken     bool        // a catalog file could not be parsed: references may be unknown
}

// errorf reports a problem at line of file, a path inside the shop directory.
func (l *loader) errorf(file string, line int, format string, args ...any) {
	l.errs.Add(path.Join(l.name, file), line, format, args...)
}

// noteText remembers a text written by language at line of the file, for
// Catalog.Untranslated; ctx names it ("product \"A\": name").
func (l *loader) noteText(file string, line int, what string, t Text) {
	for _, s := range t {
		if s != "" {
			l.cat.texts = append(l.cat.texts, textAt{at{path.Join(l.name, file), line}, strings.TrimSuffix(what, ": "), t})
			return
		}
	}
}

func (l *loader) where(a at) string { return fmt.Sprintf("%s:%d", path.Join(l.name, a.file), a.line) }

func (l *loader) load() {
	// A catalog file named .yml is not read: its products would look missing.
	n := len(l.errs)
	l.errs.MisnamedYAML(l.fsys, l.name, catalogFile, catalogGlob)
	l.broken = len(l.errs) > n
	l.errs.MisnamedYAML(l.fsys, l.name, deliveryFile, promosFile)
	docs := l.catalogDocs()
	if len(docs) > 0 {
		l.findCurrency(docs)
	}
	for _, d := range docs {
		d.catalog()
	}
	if data, ok := l.read(productsFile, false); ok {
		l.loadCSV(productsFile, data)
	}
	if !l.broken {
		l.checkReferences()
	}
	if data, ok := l.read(deliveryFile, true); ok {
		f := l.yamlFile(deliveryFile)
		if root, ok := f.Parse(data); ok {
			l.cat.Delivery = f.delivery(root)
		}
	}
	if !l.broken { // promos name the catalog's categories: a broken catalog would make them look wrong too
		l.loadPromos()
	}
}

// read returns the content of file; a missing file is reported only when required.
func (l *loader) read(file string, required bool) ([]byte, bool) {
	data, err := fs.ReadFile(l.fsys, file)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if required {
			l.errorf(file, 0, "file not found")
		}
		return nil, false
	case err != nil:
		l.errorf(file, 0, "%v", err)
		return nil, false
	}
	return data, true
}

// catalogDocs parses catalog.yaml and catalog/*.yaml.
func (l *loader) catalogDocs() []yfile {
	files, err := fs.Glob(l.fsys, catalogGlob)
	if err != nil {
		l.errorf("catalog", 0, "%v", err)
	}
	if _, err := fs.Stat(l.fsys, catalogFile); err == nil || len(files) == 0 {
		files = append([]string{catalogFile}, files...)
	}
	var docs []yfile
	for _, file := range files {
		data, ok := l.read(file, true)
		if !ok {
			continue
		}
		f := l.yamlFile(file)
		root, ok := f.Parse(data)
		f.root = root
		l.broken = l.broken || !ok
		docs = append(docs, f)
	}
	return docs
}

// findCurrency sets the catalog currency from the first file that names it
// and checks that the others agree.
func (l *loader) findCurrency(docs []yfile) {
	for _, d := range docs {
		n := ownerfile.Lookup(d.root, "currency")
		if n == nil {
			continue
		}
		c := strings.ToUpper(ownerfile.Scalar(n))
		if len(c) != 3 || strings.Trim(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
			d.errorf(n, "currency %q: write a three-letter code like RUB, EUR or USD", n.Value)
			continue
		}
		if l.cat.Currency == "" {
			l.cat.Currency, l.currency = c, at{d.file, n.Line}
		} else if c != l.cat.Currency {
			d.errorf(n, "currency %s differs from %s set at %s", c, l.cat.Currency, l.where(l.currency))
		}
	}
	if l.cat.Currency == "" && len(l.errs) == 0 {
		l.errorf(docs[0].file, 0, "missing currency, like currency: RUB")
	}
}

// rawProduct is a product as written, before its values are checked.
type rawProduct struct {
	at
	sku, category, price, stock, photo, warranty, reorder value
	name, description                                     Text
	related                                               []value
	tags                                                  []string
	variants                                              []Variant
}

// value is one written value and its line; line 0 means it was not written.
type value struct {
	s    string
	line int
}

// addProduct checks r and adds it to the catalog; ctx starts its messages.
func (l *loader) addProduct(r rawProduct, ctx string) {
	errf := func(line int, format string, args ...any) {
		l.errorf(r.file, line, ctx+format, args...)
	}
	p := Product{SKU: r.sku.s, Category: r.category.s, Name: r.name, Description: r.description,
		Tags: r.tags, Variants: r.variants}
	if p.SKU == "" {
		errf(r.line, "missing sku")
	} else if err := checkID("SKU", p.SKU); err != nil {
		l.errorf(r.file, r.sku.line, "%v", err)
	}
	if p.Category == "" {
		errf(r.line, "missing category")
	}
	if p.Name.In("") == "" {
		errf(r.line, "missing name")
	}
	if r.price.s == "" {
		errf(r.line, "missing price")
	} else if m, err := parsePrice(r.price.s, l.cat.Currency); err != nil {
		errf(r.price.line, "%v", err)
	} else {
		p.Price = m
	}
	if r.stock.s != "" {
		n, err := parseStock(r.stock.s)
		if err != nil {
			errf(r.stock.line, "%v", err)
		}
		p.Stock = n
	}
	if r.photo.s != "" {
		if err := l.checkPhoto(r.photo.s); err != nil {
			errf(r.photo.line, "%v", err)
		}
		p.Photo = r.photo.s
	}
	if r.warranty.s != "" {
		pd, err := parsePeriod(r.warranty.s)
		if err != nil {
			errf(r.warranty.line, "warranty %v", err)
		} else if m, ok := pd.months(); !ok {
			errf(r.warranty.line, "warranty %q: give it in months or years, like 12mo or 2y", r.warranty.s)
		} else {
			p.WarrantyMonths = m
		}
	}
	if r.reorder.s != "" {
		pd, err := parsePeriod(r.reorder.s)
		if err != nil {
			errf(r.reorder.line, "reorder_after %v", err)
		}
		p.ReorderAfterDays = pd.days()
	}
	pa := productAt{category: at{r.file, r.category.line}}
	for _, v := range r.related {
		p.Related = append(p.Related, v.s)
		pa.related = append(pa.related, at{r.file, v.line})
	}
	if p.SKU == "" {
		return
	}
	if first, dup := l.skuAt[p.SKU]; dup {
		l.errorf(r.file, r.sku.line, "duplicate SKU %q (first defined at %s)", p.SKU, l.where(first))
		return
	}
	l.skuAt[p.SKU] = at{r.file, r.sku.line}
	l.cat.products[p.SKU] = len(l.cat.Products)
	l.cat.Products = append(l.cat.Products, p)
	l.productAt = append(l.productAt, pa)
}

// checkReferences checks the categories and related SKUs of every product.
func (l *loader) checkReferences() {
	var ids []string
	for _, c := range l.cat.Categories {
		ids = append(ids, c.ID)
	}
	for i, p := range l.cat.Products {
		pa := l.productAt[i]
		if _, ok := l.cat.categories[p.Category]; !ok && p.Category != "" {
			l.errorf(pa.category.file, pa.category.line, "product %q: unknown category %q%s",
				p.SKU, p.Category, ownerfile.HintOrList(p.Category, ids, "categories"))
		}
		for j, r := range p.Related {
			switch _, ok := l.cat.products[r]; {
			case r == p.SKU:
				l.errorf(pa.related[j].file, pa.related[j].line, "product %q: related to itself", p.SKU)
			case !ok:
				l.errorf(pa.related[j].file, pa.related[j].line, "product %q: related SKU %q does not exist", p.SKU, r)
			}
		}
	}
}

// checkPhoto checks that the photo file exists in the shop directory.
func (l *loader) checkPhoto(name string) error {
	if !fs.ValidPath(name) {
		return fmt.Errorf("photo %q: write a path inside the shop directory, like images/photo.jpg", name)
	}
	st, err := fs.Stat(l.fsys, name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("photo %q not found", name)
	case err != nil:
		return fmt.Errorf("photo %q: %w", name, err)
	case st.IsDir():
		return fmt.Errorf("photo %q is a directory", name)
	}
	return nil
}

// checkID checks an SKU or id: it must fit in button data and be safe to
// put there.
func checkID(kind, id string) error {
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return fmt.Errorf("%s %q: use only letters A-Z a-z, digits and . _ -", kind, id)
		}
	}
	if len(id) > maxIDLen {
		return fmt.Errorf("%s %q is %d bytes long; at most %d fit in Telegram button data", kind, id, len(id), maxIDLen)
	}
	return nil
}

// parsePrice reads a non-negative price such as "890", "890.50", "1,290.50"
// or "1 290.50": a point before the decimals, and commas, spaces, no-break
// spaces or narrow no-break spaces between groups of three digits. Any other
// comma is an error, because "11,50" may mean 11.50 or 1150: the message
// says how to write it. Its errors quote s as written.
func parsePrice(s, currency string) (shop.Money, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "-") {
		return shop.Money{}, fmt.Errorf("price must not be negative")
	}
	n := dropGroupSpaces(s)
	if strings.Contains(n, ",") {
		if !commaGroups.MatchString(n) {
			return shop.Money{}, commaError(s, n)
		}
		n = strings.ReplaceAll(n, ",", "")
	}
	m, err := shop.ParseMoney(n, currency)
	if err != nil {
		if _, frac, ok := strings.Cut(n, "."); ok && len(frac) > 2 && strings.Trim(frac, "0123456789") == "" {
			return shop.Money{}, fmt.Errorf("price %q: at most two decimals", s)
		}
		return shop.Money{}, fmt.Errorf("price %q is not a number", s)
	}
	return m, nil
}

// commaGroups matches a number with commas between groups of three digits:
// "1,150", "12,345,678.50".
var commaGroups = regexp.MustCompile(`^[0-9]{1,3}(,[0-9]{3})+(\.[0-9]*)?$`)

// commaError explains a comma that does not separate thousands; n is s
// without its group spaces.
func commaError(s, n string) error {
	whole, frac, ok := strings.Cut(n, ",")
	if ok && !strings.ContainsAny(frac, ",.") && strings.Trim(whole+frac, "0123456789") == "" && whole != "" && len(frac) <= 2 && frac != "" {
		return fmt.Errorf("price %q: write the decimals after a point, like %s.%s (a comma only separates thousands, like 1,150)", s, whole, frac)
	}
	return fmt.Errorf("price %q is not a number: write the decimals after a point, like 11.50 (a comma only separates thousands, like 1,150)", s)
}

// dropGroupSpaces removes the spaces, no-break spaces and narrow no-break
// spaces that separate thousands in "1 290" or "12 345 678.00"; s is
// returned as it is when its spaces are anywhere else.
func dropGroupSpaces(s string) string {
	whole, frac, _ := strings.Cut(strings.ReplaceAll(s, ",", "."), ".")
	groups := strings.FieldsFunc(whole, func(r rune) bool { return r == ' ' || r == '\u00a0' || r == '\u202f' })
	if len(groups) < 2 || strings.ContainsAny(frac, " \u00a0\u202f") {
		return s
	}
	for i, g := range groups {
		if len(g) > 3 || i > 0 && len(g) != 3 || strings.Trim(g, "0123456789") != "" {
			return s
		}
	}
	return strings.Join(groups, "") + s[len(whole):]
}

// parseStock reads a non-negative whole number of items.
func parseStock(s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	switch {
	case err != nil:
		return 0, fmt.Errorf("stock %q is not a whole number", s)
	case n < 0:
		return 0, fmt.Errorf("stock must not be negative")
	}
	return n, nil
}
