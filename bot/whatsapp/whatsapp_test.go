package whatsapp

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waCommon"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"google.golang.org/protobuf/proto"

	"omnicart/bot"
)

// fakeClient records what the channel does with WhatsApp.
type fakeClient struct {
	mu        sync.Mutex
	sent      []sentMsg
	presences []presence
	uploads   [][]byte
	connects  int
	discs     int
	attempts  int  // SendMessage calls
	fail      int  // SendMessage fails this many times first
	down      bool // no connection: Connect and SendMessage fail
	lids      map[types.JID]types.JID
	vote      *waE2E.PollVoteMessage
	notify    chan struct{} // a message was sent
	handler   func(any)     // gets events.Connected after Connect, like whatsmeow's
}

type sentMsg struct {
	id  string
	to  types.JID
	msg *waE2E.Message
	at  time.Time
}

func newFake() *fakeClient { return &fakeClient{notify: make(chan struct{}, 100)} }

func (f *fakeClient) Connect() error {
	f.mu.Lock()
	if f.down {
		f.mu.Unlock()
		return errors.New("dial: network is unreachable")
	}
	f.connects++
	h := f.handler
	f.mu.Unlock()
	if h != nil {
		h(&events.Connected{})
	}
	return nil
}

// set changes the fake's state under its lock.
func (f *fakeClient) set(change func(f *fakeClient)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	change(f)
}

// get reads the fake's state under its lock.
func get[T any](f *fakeClient, read func(f *fakeClient) T) T {
	f.mu.Lock()
	defer f.mu.Unlock()
	return read(f)
}

func (f *fakeClient) Disconnect() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.discs++
}

func (f *fakeClient) SendMessage(_ context.Context, to types.JID, msg *waE2E.Message, _ ...whatsmeow.SendRequestExtra) (whatsmeow.SendResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.attempts++
	if f.down {
		return whatsmeow.SendResponse{}, whatsmeow.ErrNotConnected
	}
	if f.fail > 0 {
		f.fail--
		return whatsmeow.SendResponse{}, errors.New("server returned error 479")
	}
	id := "OUT" + strconv.Itoa(len(f.sent)+1)
	f.sent = append(f.sent, sentMsg{id, to, msg, time.Now()})
	f.notify <- struct{}{}
	return whatsmeow.SendResponse{ID: id}, nil
}

func (f *fakeClient) SendPresence(context.Context, types.Presence) error { return nil }

func (f *fakeClient) SendChatPresence(_ context.Context, jid types.JID, state types.ChatPresence, _ types.ChatPresenceMedia) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.presences = append(f.presences, presence{jid, state})
	return nil
}

func (f *fakeClient) Upload(_ context.Context, data []byte, _ whatsmeow.MediaType) (whatsmeow.UploadResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.uploads = append(f.uploads, data)
	return whatsmeow.UploadResponse{URL: "https://mmg/x", DirectPath: "/x", FileLength: uint64(len(data))}, nil
}

func (f *fakeClient) BuildPollCreation(name string, options []string, selectable int) *waE2E.Message {
	opts := make([]*waE2E.PollCreationMessage_Option, len(options))
	for i, o := range options {
		opts[i] = &waE2E.PollCreationMessage_Option{OptionName: proto.String(o)}
	}
	return &waE2E.Message{PollCreationMessage: &waE2E.PollCreationMessage{
		Name: proto.String(name), Options: opts, SelectableOptionsCount: proto.Uint32(uint32(selectable))}}
}

func (f *fakeClient) DecryptPollVote(context.Context, *events.Message) (*waE2E.PollVoteMessage, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.vote == nil {
		return nil, errors.New("no poll")
	}
	return f.vote, nil
}

func (f *fakeClient) PNForLID(_ context.Context, lid types.JID) (types.JID, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.lids[lid], nil
}

func (f *fakeClient) LIDForPN(_ context.Context, pn types.JID) (types.JID, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for lid, p := range f.lids {
		if p == pn {
			return lid, nil
		}
	}
	return types.EmptyJID, nil
}

// wait waits for n more sent messages.
func (f *fakeClient) wait(t *testing.T, n int) {
	t.Helper()
	for range n {
		select {
		case <-f.notify:
		case <-time.After(5 * time.Second):
			t.Fatal("timed out waiting for a message to be sent")
		}
	}
}

