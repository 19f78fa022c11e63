package catalog

import (
	"errors"
	"strings"
	"testing"
	"time"

	"omnicart/ownerfile"
	"omnicart/shop"
)

const checkoutCatalog = "currency: RUB\ncategories: [{id: tea, name: Tea}, {id: coffee, name: Coffee}]\n" +
	"products: [{sku: A, category: tea, name: A, price: 100}, {sku: B, category: coffee, name: B, price: 900}]\n"

func TestSlotsAndPromosLoad(t *testing.T) {
	c, err := Load(shopFS(
		"catalog.yaml", checkoutCatalog,
		"delivery.yaml", `courier:
  price: 300
  slots:
    days: 2
    cutoff: "12:00"
    windows:
      - {from: "10:00", to: "14:00", capacity: 2}
      - {from: "18:00", to: "22:00"}
`,
		"promos.yaml", `promos:
  - {code: tea10, percent: 10, categories: [tea], until: 2026-12-31, limit: 5, per_customer: 1}
  - {code: FLAT, amount: 150, min_total: 500, from: "2026-11-01 09:00"}
`), "shop")
	if err != nil {
		t.Fatal(err)
	}
	s := c.Delivery.Courier.Slots
	if s == nil || s.Days != 2 || s.Cutoff != 12*60 || len(s.Windows) != 2 || s.Windows[0] != (Window{From: 600, To: 840, Capacity: 2}) {
		t.Fatalf("slots = %+v", s)
	}
	msk := time.FixedZone("MSK", 3*3600)
	p, ok := c.Promo("TEA10", msk)
	if !ok || p.Percent != 10 || p.Limit != 5 || p.PerCustomer != 1 || len(p.Categories) != 1 ||
		!p.Until.Equal(time.Date(2027, 1, 1, 0, 0, 0, 0, msk)) {
		t.Errorf("TEA10 = %+v, %v", p, ok)
	}
	p, ok = c.Promo("FLAT", msk)
	if !ok || p.Amount.Minor != 15000 || p.MinTotal.Minor != 50000 || !p.From.Equal(time.Date(2026, 11, 1, 9, 0, 0, 0, msk)) {
		t.Errorf("FLAT = %+v, %v", p, ok)
	}
	if _, ok := c.Promo("NOPE", msk); ok {
		t.Error("an unknown code was found")
	}
}

func TestSlotsAndPromosErrors(t *testing.T) {
	_, err := Load(shopFS(
		"catalog.yaml", checkoutCatalog,
		"delivery.yaml", `courier:
  price: 300
  slots:
    days: 0
    cutoff: noon
    windows:
      - {from: "10:00", to: "9:00"}
      - {from: "10:00", to: "14:00", capacity: 2}
      - {from: "12:00", to: "16:00", capacity: 3}
      - {from: "25:00", to: "26:00", capasity: 3}
      - {from: "22:00", to: "23:00", capacity: -1}
`,
		"promos.yaml", `promos:
  - {code: A, percent: 10}
  - {code: BOTH, percent: 10, amount: 100}
  - {code: PCT, percent: 150}
  - {code: CAT, percent: 5, categories: [tee]}
  - {code: WHEN, percent: 5, from: 2026-12-01, until: 2026-13-01}
  - {code: PCT, percent: 5}
`), "shop")
	var errs ownerfile.Errors
	if !errors.As(err, &errs) {
		t.Fatalf("Load() = %v; want ownerfile.Errors", err)
	}
	want := []string{
		`shop/delivery.yaml:4: courier: slots: days "0": expected a whole number of days from 1 to 31`,
		`shop/delivery.yaml:5: courier: slots: cutoff "noon": expected a time of day like "12:00" (in quotes)`,
		`shop/delivery.yaml:7: courier: slots: window: 10:00-09:00 ends before it begins`,
		`shop/delivery.yaml:9: courier: slots: window: 12:00-16:00 overlaps 10:00-14:00`,
		`shop/delivery.yaml:10: courier: slots: window: unknown field "capasity" (did you mean "capacity"?)`,
		`shop/delivery.yaml:10: courier: slots: window: from "25:00": expected a time of day like "10:00" (in quotes)`,
		`shop/delivery.yaml:10: courier: slots: window: to "26:00": expected a time of day like "10:00" (in quotes)`,
		`shop/delivery.yaml:11: courier: slots: window: capacity "-1": expected how many orders the window takes, a whole number from 1 (leave it out for no limit)`,
		`shop/promos.yaml:2: promo "A": code "A": use 3 to 32 letters, digits, - or _`,
		`shop/promos.yaml:3: promo "BOTH": give either percent (10 for 10%) or amount (200 off), not both or neither`,
		`shop/promos.yaml:4: promo "PCT": percent "150": expected a whole number from 1 to 100`,
		`shop/promos.yaml:5: promo "CAT": unknown category "tee" (did you mean "tea"?)`,
		`shop/promos.yaml:6: promo "WHEN": until "2026-13-01": expected a date like 2026-12-31 or "2026-12-31 18:00"`,
	}
	got := strings.Split(err.Error(), "\n")
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("errors:\n%s\nwant:\n%s", err, strings.Join(want, "\n"))
	}
}

