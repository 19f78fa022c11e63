package campaigns

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"omnicart/locales"
	"omnicart/shop"
)

// The campaigns' own rules: what each says to a due customer, under which
// idempotency key (campaign, customer, occasion), and how its index moves.

// Flows the campaign buttons open (flows/defaults/campaign*.yaml).
const (
	flowCheckout  = "checkout"
	flowCart      = "cart"
	flowBrowse    = "browse"
	flowOrders    = "orders"
	flowSupport   = "support"
	flowStop      = "offers_stop"
	flowRate      = "rate"
	flowReorder   = "reorder"
	flowProduct   = "product"
	flowQuestions = flowSupport
)

// printer is the customer's language.
func (x *run) printer(p *Profile) *locales.Printer {
	lang := p.Customer.Lang
	if lang == "" {
		lang = x.sh.Lang
	}
	return x.sh.Texts.Printer(lang)
}

func (x *run) date(p *Profile, t time.Time) string {
	pr := x.printer(p)
	return t.In(x.zone(p.Customer)).Format(pr.T("time.date"))
}

func (x *run) button(text, flow, arg string) shop.NoticeButton {
	return shop.NoticeButton{Text: text, Event: x.sh.Go(flow), Arg: arg}
}

func (x *run) hasFlow(flow string) bool { return x.sh.HasFlow != nil && x.sh.HasFlow(flow) }

// notice is a marketing notice of campaign c with the "Stop offers" button
// last.
func (x *run) notice(c *Campaign, p *Profile, key string, args []shop.NoticeArg, buttons ...shop.NoticeButton) shop.Notice {
	name := p.Customer.Name
	if name == "" {
		name = x.printer(p).T("menu.friend")
	}
	buttons = append(buttons, x.button("campaign.stop", flowStop, c.Name))
	return shop.Notice{Key: key, Customer: p.Customer.ID, Kind: shop.NoticeMarketing, Text: c.Text,
		Args: append([]shop.NoticeArg{shop.TextArg("name", name)}, args...), Buttons: buttons, Campaign: c.Name, Created: x.at}
}

func (x *run) itemName(p *Profile, sku, variant string) string {
	lang := x.printer(p).Lang()
	pr, ok := x.sh.Catalog.Product(sku)
	if !ok {
		return sku
	}
	name := pr.Name.In(lang)
	if v, ok := pr.Variant(variant); ok {
		name += " (" + v.Name.In(lang) + ")"
	}
	return name
}

// items lists lines, one a line, in the customer's language.
func (x *run) items(p *Profile, lines []shop.Line) string {
	pr := x.printer(p)
	var b []string
	for _, l := range lines {
		b = append(b, pr.T("campaign.item", "name", x.itemName(p, l.SKU, l.Variant), "qty", l.Qty))
	}
	return strings.Join(b, "\n")
}

// boughtSince reports whether the customer placed an order at or after t.
func boughtSince(p *Profile, t time.Time) bool {
	for _, o := range p.Orders {
		if !o.CreatedAt.Before(t) && o.Status != shop.StatusCancelled {
			return true
		}
	}
	return false
}

// cartVerdict is what both abandoned-cart reminders check.
func (x *run) cartVerdict(ctx context.Context, c *Campaign, p *Profile, activity time.Time) (verdict, bool) {
	switch {
	case len(p.Cart.Lines) == 0:
		return verdict{reason: Nothing}, false
	case boughtSince(p, activity):
		return verdict{reason: Bought}, false
	case x.at.Sub(p.Customer.SeenAt) < c.Active:
		return verdict{reason: Active, until: p.Customer.SeenAt.Add(c.Active)}, false
	}
	return verdict{}, true
}

func (x *run) cartArgs(ctx context.Context, c *Campaign, p *Profile) []shop.NoticeArg {
	pr := x.printer(p)
	var low []string
	for _, l := range p.Cart.Lines {
		counter := l.Item
		if x.sh.Catalog != nil && x.sh.Catalog.StockKey(l.Item) != l.Item.Key() {
			counter = shop.Item{SKU: x.sh.Catalog.StockKey(l.Item)} // variants that share their product's stock
		}
		left, known, err := x.st.Stock(ctx, counter)
		if err == nil && known && left > 0 && left <= c.LowStock {
			low = append(low, "\n"+pr.N("campaign.stock_low", left, "name", x.itemName(p, l.SKU, l.Variant)))
		}
	}
	return []shop.NoticeArg{shop.TextArg("items", x.items(p, p.Cart.Lines)), shop.MoneyArg("total", p.Cart.Total()),
		shop.TextArg("stock", strings.Join(low, ""))}
}

