package shop

import "time"

// CustomerID identifies one shopper across all channels.
type CustomerID string

// Customer is one shopper. Channels lists the addresses ("telegram:123",
// "web:abc") the customer has written from.
type Customer struct {
	ID    CustomerID `json:"id"`
	Name  string     `json:"name,omitempty"`
	Phone string     `json:"phone,omitempty"`
	// PhoneVerified is true when a platform vouched that Phone is the
	// customer's own (a Telegram contact of the sender, a WhatsApp number).
	PhoneVerified bool     `json:"phone_verified,omitempty"`
	Lang          string   `json:"lang,omitempty"`
	Source        string   `json:"source,omitempty"` // first deep-link payload seen
	Channels      []string `json:"channels,omitempty"`
	Address       string   `json:"address,omitempty"` // last courier address
	// LastAddress is the address the customer wrote from last; messages
	// the shop starts (notifications, campaigns) go there.
	LastAddress string `json:"last_address,omitempty"`
	// NoAutoLink marks a chat the shopper unlinked: it is not joined to
	// another customer by a shared phone number again.
	NoAutoLink bool `json:"no_auto_link,omitempty"`
	// Unreachable lists channels where the customer blocked the shop; they
	// are not written to there until they write again.
	Unreachable []string `json:"unreachable,omitempty"`
	// NoOffers says the customer opted out of marketing ("Stop offers",
	// /stop): it holds on every linked chat until they opt in again.
	NoOffers bool `json:"no_offers,omitempty"`
	// Birthday is the customer's birthday as "MM-DD" (the year is not
	// kept), given in the birthday step; BirthdayAsked says that step was
	// shown (answered or skipped), so it is not asked again.
	Birthday      string `json:"birthday,omitempty"`
	BirthdayAsked bool   `json:"birthday_asked,omitempty"`
	// Zone is the customer's time zone (IANA name) when known; empty: the
	// shop's. Quiet hours are kept in it.
	Zone      string    `json:"zone,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	SeenAt    time.Time `json:"seen_at"`
}

// SetReachable marks channel reachable or not; it reports whether anything
// changed.
func (c *Customer) SetReachable(channel string, ok bool) bool {
	for i, u := range c.Unreachable {
		if u == channel {
			if ok {
				c.Unreachable = append(c.Unreachable[:i], c.Unreachable[i+1:]...)
				return true
			}
			return false
		}
	}
	if ok {
		return false
	}
	c.Unreachable = append(c.Unreachable, channel)
	return true
}
