// Package flows is the conversation engine: flows are state machines
// (github.com/looplab/fsm) loaded from data files, whose states run Go
// actions registered by name. The engine serializes the messages of each
// customer and runs many customers at once on a bounded pool of workers.
package flows

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"

	"github.com/looplab/fsm"

	"omnicart/bot"
	"omnicart/catalog"
	"omnicart/locales"
	"omnicart/payments"
	"omnicart/shop"
)

// Store is the persistence the engine needs; *store.DB satisfies it.
type Store interface {
	CustomerFor(ctx context.Context, addr string) (shop.Customer, error)
	Customer(ctx context.Context, id shop.CustomerID) (shop.Customer, error)
	SaveCustomer(ctx context.Context, c shop.Customer) error
	Session(ctx context.Context, id shop.CustomerID) ([]byte, error)
	Cart(ctx context.Context, id shop.CustomerID) (shop.Cart, error)
	SaveState(ctx context.Context, id shop.CustomerID, session []byte, c shop.Cart) error
	Stock(ctx context.Context, item shop.Item) (int, bool, error)
	PlaceOrder(ctx context.Context, o shop.Order) (shop.Order, error)
	Order(ctx context.Context, id string) (shop.Order, error)
	Orders(ctx context.Context, id shop.CustomerID) ([]shop.Order, error)
	UpdateOrder(ctx context.Context, id string, fn func(*shop.Order) error) (shop.Order, error)
	LogEvent(ctx context.Context, e shop.Event) error
	FirstSeen(ctx context.Context, key string) (bool, error)
	SaveCart(ctx context.Context, id shop.CustomerID, c shop.Cart) error
	ByPhone(ctx context.Context, phone string) (shop.CustomerID, bool, error)
	NewLinkCode(ctx context.Context, id shop.CustomerID) (string, error)
	TakeLinkCode(ctx context.Context, code string) (shop.CustomerID, bool, error)
	Merge(ctx context.Context, from, into shop.CustomerID) (shop.Customer, error)
	Unlink(ctx context.Context, id shop.CustomerID, addr string) (shop.Customer, error)
}

// Shop is what the owner edits, loaded and validated as one: it is swapped
// whole on reload, so a bad edit never replaces the last good version.
type Shop struct {
	Name    string
	Catalog *catalog.Catalog
	Flows   *Set
	Texts   *locales.Bundle
	Images  fs.FS
	Lang    string // default language
}

// Options tune an Engine; zero values pick defaults.
type Options struct {
	Workers   int // parallel customers; default 8
	QueueSize int // messages waiting per customer; default 64
	Now       func() time.Time
	Logger    *slog.Logger
	Payments  payments.Provider
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
}

// Engine runs conversations.
type Engine struct {
	store   Store
	send    bot.Sender
	actions Actions
	shop    atomic.Pointer[Shop]
	opt     Options
	log     *slog.Logger

	mu       sync.Mutex
	queues   map[shop.CustomerID]*queue
	ready    chan *queue
	stopping bool
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

type queue struct {
	id      shop.CustomerID
	msgs    []bot.Message
	running bool
}

// NewEngine returns an engine over store that answers through send.
// actions are the registry the flows of sh were validated against.
func NewEngine(store Store, send bot.Sender, actions Actions, sh *Shop, opt Options) *Engine {
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
	if opt.Payments == nil {
		opt.Payments = payments.Demo{}
	}
	e := &Engine{store: store, send: send, actions: actions, opt: opt, log: opt.Logger,
		queues: map[shop.CustomerID]*queue{}, ready: make(chan *queue, 4096)}
	e.shop.Store(sh)
	return e
}

// SetShop swaps in a newly loaded shop; messages already being handled
// finish with the old one.
func (e *Engine) SetShop(sh *Shop) { e.shop.Store(sh) }

// Shop returns the shop in force.
func (e *Engine) Shop() *Shop { return e.shop.Load() }

// Stats returns the engine's counters.
func (e *Engine) Stats() *Stats { return &e.stats }

// Handle queues m behind the earlier messages of the same customer. It
// returns at once unless every worker is busy and the ready list is full.
func (e *Engine) Handle(ctx context.Context, m bot.Message) {
	cust, err := e.store.CustomerFor(ctx, m.From.String())
	if err != nil {
		e.log.Error("resolve customer", slog.String("channel", m.From.Channel), slog.Any("err", err))
		e.stats.Errors.Add(1)
		done(m)
		return
	}
	e.mu.Lock()
	if e.stopping {
		e.mu.Unlock()
		e.stats.Dropped.Add(1)
		done(m)
		return
	}
	q := e.queues[cust.ID]
	if q == nil {
		q = &queue{id: cust.ID}
		e.queues[cust.ID] = q
	}
	if len(q.msgs) >= e.opt.QueueSize {
		e.mu.Unlock()
		e.log.Warn("customer queue full", slog.String("customer", string(cust.ID)))
		e.stats.Dropped.Add(1)
		done(m)
		return
	}
	q.msgs = append(q.msgs, m)
	e.inflight.Add(1)
	schedule := !q.running
	q.running = true
	e.mu.Unlock()
	if schedule {
		e.ready <- q
	}
}

func done(m bot.Message) {
	if m.Done != nil {
		m.Done()
	}
}

// Run works the queues until ctx ends, then finishes the messages already
// queued and returns.
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
	e.mu.Unlock()
	e.inflight.Wait()
	close(e.ready)
	wg.Wait()
	return nil
}

