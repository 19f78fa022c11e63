// Package ownerfile reads the files a shop owner edits — the catalog, flows,
// texts and campaigns — and reports their problems like a compiler does:
// "file:line: message", every problem at once, with a did-you-mean hint
// where the owner probably misspelt a name.
//
// It reads YAML with go.yaml.in/yaml/v3, keeping the line of every node, and
// imports nothing else outside the standard library.
package ownerfile

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Error is one problem in an owner file.
type Error struct {
	File string // the file as the owner knows it: "myshop/flows/checkout.yaml"
	Line int    // 1-based; 0 when the problem is with the whole file
	Msg  string
}

// Error returns "file:line: message", or "file: message" when Line is 0.
func (e Error) Error() string {
	if e.Line <= 0 {
		return e.File + ": " + e.Msg
	}
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
}

// Errors is every problem found in a set of owner files. Loaders collect
// them all, sort them and return them as the error value (not a pointer):
// get it back with errors.As(err, &errs) where errs is an Errors.
type Errors []Error

// Error returns the problems one per line.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Add appends a problem at line of file.
func (es *Errors) Add(file string, line int, format string, args ...any) {
	*es = append(*es, Error{File: file, Line: line, Msg: fmt.Sprintf(format, args...)})
}

// Sort orders the problems by file and line, keeping the order in which
// problems on one line were found.
func (es Errors) Sort() {
	slices.SortStableFunc(es, func(a, b Error) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line))
	})
}

// Err returns es sorted, or nil when there are no problems.
func (es Errors) Err() error {
	if len(es) == 0 {
		return nil
	}
	es.Sort()
	return es
}
