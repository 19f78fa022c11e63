// Package campaigns decides who gets which outbound message and when:
// abandoned carts, browse abandonment, personal offers, the satisfaction
// check, warranty and reorder reminders, win-back and birthdays, under one
// frequency cap, quiet hours and opt-out. Campaigns are described in the
// shop's campaigns.yaml (defaults built in); a Runner reads the store's
// due-time indexes, never every customer, and writes marketing notices to
// the outbox with idempotency keys, so a run repeated or cut short sends
// each message once.
package campaigns

import (
	_ "embed"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"omnicart/locales"
	"omnicart/ownerfile"
)

// FileName is the campaigns file in the shop directory.
const FileName = "campaigns.yaml"

//go:embed defaults.yaml
var defaultFile []byte

// Campaign names: each is a trigger of its own.
const (
	Cart         = "abandoned_cart"
	Browse       = "browse"
	Offers       = "offers"
	Satisfaction = "satisfaction"
	Warranty     = "warranty"
	Reorder      = "reorder"
	Winback      = "winback"
	Birthday     = "birthday"
	// CartAgain is the second abandoned-cart reminder, as stats and
	// previews name it.
	CartAgain = "abandoned_cart_2"
)

// names lists the campaigns in the order a run considers them: the one
// most about the customer's own order first.
var names = []string{Satisfaction, Cart, Reorder, Warranty, Birthday, Browse, Offers, Winback}

// fills says which {placeholders} each campaign fills in its text.
var fills = map[string][]string{
	Cart:         {"name", "items", "total", "stock"},
	CartAgain:    {"name", "items", "total", "stock", "code", "percent", "until"},
	Browse:       {"name", "product"},
	Offers:       {"name", "product", "price"},
	Satisfaction: {"name", "order"},
	Warranty:     {"name", "product", "date"},
	Reorder:      {"name", "items"},
	Winback:      {"name", "code", "percent", "until"},
	Birthday:     {"name", "code", "percent", "until"},
}

// couponFills are the fills only a campaign's coupon gives.
var couponFills = []string{"code", "percent", "until"}

// noCouponText is, for each built-in text that shows a coupon, the one
// sent instead when the owner turns the coupon off.
var noCouponText = map[string]string{
	"campaign.cart_again": "campaign.cart_again_no_coupon",
	"campaign.winback":    "campaign.winback_no_coupon",
	"campaign.birthday":   "campaign.birthday_no_coupon",
}

// Config is the campaigns of a shop, with the rules all of them share.
type Config struct {
	// PerDay and PerWeek cap the marketing messages one customer gets
	// (all campaigns and broadcasts, all linked chats).
	PerDay, PerWeek int
	// QuietFrom and QuietTo bound the quiet hours as times of day; a
	// message due in them waits until QuietTo. Equal: no quiet hours.
	QuietFrom, QuietTo time.Duration
	// Attribution is how long after a message an order counts for it.
	Attribution time.Duration
	Campaigns   map[string]*Campaign
}

// Campaign is one campaign as the files say.
type Campaign struct {
	Name string
	On   bool
	// Delay is how long after its fact the campaign is due: the cart's last
	// change, the last visit, the delivery; Before how long before a
	// warranty ends.
	Delay  time.Duration
	Before time.Duration
	// Active: not while the shopper was seen this recently (abandoned cart).
	Active time.Duration
	// Audience limits the campaign to segments; empty: everyone.
	Audience []Filter
	Text     string
	LowStock int      // abandoned cart: "only N left" at or below
	Views    int      // browse: views of one product that count
	Tags     []string // offers: product tags that make an offer
	Coupon   *Coupon
	Second   *Campaign // abandoned cart: the second reminder
	File     string
	Line     int
}

// Coupon is a generated single-use promo code sent with a message.
type Coupon struct {
	Percent int
	Valid   time.Duration
	Prefix  string
}

