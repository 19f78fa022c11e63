package flows

import (
	"testing"
	"time"

	"omnicart/locales"
)

func TestDaysAfter(t *testing.T) {
	msk, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		from, d time.Time
		want    int
	}{
		{time.Date(2026, 11, 20, 10, 0, 0, 0, msk), time.Date(2026, 11, 20, 0, 0, 0, 0, msk), 0},
		{time.Date(2026, 11, 20, 23, 59, 0, 0, msk), time.Date(2026, 11, 21, 0, 0, 0, 0, msk), 1},
		{time.Date(2026, 12, 31, 10, 0, 0, 0, msk), time.Date(2027, 1, 1, 0, 0, 0, 0, msk), 1},
		{time.Date(2026, 12, 31, 10, 0, 0, 0, msk), time.Date(2027, 1, 2, 0, 0, 0, 0, msk), 2},
		{time.Date(2028, 2, 28, 10, 0, 0, 0, msk), time.Date(2028, 3, 1, 0, 0, 0, 0, msk), 2}, // a leap year
		{time.Date(2027, 1, 1, 10, 0, 0, 0, msk), time.Date(2026, 12, 31, 0, 0, 0, 0, msk), -1},
		{time.Date(2026, 12, 31, 10, 0, 0, 0, msk), time.Date(2027, 12, 31, 0, 0, 0, 0, msk), 365},
	} {
		if got := daysAfter(tc.from, tc.d); got != tc.want {
			t.Errorf("daysAfter(%s, %s) = %d, want %d", tc.from, tc.d, got, tc.want)
		}
	}
}

// TestDayLabelNewYear: on 31 December (in the shop's zone) 1 January is
// tomorrow, in both languages.
func TestDayLabelNewYear(t *testing.T) {
	msk, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		t.Fatal(err)
	}
	texts := locales.Default()
	for _, tc := range []struct {
		lang      string
		now       time.Time
		day, want string
	}{
		{"ru", time.Date(2026, 12, 31, 10, 0, 0, 0, time.UTC), "2027-01-01", "Завтра, 01.01"},
		{"en", time.Date(2026, 12, 31, 10, 0, 0, 0, time.UTC), "2027-01-01", "Tomorrow, 1 Jan"},
		{"en", time.Date(2026, 12, 31, 10, 0, 0, 0, time.UTC), "2026-12-31", "Today, 31 Dec"},
		{"en", time.Date(2026, 12, 31, 10, 0, 0, 0, time.UTC), "2027-01-02", "Sat, 2 Jan"},
		// 21:30 UTC on 31 December is already 1 January in Moscow.
		{"en", time.Date(2026, 12, 31, 21, 30, 0, 0, time.UTC), "2027-01-02", "Tomorrow, 2 Jan"},
	} {
		c := &Ctx{P: texts.Printer(tc.lang), Shop: &Shop{Zone: msk}, Now: tc.now}
		d, _ := time.ParseInLocation(time.DateOnly, tc.day, msk)
		if got := dayLabel(c, d); got != tc.want {
			t.Errorf("%s at %s: dayLabel(%s) = %q, want %q", tc.lang, tc.now, tc.day, got, tc.want)
		}
	}
}
