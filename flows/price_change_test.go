package flows_test

import (
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"omnicart/catalog"
	"omnicart/demo"
)

// setScalePrice reloads the demo catalog with the coffee scale at price
// (products.csv says 2290.00), as an owner's edit is reloaded.
func setScalePrice(t *testing.T, h *harness, price string) {
	t.Helper()
	m := fstest.MapFS{}
	err := fs.WalkDir(demo.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(demo.FS, p)
		if p == "products.csv" {
			b = []byte(strings.Replace(string(b), ",2290.00,", ","+price+",", 1))
		}
		m[p] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	cat, err := catalog.Load(m, "demo")
	if err != nil {
		t.Fatal(err)
	}
	sh := *h.eng.Shop()
	sh.Catalog, sh.File = cat, nil
	h.eng.SetShop(&sh)
}

// sayAll sends lines and returns the text of all their replies.
func sayAll(t *testing.T, c *chatT, lines ...string) string {
	t.Helper()
	var b strings.Builder
	for _, l := range lines {
		r, err := c.Line(l)
		if err != nil {
			t.Fatalf("%q: %v", l, err)
		}
		for _, x := range r {
			b.WriteString(x.Text + "\n")
		}
	}
	return b.String()
}

func orderCount(t *testing.T, h *harness) int {
	t.Helper()
	_, n, err := h.db.Counts(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestPriceChangedAtSummary: the owner raises a price between the summary
// and "Place the order". The order is not placed at a total the shopper
// did not see: they are told, the summary shows the new price, and the
// next tap places the order at it.
func TestPriceChangedAtSummary(t *testing.T) {
	h := newHarness(t, nil, nil)
	c := h.chat("shopper", "en")
	got := sayAll(t, c, "/start", "scale", "[1]", "[🛒 Add to cart]", "[3]", "[✅ Check out]", "Anna", "+7 999 123-45-67", "[🏬 Pickup point]", "[1]")
	if !strings.Contains(got, "To pay: ₽2,290") {
		t.Fatalf("summary before the change:\n%s", got)
	}
	setScalePrice(t, h, "2990.00")
	got = sayAll(t, c, "[✅ Place the order]")
	if !strings.Contains(got, "Prices have changed") || !strings.Contains(got, "1 × ₽2,990 = ₽2,990") ||
		!strings.Contains(got, "To pay: ₽2,990") || strings.Contains(got, "is placed") {
		t.Fatalf("place after a price change:\n%s", got)
	}
	if n := orderCount(t, h); n != 0 {
		t.Fatalf("%d orders placed at a price not shown", n)
	}
	got = sayAll(t, c, "[✅ Place the order]")
	if !strings.Contains(got, "Order #1001 is placed") || !strings.Contains(got, "₽2,990 to pay") {
		t.Fatalf("place at the price shown:\n%s", got)
	}
}

// TestPriceChangedFreeDelivery: a price cut takes the items below the
// free-delivery amount. The summary shows the new prices with the
// delivery fee they bring, and the order costs what it showed.
func TestPriceChangedFreeDelivery(t *testing.T) {
	h := newHarness(t, nil, nil)
	c := h.chat("shopper", "en")
	for _, q := range []string{"scale", "double-wall", "chamomile"} {
		sayAll(t, c, "/start", q, "[1]", "[🛒 Add to cart]", "[3]")
	}
	got := sayAll(t, c, "/cart", "[✅ Check out]", "Anna", "+7 999 123-45-67", "[🚚 Courier]", "Moscow, Tverskaya 1, flat 5", "[1]", "[1]")
	if !strings.Contains(got, "Items: ₽3,230\nDelivery: free\nTo pay: ₽3,230") {
		t.Fatalf("summary before the change:\n%s", got)
	}
	setScalePrice(t, h, "1990.00")
	got = sayAll(t, c, "[✅ Place the order]")
	if !strings.Contains(got, "Prices have changed") || !strings.Contains(got, "Items: ₽2,930\nDelivery: ₽300\nTo pay: ₽3,230") {
		t.Fatalf("place after a price cut:\n%s", got)
	}
	got = sayAll(t, c, "[✅ Place the order]")
	if !strings.Contains(got, "Order #1001 is placed") || !strings.Contains(got, "₽3,230 to pay") {
		t.Fatalf("place at the total shown:\n%s", got)
	}
}

// TestPriceChangedBeforeSummary: a price changed after the item was
// carted is the one the summary shows, and says so; placing takes it.
func TestPriceChangedBeforeSummary(t *testing.T) {
	h := newHarness(t, nil, nil)
	c := h.chat("shopper", "en")
	sayAll(t, c, "/start", "scale", "[1]", "[🛒 Add to cart]", "[3]")
	setScalePrice(t, h, "2990.00")
	got := sayAll(t, c, "[✅ Check out]", "Anna", "+7 999 123-45-67", "[🏬 Pickup point]", "[1]")
	if !strings.Contains(got, "Prices have changed") || !strings.Contains(got, "To pay: ₽2,990") {
		t.Fatalf("summary after a price change:\n%s", got)
	}
	got = sayAll(t, c, "[✅ Place the order]")
	if strings.Contains(got, "Prices have changed") || !strings.Contains(got, "₽2,990 to pay") {
		t.Fatalf("place at the price shown:\n%s", got)
	}
}
