package campaigns

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"omnicart/catalog"
	"omnicart/shop"
)

// Segment is what a customer's behaviour says about them.
type Segment string

// Behaviour segments; a customer is in exactly one.
const (
	SegmentNew      Segment = "new"          // arrived in the last 14 days, nothing carted or bought
	SegmentBrowsing Segment = "browsing"     // looks, has not carted or bought
	SegmentCarting  Segment = "carting"      // has a cart, has never bought
	SegmentBuyer    Segment = "buyer"        // bought once, lately
	SegmentRepeat   Segment = "repeat_buyer" // bought more than once, lately
	SegmentAtRisk   Segment = "at_risk"      // bought, but not in the last 60 days
	SegmentLost     Segment = "lost"         // bought, but not in the last 180 days
)

// Segments lists the behaviour segments.
var Segments = []Segment{SegmentNew, SegmentBrowsing, SegmentCarting, SegmentBuyer, SegmentRepeat, SegmentAtRisk, SegmentLost}

// Profile is what the store says about one customer, as campaigns read it.
type Profile struct {
	Customer shop.Customer
	Cart     shop.Cart
	Orders   []shop.Order // newest first
	// Bought are the orders that were paid (not cancelled, refunded or
	// waiting for payment), newest first.
	Bought []shop.Order
	// Recency, Frequency and Monetary are the RFM scores, 1 (low) to 5
	// (high); 0 for a customer who never bought.
	Recency, Frequency, Monetary int
	Segment                      Segment
	// Views and Carted count the product views and carts of the last 90
	// days by SKU; Interest weighs categories by views, carts and
	// purchases.
	Views    map[string]int
	Carted   map[string]int
	Interest map[string]int
}

// paid reports whether an order was paid and kept.
func paid(o shop.Order) bool {
	switch o.Status {
	case shop.StatusNew, shop.StatusCancelled, shop.StatusRefunded:
		return false
	}
	return true
}

// profile computes a customer's segment, RFM scores and interests at now.
func profile(c shop.Customer, cart shop.Cart, orders []shop.Order, events []shop.Event, cat *catalog.Catalog, now time.Time) Profile {
	p := Profile{Customer: c, Cart: cart, Orders: orders, Views: map[string]int{}, Carted: map[string]int{}, Interest: map[string]int{}}
	var spent int64
	for _, o := range orders {
		if paid(o) {
			p.Bought = append(p.Bought, o)
			spent += o.Total.Minor - o.Refunded.Minor // a part refunded was not spent
		}
	}
	category := func(sku string) string {
		if cat == nil {
			return ""
		}
		if pr, ok := cat.Product(sku); ok {
			return pr.Category
		}
		return ""
	}
	for _, e := range events {
		switch e.Type {
		case shop.EventViewed:
			p.Views[e.SKU]++
			p.Interest[category(e.SKU)]++
		case shop.EventCarted:
			p.Carted[e.SKU]++
			p.Interest[category(e.SKU)] += 3
		}
	}
	for _, o := range p.Bought {
		for _, l := range o.Lines {
			p.Interest[category(l.SKU)] += 5
		}
	}
	delete(p.Interest, "")
	if len(p.Bought) > 0 {
		days := now.Sub(p.Bought[0].CreatedAt).Hours() / 24
		p.Recency = score(days, []float64{14, 30, 60, 180}, true)
		p.Frequency = score(float64(len(p.Bought)), []float64{1, 2, 4, 9}, false)
		p.Monetary = score(float64(spent)/100, []float64{1000, 3000, 10000, 30000}, false)
	}
	p.Segment = segmentOf(p, now)
	return p
}

// score maps v to 1-5 by thresholds: for recency (lower is better) v at
// or below the first threshold scores 5; otherwise v above the last scores 5.
func score(v float64, th []float64, lowIsGood bool) int {
	for i, t := range th {
		if lowIsGood && v <= t {
			return 5 - i
		}
		if !lowIsGood && v <= t {
			return 1 + i
		}
	}
	if lowIsGood {
		return 1
	}
	return 5
}

func segmentOf(p Profile, now time.Time) Segment {
	if n := len(p.Bought); n > 0 {
		since := now.Sub(p.Bought[0].CreatedAt)
		switch {
		case since > 180*24*time.Hour:
			return SegmentLost
		case since > 60*24*time.Hour:
			return SegmentAtRisk
		case n > 1:
			return SegmentRepeat
		}
		return SegmentBuyer
	}
	if len(p.Cart.Lines) > 0 {
		return SegmentCarting
	}
	if now.Sub(p.Customer.CreatedAt) < 14*24*time.Hour {
		return SegmentNew
	}
	return SegmentBrowsing
}

// TopCategories returns the categories the customer likes most, best first.
func (p Profile) TopCategories(n int) []string {
	var cats []string
	for c := range p.Interest {
		cats = append(cats, c)
	}
	slices.SortFunc(cats, func(a, b string) int {
		return cmp.Or(cmp.Compare(p.Interest[b], p.Interest[a]), cmp.Compare(a, b))
	})
	return cats[:min(n, len(cats))]
}

// Filter is one audience entry of a campaign file: a behaviour segment
// ("repeat_buyer") or an RFM condition ("r>=4", "f>=2", "m<=2").
type Filter struct {
	Segment Segment
	Score   byte // 'r', 'f' or 'm' for an RFM condition
	Op      string
	Value   int
}

// ParseFilter reads an audience entry.
func ParseFilter(s string) (Filter, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if slices.Contains(Segments, Segment(s)) {
		return Filter{Segment: Segment(s)}, nil
	}
	if len(s) >= 3 && strings.ContainsRune("rfm", rune(s[0])) {
		for _, op := range []string{">=", "<=", "="} {
			if v, ok := strings.CutPrefix(s[1:], op); ok {
				n, err := strconv.Atoi(v)
				if err == nil && n >= 1 && n <= 5 {
					return Filter{Score: s[0], Op: op, Value: n}, nil
				}
			}
		}
	}
	names := make([]string, len(Segments))
	for i, sg := range Segments {
		names[i] = string(sg)
	}
	return Filter{}, fmt.Errorf("%q: want a segment (%s) or an RFM score like r>=4, f>=2, m<=3", s, strings.Join(names, ", "))
}

// String writes the filter as in the file.
func (f Filter) String() string {
	if f.Score == 0 {
		return string(f.Segment)
	}
	return fmt.Sprintf("%c%s%d", f.Score, f.Op, f.Value)
}

// Match reports whether the customer's profile passes f.
func (f Filter) Match(p Profile) bool {
	if f.Score == 0 {
		return p.Segment == f.Segment
	}
	v := map[byte]int{'r': p.Recency, 'f': p.Frequency, 'm': p.Monetary}[f.Score]
	switch f.Op {
	case ">=":
		return v >= f.Value
	case "<=":
		return v <= f.Value && v > 0
	}
	return v == f.Value
}

// InAudience reports whether p is in the audience: any of the segment
// filters (none given: any segment) and all of the RFM conditions.
func InAudience(audience []Filter, p Profile) bool {
	segOK, anySeg := false, false
	for _, f := range audience {
		if f.Score != 0 {
			if !f.Match(p) {
				return false
			}
			continue
		}
		anySeg = true
		if f.Match(p) {
			segOK = true
		}
	}
	return !anySeg || segOK
}
