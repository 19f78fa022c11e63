package flows

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"omnicart/bot"
	"omnicart/shop"
)

// Stats: /stats [today|7d|30d] for managers and owners: the funnel
// (started → viewed → carted → checkout → paid, in distinct customers) per
// channel and per deep-link source, orders, revenue (less refunds) and the
// average paid order, as text and as a chart.

// FunnelStages are the funnel's steps, in order.
var FunnelStages = []shop.EventKind{shop.EventStart, shop.EventViewed, shop.EventCarted, shop.EventCheckout, shop.EventPaid}

// StatsReport is what /stats counts over a period.
type StatsReport struct {
	Since, Until time.Time
	// Funnel counts distinct customers at each of FunnelStages, in all
	// ("") and per channel; BySource per deep-link source ("" is direct).
	Funnel   map[string][]int
	BySource map[string][]int
	Orders   int        // placed
	Paid     int        // paid orders
	Sales    shop.Money // the totals of the orders paid
	Refunded shop.Money // money given back (of orders paid before too)
}

// Revenue is what the shop kept: the sales less the refunds.
func (r StatsReport) Revenue() shop.Money {
	return shop.Money{Minor: r.Sales.Minor - r.Refunded.Minor, Currency: r.Sales.Currency}
}

// Average is the average paid order.
func (r StatsReport) Average() shop.Money {
	if r.Paid == 0 {
		return shop.Money{Currency: r.Sales.Currency}
	}
	return shop.Money{Minor: r.Sales.Minor / int64(r.Paid), Currency: r.Sales.Currency}
}

// add adds v to m when it is in m's currency (the first one seen): a shop
// sells in one.
func add(m *shop.Money, v shop.Money) {
	if m.Currency == "" {
		m.Currency = v.Currency
	}
	if v.Currency == m.Currency {
		m.Minor += v.Minor
	}
}

// CountStats counts the events from since to until.
func CountStats(c Analytics, ctx *Ctx, since, until time.Time) (StatsReport, error) {
	r := StatsReport{Since: since, Until: until, Funnel: map[string][]int{"": make([]int, len(FunnelStages))}, BySource: map[string][]int{}}
	if ctx.Shop != nil && ctx.Shop.Catalog != nil { // "₽0" in a week without sales
		r.Sales.Currency, r.Refunded.Currency = ctx.Shop.Catalog.Currency, ctx.Shop.Catalog.Currency
	}
	type key struct {
		group string
		cust  shop.CustomerID
		stage int
	}
	seen := map[key]bool{}
	count := func(m map[string][]int, group string, cust shop.CustomerID, stage int) {
		k := key{group, cust, stage}
		if seen[k] {
			return
		}
		seen[k] = true
		if m[strings.TrimPrefix(group, "src:")] == nil {
			m[strings.TrimPrefix(group, "src:")] = make([]int, len(FunnelStages))
		}
		m[strings.TrimPrefix(group, "src:")][stage]++
	}
	err := c.Events(ctx, since, func(e shop.Event) bool {
		if !e.Time.Before(until) {
			return false
		}
		switch e.Type {
		case shop.EventPlaced:
			r.Orders++
		case shop.EventPaid:
			r.Paid++
			add(&r.Sales, e.Value)
		case shop.EventRefund:
			add(&r.Refunded, e.Value)
		}
		stage := slices.Index(FunnelStages, e.Type)
		if stage < 0 {
			return true
		}
		channel := e.Channel
		if channel == "" {
			channel = otherChannel
		}
		count(r.Funnel, "", e.Customer, stage)
		count(r.Funnel, channel, e.Customer, stage)
		count(r.BySource, "src:"+e.Source, e.Customer, stage)
		return true
	})
	return r, err
}

// otherChannel groups the events of no channel (a payment's webhook).
const otherChannel = "other"

// funnelName is a funnel row's name in the reader's language.
func funnelName(c *Ctx, channel string) string {
	if channel == otherChannel {
		return c.P.T("stats.channel_other")
	}
	return staffChannel(c.P, channel)
}

// FunnelChart is the /stats chart: the funnel's stages along the bottom,
// one bar per channel at each.
type FunnelChart struct {
	Title  string
	Stages []string
	Series []ChartSeries
	YLabel string
}

// ChartSeries is one channel's bars.
type ChartSeries struct {
	Name   string
	Values []float64
}

func (d *desk) statsActions() Actions {
	return Actions{"show_stats": {Role: RoleManager, Run: d.stats}}
}

func (d *desk) stats(c *Ctx) (string, error) {
	period := strings.ToLower(strings.TrimSpace(c.Arg))
	until := c.Now
	local := c.Now.In(c.Shop.zone())
	var since time.Time
	switch period {
	case "today":
		since = time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, c.Shop.zone())
	case "30d":
		since = until.AddDate(0, 0, -30)
	case "", "7d":
		period, since = "7d", until.AddDate(0, 0, -7)
	default:
		c.Text(c.P.T("stats.usage"))
		return "", nil
	}
	r, err := CountStats(d.st, c, since, until)
	if err != nil {
		return "", err
	}
	label := c.P.T("stats.period_" + period)
	row := func(name string, v []int) string {
		parts := make([]string, len(v))
		for i, n := range v {
			parts[i] = fmt.Sprint(n)
		}
		return c.P.T("stats.row", "name", name, "values", strings.Join(parts, " → "))
	}
	var lines []string
	lines = append(lines, row(c.P.T("stats.all"), r.Funnel[""]))
	channels := slices.Sorted(maps.Keys(r.Funnel))
	for _, ch := range channels {
		if ch != "" {
			lines = append(lines, row(funnelName(c, ch), r.Funnel[ch]))
		}
	}
	var sources []string
	for _, src := range slices.Sorted(maps.Keys(r.BySource)) {
		name := src
		if name == "" {
			name = c.P.T("stats.direct")
		}
		sources = append(sources, row(name, r.BySource[src]))
	}
	revenue := c.Money(r.Revenue())
	if r.Refunded.Minor != 0 {
		revenue = c.P.T("stats.revenue_less", "revenue", revenue, "refunded", c.Money(r.Refunded))
	}
	text := c.P.T("stats.text", "period", label, "orders", r.Orders, "paid", r.Paid,
		"revenue", revenue, "average", c.Money(r.Average()),
		"channels", strings.Join(lines, "\n"), "sources", strings.Join(sources, "\n"))
	c.SayText(text)
	if d.opt.Chart == nil {
		return "", nil
	}
	stages := make([]string, len(FunnelStages))
	for i, s := range FunnelStages {
		stages[i] = c.P.T("stats.stage_" + string(s))
	}
	ch := FunnelChart{Title: c.P.T("stats.chart_title", "period", label), Stages: stages, YLabel: c.P.T("stats.customers")}
	for _, name := range channels {
		if name == "" {
			continue
		}
		vals := make([]float64, len(FunnelStages))
		for i, n := range r.Funnel[name] {
			vals[i] = float64(n)
		}
		ch.Series = append(ch.Series, ChartSeries{Name: funnelName(c, name), Values: vals})
	}
	if len(ch.Series) == 0 {
		return "", nil
	}
	png, err := d.opt.Chart(ch)
	if err != nil {
		c.Log.Warn("draw stats chart", "err", err)
		return "", nil
	}
	c.out = append(c.out, bot.Reply{PhotoPNG: png, Text: c.P.T("stats.chart_caption", "period", label)})
	return "", nil
}