// drain handles the messages of one customer in order, then releases it.
func (e *Engine) drain(ctx context.Context, q *queue) {
	for {
		e.mu.Lock()
		if len(q.msgs) == 0 {
			q.running = false
			delete(e.queues, q.id)
			e.mu.Unlock()
			return
		}
		m := q.msgs[0]
		q.msgs = q.msgs[1:]
		e.mu.Unlock()
		e.handle(ctx, q.id, m)
		done(m)
		e.inflight.Done()
	}
}

// session is the stored position of a customer in the flows.
type session struct {
	State   string            `json:"state"`
	Vars    map[string]string `json:"vars,omitempty"`
	Updated time.Time         `json:"updated"`
}

// maxSteps bounds how many states one message may pass through.
const maxSteps = 20

func (e *Engine) handle(ctx context.Context, id shop.CustomerID, m bot.Message) {
	start := time.Now()
	defer func() {
		e.stats.Messages.Add(1)
		took := time.Since(start)
		e.stats.Nanos.Add(int64(took))
		if e.opt.Observe != nil {
			e.opt.Observe(took)
		}
		if r := recover(); r != nil {
			e.stats.Errors.Add(1)
			e.log.Error("panic in flow", slog.Any("panic", r), slog.String("customer", string(id)))
		}
	}()
	if m.ID != "" {
		first, err := e.store.FirstSeen(ctx, m.From.Channel+":"+m.ID)
		if err == nil && !first {
			e.stats.Duplicates.Add(1)
			return
		}
	}
	m.Text, m.Payload = clean(m.Text), clean(m.Payload)
	replies, err := e.step(ctx, id, m)
	if err != nil {
		e.stats.Errors.Add(1)
		e.log.Error("handle message", slog.String("customer", string(id)), slog.Any("err", err))
		sh := e.shop.Load()
		replies = append(replies, bot.Reply{Text: sh.Texts.Printer(sh.Lang).T("error.internal"), Lang: sh.Lang})
	}
	if len(replies) == 0 {
		return
	}
	if err := e.send.Send(ctx, m.From, replies); err != nil {
		e.stats.Errors.Add(1)
		e.log.Warn("send replies", slog.String("channel", m.From.Channel), slog.Any("err", err))
	}
}

