// Package locales holds Omnicart's user-facing texts in every language, lets
// a shop owner override them, and prints them with placeholders and plural
// forms. It imports only the standard library.
//
// Each language is one flat file, "en.yaml", "ru.yaml", in a small subset of
// YAML:
//
//	# comment
//	menu.title: "Welcome to {shop}!"
//	menu.hint: Choose below          # unquoted text, up to a " #" comment
//	cart.items.one: "{n} item"
//	cart.items.other: "{n} items"
//	checkout.long: "line one\nline two"
//
// Keys are dotted lowercase identifiers ([a-z0-9_] parts joined by dots).
// A key whose last part is a CLDR plural category (zero, one, two, few, many,
// other) is a form of the plural key before it: "cart.items.one" and
// "cart.items.other" make "cart.items", printed with Printer.N. English needs
// the forms one and other, Russian one, few, many and other. Text is plain,
// 'single-quoted' (two single quotes stand for one) or "double-quoted" with
// the escapes \n, \" and \\; it must be quoted when YAML would read it as
// something else (it starts with "{" or contains ": "). {name} is a
// placeholder filled by Printer.T and Printer.N. Errors read
// "file:line: message".
package locales

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"omnicart/ownerfile"
)

//go:embed en.yaml ru.yaml
var embedded embed.FS

// Bundle is the texts of every language. It is not changed after it is
// built, so it may be shared between goroutines.
type Bundle struct {
	langs map[string]*lang
}

// lang is the texts of one language.
type lang struct {
	file  string           // the language's file, for errors about missing keys
	texts map[string]entry // full key ("cart.items.one") → text
}

// Default returns the built-in texts, embedded from locales/en.yaml and
// locales/ru.yaml. It panics if those files do not parse, which a test
// guards against.
func Default() *Bundle {
	b, err := parseDir(embedded, "locales")
	if err != nil {
		panic("locales: broken built-in texts:\n" + err.Error())
	}
	return b
}

// Load returns a copy of defaults with the owner's texts from the files
// "<lang>.yaml" at the root of fsys laid over it; name prefixes the file
// names in errors ("myshop/texts" gives "myshop/texts/ru.yaml:3: ...").
// A missing or nil fsys leaves the defaults as they are.
//
// An owner's key must exist in the same language of defaults and keep its
// placeholders (a plural form may drop or add {n}). A language that defaults
// lack may be added only with every key, plural forms and placeholders of
// English. On failure Load returns a nil Bundle and Errors listing every
// problem.
func Load(defaults *Bundle, fsys fs.FS, name string) (*Bundle, error) {
	b := defaults.clone()
	if fsys == nil {
		return b, nil
	}
	owner, err := parseDir(fsys, name)
	if err != nil {
		return nil, err
	}
	var errs Errors
	for _, l := range owner.Langs() {
		if cur, ok := b.langs[l]; ok {
			errs = append(errs, overlay(cur, l, owner.langs[l])...)
		} else {
			errs = append(errs, b.add(l, owner.langs[l])...)
		}
	}
	if err := sorted(errs); err != nil {
		return nil, err
	}
	return b, nil
}

// parseDir reads the files "<lang>.yaml" at the root of fsys without
// checking them against each other. A missing directory gives no languages.
func parseDir(fsys fs.FS, name string) (*Bundle, error) {
	b := &Bundle{langs: make(map[string]*lang)}
	entries, err := fs.ReadDir(fsys, ".")
	if errors.Is(err, fs.ErrNotExist) {
		return b, nil
	}
	if err != nil {
		return nil, Errors{{File: path.Join(name, "."), Msg: err.Error()}}
	}
	var errs Errors
	for _, e := range entries {
		file := path.Join(name, e.Name())
		l, ext := strings.CutSuffix(e.Name(), ".yaml")
		switch {
		case e.IsDir():
		case !ext:
		case !validLang(l):
			errs = append(errs, Error{File: file, Msg: `the file name must be a language code, like "en.yaml"`})
		default:
			data, err := fs.ReadFile(fsys, e.Name())
			if err != nil {
				errs = append(errs, Error{File: file, Msg: err.Error()})
				continue
			}
			texts, perrs := parse(file, data)
			errs = append(errs, perrs...)
			b.langs[l] = &lang{file: file, texts: texts}
		}
	}
	errs.MisnamedYAML(fsys, name, "*.yaml")
	if err := sorted(errs); err != nil {
		return nil, err
	}
	return b, nil
}

// validLang reports whether s looks like a language code: 2 or 3 letters.
func validLang(s string) bool {
	if len(s) < 2 || len(s) > 3 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 'a' || s[i] > 'z' {
			return false
		}
	}
	return true
}

