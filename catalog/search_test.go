package catalog

import (
	"strings"
	"testing"

	"omnicart/demo"
	"omnicart/shop"
)

func loadDemo(t *testing.T) *Catalog {
	t.Helper()
	c, err := Load(demo.FS, "demo")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func skus(ps []Product) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.SKU
	}
	return strings.Join(s, ",")
}

func TestSearch(t *testing.T) {
	c := loadDemo(t)
	tests := []struct {
		query, lang string
		want        string // SKUs, best first
	}{
		{"эфиоп", "ru", "ETH-250,ESP-BLEND"},    // name first, then the blend that mentions it
		{"ЭФИОПИЯ", "ru", "ETH-250,ESP-BLEND"},  // case
		{"ethiopia", "ru", "ETH-250,ESP-BLEND"}, // other language
		{"mug", "en", "MUG-350,TUMBLER-400"},    // name, then tag "travel mug"
		{"кружка", "ru", "MUG-350"},             // not "термокружка": words match by their start
		{"белевская", "ru", "PASTILA-APPLE"},    // ё written as е
		{"Белёвская пастила", "ru", "PASTILA-APPLE"},
		{"зеленый чай", "ru", "SENCHA-100,MATCHA-30"},
		{"grinder steel", "en", "GRINDER-HAND"}, // every word must match
		{"v60", "en", "V60-02,FILTER-100"},
		{"kettle", "en", "KETTLE-GN"},
		{"  ", "en", ""},
		{"no such thing", "en", ""},
		// Category names: whole words, below whole words in names, above starts of words.
		{"кофе", "ru", "SCALE-T,ETH-250,KEN-250,COL-250,BRA-1000,ESP-BLEND,DECAF-250,GUA-250,GRINDER-HAND,..."},
		{"coffee", "en", "AEROPRESS,SCALE-T,ETH-250,KEN-250,COL-250,BRA-1000,ESP-BLEND,DECAF-250,GUA-250,..."},
		{"чай", "ru", "SENCHA-100,ASSAM-100,MATCHA-30,EARLGREY-100,PUER-100,CHAMOMILE-50,KETTLE-GN,GAIWAN"},
		{"gear", "en", "V60-02,FILTER-100,GRINDER-HAND,GRINDER-X,KETTLE-GN,FRENCH-600,AEROPRESS,SCALE-T"},
		{"gea", "en", ""}, // not the start of a category word
		// Endings of words of 5 or more letters.
		{"кружку", "ru", "MUG-350"},
		{"кружки", "ru", "MUG-350,CUP-ESP,TUMBLER-400,GAIWAN,GLASS-DW"}, // and the category "Чашки и кружки"
		{"чашку", "ru", "CUP-ESP,MUG-350,..."},
		{"воронку", "ru", "V60-02,ETH-250"},
		{"mugs", "en", "MUG-350,TUMBLER-400,CUP-ESP,GAIWAN,GLASS-DW"}, // and the category "Cups & mugs"
		{"grinders steel", "en", "GRINDER-HAND"},
		{"ЗЕЛЁНОГО", "ru", ""}, // only one letter comes off
		{"чаши", "ru", ""},     // four letters keep their ending
	}
	for _, tt := range tests {
		got := skus(c.Search(tt.query, tt.lang))
		if start, ok := strings.CutSuffix(tt.want, ",..."); ok {
			if !strings.HasPrefix(got, start+",") {
				t.Errorf("Search(%q, %q) = %s, want it to start with %s", tt.query, tt.lang, got, start)
			}
		} else if got != tt.want {
			t.Errorf("Search(%q, %q) = %s, want %s", tt.query, tt.lang, got, tt.want)
		}
	}
	if n := len(c.Search("a", "en")); n != maxResults {
		t.Errorf(`Search("a") returned %d products, want %d`, n, maxResults)
	}
}

func TestStem(t *testing.T) {
	tests := []struct{ word, want string }{
		{"кружку", "кружк"},
		{"воронки", "воронк"},
		{"чайный", "чайны"},
		{"пастиль", "пастил"},
		{"mugs", "mug"},
		{"bus", ""},
		{"grinders", "grinder"},
		{"кофе", ""}, // four letters keep a Russian ending
		{"пуэр", ""},
		{"sencha", ""}, // English vowels stay
		{"ground", ""},
	}
	for _, tt := range tests {
		if got := stem(tt.word); got != tt.want {
			t.Errorf("stem(%q) = %q, want %q", tt.word, got, tt.want)
		}
	}
}

func TestDelivery(t *testing.T) {
	d := loadDemo(t).Delivery
	// Pushkin Square is closest to Patriarch's Ponds, then Chistye Prudy.
	var ids []string
	for _, p := range d.Nearest(55.7656, 37.6060, 2) {
		ids = append(ids, p.ID)
	}
	if got := strings.Join(ids, ","); got != "patriki,chistye" {
		t.Errorf("Nearest(Pushkin Square, 2) = %s, want patriki,chistye", got)
	}
	// Gorky Park is closest to Frunzenskaya.
	if ps := d.Nearest(55.7298, 37.6011, 0); len(ps) != 3 || ps[0].ID != "frunzenskaya" {
		t.Errorf("Nearest(Gorky Park, 0) = %v", ps)
	}
	if p, ok := d.Point("chistye"); !ok || p.Name.In("ru") != "Чистые пруды" {
		t.Errorf("Point(chistye) = %+v, %v", p, ok)
	}
	if _, ok := d.Point("nope"); ok {
		t.Error("Point(nope) found")
	}

	rub := func(minor int64) shop.Money { return shop.Money{Minor: minor, Currency: "RUB"} }
	tests := []struct {
		courier  Courier
		subtotal shop.Money
		want     shop.Money
	}{
		{d.Courier, rub(299999), rub(30000)},
		{d.Courier, rub(300000), rub(0)},
		{Courier{Price: rub(30000)}, rub(10000000), rub(30000)}, // never free
	}
	for _, tt := range tests {
		if got := (Delivery{Courier: tt.courier}).CourierPrice(tt.subtotal); got != tt.want {
			t.Errorf("CourierPrice(%v) with %+v = %v, want %v", tt.subtotal, tt.courier, got, tt.want)
		}
	}
}

func TestDistanceKm(t *testing.T) {
	// Moscow Kremlin to St Petersburg Palace Square is about 634 km.
	if d := distanceKm(55.7520, 37.6175, 59.9390, 30.3158); d < 630 || d > 640 {
		t.Errorf("distanceKm(Moscow, St Petersburg) = %.0f km, want about 634", d)
	}
}