func (f *fakeClient) snapshot() []sentMsg {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]sentMsg(nil), f.sent...)
}

// texts is the texts sent, in order, separated by spaces.
func (f *fakeClient) texts() string {
	var ts []string
	for _, s := range f.snapshot() {
		ts = append(ts, convText(s.msg))
	}
	return strings.Join(ts, " ")
}

// inbox records what the channel hands to the engine.
type inbox chan bot.Message

func (in inbox) Handle(_ context.Context, m bot.Message) { in <- m }

func (in inbox) next(t *testing.T) bot.Message {
	t.Helper()
	select {
	case m := <-in:
		return m
	case <-time.After(5 * time.Second):
		t.Fatal("no message reached the engine")
		return bot.Message{}
	}
}

func (in inbox) none(t *testing.T) {
	t.Helper()
	select {
	case m := <-in:
		t.Fatalf("unexpected message %+v", m)
	default:
	}
}

const gap = 20 * time.Millisecond

func newTest(t *testing.T, opt Options) (*WhatsApp, *fakeClient, inbox) {
	t.Helper()
	f := newFake()
	in := make(inbox, 100)
	if opt.MinGap == 0 {
		opt.MinGap = gap
	}
	opt.Text = keys
	if opt.Now == nil {
		opt.Now = func() time.Time { return t0 }
	}
	w, err := New(in, f, opt)
	if err != nil {
		t.Fatal(err)
	}
	f.handler = w.HandleEvent
	t.Cleanup(func() { w.Close() })
	return w, f, in
}

// start runs w until the test ends.
func start(t *testing.T, w *WhatsApp) {
	t.Helper()
	stop := run(w)
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("Run: %v", err)
		}
	})
}

// run runs w; stop ends Run and returns its error.
func run(w *WhatsApp) (stop func() error) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	return func() error {
		cancel()
		return <-done
	}
}

func fromJID(jid types.JID, m *waE2E.Message) *events.Message {
	e := incoming(m)
	e.Info.Chat, e.Info.Sender = jid, jid
	return e
}

func convText(m *waE2E.Message) string {
	return m.GetConversation()
}

func TestHandleEvent(t *testing.T) {
	w, f, in := newTest(t, Options{})
	f.lids = map[types.JID]types.JID{annLID: annPN}
	bob := types.NewJID("999888777666", types.HiddenUserServer)

	w.HandleEvent(incoming(text("hello")))
	if m := in.next(t); m.From != annAddr || m.Text != "hello" || m.Name != "Ann" || m.ID != "MSG1" {
		t.Errorf("got %+v", m)
	}
	w.HandleEvent(fromJID(annLID, text("from my LID")))
	if m := in.next(t); m.From != annAddr {
		t.Errorf("LID sender with a known phone: From = %v, want %v", m.From, annAddr)
	}
	w.HandleEvent(fromJID(bob, text("hi")))
	if m := in.next(t); m.From.Chat != "lid:999888777666" {
		t.Errorf("unknown LID: From = %v", m.From)
	}
	group := incoming(text("hi all"))
	group.Info.Chat, group.Info.IsGroup = types.NewJID("1203630", types.GroupServer), true
	own := incoming(text("note to self"))
	own.Info.IsFromMe = true
	w.HandleEvent(group)
	w.HandleEvent(own)
	w.HandleEvent(&events.Receipt{})
	in.none(t)
}

func TestNeverInitiates(t *testing.T) {
	w, f, in := newTest(t, Options{})
	start(t, w)
	err := w.Send(context.Background(), annAddr, []bot.Reply{{Text: "Hi!"}})
	if !errors.Is(err, ErrFirstContact) {
		t.Fatalf("Send to a stranger = %v, want ErrFirstContact", err)
	}
	if err := w.Send(context.Background(), bot.Address{Channel: bot.Telegram, Chat: "1"}, nil); err == nil {
		t.Error("Send to a Telegram address succeeded")
	}
	w.HandleEvent(incoming(text("hi")))
	in.next(t)
	if err := w.Send(context.Background(), annAddr, []bot.Reply{{Text: "Hi!"}}); err != nil {
		t.Fatalf("Send after the customer wrote: %v", err)
	}
	f.wait(t, 1)
	if got := f.snapshot()[0]; got.to != annPN || convText(got.msg) != "Hi!" {
		t.Errorf("sent %v %v", got.to, got.msg)
	}
}

