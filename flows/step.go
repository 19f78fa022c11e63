package flows

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/looplab/fsm"

	"omnicart/bot"
	"omnicart/locales"
	"omnicart/shop"
)

// session is the stored position of a customer in the flows.
type session struct {
	State   string            `json:"state"`
	Vars    map[string]string `json:"vars,omitempty"`
	Updated time.Time         `json:"updated"`
}

// turn is one customer's conversation as loaded for one step.
type turn struct {
	id   shop.CustomerID
	cust shop.Customer
	sess session
	cart shop.Cart
	// hadCart is true when the cart was not empty when loaded: an empty
	// cart left empty is not written back.
	hadCart bool
	seen    string // the update's seen key (seenKey), marked when saved
}

// maxSteps bounds how many states one message may pass through.
const maxSteps = 20

// handle runs one shopper's message and sends the replies.
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
	if _, ok := e.store.(turns); !ok && m.ID != "" {
		// Without turns the update is marked seen before it is handled;
		// with them, in the transaction that saves its turn (step).
		first, err := e.store.FirstSeen(ctx, seenKey(m))
		if err == nil && !first {
			e.stats.Duplicates.Add(1)
			return
		}
	}
	m.Text, m.Payload = clean(m.Text), clean(m.Payload)
	replies, err := e.step(ctx, id, m)
	if errors.Is(err, errDuplicate) {
		e.stats.Duplicates.Add(1)
		return
	}
	if err != nil {
		e.stats.Errors.Add(1)
		e.log.Error("handle message", slog.String("customer", string(id)), slog.Any("err", err))
		sh := e.shop.Load()
		key := "error.internal"
		if errors.Is(err, shop.ErrTryLater) { // a full disk: nothing changed
			key = "error.try_later"
		}
		replies = append(replies, bot.Reply{Text: sh.Texts.Printer(sh.Lang).T(key), Lang: sh.Lang})
	}
	if len(replies) == 0 {
		return
	}
	if err := e.send.Send(ctx, m.From, replies); err != nil {
		e.stats.Errors.Add(1)
		e.log.Warn("send replies", slog.String("channel", m.From.Channel), slog.Any("err", err))
	}
}

// seenKey is the key that marks update m seen ("telegram:123"); "" for a
// message without an ID.
func seenKey(m bot.Message) string {
	if m.ID == "" {
		return ""
	}
	return m.From.Channel + ":" + m.ID
}

// errDuplicate is step's error for an update already handled.
var errDuplicate = errors.New("a duplicate update")

// load reads a customer's conversation: profile, session and cart, in
// one transaction when the store can (turns), which also reads whether
// the update was handled before (errDuplicate).
func (e *Engine) load(ctx context.Context, id shop.CustomerID, seen string) (*turn, error) {
	t := &turn{id: id, seen: seen}
	var raw []byte
	var err error
	if st, ok := e.store.(turns); ok {
		var dup bool
		if t.cust, raw, t.cart, dup, err = st.Turn(ctx, id, seen); err != nil {
			return nil, fmt.Errorf("load: %w", err)
		}
		if dup {
			return nil, errDuplicate
		}
	} else if t.cust, raw, t.cart, err = e.loadEach(ctx, id); err != nil {
		return nil, err
	}
	t.hadCart = len(t.cart.Lines) > 0
	if raw != nil {
		if err := json.Unmarshal(raw, &t.sess); err != nil {
			e.log.Warn("session unreadable, starting over", slog.String("customer", string(id)))
			t.sess = session{}
		}
	}
	if t.sess.Vars == nil {
		t.sess.Vars = map[string]string{}
	}
	return t, nil
}

// loadEach reads profile, session and cart one by one.
func (e *Engine) loadEach(ctx context.Context, id shop.CustomerID) (cust shop.Customer, raw []byte, cart shop.Cart, err error) {
	if cust, err = e.store.Customer(ctx, id); err != nil {
		return cust, nil, cart, fmt.Errorf("load customer: %w", err)
	}
	if raw, err = e.store.Session(ctx, id); err != nil {
		return cust, nil, cart, fmt.Errorf("load session: %w", err)
	}
	if cart, err = e.store.Cart(ctx, id); err != nil {
		return cust, nil, cart, fmt.Errorf("load cart: %w", err)
	}
	return cust, raw, cart, nil
}

