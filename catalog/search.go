package catalog

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxResults is the most products Search returns.
const maxResults = 20

// Where a search word comes from.
const (
	inName = iota
	inTags
	inCategory // the words of the product's category name, matched only whole
	inDescription
)

// rank scores a match by where the word is and whether the whole word
// matched (exact) or only its start: whole words in names, tags and
// category names beat mere starts of words in names, so "чай" finds the
// teas before the kettle ("чайник").
var rank = [...]struct{ start, exact int }{
	inName:        {40, 60},
	inTags:        {30, 50},
	inCategory:    {0, 45},
	inDescription: {10, 20},
}

// word is one searchable word of a product.
type word struct {
	text  string
	field int
	lang  string // "" for tags, which belong to every language
}

// Search finds the products whose name, description or tags contain every
// word of query as the start of some word, or whose category name contains
// it as a whole word, in any language. Case and the letter ё are ignored; a
// query word also matches without a simple ending (see stem), so "кружку"
// and "mugs" find the mug. Whole words in names, tags and category names
// rank first, in that order, then starts of words in names and tags, then
// descriptions (see rank); words in lang rank higher; ties keep file order.
// At most 20 products are returned.
func (c *Catalog) Search(query, lang string) []Product {
	terms := tokens(query)
	if len(terms) > 10 {
		terms = terms[:10]
	}
	if len(terms) == 0 {
		return nil
	}
	type hit struct{ i, score int }
	var hits []hit
	for i, ws := range c.words {
		total := 0
		for _, t := range terms {
			s := bestScore(ws, t, lang)
			if s == 0 {
				total = 0
				break
			}
			total += s
		}
		if total > 0 {
			hits = append(hits, hit{i, total})
		}
	}
	slices.SortStableFunc(hits, func(a, b hit) int { return b.score - a.score })
	ps := make([]Product, 0, min(len(hits), maxResults))
	for _, h := range hits[:min(len(hits), maxResults)] {
		ps = append(ps, c.Products[h.i])
	}
	return ps
}

// bestScore scores the best match of term among ws; 0 when none matches.
func bestScore(ws []word, term, lang string) int {
	st := stem(term)
	best := 0
	for _, w := range ws {
		exact := w.text == term || st != "" && (w.text == st || stem(w.text) == st)
		var s int
		switch {
		case exact && (w.field != inCategory || w.text == term):
			s = rank[w.field].exact
		case w.field != inCategory && (strings.HasPrefix(w.text, term) || st != "" && strings.HasPrefix(w.text, st)):
			s = rank[w.field].start
		default:
			continue
		}
		if w.lang == "" || w.lang == lang {
			s++
		}
		best = max(best, s)
	}
	return best
}

// stem returns w without a simple ending: a final Russian vowel, й or ь
// of a word of 5 or more letters, or a final English s of a word of 4 or
// more ("mugs"); "" when w has none.
func stem(w string) string {
	r, size := utf8.DecodeLastRuneInString(w)
	n := utf8.RuneCountInString(w)
	if n >= 5 && strings.ContainsRune("аеиоуыэюяйь", r) || n >= 4 && r == 's' {
		return w[:len(w)-size]
	}
	return ""
}

// searchWords lists the distinct searchable words of p, in category cat.
func searchWords(p Product, cat Category) []word {
	var ws []word
	seen := map[word]bool{}
	add := func(text string, field int, lang string) {
		for _, t := range tokens(text) {
			w := word{t, field, lang}
			if !seen[w] {
				seen[w] = true
				ws = append(ws, w)
			}
		}
	}
	for l, s := range p.Name {
		add(s, inName, l)
	}
	for _, s := range p.Tags {
		add(s, inTags, "")
	}
	for l, s := range cat.Name {
		add(s, inCategory, l)
	}
	for l, s := range p.Description {
		add(s, inDescription, l)
	}
	return ws
}

// tokens splits s into lower-case words of letters and digits, with ё read as е.
func tokens(s string) []string {
	s = strings.Map(func(r rune) rune {
		r = unicode.ToLower(r)
		if r == 'ё' {
			return 'е'
		}
		return r
	}, s)
	return strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}