func TestContactsPersist(t *testing.T) {
	db := filepath.Join(t.TempDir(), "wa", "whatsapp.db")
	w, _, in := newTest(t, Options{DB: db})
	w.HandleEvent(incoming(text("hi")))
	in.next(t)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}

	w2, f2, _ := newTest(t, Options{DB: db})
	start(t, w2)
	if err := w2.Send(context.Background(), annAddr, []bot.Reply{{Text: "Your order is on its way"}}); err != nil {
		t.Fatalf("Send after reopening: %v", err)
	}
	f2.wait(t, 1)
	other := bot.Address{Channel: bot.WhatsApp, Chat: "4915112345678"}
	if err := w2.Send(context.Background(), other, []bot.Reply{{Text: "Hi"}}); !errors.Is(err, ErrFirstContact) {
		t.Errorf("Send to a stranger after reopening = %v", err)
	}
	w2.Close()

	// Logout on a store without a device forgets the contacts.
	if err := Logout(context.Background(), Options{DB: db}); err != nil {
		t.Fatal(err)
	}
	w3, _, _ := newTest(t, Options{DB: db})
	if err := w3.Send(context.Background(), annAddr, []bot.Reply{{Text: "Hi"}}); !errors.Is(err, ErrFirstContact) {
		t.Errorf("Send after logout = %v, want ErrFirstContact", err)
	}
}

func TestOpenNotPaired(t *testing.T) {
	_, err := Open(context.Background(), inbox(nil), Options{DB: filepath.Join(t.TempDir(), "whatsapp.db")})
	if !errors.Is(err, ErrNotPaired) {
		t.Fatalf("Open = %v, want ErrNotPaired", err)
	}
}

func TestPacingAndOrder(t *testing.T) {
	w, f, in := newTest(t, Options{})
	bob := types.NewJID("4915112345678", types.DefaultUserServer)
	bobAddr := bot.Address{Channel: bot.WhatsApp, Chat: bob.User}
	w.HandleEvent(incoming(text("hi")))
	w.HandleEvent(fromJID(bob, text("hi")))
	in.next(t)
	in.next(t)
	ctx := context.Background()
	if err := w.Send(ctx, annAddr, []bot.Reply{{Text: "A1"}, {Text: "A2"}, {Text: "A3"}}); err != nil {
		t.Fatal(err)
	}
	if err := w.Send(ctx, bobAddr, []bot.Reply{{Text: "B1"}}); err != nil {
		t.Fatal(err)
	}
	start(t, w) // everything is queued: the order below is the outbox's
	f.wait(t, 4)
	sent := f.snapshot()
	var order []string
	for i, s := range sent {
		order = append(order, convText(s.msg))
		if i > 0 {
			if d := s.at.Sub(sent[i-1].at); d < gap {
				t.Errorf("gap before %s = %v, want ≥ %v", convText(s.msg), d, gap)
			}
		}
	}
	if got := strings.Join(order, " "); got != "A1 B1 A2 A3" {
		t.Errorf("order = %s, want chats taking turns, each in order: A1 B1 A2 A3", got)
	}
	// Typing: composing when the message came in and between messages, paused after the last.
	eventually(t, func() bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		var states []string
		for _, p := range f.presences {
			if p.jid == annPN {
				states = append(states, string(p.state))
			}
		}
		return strings.Join(states, " ") == "composing composing composing paused"
	})
}

// eventually fails the test unless ok becomes true within 5 s.
func eventually(t *testing.T, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !ok(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in time")
		}
	}
}

func TestRetry(t *testing.T) {
	w, f, in := newTest(t, Options{MinGap: time.Millisecond})
	f.fail = 2
	start(t, w)
	w.HandleEvent(incoming(text("hi")))
	in.next(t)
	if err := w.Send(context.Background(), annAddr, []bot.Reply{{Text: "one"}, {Text: "two"}}); err != nil {
		t.Fatal(err)
	}
	f.wait(t, 2)
	sent := f.snapshot()
	if convText(sent[0].msg) != "one" || convText(sent[1].msg) != "two" {
		t.Errorf("sent %v, %v after retries", sent[0].msg, sent[1].msg)
	}
}

