package flows

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"time"

	"omnicart/bot"
	"omnicart/shop"
)

// One customer across channels: a channel is linked to a customer by a
// one-time code (/link 123456, or the deep link /start link_123456), or
// automatically when two channels share one verified phone number.

// maxLinkFails is how many wrong link codes a customer may send before
// linking is refused until linkLockout has passed since the last wrong one.
// Codes are eight characters of 31 (store.NewLinkCode), so this only keeps
// typos from piling up; guessing is hopeless anyway.
const (
	maxLinkFails = 5
	linkLockout  = time.Hour
)

// linkActions are the actions of the link flow; deepLinks (nil: none)
// makes links that open a chat with the shop and send "/start <payload>".
func linkActions(link linker, deepLinks func(payload string) []string) Actions {
	f := linkFlow{link: link, deepLinks: deepLinks}
	return Actions{
		"show_links":     {Fills: []string{"channels", "code"}, Emits: []string{"unlink"}, Run: f.showLinks},
		"unlink_channel": {Emits: []string{"next"}, Run: f.unlinkChannel},
	}
}

type linkFlow struct {
	link      linker
	deepLinks func(payload string) []string
}

// linker joins customers: by a one-time code or a shared verified phone.
// The engine uses it for deep links and phones the platform vouches for,
// the link and checkout flows for codes and phones the shopper types.
type linker struct {
	customers Customers
	carts     Carts
	links     Links
}

func newLinker(st Store) linker { return linker{customers: st, carts: st, links: st} }

func channelName(c *Ctx, addr string) string {
	a, _ := bot.ParseAddress(addr)
	key := "channel." + a.Channel
	if name := c.P.T(key); name != key {
		return name
	}
	return a.Channel
}

func addrRef(addr string) string {
	h := fnv.New64a()
	h.Write([]byte(addr))
	return strconv.FormatUint(h.Sum64(), 36)
}

func (f linkFlow) showLinks(c *Ctx) (string, error) {
	if c.Event == "command" && strings.TrimSpace(c.Arg) != "" {
		if err := f.link.useCode(c, strings.TrimSpace(c.Arg)); err != nil {
			return "", err
		}
	}
	here := c.Msg.From.String()
	var lines []string
	for _, ch := range c.Customer.Channels {
		if ch == here {
			lines = append(lines, "• "+c.P.T("link.this_chat", "channel", channelName(c, ch)))
			continue
		}
		lines = append(lines, "• "+channelName(c, ch))
		c.Row(c.Button(c.P.T("link.unlink_button", "channel", channelName(c, ch)), "unlink", addrRef(ch)))
	}
	code, err := f.link.links.NewLinkCode(c, c.Customer.ID)
	if err != nil {
		return "", err
	}
	c.Args("channels", strings.Join(lines, "\n"), "code", code)
	if f.deepLinks != nil {
		if links := f.deepLinks(linkPayload + code); len(links) > 0 {
			c.Text(c.P.T("link.show", "channels", strings.Join(lines, "\n"), "code", code) + "\n" +
				c.P.T("link.open", "links", strings.Join(links, "\n")))
		}
	}
	return "", nil
}

func (f linkFlow) unlinkChannel(c *Ctx) (string, error) {
	for _, ch := range c.Customer.Channels {
		if addrRef(ch) != c.Arg || ch == c.Msg.From.String() {
			continue
		}
		if _, err := f.link.links.Unlink(c, c.Customer.ID, ch); err != nil {
			return "", err
		}
		updated, err := f.link.customers.Customer(c, c.Customer.ID)
		if err != nil {
			return "", err
		}
		*c.Customer = updated
		c.Say("link.unlinked", "channel", channelName(c, ch))
		return "next", nil
	}
	c.Say("error.stale")
	return "next", nil
}

// linkPayload starts a /start payload that carries a link code: the deep
// link of the link screen sends "/start link_<code>".
const linkPayload = "link_"

// linkCode returns the code of a /start payload made by a deep link.
func linkCode(payload string) (string, bool) { return strings.CutPrefix(payload, linkPayload) }

// useCode links the customer who made code with this one.
func (l linker) useCode(c *Ctx, code string) error {
	fails, _ := strconv.Atoi(c.Vars[varLinkFails])
	last, _ := strconv.ParseInt(c.Vars[varLinkFailed], 10, 64)
	if c.Now.Sub(time.Unix(last, 0)) >= linkLockout {
		fails = 0 // a quiet hour forgives earlier mistakes
	}
	if fails >= maxLinkFails {
		c.Say("link.too_many")
		return nil
	}
	other, ok, err := l.links.TakeLinkCode(c, code)
	if err != nil {
		return err
	}
	if !ok {
		c.Vars[varLinkFails] = strconv.Itoa(fails + 1)
		c.Vars[varLinkFailed] = strconv.FormatInt(c.Now.Unix(), 10)
		c.Say("link.bad_code")
		return nil
	}
	delete(c.Vars, varLinkFails)
	delete(c.Vars, varLinkFailed)
	if other == c.Customer.ID {
		c.Say("link.own_code")
		return nil
	}
	if err := l.mergeInto(c, other); err != nil {
		return err
	}
	c.Say("link.linked", "cart", c.P.N("cart.items", c.Cart.Count()))
	c.Track(shop.EventLink, "")
	return nil
}

// mergeInto joins customer other into the one writing now. What this
// message changed so far is saved first, so nothing is lost either way.
func (l linker) mergeInto(c *Ctx, other shop.CustomerID) error {
	if err := l.customers.SaveCustomer(c, *c.Customer); err != nil {
		return err
	}
	if err := l.carts.SaveCart(c, c.Customer.ID, *c.Cart); err != nil {
		return err
	}
	merged, err := l.links.Merge(c, other, c.Customer.ID)
	if err != nil {
		return fmt.Errorf("link: %w", err)
	}
	cart, err := l.carts.Cart(c, c.Customer.ID)
	if err != nil {
		return err
	}
	*c.Customer, *c.Cart = merged, cart
	return nil
}

// byPhone joins another customer with the same verified phone.
func (l linker) byPhone(c *Ctx) error {
	if !c.Customer.PhoneVerified || c.Customer.Phone == "" || c.Customer.NoAutoLink {
		return nil
	}
	other, ok, err := l.links.ByPhone(c, c.Customer.Phone)
	if err != nil || !ok || other == c.Customer.ID {
		return err
	}
	if _, err := l.customers.Customer(c, other); err != nil {
		return nil // a stale index entry: the other customer was merged away
	}
	if err := l.mergeInto(c, other); err != nil {
		return err
	}
	c.Say("link.auto")
	c.Track(shop.EventLink, "")
	return nil
}

// phoneOfAddress returns the phone number an address is itself, for
// channels whose addresses are phone numbers (WhatsApp).
func phoneOfAddress(a bot.Address) (string, bool) {
	if a.Channel != bot.WhatsApp || len(a.Chat) < 10 || len(a.Chat) > 15 {
		return "", false
	}
	for _, r := range a.Chat {
		if r < '0' || r > '9' {
			return "", false
		}
	}
	return "+" + a.Chat, true
}
