package locales

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want map[string]string
	}{
		{"empty", "", map[string]string{}},
		{"comments and blank lines", "# c\n\n   \n  # indented comment\nk: v\n", map[string]string{"k": "v"}},
		{"plain", "menu.hint: Choose below", map[string]string{"menu.hint": "Choose below"}},
		{"plain with comment", "menu.hint: Choose below    # note", map[string]string{"menu.hint": "Choose below"}},
		{"plain keeps # without space", "a: C# and F#", map[string]string{"a": "C# and F#"}},
		{"plain keeps quotes and colons", `a: He said "hi" at 10:30`, map[string]string{"a": `He said "hi" at 10:30`}},
		{"plain placeholder inside", "a: You have {n} items", map[string]string{"a": "You have {n} items"}},
		{"double", `menu.title: "Welcome to {shop}!"`, map[string]string{"menu.title": "Welcome to {shop}!"}},
		{"double escapes", `a: "one\ntwo \"q\" back\\slash"`, map[string]string{"a": "one\ntwo \"q\" back\\slash"}},
		{"double with hash", `a: "# not a comment" # comment`, map[string]string{"a": "# not a comment"}},
		{"double empty", `a: ""`, map[string]string{"a": ""}},
		{"single", `a: 'it''s {n}: ok'`, map[string]string{"a": "it's {n}: ok"}},
		{"single keeps backslash", `a: 'C:\new'`, map[string]string{"a": `C:\new`}},
		{"space before colon", "a.b : text", map[string]string{"a.b": "text"}},
		{"tab after colon", "a:\ttext", map[string]string{"a": "text"}},
		{"unicode", "a: Корзина 🛒", map[string]string{"a": "Корзина 🛒"}},
		{"CRLF and BOM", "\ufeffa: x\r\nb: \"y\"\r\n", map[string]string{"a": "x", "b": "y"}},
		{"plural forms", "cart.items.one: \"{n} item\"\ncart.items.other: \"{n} items\"",
			map[string]string{"cart.items.one": "{n} item", "cart.items.other": "{n} items"}},
		{"key parts", "a_1.b2.c_: x", map[string]string{"a_1.b2.c_": "x"}},
		// Texts are YAML: what YAML reads as one text is one.
		{"YAML escapes", `a: "tab\there \u00e9"`, map[string]string{"a": "tab\there é"}},
		{"comment glued to quote", `a: "x"# c`, map[string]string{"a": "x"}},
		{"block", "a: |\n  line one\n  line two\nb: x\n", map[string]string{"a": "line one\nline two\n", "b": "x"}},
		{"folded line", "a: one\n  two\n", map[string]string{"a": "one two"}},
		{"numbers and words stay as written", "a: 1.50\nb: yes\nc: 0x1F\n", map[string]string{"a": "1.50", "b": "yes", "c": "0x1F"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, errs := parse("t.yaml", []byte(tt.src))
			if len(errs) > 0 {
				t.Fatalf("parse: %v", errs)
			}
			if !equalTexts(got, tt.want) {
				t.Errorf("parse = %v, want %v", texts(got), tt.want)
			}
		})
	}
}

