package telegram

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf16"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"omnicart/bot"
)

// Telegram's size limits, in UTF-16 code units after entity parsing.
const (
	maxText    = 4096
	maxCaption = 1024
)

// op is one Bot API call of a reply.
type op struct {
	kind    string // "text", "photo", "edit"
	text    string // plain text; escaped when sent
	photo   string // image path
	png     []byte // a generated picture (bot.Reply.PhotoPNG), uploaded as is
	invoice *bot.Invoice
	edit    int // message to edit
	markup  models.ReplyMarkup
	retries int
	// done, when set, hears how the call ended: nil when Telegram took it,
	// an error wrapping bot.ErrRefused when the chat blocked the bot, or
	// another error (failed, dropped at shutdown).
	done func(error)
	// dispatch, when set, is called right before the call is made (see
	// bot.WithDispatch).
	dispatch func()
}

// escape makes plain text safe for parse_mode HTML.
var escape = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace

// utf16Len is the length of s in UTF-16 units, as Telegram measures texts.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// split cuts text into pieces of at most max UTF-16 units, at line breaks
// where it can.
func split(text string, max int) []string {
	var out []string
	for utf16Len(text) > max {
		runes := []rune(text)
		cut, units := 0, 0
		for i, r := range runes {
			units += utf16.RuneLen(r)
			if units > max {
				break
			}
			cut = i + 1
		}
		if nl := strings.LastIndex(string(runes[:cut]), "\n"); nl > 0 {
			cut = len([]rune(string(runes[:cut])[:nl])) + 1
		}
		out = append(out, strings.TrimRight(string(runes[:cut]), "\n"))
		text = string(runes[cut:])
	}
	return append(out, text)
}

func inlineKeyboard(rows [][]bot.Choice) models.ReplyMarkup {
	if len(rows) == 0 {
		return nil
	}
	kb := &models.InlineKeyboardMarkup{}
	for _, row := range rows {
		var r []models.InlineKeyboardButton
		for _, c := range row {
			if c.Data == "" || len(c.Data) > bot.MaxChoiceData {
				continue
			}
			label := c.Label
			if label == "" {
				label = "·"
			}
			r = append(r, models.InlineKeyboardButton{Text: label, CallbackData: c.Data})
		}
		if len(r) > 0 {
			kb.InlineKeyboard = append(kb.InlineKeyboard, r)
		}
	}
	return kb
}

// render turns a reply into calls. edit names a text message to edit in
// place, or 0.
func (t *Telegram) render(chat int64, r bot.Reply, edit int) []op {
	kb := inlineKeyboard(r.Choices)
	var ops []op
	if r.Invoice != nil {
		ops = append(ops, op{kind: "invoice", invoice: r.Invoice})
	}
	if r.Photo != "" || len(r.PhotoPNG) > 0 {
		if utf16Len(r.Text) <= maxCaption {
			ops = append(ops, op{kind: "photo", photo: r.Photo, png: r.PhotoPNG, text: r.Text, markup: kb})
			kb = nil
			r.Text = ""
		} else {
			ops = append(ops, op{kind: "photo", photo: r.Photo, png: r.PhotoPNG})
		}
	}
	if r.Text != "" {
		parts := split(r.Text, maxText)
		for i, p := range parts {
			o := op{kind: "text", text: p}
			if i == len(parts)-1 {
				o.markup = kb
				if edit != 0 && len(parts) == 1 && !t.isPhoto(chat, edit) {
					o.kind, o.edit = "edit", edit
				}
			}
			ops = append(ops, o)
		}
	}
	if r.AskContact || r.AskLocation {
		var row []models.KeyboardButton
		if r.AskContact {
			row = append(row, models.KeyboardButton{Text: t.opt.Text(r.Lang, "telegram.share_contact"), RequestContact: true})
		}
		if r.AskLocation {
			row = append(row, models.KeyboardButton{Text: t.opt.Text(r.Lang, "telegram.share_location"), RequestLocation: true})
		}
		ops = append(ops, op{kind: "text", text: t.opt.Text(r.Lang, "telegram.share_hint"),
			markup: &models.ReplyKeyboardMarkup{Keyboard: [][]models.KeyboardButton{row}, ResizeKeyboard: true, OneTimeKeyboard: true}})
	}
	return ops
}

func (t *Telegram) isPhoto(chat int64, msgID int) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.photos[chat][msgID]
}

// forget drops what is remembered of an idle chat.
func (t *Telegram) forget(chat int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.photos, chat)
	delete(t.pressed, chat)
}

// SetImages switches to a reloaded shop's photos and forgets the uploaded
// copies, so a replaced picture is uploaded again.
func (t *Telegram) SetImages(images fs.FS) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.opt.Images = images
	t.fileIDs = map[string]string{}
}

// maxPhotoIDs bounds the remembered photo messages per chat.
const maxPhotoIDs = 64

func (t *Telegram) rememberPhoto(chat int64, msgID int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	ids := t.photos[chat]
	if ids == nil || len(ids) >= maxPhotoIDs {
		ids = map[int]bool{}
		t.photos[chat] = ids
	}
	ids[msgID] = true
}

