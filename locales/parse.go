package locales

import (
	"fmt"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Error is a problem at a position in a text file. Line is 0 when the
// problem concerns the whole file (a missing key, an unreadable file).
type Error struct {
	File string
	Line int
	Msg  string
}

// Error returns "file:line: msg", or "file: msg" when Line is 0.
func (e Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return e.File + ": " + e.Msg
}

// Errors is every problem found, sorted by file and line. Load and Check
// return it as the error value (not a pointer): get it back with
// errors.As(err, &errs) where errs is an Errors.
type Errors []Error

// Error returns the errors one per line.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// err returns es sorted, or nil when it is empty.
func (es Errors) err() error {
	if len(es) == 0 {
		return nil
	}
	sort.SliceStable(es, func(i, j int) bool {
		a, b := es[i], es[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Msg < b.Msg
	})
	return es
}

// entry is one text with the position it came from.
type entry struct {
	text string
	file string
	line int
}

// isPluralForm reports whether s is a CLDR plural category.
func isPluralForm(s string) bool {
	switch s {
	case "zero", "one", "two", "few", "many", "other":
		return true
	}
	return false
}

// splitKey splits a plural form key "cart.items.one" into its base
// "cart.items" and form "one"; other keys come back whole with form "".
func splitKey(key string) (base, form string) {
	if i := strings.LastIndexByte(key, '.'); i > 0 && isPluralForm(key[i+1:]) {
		return key[:i], key[i+1:]
	}
	return key, ""
}

// validKey reports whether key is a dotted identifier like "menu.title".
func validKey(key string) bool {
	for _, part := range strings.Split(key, ".") {
		if part == "" {
			return false
		}
		for i := 0; i < len(part); i++ {
			c := part[i]
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_') {
				return false
			}
		}
	}
	return true
}

// parse reads a text file (see the package doc for the format) named file
// in errors. It returns every error, not only the first.
func parse(file string, data []byte) (map[string]entry, Errors) {
	texts := make(map[string]entry)
	var errs Errors
	src := strings.TrimPrefix(string(data), "\ufeff")
	for i, line := range strings.Split(src, "\n") {
		n := i + 1
		key, val, msg := parseLine(strings.TrimSuffix(line, "\r"))
		switch {
		case msg != "":
			errs = append(errs, Error{file, n, msg})
		case key == "":
		case texts[key].line > 0:
			errs = append(errs, Error{file, n, fmt.Sprintf("duplicate key %q (first on line %d)", key, texts[key].line)})
		default:
			texts[key] = entry{val, file, n}
		}
	}
	// A key is either a text or a plural base, never both.
	firstForm := make(map[string]int)
	for key, e := range texts {
		base, form := splitKey(key)
		if form == "" || texts[base].line == 0 {
			continue
		}
		if l, ok := firstForm[base]; !ok || e.line < l {
			firstForm[base] = e.line
		}
	}
	for base, l := range firstForm {
		errs = append(errs, Error{file, texts[base].line, fmt.Sprintf("%q is both a text and a plural key (see line %d)", base, l)})
	}
	return texts, errs
}

// parseLine reads one line: key and val for "key: value", an empty key for a
// blank or comment line, or an error message.
func parseLine(line string) (key, val, msg string) {
	if !utf8.ValidString(line) {
		return "", "", "invalid UTF-8"
	}
	for _, r := range line {
		if unicode.IsControl(r) && r != '\t' {
			return "", "", fmt.Sprintf("invalid control character %U", r)
		}
	}
	trimmed := strings.TrimLeft(line, " \t")
	if trimmed == "" || trimmed[0] == '#' {
		return "", "", ""
	}
	if len(trimmed) < len(line) {
		return "", "", `unexpected indentation: keys are flat, write "section.key: text" on one line`
	}
	colon := strings.IndexByte(line, ':')
	if colon < 0 {
		return "", "", `expected "key: text"`
	}
	key = strings.TrimRight(line[:colon], " \t")
	if len(key) > maxKey {
		return "", "", fmt.Sprintf("key longer than %d characters", maxKey)
	}
	if !validKey(key) {
		return "", "", fmt.Sprintf("invalid key %q: use lowercase letters, digits, _ and dots, like menu.title", key)
	}
	rest := line[colon+1:]
	if rest != "" && rest[0] != ' ' && rest[0] != '\t' {
		return "", "", `expected a space after ":"`
	}
	rest = strings.TrimLeft(rest, " \t")
	if rest == "" || rest[0] == '#' {
		return "", "", fmt.Sprintf(`missing text after "%s:" (write "" for an empty text; keys are flat: %s.name: text)`, key, key)
	}
	switch rest[0] {
	case '"':
		val, msg = parseDoubleQuoted(rest)
	case '\'':
		val, msg = parseSingleQuoted(rest)
	default:
		val, msg = parsePlain(rest)
	}
	if msg != "" {
		return "", "", msg
	}
	return key, val, ""
}

// maxKey is the longest key, well below YAML's limit of 1024.
const maxKey = 128

const unterminated = `unterminated quoted text (the closing quote must be on the same line; write \n for a line break)`

// parseDoubleQuoted reads "text" with the escapes \n, \" and \\.
func parseDoubleQuoted(s string) (string, string) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			if i+1 == len(s) {
				return "", unterminated
			}
			i++
			switch s[i] {
			case 'n':
				b.WriteByte('\n')
			case '"', '\\':
				b.WriteByte(s[i])
			default:
				r, _ := utf8.DecodeRuneInString(s[i:])
				return "", fmt.Sprintf(`invalid escape "\%c" (use \n, \" or \\)`, r)
			}
		case '"':
			return b.String(), afterQuote(s[i+1:], `write \" for a quote inside`)
		default:
			b.WriteByte(c)
		}
	}
	return "", unterminated
}