// Get returns the campaign named name, nil when it is not configured.
func (c *Config) Get(name string) *Campaign {
	if name == CartAgain {
		if cart := c.Campaigns[Cart]; cart != nil && cart.On && cart.Second != nil && cart.Second.On {
			return cart.Second
		}
		return nil
	}
	return c.Campaigns[name]
}

// Default returns the built-in campaigns.
func Default() *Config {
	c, err := parse(nil, "campaigns(built-in)", defaultFile, nil)
	if err != nil {
		panic("campaigns: built-in defaults: " + err.Error())
	}
	return c
}

// Load returns the built-in campaigns changed by the owner's
// campaigns.yaml in shop (when there is one; shop may be nil). name is
// the shop directory as shown in errors. Every problem is reported as
// "file:line: message": unknown fields and campaigns (with a did-you-mean
// hint), bad durations, unknown segments, text keys that texts lacks or
// whose placeholders the campaign does not fill.
func Load(shop fs.FS, name string, texts *locales.Bundle) (*Config, error) {
	c := Default()
	if shop != nil {
		var errs ownerfile.Errors
		if errs.MisnamedYAML(shop, name, FileName); len(errs) > 0 {
			return nil, errs
		}
		data, err := fs.ReadFile(shop, FileName)
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			return nil, fmt.Errorf("%s/%s: %w", name, FileName, err)
		default:
			if c, err = parse(c, name+"/"+FileName, data, texts); err != nil {
				return nil, err
			}
		}
	}
	if texts != nil {
		var errs ownerfile.Errors
		for _, n := range slices.Sorted(maps.Keys(c.Campaigns)) {
			camp := c.Campaigns[n]
			checkText(camp, n, texts, &errs)
			if camp.Second != nil {
				checkText(camp.Second, CartAgain, texts, &errs)
			}
		}
		if err := errs.Err(); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func checkText(c *Campaign, fillsOf string, texts *locales.Bundle, errs *ownerfile.Errors) {
	if !c.On {
		return
	}
	if !texts.Has(c.Text) {
		errs.Add(c.File, c.Line, "campaign %q: unknown text %q%s", c.Name, c.Text, ownerfile.Hint(c.Text, texts.Keys()))
		return
	}
	var needCoupon []string
	for _, ph := range texts.Placeholders(c.Text) {
		switch {
		case !slices.Contains(fills[fillsOf], ph):
			errs.Add(c.File, c.Line, "campaign %q: text %q needs {%s}, which this campaign does not fill (it fills %v)", c.Name, c.Text, ph, fills[fillsOf])
		case c.Coupon == nil && slices.Contains(couponFills, ph):
			needCoupon = append(needCoupon, "{"+ph+"}")
		}
	}
	if len(needCoupon) > 0 {
		instead := "a text without them"
		if t, ok := noCouponText[c.Text]; ok {
			instead = "text: " + t
		}
		errs.Add(c.File, c.Line, "campaign %q: text %q needs %s, which only a coupon fills, and the campaign has no coupon (give it one, like coupon: {percent: 10, valid: 48h}, or %s)",
			c.Name, c.Text, strings.Join(needCoupon, ", "), instead)
	}
}

// parse reads a campaigns file over base (nil: an empty config).
func parse(base *Config, file string, data []byte, texts *locales.Bundle) (*Config, error) {
	c := &Config{Campaigns: map[string]*Campaign{}}
	if base != nil {
		*c = *base
		c.Campaigns = map[string]*Campaign{}
		for k, v := range base.Campaigns {
			cp := *v
			if v.Second != nil {
				s := *v.Second
				cp.Second = &s
			}
			c.Campaigns[k] = &cp
		}
	}
	var errs ownerfile.Errors
	f := fileReader{ownerfile.File{Name: file, Errs: &errs}}
	root, ok := f.Parse(data)
	if !ok || root == nil {
		return c, errs.Err()
	}
	top, ok := f.Fields(root, "", "a mapping with cap, quiet_hours, attribution and campaigns", "cap", "quiet_hours", "attribution", "campaigns")
	if !ok {
		return nil, errs.Err()
	}
	if n := top["cap"]; n != nil {
		if m, ok := f.Fields(n, "cap: ", "{per_day: 1, per_week: 2}", "per_day", "per_week"); ok {
			f.count(m["per_day"], "cap: per_day", &c.PerDay)
			f.count(m["per_week"], "cap: per_week", &c.PerWeek)
		}
	}
	if n := top["quiet_hours"]; n != nil {
		from, to, err := parseHours(ownerfile.Scalar(n))
		if err != nil {
			f.Errorf(n.Line, "quiet_hours: %v", err)
		}
		c.QuietFrom, c.QuietTo = from, to
	}
	if n := top["attribution"]; n != nil {
		f.duration(n, "attribution", &c.Attribution)
	}
	if n := top["campaigns"]; n != nil {
		n = ownerfile.Resolve(n)
		if n.Kind != yaml.MappingNode {
			f.Errorf(n.Line, "campaigns: expected campaigns by name, like abandoned_cart: {delay: 3h}")
		} else {
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], ownerfile.Resolve(n.Content[i+1])
				if !slices.Contains(names, k.Value) {
					f.Errorf(k.Line, "unknown campaign %q%s", k.Value, ownerfile.HintOrList(k.Value, names, "campaigns"))
					continue
				}
				camp := c.Campaigns[k.Value]
				if camp == nil {
					camp = &Campaign{Name: k.Value, On: true}
					c.Campaigns[k.Value] = camp
				}
				camp.File, camp.Line = file, k.Line
				f.campaign(v, camp, k.Value == Cart)
			}
		}
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return c, nil
}

