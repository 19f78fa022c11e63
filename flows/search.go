package flows

import (
	"strings"
	"unicode/utf8"
)

// Search: any text typed outside a question searches the catalog.

// searchActions are the actions of the search flow.
func searchActions() Actions {
	return Actions{
		"take_query":     {Emits: []string{"query"}, Run: takeQuery},
		"search_results": {Fills: []string{"page", "pages", "count"}, Emits: []string{"pick", "page", "none"}, Run: searchResults},
	}
}

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

func searchResults(c *Ctx) (string, error) {
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
		return "", nil
	}
	productList(c, found)
	c.Text(c.P.N("search.found", len(found), "query", q))
	return "", nil
}