// outbox delivers each chat's calls in order, at most PerChatBurst per
// PerChatBurst/PerChatRate seconds to one chat, GroupPerMinute a minute to a
// group, and GlobalRate a second in all.
type outbox struct {
	t       *Telegram
	opt     Options
	global  *window
	slots   chan struct{} // concurrent calls
	mu      sync.Mutex
	chats   map[int64]*chatQueue
	closing bool
	wg      sync.WaitGroup
	ctx     context.Context
	cancel  context.CancelFunc
	// pause holds every send back until Telegram's retry_after has passed.
	pause time.Time

	Sent, Retried, Failed, Blocked atomic.Int64
}

type chatQueue struct {
	ops     []op
	running bool
	limit   *window
}

func newOutbox(t *Telegram, opt Options) *outbox {
	ctx, cancel := context.WithCancel(context.Background())
	return &outbox{t: t, opt: opt, chats: map[int64]*chatQueue{}, slots: make(chan struct{}, 64),
		global: newWindow(opt.GlobalRate, time.Second), ctx: ctx, cancel: cancel}
}

func (o *outbox) chatWindow(chat int64) *window {
	if chat < 0 {
		return newWindow(o.opt.GroupPerMinute, time.Minute)
	}
	span := time.Duration(float64(o.opt.PerChatBurst) / o.opt.PerChatRate * float64(time.Second))
	return newWindow(o.opt.PerChatBurst, span)
}

var (
	errClosing    = errors.New("telegram: shutting down")
	errEditFailed = errors.New("telegram: message cannot be edited")
	errBlocked    = fmt.Errorf("telegram: the customer blocked the bot: %w", bot.ErrRefused)
)

// push queues ops for chat behind its earlier ones.
func (o *outbox) push(chat int64, ops []op) error {
	if len(ops) == 0 {
		return nil
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closing {
		return errClosing
	}
	q := o.chats[chat]
	if q == nil {
		q = &chatQueue{limit: o.chatWindow(chat)}
		o.chats[chat] = q
	}
	q.ops = append(q.ops, ops...)
	if !q.running {
		q.running = true
		o.wg.Add(1)
		go o.drain(chat, q)
	}
	return nil
}

// run forgets idle chats now and then until ctx ends.
func (o *outbox) run(ctx context.Context) {
	tick := time.NewTicker(time.Minute)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			now := time.Now()
			o.mu.Lock()
			for chat, q := range o.chats {
				if !q.running && q.limit.idle(now) {
					delete(o.chats, chat)
					o.t.forget(chat)
				}
			}
			o.mu.Unlock()
		}
	}
}

// close stops taking new calls and waits up to grace for the queued ones.
func (o *outbox) close(grace time.Duration) {
	o.mu.Lock()
	o.closing = true
	o.mu.Unlock()
	done := make(chan struct{})
	go func() { o.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(grace):
		o.t.log.Warn("telegram: replies still queued at shutdown were dropped")
		o.cancel()
		<-done
	}
}

func (o *outbox) drain(chat int64, q *chatQueue) {
	defer o.wg.Done()
	for {
		o.mu.Lock()
		if len(q.ops) == 0 {
			q.running = false
			o.mu.Unlock()
			return
		}
		next := q.ops[0]
		q.ops = q.ops[1:]
		o.mu.Unlock()
		err := o.deliver(chat, q, next)
		finish(next, err)
		if errors.Is(err, errBlocked) {
			o.mu.Lock()
			rest := q.ops
			q.ops = nil // the chat blocked the bot: drop the rest
			o.mu.Unlock()
			for _, x := range rest {
				finish(x, errBlocked)
			}
		}
	}
}

func finish(x op, err error) {
	if x.done != nil {
		x.done(err)
	}
}

// sleepUntil waits until at, or returns false when the outbox is cancelled.
func (o *outbox) sleepUntil(at time.Time) bool {
	d := time.Until(at)
	if d <= 0 {
		return true
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-o.ctx.Done():
		return false
	}
}

