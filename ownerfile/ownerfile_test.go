package ownerfile

import (
	"errors"
	"strings"
	"testing"
)

func TestErrors(t *testing.T) {
	if got := (Error{File: "a.yaml", Line: 3, Msg: "bad"}).Error(); got != "a.yaml:3: bad" {
		t.Errorf("Error() = %q", got)
	}
	if got := (Error{File: "a.yaml", Msg: "bad"}).Error(); got != "a.yaml: bad" {
		t.Errorf("Error() without a line = %q", got)
	}
	var es Errors
	if es.Err() != nil {
		t.Error("no problems, yet Err() is not nil")
	}
	es.Add("b.yaml", 2, "second %s", "x")
	es.Add("a.yaml", 9, "late")
	es.Add("b.yaml", 1, "first")
	es.Add("b.yaml", 2, "second y") // found after "second x": stays after it
	err := es.Err()
	want := "a.yaml:9: late\nb.yaml:1: first\nb.yaml:2: second x\nb.yaml:2: second y"
	if err == nil || err.Error() != want {
		t.Fatalf("Err() = %v, want\n%s", err, want)
	}
	var back Errors
	if !errors.As(err, &back) || len(back) != 4 {
		t.Errorf("errors.As(%T) = %v", err, back)
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		name, data string
		want       string // the error, "" for none
	}{
		{"empty", "", ""},
		{"only comments", "# nothing yet\n", ""},
		{"mapping", "a: 1\nb: [x]\n", ""},
		// The parser says line 2, where the list starts; the mistake is on line 4.
		{"line of the mistake", "currency: RUB\nproducts:\n  - sku: A\n   name: x\n", "f.yaml:4: YAML: did not find expected '-' indicator"},
		{"hint for a colon", "a: Note: read\n", `f.yaml:1: YAML: mapping values are not allowed in this context (put a text with ": " in quotes)`},
		{"hint for an open quote", "a: x\nb: \"open\n", "f.yaml:2: YAML: found unexpected end of stream (is a quote or a bracket not closed?)"},
		{"second document", "a: 1\n---\nb: 2\n", "f.yaml:2: a second YAML document (---): keep one per file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root, err := Parse("f.yaml", []byte(tt.data))
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				if strings.TrimSpace(strings.TrimPrefix(tt.data, "# nothing yet")) == "" != (root == nil) {
					t.Errorf("root = %v", root)
				}
				return
			}
			var e Error
			if !errors.As(err, &e) || err.Error() != tt.want {
				t.Errorf("Parse error = %v, want %s", err, tt.want)
			}
			var es Errors
			if _, ok := (File{Name: "f.yaml", Errs: &es}).Parse([]byte(tt.data)); ok || len(es) != 1 || es[0].Error() != tt.want {
				t.Errorf("File.Parse: %v, %v", ok, es)
			}
		})
	}
}

func TestFields(t *testing.T) {
	var es Errors
	f := File{Name: "shop/catalog.yaml", Errs: &es}
	root, ok := f.Parse([]byte("currency: RUB\ncategories: []\nprodcts: []\ncurrency: EUR\n"))
	if !ok {
		t.Fatal(es)
	}
	m, ok := f.Fields(root, "", "a catalog", "currency", "categories", "products")
	if !ok || Scalar(m["currency"]) != "RUB" || Lookup(root, "categories") == nil {
		t.Errorf("Fields = %v, %v", m, ok)
	}
	want := `shop/catalog.yaml:3: unknown field "prodcts" (did you mean "products"?)` + "\n" +
		`shop/catalog.yaml:4: currency given twice`
	if got := es.Error(); got != want {
		t.Errorf("errors:\n%s\nwant:\n%s", got, want)
	}
	es = nil
	f.List(m["currency"], "product \"A\": ", "related", "[B, C]")
	if got := es.Error(); got != `shop/catalog.yaml:1: product "A": related: expected a list, like [B, C]` {
		t.Errorf("List error = %q", got)
	}
}

func TestHintOrList(t *testing.T) {
	known := []string{"coffee", "tea"}
	if h := HintOrList("cofee", known, "categories"); h != ` (did you mean "coffee"?)` {
		t.Errorf("near: %q", h)
	}
	if h := HintOrList("juice", known, "categories"); h != " (categories: coffee, tea)" {
		t.Errorf("far: %q", h)
	}
	if h := HintOrList("juice", nil, "categories"); h != "" {
		t.Errorf("nothing known: %q", h)
	}
}