// step runs one message through the flows and saves the result.
func (e *Engine) step(ctx context.Context, id shop.CustomerID, m bot.Message) ([]bot.Reply, error) {
	sh := e.shop.Load()
	cust, err := e.store.Customer(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("load customer: %w", err)
	}
	var sess session
	raw, err := e.store.Session(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("load session: %w", err)
	}
	if raw != nil {
		if err := json.Unmarshal(raw, &sess); err != nil {
			e.log.Warn("session unreadable, starting over", slog.String("customer", string(id)))
			sess = session{}
		}
	}
	if sess.Vars == nil {
		sess.Vars = map[string]string{}
	}
	cart, err := e.store.Cart(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("load cart: %w", err)
	}
	now := e.opt.Now()
	dirty := false
	if cust.Lang == "" {
		cust.Lang = locales.Match(m.Lang)
		if cust.Lang == "" {
			cust.Lang = sh.Lang
		}
		dirty = true
	}
	if cust.Name == "" && m.Name != "" {
		cust.Name = m.Name
		dirty = true
	}
	if cust.SetReachable(m.From.Channel, true) {
		dirty = true
	}
	if addr := m.From.String(); cust.LastAddress != addr {
		cust.LastAddress = addr
		dirty = true
	}
	verified := false
	if phone, ok := phoneOfAddress(m.From); ok && !cust.PhoneVerified {
		cust.Phone, cust.PhoneVerified = phone, true
		dirty, verified = true, true
	}
	if now.Sub(cust.SeenAt) > time.Minute {
		cust.SeenAt = now
		dirty = true
	}
	c := &Ctx{Context: ctx, Msg: m, Customer: &cust, Cart: &cart, Vars: sess.Vars,
		P: sh.Texts.Printer(cust.Lang), Shop: sh, Now: now, eng: e,
		Log: e.log.With(slog.String("customer", string(id)))}
	if verified {
		if err := linkByPhone(c); err != nil {
			return c.out, err
		}
	}
	set := sh.Flows
	if _, ok := set.states[sess.State]; !ok || e.opt.SessionTTL > 0 && now.Sub(sess.Updated) > e.opt.SessionTTL {
		sess.State = set.commands["start"]
		clear(sess.Vars)
	}
	sess.Updated = now
	next, ev, arg := e.route(c, set, sess.State)
	state := sess.State
	if next != "" {
		state, err = e.enter(c, set, sess.State, next, ev, arg)
	}
	sess.State = state
	if err != nil {
		return c.out, err
	}
	if c.dirty || dirty {
		if err := e.store.SaveCustomer(ctx, cust); err != nil {
			return c.out, fmt.Errorf("save customer: %w", err)
		}
	}
	data, err := json.Marshal(sess)
	if err != nil {
		return c.out, err
	}
	if err := e.store.SaveState(ctx, id, data, cart); err != nil {
		return c.out, fmt.Errorf("save state: %w", err)
	}
	for i := range c.out {
		c.out[i].Lang = c.Lang()
	}
	return c.out, nil
}

// route decides where a message leads from state: the next state, and the
// event and argument that lead there. next is "" when the message is
// answered without moving.
func (e *Engine) route(c *Ctx, set *Set, state string) (next, event, arg string) {
	m := c.Msg
	switch {
	case m.Command != "":
		target, ok := set.commands[m.Command]
		if !ok {
			c.Say("error.unknown_command", "command", "/"+m.Command)
			return state, "", ""
		}
		if m.Command == "start" {
			c.start(m.Payload)
		}
		return target, "command", m.Payload
	case m.Button != "":
		ev, a, ok := DecodeChoice(m.Button)
		if !ok {
			c.Say("error.stale")
			return state, "", ""
		}
		if target, isGo := strings.CutPrefix(ev, "go:"); isGo && set.starts[target] {
			// Buttons that open a flow's start work from any screen.
			return target, "go", a
		}
		f := set.machine(state)
		if err := f.Event(c, ev); err != nil && !errors.As(err, new(fsm.NoTransitionError)) {
			c.Say("error.stale")
			return state, "", ""
		}
		return f.Current(), ev, a
	case m.Text == "" && m.Contact == nil && m.Location == nil && m.Photo == "":
		// An empty message (a terminal chat coming back) shows the
		// current screen again.
		return state, "", ""
	default:
		st := set.states[state]
		if st.Input != "" {
			ev, err := e.actions[st.Input].Run(c)
			if err != nil {
				c.Log.Error("input action", slog.String("action", st.Input), slog.Any("err", err))
				c.Say("error.internal")
				return "", "", ""
			}
			if ev == "" {
				// Not accepted: the action said why; show the question
				// again with its buttons (Cancel, Back).
				return state, "", ""
			}
			return e.fire(c, set, state, ev)
		}
		if m.Text != "" {
			if target, ok := set.commands["search"]; ok {
				return target, "text", m.Text
			}
		}
		c.Say("error.not_understood")
		return state, "", ""
	}
}