// clone returns a deep copy of b; a nil b gives an empty Bundle.
func (b *Bundle) clone() *Bundle {
	c := &Bundle{langs: make(map[string]*lang)}
	if b == nil {
		return c
	}
	for name, l := range b.langs {
		texts := make(map[string]entry, len(l.texts))
		for k, e := range l.texts {
			texts[k] = e
		}
		c.langs[name] = &lang{file: l.file, texts: texts}
	}
	return c
}

// overlay sets the owner's texts of one language over cur.
func overlay(cur *lang, name string, owner *lang) Errors {
	var errs Errors
	for key, e := range owner.texts {
		def, ok := cur.texts[key]
		if !ok {
			errs = append(errs, Error{File: e.file, Line: e.line, Msg: unknownKey(key, name, cur)})
			continue
		}
		got, want := placeholders(e.text), placeholders(def.text)
		if _, form := splitKey(key); form != "" {
			delete(got, "n")
			delete(want, "n")
		}
		if !sameSet(got, want) {
			errs = append(errs, Error{File: e.file, Line: e.line, Msg: fmt.Sprintf("%q: placeholders %s do not match the default %s", key, setString(got), setString(want))})
			continue
		}
		cur.texts[key] = e
	}
	return errs
}

// unknownKey explains why key is not a key of the language.
func unknownKey(key, name string, l *lang) string {
	base, form := splitKey(key)
	if _, ok := l.texts[base+".other"]; ok && form != "" {
		return fmt.Sprintf("plural form %q is not used in %s (it has %s)", form, name, strings.Join(pluralForms(name), ", "))
	}
	if _, ok := l.texts[key+".other"]; ok {
		forms := pluralForms(name)
		for i, f := range forms {
			forms[i] = key + "." + f
		}
		return fmt.Sprintf("%q is a plural key: set %s", key, strings.Join(forms, ", "))
	}
	keys := make([]string, 0, len(l.texts))
	for k := range l.texts {
		keys = append(keys, k)
	}
	return fmt.Sprintf("unknown key %q%s", key, ownerfile.Hint(key, keys))
}

// add adds a language that defaults lack; it must be complete.
func (b *Bundle) add(name string, l *lang) Errors {
	ref := b.langs["en"]
	if ref == nil {
		ref = &lang{file: "en.yaml"}
	}
	missing, errs := compare(ref, "en", l)
	errs = append(errs, checkForms(name, l)...)
	if len(missing) > 0 {
		eg := missing[:min(3, len(missing))]
		for i, k := range eg {
			eg[i] = fmt.Sprintf("%q", k)
		}
		errs = append(errs, Error{File: l.file, Msg: fmt.Sprintf("a new language needs every key: %d of %d missing (%s)",
			len(missing), len(groups(ref.texts)), strings.Join(eg, ", "))})
	}
	b.langs[name] = l
	return errs
}

