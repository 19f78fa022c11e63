package campaigns

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"omnicart/catalog"
	"omnicart/locales"
	"omnicart/shop"
)

// Due-time index kinds the store keeps (store.DueCart and the rest; the
// names are the store's).
const (
	dueCart      = "cart"
	dueCartAgain = "cart2"
	dueSeen      = "seen"
	dueBrowse    = "browse"
	dueOffer     = "offer"
	dueDelivered = "delivered"
	dueBought    = "bought"
	dueWarranty  = "warranty"
	dueReorder   = "reorder"
	dueBirthday  = "birthday"
)

// Store is what campaigns read and write; *store.DB satisfies it.
type Store interface {
	// Due returns customers due for kind at or before until, earliest first.
	Due(ctx context.Context, kind string, until time.Time, limit int) ([]shop.Due, error)
	SetDue(ctx context.Context, kind string, id shop.CustomerID, t time.Time) error
	ClearDue(ctx context.Context, kind string, id shop.CustomerID) error
	DueAt(ctx context.Context, kind string, id shop.CustomerID) (time.Time, bool, error)

	Customer(ctx context.Context, id shop.CustomerID) (shop.Customer, error)
	Cart(ctx context.Context, id shop.CustomerID) (shop.Cart, error)
	Orders(ctx context.Context, id shop.CustomerID) ([]shop.Order, error)
	CustomerEvents(ctx context.Context, id shop.CustomerID, since time.Time, fn func(shop.Event) bool) error
	Stock(ctx context.Context, item shop.Item) (n int, known bool, err error)

	// NoticeKnown reports whether a notice key was ever enqueued.
	NoticeKnown(ctx context.Context, key string) (bool, error)
	// MarketingSince counts the marketing messages of a customer since a
	// time, on all linked chats.
	MarketingSince(ctx context.Context, id shop.CustomerID, since time.Time) (int, error)
	// EnqueueMarketing writes a marketing notice and its ledger line; false
	// when its key was enqueued before.
	EnqueueMarketing(ctx context.Context, n shop.Notice) (bool, error)
	// NewPromoCode stores a generated single-use code.
	NewPromoCode(ctx context.Context, prefix string, p shop.Promo) (shop.Promo, error)
}

// Shop is what the campaigns of the shop in force need to know.
type Shop struct {
	Campaigns *Config
	Catalog   *catalog.Catalog
	Texts     *locales.Bundle
	Lang      string         // default language
	Zone      *time.Location // the shop's time zone; nil: UTC
	// Go is the event of a button that opens a flow (flows.GoEvent);
	// HasFlow says whether the shop has a flow (support, say).
	Go      func(flow string) string
	HasFlow func(flow string) bool
}

// Options tune a Runner; zero values pick defaults.
type Options struct {
	Now    func() time.Time
	Logger *slog.Logger
	// Limit is how many due customers one run reads per index; default 10000.
	Limit int
	// Workers is how many due customers of one index are decided at once;
	// default 32. Writing a message waits for the disk (a synced commit,
	// which the store shares among concurrent writers), so a run with many
	// due customers overlaps those waits.
	Workers int
	// Wake tells the outbox notices were enqueued; nil: it polls.
	Wake func()
}

// Runner runs the campaigns over a store.
type Runner struct {
	st   Store
	shop func() *Shop
	opt  Options
	log  *slog.Logger

	mu    sync.Mutex
	zones map[string]*time.Location
}

// New returns a runner over st for the shop that shop returns (called at
// every run, so reloaded campaign files take effect at the next).
func New(st Store, shop func() *Shop, opt Options) *Runner {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.Limit <= 0 {
		opt.Limit = 10000
	}
	if opt.Workers <= 0 {
		opt.Workers = 32
	}
	return &Runner{st: st, shop: shop, opt: opt, log: opt.Logger, zones: map[string]*time.Location{}}
}

// Reasons a customer due for a campaign gets nothing now.
const (
	Send       = "send"        // the message goes
	Active     = "active"      // the shopper is active now (abandoned cart)
	Bought     = "bought"      // they ordered since
	Capped     = "capped"      // the frequency cap is reached
	Quiet      = "quiet"       // quiet hours in their time zone: it waits for the morning
	OptedOut   = "opted_out"   // they stopped offers
	Unreached  = "unreachable" // no chat takes messages from the shop
	NotAudient = "audience"    // not in the campaign's audience
	SentBefore = "sent_before" // this occasion was messaged already
	Nothing    = "nothing"     // nothing to say (an empty cart, no product to offer)
	NotYet     = "not_yet"     // not due yet in their time zone (birthday)
)

