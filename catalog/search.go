package catalog

import (
	"slices"
	"strings"
	"unicode"
)

// maxResults is the most products Search returns.
const maxResults = 20

// Where a search word comes from, best first.
const (
	inName = iota
	inTags
	inDescription
)

// word is one searchable word of a product.
type word struct {
	text  string
	field int
	lang  string // "" for tags, which belong to every language
}

// Search finds the products whose name, description or tags contain every
// word of query as the start of some word, in any language. Case and the
// letter ё are ignored. Name matches rank first, then tags, then
// descriptions; exact words and words in lang rank higher; ties keep file
// order. At most 20 products are returned.
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
	best := 0
	for _, w := range ws {
		if !strings.HasPrefix(w.text, term) {
			continue
		}
		s := 10 * (3 - w.field)
		if w.text == term {
			s += 2
		}
		if w.lang == "" || w.lang == lang {
			s++
		}
		best = max(best, s)
	}
	return best
}

// searchWords lists the distinct searchable words of p.
func searchWords(p Product) []word {
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
