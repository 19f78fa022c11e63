package locales

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"go.yaml.in/yaml/v3"

	"omnicart/ownerfile"
)

// Error is a problem at a line of a text file, printed "file:line: message";
// Errors is every problem found. They are the ownerfile package's types, so
// every owner file reports problems alike. Load and Check return Errors as
// the error value (not a pointer): get it back with errors.As(err, &errs)
// where errs is an Errors.
type (
	Error  = ownerfile.Error
	Errors = ownerfile.Errors
)

// sorted returns es sorted by file, line and message, or nil when it is
// empty. The message orders problems on one line, which are found in map
// order.
func sorted(es Errors) error {
	slices.SortFunc(es, func(a, b Error) int { return strings.Compare(a.Msg, b.Msg) })
	return es.Err()
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
// in errors. It returns every error, not only the first: when the file is
// not YAML, each top-level entry (a line at the left margin and the
// indented lines below it) is read on its own, so every broken entry is
// reported.
func parse(file string, data []byte) (map[string]entry, Errors) {
	texts := make(map[string]entry)
	var errs Errors
	if root, err := ownerfile.Parse(file, data); err == nil {
		readEntries(file, data, root, 0, texts, &errs)
	} else {
		for _, c := range entries(data) {
			root, err := ownerfile.Parse(file, c.data)
			if e, ok := err.(Error); ok {
				e.Line = min(max(e.Line, 1), c.lines) + c.off
				errs = append(errs, e)
				continue
			}
			readEntries(file, c.data, root, c.off, texts, &errs)
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
		errs.Add(file, texts[base].line, "%q is both a text and a plural key (see line %d)", base, l)
	}
	return texts, errs
}

// chunk is a part of a file: lines off+1 to off+lines.
type chunk struct {
	data       []byte
	off, lines int
}

// entries splits data before every line that starts at the left margin.
func entries(data []byte) []chunk {
	var cs []chunk
	for i, line := range bytes.SplitAfter(data, []byte("\n")) {
		if len(line) == 0 {
			break // after the last line break
		}
		if len(cs) == 0 || line[0] != ' ' && line[0] != '\t' {
			cs = append(cs, chunk{off: i})
		}
		c := &cs[len(cs)-1]
		c.data = append(c.data, line...)
		c.lines++
	}
	return cs
}

// readEntries reads the texts of root, the top node of data, whose first
// line is line off+1 of file.
func readEntries(file string, data []byte, root *yaml.Node, off int, texts map[string]entry, errs *Errors) {
	f := ownerfile.File{Name: file, Errs: errs}
	errorf := func(line int, format string, args ...any) { f.Errorf(line+off, format, args...) }
	switch {
	case root == nil:
		return
	case root.Kind == yaml.ScalarNode && strings.Contains(root.Value, ":"):
		errorf(root.Line, `expected a space after ":"`)
		return
	case root.Kind != yaml.MappingNode:
		errorf(root.Line, `expected "key: text"`)
		return
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		key := k.Value
		switch {
		case k.Kind != yaml.ScalarNode || k.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.TaggedStyle) != 0:
			w, _, _ := strings.Cut(written(data, k), ": ")
			errorf(k.Line, "invalid key %q: use lowercase letters, digits, _ and dots, like menu.title", w)
			continue
		case len(key) > maxKey:
			errorf(k.Line, "key longer than %d characters", maxKey)
			continue
		case !validKey(key):
			errorf(k.Line, "invalid key %q: use lowercase letters, digits, _ and dots, like menu.title", key)
			continue
		}
		val, msgs := text(data, k, v)
		for _, m := range msgs {
			errorf(m.line, "%s", m.msg)
		}
		switch {
		case len(msgs) > 0:
		case texts[key].line > 0:
			errorf(k.Line, "duplicate key %q (first on line %d)", key, texts[key].line)
		default:
			texts[key] = entry{val, file, k.Line + off}
		}
	}
}

// problem is a message at a line of a chunk.
type problem struct {
	line int
	msg  string
}

// text returns the text that v, the value of key k, holds, or the
// problems when v is anything but one text.
func text(data []byte, k, v *yaml.Node) (string, []problem) {
	key := k.Value
	missing := fmt.Sprintf(`missing text after "%s:" (write "" for an empty text; keys are flat: %s.name: text)`, key, key)
	switch {
	case v.Kind == yaml.MappingNode && v.Style&yaml.FlowStyle == 0:
		return "", []problem{{k.Line, missing}, {v.Line, `unexpected indentation: keys are flat, write "section.key: text" on one line`}}
	case v.Kind == yaml.SequenceNode && v.Style&yaml.FlowStyle == 0:
		return "", []problem{{k.Line, missing}, {v.Line, `unexpected indentation: keys are flat, write "section.key: text" on one line`}}
	case v.Kind != yaml.ScalarNode, v.Anchor != "", v.Style&yaml.TaggedStyle != 0:
		w := written(data, v)
		return "", []problem{{v.Line, fmt.Sprintf("text starting with %q must be in double quotes: %s", w[:1], quote(w))}}
	case v.Tag == "!!null" && v.Value == "":
		return "", []problem{{k.Line, missing}}
	case v.Tag == "!!null" && v.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) == 0:
		return "", []problem{{v.Line, fmt.Sprintf("text %s must be in double quotes (YAML reads it as nothing)", quote(v.Value))}}
	}
	for _, r := range v.Value {
		if r != '\n' && r != '\t' && (unicode.IsControl(r) || r == '\u2028' || r == '\u2029') {
			return "", []problem{{v.Line, fmt.Sprintf("invalid control character %U", r)}}
		}
	}
	return v.Value, nil
}

// written returns n as it is written in data: the rest of its first line
// without a trailing comment, or as much of it as there is.
func written(data []byte, n *yaml.Node) string {
	lines := strings.Split(string(data), "\n")
	if n.Line < 1 || n.Line > len(lines) {
		return n.Value
	}
	line := []rune(strings.TrimSuffix(lines[n.Line-1], "\r"))
	if n.Column < 1 || n.Column > len(line) {
		return n.Value
	}
	s := string(line[n.Column-1:])
	for i := 1; i < len(s); i++ {
		if s[i] == '#' && (s[i-1] == ' ' || s[i-1] == '\t') {
			s = s[:i]
			break
		}
	}
	if s = strings.TrimRight(s, " \t"); s == "" {
		return n.Value
	}
	return s
}

// maxKey is the longest key, well below YAML's limit of 1024.
const maxKey = 128

// quote writes s as a double-quoted YAML value.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '\\' || r == '"':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || r == '\ufeff':
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