func TestMenuAnswers(t *testing.T) {
	w, f, in := newTest(t, Options{Polls: true})
	start(t, w)
	w.HandleEvent(incoming(text("hi")))
	in.next(t)
	ctx := context.Background()
	send := func(r ...bot.Reply) {
		t.Helper()
		if err := w.Send(ctx, annAddr, r); err != nil {
			t.Fatal(err)
		}
		f.wait(t, len(r))
		// The menu is set just after the message was delivered: wait for it.
		sent := f.snapshot()
		last := sent[len(sent)-1].id
		eventually(t, func() bool {
			w.mu.Lock()
			defer w.mu.Unlock()
			m, ok := w.menus.get(annAddr.Chat)
			if len(r[len(r)-1].Choices) == 0 {
				return !ok
			}
			return ok && m.poll == last
		})
	}
	send(bot.Reply{Text: "Catalog", Choices: [][]bot.Choice{menu}})
	last := f.snapshot()[0].msg
	if p := last.GetPollCreationMessage(); p.GetName() != "Catalog" || len(p.GetOptions()) != 3 || p.GetSelectableOptionsCount() != 1 {
		t.Errorf("poll = %v", p)
	}

	poll := f.snapshot()[0].id
	answers := []struct {
		msg  *waE2E.Message
		want string
	}{
		{text("2"), ""}, // a poll shows no numbers: "2" is text (a quantity)
		{text("help"), "go:help"},
		{voteOn(poll), "go:coffee"},
	}
	h := sha256.Sum256([]byte("☕ Coffee"))
	f.mu.Lock()
	f.vote = &waE2E.PollVoteMessage{SelectedOptions: [][]byte{h[:]}}
	f.mu.Unlock()
	for _, a := range answers {
		w.HandleEvent(incoming(a.msg))
		if m := in.next(t); m.Button != a.want {
			t.Errorf("answer %v: Button = %q, want %q", a.msg, m.Button, a.want)
		}
	}
	w.HandleEvent(incoming(text("7")))
	if m := in.next(t); m.Button != "" || m.Text != "7" {
		t.Errorf("out of range: %+v", m)
	}

	// The same menu again, as a new poll: a vote on the old poll is not
	// read against it (the engine hears of a stale press, as for an old
	// Telegram button), a vote on the new one is.
	send(bot.Reply{Text: "Catalog", Choices: [][]bot.Choice{menu}})
	w.HandleEvent(incoming(voteOn(poll)))
	if m := in.next(t); m.Button != bot.StaleChoice {
		t.Errorf("vote on an earlier poll: %+v, want a stale press", m)
	}
	w.HandleEvent(incoming(voteOn(f.snapshot()[1].id)))
	if m := in.next(t); m.Button != "go:coffee" {
		t.Errorf("vote on the latest poll: %+v", m)
	}

	// A screen without choices ends the menu: "2" is text again (a quantity, say).
	send(bot.Reply{Text: "How many?"})
	w.HandleEvent(incoming(text("2")))
	if m := in.next(t); m.Button != "" || m.Text != "2" {
		t.Errorf("after a screen without choices: %+v", m)
	}
	w.HandleEvent(incoming(voteOn(f.snapshot()[1].id)))
	if m := in.next(t); m.Button != bot.StaleChoice {
		t.Errorf("vote after the menu ended: %+v, want a stale press", m)
	}
}

// voteOn is a poll vote on the poll sent as message id.
func voteOn(id string) *waE2E.Message {
	return &waE2E.Message{PollUpdateMessage: &waE2E.PollUpdateMessage{
		PollCreationMessageKey: &waCommon.MessageKey{ID: proto.String(id), FromMe: proto.Bool(true)}}}
}

