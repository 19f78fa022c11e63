package flows

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"

	"omnicart/shop"
)

// The cart: change quantities, remove lines, clear.

// cartActions are the actions of the cart flow over the live stock.
func cartActions(stock Stock) Actions {
	k := cart{stock: stock}
	return Actions{
		"show_cart":   {Fills: []string{"lines", "total", "count"}, Emits: []string{"inc", "dec", "remove", "empty"}, Run: showCart},
		"change_line": {Emits: []string{"next"}, Run: k.changeLine},
		"clear_cart":  {Emits: []string{"next"}, Run: clearCart},
	}
}

type cart struct{ stock Stock }

func showCart(c *Ctx) (string, error) {
	if len(c.Cart.Lines) == 0 {
		return "empty", nil
	}
	var b strings.Builder
	for i, l := range c.Cart.Lines {
		fmt.Fprintf(&b, "%d. %s\n", i+1, c.P.T("cart.line", "name", itemName(c, l.Item), "qty", l.Qty,
			"price", c.Money(l.Price), "total", c.Money(l.Total())))
		// Each button names its line, so it reads alone (to a screen
		// reader, or in a numbered WhatsApp menu).
		ref, short := lineRef(l.Item), shortName(itemName(c, l.Item))
		c.Row(c.Button(c.P.T("cart.dec", "name", short), "dec", ref), c.Button(c.P.T("cart.inc", "name", short), "inc", ref))
		c.Row(c.Button(c.P.T("cart.remove", "name", short), "remove", ref))
	}
	c.Args("lines", strings.TrimRight(b.String(), "\n"), "total", c.Money(c.Cart.Total()), "count", c.P.N("cart.items", c.Cart.Count()))
	return "", nil
}

// maxButtonName is the longest product name put on a cart button, in runes.
const maxButtonName = 28

// shortName cuts a name for a button: "Ethiopia Yirgacheffe 250 g (Gro…".
func shortName(name string) string {
	r := []rune(name)
	if len(r) <= maxButtonName {
		return name
	}
	return strings.TrimSpace(string(r[:maxButtonName-1])) + "…"
}

// lineRef is a short, stable name of a cart line for button data: an
// "SKU/variant" key may be longer than callback data allows.
func lineRef(item shop.Item) string {
	h := fnv.New64a()
	h.Write([]byte(item.Key()))
	return strconv.FormatUint(h.Sum64(), 36)
}

func (k cart) changeLine(c *Ctx) (string, error) {
	var item shop.Item
	for _, l := range c.Cart.Lines {
		if lineRef(l.Item) == c.Arg {
			item = l.Item
		}
	}
	qty := c.Cart.Qty(item)
	if qty == 0 {
		c.Say("error.stale")
		return "next", nil
	}
	switch c.Event {
	case "inc":
		n, known, err := stockOf(c, k.stock, item)
		if err != nil {
			return "", err
		}
		if known && inCart(c, item)+1 > n {
			c.Say("browse.only_left", "name", itemName(c, item), "count", n)
			break
		}
		c.Cart.SetQty(item, qty+1)
	case "dec":
		c.Cart.SetQty(item, qty-1)
	case "remove":
		c.Cart.SetQty(item, 0)
		c.Say("cart.removed", "name", itemName(c, item))
	}
	return "next", nil
}

func clearCart(c *Ctx) (string, error) {
	c.Cart.Lines = nil
	return "next", nil
}
