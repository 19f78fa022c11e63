package catalog

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"omnicart/ownerfile"
	"omnicart/shop"
)

// promosFile holds the owner's promo codes; it is optional.
const promosFile = "promos.yaml"

// Promo returns the owner's promo code code (normalized, see
// shop.NormalizeCode), its from and until dates as wall-clock times in
// zone, the shop's time zone.
func (c *Catalog) Promo(code string, zone *time.Location) (shop.Promo, bool) {
	p, ok := c.promos[code]
	if !ok {
		return shop.Promo{}, false
	}
	in := func(t time.Time) time.Time {
		if t.IsZero() {
			return t
		}
		return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), 0, 0, zone)
	}
	p.From, p.Until = in(p.From), in(p.Until)
	p.Categories = append([]string(nil), p.Categories...)
	return p, true
}

// Promos returns the owner's promo codes, in the file's order; their dates
// are wall-clock times (see Promo).
func (c *Catalog) Promos() []shop.Promo {
	ps := make([]shop.Promo, 0, len(c.promoOrder))
	for _, code := range c.promoOrder {
		ps = append(ps, c.promos[code])
	}
	return ps
}

// loadPromos reads promos.yaml, when there is one.
func (l *loader) loadPromos() {
	l.cat.promos = map[string]shop.Promo{}
	data, ok := l.read(promosFile, false)
	if !ok {
		return
	}
	f := l.yamlFile(promosFile)
	root, ok := f.Parse(data)
	if !ok {
		return
	}
	m, ok := f.Fields(root, "", "promos: [{code: WELCOME10, percent: 10}]", "promos")
	if !ok {
		return
	}
	lines := map[string]int{}
	for _, n := range f.List(m["promos"], "", "promos", "[{code: WELCOME10, percent: 10}]") {
		p, line, ok := f.promo(n)
		if !ok {
			continue
		}
		if first, dup := lines[p.Code]; dup {
			f.loader.errorf(f.file, line, "duplicate promo code %q (first defined at line %d)", p.Code, first)
			continue
		}
		lines[p.Code] = line
		l.cat.promos[p.Code] = p
		l.cat.promoOrder = append(l.cat.promoOrder, p.Code)
	}
}

var promoFields = []string{"code", "percent", "amount", "min_total", "from", "until", "limit", "per_customer", "categories"}

// promo reads one promo code; line is the line of its code.
func (f yfile) promo(n *yaml.Node) (shop.Promo, int, bool) {
	ctx := "promo: "
	if code := ownerfile.Scalar(ownerfile.Lookup(n, "code")); code != "" {
		ctx = fmt.Sprintf("promo %q: ", code)
	}
	m, ok := f.Fields(n, ctx, "a promo code like {code: WELCOME10, percent: 10}", promoFields...)
	if !ok {
		return shop.Promo{}, 0, false
	}
	good := true
	bad := func(line int, format string, a ...any) {
		f.loader.errorf(f.file, line, ctx+format, a...)
		good = false
	}
	var p shop.Promo
	cv := f.value(m["code"], ctx, "code")
	if cv.s == "" {
		f.errorf(n, "%smissing code", ctx)
		return shop.Promo{}, 0, false
	}
	code, ok := shop.NormalizeCode(cv.s)
	if !ok {
		bad(cv.line, "code %q: use 3 to %d letters, digits, - or _", cv.s, shop.MaxCodeLen)
	}
	p.Code = code
	whole := func(field string, lo, hi int) int {
		v := f.value(m[field], ctx, field)
		if v.s == "" {
			return 0
		}
		x, err := strconv.Atoi(v.s)
		if err != nil || x < lo || x > hi {
			bad(v.line, "%s %q: expected a whole number from %d to %d", field, v.s, lo, hi)
		}
		return x
	}
	p.Percent = whole("percent", 1, 100)
	p.Limit = whole("limit", 1, 1_000_000_000)
	p.PerCustomer = whole("per_customer", 1, 1_000_000)
	if v := f.value(m["amount"], ctx, "amount"); v.s != "" {
		p.Amount, ok = f.price(v, ctx+"amount: ")
		good = good && ok
	}
	if v := f.value(m["min_total"], ctx, "min_total"); v.s != "" {
		p.MinTotal, ok = f.price(v, ctx+"min_total: ")
		good = good && ok
	}
	if (p.Percent > 0) == (p.Amount.Minor > 0) && good {
		bad(n.Line, "give either percent (10 for 10%%) or amount (200 off), not both or neither")
	}
	p.From = f.date(m["from"], ctx, "from", false, &good)
	p.Until = f.date(m["until"], ctx, "until", true, &good)
	if !p.From.IsZero() && !p.Until.IsZero() && !p.Until.After(p.From) {
		bad(n.Line, "until is not after from")
	}
	for _, v := range f.values(m["categories"], ctx, "categories") {
		if _, ok := f.cat.Category(v.s); !ok {
			var ids []string
			for _, c := range f.cat.Categories {
				ids = append(ids, c.ID)
			}
			bad(v.line, "unknown category %q%s", v.s, ownerfile.Hint(v.s, ids))
			continue
		}
		p.Categories = append(p.Categories, v.s)
	}
	return p, cv.line, good
}

// date reads "2026-12-31" or "2026-12-31 18:00" as a wall-clock time (in
// UTC, standing for the shop's zone). A bare date that ends a period
// (until) means the end of that day.
func (f yfile) date(n *yaml.Node, ctx, field string, end bool, good *bool) time.Time {
	v := f.value(n, ctx, field)
	if v.s == "" {
		return time.Time{}
	}
	s := strings.Join(strings.Fields(strings.Replace(v.s, "T", " ", 1)), " ")
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		if end {
			t = t.AddDate(0, 0, 1)
		}
		return t
	}
	if t, err := time.Parse("2006-01-02 15:04", s); err == nil {
		return t
	}
	f.loader.errorf(f.file, v.line, `%s%s %q: expected a date like 2026-12-31 or "2026-12-31 18:00"`, ctx, field, v.s)
	*good = false
	return time.Time{}
}
