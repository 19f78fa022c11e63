package flows

import (
	"strings"
	"unicode/utf8"
)

// Search: any text typed outside a question searches the catalog.

// searchActions are the actions of the search flow.
func searchActions(stock Stock) Actions {
	s := search{stock: stock}
	return Actions{
		"take_query":     {Emits: []string{"query"}, Run: takeQuery},
		"search_results": {Fills: []string{"page", "pages", "count", "paging"}, Emits: []string{"pick", "page", "none"}, Run: s.searchResults},
	}
}

type search struct{ stock Stock }

func takeQuery(c *Ctx) (string, error) {
	q := strings.TrimSpace(c.Msg.Text)
	if q == "" {
		c.Say("search.ask")
		return "", nil
	}
	c.Arg = q
	return "query", nil
}

// maxQuery is the longest search query kept.
const maxQuery = 100

func (s search) searchResults(c *Ctx) (string, error) {
	switch c.Event {
	case "page":
		c.Vars[varPage] = c.Arg
	case "":
	default:
		q := strings.TrimSpace(c.Arg)
		if utf8.RuneCountInString(q) > maxQuery {
			q = string([]rune(q)[:maxQuery])
		}
		c.Vars[varQuery] = q
		c.Vars[varPage] = "0"
	}
	q := c.Vars[varQuery]
	if q == "" {
		return "none", nil
	}
	found := c.Catalog().Search(q, c.Lang())
	if len(found) == 0 {
		c.Text(c.P.T("search.nothing", "query", q))
		offerPerson(c)
		return "", nil
	}
	delete(c.Vars, varUnplaced)
	paging, err := productList(c, s.stock, found)
	if err != nil {
		return "", err
	}
	c.Text(c.P.N("search.found", len(found), "query", q, "paging", paging))
	return "", nil
}