// cart is the first abandoned-cart reminder: d.At is the cart's last change.
func (x *run) cart(ctx context.Context, c *Campaign, d shop.Due, p *Profile) verdict {
	id := d.Customer
	done := func(ctx context.Context) error {
		if err := x.st.ClearDue(ctx, dueCart, id); err != nil {
			return err
		}
		if x.cfg.Get(CartAgain) == nil {
			return nil
		}
		return x.st.SetDue(ctx, dueCartAgain, id, d.At)
	}
	v, ok := x.cartVerdict(ctx, c, p, d.At)
	if !ok {
		if v.reason == Active {
			return v
		}
		v.done = func(ctx context.Context) error { return x.st.ClearDue(ctx, dueCart, id) }
		return v
	}
	key := fmt.Sprintf("cart/%s/%d", id, d.At.Unix())
	return verdict{reason: Send, done: done,
		notice: x.notice(c, p, key, x.cartArgs(ctx, c, p),
			x.button("campaign.checkout", flowCheckout, ""), x.button("campaign.view_cart", flowCart, ""))}
}

// cartAgain is the second reminder, with a coupon.
func (x *run) cartAgain(ctx context.Context, c *Campaign, d shop.Due, p *Profile) verdict {
	v, ok := x.cartVerdict(ctx, c, p, d.At)
	if ok {
		if later, found, err := x.st.DueAt(ctx, dueCart, d.Customer); err == nil && found && later.After(d.At) {
			v, ok = verdict{reason: Nothing}, false // the cart changed: its own first reminder comes
		}
	}
	if !ok {
		return v
	}
	key := fmt.Sprintf("cart2/%s/%d", d.Customer, d.At.Unix())
	return verdict{reason: Send, coupon: c.Coupon,
		notice: x.notice(c, p, key, x.cartArgs(ctx, c, p),
			x.button("campaign.checkout", flowCheckout, ""), x.button("campaign.view_cart", flowCart, ""))}
}

// retryAfter returns the index time that brings a customer back at when
// for a campaign due delay after its fact.
func retryAfter(delay time.Duration) func(time.Time) time.Time {
	return func(when time.Time) time.Time { return when.Add(-delay) }
}

// browse nudges about the product viewed most (at least c.Views times),
// never carted nor bought.
func (x *run) browse(ctx context.Context, c *Campaign, d shop.Due, p *Profile) verdict {
	bought := boughtSKUs(p)
	best, most := "", 0
	for sku, n := range p.Views {
		if n < max(c.Views, 1) || p.Carted[sku] > 0 || bought[sku] || inCart(p, sku) {
			continue
		}
		if _, ok := x.sh.Catalog.Product(sku); !ok {
			continue
		}
		if n > most || n == most && sku < best {
			best, most = sku, n
		}
	}
	if best == "" {
		return verdict{reason: Nothing}
	}
	buttons := []shop.NoticeButton{x.button("campaign.show_product", flowProduct, best)}
	if x.hasFlow(flowQuestions) {
		buttons = append(buttons, x.button("campaign.question", flowQuestions, ""))
	}
	return verdict{reason: Send, retry: retryAfter(c.Delay),
		notice: x.notice(c, p, fmt.Sprintf("browse/%s/%s", d.Customer, best),
			[]shop.NoticeArg{shop.TextArg("product", x.itemName(p, best, ""))}, buttons...)}
}

func boughtSKUs(p *Profile) map[string]bool {
	m := map[string]bool{}
	for _, o := range p.Bought {
		for _, l := range o.Lines {
			m[l.SKU] = true
		}
	}
	return m
}

func inCart(p *Profile, sku string) bool {
	return slices.ContainsFunc(p.Cart.Lines, func(l shop.Line) bool { return l.SKU == sku })
}

// offer suggests a new or discounted product (tagged so in the catalog)
// from the categories the customer likes most, never one they bought unless
// it is a consumable.
func (x *run) offer(ctx context.Context, c *Campaign, d shop.Due, p *Profile) verdict {
	bought := boughtSKUs(p)
	for _, cat := range p.TopCategories(3) {
		for _, pr := range x.sh.Catalog.Products {
			if pr.Category != cat || !slices.ContainsFunc(pr.Tags, func(t string) bool { return slices.Contains(c.Tags, strings.ToLower(t)) }) {
				continue
			}
			if bought[pr.SKU] && pr.ReorderAfterDays == 0 || inCart(p, pr.SKU) {
				continue
			}
			if left, known, err := x.st.Stock(ctx, shop.Item{SKU: pr.SKU}); err == nil && known && left <= 0 {
				continue
			}
			key := fmt.Sprintf("offer/%s/%s", d.Customer, pr.SKU)
			if known, err := x.st.NoticeKnown(ctx, key); err != nil || known {
				continue
			}
			return verdict{reason: Send, retry: retryAfter(c.Delay),
				notice: x.notice(c, p, key, []shop.NoticeArg{shop.TextArg("product", x.itemName(p, pr.SKU, "")), shop.MoneyArg("price", pr.Price)},
					x.button("campaign.show_product", flowProduct, pr.SKU))}
		}
	}
	return verdict{reason: Nothing}
}

