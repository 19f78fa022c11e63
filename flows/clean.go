package flows

import (
	"strings"
	"unicode"
)

// cleanSource keeps a deep-link payload as Telegram allows it: up to 64 of
// A-Z, a-z, 0-9, _ and -.
func cleanSource(s string) string {
	if len(s) > 64 {
		s = s[:64]
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') && (r < '0' || r > '9') && r != '_' && r != '-' {
			return ""
		}
	}
	return s
}

// clean drops what a person cannot see or type from shopper text: control
// characters (but line breaks and tabs), zero-width and direction marks,
// invalid UTF-8; and trims spaces.
func clean(s string) string {
	if s == "" {
		return s
	}
	s = strings.ToValidUTF8(s, "")
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return r
		}
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}