// TestMenuAfterDelivery checks that a menu counts only once the message
// showing it reached the shopper.
func TestMenuAfterDelivery(t *testing.T) {
	w, f, in := newTest(t, Options{MinGap: time.Millisecond})
	start(t, w)
	w.HandleEvent(incoming(text("hi")))
	in.next(t)
	ctx := context.Background()
	if err := w.Send(ctx, annAddr, []bot.Reply{{Text: "Catalog", Choices: [][]bot.Choice{menu}}}); err != nil {
		t.Fatal(err)
	}
	f.wait(t, 1)
	eventually(t, func() bool { return w.out.waiting() == 0 })

	f.set(func(f *fakeClient) { f.fail = maxTries })
	yesNo := []bot.Choice{{Label: "Yes", Data: "yes"}, {Label: "No", Data: "no"}}
	if err := w.Send(ctx, annAddr, []bot.Reply{{Text: "Sure?", Choices: [][]bot.Choice{yesNo}}}); err != nil {
		t.Fatal(err)
	}
	eventually(t, func() bool { return w.out.waiting() == 0 }) // dropped
	w.HandleEvent(incoming(text("2")))
	if m := in.next(t); m.Button != "go:cart" {
		t.Errorf(`"2" after an undelivered menu: %+v, want the delivered menu's go:cart`, m)
	}
}

func TestPhotos(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\n fake image")
	w, f, in := newTest(t, Options{Images: fstest.MapFS{"images/eth.png": {Data: png}}})
	start(t, w)
	w.HandleEvent(incoming(text("hi")))
	in.next(t)
	err := w.Send(context.Background(), annAddr, []bot.Reply{
		{Text: "Ethiopia, 250 g", Photo: "images/eth.png"},
		{Text: "Kenya", Photo: "images/missing.png"},
		{Photo: "images/missing.png"},
		{Text: "done"},
	})
	if err != nil {
		t.Fatal(err)
	}
	f.wait(t, 3)
	sent := f.snapshot()
	img := sent[0].msg.GetImageMessage()
	if img.GetCaption() != "Ethiopia, 250 g" || img.GetMimetype() != "image/png" || img.GetDirectPath() != "/x" || img.GetFileLength() != uint64(len(png)) {
		t.Errorf("image = %v", img)
	}
	if convText(sent[1].msg) != "Kenya" || convText(sent[2].msg) != "done" {
		t.Errorf("a missing photo should leave its caption as text: %v, %v", sent[1].msg, sent[2].msg)
	}
	if len(f.uploads) != 1 || string(f.uploads[0]) != string(png) {
		t.Errorf("uploads = %q", f.uploads)
	}
}

func TestRunLifecycle(t *testing.T) {
	var refreshed atomic.Int32
	w, f, _ := newTest(t, Options{Backoff: time.Millisecond, RefreshVersion: func(context.Context) { refreshed.Add(1) }})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	connects := func() int {
		f.mu.Lock()
		defer f.mu.Unlock()
		return f.connects
	}
	w.HandleEvent(&events.Connected{})
	w.HandleEvent(&events.Disconnected{})
	// A lost connection is reconnected.
	eventually(t, func() bool { return connects() == 2 })
	// So is one whose keepalives fail for over 3 minutes, not less.
	w.HandleEvent(&events.KeepAliveTimeout{ErrorCount: 1, LastSuccess: t0.Add(-time.Minute)})
	w.HandleEvent(&events.KeepAliveTimeout{ErrorCount: 9, LastSuccess: t0.Add(-4 * time.Minute)})
	eventually(t, func() bool { return connects() == 3 })
	// A failure on WhatsApp's side (5xx) is retried too.
	w.HandleEvent(&events.ConnectFailure{Reason: events.ConnectFailureServiceUnavailable})
	eventually(t, func() bool { return connects() == 4 })
	// A client WhatsApp calls outdated learns the current version and
	// connects again; so does one whose temporary ban ended.
	w.HandleEvent(&events.ClientOutdated{})
	eventually(t, func() bool { return connects() == 5 })
	if refreshed.Load() != 1 {
		t.Errorf("version refreshed %d times, want 1", refreshed.Load())
	}
	w.HandleEvent(&events.TemporaryBan{Code: events.TempBanSentToTooManyPeople, Expire: 10 * time.Millisecond})
	eventually(t, func() bool { return connects() == 6 })
	// Unlinked: the session ends for good.
	w.HandleEvent(&events.LoggedOut{})
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "logged out") {
			t.Errorf("Run = %v, want a logged out error", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not stop on LoggedOut")
	}
	if connects() != 6 {
		t.Errorf("connects = %d, want 6", connects())
	}
	w.markWrote(annAddr.Chat)
	if err := w.Send(context.Background(), annAddr, []bot.Reply{{Text: "Hi"}}); !errors.Is(err, ErrClosed) {
		t.Errorf("Send after the session ended = %v, want ErrClosed", err)
	}
}