func TestSlotsOffer(t *testing.T) {
	msk := time.FixedZone("MSK", 3*3600)
	s := Slots{Days: 2, Cutoff: 12 * 60, Windows: []Window{{From: 600, To: 840, Capacity: 2}, {From: 840, To: 1080}}}
	days := func(now time.Time) string {
		var b []string
		for _, d := range s.Offer(now) {
			for _, sl := range d.Slots {
				b = append(b, sl.Key())
			}
		}
		return strings.Join(b, " ")
	}
	// Before 10:00: all of today, and tomorrow.
	if got, want := days(time.Date(2026, 11, 20, 9, 0, 0, 0, msk)),
		"2026-11-20/10:00-14:00 2026-11-20/14:00-18:00 2026-11-21/10:00-14:00 2026-11-21/14:00-18:00"; got != want {
		t.Errorf("at 9:00: %s\nwant %s", got, want)
	}
	// 11:00: today's first window has begun.
	if got, want := days(time.Date(2026, 11, 20, 11, 0, 0, 0, msk)),
		"2026-11-20/14:00-18:00 2026-11-21/10:00-14:00 2026-11-21/14:00-18:00"; got != want {
		t.Errorf("at 11:00: %s\nwant %s", got, want)
	}
	// After the cut-off: tomorrow and the day after.
	if got, want := days(time.Date(2026, 11, 20, 12, 0, 0, 0, msk)),
		"2026-11-21/10:00-14:00 2026-11-21/14:00-18:00 2026-11-22/10:00-14:00 2026-11-22/14:00-18:00"; got != want {
		t.Errorf("at 12:00: %s\nwant %s", got, want)
	}
	if d := s.Offer(time.Date(2026, 11, 20, 12, 0, 0, 0, msk)); d[0].Slots[0].Capacity != 2 {
		t.Errorf("capacity not carried: %+v", d[0].Slots[0])
	}
}

func TestPromoDiscount(t *testing.T) {
	rub := func(m int64) shop.Money { return shop.Money{Minor: m, Currency: "RUB"} }
	lines := []shop.Line{{Item: shop.Item{SKU: "A"}, Qty: 3, Price: rub(10050)}, {Item: shop.Item{SKU: "B"}, Qty: 1, Price: rub(90000)}}
	cat := func(sku string) string { return map[string]string{"A": "tea", "B": "coffee"}[sku] }
	tests := []struct {
		p      shop.Promo
		want   int64
		reason shop.PromoReason
	}{
		{shop.Promo{Percent: 10}, 12015, ""},                                     // of 1201.50, down to the kopeck
		{shop.Promo{Percent: 10, Categories: []string{"tea"}}, 3015, ""},         // tea only
		{shop.Promo{Amount: rub(50000), Categories: []string{"tea"}}, 30150, ""}, // at most the tea
		{shop.Promo{Amount: rub(100)}, 100, ""},
		{shop.Promo{Percent: 5, MinTotal: rub(200000)}, 0, shop.PromoMinTotal},
		{shop.Promo{Percent: 5, Categories: []string{"gear"}}, 0, shop.PromoNoItems},
	}
	for _, tt := range tests {
		got, err := tt.p.Discount(lines, cat)
		var pe *shop.PromoError
		if tt.reason != "" {
			if !errors.As(err, &pe) || pe.Reason != tt.reason {
				t.Errorf("%+v: %v, want %s", tt.p, err, tt.reason)
			}
			continue
		}
		if err != nil || got.Minor != tt.want {
			t.Errorf("%+v: %v, %v; want %d", tt.p, got, err, tt.want)
		}
	}
}