// parseSingleQuoted reads 'text', where two single quotes stand for one.
func parseSingleQuoted(s string) (string, string) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		if s[i] != '\'' {
			b.WriteByte(s[i])
			continue
		}
		if i+1 < len(s) && s[i+1] == '\'' {
			b.WriteByte('\'')
			i++
			continue
		}
		return b.String(), afterQuote(s[i+1:], `write '' for a quote inside`)
	}
	return "", unterminated
}

// afterQuote checks what follows a closing quote: nothing, or a comment.
func afterQuote(rest, hint string) string {
	t := strings.TrimLeft(rest, " \t")
	if t == "" || t[0] == '#' && len(t) < len(rest) {
		return ""
	}
	return "unexpected text after the closing quote (" + hint + ")"
}

// parsePlain reads an unquoted value up to a " #" comment, rejecting what
// YAML would read as something other than text.
func parsePlain(s string) (string, string) {
	for i := 1; i < len(s); i++ {
		if s[i] == '#' && (s[i-1] == ' ' || s[i-1] == '\t') {
			s = s[:i]
			break
		}
	}
	s = strings.TrimRight(s, " \t")
	switch c := s[0]; {
	case c == '|' || c == '>':
		return "", `multi-line blocks (| and >) are not supported: write one line in double quotes with \n for line breaks`
	case strings.IndexByte("{}[],&*!%@`", c) >= 0,
		strings.IndexByte("-?:", c) >= 0 && (len(s) == 1 || s[1] == ' ' || s[1] == '\t'):
		return "", fmt.Sprintf("text starting with %q must be in double quotes: %s", s[:1], quote(s))
	case s == "~" || s == "null" || s == "Null" || s == "NULL":
		return "", fmt.Sprintf("text %s must be in double quotes (YAML reads it as nothing)", quote(s))
	case strings.Contains(s, ": ") || strings.Contains(s, ":\t") || strings.HasSuffix(s, ":"):
		return "", fmt.Sprintf(`text containing ":" followed by a space must be in double quotes: %s`, quote(s))
	}
	return s, ""
}

// quote writes s as a double-quoted value.
func quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}
