package catalog

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"omnicart/spell"
)

// Error is one problem in a shop directory.
type Error struct {
	File string // path of the file, starting with the name given to Load
	Line int    // 1-based; 0 when the problem is with the whole file
	Msg  string
}

// Error returns "file:line: message", or "file: message" when Line is 0.
func (e Error) Error() string {
	if e.Line == 0 {
		return e.File + ": " + e.Msg
	}
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
}

// Errors is every problem Load found, ordered by file and line.
type Errors []Error

// Error returns one problem per line.
func (e *Errors) Error() string {
	lines := make([]string, len(*e))
	for i, x := range *e {
		lines[i] = x.Error()
	}
	return strings.Join(lines, "\n")
}

func (e Errors) sort() {
	slices.SortStableFunc(e, func(a, b Error) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line))
	})
}

// didYouMean returns ` (did you mean "x"?)` for the known word closest to s,
// or a list of the known words when none is close.
func didYouMean(s string, known []string, what string) string {
	if best, ok := spell.Closest(s, known); ok {
		return fmt.Sprintf(" (did you mean %q?)", best)
	}
	if len(known) == 0 || len(known) > 16 {
		return ""
	}
	return fmt.Sprintf(" (%s: %s)", what, strings.Join(known, ", "))
}
