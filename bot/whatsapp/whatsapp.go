// Package whatsapp is the WhatsApp channel over go.mau.fi/whatsmeow (a
// linked device of the shop's phone, like WhatsApp Web). It turns incoming
// messages into bot.Messages for the engine and bot.Replies into WhatsApp
// messages, and is the only package that imports whatsmeow.
//
// Menus are numbered text lists ("Reply with a number 1–5") or, when
// Options.Polls is on and they fit, single-choice polls: interactive buttons
// are not delivered to ordinary WhatsApp users. The adapter remembers each
// chat's latest menu, so "2", "Cart" or a poll vote come back as the
// choice's Data in Message.Button; anything else is plain text (a search).
//
// Addresses: a person keeps the address they were first given. A newcomer
// is bot.Address{Channel: "whatsapp", Chat: digits}, the phone number
// without "+", when the number is known (the sender's phone JID, its
// alternative JID, or the LID↔phone mapping in whatsmeow's store), and Chat
// "lid:<user>" when only a LID is. The table whatsapp_aliases maps every
// phone JID and LID seen to the address first given to its person; when a
// message carries both (directly or through the mapping) and either already
// has an address, both get that one (the earlier, if each has its own). So
// a shopper first seen as "lid:<user>" stays "lid:<user>" once the number
// becomes known, and the engine sees the same customer.
//
// The channel is deliberately conservative, because unsolicited or fast
// sending gets numbers banned: one paced queue for all chats (at least
// Options.MinGap between messages plus random jitter), a chat's messages in
// order, typing presence while the shop prepares an answer, and Send
// refuses (ErrFirstContact) any chat that has not written to the shop
// first. Who wrote is kept in the table whatsapp_contacts of the same
// SQLite file as whatsmeow's device store, so it survives restarts; Login
// and Logout forget it. The queue pauses while the client is disconnected
// and resumes once it is connected again, so messages wait instead of
// failing; only real send failures count towards dropping a message.
//
// Shutting down takes three steps: Run returns when its context ends and
// hands no more incoming messages to the engine, while Send still queues
// replies; Flush delivers what is queued within a grace period and
// disconnects; Close closes the SQLite file.
package whatsapp

import (
	"container/list"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/store/sqlstore"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	waLog "go.mau.fi/whatsmeow/util/log"
	_ "modernc.org/sqlite" // pure-Go SQLite driver "sqlite"

	"omnicart/bot"
)

// Errors.
var (
	// ErrNotPaired is returned by Open before "omnicart whatsapp login".
	ErrNotPaired = errors.New(`whatsapp: no device is paired; run "omnicart whatsapp login"`)
	// ErrFirstContact is returned by Send for a chat that never wrote to the
	// shop: the shop never starts a WhatsApp conversation.
	ErrFirstContact = fmt.Errorf("whatsapp: the customer has not written to the shop first: %w", bot.ErrRefused)
	// ErrOffline is returned by Deliver while the client has no connection.
	ErrOffline = errors.New("whatsapp: not connected")
	// ErrClosed is returned by Send after Flush, or after Run ended because
	// the session ended for good; and by Run after Flush.
	ErrClosed = errors.New("whatsapp: channel stopped")
)

// Client is the part of *whatsmeow.Client the channel uses, so tests can
// put a fake behind it. PNForLID returns the phone-number JID the device
// store maps a LID to, and LIDForPN the LID it maps a phone-number JID to
// (the empty JID when unknown).
type Client interface {
	Connect() error
	Disconnect()
	SendMessage(ctx context.Context, to types.JID, msg *waE2E.Message, extra ...whatsmeow.SendRequestExtra) (whatsmeow.SendResponse, error)
	SendPresence(ctx context.Context, state types.Presence) error
	SendChatPresence(ctx context.Context, jid types.JID, state types.ChatPresence, media types.ChatPresenceMedia) error
	Upload(ctx context.Context, plaintext []byte, mediaType whatsmeow.MediaType) (whatsmeow.UploadResponse, error)
	BuildPollCreation(name string, optionNames []string, selectableOptionCount int) *waE2E.Message
	DecryptPollVote(ctx context.Context, vote *events.Message) (*waE2E.PollVoteMessage, error)
	PNForLID(ctx context.Context, lid types.JID) (types.JID, error)
	LIDForPN(ctx context.Context, pn types.JID) (types.JID, error)
}

