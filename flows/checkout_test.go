package flows_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"omnicart/shop"
)

// withLoyalty turns on the loyalty programme of the harness's shop: 5% of
// what an order pays earns points; points pay up to 30% of an order.
func (h *harness) withLoyalty() {
	sh := *h.eng.Shop()
	sh.Loyalty = shop.Loyalty{EarnPercent: 5, MaxSharePercent: 30}
	h.eng.SetShop(&sh)
}

// fillSlot places n orders of other customers in the courier window key
// ("2026-11-21/18:00-22:00") of capacity.
func (h *harness) fillSlot(t testing.TB, key string, capacity, n int) {
	t.Helper()
	day, window, _ := strings.Cut(key, "/")
	from, to, _ := strings.Cut(window, "-")
	for i := range n {
		c, err := h.db.CustomerFor(t.Context(), fmt.Sprintf("console:filler-%s-%d", key, i))
		if err != nil {
			t.Fatal(err)
		}
		o := shop.Order{CustomerID: c.ID, Total: shop.Money{Minor: 29000, Currency: "RUB"},
			Lines: []shop.Line{{Item: shop.Item{SKU: "FILTER-100"}, Qty: 1, Price: shop.Money{Minor: 29000, Currency: "RUB"}}},
			Slot:  &shop.Slot{Day: day, From: from, To: to, Capacity: capacity}}
		if _, err := h.db.PlaceOrder(t.Context(), o); err != nil {
			t.Fatalf("fill window %s: %v", key, err)
		}
	}
}

// TestCheckoutTranscripts replays testdata/checkout/*.txt: the summary's
// lines, the cross-sell offer, courier windows, promo codes and points.
// Lines starting with "#! " set the scene first:
//
//	#! loyalty                      the shop credits and takes points
//	#! points 500                   the shopper holds 500 points
//	#! fill 2026-11-21/18:00-22:00 3 3   three other orders hold a window of capacity 3
func TestCheckoutTranscripts(t *testing.T) {
	files, _ := filepath.Glob("testdata/checkout/*.txt")
	if len(files) == 0 {
		t.Fatal("no transcripts in testdata/checkout")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			script, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			lang := "en"
			if strings.Contains(f, "_ru") {
				lang = "ru"
			}
			h := newHarness(t, nil, nil)
			for _, line := range strings.Split(string(script), "\n") {
				setup, ok := strings.CutPrefix(line, "#! ")
				if !ok {
					continue
				}
				w := strings.Fields(setup)
				switch {
				case w[0] == "loyalty":
					h.withLoyalty()
				case w[0] == "points" && len(w) == 2:
					n, _ := strconv.ParseInt(w[1], 10, 64)
					c, err := h.db.CustomerFor(t.Context(), "console:shopper")
					if err != nil {
						t.Fatal(err)
					}
					if _, err := h.db.AddPoints(t.Context(), c.ID, n); err != nil {
						t.Fatal(err)
					}
				case w[0] == "fill" && len(w) == 4:
					capacity, _ := strconv.Atoi(w[2])
					n, _ := strconv.Atoi(w[3])
					h.fillSlot(t, w[1], capacity, n)
				default:
					t.Fatalf("unknown setup %q", line)
				}
			}
			got, err := h.chat("shopper", lang).Transcript(string(script))
			if err != nil {
				t.Fatalf("%v\nso far:\n%s", err, got)
			}
			if r, err := h.db.Verify(t.Context()); err != nil || !r.OK() {
				t.Errorf("verify after the transcript: %v %v", r.Problems, err)
			}
			if *update {
				if err := os.WriteFile(f, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if got != string(script) {
				t.Errorf("transcript differs (run go test ./flows -update and review the diff):\n%s", diff(string(script), got))
			}
		})
	}
}

// TestLastWindowPlaceGoesToOneShopper: 50 shoppers at the summary with the
// same window, which has room for 3, tap "Place the order" at once;
// exactly 3 orders take it and the others are asked to choose another.
func TestLastWindowPlaceGoesToOneShopper(t *testing.T) {
	h := newHarness(t, nil, nil)
	const shoppers = 50
	script := []string{"/start", "/catalog", "[3]", "[Paper filters 02, 100 pcs · ₽390]", "[🛒 Add to cart]", "[Add 1 for ₽390]", "[✅ Check out]",
		"Anna", "+7 999 123-45-67", "[🚚 Courier]", "Moscow, Tverskaya 1, flat 5", "[1]", "[18:00–22:00]"}
	chats := make([]*chatT, shoppers)
	for i := range chats {
		chats[i] = h.chat(fmt.Sprintf("rush-%d", i), "en")
		for _, line := range script {
			if _, err := chats[i].Line(line); err != nil {
				t.Fatalf("shopper %d: %q: %v", i, line, err)
			}
		}
	}
	var wg sync.WaitGroup
	replies := make([]string, shoppers)
	for i, c := range chats {
		wg.Go(func() {
			r, err := c.Line("[✅ Place the order]")
			if err != nil {
				t.Errorf("shopper %d: %v", i, err)
			}
			for _, x := range r {
				replies[i] += x.Text + "\n"
			}
		})
	}
	wg.Wait()
	placed, refused := 0, 0
	for _, r := range replies {
		switch {
		case strings.Contains(r, "is placed"):
			placed++
		case strings.Contains(r, "that window has just been taken"):
			refused++
		}
	}
	t.Logf("%d shoppers placing for the last places of a window of 3: %d placed, %d asked to choose another", shoppers, placed, refused)
	if placed != 3 || refused != shoppers-3 {
		t.Errorf("placed %d, refused %d; want 3 and %d", placed, refused, shoppers-3)
	}
}
