package catalog

import (
	"fmt"
	"strconv"
	"strings"
)

// period is a calendar length written as a whole number and a unit:
// 21d (days), 3w (weeks), 12mo (months), 1y (years).
type period struct {
	n    int
	unit string // "d", "w", "mo" or "y"
}

const periodHelp = "write a whole number and d, w, mo or y, like 21d, 3w, 12mo, 1y"

// parsePeriod reads a period such as "21d" or "12mo".
func parsePeriod(s string) (period, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	i := strings.IndexFunc(t, func(r rune) bool { return r < '0' || r > '9' })
	if i > 0 {
		n, err := strconv.Atoi(t[:i])
		unit := strings.TrimSpace(t[i:])
		if err == nil && n > 0 && n <= 10000 && (unit == "d" || unit == "w" || unit == "mo" || unit == "y") {
			return period{n: n, unit: unit}, nil
		}
	}
	return period{}, fmt.Errorf("%q: %s", s, periodHelp)
}

// days returns the period in days, counting a month as 30 days and a year as 365.
func (p period) days() int {
	switch p.unit {
	case "w":
		return p.n * 7
	case "mo":
		return p.n * 30
	case "y":
		return p.n * 365
	}
	return p.n
}

// months returns the period in months; false when it is given in days or weeks.
func (p period) months() (int, bool) {
	switch p.unit {
	case "mo":
		return p.n, true
	case "y":
		return p.n * 12, true
	}
	return 0, false
}