// Options configure the WhatsApp channel; zero values pick the defaults.
type Options struct {
	// DB is the SQLite file of whatsmeow's device store and of the tables
	// of chats that wrote first and of addresses, e.g. <data>/whatsapp.db.
	DB string
	// MinGap is the least time between two outbound messages (all chats
	// together); each gap adds a random jitter of up to MinGap/2.
	// Default 3s.
	MinGap time.Duration
	// Polls sends short single-choice menus (2–12 options of at most 100
	// characters) as WhatsApp polls instead of numbered lists.
	Polls bool
	// Images holds the photos Reply.Photo names; "https://" photos are
	// downloaded.
	Images fs.FS
	// Text returns a text of the shop's locale files (keys whatsapp.*).
	Text func(lang, key string) string
	// MaxQueue bounds the messages waiting to be sent, also while
	// disconnected; default 10000.
	MaxQueue int
	// MaxChats bounds the chats whose latest menu is kept in memory, and
	// the cached addresses; default 10000.
	MaxChats int
	// MaxAge drops incoming messages older than this (delivered late after
	// a long time offline); default 24h.
	MaxAge time.Duration
	// Backoff is the first delay before reconnecting; it doubles up to 2
	// minutes. Default 1s.
	Backoff time.Duration
	// RefreshVersion learns WhatsApp's current web client version before
	// reconnecting a client WhatsApp called outdated (Open sets it; nil:
	// reconnect as is).
	RefreshVersion func(ctx context.Context)
	Logger         *slog.Logger
	// Now is the clock for message ages and first-contact times; default
	// time.Now.
	Now func() time.Time
}

// maxBackoff caps the reconnect and resend delays.
const maxBackoff = 2 * time.Minute