// campaign reads one campaign's fields over camp.
func (f fileReader) campaign(n *yaml.Node, camp *Campaign, top bool) {
	ctx := fmt.Sprintf("campaign %q: ", camp.Name)
	if s := ownerfile.Scalar(n); n.Kind == yaml.ScalarNode {
		switch s {
		case "off", "false":
			camp.On = false
		case "on", "true":
			camp.On = true
		default:
			f.Errorf(n.Line, "%swrite on, off or its fields", ctx)
		}
		return
	}
	known := []string{"on", "delay", "before", "active", "audience", "text", "low_stock", "views", "tags", "coupon"}
	if top {
		known = append(known, "second")
	}
	m, ok := f.Fields(n, ctx, "its fields, like {delay: 3h, text: campaign.cart}", known...)
	if !ok {
		return
	}
	if v := m["on"]; v != nil {
		switch ownerfile.Scalar(v) {
		case "true", "on", "yes":
			camp.On = true
		case "false", "off", "no":
			camp.On = false
		default:
			f.Errorf(v.Line, "%son: write true or false", ctx)
		}
	}
	f.duration(m["delay"], ctx+"delay", &camp.Delay)
	f.duration(m["before"], ctx+"before", &camp.Before)
	f.duration(m["active"], ctx+"active", &camp.Active)
	f.count(m["low_stock"], ctx+"low_stock", &camp.LowStock)
	f.count(m["views"], ctx+"views", &camp.Views)
	if v := m["text"]; v != nil {
		camp.Text = ownerfile.Scalar(v)
		if camp.Text == "" {
			f.Errorf(v.Line, "%stext: name a text key, like campaign.cart", ctx)
		}
	}
	if v := m["audience"]; v != nil {
		camp.Audience = nil
		for _, it := range f.List(v, ctx, "audience", "[buyer, repeat_buyer, r>=4]") {
			flt, err := ParseFilter(ownerfile.Scalar(it))
			if err != nil {
				f.Errorf(it.Line, "%saudience: %v", ctx, err)
				continue
			}
			camp.Audience = append(camp.Audience, flt)
		}
	}
	if v := m["tags"]; v != nil {
		camp.Tags = nil
		for _, it := range f.List(v, ctx, "tags", "[new, sale]") {
			camp.Tags = append(camp.Tags, strings.ToLower(ownerfile.Scalar(it)))
		}
	}
	if v := m["coupon"]; v != nil {
		f.coupon(v, ctx, &camp.Coupon)
		// coupon: off without a text of the owner's: the built-in text
		// shows the code, so its twin without one is sent instead.
		if t, ok := noCouponText[camp.Text]; ok && camp.Coupon == nil && m["text"] == nil {
			camp.Text = t
		}
	}
	if v := m["second"]; v != nil {
		if camp.Second == nil {
			camp.Second = &Campaign{Name: CartAgain, On: true, Delay: 24 * time.Hour}
		}
		camp.Second.File, camp.Second.Line = camp.File, v.Line
		f.campaign(v, camp.Second, false)
	}
}

