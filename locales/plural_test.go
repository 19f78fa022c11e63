package locales

import "testing"

func TestPlural(t *testing.T) {
	tests := []struct {
		lang string
		n    int
		want string
	}{
		{"ru", 1, "one"}, {"ru", 2, "few"}, {"ru", 5, "many"}, {"ru", 11, "many"},
		{"ru", 12, "many"}, {"ru", 14, "many"}, {"ru", 21, "one"}, {"ru", 22, "few"},
		{"ru", 25, "many"}, {"ru", 111, "many"}, {"ru", 112, "many"}, {"ru", 101, "one"},
		{"ru", 104, "few"}, {"ru", 0, "many"}, {"ru", -1, "one"}, {"ru-RU", 3, "few"},
		{"en", 1, "one"}, {"en", 0, "other"}, {"en", 2, "other"}, {"en", 11, "other"},
		{"en", 21, "other"}, {"en", -1, "one"}, {"en-GB", 1, "one"}, {"de", 1, "one"}, {"", 5, "other"},
	}
	for _, tt := range tests {
		if got := Plural(tt.lang, tt.n); got != tt.want {
			t.Errorf("Plural(%q, %d) = %q, want %q", tt.lang, tt.n, got, tt.want)
		}
	}
}

func TestMatch(t *testing.T) {
	tests := map[string]string{
		"ru": "ru", "ru-RU": "ru", "RU": "ru", "ru_RU": "ru", "en": "en", "en-GB": "en",
		" en-US ": "en", "de": "", "de-DE": "", "": "", "-": "", "rus": "",
	}
	for in, want := range tests {
		if got := Match(in); got != want {
			t.Errorf("Match(%q) = %q, want %q", in, got, want)
		}
	}
}
