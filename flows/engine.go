// Package flows is the conversation engine: flows are state machines
// (github.com/looplab/fsm) loaded from data files, whose states run Go
// actions registered by name. The engine serializes the work of each
// customer (their messages, notices to them, outside events about them)
// and runs many customers at once on a bounded pool of workers.
package flows

import (
	"context"
	"io/fs"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"omnicart/bot"
	"omnicart/catalog"
	"omnicart/locales"
	"omnicart/payments"
	"omnicart/shop"
)

// Shop is what the owner edits, loaded and validated as one: it is swapped
// whole on reload, so a bad edit never replaces the last good version.
type Shop struct {
	Name string
	// Catalog is the catalog in force: File with the overrides made from
	// the chat (/price, /hide...), applied by the engine (SetShop).
	Catalog *catalog.Catalog
	// File is the catalog as the owner's files say; nil: Catalog is.
	File   *catalog.Catalog
	Flows  *Set
	Texts  *locales.Bundle
	Images fs.FS
	Lang   string // default language
	// Zone is the shop's time zone: order times are shown in it. Nil: the
	// server's local zone.
	Zone *time.Location
	// Loyalty is the loyalty programme (the config's [loyalty]); zero: no points.
	Loyalty shop.Loyalty
}

// zone is the shop's time zone.
func (s *Shop) zone() *time.Location {
	if s.Zone == nil {
		return time.Local
	}
	return s.Zone
}

// Sender is how the engine reaches chats: Send answers a shopper (it may
// queue), Deliver delivers a notice and returns only when the platform took
// it. bot.Senders satisfies it.
type Sender interface {
	bot.Sender
	bot.Deliverer
}

// Options tune an Engine; zero values pick defaults.
type Options struct {
	Workers   int // parallel customers; default 8
	QueueSize int // jobs waiting per customer; default 64
	Now       func() time.Time
	Logger    *slog.Logger
	// DeepLinks returns links that open a chat with the shop and send it
	// "/start <payload>" (Telegram's t.me link, the web chat's address);
	// the link screen offers them with the link code. Nil: none.
	DeepLinks func(payload string) []string
	// SessionTTL is how long an idle conversation keeps its place; after
	// it the shopper starts at the main menu (the cart is kept). 0: forever.
	SessionTTL time.Duration
	// Observe, when set, is called once per handled message with the time
	// it took (for a histogram in /metrics).
	Observe func(time.Duration)
	// Roles says the role of a chat (the config's [admin] lists); nil: every
	// chat is a shopper.
	Roles func(from bot.Address) Role
	// Staff is what the staff's commands need besides the store.
	Staff StaffOptions
	// Desk configures the staff's desk: support, returns, stats and
	// broadcasts.
	Desk Desk
	// Actions are run besides the built-in ones (an action of the same
	// name replaces the built-in one). The shop's flows must have been
	// loaded with the same actions.
	Actions Actions
}

// Engine runs conversations.
type Engine struct {
	store   Store
	send    Sender
	actions Actions
	link    linker
	shop    atomic.Pointer[Shop]
	opt     Options
	log     *slog.Logger

	mu       sync.Mutex
	queues   map[shop.CustomerID]*queue
	ready    chan *queue
	stopping bool
	stopped  chan struct{} // closed when Run begins to stop
	inflight sync.WaitGroup

	stats Stats
}

// Stats are the engine's counters, read by /metrics.
type Stats struct {
	Messages   atomic.Int64 // handled
	Duplicates atomic.Int64 // dropped as already seen
	Dropped    atomic.Int64 // queue full or shutting down
	Errors     atomic.Int64 // failed actions or sends
	Nanos      atomic.Int64 // total handling time
}

// NewEngine returns an engine over st that answers through send and takes
// payments with the enabled methods pay, offered in that order. pay is
// required: there is no default provider (a demo one would mark unpaid
// orders paid). The built-in actions run over st, pay and opt.DeepLinks.
func NewEngine(st Store, send Sender, pay []payments.Provider, sh *Shop, opt Options) *Engine {
	if len(pay) == 0 || slices.Contains(pay, nil) {
		panic("flows: NewEngine needs the enabled payment providers")
	}
	if opt.Workers <= 0 {
		opt.Workers = 8
	}
	if opt.QueueSize <= 0 {
		opt.QueueSize = 64
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	actions := builtin(st, pay, opt.DeepLinks)
	maps.Copy(actions, deskActions(st, opt.Desk))
	for name, a := range opt.Actions {
		if a.Role == RoleShopper { // a replacement keeps the role of what it replaces
			a.Role = actions[name].Role
		}
		actions[name] = a
	}
	e := &Engine{store: st, send: send, actions: actions, link: newLinker(st), opt: opt, log: opt.Logger,
		queues: map[shop.CustomerID]*queue{}, ready: make(chan *queue, 4096), stopped: make(chan struct{})}
	e.SetShop(sh)
	return e
}

// SetShop swaps in a newly loaded shop, its catalog with the overrides
// made from the chat (a reload never undoes them); messages already being
// handled finish with the old one.
func (e *Engine) SetShop(sh *Shop) { e.shop.Store(e.withOverrides(sh)) }

// Shop returns the shop in force.
func (e *Engine) Shop() *Shop { return e.shop.Load() }

// Stats returns the engine's counters.
func (e *Engine) Stats() *Stats { return &e.stats }

// Run works the queues until ctx ends, then finishes the jobs already
// queued and returns. Notify and Fire calls still waiting for their turn
// return ErrStopping.
func (e *Engine) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	work := context.WithoutCancel(ctx)
	for range e.opt.Workers {
		wg.Go(func() {
			for q := range e.ready {
				e.drain(work, q)
			}
		})
	}
	<-ctx.Done()
	e.mu.Lock()
	e.stopping = true
	close(e.stopped)
	e.mu.Unlock()
	e.inflight.Wait()
	close(e.ready)
	wg.Wait()
	return nil
}