// Langs returns the languages, sorted.
func (b *Bundle) Langs() []string {
	langs := make([]string, 0, len(b.langs))
	for l := range b.langs {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	return langs
}

// Has reports whether key is an English text ("menu.title") or plural key
// ("cart.items", when "cart.items.other" exists).
func (b *Bundle) Has(key string) bool {
	en := b.texts("en")
	if _, form := splitKey(key); form == "" {
		if _, ok := en[key]; ok {
			return true
		}
	}
	_, ok := en[key+".other"]
	return ok
}

// Placeholders returns the {names} the English text of key uses, sorted;
// for a plural key, those of all its forms except {n}, which N fills.
func (b *Bundle) Placeholders(key string) []string {
	names := map[string]bool{}
	for k, e := range b.texts("en") {
		if base, form := splitKey(k); k == key || form != "" && base == key {
			for n := range placeholders(e.text) {
				if form == "" || n != "n" {
					names[n] = true
				}
			}
		}
	}
	out := make([]string, 0, len(names))
	for n := range names {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Keys returns the English texts and plural keys, sorted: the keys Has
// reports.
func (b *Bundle) Keys() []string {
	var keys []string
	for k := range b.texts("en") {
		if base, form := splitKey(k); form == "" || form == "other" {
			keys = append(keys, base)
		}
	}
	sort.Strings(keys)
	return keys
}

// Printer returns a printer for lang, a language of b or a tag such as
// "ru-RU"; any other lang gives English.
func (b *Bundle) Printer(lang string) *Printer {
	l := lang
	if _, ok := b.langs[l]; !ok {
		l = baseLang(lang)
		if _, ok := b.langs[l]; !ok {
			l = "en"
		}
	}
	return &Printer{lang: l, texts: b.texts(l), en: b.texts("en")}
}

// texts returns the texts of language l, nil if there is none.
func (b *Bundle) texts(l string) map[string]entry {
	if b.langs[l] == nil {
		return nil
	}
	return b.langs[l].texts
}

// Check reports, as Errors, every key that a language lacks and another
// has, every key whose placeholders differ from English, every plain text
// that is plural in English or the other way round, and every plural key
// without the forms its language needs or with forms it never uses.
func (b *Bundle) Check() error {
	ref := b.langs["en"]
	if ref == nil {
		return Errors{{File: "locales", Msg: `no "en" texts`}}
	}
	errs := checkForms("en", ref)
	rg := groups(ref.texts)
	for _, name := range b.Langs() {
		if name == "en" {
			continue
		}
		l := b.langs[name]
		missing, es := compare(ref, "en", l)
		errs = append(errs, es...)
		for _, k := range missing {
			errs = append(errs, Error{File: l.file, Msg: fmt.Sprintf("missing key %q (%s:%d)", k, rg[k].file, rg[k].line)})
		}
		errs = append(errs, checkForms(name, l)...)
	}
	return sorted(errs)
}

// group is a key as a whole: a plain text or all forms of a plural key.
type group struct {
	plural bool
	names  map[string]bool  // placeholders of all forms; without "n" if plural
	forms  map[string]entry // plural form → text
	file   string
	line   int // the first line of the key
}

// groups returns the keys of texts as a whole, by base key.
func groups(texts map[string]entry) map[string]*group {
	gs := make(map[string]*group)
	for key, e := range texts {
		base, form := splitKey(key)
		g := gs[base]
		if g == nil {
			g = &group{names: make(map[string]bool), forms: make(map[string]entry), file: e.file, line: e.line}
			gs[base] = g
		}
		for n := range placeholders(e.text) {
			g.names[n] = true
		}
		if form != "" {
			g.plural = true
			g.forms[form] = e
		}
		if e.line < g.line {
			g.file, g.line = e.file, e.line
		}
	}
	for _, g := range gs {
		if g.plural {
			delete(g.names, "n")
		}
	}
	return gs
}

// compare checks l against the reference language ref (named refName): it
// returns the keys l lacks, sorted, and errors for keys ref lacks and keys
// whose kind or placeholders differ.
func compare(ref *lang, refName string, l *lang) (missing []string, errs Errors) {
	rg, lg := groups(ref.texts), groups(l.texts)
	refKeys := make([]string, 0, len(rg))
	for k := range rg {
		refKeys = append(refKeys, k)
		if lg[k] == nil {
			missing = append(missing, k)
		}
	}
	sort.Strings(missing)
	for k, g := range lg {
		r := rg[k]
		switch {
		case r == nil:
			errs = append(errs, Error{File: g.file, Line: g.line, Msg: fmt.Sprintf("unknown key %q: %s has no such key%s", k, refName, ownerfile.Hint(k, refKeys))})
		case g.plural != r.plural:
			kind := map[bool]string{false: "a plain text", true: "a plural key"}
			errs = append(errs, Error{File: g.file, Line: g.line, Msg: fmt.Sprintf("%q is %s here but %s in %s (%s:%d)", k, kind[g.plural], kind[r.plural], refName, r.file, r.line)})
		case !sameSet(g.names, r.names):
			errs = append(errs, Error{File: g.file, Line: g.line, Msg: fmt.Sprintf("%q: placeholders %s do not match %s in %s (%s:%d)", k, setString(g.names), setString(r.names), refName, r.file, r.line)})
		}
	}
	return missing, errs
}

// checkForms checks that each plural key of l has exactly the forms that
// language name needs.
func checkForms(name string, l *lang) Errors {
	var errs Errors
	need := pluralForms(name)
	for k, g := range groups(l.texts) {
		if !g.plural {
			continue
		}
		for _, f := range need {
			if _, ok := g.forms[f]; !ok {
				errs = append(errs, Error{File: g.file, Line: g.line, Msg: fmt.Sprintf("%q: missing plural form %q (%s needs %s)", k, f, name, strings.Join(need, ", "))})
			}
		}
		for f, e := range g.forms {
			if !contains(need, f) {
				errs = append(errs, Error{File: e.file, Line: e.line, Msg: fmt.Sprintf("plural form %q is not used in %s (it has %s)", f, name, strings.Join(need, ", "))})
			}
		}
	}
	return errs
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func sameSet(a, b map[string]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

// setString writes placeholder names as "{a} {b}", or "(none)".
func setString(set map[string]bool) string {
	if len(set) == 0 {
		return "(none)"
	}
	names := make([]string, 0, len(set))
	for n := range set {
		names = append(names, "{"+n+"}")
	}
	sort.Strings(names)
	return strings.Join(names, " ")
}