func (o *Options) defaults() {
	if o.MinGap <= 0 {
		o.MinGap = 3 * time.Second
	}
	if o.Text == nil {
		o.Text = func(_, key string) string { return key }
	}
	if o.MaxQueue <= 0 {
		o.MaxQueue = 10000
	}
	if o.MaxChats <= 0 {
		o.MaxChats = 10000
	}
	if o.MaxAge <= 0 {
		o.MaxAge = 24 * time.Hour
	}
	if o.Backoff <= 0 {
		o.Backoff = time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// WhatsApp is the channel.
type WhatsApp struct {
	h    bot.Handler
	c    Client
	opt  Options
	log  *slog.Logger
	db   *sql.DB // nil: who wrote first and addresses are kept in memory only
	http *http.Client

	conn     chan any // connection events for Run
	presence chan presence
	out      *outbox
	bg       sync.WaitGroup // the outbox and presence goroutines

	mu      sync.Mutex
	menus   *lru[chatMenu] // chat -> its latest menu
	wrote   *lru[bool]     // chats known to have written first
	aliases *lru[alias]    // JID -> the address of its person (a cache of whatsapp_aliases)
	started bool           // Run was called
	stopped bool           // Run returned: incoming messages are not taken
	flushed bool
	stopBG  context.CancelFunc
}

// New returns the channel over c, handing messages to h. Tests pass a fake
// client; opt.DB may be empty to keep who wrote first and the addresses in
// memory only. Register w.HandleEvent as c's event handler.
func New(h bot.Handler, c Client, opt Options) (*WhatsApp, error) {
	var db *sql.DB
	if opt.DB != "" {
		var err error
		if db, err = openDB(opt.DB); err != nil {
			return nil, err
		}
	}
	w, err := newWhatsApp(h, c, db, opt)
	if err != nil && db != nil {
		db.Close()
	}
	return w, err
}

func newWhatsApp(h bot.Handler, c Client, db *sql.DB, opt Options) (*WhatsApp, error) {
	opt.defaults()
	if db != nil {
		if err := createTables(context.Background(), db); err != nil {
			return nil, err
		}
	}
	w := &WhatsApp{h: h, c: c, opt: opt, log: opt.Logger, db: db,
		http:     &http.Client{Timeout: 30 * time.Second},
		conn:     make(chan any, 16),
		presence: make(chan presence, 256),
		menus:    newLRU[chatMenu](opt.MaxChats),
		wrote:    newLRU[bool](opt.MaxChats),
		aliases:  newLRU[alias](opt.MaxChats),
	}
	w.out = newOutbox(w)
	return w, nil
}

// Open opens the device store at opt.DB and returns the channel over a real
// whatsmeow client; ErrNotPaired if no device is paired yet. It fetches
// WhatsApp Web's current version when reachable. Flush and Close it when
// done.
func Open(ctx context.Context, h bot.Handler, opt Options) (*WhatsApp, error) {
	opt.defaults()
	db, container, err := openStore(ctx, opt)
	if err != nil {
		return nil, err
	}
	dev, err := container.GetFirstDevice(ctx)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("whatsapp: read device: %w", err)
	}
	if dev.ID == nil {
		db.Close()
		return nil, ErrNotPaired
	}
	if err := adoptNumber(ctx, db, dev.ID.User); err != nil { // a Login cut short after pairing
		db.Close()
		return nil, fmt.Errorf("whatsapp: contacts: %w", err)
	}
	cli := whatsmeow.NewClient(dev, waLogger{opt.Logger.With(slog.String("module", "whatsmeow"))})
	cli.EnableAutoReconnect = false // Run reconnects, with its own backoff
	updateVersion(ctx, opt.Logger)
	opt.RefreshVersion = func(ctx context.Context) { updateVersion(ctx, opt.Logger) }
	w, err := newWhatsApp(h, realClient{cli}, db, opt)
	if err != nil {
		db.Close()
		return nil, err
	}
	cli.AddEventHandler(w.HandleEvent)
	return w, nil
}

// Close closes the SQLite file; call it after Flush. Without Flush, it
// flushes with no grace first: what is queued is dropped.
func (w *WhatsApp) Close() error {
	w.Flush(0)
	if w.db == nil {
		return nil
	}
	return w.db.Close()
}

// realClient adds the LID↔phone mapping to *whatsmeow.Client.
type realClient struct{ *whatsmeow.Client }

func (c realClient) PNForLID(ctx context.Context, lid types.JID) (types.JID, error) {
	return c.Store.LIDs.GetPNForLID(ctx, lid)
}

func (c realClient) LIDForPN(ctx context.Context, pn types.JID) (types.JID, error) {
	return c.Store.LIDs.GetLIDForPN(ctx, pn)
}

// dsn is the SQLite URI of path, with the pragmas whatsmeow needs.
func dsn(path string) string {
	return "file:" + path + "?_pragma=foreign_keys(1)&_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)"
}

func openDB(path string) (*sql.DB, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("whatsapp: %w", err)
	}
	db, err := sql.Open("sqlite", dsn(path))
	if err != nil {
		return nil, fmt.Errorf("whatsapp: open %s: %w", path, err)
	}
	return db, nil
}

// openStore opens the SQLite file and whatsmeow's device store in it.
func openStore(ctx context.Context, opt Options) (*sql.DB, *sqlstore.Container, error) {
	if opt.DB == "" {
		return nil, nil, errors.New("whatsapp: no database path")
	}
	db, err := openDB(opt.DB)
	if err != nil {
		return nil, nil, err
	}
	container := sqlstore.NewWithDB(db, "sqlite", waLogger{opt.Logger.With(slog.String("module", "whatsmeow-store"))})
	if err := container.Upgrade(ctx); err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("whatsapp: device store %s: %w", opt.DB, err)
	}
	store.SetOSInfo("Omnicart", [3]uint32{1, 0, 0})
	return db, container, nil
}