// Decision is what a run does about one due customer.
type Decision struct {
	Campaign string
	Customer shop.CustomerID
	Name     string  // the customer's name, for the owner's preview
	Segment  Segment // their behaviour segment
	Reason   string  // Send or why not
	// Until is when a waiting message is tried again (quiet hours, cap).
	Until  time.Time
	Notice shop.Notice // the message (Send)
	Coupon *Coupon     // a code generated when it is sent
}

// Run runs every campaign once at the runner's clock and writes what is
// due to the outbox. It returns the decisions made.
func (r *Runner) Run(ctx context.Context) ([]Decision, error) {
	ds, err := r.plan(ctx, r.opt.Now(), true)
	sent := 0
	for _, d := range ds {
		if d.Reason == Send {
			sent++
		}
	}
	if sent > 0 {
		r.log.Info("campaign messages enqueued", slog.Int("messages", sent))
		if r.opt.Wake != nil {
			r.opt.Wake()
		}
	}
	return ds, err
}

// Preview is a dry run at at: who would get which message and why others
// would not. It changes nothing, so it works on a read-only store.
func (r *Runner) Preview(ctx context.Context, at time.Time) ([]Decision, error) {
	return r.plan(ctx, at, false)
}

// run is one pass over the campaigns.
type run struct {
	*Runner
	sh    *Shop
	cfg   *Config
	at    time.Time
	apply bool
	out   []Decision

	mu      sync.Mutex              // guards planned and errs: customers are decided in parallel
	planned map[shop.CustomerID]int // messages decided in this pass
	errs    []error
}

// fail records an error of the run.
func (x *run) fail(err error) {
	x.mu.Lock()
	x.errs = append(x.errs, err)
	x.mu.Unlock()
}

func (r *Runner) plan(ctx context.Context, at time.Time, apply bool) ([]Decision, error) {
	sh := r.shop()
	if sh == nil || sh.Campaigns == nil {
		return nil, nil
	}
	x := &run{Runner: r, sh: sh, cfg: sh.Campaigns, at: at, apply: apply, planned: map[shop.CustomerID]int{}}
	if apply {
		x.indexBought(ctx)
	}
	for _, name := range names {
		c := x.cfg.Get(name)
		if c == nil || !c.On {
			continue
		}
		switch name {
		case Satisfaction:
			x.each(ctx, c, dueDelivered, at.Add(-c.Delay), x.satisfaction)
		case Cart:
			if c2 := x.cfg.Get(CartAgain); c2 != nil {
				x.each(ctx, c2, dueCartAgain, at.Add(-c2.Delay), x.cartAgain)
			}
			x.each(ctx, c, dueCart, at.Add(-c.Delay), x.cart)
		case Reorder:
			x.each(ctx, c, dueReorder, at, x.dated(dueReorder))
			if !apply {
				x.each(ctx, c, dueBought, at, x.dated(dueReorder))
			}
		case Warranty:
			x.each(ctx, c, dueWarranty, at, x.dated(dueWarranty))
			if !apply {
				x.each(ctx, c, dueBought, at, x.dated(dueWarranty))
			}
		case Birthday:
			x.each(ctx, c, dueBirthday, at.Add(24*time.Hour), x.birthday)
		case Browse:
			x.each(ctx, c, dueBrowse, at.Add(-c.Delay), x.browse)
		case Offers:
			x.each(ctx, c, dueOffer, at.Add(-c.Delay), x.offer)
		case Winback:
			x.each(ctx, c, dueSeen, at.Add(-c.Delay), x.winback)
		}
	}
	return x.out, errors.Join(x.errs...)
}

// verdict is what a campaign makes of one due customer.
type verdict struct {
	reason string
	notice shop.Notice
	coupon *Coupon
	// done moves the index once the message went (or had gone before) or
	// when there is nothing to send; retry is the index time that brings
	// the customer back when the message has to wait (zero: leave the
	// entry as it is).
	done  func(ctx context.Context) error
	retry func(when time.Time) time.Time
	until time.Time // when a waiting verdict (active, not yet) may change
}

