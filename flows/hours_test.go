package flows_test

import (
	"testing"
	"time"

	"omnicart/flows"
)

// Support hours: "10:00-19:00" on the days named; days without hours are
// those days all day; nothing is always.
func TestParseHours(t *testing.T) {
	moscow := time.FixedZone("MSK", 3*3600)
	sat := time.Date(2026, 11, 28, 15, 0, 0, 0, moscow) // a Saturday afternoon
	tests := []struct {
		hours    string
		days     []string
		at       time.Time
		open     bool
		nextOpen time.Time
	}{
		{"", nil, sat, true, sat},
		{"10:00-19:00", nil, sat, true, sat},
		{"10:00-14:00", nil, sat, false, time.Date(2026, 11, 29, 10, 0, 0, 0, moscow)},
		{"10:00-19:00", []string{"mon", "Tuesday"}, sat, false, time.Date(2026, 11, 30, 10, 0, 0, 0, moscow)},
		{"", []string{"mon", "fri"}, sat, false, time.Date(2026, 11, 30, 0, 0, 0, 0, moscow)},
		{"", []string{"sat"}, sat, true, sat},
	}
	for _, tt := range tests {
		h, err := flows.ParseHours(tt.hours, tt.days)
		if err != nil {
			t.Fatalf("%q %v: %v", tt.hours, tt.days, err)
		}
		open, at := h.Next(tt.at, moscow)
		if open != tt.open || !at.Equal(tt.nextOpen) {
			t.Errorf("%q %v at %v: open %v next %v, want %v %v", tt.hours, tt.days, tt.at, open, at, tt.open, tt.nextOpen)
		}
	}
	for _, bad := range [][2]string{{"9-18", ""}, {"19:00-10:00", ""}, {"10:00-25:00", ""}, {"", "funday"}} {
		var days []string
		if bad[1] != "" {
			days = []string{bad[1]}
		}
		if _, err := flows.ParseHours(bad[0], days); err == nil {
			t.Errorf("%q %v accepted", bad[0], days)
		}
	}
}