// updateVersion asks web.whatsapp.com for the current client version, so a
// stale built-in one does not get the connection refused; offline it keeps
// the built-in version.
func updateVersion(ctx context.Context, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	v, err := whatsmeow.GetLatestVersion(ctx, nil)
	if err != nil {
		log.Debug("whatsapp: latest version unknown, using the built-in one", slog.Any("err", err))
		return
	}
	store.SetWAVersion(*v)
}

// Run connects and serves until ctx ends, reconnecting with backoff after
// a lost connection, a client WhatsApp called outdated (with its current
// version) or a temporary ban (once it ends). It returns an error when
// WhatsApp ends the session for good: logged out, replaced by another
// process, banned for good; what is queued is then dropped and Send
// returns ErrClosed. When ctx ends
// it returns nil and hands no more incoming messages to the engine, but
// leaves the connection and the send queue running, so the engine's last
// replies can still be sent: call Flush next.
func (w *WhatsApp) Run(ctx context.Context) error {
	w.mu.Lock()
	switch {
	case w.flushed:
		w.mu.Unlock()
		return ErrClosed
	case w.started:
		w.mu.Unlock()
		return errors.New("whatsapp: Run called twice")
	}
	w.started = true
	bg, stop := context.WithCancel(context.WithoutCancel(ctx))
	w.stopBG = stop
	w.bg.Go(func() { w.out.run(bg) })
	w.bg.Go(func() { w.sendPresence(bg) })
	w.mu.Unlock()

	err := w.serve(ctx)
	w.mu.Lock()
	w.stopped = true
	w.mu.Unlock()
	if err != nil {
		w.out.fail() // nothing can be sent any more
	}
	return err
}

// Flush stops accepting Send (ErrClosed from then on), delivers what is
// queued, still paced, for up to grace, logs how many messages were left
// unsent when grace runs out, and disconnects. Call it after Run has
// returned; calls after the first do nothing.
func (w *WhatsApp) Flush(grace time.Duration) {
	w.mu.Lock()
	if w.flushed {
		w.mu.Unlock()
		return
	}
	w.flushed, w.stopped = true, true
	stop := w.stopBG
	w.mu.Unlock()
	if stop == nil {
		grace = 0 // Run never started sending
	}
	if left := w.out.close(grace); left > 0 {
		w.log.Warn("whatsapp: messages dropped at shutdown", slog.Int("dropped", left))
	}
	if stop != nil {
		stop()
		w.bg.Wait()
	}
	w.c.Disconnect()
}

// serve keeps the connection up until ctx ends or the session ends for good.
func (w *WhatsApp) serve(ctx context.Context) error {
	failures := 0
	for {
		if failures > 0 {
			d := backoff(w.opt.Backoff, failures)
			w.log.Info("whatsapp: reconnecting", slog.Duration("in", d))
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(d):
			}
		}
		if err := w.c.Connect(); err != nil {
			failures++
			w.log.Warn("whatsapp: connect", slog.Any("err", err))
			continue
		}
		lost, err := w.watch(ctx, &failures)
		if err != nil || !lost {
			return err
		}
		w.out.setOnline(false)
		w.c.Disconnect()
		failures++
	}
}