// deliveredAt is when an order was delivered; ok is false when it was not.
func deliveredAt(o shop.Order) (time.Time, bool) {
	if o.Status != shop.StatusDelivered {
		return time.Time{}, false
	}
	for i := len(o.History) - 1; i >= 0; i-- {
		if o.History[i].Status == shop.StatusDelivered {
			return o.History[i].At, true
		}
	}
	return o.UpdatedAt, true
}

// satisfaction asks how the latest delivered order was, c.Delay after it
// was delivered, once per order.
func (x *run) satisfaction(ctx context.Context, c *Campaign, d shop.Due, p *Profile) verdict {
	for _, o := range p.Orders {
		at, ok := deliveredAt(o)
		if !ok || at.After(x.at.Add(-c.Delay)) {
			continue
		}
		key := "rate/" + o.ID
		if known, err := x.st.NoticeKnown(ctx, key); err != nil || known {
			break // the latest was asked about: older ones are not
		}
		var buttons []shop.NoticeButton
		for n := 1; n <= 5; n++ {
			buttons = append(buttons, x.button(fmt.Sprintf("campaign.rate_%d", n), flowRate, fmt.Sprintf("%s:%d", o.ID, n)))
		}
		return verdict{reason: Send, retry: retryAfter(c.Delay),
			notice: x.notice(c, p, key, []shop.NoticeArg{shop.NumberArg("order", o.Number)}, buttons...)}
	}
	return verdict{reason: Nothing}
}

// dated is one warranty end or reorder date of a delivered order line.
type dated struct {
	key   string
	when  time.Time // when the message is due
	end   time.Time // after it, too late
	order shop.Order
	line  shop.Line
}

// datedItems lists the warranty (kind dueWarranty) or reorder dates of the
// customer's delivered orders.
func (x *run) datedItems(kind string, c *Campaign, p *Profile) []dated {
	var out []dated
	for i, o := range p.Bought {
		at, ok := deliveredAt(o)
		if !ok {
			continue
		}
		for _, l := range o.Lines {
			pr, ok := x.sh.Catalog.Product(l.SKU)
			if !ok {
				continue
			}
			switch {
			case kind == dueWarranty && pr.WarrantyMonths > 0:
				end := at.AddDate(0, pr.WarrantyMonths, 0)
				out = append(out, dated{key: fmt.Sprintf("warranty/%s/%s", o.ID, l.Key()), when: end.Add(-c.Before), end: end, order: o, line: l})
			case kind == dueReorder && pr.ReorderAfterDays > 0:
				if reorderedSince(p.Bought[:i], l.SKU) {
					continue
				}
				when := at.AddDate(0, 0, pr.ReorderAfterDays)
				out = append(out, dated{key: fmt.Sprintf("reorder/%s/%s", o.ID, l.Key()), when: when, end: when.AddDate(0, 0, 30), order: o, line: l})
			}
		}
	}
	slices.SortFunc(out, func(a, b dated) int { return a.when.Compare(b.when) })
	return out
}

// reorderedSince reports whether a later order (newer, listed first) has sku.
func reorderedSince(newer []shop.Order, sku string) bool {
	for _, o := range newer {
		if slices.ContainsFunc(o.Lines, func(l shop.Line) bool { return l.SKU == sku }) {
			return true
		}
	}
	return false
}

// nextDated returns the first item due (at or before now, not too late,
// never messaged) and when to look again: now when another item is due as
// well (two products of one order; the cap spaces their messages out),
// else the time of the next one after now.
func (x *run) nextDated(ctx context.Context, items []dated) (due *dated, next time.Time) {
	for i := range items {
		it := &items[i]
		if !x.at.Before(it.end) {
			continue
		}
		if known, err := x.st.NoticeKnown(ctx, it.key); err != nil || known {
			continue
		}
		if it.when.After(x.at) {
			if next.IsZero() || it.when.Before(next) {
				next = it.when
			}
			continue
		}
		if due == nil {
			due = it
		} else {
			next = x.at
		}
	}
	return due, next
}

