package whatsapp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/socket"
	"go.mau.fi/whatsmeow/types"

	"omnicart/bot"
)

// Sending limits.
const (
	maxTries    = 3                // failed attempts per message before it is dropped
	maxImage    = 16 << 20         // WhatsApp's image size limit
	sendTimeout = 60 * time.Second // one upload + send
)

// Send checks that the chat wrote to the shop first (else ErrFirstContact),
// renders the replies and queues them; it returns at once, and ErrClosed
// after Flush. The paced queue delivers them in order; once the last of
// them is delivered, the chat's menu (for "2", "Cart", poll votes) becomes
// the choices of the last reply that has any, or none.
func (w *WhatsApp) Send(ctx context.Context, to bot.Address, replies []bot.Reply) error {
	items, err := w.items(ctx, to, replies)
	if err != nil || len(items) == 0 {
		return err
	}
	return w.out.push(to.Chat, items)
}

// Deliver sends replies like Send but waits until every message was sent
// (nil) or one was dropped. A chat that never wrote first is refused at
// once (the error wraps bot.ErrRefused); while the client is offline, or
// when ctx ends first, the messages not yet sent are withdrawn and an error
// returned, so a later retry does not send them twice.
func (w *WhatsApp) Deliver(ctx context.Context, to bot.Address, replies []bot.Reply) error {
	return bot.DeliverQueued(ctx, w, to, replies)
}

// Queue is Deliver in two steps (bot.Queuer): the messages are queued in
// the chat's order now, and wait returns when they were sent or one was
// dropped; when wait's ctx ends first, those not yet sent are withdrawn.
func (w *WhatsApp) Queue(ctx context.Context, to bot.Address, replies []bot.Reply) (wait func(context.Context) error, err error) {
	items, err := w.items(ctx, to, replies)
	if err != nil || len(items) == 0 {
		return bot.Finished(nil), err
	}
	if !w.out.isOnline() {
		return nil, ErrOffline
	}
	dl := &delivery{results: make(chan error, len(items)), dispatch: bot.DispatchFunc(ctx)}
	for i := range items {
		items[i].dl = dl
	}
	if err := w.out.push(to.Chat, items); err != nil {
		return nil, err
	}
	return func(ctx context.Context) error {
		for range items {
			select {
			case err := <-dl.results:
				if err != nil {
					return err
				}
			case <-ctx.Done():
				w.out.withdraw(to.Chat, dl)
				return ctx.Err()
			}
		}
		return nil
	}, nil
}

// items renders replies to one chat as outbox items.
func (w *WhatsApp) items(ctx context.Context, to bot.Address, replies []bot.Reply) ([]item, error) {
	jid, ok := jidOf(to)
	if !ok {
		return nil, fmt.Errorf("whatsapp: bad address %s", to)
	}
	wrote, err := w.hasWritten(ctx, to.Chat)
	if err != nil {
		return nil, fmt.Errorf("whatsapp: send to %s: %w", to, err)
	}
	if !wrote {
		return nil, fmt.Errorf("%w (%s)", ErrFirstContact, to)
	}
	var msgs []out
	b := &batch{}
	pollAt := -1
	for _, r := range replies {
		outs := render(r, w.opt.Polls, w.opt.Text)
		if cs := choicesOf(r); len(cs) > 0 {
			b.menu, pollAt = cs, -1
			if k := len(outs) - 1; k >= 0 && outs[k].Poll != nil {
				pollAt = len(msgs) + k // the poll that shows the menu
			}
		}
		msgs = append(msgs, outs...)
	}
	if len(msgs) == 0 {
		return nil, nil
	}
	items := make([]item, len(msgs))
	for i, m := range msgs {
		items[i] = item{chat: to.Chat, jid: jid, msg: m, batch: b, menuPoll: i == pollAt}
	}
	items[len(items)-1].last = true
	return items, nil
}

// batch is what the messages of one Send share.
type batch struct {
	menu []bot.Choice // the chat's menu once the last message is delivered (nil: none)
	poll string       // the ID of the delivered poll that shows menu
}

// item is one message waiting in the outbox.
type item struct {
	chat     string
	jid      types.JID
	msg      out
	batch    *batch // only the outbox's run goroutine touches it
	menuPoll bool   // the poll that shows the batch's menu
	last     bool   // the last message of a Send: typing stops, the menu is set
	tries    int    // failed attempts, not counting those made while offline
	// dl, when set (Deliver), hears whether the message was sent (nil) or
	// dropped; it hears nothing of a message Deliver withdrew.
	dl *delivery
}

// delivery collects the outcomes of the messages of one Deliver.
type delivery struct {
	results  chan error
	dispatch func() // see bot.WithDispatch; may be nil
}

