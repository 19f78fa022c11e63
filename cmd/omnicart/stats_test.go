package main

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"omnicart/shop"
)

// TestStatsMatchTheEvents generates 700 shoppers on three channels and
// three sources who go down the funnel to random depths (placing and
// paying a few hundred real orders, whose events the store logs, a fifth
// of them refunded in part), then asks /stats 7d as the owner in
// Telegram: every number must match what was generated, and a PNG chart
// must follow. STATS_CHART=file keeps the chart.
func TestStatsMatchTheEvents(t *testing.T) {
	h := newDeskHarness(t)
	ctx := context.Background()
	rnd := rand.New(rand.NewPCG(7, 11))
	channels := []string{"telegram", "whatsapp", "web"}
	sources := []string{"", "ad_spring", "instagram"}
	stages := []shop.EventKind{shop.EventStart, shop.EventViewed, shop.EventCarted, shop.EventCheckout, shop.EventPaid}
	want := map[string][]int{"All": make([]int, 5)}
	bySource := map[string][]int{}
	placed, paid := 0, 0
	var paidRevenue, refunded int64
	now := time.Now()
	for i := range 700 {
		ch, src := channels[rnd.IntN(3)], sources[rnd.IntN(3)]
		c, err := h.db.CustomerFor(ctx, fmt.Sprintf("%s:gen%d", ch, i))
		if err != nil {
			t.Fatal(err)
		}
		if src != "" {
			c.Source = src
			if err := h.db.SaveCustomer(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		name := src
		if name == "" {
			name = "direct"
		}
		if want[ch] == nil {
			want[ch] = make([]int, 5)
		}
		if bySource[name] == nil {
			bySource[name] = make([]int, 5)
		}
		at := now.Add(-time.Duration(1+rnd.IntN(6*24)) * time.Hour)
		var order shop.Order
		var total shop.Money
		for s := range 1 + rnd.IntN(5) {
			want["All"][s]++
			want[ch][s]++
			bySource[name][s]++
			ev := shop.Event{Time: at.Add(time.Duration(s) * time.Minute), Customer: c.ID, Type: stages[s], Channel: ch, Source: src}
			switch stages[s] {
			case shop.EventViewed: // viewed twice: still one customer
				if err := h.db.LogEvent(ctx, ev); err != nil {
					t.Fatal(err)
				}
			case shop.EventCheckout: // and the order placed: the store logs it
				total = shop.Money{Minor: int64(100 * (100 + rnd.IntN(900))), Currency: "RUB"}
				order, err = h.db.PlaceOrder(ctx, shop.Order{CustomerID: c.ID, Channel: ch, Total: total,
					Lines: []shop.Line{{Item: shop.Item{SKU: "TEST-1"}, Qty: 1, Price: total}}})
				if err != nil {
					t.Fatal(err)
				}
				placed++
			case shop.EventPaid: // the store logs it with the order's change
				paid++
				paidRevenue += total.Minor
				if _, err := h.db.UpdateOrder(ctx, order.ID, func(o *shop.Order) error {
					o.PaymentID, o.Provider = fmt.Sprintf("pay-%d", i), "yookassa"
					return o.Move(shop.StatusPaid, now)
				}); err != nil {
					t.Fatal(err)
				}
				if rnd.IntN(5) == 0 { // a part given back
					back := shop.Money{Minor: total.Minor / 4, Currency: "RUB"}
					if _, err := h.db.UpdateOrder(ctx, order.ID, func(o *shop.Order) error { o.RefundPart(back); return nil }); err != nil {
						t.Fatal(err)
					}
					refunded += back.Minor
				}
				continue
			}
			if err := h.db.LogEvent(ctx, ev); err != nil {
				t.Fatal(err)
			}
		}
	}
	// An old event outside the period changes nothing.
	h.db.LogEvent(ctx, shop.Event{Time: now.AddDate(0, 0, -20), Customer: "cold", Type: shop.EventStart, Channel: "web"})

	o := &tgShopper{t: t, api: h.api, chat: owner, lang: "en"}
	o.say("/stats 7d")
	text := waitText(t, h.api, owner, "📊 Stats for the last 7 days").Text
	row := func(name string, v []int) string {
		parts := make([]string, len(v))
		for i, n := range v {
			parts[i] = fmt.Sprint(n)
		}
		return name + ": " + strings.Join(parts, " → ")
	}
	avg := shop.Money{Currency: "RUB"}
	if paid > 0 {
		avg.Minor = paidRevenue / int64(paid)
	}
	wants := []string{
		fmt.Sprintf("Orders placed: %d · paid: %d", placed, paid),
		fmt.Sprintf("Revenue: %s (less %s refunded) · average order: %s", shop.Money{Minor: paidRevenue - refunded, Currency: "RUB"}.Format("en"),
			shop.Money{Minor: refunded, Currency: "RUB"}.Format("en"), avg.Format("en")),
		row("All", want["All"]),
	}
	names := map[string]string{"telegram": "Telegram", "web": "Web chat", "whatsapp": "WhatsApp"} // as staff read them
	for _, ch := range channels {
		wants = append(wants, row(names[ch], want[ch]))
	}
	for name, v := range bySource {
		wants = append(wants, row(name, v))
	}
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("/stats lacks %q:\n%s", w, text)
		}
	}
	if placed < 200 {
		t.Errorf("only %d orders generated; want a few hundred", placed)
	}

	var chart []byte
	waitUntil(10*time.Second, func() bool {
		for _, c := range h.api.Calls("sendPhoto") {
			if c.Params["chat_id"] == fmt.Sprint(owner) {
				for _, f := range c.Files {
					chart = f
				}
				return true
			}
		}
		return false
	})
	img, err := png.Decode(bytes.NewReader(chart))
	if err != nil {
		t.Fatalf("/stats sent no PNG chart: %v", err)
	}
	if w := img.Bounds().Dx(); w < 800 {
		t.Errorf("chart is %d px wide: too small for a phone", w)
	}
	if out := os.Getenv("STATS_CHART"); out != "" {
		os.WriteFile(out, chart, 0o644)
	}

	// Not for operators: the command does not exist for them.
	a := &tgShopper{t: t, api: h.api, chat: anna, lang: "en"}
	a.say("/stats")
	if got := a.recent(1); strings.Contains(got, "📊") {
		t.Errorf("an operator got stats:\n%s", got)
	}
}
