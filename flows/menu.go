package flows

import "omnicart/shop"

// The main menu, help and the language: the actions of the main flow.

// menuActions are the actions of the main flow; the menu shows the
// loyalty points held in st.
func menuActions(st Extras) Actions {
	m := menu{st: st}
	return Actions{
		"main_menu":      {Fills: []string{"shop", "name", "cart", "points"}, Run: m.mainMenu},
		"list_languages": {Emits: []string{"set"}, Run: listLanguages},
		"set_language":   {Emits: []string{"next"}, Run: setLanguage},
	}
}

type menu struct{ st Extras }

func (m menu) mainMenu(c *Ctx) (string, error) {
	name := c.Customer.Name
	if name == "" {
		name = c.P.T("menu.friend")
	}
	points := ""
	if n, err := m.st.Points(c, c.Customer.ID); err != nil {
		return "", err
	} else if n > 0 {
		one := shop.Money{Minor: shop.PointValue, Currency: c.Catalog().Currency}
		points = "\n" + c.P.N("menu.points", int(n), "value", c.Money(one))
	}
	c.Args("shop", c.Shop.Name, "name", name, "cart", c.P.N("cart.items", c.Cart.Count()), "points", points)
	return "", nil
}

func listLanguages(c *Ctx) (string, error) {
	for _, l := range c.Shop.Texts.Langs() {
		c.Row(c.Button(c.Shop.Texts.Printer(l).T("lang.name"), "set", l))
	}
	return "", nil
}

func setLanguage(c *Ctx) (string, error) {
	for _, l := range c.Shop.Texts.Langs() {
		if l == c.Arg {
			c.Customer.Lang = l
			c.CustomerChanged()
			c.P = c.Shop.Texts.Printer(l)
			c.Say("lang.set")
		}
	}
	return "next", nil
}