func (it item) done(err error) {
	if it.dl != nil {
		it.dl.results <- err
	}
}

// outbox is the one paced queue of all outbound messages. Chats take turns,
// one message each, so a long answer to one shopper does not hold up the
// others; a chat's own messages keep their order. It hands out nothing
// while the client is offline.
type outbox struct {
	w     *WhatsApp
	mu    sync.Mutex
	chats map[string][]item // waiting messages per chat
	ring  []string          // chats with waiting messages, in turn order
	n     int               // messages waiting or in flight
	wake  chan struct{}
	// online is whether the client is connected; epoch counts the times
	// it came online, so a send that failed for want of a connection does
	// not pause the outbox after a newer connection came up.
	online bool
	epoch  int
	// closed refuses new messages; stopped hands out no more. drained is
	// closed once n reaches 0.
	closed, stopped bool
	drained         chan struct{}
}

func newOutbox(w *WhatsApp) *outbox {
	return &outbox{w: w, chats: map[string][]item{}, wake: make(chan struct{}, 1)}
}

// signal wakes run; the caller holds o.mu.
func (o *outbox) signal() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

func (o *outbox) push(chat string, items []item) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return ErrClosed
	}
	if o.n+len(items) > o.w.opt.MaxQueue {
		return fmt.Errorf("whatsapp: send queue full (%d messages)", o.w.opt.MaxQueue)
	}
	if len(o.chats[chat]) == 0 {
		o.ring = append(o.ring, chat)
	}
	o.chats[chat] = append(o.chats[chat], items...)
	o.n += len(items)
	o.signal()
	return nil
}

// pop takes the next chat's first message, and the connection epoch it is
// sent in; nothing while offline or stopped.
func (o *outbox) pop() (item, int, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.ring) == 0 || !o.online || o.stopped {
		return item{}, 0, false
	}
	chat := o.ring[0]
	o.ring = o.ring[1:]
	q := o.chats[chat]
	it := q[0]
	if len(q) > 1 {
		o.chats[chat] = q[1:]
		o.ring = append(o.ring, chat)
	} else {
		delete(o.chats, chat)
	}
	return it, o.epoch, true
}

// retry puts a message back at the head of its chat's queue and gives the
// chat the next turn.
func (o *outbox) retry(it item) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.chats[it.chat]) == 0 {
		o.ring = append([]string{it.chat}, o.ring...)
	}
	o.chats[it.chat] = append([]item{it}, o.chats[it.chat]...)
}

// isOnline reports whether messages are being handed out.
func (o *outbox) isOnline() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.online && !o.stopped
}

// withdraw takes the messages of one Deliver (those sharing its done
// function) out of the chat's queue, if they are still waiting.
func (o *outbox) withdraw(chat string, dl *delivery) {
	o.mu.Lock()
	defer o.mu.Unlock()
	q := o.chats[chat]
	kept := q[:0]
	for _, it := range q {
		if it.dl == dl {
			o.n--
			continue
		}
		kept = append(kept, it)
	}
	if len(kept) == 0 {
		delete(o.chats, chat)
		o.ring = slices.DeleteFunc(o.ring, func(c string) bool { return c == chat })
	} else {
		o.chats[chat] = kept
	}
	if o.n == 0 && o.drained != nil {
		close(o.drained)
		o.drained = nil
	}
}

// done counts a message as delivered or dropped.
func (o *outbox) done() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.n--
	if o.n == 0 && o.drained != nil {
		close(o.drained)
		o.drained = nil
	}
}

// setOnline pauses (false) or resumes (true) sending.
func (o *outbox) setOnline(on bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if on && !o.online {
		o.epoch++
		o.signal()
	}
	o.online = on
}

// offline pauses sending after a send found no connection in epoch, unless
// the client has connected again since.
func (o *outbox) offline(epoch int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.epoch == epoch {
		o.online = false
	}
}

// fail refuses new messages and hands out no more: the session has ended
// for good.
func (o *outbox) fail() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.closed, o.stopped = true, true
}

// close refuses new messages, waits up to wait for the queue to empty, and
// then hands out no more. It returns how many messages were left unsent.
func (o *outbox) close(wait time.Duration) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.closed = true
	if o.n > 0 && wait > 0 && !o.stopped {
		o.drained = make(chan struct{})
		ch := o.drained
		o.mu.Unlock()
		t := time.NewTimer(wait)
		select {
		case <-ch:
		case <-t.C:
		}
		t.Stop()
		o.mu.Lock()
	}
	o.stopped = true
	return o.n
}