// watch follows connection events until the connection is lost (true), ctx
// ends (false) or the session ends for good (an error).
func (w *WhatsApp) watch(ctx context.Context, failures *int) (bool, error) {
	for {
		select {
		case <-ctx.Done():
			return false, nil
		case evt := <-w.conn:
			switch evt := evt.(type) {
			case *events.Connected:
				*failures = 0
				w.log.Info("whatsapp connected")
				if err := w.c.SendPresence(ctx, types.PresenceAvailable); err != nil {
					w.log.Debug("whatsapp: send presence", slog.Any("err", err))
				}
			case *events.Disconnected:
				w.log.Warn("whatsapp: connection lost")
				return true, nil
			case *events.KeepAliveTimeout:
				w.log.Warn("whatsapp: keepalive failing for too long")
				return true, nil
			case *events.ClientOutdated:
				// WhatsApp moved on: learn its current version and connect
				// again (with backoff; if it keeps refusing, whatsmeow
				// itself is too old and omnicart needs an update).
				w.log.Error("whatsapp: WhatsApp refused this client as outdated: reconnecting with its current version; if this repeats, update omnicart")
				if w.opt.RefreshVersion != nil {
					w.opt.RefreshVersion(ctx)
				}
				return true, nil
			case *events.TemporaryBan:
				// Sending too fast or to strangers: wait it out, then go on.
				wait := evt.Expire
				if wait <= 0 {
					wait = time.Hour
				}
				w.log.Error("whatsapp: temporarily banned: slow down sending; reconnecting when it ends", slog.String("reason", evt.String()),
					slog.Duration("in", wait))
				select {
				case <-ctx.Done():
					return false, nil
				case <-time.After(wait):
				}
				*failures = 0
				return true, nil
			case *events.LoggedOut:
				w.log.Error("whatsapp: the device was unlinked; run \"omnicart whatsapp login\" again", slog.String("reason", evt.Reason.String()))
				return false, fmt.Errorf("whatsapp: logged out (%s): run \"omnicart whatsapp login\"", evt.Reason)
			case *events.ConnectFailure:
				if evt.Reason >= 500 { // trouble on WhatsApp's side: try again later
					w.log.Warn("whatsapp: connect failed, retrying", slog.String("reason", evt.Reason.String()))
					return true, nil
				}
				w.log.Error("whatsapp: disconnected for good", slog.String("reason", evt.PermanentDisconnectDescription()))
				return false, fmt.Errorf("whatsapp: %s", evt.PermanentDisconnectDescription())
			case events.PermanentDisconnect:
				w.log.Error("whatsapp: disconnected for good", slog.String("reason", evt.PermanentDisconnectDescription()))
				return false, fmt.Errorf("whatsapp: %s", evt.PermanentDisconnectDescription())
			}
		}
	}
}

// backoff is the delay before attempt n (1, 2, ...): first doubled n-1
// times, capped at 2 minutes, plus up to 50 % jitter.
func backoff(first time.Duration, n int) time.Duration {
	d := first
	for i := 1; i < n && d < maxBackoff; i++ {
		d *= 2
	}
	d = min(d, maxBackoff)
	return d + rand.N(d/2+1)
}

// keepAliveLimit is how long keepalives may fail before reconnecting.
const keepAliveLimit = 3 * time.Minute

// HandleEvent is the whatsmeow event handler. whatsmeow calls it for one
// event at a time, so it only converts and hands off: messages go to the
// engine's queue, connection events to Run. The send queue resumes when the
// client is connected and pauses when it is not.
func (w *WhatsApp) HandleEvent(evt any) {
	switch evt := evt.(type) {
	case *events.Message:
		w.onMessage(evt)
	case *events.KeepAliveTimeout:
		if w.opt.Now().Sub(evt.LastSuccess) > keepAliveLimit {
			w.notify(evt)
		}
	case *events.Connected:
		w.out.setOnline(true)
		w.notify(evt)
	case *events.Disconnected, events.PermanentDisconnect:
		w.out.setOnline(false)
		w.notify(evt)
	}
}

// notify passes a connection event to Run, while it runs.
func (w *WhatsApp) notify(evt any) {
	w.mu.Lock()
	stopped := w.stopped
	w.mu.Unlock()
	if stopped {
		return
	}
	select {
	case w.conn <- evt:
	default:
		w.log.Warn("whatsapp: connection event dropped", slog.String("event", fmt.Sprintf("%T", evt)))
	}
}

