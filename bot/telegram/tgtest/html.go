package tgtest

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// htmlTags are the tags Telegram's HTML parse mode supports.
var htmlTags = map[string]bool{
	"b": true, "strong": true, "i": true, "em": true, "u": true, "ins": true,
	"s": true, "strike": true, "del": true, "span": true, "tg-spoiler": true,
	"a": true, "code": true, "pre": true, "blockquote": true, "tg-emoji": true,
}

// parseHTML parses text in Telegram's HTML parse mode and returns what the
// user sees and how many entities (tags) it had. It is stricter than
// Telegram in one way the Bot API documentation asks for: every '<' and '&'
// that is not part of a tag or an entity is an error.
func parseHTML(s string) (string, int, error) {
	var b strings.Builder
	var open []string
	tags := 0
	for i := 0; i < len(s); {
		switch s[i] {
		case '&':
			r, n, ok := htmlEntity(s[i:])
			if !ok {
				return "", 0, fmt.Errorf("Character '&' at byte offset %d does not begin an HTML entity; escape it as &amp;", i)
			}
			b.WriteRune(r)
			i += n
		case '<':
			if strings.HasPrefix(s[i:], "</") {
				end := strings.IndexByte(s[i:], '>')
				if end < 0 {
					return "", 0, fmt.Errorf("Unclosed end tag at byte offset %d", i)
				}
				name := strings.ToLower(strings.TrimSpace(s[i+2 : i+end]))
				if len(open) == 0 {
					return "", 0, fmt.Errorf("Unexpected end tag at byte offset %d", i)
				}
				if top := open[len(open)-1]; name != top {
					return "", 0, fmt.Errorf("Unmatched end tag at byte offset %d, expected \"</%s>\", found \"</%s>\"", i, top, name)
				}
				open = open[:len(open)-1]
				i += end + 1
				continue
			}
			j := i + 1
			for j < len(s) && isNameByte(s[j]) {
				j++
			}
			name := strings.ToLower(s[i+1 : j])
			if name == "" {
				return "", 0, fmt.Errorf("Character '<' at byte offset %d does not begin a tag; escape it as &lt;", i)
			}
			if !htmlTags[name] {
				return "", 0, fmt.Errorf("Unsupported start tag %q at byte offset %d", name, i)
			}
			attrs, next, err := parseAttrs(s, j, name, i)
			if err != nil {
				return "", 0, err
			}
			switch {
			case name == "span" && attrs["class"] != "tg-spoiler":
				return "", 0, fmt.Errorf("Tag \"span\" must have class \"tg-spoiler\" at byte offset %d", i)
			case name == "tg-emoji" && attrs["emoji-id"] == "":
				return "", 0, fmt.Errorf("Tag \"tg-emoji\" must have attribute \"emoji-id\" at byte offset %d", i)
			}
			open = append(open, name)
			tags++
			i = next
		default:
			b.WriteByte(s[i])
			i++
		}
	}
	if len(open) > 0 {
		return "", 0, fmt.Errorf("Can't find end tag corresponding to start tag %q", open[len(open)-1])
	}
	return b.String(), tags, nil
}

// parseAttrs reads the attributes of the tag starting at tagAt from s[i:]
// through its '>' and returns them with the offset after the '>'.
func parseAttrs(s string, i int, tag string, tagAt int) (map[string]string, int, error) {
	attrs := map[string]string{}
	unclosed := fmt.Errorf("Unclosed start tag %q at byte offset %d", tag, tagAt)
	for {
		i = skipSpace(s, i)
		if i >= len(s) {
			return nil, 0, unclosed
		}
		if s[i] == '>' {
			return attrs, i + 1, nil
		}
		j := i
		for j < len(s) && isNameByte(s[j]) {
			j++
		}
		if j == i {
			return nil, 0, fmt.Errorf("Unexpected character %q in the tag %q at byte offset %d", s[i], tag, i)
		}
		name, value := strings.ToLower(s[i:j]), ""
		i = skipSpace(s, j)
		if i < len(s) && s[i] == '=' {
			i = skipSpace(s, i+1)
			if i >= len(s) {
				return nil, 0, unclosed
			}
			if q := s[i]; q == '"' || q == '\'' {
				end := strings.IndexByte(s[i+1:], q)
				if end < 0 {
					return nil, 0, unclosed
				}
				v, err := unescapeHTML(s[i+1:i+1+end], i+1)
				if err != nil {
					return nil, 0, err
				}
				value, i = v, i+end+2
			} else {
				j := i
				for j < len(s) && s[j] != '>' && !isSpace(s[j]) {
					j++
				}
				v, err := unescapeHTML(s[i:j], i)
				if err != nil {
					return nil, 0, err
				}
				value, i = v, j
			}
		}
		attrs[name] = value
	}
}

// unescapeHTML decodes the entities of an attribute value found at offset at.
func unescapeHTML(s string, at int) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] != '&' {
			b.WriteByte(s[i])
			i++
			continue
		}
		r, n, ok := htmlEntity(s[i:])
		if !ok {
			return "", fmt.Errorf("Character '&' at byte offset %d does not begin an HTML entity; escape it as &amp;", at+i)
		}
		b.WriteRune(r)
		i += n
	}
	return b.String(), nil
}

// htmlEntity decodes the entity at the start of s ("&lt;", "&#39;",
// "&#x1F600;"): the named ones Telegram supports and every numeric one.
func htmlEntity(s string) (rune, int, bool) {
	semi := strings.IndexByte(s, ';')
	if semi < 2 || semi > 10 {
		return 0, 0, false
	}
	name := s[1:semi]
	switch name {
	case "lt":
		return '<', semi + 1, true
	case "gt":
		return '>', semi + 1, true
	case "amp":
		return '&', semi + 1, true
	case "quot":
		return '"', semi + 1, true
	}
	num, ok := strings.CutPrefix(name, "#")
	if !ok || num == "" {
		return 0, 0, false
	}
	base := 10
	if hex, ok := strings.CutPrefix(strings.ToLower(num), "x"); ok {
		num, base = hex, 16
	}
	n, err := strconv.ParseUint(num, base, 32)
	if err != nil || n == 0 || !utf8.ValidRune(rune(n)) {
		return 0, 0, false
	}
	return rune(n), semi + 1, true
}

func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipSpace(s string, i int) int {
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	return i
}

// utf16Len counts UTF-16 code units, the way Telegram measures text.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}