// run sends the queued messages until ctx ends, keeping at least MinGap
// (plus jitter) between two messages. A send that fails for want of a
// connection pauses the outbox until the client connects again and does
// not count as a try; other failures are retried with backoff, up to
// maxTries.
func (o *outbox) run(ctx context.Context) {
	w := o.w
	var next time.Time
	for {
		if d := time.Until(next); d > 0 {
			t := time.NewTimer(d)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
		}
		it, epoch, ok := o.pop()
		if !ok {
			select {
			case <-ctx.Done():
				return
			case <-o.wake:
			}
			continue
		}
		if it.dl != nil && it.dl.dispatch != nil {
			it.dl.dispatch()
		}
		id, err := w.deliver(ctx, it)
		switch {
		case err == nil:
			it.done(nil)
			if it.menuPoll {
				it.batch.poll = id
			}
			if it.last {
				w.setMenu(it.chat, chatMenu{it.batch.menu, it.batch.poll})
			}
		case ctx.Err() != nil:
			return // Flush counted it as left unsent
		case notConnected(err):
			w.log.Info("whatsapp: not connected, sending paused", slog.Any("err", err))
			o.offline(epoch)
			o.retry(it)
			next = time.Now().Add(w.opt.MinGap)
			continue
		case it.tries+1 < maxTries:
			it.tries++
			w.log.Warn("whatsapp: send failed, retrying", slog.Int("try", it.tries), slog.Any("err", err))
			o.retry(it)
			next = time.Now().Add(backoff(w.opt.MinGap, it.tries+1))
			continue
		default:
			w.log.Error("whatsapp: message dropped", slog.String("chat", it.chat), slog.Any("err", err))
			it.done(fmt.Errorf("whatsapp: message dropped: %w", err))
		}
		state := types.ChatPresenceComposing
		if it.last {
			state = types.ChatPresencePaused
		}
		w.typing(bot.Address{Channel: bot.WhatsApp, Chat: it.chat}, state)
		o.done()
		gap := w.opt.MinGap
		next = time.Now().Add(gap + rand.N(gap/2+1))
	}
}

// notConnected says whether a send failed because the client has no
// connection (or no login) at the moment, rather than for the message.
func notConnected(err error) bool {
	var disc *whatsmeow.DisconnectedError
	return errors.Is(err, whatsmeow.ErrNotConnected) || errors.Is(err, whatsmeow.ErrNotLoggedIn) ||
		errors.Is(err, socket.ErrSocketClosed) || errors.As(err, &disc)
}

// chatMenu is a chat's latest menu: its choices, and the ID of the poll
// that showed them (empty: a numbered list).
type chatMenu struct {
	choices []bot.Choice
	poll    string
}

// setMenu makes m the chat's latest menu (no choices: the chat has none).
func (w *WhatsApp) setMenu(chat string, m chatMenu) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(m.choices) > 0 {
		w.menus.put(chat, m)
	} else {
		w.menus.del(chat)
	}
}

// deliver sends one message and returns its ID: it uploads a photo first,
// and falls back to the caption as text when the photo cannot be read.
func (w *WhatsApp) deliver(ctx context.Context, it item) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, sendTimeout)
	defer cancel()
	var msg *waE2E.Message
	switch m := it.msg; {
	case m.Poll != nil:
		msg = w.c.BuildPollCreation(m.Text, m.Poll, 1)
	case m.Photo != "" || len(m.PNG) > 0:
		data, err := m.PNG, error(nil)
		if len(data) == 0 {
			data, err = w.photo(ctx, m.Photo)
		}
		if err != nil {
			w.log.Warn("whatsapp: photo not sent", slog.String("photo", m.Photo), slog.Any("err", err))
			if m.Text == "" {
				return "", nil
			}
			msg = textMessage(m.Text)
			break
		}
		up, err := w.c.Upload(ctx, data, whatsmeow.MediaImage)
		if err != nil {
			return "", fmt.Errorf("upload %s: %w", m.Photo, err)
		}
		msg = imageMessage(up, http.DetectContentType(data), m.Text)
	default:
		msg = textMessage(m.Text)
	}
	resp, err := w.c.SendMessage(ctx, it.jid, msg)
	return resp.ID, err
}

// photo reads an image of the shop, or downloads an https:// one.
func (w *WhatsApp) photo(ctx context.Context, p string) ([]byte, error) {
	if strings.HasPrefix(p, "https://") {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, p, nil)
		if err != nil {
			return nil, err
		}
		resp, err := w.http.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("GET %s: %s", p, resp.Status)
		}
		data, err := io.ReadAll(io.LimitReader(resp.Body, maxImage+1))
		if err == nil && len(data) > maxImage {
			err = errors.New("image larger than 16 MB")
		}
		return data, err
	}
	if w.opt.Images == nil {
		return nil, errors.New("no image directory")
	}
	return fs.ReadFile(w.opt.Images, path.Clean(p))
}