func (w *WhatsApp) onMessage(evt *events.Message) {
	if ignored(evt, w.opt.Now(), w.opt.MaxAge) {
		return
	}
	w.mu.Lock()
	stopped := w.stopped
	w.mu.Unlock()
	if stopped {
		w.log.Info("whatsapp: incoming message not taken: the channel is stopping")
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	pn, lid := phoneOf(evt.Info.MessageSource), lidOf(evt.Info.MessageSource)
	if pn.IsEmpty() && !lid.IsEmpty() {
		if p, err := w.c.PNForLID(ctx, lid); err != nil {
			w.log.Debug("whatsapp: LID lookup", slog.Any("err", err))
		} else if p.Server == types.DefaultUserServer {
			pn = p.ToNonAD()
		}
	}
	if lid.IsEmpty() && !pn.IsEmpty() {
		if l, err := w.c.LIDForPN(ctx, pn); err != nil {
			w.log.Debug("whatsapp: LID lookup", slog.Any("err", err))
		} else if l.Server == types.HiddenUserServer {
			lid = l.ToNonAD()
		}
	}
	if pn.IsEmpty() && lid.IsEmpty() {
		return
	}
	from, err := w.addressFor(ctx, pn, lid)
	if err != nil {
		w.log.Error("whatsapp: address of the sender", slog.Any("err", err))
		from = addressOf(pn, lid)
	}
	w.mu.Lock()
	menu, _ := w.menus.get(from.Chat)
	w.mu.Unlock()
	var vote *waE2E.PollVoteMessage
	if pu := evt.Message.GetPollUpdateMessage(); pu != nil {
		if menu.poll == "" || pu.GetPollCreationMessageKey().GetID() != menu.poll {
			// An earlier poll, or one sent before a restart: the shopper
			// is told, and sees the current screen, as for an old button.
			w.log.Debug("whatsapp: vote on an earlier poll")
			w.h.Handle(context.Background(), bot.Message{From: from, ID: evt.Info.ID, Name: evt.Info.PushName, Button: bot.StaleChoice})
			return
		}
		v, err := w.c.DecryptPollVote(ctx, evt)
		if err != nil {
			w.log.Debug("whatsapp: poll vote", slog.Any("err", err))
			return
		}
		vote = v
	}
	m, ok := toMessage(evt, from, pn.User, menu.choices, menu.poll != "", vote)
	if !ok {
		return
	}
	first := w.markWrote(from.Chat)
	w.typing(from, types.ChatPresenceComposing)
	w.h.Handle(context.Background(), m)
	if first && w.db != nil {
		if err := addContact(ctx, w.db, from.Chat, w.opt.Now()); err != nil {
			w.log.Error("whatsapp: remember contact", slog.Any("err", err))
		}
	}
}

// addressFor returns the address of the person known by pn and lid (either
// may be empty): the address first given to either of them (the earlier
// one when each has its own), or, for a newcomer, addressOf(pn, lid). It
// remembers the address for both.
func (w *WhatsApp) addressFor(ctx context.Context, pn, lid types.JID) (bot.Address, error) {
	var jids []string
	for _, j := range []types.JID{pn, lid} {
		if !j.IsEmpty() {
			jids = append(jids, j.String())
		}
	}
	found := make([]alias, len(jids))
	var best alias
	for i, j := range jids {
		a, ok, err := w.alias(ctx, j)
		if err != nil {
			return bot.Address{}, fmt.Errorf("whatsapp: read address: %w", err)
		}
		if ok && (best.chat == "" || a.since < best.since) {
			best = a
		}
		found[i] = a
	}
	if best.chat == "" {
		best = alias{chat: addressOf(pn, lid).Chat, since: w.opt.Now().UnixNano()}
	}
	for i, j := range jids {
		if found[i] == best {
			continue
		}
		if w.db != nil {
			if err := putAlias(ctx, w.db, j, best); err != nil {
				return bot.Address{}, fmt.Errorf("whatsapp: save address: %w", err)
			}
		}
		w.mu.Lock()
		w.aliases.put(j, best)
		w.mu.Unlock()
	}
	return bot.Address{Channel: bot.WhatsApp, Chat: best.chat}, nil
}

// alias returns the address given to jid's person, if any.
func (w *WhatsApp) alias(ctx context.Context, jid string) (alias, bool, error) {
	w.mu.Lock()
	a, ok := w.aliases.get(jid)
	w.mu.Unlock()
	if ok || w.db == nil {
		return a, ok, nil
	}
	a, ok, err := getAlias(ctx, w.db, jid)
	if ok {
		w.mu.Lock()
		w.aliases.put(jid, a)
		w.mu.Unlock()
	}
	return a, ok, err
}

// markWrote remembers in memory that chat wrote to us; it reports whether
// this is news to this process.
func (w *WhatsApp) markWrote(chat string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, ok := w.wrote.get(chat); ok {
		return false
	}
	w.wrote.put(chat, true)
	return true
}

// hasWritten says whether chat has ever written to the shop.
func (w *WhatsApp) hasWritten(ctx context.Context, chat string) (bool, error) {
	w.mu.Lock()
	_, ok := w.wrote.get(chat)
	w.mu.Unlock()
	if ok || w.db == nil {
		return ok, nil
	}
	ok, err := hasContact(ctx, w.db, chat)
	if ok {
		w.mu.Lock()
		w.wrote.put(chat, true)
		w.mu.Unlock()
	}
	return ok, err
}

// presence is one typing state for one chat.
type presence struct {
	jid   types.JID
	state types.ChatPresence
}

// typing asks for a typing state in the chat at to, without waiting.
func (w *WhatsApp) typing(to bot.Address, state types.ChatPresence) {
	jid, ok := jidOf(to)
	if !ok {
		return
	}
	select {
	case w.presence <- presence{jid, state}:
	default: // typing is a nicety: drop it rather than wait
	}
}

func (w *WhatsApp) sendPresence(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case p := <-w.presence:
			if err := w.c.SendChatPresence(ctx, p.jid, p.state, ""); err != nil {
				w.log.Debug("whatsapp: chat presence", slog.Any("err", err))
			}
		}
	}
}

