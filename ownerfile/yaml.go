package ownerfile

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// File is one owner file being read: its name as shown in errors and the
// list its problems go to. Its methods read YAML nodes and report what is
// wrong with them at their lines.
type File struct {
	Name string
	Errs *Errors
}

// Errorf reports a problem at line (0 for the whole file).
func (f File) Errorf(line int, format string, args ...any) {
	f.Errs.Add(f.Name, line, format, args...)
}

// Parse parses data as one YAML document and returns its top node, nil for
// an empty file; ok is false, and the mistake reported at its line, when
// data is not YAML or holds more than one document.
func (f File) Parse(data []byte) (root *yaml.Node, ok bool) {
	root, err := Parse(f.Name, data)
	if err != nil {
		*f.Errs = append(*f.Errs, err.(Error))
		return nil, false
	}
	return root, true
}

// Parse parses data, the content of file, as one YAML document and returns
// its top node, nil for an empty file. When data is not YAML or holds more
// than one document, the error is an Error at the line of the mistake.
func Parse(file string, data []byte) (*yaml.Node, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	err := dec.Decode(&doc)
	if err == nil {
		var next yaml.Node
		if err = dec.Decode(&next); err == nil {
			return nil, Error{file, next.Line, "a second YAML document (---): keep one per file"}
		}
	}
	if err != nil && !errors.Is(err, io.EOF) {
		line, msg := syntaxError(err)
		// The mistake is never above the line the parser reports.
		if n := firstBadLine(data, err); n >= line {
			line = n
		}
		return nil, Error{file, line, msg}
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	return doc.Content[0], nil
}

// firstBadLine returns the line of the mistake that makes the YAML in data
// fail with err: the end of the shortest start of data that fails with the
// same error, 0 if none does. The YAML parser reports the line where the
// enclosing block starts, which may be far above the mistake. A start that
// ends inside a flow list or a quoted text spanning several lines fails
// differently, so it does not count.
func firstBadLine(data []byte, err error) int {
	lines := bytes.SplitAfter(data, []byte("\n"))
	failsSame := func(n int) bool {
		dec := yaml.NewDecoder(bytes.NewReader(bytes.Join(lines[:n], nil)))
		for {
			var doc yaml.Node
			if e := dec.Decode(&doc); e != nil {
				return !errors.Is(e, io.EOF) && e.Error() == err.Error()
			}
		}
	}
	n := sort.Search(len(lines), func(i int) bool { return failsSame(i + 1) })
	if n == len(lines) {
		return 0
	}
	return n + 1
}

// syntaxError splits a YAML syntax error into its line and message.
func syntaxError(err error) (int, string) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		num, text, ok := strings.Cut(rest, ": ")
		if n, err := strconv.Atoi(num); ok && err == nil {
			line, msg = n, text
		}
	}
	switch {
	case msg == "mapping values are not allowed in this context":
		msg += ` (put a text with ": " in quotes)`
	case msg == "block sequence entries are not allowed in this context":
		msg += ` (put a text starting with "- " in quotes)`
	case strings.HasPrefix(msg, "unknown anchor"):
		msg += ` (put a text starting with "*" in quotes)`
	case msg == "found unknown escape character":
		msg += ` (in "double quotes" write \n, \" or \\; or use 'single quotes')`
	case msg == "found unexpected end of stream":
		msg += " (is a quote or a bracket not closed?)"
	case msg == "did not find expected key":
		msg += " (check the indentation, and quote a text that starts with a quote, { or [ whole)"
	case msg == "invalid leading UTF-8 octet" || msg == "invalid trailing UTF-8 octet":
		msg += " (save the file as UTF-8)"
	}
	return line, "YAML: " + msg
}

// Resolve follows aliases (*name) to the node they stand for.
func Resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	return n
}

// Absent reports whether n is missing or null.
func Absent(n *yaml.Node) bool {
	return n == nil || n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// Lookup returns the value of key in the mapping n, or nil.
func Lookup(n *yaml.Node, key string) *yaml.Node {
	n = Resolve(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return Resolve(n.Content[i+1])
		}
	}
	return nil
}

// Scalar returns the text of a scalar node, "" for anything else.
func Scalar(n *yaml.Node) string {
	n = Resolve(n)
	if Absent(n) || n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}

// Fields returns the values of mapping n by key, reporting keys that are
// not in known (with a did-you-mean hint) and keys given twice; ok is false,
// and the problem reported unless n is nil, when n is not a mapping. ctx
// starts every message ("product \"A\": "); want says what was expected
// instead of something else ("a product like {sku: ...}").
func (f File) Fields(n *yaml.Node, ctx, want string, known ...string) (map[string]*yaml.Node, bool) {
	n = Resolve(n)
	if n == nil || n.Kind != yaml.MappingNode {
		if n != nil {
			f.Errorf(n.Line, "%sexpected %s", ctx, want)
		}
		return nil, false
	}
	m := make(map[string]*yaml.Node, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], Resolve(n.Content[i+1])
		switch {
		case !slices.Contains(known, k.Value):
			f.Errorf(k.Line, "%sunknown field %q%s", ctx, k.Value, HintOrList(k.Value, known, "known fields"))
		case m[k.Value] != nil:
			f.Errorf(k.Line, "%s%s given twice", ctx, k.Value)
		default:
			m[k.Value] = v
		}
	}
	return m, true
}

// List returns the items of the sequence n, aliases resolved; nil when n
// is absent. Anything else is reported as "<ctx><field>: expected a list,
// like <example>".
func (f File) List(n *yaml.Node, ctx, field, example string) []*yaml.Node {
	if Absent(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		f.Errorf(n.Line, "%s%s: expected a list, like %s", ctx, field, example)
		return nil
	}
	items := make([]*yaml.Node, len(n.Content))
	for i, c := range n.Content {
		items[i] = Resolve(c)
	}
	return items
}