func (f fileReader) coupon(n *yaml.Node, ctx string, into **Coupon) {
	if s := ownerfile.Scalar(n); n.Kind == yaml.ScalarNode && (s == "off" || s == "false") {
		*into = nil
		return
	}
	m, ok := f.Fields(n, ctx+"coupon: ", "{percent: 10, valid: 48h}", "percent", "valid", "prefix")
	if !ok {
		return
	}
	c := &Coupon{Valid: 48 * time.Hour, Prefix: "C-"}
	if *into != nil {
		*c = **into
	}
	f.count(m["percent"], ctx+"coupon: percent", &c.Percent)
	if c.Percent < 1 || c.Percent > 100 {
		f.Errorf(n.Line, "%scoupon: percent must be 1-100", ctx)
	}
	f.duration(m["valid"], ctx+"coupon: valid", &c.Valid)
	if v := m["prefix"]; v != nil {
		c.Prefix = strings.ToUpper(ownerfile.Scalar(v))
		if len(c.Prefix) > 12 || strings.ContainsFunc(c.Prefix, func(r rune) bool {
			return (r < 'A' || r > 'Z') && (r < '0' || r > '9') && r != '-' && r != '_'
		}) {
			f.Errorf(v.Line, "%scoupon: prefix: up to 12 letters, digits, - and _", ctx)
		}
	}
	*into = c
}

// fileReader adds typed fields to ownerfile.File.
type fileReader struct{ ownerfile.File }

func (f fileReader) duration(n *yaml.Node, what string, into *time.Duration) {
	if n == nil {
		return
	}
	d, err := ParseDuration(ownerfile.Scalar(n))
	if err != nil {
		f.Errorf(n.Line, "%s: %v", what, err)
		return
	}
	*into = d
}

func (f fileReader) count(n *yaml.Node, what string, into *int) {
	if n == nil {
		return
	}
	v, err := strconv.Atoi(ownerfile.Scalar(n))
	if err != nil || v < 0 {
		f.Errorf(n.Line, "%s: write a whole number, like 3", what)
		return
	}
	*into = v
}

// ParseDuration reads a duration as owners write it: 30m, 3h, 7d, 2w, or
// Go's 1h30m.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	for unit, d := range map[string]time.Duration{"d": 24 * time.Hour, "w": 7 * 24 * time.Hour} {
		if n, ok := strings.CutSuffix(s, unit); ok {
			v, err := strconv.Atoi(n)
			if err == nil && v >= 0 {
				return time.Duration(v) * d, nil
			}
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%q: write a duration like 30m, 3h, 7d or 2w", s)
	}
	return d, nil
}

// parseHours reads "21:00-10:00".
func parseHours(s string) (from, to time.Duration, err error) {
	a, b, ok := strings.Cut(s, "-")
	if ok {
		if from, err = clock(a); err == nil {
			if to, err = clock(b); err == nil {
				return from, to, nil
			}
		}
	}
	return 0, 0, fmt.Errorf("%q: write two times of day, like 21:00-10:00", s)
}

func clock(s string) (time.Duration, error) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		return 0, err
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, nil
}
