package locales

import (
	"errors"
	"io/fs"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

// TestDefaultComplete guards the built-in en.yaml and ru.yaml: every key in
// both languages, the same placeholders, the plural forms each needs.
func TestDefaultComplete(t *testing.T) {
	b := Default()
	if got := b.Langs(); !slices.Equal(got, []string{"en", "ru"}) {
		t.Errorf("Langs() = %v, want [en ru]", got)
	}
	var errs Errors
	if err := b.Check(); errors.As(err, &errs) {
		for _, e := range errs {
			t.Error(e)
		}
	} else if err != nil {
		t.Fatal(err)
	}
}

func mustParseDir(t *testing.T, fsys fs.FS, name string) *Bundle {
	t.Helper()
	b, err := parseDir(fsys, name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func base(t *testing.T) *Bundle {
	return mustParseDir(t, os.DirFS("testdata/base"), "base")
}

func TestCheckBase(t *testing.T) {
	if err := base(t).Check(); err != nil {
		t.Fatal(err)
	}
}

func TestCheck(t *testing.T) {
	b := mustParseDir(t, fstest.MapFS{
		"en.yaml": {Data: []byte(`a: "A {x}"
b: B
c.one: "one c"
c.other: "{n} c"
c.few: "few c"
d.one: "{n} d"
d.other: "{n} d"
e: E
only.other: "{n} things"
`)},
		"ru.yaml": {Data: []byte(`a: "А {y}"
b.one: Б
b.other: Б
c.one: "{n} ц"
c.few: "{n} ц"
c.many: "{n} ц"
c.other: "{n} ц"
d.one: "{n} д {extra}"
d.many: "{n} д"
d.other: "{n} д"
ee: Е
`)},
	}, "t")
	var errs Errors
	if !errors.As(b.Check(), &errs) {
		t.Fatalf("Check() = %v, want Errors", b.Check())
	}
	want := []string{
		`t/en.yaml:5: plural form "few" is not used in en (it has one, other)`,
		`t/en.yaml:9: "only": missing plural form "one" (en needs one, other)`,
		`t/ru.yaml: missing key "e" (t/en.yaml:8)`,
		`t/ru.yaml: missing key "only" (t/en.yaml:9)`,
		`t/ru.yaml:1: "a": placeholders {y} do not match {x} in en (t/en.yaml:1)`,
		`t/ru.yaml:2: "b" is a plural key here but a plain text in en (t/en.yaml:2)`,
		`t/ru.yaml:2: "b": missing plural form "few" (ru needs one, few, many, other)`,
		`t/ru.yaml:2: "b": missing plural form "many" (ru needs one, few, many, other)`,
		`t/ru.yaml:8: "d": missing plural form "few" (ru needs one, few, many, other)`,
		`t/ru.yaml:8: "d": placeholders {extra} do not match (none) in en (t/en.yaml:6)`,
		`t/ru.yaml:11: unknown key "ee": en has no such key (did you mean "e"?)`,
	}
	got := strings.Split(errs.Error(), "\n")
	if !slices.Equal(got, want) {
		t.Errorf("Check():\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestHasKeys(t *testing.T) {
	b := base(t)
	want := []string{"cart.items", "cart.total", "checkout.long", "menu.hint", "menu.title", "order.count"}
	if got := b.Keys(); !slices.Equal(got, want) {
		t.Errorf("Keys() = %v, want %v", got, want)
	}
	for _, k := range want {
		if !b.Has(k) {
			t.Errorf("Has(%q) = false", k)
		}
	}
	for _, k := range []string{"cart.items.one", "cart.items.other", "cart", "menu", "nope", ""} {
		if b.Has(k) {
			t.Errorf("Has(%q) = true", k)
		}
	}
}

func TestLoad(t *testing.T) {
	defaults := base(t)
	b, err := Load(defaults, os.DirFS("testdata/owner"), "shop/texts")
	if err != nil {
		t.Fatal(err)
	}
	en, ru := b.Printer("en"), b.Printer("ru")
	for _, tt := range []struct{ got, want string }{
		{en.T("menu.title", "shop", "Beans"), "Hi, this is Beans # the best"},
		{en.N("cart.items", 1), "Just one item"},
		{en.N("cart.items", 2), "2 items"},
		{ru.T("menu.hint"), "Выберите: кофе или чай"},
		{ru.T("menu.title", "shop", "Beans"), "Добро пожаловать в Beans!"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
	if err := b.Check(); err != nil {
		t.Errorf("Check after Load: %v", err)
	}
	// The defaults are not changed.
	if got := defaults.Printer("en").N("cart.items", 1); got != "1 item" {
		t.Errorf("defaults changed: %q", got)
	}
	// No texts directory, or none at all, keeps the defaults.
	for _, fsys := range []fs.FS{nil, os.DirFS("testdata/none"), fstest.MapFS{}} {
		b, err := Load(defaults, fsys, "x")
		if err != nil || !slices.Equal(b.Keys(), defaults.Keys()) {
			t.Errorf("Load(%v) = %v, %v", fsys, b, err)
		}
	}
}

func TestLoadNewLanguage(t *testing.T) {
	de := `menu.title: "Willkommen bei {shop}!"
menu.hint: Unten wählen
cart.items.one: "{n} Artikel"
cart.items.other: "{n} Artikel"
cart.total: "Summe: {total}"
checkout.long: "Zeile eins\nZeile zwei"
order.count.one: "Eine Bestellung für {name}"
order.count.other: "{n} Bestellungen für {name}"
`
	b, err := Load(base(t), fstest.MapFS{"de.yaml": {Data: []byte(de)}}, "texts")
	if err != nil {
		t.Fatal(err)
	}
	if got := b.Langs(); !slices.Equal(got, []string{"de", "en", "ru"}) {
		t.Errorf("Langs() = %v", got)
	}
	if got := b.Printer("de-AT").N("cart.items", 2); got != "2 Artikel" {
		t.Errorf("de N = %q", got)
	}
	if err := b.Check(); err != nil {
		t.Errorf("Check: %v", err)
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name  string
		files fstest.MapFS
		want  []string
	}{
		{"typo", fstest.MapFS{"en.yaml": {Data: []byte("# x\nmenu.titel: Hi\n")}},
			[]string{`texts/en.yaml:2: unknown key "menu.titel" (did you mean "menu.title"?)`}},
		{"unknown", fstest.MapFS{"ru.yaml": {Data: []byte("something.else: x\n")}},
			[]string{`texts/ru.yaml:1: unknown key "something.else"`}},
		{"placeholders", fstest.MapFS{"en.yaml": {Data: []byte("menu.title: \"Welcome to {shp}\"\ncart.total: Total\n")}}, []string{
			`texts/en.yaml:1: "menu.title": placeholders {shp} do not match the default {shop}`,
			`texts/en.yaml:2: "cart.total": placeholders (none) do not match the default {total}`,
		}},
		{"plural form placeholders", fstest.MapFS{"ru.yaml": {Data: []byte("order.count.one: \"Один заказ\"\n")}},
			[]string{`texts/ru.yaml:1: "order.count.one": placeholders (none) do not match the default {name}`}},
		{"unused plural form", fstest.MapFS{"en.yaml": {Data: []byte("cart.items.few: x\n")}},
			[]string{`texts/en.yaml:1: plural form "few" is not used in en (it has one, other)`}},
		{"plural base", fstest.MapFS{"ru.yaml": {Data: []byte("cart.items: x\n")}},
			[]string{`texts/ru.yaml:1: "cart.items" is a plural key: set cart.items.one, cart.items.few, cart.items.many, cart.items.other`}},
		{"syntax", fstest.MapFS{"en.yaml": {Data: []byte("menu.title: {shop}\nmenu.hint: \"open\n")}}, []string{
			`texts/en.yaml:1: text starting with "{" must be in double quotes: "{shop}"`,
			`texts/en.yaml:2: YAML: found unexpected end of stream (is a quote or a bracket not closed?)`,
		}},
		{"incomplete language", fstest.MapFS{"de.yaml": {Data: []byte("menu.title: \"Hallo {shop}\"\ncart.items.one: Ein\ncart.items.few: x\nmenu.tilte: x\n")}}, []string{
			`texts/de.yaml: a new language needs every key: 4 of 6 missing ("cart.total", "checkout.long", "menu.hint")`,
			`texts/de.yaml:2: "cart.items": missing plural form "other" (de needs one, other)`,
			`texts/de.yaml:3: plural form "few" is not used in de (it has one, other)`,
			`texts/de.yaml:4: unknown key "menu.tilte": en has no such key (did you mean "menu.title"?)`,
		}},
		{"file names", fstest.MapFS{"ru.yml": {Data: []byte("x")}, "russian.yaml": {Data: []byte("x")}, "notes.txt": {Data: []byte("x")}, "old/en.yaml": {Data: []byte("x")}}, []string{
			`texts/ru.yml: name the file ru.yaml`,
			`texts/russian.yaml: the file name must be a language code, like "en.yaml"`,
		}},
		{"every file", fstest.MapFS{"en.yaml": {Data: []byte("menu.titel: x")}, "ru.yaml": {Data: []byte("menu.hint: ok\nmenu.hnt: x")}}, []string{
			`texts/en.yaml:1: unknown key "menu.titel" (did you mean "menu.title"?)`,
			`texts/ru.yaml:2: unknown key "menu.hnt" (did you mean "menu.hint"?)`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := Load(base(t), tt.files, "texts")
			var errs Errors
			if !errors.As(err, &errs) || b != nil {
				t.Fatalf("Load = %v, %v; want nil, Errors", b, err)
			}
			if got := strings.Split(errs.Error(), "\n"); !slices.Equal(got, tt.want) {
				t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestErrorString(t *testing.T) {
	if got := (Error{File: "a.yaml", Line: 3, Msg: "bad"}).Error(); got != "a.yaml:3: bad" {
		t.Errorf("Error() = %q", got)
	}
	if got := (Error{File: "a.yaml", Line: 0, Msg: "bad"}).Error(); got != "a.yaml: bad" {
		t.Errorf("Error() = %q", got)
	}
	if got := (Errors{{File: "a", Line: 1, Msg: "x"}, {File: "b", Line: 2, Msg: "y"}}).Error(); got != "a:1: x\nb:2: y" {
		t.Errorf("Errors.Error() = %q", got)
	}
}

func TestPlaceholders(t *testing.T) {
	b := Default()
	if got := strings.Join(b.Placeholders("menu.text"), ","); got != "cart,name,points,shop" {
		t.Errorf("menu.text: %s", got)
	}
	if got := strings.Join(b.Placeholders("cart.items"), ","); got != "" {
		t.Errorf("cart.items (plural, {n} only): %q", got)
	}
	if got := b.Placeholders("help.text"); len(got) != 0 {
		t.Errorf("help.text: %v", got)
	}
}
