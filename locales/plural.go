package locales

import "strings"

// Plural returns the CLDR plural category of the integer n in lang: for
// Russian "one" (1, 21, 101), "few" (2–4, 22–24) or "many" (0, 5–20, 25);
// for English and every other language "one" for 1 and "other" otherwise.
// lang may be a tag such as "ru-RU".
func Plural(lang string, n int) string {
	if n < 0 {
		n = -n // math.MinInt stays negative and falls through to many/other
	}
	if baseLang(lang) == "ru" {
		switch d, dd := n%10, n%100; {
		case d == 1 && dd != 11:
			return "one"
		case d >= 2 && d <= 4 && (dd < 12 || dd > 14):
			return "few"
		}
		return "many"
	}
	if n == 1 {
		return "one"
	}
	return "other"
}

// pluralForms returns the plural forms a language's texts must have.
func pluralForms(lang string) []string {
	if baseLang(lang) == "ru" {
		return []string{"one", "few", "many", "other"}
	}
	return []string{"one", "other"}
}

// Match returns the built-in language ("en" or "ru") for a language tag such
// as "ru-RU", "ru" or "en_GB", or "" when there is none and the caller picks
// its default.
func Match(lang string) string {
	switch l := baseLang(strings.TrimSpace(lang)); l {
	case "en", "ru":
		return l
	}
	return ""
}

// baseLang returns the lowercase primary subtag of a language tag.
func baseLang(tag string) string {
	if i := strings.IndexAny(tag, "-_"); i >= 0 {
		tag = tag[:i]
	}
	return strings.ToLower(tag)
}
