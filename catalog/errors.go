package catalog

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
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
	best, bestD := "", max(1, len(s)/3)+1
	for _, k := range known {
		if d := editDistance(strings.ToLower(s), strings.ToLower(k)); d < bestD {
			best, bestD = k, d
		}
	}
	if best != "" {
		return fmt.Sprintf(" (did you mean %q?)", best)
	}
	if len(known) == 0 || len(known) > 16 {
		return ""
	}
	return fmt.Sprintf(" (%s: %s)", what, strings.Join(known, ", "))
}

// editDistance is the optimal string alignment distance between a and b
// (Levenshtein with swaps of neighbours), in bytes.
func editDistance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}
