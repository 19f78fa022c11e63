package ownerfile

import (
	"fmt"
	"strings"
)

// Closest returns the word of known nearest to word, ignoring case, and
// whether it is near enough to suggest: at most max(2, len(word)/3) edits,
// where swapping two neighbouring letters is one edit. Of equally near
// words the alphabetically first wins.
func Closest(word string, known []string) (string, bool) {
	lw := strings.ToLower(word)
	best, bestD := "", max(2, len(word)/3)+1
	for _, k := range known {
		d := distance(lw, strings.ToLower(k))
		if d < bestD || d == bestD && best != "" && k < best {
			best, bestD = k, d
		}
	}
	return best, best != ""
}

// Hint returns ` (did you mean "x"?)` for the word of known nearest to
// word, or "" when none is near or word itself is known.
func Hint(word string, known []string) string {
	if best, ok := Closest(word, known); ok && best != word {
		return fmt.Sprintf(" (did you mean %q?)", best)
	}
	return ""
}

// HintOrList is Hint, except that when no word is near it lists the known
// words, ` (what: a, b, c)`, if there are at most 16 of them.
func HintOrList(word string, known []string, what string) string {
	if h := Hint(word, known); h != "" {
		return h
	}
	if len(known) == 0 || len(known) > 16 {
		return ""
	}
	return fmt.Sprintf(" (%s: %s)", what, strings.Join(known, ", "))
}

// distance is the optimal string alignment distance between a and b
// (Levenshtein with swaps of neighbours), in bytes.
func distance(a, b string) int {
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
