package main

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"

	"omnicart/ownerfile"
)

// Where a config error is: the file and line of a TOML error or of an
// unknown key, and a did-you-mean hint for a misspelt key.

// tomlLine matches the errors toml returns as plain text.
var tomlLine = regexp.MustCompile(`^toml: line (\d+)(?: \(last key "([^"]*)"\))?: (.*)$`)

// decodeError turns a toml error into "file:line: message".
func decodeError(path string, err error) error {
	var line int
	var key, msg string
	var pe toml.ParseError
	if errors.As(err, &pe) {
		line, key, msg = pe.Position.Line, pe.LastKey, pe.Message
	} else if m := tomlLine.FindStringSubmatch(err.Error()); m != nil {
		line, _ = strconv.Atoi(m[1])
		key, msg = m[2], m[3]
	} else {
		return fmt.Errorf("%s: %w", path, err)
	}
	if key != "" && !strings.Contains(msg, key) {
		msg = key + ": " + msg
	}
	return fmt.Errorf("%s: %s", position(path, line), msg)
}

// keyHint returns a "did you mean" hint for the first part of the unknown
// key that its table does not have, against the keys that table has.
func keyHint(key toml.Key) string {
	t := reflect.TypeFor[Config]()
	for _, part := range key {
		if t.Kind() != reflect.Struct {
			return ""
		}
		var known []string
		var next reflect.Type
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
			if name == "" {
				continue
			}
			known = append(known, name)
			if name == part {
				next = f.Type
			}
		}
		if next == nil {
			return ownerfile.Hint(part, known)
		}
		t = next
	}
	return ""
}

func position(path string, line int) string {
	if line > 0 {
		return path + ":" + strconv.Itoa(line)
	}
	return path
}

func hasPrefix(key toml.Key, prefixes []toml.Key) bool {
	for _, p := range prefixes {
		if len(p) < len(key) && equalKeys(key[:len(p)], p) {
			return true
		}
	}
	return false
}

func equalKeys(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// keyLine returns the line of src where key is set or its table begins,
// else the line of the longest enclosing key found (an inline table), else 0.
// It reads [table] headers and "key = value" lines; a key inside a
// multi-line string may be mistaken for a real one.
func keyLine(src string, key toml.Key) int {
	var table []string
	best, bestLen := 0, 0
	for i, line := range strings.Split(src, "\n") {
		line = strings.TrimSpace(line)
		var path []string
		switch {
		case strings.HasPrefix(line, "["):
			name := strings.Trim(line, "[")
			if end := strings.IndexByte(name, ']'); end >= 0 {
				name = name[:end]
			}
			table = splitTOMLKey(name)
			path = table
		case strings.Contains(line, "=") && !strings.HasPrefix(line, "#"):
			left, _, _ := strings.Cut(line, "=")
			path = append(append([]string(nil), table...), splitTOMLKey(left)...)
		default:
			continue
		}
		if equalKeys(path, key) {
			return i + 1
		}
		if len(path) > bestLen && len(path) < len(key) && equalKeys(path, key[:len(path)]) {
			best, bestLen = i+1, len(path)
		}
	}
	return best
}

// splitTOMLKey splits a dotted key such as `a."b.c" . d` into its parts.
func splitTOMLKey(s string) []string {
	var parts []string
	var cur strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"', '\'':
			end := strings.IndexByte(s[i+1:], c)
			if end < 0 {
				end = len(s) - i - 1
			}
			cur.WriteString(s[i+1 : i+1+end])
			i += end + 1
		case '.':
			parts = append(parts, strings.TrimSpace(cur.String()))
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	return append(parts, strings.TrimSpace(cur.String()))
}
