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
	"strings"
	"sync"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"

	"omnicart/bot"
)

// Sending limits.
const (
	maxTries    = 3                // attempts per message before it is dropped
	maxImage    = 16 << 20         // WhatsApp's image size limit
	sendTimeout = 60 * time.Second // one upload + send
)

// Send checks that the chat wrote to the shop first (else ErrFirstContact),
// renders the replies and queues them; it returns at once. The paced queue
// delivers them in order; when the last of them goes out, the chat's menu
// (for "2", "Cart", poll votes) becomes the choices of the last reply that
// has any, or none.
func (w *WhatsApp) Send(ctx context.Context, to bot.Address, replies []bot.Reply) error {
	jid, ok := jidOf(to)
	if !ok {
		return fmt.Errorf("whatsapp: bad address %s", to)
	}
	wrote, err := w.hasWritten(ctx, to.Chat)
	if err != nil {
		return fmt.Errorf("whatsapp: send to %s: %w", to, err)
	}
	if !wrote {
		return fmt.Errorf("%w (%s)", ErrFirstContact, to)
	}
	var msgs []out
	var menu []bot.Choice
	for _, r := range replies {
		msgs = append(msgs, render(r, w.opt.Polls, w.opt.Text)...)
		if cs := choicesOf(r); len(cs) > 0 {
			menu = cs
		}
	}
	if len(msgs) == 0 {
		return nil
	}
	items := make([]item, len(msgs))
	for i, m := range msgs {
		items[i] = item{chat: to.Chat, jid: jid, msg: m}
	}
	items[len(items)-1].last, items[len(items)-1].menu = true, menu
	return w.out.push(to.Chat, items)
}

// item is one message waiting in the outbox.
type item struct {
	chat  string
	jid   types.JID
	msg   out
	last  bool         // the last message of a Send: typing stops, menu is set
	menu  []bot.Choice // with last: the chat's new menu (nil: none)
	tries int
}

// outbox is the one paced queue of all outbound messages. Chats take turns,
// one message each, so a long answer to one shopper does not hold up the
// others; a chat's own messages keep their order.
type outbox struct {
	w     *WhatsApp
	mu    sync.Mutex
	chats map[string][]item // waiting messages per chat
	ring  []string          // chats with waiting messages, in turn order
	n     int               // messages waiting or in flight
	wake  chan struct{}
	// closed refuses new messages; drained is closed once n reaches 0.
	closed  bool
	drained chan struct{}
}

func newOutbox(w *WhatsApp) *outbox {
	return &outbox{w: w, chats: map[string][]item{}, wake: make(chan struct{}, 1)}
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
	select {
	case o.wake <- struct{}{}:
	default:
	}
	return nil
}

// pop takes the next chat's first message.
func (o *outbox) pop() (item, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.ring) == 0 {
		return item{}, false
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
	return it, true
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

// close refuses new messages and waits up to wait for the queue to empty.
func (o *outbox) close(wait time.Duration) {
	o.mu.Lock()
	o.closed = true
	if o.n == 0 || wait <= 0 {
		o.mu.Unlock()
		return
	}
	o.drained = make(chan struct{})
	ch := o.drained
	o.mu.Unlock()
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ch:
	case <-t.C:
		o.w.log.Warn("whatsapp: messages left unsent at shutdown")
	}
}

// run sends the queued messages until ctx ends, keeping at least MinGap
// (plus jitter) between two messages, and backing off after a failure.
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
		it, ok := o.pop()
		if !ok {
			select {
			case <-ctx.Done():
				return
			case <-o.wake:
			}
			continue
		}
		if it.last && it.tries == 0 {
			w.setMenu(it.chat, it.menu)
		}
		err := w.deliver(ctx, it)
		if err != nil && ctx.Err() == nil && it.tries+1 < maxTries {
			it.tries++
			w.log.Warn("whatsapp: send failed, retrying", slog.Int("try", it.tries), slog.Any("err", err))
			o.retry(it)
			next = time.Now().Add(backoff(w.opt.MinGap, it.tries+1))
			continue
		}
		if err != nil {
			w.log.Error("whatsapp: message dropped", slog.String("chat", it.chat), slog.Any("err", err))
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

// setMenu makes menu the chat's latest menu (nil: the chat has none).
func (w *WhatsApp) setMenu(chat string, menu []bot.Choice) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if menu != nil {
		w.menus.put(chat, menu)
	} else {
		w.menus.del(chat)
	}
}

// deliver sends one message: it uploads a photo first, and falls back to
// the caption as text when the photo cannot be read.
func (w *WhatsApp) deliver(ctx context.Context, it item) error {
	ctx, cancel := context.WithTimeout(ctx, sendTimeout)
	defer cancel()
	var msg *waE2E.Message
	switch m := it.msg; {
	case m.Poll != nil:
		msg = w.c.BuildPollCreation(m.Text, m.Poll, 1)
	case m.Photo != "":
		data, err := w.photo(ctx, m.Photo)
		if err != nil {
			w.log.Warn("whatsapp: photo not sent", slog.String("photo", m.Photo), slog.Any("err", err))
			if m.Text == "" {
				return nil
			}
			msg = textMessage(m.Text)
			break
		}
		up, err := w.c.Upload(ctx, data, whatsmeow.MediaImage)
		if err != nil {
			return fmt.Errorf("upload %s: %w", m.Photo, err)
		}
		msg = imageMessage(up, http.DetectContentType(data), m.Text)
	default:
		msg = textMessage(m.Text)
	}
	_, err := w.c.SendMessage(ctx, it.jid, msg)
	return err
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