// dated is the warranty or reorder campaign: kind says which.
func (x *run) dated(kind string) func(context.Context, *Campaign, shop.Due, *Profile) verdict {
	return func(ctx context.Context, c *Campaign, d shop.Due, p *Profile) verdict {
		due, next := x.nextDated(ctx, x.datedItems(kind, c, p))
		reindex := func(ctx context.Context) error {
			if next.IsZero() {
				return x.st.ClearDue(ctx, kind, d.Customer)
			}
			return x.st.SetDue(ctx, kind, d.Customer, next)
		}
		if due == nil {
			return verdict{reason: Nothing, done: reindex}
		}
		v := verdict{reason: Send, done: reindex, retry: func(t time.Time) time.Time { return t }}
		if kind == dueWarranty {
			button := x.button("campaign.question", flowQuestions, "")
			if !x.hasFlow(flowQuestions) {
				button = x.button("campaign.my_orders", flowOrders, "")
			}
			v.notice = x.notice(c, p, due.key, []shop.NoticeArg{shop.TextArg("product", x.itemName(p, due.line.SKU, due.line.Variant)),
				shop.TextArg("date", x.date(p, due.end))}, button)
			return v
		}
		v.notice = x.notice(c, p, due.key, []shop.NoticeArg{shop.TextArg("items", x.items(p, []shop.Line{due.line}))},
			x.button("campaign.reorder_button", flowReorder, due.order.ID))
		return v
	}
}

// indexBought turns delivered orders (DueBought) into warranty and reorder
// dates, which only the catalog knows.
func (x *run) indexBought(ctx context.Context) {
	dues, err := x.st.Due(ctx, dueBought, x.at, x.opt.Limit)
	if err != nil {
		x.fail(err)
		return
	}
	for _, d := range dues {
		err := func() error {
			p, err := x.profile(ctx, d.Customer)
			if err != nil {
				return err
			}
			for _, kind := range []string{dueWarranty, dueReorder} {
				name := map[string]string{dueWarranty: Warranty, dueReorder: Reorder}[kind]
				c := x.cfg.Get(name)
				if c == nil {
					c = &Campaign{Name: name}
				}
				due, next := x.nextDated(ctx, x.datedItems(kind, c, p))
				if due != nil {
					next = x.at
				}
				if next.IsZero() {
					continue
				}
				if old, ok, err := x.st.DueAt(ctx, kind, d.Customer); err != nil {
					return err
				} else if ok && old.Before(next) {
					continue
				}
				if err := x.st.SetDue(ctx, kind, d.Customer, next); err != nil {
					return err
				}
			}
			return x.st.ClearDue(ctx, dueBought, d.Customer)
		}()
		if err != nil {
			x.fail(fmt.Errorf("index bought %s: %w", d.Customer, err))
		}
	}
}

// winback writes to a buyer gone silent; d.At is when they were last seen.
func (x *run) winback(ctx context.Context, c *Campaign, d shop.Due, p *Profile) verdict {
	return verdict{reason: Send, coupon: c.Coupon, retry: retryAfter(c.Delay),
		notice: x.notice(c, p, fmt.Sprintf("winback/%s/%d", d.Customer, d.At.Unix()), nil, x.button("campaign.catalog", flowBrowse, ""))}
}

// birthday greets a customer on their birthday in their time zone; the
// index looks a day ahead.
func (x *run) birthday(ctx context.Context, c *Campaign, d shop.Due, p *Profile) verdict {
	b := p.Customer.Birthday
	local := x.at.In(x.zone(p.Customer))
	today := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, time.UTC)
	nextYear := func(ctx context.Context) error {
		next, ok := nextBirthday(b, today.AddDate(0, 0, 1))
		if !ok {
			return x.st.ClearDue(ctx, dueBirthday, d.Customer)
		}
		return x.st.SetDue(ctx, dueBirthday, d.Customer, next)
	}
	day, ok := nextBirthday(b, today)
	switch {
	case !ok:
		return verdict{reason: Nothing}
	case day.After(today):
		if d.At.Before(today) { // its day passed while the shop was stopped
			return verdict{reason: Nothing, done: nextYear}
		}
		return verdict{reason: NotYet, until: day}
	}
	return verdict{reason: Send, coupon: c.Coupon, done: nextYear, retry: func(t time.Time) time.Time { return d.At },
		notice: x.notice(c, p, fmt.Sprintf("birthday/%s/%d", d.Customer, local.Year()), nil, x.button("campaign.catalog", flowBrowse, ""))}
}

// nextBirthday is the next day (from's UTC date included) that is the
// birthday b ("MM-DD"), at 00:00 UTC; 29 February is 28 February in
// common years.
func nextBirthday(b string, from time.Time) (time.Time, bool) {
	var m, dd int
	if _, err := fmt.Sscanf(b, "%02d-%02d", &m, &dd); err != nil || m < 1 || m > 12 || dd < 1 || dd > 31 {
		return time.Time{}, false
	}
	from = from.UTC()
	day := time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, time.UTC)
	for y := from.Year(); y <= from.Year()+1; y++ {
		t := time.Date(y, time.Month(m), dd, 0, 0, 0, 0, time.UTC)
		if t.Month() != time.Month(m) {
			t = time.Date(y, time.Month(m), 28, 0, 0, 0, 0, time.UTC)
		}
		if !t.Before(day) {
			return t, true
		}
	}
	return time.Time{}, false
}