// each reads the due customers of kind up to until and decides for each,
// Options.Workers at a time (each customer is in an index once, so no two
// workers decide about one customer); the decisions keep the index order.
func (x *run) each(ctx context.Context, c *Campaign, kind string, until time.Time, decide func(context.Context, *Campaign, shop.Due, *Profile) verdict) {
	dues, err := x.st.Due(ctx, kind, until, x.opt.Limit)
	if err != nil {
		x.fail(err)
		return
	}
	decided := make([]*Decision, len(dues))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(x.opt.Workers, len(dues)) {
		wg.Go(func() {
			for i := range next {
				d := dues[i]
				dec, err := x.one(ctx, c, kind, d, decide)
				if err != nil {
					x.fail(fmt.Errorf("campaign %s, customer %s: %w", c.Name, d.Customer, err))
					x.log.Error("campaign", slog.String("campaign", c.Name), slog.String("customer", string(d.Customer)), slog.Any("err", err))
				}
				decided[i] = dec
			}
		})
	}
	for i := range dues {
		if ctx.Err() != nil {
			x.fail(ctx.Err())
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	for _, dec := range decided {
		if dec != nil {
			x.out = append(x.out, *dec)
		}
	}
}

// one decides about one due customer and, when the run applies, acts on it;
// the decision is nil for a customer merged away.
func (x *run) one(ctx context.Context, c *Campaign, kind string, d shop.Due, decide func(context.Context, *Campaign, shop.Due, *Profile) verdict) (*Decision, error) {
	p, err := x.profile(ctx, d.Customer)
	if errors.Is(err, shop.ErrNotFound) { // merged away
		if x.apply {
			return nil, x.st.ClearDue(ctx, kind, d.Customer)
		}
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	v := decide(ctx, c, d, p)
	dec := Decision{Campaign: c.Name, Customer: d.Customer, Name: p.Customer.Name, Segment: p.Segment, Reason: v.reason, Until: v.until}
	if v.reason == Send {
		// A message already written (a run cut short after it, before the
		// index moved) is done, not capped by itself nor held by quiet
		// hours: its index moves on now.
		known, err := x.st.NoticeKnown(ctx, v.notice.Key)
		if err != nil {
			return nil, err
		}
		if known {
			dec.Reason = SentBefore
		} else {
			dec.Reason, dec.Until = x.gates(ctx, c, p)
		}
	}
	dec.Notice, dec.Coupon = v.notice, v.coupon
	if dec.Reason == Send {
		x.mu.Lock()
		x.planned[d.Customer]++
		x.mu.Unlock()
	}
	if !x.apply {
		return &dec, nil
	}
	switch dec.Reason {
	case Send:
		if err := x.send(ctx, p, &dec); err != nil {
			return &dec, err
		}
	case Quiet, Capped, Active, NotYet:
		if v.retry != nil && !dec.Until.IsZero() {
			return &dec, x.st.SetDue(ctx, kind, d.Customer, v.retry(dec.Until))
		}
		return &dec, nil
	}
	if v.done != nil {
		return &dec, v.done(ctx)
	}
	return &dec, x.st.ClearDue(ctx, kind, d.Customer)
}

// send generates the coupon, if any, and writes the notice.
func (x *run) send(ctx context.Context, p *Profile, d *Decision) error {
	if d.Coupon != nil {
		// Valid through the whole day the message names, in the
		// shopper's zone: "valid until Thursday" works all Thursday.
		last := x.at.Add(d.Coupon.Valid).In(x.zone(p.Customer))
		until := time.Date(last.Year(), last.Month(), last.Day()+1, 0, 0, 0, 0, last.Location())
		promo, err := x.st.NewPromoCode(ctx, d.Coupon.Prefix, shop.Promo{Percent: d.Coupon.Percent, Until: until})
		if err != nil {
			return err
		}
		d.Notice.Args = append(d.Notice.Args, shop.TextArg("code", promo.Code), shop.NumberArg("percent", int64(promo.Percent)),
			shop.TextArg("until", x.date(p, last)))
	}
	_, err := x.st.EnqueueMarketing(ctx, d.Notice)
	return err
}

// gates are the rules every marketing message passes: opt-out, a chat to
// reach, the campaign's audience, quiet hours and the frequency cap.
func (x *run) gates(ctx context.Context, c *Campaign, p *Profile) (string, time.Time) {
	cu := p.Customer
	switch {
	case cu.NoOffers:
		return OptedOut, time.Time{}
	case !reachable(cu):
		return Unreached, time.Time{}
	case !InAudience(c.Audience, *p):
		return NotAudient, time.Time{}
	}
	if quiet, morning := x.quiet(cu); quiet {
		return Quiet, morning
	}
	if capped, err := x.capped(ctx, cu.ID); err != nil || capped {
		return Capped, x.at.Add(24 * time.Hour)
	}
	return Send, time.Time{}
}

// reachable reports whether some chat of the customer is not marked
// unreachable.
func reachable(c shop.Customer) bool {
	for _, ch := range c.Channels {
		channel, _, _ := strings.Cut(ch, ":")
		if !slices.Contains(c.Unreachable, channel) {
			return true
		}
	}
	return false
}

// capped reports whether the customer had as many marketing messages as
// the cap allows, counting those decided in this run.
func (x *run) capped(ctx context.Context, id shop.CustomerID) (bool, error) {
	x.mu.Lock()
	extra := x.planned[id]
	x.mu.Unlock()
	return CapReached(ctx, x.st, x.cfg, id, x.at, extra)
}

// CapStore counts a customer's marketing messages.
type CapStore interface {
	MarketingSince(ctx context.Context, id shop.CustomerID, since time.Time) (int, error)
}

// CapReached reports whether customer id may get no more marketing at now
// under cfg's cap (per day and per week, all campaigns and broadcasts, all
// linked chats); extra counts messages decided but not yet written.
// Broadcasts call it too, so one cap holds for everything.
func CapReached(ctx context.Context, st CapStore, cfg *Config, id shop.CustomerID, now time.Time, extra int) (bool, error) {
	if cfg.PerDay > 0 {
		n, err := st.MarketingSince(ctx, id, now.Add(-24*time.Hour))
		if err != nil {
			return true, err
		}
		if n+extra >= cfg.PerDay {
			return true, nil
		}
	}
	if cfg.PerWeek > 0 {
		n, err := st.MarketingSince(ctx, id, now.Add(-7*24*time.Hour))
		if err != nil {
			return true, err
		}
		if n+extra >= cfg.PerWeek {
			return true, nil
		}
	}
	return false, nil
}

// zone is the customer's time zone: their own when known, else the shop's.
func (x *run) zone(c shop.Customer) *time.Location {
	if c.Zone != "" {
		x.mu.Lock()
		defer x.mu.Unlock()
		loc, ok := x.zones[c.Zone]
		if !ok {
			loc, _ = time.LoadLocation(c.Zone) // nil for an unknown name
			x.zones[c.Zone] = loc
		}
		if loc != nil {
			return loc
		}
	}
	if x.sh.Zone != nil {
		return x.sh.Zone
	}
	return time.UTC
}

// quiet reports whether at is in the customer's quiet hours, and when
// they end.
func (x *run) quiet(c shop.Customer) (bool, time.Time) {
	return QuietHours(x.cfg.QuietFrom, x.cfg.QuietTo, x.at.In(x.zone(c)))
}

// QuietHours reports whether t (in the customer's zone) is between from
// and to (times of day; from after to spans midnight), and when the quiet
// hours end.
func QuietHours(from, to time.Duration, t time.Time) (bool, time.Time) {
	if from == to {
		return false, time.Time{}
	}
	midnight := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location())
	of := t.Sub(midnight)
	// A day with a DST change is not exactly 24 h; Date normalises.
	at := func(day int, d time.Duration) time.Time {
		return time.Date(t.Year(), t.Month(), t.Day()+day, int(d/time.Hour), int(d%time.Hour/time.Minute), 0, 0, t.Location())
	}
	if from > to { // 21:00-10:00
		switch {
		case of >= from:
			return true, at(1, to)
		case of < to:
			return true, at(0, to)
		}
		return false, time.Time{}
	}
	if of >= from && of < to {
		return true, at(0, to)
	}
	return false, time.Time{}
}

// profile reads what campaigns need of one customer.
func (x *run) profile(ctx context.Context, id shop.CustomerID) (*Profile, error) {
	c, err := x.st.Customer(ctx, id)
	if err != nil {
		return nil, err
	}
	cart, err := x.st.Cart(ctx, id)
	if err != nil {
		return nil, err
	}
	orders, err := x.st.Orders(ctx, id)
	if err != nil {
		return nil, err
	}
	var events []shop.Event
	err = x.st.CustomerEvents(ctx, id, x.at.Add(-90*24*time.Hour), func(e shop.Event) bool {
		if e.Type == shop.EventViewed || e.Type == shop.EventCarted {
			events = append(events, e)
		}
		return len(events) < 2000
	})
	if err != nil {
		return nil, err
	}
	p := profile(c, cart, orders, events, x.sh.Catalog, x.at)
	return &p, nil
}
