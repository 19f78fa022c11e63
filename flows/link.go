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

func showLinks(c *Ctx) (string, error) {
	if c.Event == "command" && strings.TrimSpace(c.Arg) != "" {
		if err := useLinkCode(c, strings.TrimSpace(c.Arg)); err != nil {
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
	code, err := c.Store().NewLinkCode(c, c.Customer.ID)
	if err != nil {
		return "", err
	}
	c.Args("channels", strings.Join(lines, "\n"), "code", code)
	if c.eng.opt.DeepLinks != nil {
		if links := c.eng.opt.DeepLinks("link_" + code); len(links) > 0 {
			c.Text(c.P.T("link.show", "channels", strings.Join(lines, "\n"), "code", code) + "\n" +
				c.P.T("link.open", "links", strings.Join(links, "\n")))
		}
	}
	return "", nil
}

func unlinkChannel(c *Ctx) (string, error) {
	for _, ch := range c.Customer.Channels {
		if addrRef(ch) != c.Arg || ch == c.Msg.From.String() {
			continue
		}
		if _, err := c.Store().Unlink(c, c.Customer.ID, ch); err != nil {
			return "", err
		}
		updated, err := c.Store().Customer(c, c.Customer.ID)
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

// useLinkCode links the customer who made code with this one.
func useLinkCode(c *Ctx, code string) error {
	fails, _ := strconv.Atoi(c.Vars["link_fails"])
	last, _ := strconv.ParseInt(c.Vars["link_failed_at"], 10, 64)
	if c.Now.Sub(time.Unix(last, 0)) >= linkLockout {
		fails = 0 // a quiet hour forgives earlier mistakes
	}
	if fails >= maxLinkFails {
		c.Say("link.too_many")
		return nil
	}
	other, ok, err := c.Store().TakeLinkCode(c, code)
	if err != nil {
		return err
	}
	if !ok {
		c.Vars["link_fails"] = strconv.Itoa(fails + 1)
		c.Vars["link_failed_at"] = strconv.FormatInt(c.Now.Unix(), 10)
		c.Say("link.bad_code")
		return nil
	}
	delete(c.Vars, "link_fails")
	delete(c.Vars, "link_failed_at")
	if other == c.Customer.ID {
		c.Say("link.own_code")
		return nil
	}
	if err := mergeInto(c, other); err != nil {
		return err
	}
	c.Say("link.linked", "cart", c.P.N("cart.items", c.Cart.Count()))
	c.Track("link", "", "")
	return nil
}

// mergeInto joins customer other into the one writing now. What this
// message changed so far is saved first, so nothing is lost either way.
func mergeInto(c *Ctx, other shop.CustomerID) error {
	st := c.Store()
	if err := st.SaveCustomer(c, *c.Customer); err != nil {
		return err
	}
	if err := st.SaveCart(c, c.Customer.ID, *c.Cart); err != nil {
		return err
	}
	merged, err := st.Merge(c, other, c.Customer.ID)
	if err != nil {
		return fmt.Errorf("link: %w", err)
	}
	cart, err := st.Cart(c, c.Customer.ID)
	if err != nil {
		return err
	}
	*c.Customer, *c.Cart = merged, cart
	return nil
}

// linkByPhone joins another customer with the same verified phone.
func linkByPhone(c *Ctx) error {
	if !c.Customer.PhoneVerified || c.Customer.Phone == "" || c.Customer.NoAutoLink {
		return nil
	}
	other, ok, err := c.Store().ByPhone(c, c.Customer.Phone)
	if err != nil || !ok || other == c.Customer.ID {
		return err
	}
	if _, err := c.Store().Customer(c, other); err != nil {
		return nil // a stale index entry: the other customer was merged away
	}
	if err := mergeInto(c, other); err != nil {
		return err
	}
	c.Say("link.auto")
	c.Track("link", "", "")
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