// TestShutdown follows the shutdown order: Run returns when its context
// ends, the engine's last replies are still queued, Flush delivers them and
// disconnects.
func TestShutdown(t *testing.T) {
	w, f, in := newTest(t, Options{})
	stop := run(w)
	w.HandleEvent(incoming(text("hi")))
	in.next(t)
	ctx := context.Background()
	if err := w.Send(ctx, annAddr, []bot.Reply{{Text: "1"}, {Text: "2"}}); err != nil {
		t.Fatal(err)
	}
	if err := stop(); err != nil {
		t.Fatalf("Run = %v", err)
	}
	discs := func() int { return get(f, func(f *fakeClient) int { return f.discs }) }
	if discs() != 0 {
		t.Error("Run disconnected: the last replies cannot go out")
	}
	w.HandleEvent(incoming(text("too late")))
	in.none(t)
	if err := w.Send(ctx, annAddr, []bot.Reply{{Text: "late"}}); err != nil {
		t.Fatalf("Send after Run returned, before Flush = %v", err)
	}

	w.Flush(5 * time.Second)
	if got := f.texts(); got != "1 2 late" {
		t.Errorf("sent %q, want 1 2 late", got)
	}
	if discs() != 1 {
		t.Errorf("%d disconnects after Flush, want 1", discs())
	}
	if err := w.Send(ctx, annAddr, []bot.Reply{{Text: "later"}}); !errors.Is(err, ErrClosed) {
		t.Errorf("Send after Flush = %v, want ErrClosed", err)
	}
	w.Flush(time.Second) // a second Flush does nothing
	if err := w.Close(); err != nil || discs() != 1 {
		t.Errorf("Close after Flush = %v, %d disconnects", err, discs())
	}
	if err := w.Run(ctx); !errors.Is(err, ErrClosed) {
		t.Errorf("Run after Flush = %v, want ErrClosed", err)
	}
}