// newCtx is what the actions see while t takes a step prompted by m.
func (e *Engine) newCtx(ctx context.Context, sh *Shop, t *turn, m bot.Message, now time.Time) *Ctx {
	lang := t.cust.Lang
	if lang == "" {
		lang = sh.Lang
	}
	return &Ctx{Context: ctx, Msg: m, Customer: &t.cust, Cart: &t.cart, Vars: t.sess.Vars,
		P: sh.Texts.Printer(lang), Shop: sh, Now: now, events: e.store, Role: e.role(m.From), eng: e,
		Log: e.log.With(slog.String("customer", string(t.id)))}
}

// save stores the session and the cart, and the customer when changed.
func (e *Engine) save(ctx context.Context, c *Ctx, t *turn, customerChanged bool) error {
	if c.dirty || customerChanged {
		if err := e.store.SaveCustomer(ctx, t.cust); err != nil {
			return fmt.Errorf("save customer: %w", err)
		}
	}
	data, err := json.Marshal(t.sess)
	if err != nil {
		return err
	}
	st, hasTurns := e.store.(turns)
	seen := t.seen
	if !hasTurns {
		seen = "" // marked before the step (handle)
	}
	if hasTurns && !t.hadCart && len(t.cart.Lines) == 0 {
		err = st.SaveSessionOnly(ctx, t.id, data, seen)
	} else {
		err = e.store.SaveState(ctx, t.id, data, t.cart, seen)
	}
	if err != nil {
		return fmt.Errorf("save state: %w", err)
	}
	for i := range c.out {
		c.out[i].Lang = c.Lang()
	}
	return nil
}

// stale reports whether a session has no place in set any more: its state
// is gone, or it was idle longer than the session TTL.
func (e *Engine) stale(set *Set, s session, now time.Time) bool {
	_, ok := set.states[s.State]
	return !ok || e.opt.SessionTTL > 0 && now.Sub(s.Updated) > e.opt.SessionTTL
}

// step runs one message through the flows and saves the result.
func (e *Engine) step(ctx context.Context, id shop.CustomerID, m bot.Message) ([]bot.Reply, error) {
	sh := e.shop.Load()
	t, err := e.load(ctx, id, seenKey(m))
	if err != nil {
		return nil, err
	}
	now := e.opt.Now()
	changed, verified := noteArrival(&t.cust, m, sh.Lang, now)
	c := e.newCtx(ctx, sh, t, m, now)
	e.intake(c)
	set := sh.Flows
	fresh := e.stale(set, t.sess, now) // a new customer, or one back after the session's time
	if fresh || !set.Allowed(c.Role, t.sess.State) {
		// Idle too long, its state gone, or a staff screen whose role was
		// taken away: start at the menu.
		t.sess.State = set.commands["start"]
		clear(t.sess.Vars)
	}
	t.sess.Updated = now
	if err := e.arrive(c, verified, fresh); err != nil {
		return c.out, err
	}
	if c.Msg.Unsupported != "" { // a voice note, a sticker: say what can be read, stay put
		c.Say("error.unsupported")
		return c.out, e.save(ctx, c, t, changed)
	}
	next, ev, arg := e.route(c, set, t.sess.State)
	if next != "" {
		state, err := e.enter(c, set, t.sess.State, next, ev, arg)
		t.sess.State = state
		if err != nil {
			return c.out, err
		}
	}
	if err := e.save(ctx, c, t, changed); err != nil {
		return c.out, err
	}
	return c.out, nil
}

// noteArrival records on cust what a message says about them: language,
// name, time zone, the chat they write from (reachable, last used), a phone number
// the platform vouches for, when they were seen. verified is true when the
// phone was learned now.
func noteArrival(cust *shop.Customer, m bot.Message, defaultLang string, now time.Time) (changed, verified bool) {
	if cust.Lang == "" {
		cust.Lang = locales.Match(m.Lang)
		if cust.Lang == "" {
			cust.Lang = defaultLang
		}
		changed = true
	}
	if cust.Name == "" && m.Name != "" {
		cust.Name = m.Name
		changed = true
	}
	if m.Zone != "" && cust.Zone != m.Zone {
		cust.Zone = m.Zone
		changed = true
	}
	if cust.SetReachable(m.From.Channel, true) {
		changed = true
	}
	if addr := m.From.String(); cust.LastAddress != addr {
		cust.LastAddress = addr
		changed = true
	}
	if phone, ok := phoneOfAddress(m.From); ok && !cust.PhoneVerified {
		cust.Phone, cust.PhoneVerified = phone, true
		changed, verified = true, true
	}
	if now.Sub(cust.SeenAt) > time.Minute {
		cust.SeenAt = now
		changed = true
	}
	return changed, verified
}

