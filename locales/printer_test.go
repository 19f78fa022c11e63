package locales

import (
	"testing"
	"testing/fstest"
)

func TestPrinter(t *testing.T) {
	b := mustParseDir(t, fstest.MapFS{
		"en.yaml": {Data: []byte(`
greet: "Hi, {name}! {name} has {n} {unknown}"
only.en: "English only"
cart.total: "Total: {total}"
cart.items.one: "{n} item"
cart.items.other: "{n} items"
only.other.other: "{n} things"
plain: "just text"
braces: "{} {1a} {a b} {x"
`)},
		"ru.yaml": {Data: []byte(`
greet: "Привет, {name}!"
cart.total: "Итого: {total}"
cart.items.one: "{n} товар"
cart.items.few: "{n} товара"
cart.items.many: "{n} товаров"
ru.only.other: "{n} штук"
`)},
	}, "")
	en, ru := b.Printer("en"), b.Printer("ru")
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"T", ru.T("cart.total", "total", "890 ₽"), "Итого: 890 ₽"},
		{"T repeated and unknown placeholders", en.T("greet", "name", "Ann", "n", 3), "Hi, Ann! Ann has 3 {unknown}"},
		{"T no args", ru.T("greet"), "Привет, {name}!"},
		{"T odd args", ru.T("greet", "name", "Ann", "extra"), "Привет, Ann!"},
		{"T non-string name", ru.T("greet", 1, "x", "name", "Ann"), "Привет, Ann!"},
		{"T Sprint values", en.T("cart.total", "total", 12.5), "Total: 12.5"},
		{"T fallback to en", ru.T("only.en"), "English only"},
		{"T missing key", ru.T("no.such.key", "a", 1), "no.such.key"},
		{"T not placeholders", en.T("braces", "a", 1, "x", 2), "{} {1a} {a b} {x"},
		{"N ru one", ru.N("cart.items", 21), "21 товар"},
		{"N ru few", ru.N("cart.items", 3), "3 товара"},
		{"N ru many", ru.N("cart.items", 11), "11 товаров"},
		{"N en one", en.N("cart.items", 1), "1 item"},
		{"N en other", en.N("cart.items", 0), "0 items"},
		{"N explicit n wins", en.N("cart.items", 1000, "n", "1,000"), "1,000 items"},
		{"N odd args", en.N("cart.items", 2, "x"), "2 items"},
		{"N lang falls back to its other", ru.N("ru.only", 1), "1 штук"},
		{"N fallback to en", ru.N("only.other", 3), "3 things"},
		{"N plain text", ru.N("plain", 3), "just text"},
		{"N missing", ru.N("nope", 3), "nope"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}

func TestPrinterLang(t *testing.T) {
	b := Default()
	tests := map[string]string{"ru": "ru", "ru-RU": "ru", "en-GB": "en", "de": "en", "": "en"}
	for in, want := range tests {
		if got := b.Printer(in).Lang(); got != want {
			t.Errorf("Printer(%q).Lang() = %q, want %q", in, got, want)
		}
	}
	if got := (&Bundle{}).Printer("ru").T("x"); got != "x" {
		t.Errorf("empty bundle T = %q", got)
	}
}