// TestFlushGrace checks that Flush keeps pacing and gives up after grace,
// saying how many messages it dropped.
func TestFlushGrace(t *testing.T) {
	var logs bytes.Buffer
	w, f, in := newTest(t, Options{MinGap: time.Hour, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	stop := run(w)
	w.HandleEvent(incoming(text("hi")))
	in.next(t)
	if err := w.Send(context.Background(), annAddr, []bot.Reply{{Text: "1"}, {Text: "2"}, {Text: "3"}}); err != nil {
		t.Fatal(err)
	}
	f.wait(t, 1)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	begin := time.Now()
	w.Flush(50 * time.Millisecond)
	if d := time.Since(begin); d > 2*time.Second {
		t.Errorf("Flush took %v with a grace of 50ms", d)
	}
	if got := f.texts(); got != "1" {
		t.Errorf("sent %q, want only 1: the gap is an hour", got)
	}
	if !strings.Contains(logs.String(), "dropped=2") {
		t.Errorf("log does not say 2 messages were dropped:\n%s", logs.String())
	}
}

// TestCloseWithoutFlush checks that Close alone stops the channel.
func TestCloseWithoutFlush(t *testing.T) {
	w, f, in := newTest(t, Options{MinGap: time.Hour})
	stop := run(w)
	w.HandleEvent(incoming(text("hi")))
	in.next(t)
	if err := w.Send(context.Background(), annAddr, []bot.Reply{{Text: "1"}, {Text: "2"}}); err != nil {
		t.Fatal(err)
	}
	f.wait(t, 1)
	stop()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got := get(f, func(f *fakeClient) int { return f.discs }); got != 1 {
		t.Errorf("%d disconnects, want 1", got)
	}
	if err := w.Send(context.Background(), annAddr, []bot.Reply{{Text: "3"}}); !errors.Is(err, ErrClosed) {
		t.Errorf("Send after Close = %v, want ErrClosed", err)
	}
}

// TestOffline checks that messages wait, in order, while the client is not
// connected, and that failing for want of a connection does not count as a
// try.
func TestOffline(t *testing.T) {
	w, f, in := newTest(t, Options{MinGap: time.Millisecond, Backoff: time.Millisecond})
	start(t, w)
	w.HandleEvent(incoming(text("hi")))
	in.next(t)
	ctx := context.Background()
	attempts := func() int { return get(f, func(f *fakeClient) int { return f.attempts }) }

	eventually(t, func() bool { return get(f, func(f *fakeClient) int { return f.connects }) == 1 })
	// The connection is gone before whatsmeow says so: the first send
	// finds out, and the queue pauses.
	f.set(func(f *fakeClient) { f.down = true })
	if err := w.Send(ctx, annAddr, []bot.Reply{{Text: "1"}, {Text: "2"}, {Text: "3"}, {Text: "4"}}); err != nil {
		t.Fatal(err)
	}
	eventually(t, func() bool { return attempts() == 1 })
	time.Sleep(30 * time.Millisecond)
	if n := attempts(); n != 1 {
		t.Errorf("%d attempts while offline, want 1", n)
	}
	f.set(func(f *fakeClient) { f.down = false })
	w.HandleEvent(&events.Connected{})
	f.wait(t, 4)

	// whatsmeow reports the loss: nothing is tried until Run has
	// reconnected.
	f.set(func(f *fakeClient) { f.down = true })
	w.HandleEvent(&events.Disconnected{})
	before := attempts()
	if err := w.Send(ctx, annAddr, []bot.Reply{{Text: "5"}}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(30 * time.Millisecond)
	if n := attempts(); n != before {
		t.Errorf("%d attempts while disconnected, want none", n-before)
	}
	f.set(func(f *fakeClient) { f.down = false }) // Run's next Connect succeeds
	f.wait(t, 1)
	if got := f.texts(); got != "1 2 3 4 5" {
		t.Errorf("sent %q, want 1 2 3 4 5: nothing dropped, in order", got)
	}
}

// TestAddressStable checks that a person keeps the address first given,
// across restarts.
func TestAddressStable(t *testing.T) {
	db := filepath.Join(t.TempDir(), "whatsapp.db")
	now := t0
	clock := func() time.Time { now = now.Add(time.Second); return now }
	carolLID := types.NewJID("555000111222333", types.HiddenUserServer)
	carolPN := types.NewJID("4915112345678", types.DefaultUserServer)
	eveLID := types.NewJID("777000111222333", types.HiddenUserServer)
	evePN := types.NewJID("4915187654321", types.DefaultUserServer)
	dave := types.NewJID("4915199999999", types.DefaultUserServer)
	from := func(chat, sender, alt types.JID) *events.Message {
		e := incoming(text("hi"))
		e.Info.Chat, e.Info.Sender, e.Info.SenderAlt = chat, sender, alt
		return e
	}
	steps := []struct {
		name string
		evt  *events.Message
		want string
	}{
		{"LID only", from(carolLID, carolLID, types.EmptyJID), "lid:555000111222333"},
		{"LID with phone", from(carolLID, carolLID, carolPN), "lid:555000111222333"},
		{"phone only, after both", from(carolPN, carolPN, types.EmptyJID), "lid:555000111222333"},
		{"phone-only newcomer", from(dave, dave, types.EmptyJID), "4915199999999"},
		{"phone first", from(evePN, evePN, types.EmptyJID), "4915187654321"},
		{"then LID only: not known as the same person", from(eveLID, eveLID, types.EmptyJID), "lid:777000111222333"},
		{"both: the earlier address", from(eveLID, eveLID, evePN), "4915187654321"},
		{"LID only, after both", from(eveLID, eveLID, types.EmptyJID), "4915187654321"},
	}
	w, _, in := newTest(t, Options{DB: db, Now: clock})
	for _, s := range steps {
		w.HandleEvent(s.evt)
		if m := in.next(t); m.From.Chat != s.want {
			t.Errorf("%s: From = %s, want %s", s.name, m.From.Chat, s.want)
		}
	}
	w.Close()

	w2, f2, in2 := newTest(t, Options{DB: db, Now: clock})
	w2.HandleEvent(from(carolPN, carolPN, types.EmptyJID))
	if m := in2.next(t); m.From.Chat != "lid:555000111222333" {
		t.Errorf("after a restart: From = %s, want lid:555000111222333", m.From.Chat)
	}
	// The LID↔phone mapping in whatsmeow's store counts as both.
	frank := types.NewJID("888000111222333", types.HiddenUserServer)
	f2.set(func(f *fakeClient) { f.lids = map[types.JID]types.JID{frank: annPN} })
	w2.HandleEvent(from(frank, frank, types.EmptyJID))
	w2.HandleEvent(from(annPN, annPN, types.EmptyJID))
	for range 2 {
		if m := in2.next(t); m.From != annAddr {
			t.Errorf("with a known mapping: From = %s, want %s", m.From, annAddr)
		}
	}
}

// TestPairingAgainKeepsContacts: a device paired again with the shop's
// same number keeps who wrote first, so order notices still reach them;
// another number starts with nobody having written.
func TestPairingAgainKeepsContacts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "whatsapp.db")
	ctx := context.Background()
	opt := Options{DB: path}
	opt.defaults()
	pair := func(number string) {
		t.Helper()
		db, container, err := openStore(ctx, opt)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if dev, err := newDevice(ctx, db, container); err != nil || dev.ID != nil {
			t.Fatalf("newDevice = %v, %v", dev, err)
		}
		if err := adoptNumber(ctx, db, number); err != nil { // what Login and Open do once paired
			t.Fatal(err)
		}
	}
	reaches := func(when string, want bool) {
		t.Helper()
		w, _, _ := newTest(t, Options{DB: path})
		defer w.Close()
		err := w.Send(ctx, annAddr, []bot.Reply{{Text: "Your order is on its way"}})
		if got := !errors.Is(err, ErrFirstContact); got != want {
			t.Errorf("%s: Send = %v, want reaching her %v", when, err, want)
		}
	}
	// A file from before the number was kept: its contacts are the
	// paired number's.
	w, _, in := newTest(t, Options{DB: path})
	w.HandleEvent(incoming(text("hi")))
	in.next(t)
	w.Close()
	pair("74950000001")
	reaches("after the first start with the number kept", true)

	pair("74950000001") // logged out, paired again with the same phone
	reaches("paired again with the same number", true)

	pair("74950000002")
	reaches("paired with another number", false)
}

func TestQueueBound(t *testing.T) {
	w, _, in := newTest(t, Options{MaxQueue: 2})
	w.HandleEvent(incoming(text("hi")))
	in.next(t)
	if err := w.Send(context.Background(), annAddr, []bot.Reply{{Text: "1"}, {Text: "2"}, {Text: "3"}}); err == nil {
		t.Error("Send beyond MaxQueue succeeded")
	}
}

func TestLRU(t *testing.T) {
	l := newLRU[int](2)
	l.put("a", 1)
	l.put("b", 2)
	l.get("a")
	l.put("c", 3) // evicts b, the least recently used
	if _, ok := l.get("b"); ok {
		t.Error("b kept")
	}
	if v, ok := l.get("a"); !ok || v != 1 {
		t.Error("a lost")
	}
	l.del("a")
	if _, ok := l.get("a"); ok || l.ll.Len() != 1 {
		t.Error("a not deleted")
	}
}

func TestRenderQR(t *testing.T) {
	var b strings.Builder
	if err := renderQR(&b, "2@abc,def,ghi"); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	// Version 1 is 21 modules, plus a 4-module quiet zone each side: 29×29
	// modules, two rows a line.
	const size = 29
	if len(lines) != (size+1)/2 {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), (size+1)/2, b.String())
	}
	for i, l := range lines {
		if n := len([]rune(l)); n != size {
			t.Errorf("line %d has %d columns, want %d", i, n, size)
		}
		if strings.Trim(l, " ▀▄█") != "" {
			t.Errorf("line %d has other characters: %q", i, l)
		}
	}
	if lines[0] != strings.Repeat("█", size) || lines[1] != strings.Repeat("█", size) {
		t.Error("the quiet zone is not light")
	}
	if last := lines[len(lines)-1]; last != strings.Repeat("▀", size) {
		t.Errorf("last line %q: the odd last row is the quiet zone's top half", last)
	}
}

// waiting is the number of messages waiting or in flight.
func (o *outbox) waiting() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.n
}
