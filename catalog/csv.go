package catalog

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"omnicart/ownerfile"
)

// csvColumns are the columns products.csv may have, in any order.
var csvColumns = []string{"sku", "category", "name_en", "name_ru", "description_en", "description_ru",
	"price", "stock", "photo", "related", "warranty", "reorder_after", "tags"}

// loadCSV reads products from a spreadsheet export: a header row naming the
// columns, then one product per row. related and tags hold several values
// separated by ";". Columns with an empty header are ignored. When the file
// cannot be read to its end, the loader is marked broken: the products it
// lost may be what other products refer to.
func (l *loader) loadCSV(file string, data []byte) {
	// Excel on Russian Windows saves CSV in Windows-1251: read as UTF-8,
	// every Russian name would be garbled.
	if line := badUTF8Line(data); line > 0 {
		l.errorf(file, line, "not UTF-8 (save the file as UTF-8)")
		l.broken = true
		return
	}
	// Spreadsheets often start UTF-8 files with a byte order mark, which
	// would hide the quotes of a quoted first cell from the CSV reader.
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\ufeff"))))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return
	}
	if err != nil {
		l.csvError(file, err)
		return
	}
	hline, _ := r.FieldPos(0)
	col, ok := l.csvHeader(file, hline, header)
	if !ok {
		l.broken = true
		return
	}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			l.csvError(file, err)
			return
		}
		line, _ := r.FieldPos(0)
		if strings.TrimSpace(strings.Join(rec, "")) == "" {
			continue
		}
		if len(rec) != len(header) {
			l.errorf(file, line, "row has %d columns, the header has %d", len(rec), len(header))
			continue
		}
		cell := func(name string) value {
			i, ok := col[name]
			if !ok || strings.TrimSpace(rec[i]) == "" {
				return value{}
			}
			return value{strings.TrimSpace(rec[i]), line}
		}
		ctx := "product: "
		if sku := cell("sku").s; sku != "" {
			ctx = fmt.Sprintf("product %q: ", sku)
		}
		text := func(prefix string) Text {
			t := Text{}
			for _, lang := range []string{"en", "ru"} {
				if v := cell(prefix + "_" + lang); v.s != "" {
					t[lang] = v.s
				}
			}
			l.noteText(file, line, ctx+prefix, t)
			return t
		}
		p := rawProduct{
			at:          at{file, line},
			sku:         cell("sku"),
			category:    cell("category"),
			name:        text("name"),
			description: text("description"),
			price:       cell("price"),
			stock:       cell("stock"),
			photo:       cell("photo"),
			warranty:    cell("warranty"),
			reorder:     cell("reorder_after"),
		}
		for _, s := range splitList(cell("related").s) {
			p.related = append(p.related, value{s, line})
		}
		p.tags = splitList(cell("tags").s)
		l.addProduct(p, ctx)
	}
}

// csvHeader maps column names to their index, reporting unknown, repeated
// and missing columns.
func (l *loader) csvHeader(file string, line int, header []string) (map[string]int, bool) {
	col := map[string]int{}
	ok := true
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		_, seen := col[h]
		switch {
		case h == "":
			continue // spreadsheet exports often end rows with empty cells: ",,"
		case len(header) == 1 && strings.Contains(h, ";"):
			l.errorf(file, line, "separate the columns with commas, not semicolons")
			return nil, false
		case !slices.Contains(csvColumns, h):
			l.errorf(file, line, "unknown column %q%s", h, ownerfile.HintOrList(h, csvColumns, "known columns"))
			ok = false
		case seen:
			l.errorf(file, line, "column %q given twice", h)
			ok = false
		}
		col[h] = i
	}
	for _, c := range []string{"sku", "category", "price"} {
		if _, has := col[c]; !has {
			l.errorf(file, line, "missing column %q", c)
			ok = false
		}
	}
	_, en := col["name_en"]
	_, ru := col["name_ru"]
	if !en && !ru {
		l.errorf(file, line, `missing column "name_en" or "name_ru"`)
		ok = false
	}
	return col, ok
}

// csvError reports a CSV syntax or read error and marks the loader broken.
func (l *loader) csvError(file string, err error) {
	l.broken = true
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		l.errorf(file, pe.Line, "CSV: %v", pe.Err)
		return
	}
	l.errorf(file, 0, "CSV: %v", err)
}

// splitList splits "a; b;c" into its non-empty parts.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ";") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// badUTF8Line returns the line of the first byte of data that is not
// UTF-8, 0 when all of it is.
func badUTF8Line(data []byte) int {
	if utf8.Valid(data) {
		return 0
	}
	line := 1
	for len(data) > 0 {
		r, size := utf8.DecodeRune(data)
		if r == utf8.RuneError && size == 1 {
			return line
		}
		if r == '\n' {
			line++
		}
		data = data[size:]
	}
	return line
}
