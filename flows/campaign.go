package flows

import (
	"log/slog"
	"strconv"
	"strings"
	"time"

	"omnicart/shop"
)

// What shoppers do with campaign messages (campaigns/ writes them): stop
// offers (/stop, the "Stop offers" button on every marketing message) and
// take them again (/offers, the main menu), give a birthday (/birthday, a
// step that says why and can be skipped), rate a delivered order (1–3 hand
// them to a person, whose operators get the card), reorder the same items
// in one tap, open the product a message is about. /campaigns is the
// managers' dry run and statistics: the campaigns package runs it (the
// engine's Options.Actions replace the stub here).

// campaignActions are the actions of the campaign flows (campaign_*.yaml).
func campaignActions(st Store) Actions {
	k := campaign{st: st}
	return Actions{
		"stop_offers":      {Run: k.stopOffers},
		"resume_offers":    {Run: k.resumeOffers},
		"show_offers":      {Fills: []string{"status", "birthday"}, Run: showOffers},
		"take_birthday":    {Emits: []string{"saved"}, Run: takeBirthday},
		"skip_birthday":    {Emits: []string{"next"}, Run: skipBirthday},
		"rate_order":       {Emits: []string{"low", "high"}, Fills: []string{"order"}, Run: k.rateOrder},
		"reorder_items":    {Emits: []string{"next", "none"}, Run: k.reorderItems},
		"open_product":     {Emits: []string{"next"}, Run: openProduct},
		"campaigns_report": {Role: RoleManager, Run: campaignsOff},
	}
}

type campaign struct{ st Store }

// logEvent records what the shopper did about a campaign.
func (k campaign) logEvent(c *Ctx, typ shop.EventKind, campaignName string) {
	e := shop.Event{Time: c.Now, Customer: c.Customer.ID, Type: typ, Channel: c.Msg.From.Channel, Campaign: campaignName}
	if err := c.events.LogEvent(c, e); err != nil {
		c.Log.Warn("log event", slog.Any("err", err))
	}
}

// stopOffers opts the customer out of marketing on every linked chat; Arg
// names the campaign whose message it came from.
func (k campaign) stopOffers(c *Ctx) (string, error) {
	if !c.Customer.NoOffers {
		c.Customer.NoOffers = true
		c.CustomerChanged()
		k.logEvent(c, shop.EventOptOut, c.Arg)
	}
	return "", nil
}

func (k campaign) resumeOffers(c *Ctx) (string, error) {
	if c.Customer.NoOffers {
		c.Customer.NoOffers = false
		c.CustomerChanged()
		k.logEvent(c, shop.EventOptIn, "")
	}
	return "", nil
}

func showOffers(c *Ctx) (string, error) {
	status := c.P.T("offers.on")
	if c.Customer.NoOffers {
		status = c.P.T("offers.off")
	}
	birthday := c.P.T("offers.no_birthday")
	if b := c.Customer.Birthday; b != "" {
		if t, err := time.Parse("01-02", b); err == nil {
			birthday = t.Format(c.P.T("time.day_month"))
		}
	}
	c.Args("status", status, "birthday", birthday)
	return "", nil
}

// parseBirthday reads a day and month as shoppers type them: 24.12,
// 24/12, 24.12.1990, 1990-12-24. It returns "MM-DD".
func parseBirthday(s string) (string, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2.1.2006", "2/1/2006", "2006-01-02", "2.1", "2/1", "2-1"} {
		t, err := time.Parse(layout, s)
		if err != nil {
			continue
		}
		if t.Year() != 0 && (t.Year() < 1900 || t.Year() > time.Now().Year()) {
			return "", false
		}
		return t.Format("01-02"), true
	}
	if s == "29.02" || s == "29/02" || s == "29.2" || s == "29/2" {
		return "02-29", true // time.Parse without a year cannot take 29 February
	}
	return "", false
}

func takeBirthday(c *Ctx) (string, error) {
	b, ok := parseBirthday(c.Msg.Text)
	if !ok {
		c.Say("birthday.bad")
		return "", nil
	}
	c.Customer.Birthday, c.Customer.BirthdayAsked = b, true
	c.CustomerChanged()
	return "saved", nil
}

func skipBirthday(c *Ctx) (string, error) {
	if !c.Customer.BirthdayAsked {
		c.Customer.BirthdayAsked = true
		c.CustomerChanged()
	}
	return "next", nil
}

// rateOrder takes a satisfaction answer: Arg is "<orderID>:<1-5>". 1–3
// leads to a person (the support flow sends the operators the shopper's
// card with their orders); 4–5 thanks them.
func (k campaign) rateOrder(c *Ctx) (string, error) {
	id, score, _ := strings.Cut(c.Arg, ":")
	n, err := strconv.Atoi(score)
	if err != nil || n < 1 || n > 5 {
		c.Say("error.stale")
		return "high", nil
	}
	o, err := k.st.Order(c, id)
	if err != nil || o.CustomerID != c.Customer.ID {
		c.Say("error.stale")
		return "high", nil
	}
	c.Log.Info("order rated", slog.Int64("order", o.Number), slog.Int("score", n))
	c.Args("order", o.Number)
	if n <= 3 {
		c.Say("rate.sorry", "order", o.Number)
		return "low", nil
	}
	return "high", nil
}

// reorderItems puts the lines of order Arg that are still sold into the
// cart, at today's prices.
func (k campaign) reorderItems(c *Ctx) (string, error) {
	o, err := k.st.Order(c, c.Arg)
	if err != nil || o.CustomerID != c.Customer.ID {
		c.Say("error.stale")
		return "none", nil
	}
	added := 0
	for _, l := range o.Lines {
		p, ok := c.Catalog().Product(l.SKU)
		if !ok {
			continue
		}
		if left, known, err := k.st.Stock(c, stockItem(c, l.Item)); err == nil && known && left <= 0 {
			continue
		}
		c.Cart.Add(l.Item, l.Qty, p.PriceOf(l.Variant))
		added++
	}
	if added == 0 {
		c.Say("reorder.none")
		return "none", nil
	}
	c.Say("reorder.added", "order", o.Number)
	return "next", nil
}

// openProduct shows the product a campaign message is about (Arg: SKU).
func openProduct(c *Ctx) (string, error) {
	c.Vars[varSKU] = c.Arg
	return "next", nil
}

// campaignsOff is /campaigns where no campaign runner is wired (the
// terminal chat).
func campaignsOff(c *Ctx) (string, error) {
	c.Text(c.P.T("campaigns.off"))
	return "", nil
}

// Has reports whether the set has a flow named name (campaign messages
// offer a person only when the shop has the support flow).
func (s *Set) Has(name string) bool {
	_, ok := s.flows[name]
	return ok
}
