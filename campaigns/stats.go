package campaigns

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"omnicart/locales"
	"omnicart/shop"
)

// StatsStore is what campaign statistics read; *store.DB satisfies it.
type StatsStore interface {
	Events(ctx context.Context, since time.Time, fn func(shop.Event) bool) error
	MarketingLog(ctx context.Context, since time.Time, fn func(id shop.CustomerID, key, campaign string, at time.Time) bool) error
}

// Stat is how one campaign did since a time.
type Stat struct {
	Campaign  string
	Sent      int        // marketing notices enqueued
	Delivered int        // delivered to a chat
	OptedOut  int        // "Stop offers" pressed on its messages
	Orders    int        // orders paid within the attribution window after one of its messages
	Revenue   shop.Money // their value, less what was refunded of them
}

// Stats counts, per campaign, what was sent since since and what
// followed: an order paid within window after a delivered campaign message
// counts for the campaign of the latest such message (last touch).
func Stats(ctx context.Context, st StatsStore, since time.Time, window time.Duration) ([]Stat, error) {
	by := map[string]*Stat{}
	get := func(c string) *Stat {
		if by[c] == nil {
			by[c] = &Stat{Campaign: c}
		}
		return by[c]
	}
	err := st.MarketingLog(ctx, since, func(_ shop.CustomerID, _ string, campaign string, _ time.Time) bool {
		if campaign != "" {
			get(campaign).Sent++
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	type touch struct {
		campaign string
		at       time.Time
	}
	last := map[shop.CustomerID]touch{}
	led := map[string]string{} // order -> the campaign it counts for
	err = st.Events(ctx, since, func(e shop.Event) bool {
		switch e.Type {
		case shop.EventNotified:
			if e.Campaign != "" {
				get(e.Campaign).Delivered++
				last[e.Customer] = touch{e.Campaign, e.Time}
			}
		case shop.EventOptOut:
			if e.Campaign != "" {
				get(e.Campaign).OptedOut++
			}
		case shop.EventPaid:
			if t, ok := last[e.Customer]; ok && e.Time.Sub(t.at) <= window {
				s := get(t.campaign)
				s.Orders++
				if s.Revenue.Currency == "" {
					s.Revenue.Currency = e.Value.Currency
				}
				s.Revenue = shop.Money{Minor: s.Revenue.Minor + e.Value.Minor, Currency: s.Revenue.Currency}
				if e.OrderID != "" {
					led[e.OrderID] = t.campaign
				}
			}
		case shop.EventRefund: // money given back of an order a campaign led to is not its revenue
			if c, ok := led[e.OrderID]; ok && e.Value.Currency == by[c].Revenue.Currency {
				by[c].Revenue.Minor -= e.Value.Minor
			}
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	var out []Stat
	for _, k := range slices.Sorted(maps.Keys(by)) {
		out = append(out, *by[k])
	}
	return out, nil
}

// Report renders a dry run and the statistics for the owner, in p's
// language: per campaign who would get a message at at and why the others
// would not, then what each campaign sent and what followed.
func Report(p *locales.Printer, at time.Time, ds []Decision, stats []Stat) string {
	var b strings.Builder
	b.WriteString(p.T("campaigns.preview_at", "at", at.Format("2006-01-02 15:04 MST")))
	if len(ds) == 0 {
		b.WriteString("\n" + p.T("campaigns.nobody_due"))
	}
	var order []string
	byCampaign := map[string][]Decision{}
	for _, d := range ds {
		if byCampaign[d.Campaign] == nil {
			order = append(order, d.Campaign)
		}
		byCampaign[d.Campaign] = append(byCampaign[d.Campaign], d)
	}
	for _, c := range order {
		list := byCampaign[c]
		sends := 0
		for _, d := range list {
			if d.Reason == Send {
				sends++
			}
		}
		b.WriteString("\n\n" + p.T("campaigns.campaign_line", "campaign", c, "send", sends, "due", len(list)))
		for _, d := range list {
			who := string(d.Customer)
			if d.Name != "" {
				who += " (" + d.Name + ")"
			}
			why := p.T("campaigns.why."+d.Reason, "until", d.Until.Format("2006-01-02 15:04 MST"))
			if d.Reason == Send {
				why = p.T("campaigns.why.send", "text", d.Notice.Text)
				if d.Coupon != nil {
					why += " " + p.T("campaigns.with_coupon", "percent", d.Coupon.Percent)
				}
			}
			fmt.Fprintf(&b, "\n  %s [%s]: %s", who, d.Segment, why)
		}
	}
	if len(stats) > 0 {
		b.WriteString("\n\n" + p.T("campaigns.stats_title"))
		for _, s := range stats {
			b.WriteString("\n" + p.T("campaigns.stats_line", "campaign", s.Campaign, "sent", s.Sent, "delivered", s.Delivered,
				"opted_out", s.OptedOut, "orders", s.Orders, "revenue", s.Revenue.Format(p.Lang())))
		}
	}
	return b.String()
}