// lru is a map bounded to its max most recently used keys.
type lru[V any] struct {
	max int
	ll  *list.List
	m   map[string]*list.Element
}

type lruEntry[V any] struct {
	key string
	val V
}

func newLRU[V any](max int) *lru[V] {
	return &lru[V]{max: max, ll: list.New(), m: make(map[string]*list.Element)}
}

func (l *lru[V]) get(key string) (V, bool) {
	e, ok := l.m[key]
	if !ok {
		var zero V
		return zero, false
	}
	l.ll.MoveToFront(e)
	return e.Value.(*lruEntry[V]).val, true
}

func (l *lru[V]) put(key string, val V) {
	if e, ok := l.m[key]; ok {
		e.Value.(*lruEntry[V]).val = val
		l.ll.MoveToFront(e)
		return
	}
	l.m[key] = l.ll.PushFront(&lruEntry[V]{key, val})
	if l.ll.Len() > l.max {
		old := l.ll.Remove(l.ll.Back()).(*lruEntry[V])
		delete(l.m, old.key)
	}
}

func (l *lru[V]) del(key string) {
	if e, ok := l.m[key]; ok {
		l.ll.Remove(e)
		delete(l.m, key)
	}
}

// waLogger adapts slog to whatsmeow's logger.
type waLogger struct{ l *slog.Logger }

func (g waLogger) Errorf(msg string, args ...any) { g.l.Error(fmt.Sprintf(msg, args...)) }
func (g waLogger) Warnf(msg string, args ...any)  { g.l.Warn(fmt.Sprintf(msg, args...)) }
func (g waLogger) Infof(msg string, args ...any)  { g.l.Debug(fmt.Sprintf(msg, args...)) }
func (g waLogger) Debugf(msg string, args ...any) {
	if g.l.Enabled(context.Background(), slog.LevelDebug-4) {
		g.l.Log(context.Background(), slog.LevelDebug-4, fmt.Sprintf(msg, args...))
	}
}
func (g waLogger) Sub(module string) waLog.Logger {
	return waLogger{g.l.With(slog.String("sub", module))}
}