// deliver makes one call within the limits, retrying 429s after
// retry_after and transient errors a few times. It returns nil when
// Telegram took the call, errBlocked when the chat is unreachable, or why
// the call was given up.
func (o *outbox) deliver(chat int64, q *chatQueue, x op) error {
	for attempt := 0; ; attempt++ {
		endChat, ok := q.limit.begin(o.ctx)
		if !ok {
			return errClosing
		}
		o.mu.Lock()
		pause := o.pause
		o.mu.Unlock()
		if !o.sleepUntil(pause) {
			endChat()
			return errClosing
		}
		o.slots <- struct{}{}
		endGlobal, ok := o.global.begin(o.ctx)
		if !ok {
			<-o.slots
			endChat()
			return errClosing
		}
		if x.dispatch != nil {
			x.dispatch()
		}
		err := o.t.call(o.ctx, chat, x)
		endGlobal()
		<-o.slots
		endChat()
		if err == nil {
			o.Sent.Add(1)
			return nil
		}
		var tooMany *tgbot.TooManyRequestsError
		switch {
		case errors.Is(err, errEditFailed):
			x.kind = "text" // the message is gone or cannot be edited: send a new one
			attempt--
		case errors.As(err, &tooMany):
			o.Retried.Add(1)
			wait := time.Duration(max(tooMany.RetryAfter, 1)) * time.Second
			o.t.log.Warn("telegram: rate limited, waiting", slog.Duration("retry_after", wait))
			o.mu.Lock()
			if until := time.Now().Add(wait); until.After(o.pause) {
				o.pause = until // Telegram's flood control is for the whole bot: everyone waits
			}
			o.mu.Unlock()
			if !o.sleepUntil(time.Now().Add(wait)) {
				return errClosing
			}
			attempt = 0 // a 429 is not a failure of the call
		case errors.Is(err, tgbot.ErrorForbidden):
			o.Blocked.Add(1)
			o.t.log.Info("telegram: the customer blocked the bot")
			if o.t.opt.Unreachable != nil {
				o.t.opt.Unreachable(o.ctx, address(chat))
			}
			return errBlocked
		case errors.Is(err, tgbot.ErrorBadRequest), errors.Is(err, context.Canceled), attempt >= 3:
			o.Failed.Add(1)
			o.t.log.Warn("telegram: message not delivered", slog.String("kind", x.kind), slog.Any("err", err))
			return fmt.Errorf("telegram: %s not delivered: %w", x.kind, err)
		default:
			o.Retried.Add(1)
			if !o.sleepUntil(time.Now().Add(time.Duration(attempt+1) * 500 * time.Millisecond)) {
				return errClosing
			}
		}
	}
}

// call makes the Bot API call of x.
func (t *Telegram) call(ctx context.Context, chat int64, x op) error {
	switch x.kind {
	case "edit", "text":
		ctx = withoutResult(ctx) // the message sent or edited is not read: transport.go
	}
	switch x.kind {
	case "edit":
		_, err := t.tg.EditMessageText(ctx, &tgbot.EditMessageTextParams{ChatID: chat, MessageID: x.edit,
			Text: escape(x.text), ParseMode: models.ParseModeHTML, ReplyMarkup: x.markup,
			LinkPreviewOptions: &models.LinkPreviewOptions{IsDisabled: tgbot.True()}})
		if err == nil || strings.Contains(err.Error(), "message is not modified") {
			return nil
		}
		if errors.Is(err, tgbot.ErrorBadRequest) {
			return errEditFailed
		}
		return err
	case "photo":
		return t.sendPhoto(ctx, chat, x)
	case "invoice":
		return t.sendInvoice(ctx, chat, x)
	}
	_, err := t.tg.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: chat, Text: escape(x.text),
		ParseMode: models.ParseModeHTML, ReplyMarkup: x.markup,
		LinkPreviewOptions: &models.LinkPreviewOptions{IsDisabled: tgbot.True()}})
	return err
}

func (t *Telegram) sendPhoto(ctx context.Context, chat int64, x op) error {
	t.mu.Lock()
	fileID, images := t.fileIDs[x.photo], t.opt.Images
	t.mu.Unlock()
	var photo models.InputFile
	if len(x.png) > 0 {
		photo = &models.InputFileUpload{Filename: "qr.png", Data: bytes.NewReader(x.png)}
		fileID = "-" // made for this message: never reused
	} else if fileID != "" {
		photo = &models.InputFileString{Data: fileID}
	} else if strings.HasPrefix(x.photo, "https://") {
		photo = &models.InputFileString{Data: x.photo}
	} else {
		if images == nil {
			return t.textInstead(ctx, chat, x)
		}
		f, err := images.Open(path.Clean(x.photo))
		if err != nil {
			t.log.Warn("telegram: photo not found", slog.String("photo", x.photo))
			return t.textInstead(ctx, chat, x)
		}
		defer f.Close()
		photo = &models.InputFileUpload{Filename: path.Base(x.photo), Data: f}
	}
	params := &tgbot.SendPhotoParams{ChatID: chat, Photo: photo, ReplyMarkup: x.markup}
	if x.text != "" {
		params.Caption, params.ParseMode = escape(x.text), models.ParseModeHTML
	}
	msg, err := t.tg.SendPhoto(ctx, params)
	if err != nil {
		return err
	}
	t.rememberPhoto(chat, msg.ID)
	if n := len(msg.Photo); n > 0 && fileID == "" && x.photo != "" {
		t.mu.Lock()
		t.fileIDs[x.photo] = msg.Photo[n-1].FileID
		t.mu.Unlock()
	}
	return nil
}

func (t *Telegram) textInstead(ctx context.Context, chat int64, x op) error {
	if x.text == "" {
		return nil
	}
	x.kind = "text"
	return t.call(ctx, chat, x)
}

// Stats are the outbox counters.
type Stats struct{ Sent, Retried, Failed, Blocked int64 }

// Stats returns the delivery counters.
func (t *Telegram) Stats() Stats {
	return Stats{Sent: t.out.Sent.Load(), Retried: t.out.Retried.Load(), Failed: t.out.Failed.Load(), Blocked: t.out.Blocked.Load()}
}
