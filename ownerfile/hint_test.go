package ownerfile

import "testing"

func TestClosest(t *testing.T) {
	known := []string{"choose_pickup_point", "list_categories", "main", "menu.text", "menu.title"}
	tests := []struct {
		word, want string
		ok         bool
	}{
		{"choose_pikup_point", "choose_pickup_point", true}, // a letter missing
		{"mian", "main", true},                              // two letters swapped
		{"MENU.TXET", "menu.text", true},                    // case ignored
		{"menu.titel", "menu.title", true},
		{"checkout", "", false}, // nothing near
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := Closest(tt.word, known)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Closest(%q) = %q, %v; want %q, %v", tt.word, got, ok, tt.want, tt.ok)
		}
	}
	if h := Hint("mian", known); h != ` (did you mean "main"?)` {
		t.Errorf("Hint = %q", h)
	}
	if h := Hint("main", known); h != "" {
		t.Errorf("Hint of a known word = %q", h)
	}
}
