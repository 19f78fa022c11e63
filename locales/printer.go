package locales

import (
	"fmt"
	"strings"
)

// Printer prints the texts of one language, falling back to English.
type Printer struct {
	lang  string
	texts map[string]entry
	en    map[string]entry
}

// Lang returns the printer's language.
func (p *Printer) Lang() string { return p.lang }

// T returns the text for key with its {name} placeholders filled from args,
// which are name/value pairs: T("cart.total", "total", "890 ₽"). Values are
// printed with fmt.Sprint. A key missing in the printer's language comes
// from English, and a key missing there too comes back as the key itself.
// Placeholders without a value stay as they are; a trailing odd arg and
// non-string names are ignored.
func (p *Printer) T(key string, args ...any) string {
	e, ok := p.texts[key]
	if !ok {
		e, ok = p.en[key]
	}
	if !ok {
		return key
	}
	return fill(e.text, args)
}

// N returns the plural form of key for the count n ("cart.items.few" for 3
// in Russian), with {n} filled with n unless args name "n" themselves. A
// language without the form falls back to its "other" form, then to
// English, then to a plain text named key, then to key itself.
func (p *Printer) N(key string, n int, args ...any) string {
	args = append(args[:len(args)&^1:len(args)&^1], "n", n)
	for _, l := range []struct {
		lang  string
		texts map[string]entry
	}{{p.lang, p.texts}, {"en", p.en}} {
		if e, ok := l.texts[key+"."+Plural(l.lang, n)]; ok {
			return fill(e.text, args)
		}
		if e, ok := l.texts[key+".other"]; ok {
			return fill(e.text, args)
		}
	}
	return p.T(key, args...)
}

// fill replaces each {name} in s with the value named name in args.
func fill(s string, args []any) string {
	if strings.IndexByte(s, '{') < 0 {
		return s
	}
	return scan(s, func(name string) (string, bool) {
		for i := 0; i+1 < len(args); i += 2 {
			if k, ok := args[i].(string); ok && k == name {
				return fmt.Sprint(args[i+1]), true
			}
		}
		return "", false
	})
}

// placeholders returns the set of placeholder names in s.
func placeholders(s string) map[string]bool {
	names := make(map[string]bool)
	scan(s, func(name string) (string, bool) {
		names[name] = true
		return "", false
	})
	return names
}

// scan returns s with each placeholder {name} (letters, digits and _)
// replaced by what value returns for it, or kept when value returns false.
func scan(s string, value func(name string) (string, bool)) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			break
		}
		j := i + 1
		for j < len(s) && isNameByte(s[j]) {
			j++
		}
		if j == i+1 || j == len(s) || s[j] != '}' {
			b.WriteString(s[:j])
			s = s[j:]
			continue
		}
		b.WriteString(s[:i])
		if v, ok := value(s[i+1 : j]); ok {
			b.WriteString(v)
		} else {
			b.WriteString(s[i : j+1])
		}
		s = s[j+1:]
	}
	b.WriteString(s)
	return b.String()
}

func isNameByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_'
}