// arrive runs what a message does before it is routed: it links this chat
// to another customer when the platform vouched for a phone they share or
// a /start carries a link code (the link screen's deep link), and records
// where a /start came from. A /start, or any first message of a visit
// (fresh: a new customer, or one back after the session's time; a
// WhatsApp shopper just writes), is the funnel's "started".
func (e *Engine) arrive(c *Ctx, verified, fresh bool) error {
	if verified {
		if err := e.link.byPhone(c); err != nil {
			return err
		}
	}
	if c.Msg.Command != "start" {
		if fresh {
			c.Track(shop.EventStart, "")
		}
		return nil
	}
	if code, ok := linkCode(c.Msg.Payload); ok {
		if err := e.link.useCode(c, code); err != nil {
			c.Log.Error("link by deep link", slog.Any("err", err))
			c.Say("error.internal")
		}
		return nil
	}
	if code, ok := strings.CutPrefix(c.Msg.Payload, promoPayload); ok {
		promoFromLink(c, e.store, code) // kept for the checkout (checkout.go)
	}
	if src := cleanSource(c.Msg.Payload); src != "" && c.Customer.Source == "" {
		c.Customer.Source = src
		c.dirty = true
	}
	c.Track(shop.EventStart, "")
	return nil
}

// route decides where a message leads from state: the next state, and the
// event and argument that lead there. next is "" when the message is
// answered without moving.
func (e *Engine) route(c *Ctx, set *Set, state string) (next, event, arg string) {
	m := c.Msg
	switch {
	case m.Command != "":
		target, ok := set.commands[m.Command]
		if !ok || !set.Allowed(c.Role, target) {
			// A staff command is unknown to everyone else: nothing
			// reveals that it exists.
			c.Say("error.unknown_command", "command", "/"+m.Command)
			return state, "", ""
		}
		return target, "command", m.Payload
	case m.Button != "":
		ev, a, ok := DecodeChoice(m.Button)
		if !ok {
			c.Say("error.stale")
			return state, "", ""
		}
		if cmd, isCmd := strings.CutPrefix(ev, cmdPrefix); isCmd {
			// A button that works like a typed command, from any screen.
			target, ok := set.commands[cmd]
			if !ok || !set.Allowed(c.Role, target) {
				c.Say("error.stale")
				return state, "", ""
			}
			return target, "command", a
		}
		if target, isGo := strings.CutPrefix(ev, goPrefix); isGo {
			// Buttons that open a flow's start work from any screen.
			if start, ok := set.start(target); ok {
				if !set.Allowed(c.Role, start) {
					c.Say("error.stale")
					return state, "", ""
				}
				return start, "go", a
			}
		}
		if IsOutside(ev) && !set.emits(state, ev) {
			// Only the shop says an order is paid, never a button.
			c.Say("error.stale")
			return state, "", ""
		}
		f := set.machine(state)
		if err := f.Event(c, ev); err != nil && !errors.As(err, new(fsm.NoTransitionError)) || !set.Allowed(c.Role, f.Current()) {
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
			ev, err := e.run(c, st.Input)
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
			return e.follow(c, set, state, ev)
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

// follow moves from state on the event an input action returned.
func (e *Engine) follow(c *Ctx, set *Set, state, ev string) (string, string, string) {
	f := set.machine(state)
	if err := f.Event(c, ev); err != nil && !errors.As(err, new(fsm.NoTransitionError)) {
		c.Log.Error("action emitted an event the state does not handle", slog.String("state", state), slog.String("event", ev))
		c.Say("error.internal")
		return "", "", ""
	}
	return f.Current(), ev, c.Arg
}

// run runs the action named name.
func (e *Engine) run(c *Ctx, name string) (string, error) {
	a, ok := e.actions[name]
	if !ok || a.Run == nil {
		return "", fmt.Errorf("action %q is not registered with the engine", name)
	}
	if !c.Role.AtLeast(a.Role) { // an owner's flow without its role: check refuses it, this holds anyway
		c.Log.Warn("staff action refused below its role", slog.String("action", name), slog.String("role", string(a.Role)))
		if c.Msg.Command != "" {
			c.Say("error.unknown_command", "command", "/"+c.Msg.Command)
		} else {
			c.Say("error.stale")
		}
		return "", nil
	}
	return a.Run(c)
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
			next, err = e.run(c, st.Do)
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
