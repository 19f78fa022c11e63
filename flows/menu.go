package flows

// The main menu, help and the language: the actions of the main flow.

// menuActions are the actions of the main flow.
func menuActions() Actions {
	return Actions{
		"main_menu":      {Fills: []string{"shop", "name", "cart"}, Run: mainMenu},
		"list_languages": {Emits: []string{"set"}, Run: listLanguages},
		"set_language":   {Emits: []string{"next"}, Run: setLanguage},
	}
}

func mainMenu(c *Ctx) (string, error) {
	name := c.Customer.Name
	if name == "" {
		name = c.P.T("menu.friend")
	}
	c.Args("shop", c.Shop.Name, "name", name, "cart", c.P.N("cart.items", c.Cart.Count()))
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