func TestParseLines(t *testing.T) {
	got, _ := parse("t.yaml", []byte("# c\n\na: x\r\nb: y\n"))
	if got["a"].line != 3 || got["b"].line != 4 || got["a"].file != "t.yaml" {
		t.Errorf("positions = %+v", got)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{"no colon", "# c\njust text", []string{`t.yaml:2: expected "key: text"`}},
		{"bad key upper", "Menu.Title: x", []string{`t.yaml:1: invalid key "Menu.Title": use lowercase letters, digits, _ and dots, like menu.title`}},
		{"bad key dots", "a..b: x\n.a: x\na.: x", []string{
			`t.yaml:1: invalid key "a..b": use lowercase letters, digits, _ and dots, like menu.title`,
			`t.yaml:2: invalid key ".a": use lowercase letters, digits, _ and dots, like menu.title`,
			`t.yaml:3: invalid key "a.": use lowercase letters, digits, _ and dots, like menu.title`,
		}},
		{"bad key dash", "a-b: x", []string{`t.yaml:1: invalid key "a-b": use lowercase letters, digits, _ and dots, like menu.title`}},
		{"quoted key", `"a": x`, []string{`t.yaml:1: invalid key "\"a\"": use lowercase letters, digits, _ and dots, like menu.title`}},
		{"no space", "a:x", []string{`t.yaml:1: expected a space after ":"`}},
		{"nested", "menu:\n  title: x", []string{
			`t.yaml:1: missing text after "menu:" (write "" for an empty text; keys are flat: menu.name: text)`,
			`t.yaml:2: unexpected indentation: keys are flat, write "section.key: text" on one line`,
		}},
		{"only comment", "a: # nothing", []string{`t.yaml:1: missing text after "a:" (write "" for an empty text; keys are flat: a.name: text)`}},
		{"duplicate", "a: x\nb: y\na: z", []string{`t.yaml:3: duplicate key "a" (first on line 1)`}},

		{"bad unicode escape", `a: "\ж"`, []string{`t.yaml:1: YAML: found unknown escape character (in "double quotes" write \n, \" or \\; or use 'single quotes')`}},
		{"unterminated", "a: \"open\nb: 'open", []string{
			`t.yaml:1: YAML: found unexpected end of stream (is a quote or a bracket not closed?)`,
			`t.yaml:2: YAML: found unexpected end of stream (is a quote or a bracket not closed?)`,
		}},
		{"backslash at end", `a: "x\`, []string{`t.yaml:1: YAML: found unknown escape character (in "double quotes" write \n, \" or \\; or use 'single quotes')`}},
		{"text after quote", `a: "He said "hi""`, []string{`t.yaml:1: YAML: did not find expected key (check the indentation, and quote a text that starts with a quote, { or [ whole)`}},

		{"single text after quote", `a: 'it's'`, []string{`t.yaml:1: YAML: did not find expected key (check the indentation, and quote a text that starts with a quote, { or [ whole)`}},
		{"brace first", "cart.items.other: {n} items", []string{`t.yaml:1: YAML: did not find expected key (check the indentation, and quote a text that starts with a quote, { or [ whole)`}},
		{"brace alone", "cart.items.other: {n}", []string{`t.yaml:1: text starting with "{" must be in double quotes: "{n}"`}},
		{"list first", "a: - one", []string{`t.yaml:1: YAML: block sequence entries are not allowed in this context (put a text starting with "- " in quotes)`}},
		{"alias first", "a: *star", []string{`t.yaml:1: YAML: unknown anchor 'star' referenced (put a text starting with "*" in quotes)`}},
		{"alias", "a: &x one\nb: *x", []string{
			`t.yaml:1: text starting with "&" must be in double quotes: "&x one"`,
			`t.yaml:2: text starting with "*" must be in double quotes: "*x"`,
		}},
		{"colon space", "a: Note: read", []string{`t.yaml:1: YAML: mapping values are not allowed in this context (put a text with ": " in quotes)`}},

		{"long key", "a" + strings.Repeat(".b", 64) + ": x", []string{`t.yaml:1: key longer than 128 characters`}},
		{"null", "a: ~\nb: null", []string{
			`t.yaml:1: text "~" must be in double quotes (YAML reads it as nothing)`,
			`t.yaml:2: text "null" must be in double quotes (YAML reads it as nothing)`,
		}},
		{"control in comment", "# \x00", []string{`t.yaml:1: YAML: control characters are not allowed`}},
		{"control", "a: x\x01y", []string{`t.yaml:1: YAML: control characters are not allowed`}},
		{"escaped control", `a: "x\ay"`, []string{`t.yaml:1: invalid control character U+0007`}},
		{"invalid utf8", "a: \xff", []string{`t.yaml:1: YAML: invalid leading UTF-8 octet (save the file as UTF-8)`}},
		{"text and plural", "a.b.one: x\na.b: y\na.b.other: z", []string{`t.yaml:2: "a.b" is both a text and a plural key (see line 1)`}},
		{"all errors", "a: x\nA: y\na: z\nb: \"", []string{
			`t.yaml:2: invalid key "A": use lowercase letters, digits, _ and dots, like menu.title`,
			`t.yaml:3: duplicate key "a" (first on line 1)`,
			`t.yaml:4: YAML: found unexpected end of stream (is a quote or a bracket not closed?)`,
		}},
		{"every broken entry", "a: \"open\nb: x\nc: {n} items\nd:\n  - one\n", []string{
			`t.yaml:1: YAML: found unexpected end of stream (is a quote or a bracket not closed?)`,
			`t.yaml:3: YAML: did not find expected key (check the indentation, and quote a text that starts with a quote, { or [ whole)`,
			`t.yaml:4: missing text after "d:" (write "" for an empty text; keys are flat: d.name: text)`,
			`t.yaml:5: unexpected indentation: keys are flat, write "section.key: text" on one line`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errs := parse("t.yaml", []byte(tt.src))
			if got := strings.Split(errString(sorted(errs)), "\n"); !slices.Equal(got, tt.want) {
				t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// FuzzParse checks that parse never panics, reports errors on existing
// lines, and that what it accepts reads back the same when written quoted.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*/*.yaml")
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("a: \"x\\\"y\\\\\\n\"\nb: 'it''s'\nc: plain # c\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, errs := parse("f.yaml", data)
		lines := strings.Count(string(data), "\n") + 1
		for _, e := range errs {
			if e.File != "f.yaml" || e.Line < 1 || e.Line > lines || e.Msg == "" {
				t.Fatalf("bad error %#v for %d lines", e, lines)
			}
		}
		if len(errs) > 0 {
			return
		}
		var b strings.Builder
		for key, e := range got {
			if !validKey(key) || e.line < 1 || e.line > lines {
				t.Fatalf("bad entry %q %+v", key, e)
			}
			b.WriteString(key + ": " + quote(e.text) + "\n")
		}
		again, errs := parse("g.yaml", []byte(b.String()))
		if len(errs) > 0 {
			t.Fatalf("written back:\n%s\nerrors: %v", b.String(), errs)
		}
		if !equalTexts(got, texts(again)) {
			t.Fatalf("round trip: %v, want %v", texts(again), texts(got))
		}
	})
}

func texts(m map[string]entry) map[string]string {
	out := make(map[string]string, len(m))
	for k, e := range m {
		out[k] = e.text
	}
	return out
}

func equalTexts(got map[string]entry, want map[string]string) bool {
	if len(got) != len(want) {
		return false
	}
	for k, v := range want {
		if e, ok := got[k]; !ok || e.text != v {
			return false
		}
	}
	return true
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