// fire moves from state on event through the state machine.
func (e *Engine) fire(c *Ctx, set *Set, state, ev string) (string, string, string) {
	f := set.machine(state)
	if err := f.Event(c, ev); err != nil && !errors.As(err, new(fsm.NoTransitionError)) {
		c.Log.Error("action emitted an event the state does not handle", slog.String("state", state), slog.String("event", ev))
		c.Say("error.internal")
		return "", "", ""
	}
	return f.Current(), ev, c.Arg
}

// enter runs the state the conversation moves into, following the events
// its actions return, and renders the state where it stops.
func (e *Engine) enter(c *Ctx, set *Set, from, state, ev, arg string) (string, error) {
	for range maxSteps {
		st := set.states[state]
		c.Event, c.Arg = ev, arg
		c.args, c.text, c.photo, c.choices, c.ask = nil, "", "", nil, bot.Reply{}
		var next string
		if st.Do != "" {
			var err error
			next, err = e.actions[st.Do].Run(c)
			if err != nil {
				return from, fmt.Errorf("state %s: action %s: %w", st.Name, st.Do, err)
			}
		} else if st.auto() {
			if st.Say != "" {
				c.Say(st.Say)
			}
			next = "next"
		}
		if next == "" {
			e.render(c, st)
			return state, nil
		}
		f := set.machine(state)
		if err := f.Event(c, next); err != nil && !errors.As(err, new(fsm.NoTransitionError)) {
			return from, fmt.Errorf("state %s: action %s returned event %q: %w", st.Name, st.Do, next, err)
		}
		from, state, ev, arg = state, f.Current(), next, c.Arg
	}
	return from, fmt.Errorf("more than %d states passed through from %s", maxSteps, from)
}

// render shows the screen of the state the conversation waits in.
func (e *Engine) render(c *Ctx, st *State) {
	r := c.ask
	r.Text = c.text
	if r.Text == "" && st.Say != "" {
		r.Text = c.P.T(st.Say, c.args...)
	}
	r.Photo = c.photo
	r.Choices = c.choices
	for _, b := range st.Buttons {
		r.Choices = append(r.Choices, []bot.Choice{{Label: c.P.T(b.Text), Data: EncodeChoice(goEvent(b.To), "")}})
	}
	if r.Text == "" && r.Photo == "" && len(r.Choices) == 0 {
		return
	}
	r.Replace = c.Msg.Button != "" && len(c.out) == 0
	c.out = append(c.out, r)
}

// start records the deep-link source of a /start; "link_<code>" links
// this chat to the customer who made the code.
func (c *Ctx) start(payload string) {
	if code, ok := strings.CutPrefix(payload, "link_"); ok {
		if err := useLinkCode(c, code); err != nil {
			c.Log.Error("link by deep link", slog.Any("err", err))
			c.Say("error.internal")
		}
		return
	}
	src := cleanSource(payload)
	if src != "" && c.Customer.Source == "" {
		c.Customer.Source = src
		c.dirty = true
	}
	c.Track("start", "", "")
}

// cleanSource keeps a deep-link payload as Telegram allows it: up to 64 of
// A-Z, a-z, 0-9, _ and -.
func cleanSource(s string) string {
	if len(s) > 64 {
		s = s[:64]
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') && (r < '0' || r > '9') && r != '_' && r != '-' {
			return ""
		}
	}
	return s
}

// clean drops what a person cannot see or type from shopper text: control
// characters (but line breaks and tabs), zero-width and direction marks,
// invalid UTF-8; and trims spaces.
func clean(s string) string {
	if s == "" {
		return s
	}
	s = strings.ToValidUTF8(s, "")
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return r
		}
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}
