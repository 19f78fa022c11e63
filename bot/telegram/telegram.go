// Package telegram is the Telegram channel: it turns updates from
// github.com/go-telegram/bot into bot.Messages for the engine, and bot.Replies
// into Bot API calls, within Telegram's rate limits. It is the only package
// that imports the Telegram library.
package telegram

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"omnicart/bot"
)

// Options configure the Telegram channel; zero values pick Telegram's own
// limits.
type Options struct {
	Token  string
	APIURL string // default https://api.telegram.org
	// Mode is "polling" (default) or "webhook".
	Mode          string
	WebhookURL    string // public URL Telegram posts updates to
	WebhookSecret string // checked on every webhook request

	PerChatRate    float64 // messages per second to one chat; default 1
	PerChatBurst   int     // messages one chat may get at once; default 3
	GroupPerMinute int     // messages per minute to one group; default 20
	GlobalRate     int     // messages per second in all; default 30

	// Images holds the photos Reply.Photo names.
	Images fs.FS
	// Text returns a text of the shop's locale files.
	Text func(lang, key string) string
	// Commands are the slash commands registered in the menu, in every
	// language of Langs, with the description Text(lang, "command."+name).
	Commands []string
	Langs    []string
	// PaymentToken is the Telegram Payments provider token from
	// @BotFather; Payments answers pre-checkout queries and settles
	// successful payments. Both empty: invoices are not sent.
	PaymentToken string
	Payments     Payments
	// Unreachable is told when a customer blocked the bot.
	Unreachable func(ctx context.Context, addr bot.Address)
	Logger      *slog.Logger
	PollTimeout time.Duration // long polling timeout; default 50s
}

// Telegram is the channel.
type Telegram struct {
	tg   *tgbot.Bot
	h    bot.Handler
	opt  Options
	log  *slog.Logger
	out  *outbox
	acks chan struct{} // bounds concurrent answerCallbackQuery calls

	mu      sync.Mutex
	pressed map[int64]int          // chat -> the message whose button was pressed last
	photos  map[int64]map[int]bool // chat -> ids of photo messages we sent
	fileIDs map[string]string      // image path -> Telegram file_id
	me      string                 // the bot's username, once known
}

// DeepLink returns the t.me link that opens the bot with /start payload,
// or "" while the bot's username is not known yet.
func (t *Telegram) DeepLink(payload string) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.me == "" {
		return ""
	}
	return "https://t.me/" + t.me + "?start=" + payload
}

// New returns the Telegram channel handing messages to h.
func New(h bot.Handler, opt Options) (*Telegram, error) {
	if opt.APIURL == "" {
		opt.APIURL = "https://api.telegram.org"
	}
	if opt.Mode == "" {
		opt.Mode = "polling"
	}
	if opt.PerChatRate <= 0 {
		opt.PerChatRate = 1
	}
	if opt.PerChatBurst <= 0 {
		opt.PerChatBurst = 3
	}
	if opt.GroupPerMinute <= 0 {
		opt.GroupPerMinute = 20
	}
	if opt.GlobalRate <= 0 {
		opt.GlobalRate = 30
	}
	if opt.PollTimeout <= 0 {
		opt.PollTimeout = 50 * time.Second
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	opt.Logger = redactLogger(opt.Logger, opt.Token) // the token is in every URL of the library's errors
	if opt.Text == nil {
		opt.Text = func(_, key string) string { return key }
	}
	if opt.Mode == "webhook" && (opt.WebhookURL == "" || opt.WebhookSecret == "") {
		return nil, errors.New("telegram: webhook mode needs webhook_url and webhook_secret")
	}
	t := &Telegram{h: h, opt: opt, log: opt.Logger, acks: make(chan struct{}, 16),
		pressed: map[int64]int{}, photos: map[int64]map[int]bool{}, fileIDs: map[string]string{}}
	client := &http.Client{
		Timeout: opt.PollTimeout + 15*time.Second,
		Transport: wholeBody{polls: &pollPacer{}, next: &http.Transport{ // transport.go: bodies sent whole, not chunked
			Proxy:               http.ProxyFromEnvironment,
			DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConns:        128,
			MaxIdleConnsPerHost: 64, // at least the number of concurrent sends
			IdleConnTimeout:     90 * time.Second,
			TLSHandshakeTimeout: 10 * time.Second,
			ForceAttemptHTTP2:   true,
		}},
	}
	tg, err := tgbot.New(opt.Token,
		tgbot.WithServerURL(opt.APIURL),
		tgbot.WithSkipGetMe(),
		tgbot.WithNotAsyncHandlers(),
		tgbot.WithDefaultHandler(t.onUpdate),
		tgbot.WithHTTPClient(opt.PollTimeout, client),
		tgbot.WithAllowedUpdates(tgbot.AllowedUpdates(allowedUpdates(opt))),
		tgbot.WithErrorsHandler(func(err error) {
			if !errors.Is(err, context.Canceled) {
				t.log.Warn("telegram", slog.Any("err", err))
			}
		}),
	)
	if err != nil {
		return nil, redactError(fmt.Errorf("telegram: %w", err), opt.Token)
	}
	t.tg = tg
	t.out = newOutbox(t, opt)
	return t, nil
}

// Run checks the token, registers the command menu, sets up polling or the
// webhook, and takes updates until ctx ends. Network errors on the way in
// are retried with backoff; a token Telegram refuses ends Run with an error.
// Replies are still accepted after Run returns: Flush delivers them.
func (t *Telegram) Run(ctx context.Context) error {
	return redactError(t.run(ctx), t.opt.Token)
}

func (t *Telegram) run(ctx context.Context) error {
	go t.out.run(t.out.ctx)
	var me *models.User
	err := retry(ctx, t.log, "getMe", func() (err error) { me, err = t.tg.GetMe(ctx); return err })
	if err != nil {
		return fmt.Errorf("telegram: the bot token was not accepted: %w", err)
	}
	t.log.Info("telegram connected", slog.String("bot", me.Username), slog.String("mode", t.opt.Mode))
	t.mu.Lock()
	t.me = me.Username
	t.mu.Unlock()
	t.setCommands(ctx)
	if t.opt.Mode == "webhook" {
		err := retry(ctx, t.log, "setWebhook", func() error {
			_, err := t.tg.SetWebhook(ctx, &tgbot.SetWebhookParams{URL: t.opt.WebhookURL, SecretToken: t.opt.WebhookSecret,
				AllowedUpdates: allowedUpdates(t.opt)})
			return err
		})
		if err != nil {
			return fmt.Errorf("telegram: setWebhook: %w", err)
		}
		<-ctx.Done()
		return nil
	}
	err = retry(ctx, t.log, "deleteWebhook", func() error {
		_, err := t.tg.DeleteWebhook(ctx, &tgbot.DeleteWebhookParams{})
		return err
	})
	if err != nil {
		return fmt.Errorf("telegram: deleteWebhook: %w", err)
	}
	t.tg.Start(ctx) // returns when ctx ends
	return nil
}

// Flush stops taking replies, delivers the queued ones within grace, and
// stops the sender. Call it after the engine has finished its messages.
func (t *Telegram) Flush(grace time.Duration) {
	t.out.close(grace)
	t.out.cancel()
}

// retry calls fn until it succeeds, ctx ends, or Telegram refuses the token
// (or the request), with backoff from one second to a minute.
func retry(ctx context.Context, log *slog.Logger, what string, fn func() error) error {
	wait := time.Second
	for {
		err := fn()
		if err == nil || errors.Is(err, tgbot.ErrorUnauthorized) || errors.Is(err, tgbot.ErrorBadRequest) ||
			errors.Is(err, tgbot.ErrorNotFound) || ctx.Err() != nil {
			return err
		}
		log.Warn("telegram: retrying", slog.String("call", what), slog.Duration("in", wait), slog.Any("err", err))
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, time.Minute)
	}
}

// SetCommands registers a reloaded shop's slash commands in the command
// menu (at once when connected, else when Run connects).
func (t *Telegram) SetCommands(ctx context.Context, commands, langs []string) {
	t.mu.Lock()
	t.opt.Commands, t.opt.Langs = commands, langs
	connected := t.me != ""
	t.mu.Unlock()
	if connected {
		t.setCommands(ctx)
	}
}

func (t *Telegram) setCommands(ctx context.Context) {
	t.mu.Lock()
	commands, langs := t.opt.Commands, t.opt.Langs
	t.mu.Unlock()
	for _, lang := range append([]string{""}, langs...) {
		textLang := lang
		if textLang == "" && len(langs) > 0 {
			textLang = langs[0]
		}
		var cmds []models.BotCommand
		for _, c := range commands {
			key := "command." + c
			if d := t.opt.Text(textLang, key); d != "" && d != key {
				cmds = append(cmds, models.BotCommand{Command: c, Description: d})
			}
		}
		if len(cmds) == 0 {
			continue
		}
		if _, err := t.tg.SetMyCommands(ctx, &tgbot.SetMyCommandsParams{Commands: cmds, LanguageCode: lang}); err != nil {
			t.log.Warn("telegram setMyCommands", slog.String("lang", lang), slog.Any("err", err))
		}
	}
}

// maxWebhookBody bounds one webhook request.
const maxWebhookBody = 1 << 20

// WebhookHandler receives updates in webhook mode. A request without the
// configured secret token is refused with 401.
func (t *Telegram) WebhookHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		got := r.Header.Get("X-Telegram-Bot-Api-Secret-Token")
		if subtle.ConstantTimeCompare([]byte(got), []byte(t.opt.WebhookSecret)) != 1 || t.opt.WebhookSecret == "" {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, maxWebhookBody+1))
		if err != nil || len(body) > maxWebhookBody {
			http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
			return
		}
		var upd models.Update
		if err := decodeUpdate(body, &upd); err != nil {
			http.Error(w, "bad update", http.StatusBadRequest)
			return
		}
		// A button press is answered in the answer to this request, as
		// the Bot API allows: one request to Telegram fewer per press.
		var answer []byte
		t.take(context.WithoutCancel(r.Context()), &upd, func(id string) {
			answer, _ = json.Marshal(webhookAck{Method: "answerCallbackQuery", CallbackQueryID: id})
		})
		if answer != nil {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusOK)
			w.Write(answer)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
}

// pressUpdate is what a button press needs of an update. Telegram sends
// the pressed message along, its text and keyboard included, and
// models.Update decodes all of it twice (MaybeInaccessibleMessage); this
// takes the message's id, date and chat and skips the rest.
type pressUpdate struct {
	ID            int64 `json:"update_id"`
	CallbackQuery *struct {
		ID              string      `json:"id"`
		From            models.User `json:"from"`
		InlineMessageID string      `json:"inline_message_id"`
		ChatInstance    string      `json:"chat_instance"`
		Data            string      `json:"data"`
		GameShortName   string      `json:"game_short_name"`
		Message         *struct {
			MessageID int         `json:"message_id"`
			Date      int         `json:"date"`
			Chat      models.Chat `json:"chat"`
		} `json:"message"`
	} `json:"callback_query"`
}

// decodeUpdate decodes a webhook update: a button press through
// pressUpdate, anything else whole.
func decodeUpdate(body []byte, upd *models.Update) error {
	if !bytes.Contains(body, []byte(`"callback_query"`)) {
		return json.Unmarshal(body, upd)
	}
	var p pressUpdate
	if err := json.Unmarshal(body, &p); err != nil {
		return err
	}
	cq := p.CallbackQuery
	if cq == nil { // the words were in a message's text
		return json.Unmarshal(body, upd)
	}
	q := &models.CallbackQuery{ID: cq.ID, From: cq.From, InlineMessageID: cq.InlineMessageID,
		ChatInstance: cq.ChatInstance, Data: cq.Data, GameShortName: cq.GameShortName}
	switch m := cq.Message; {
	case m == nil:
	case m.Date == 0: // as MaybeInaccessibleMessage tells them apart
		q.Message = models.MaybeInaccessibleMessage{Type: models.MaybeInaccessibleMessageTypeInaccessibleMessage,
			InaccessibleMessage: &models.InaccessibleMessage{Chat: m.Chat, MessageID: m.MessageID}}
	default:
		q.Message = models.MaybeInaccessibleMessage{Type: models.MaybeInaccessibleMessageTypeMessage,
			Message: &models.Message{ID: m.MessageID, Date: m.Date, Chat: m.Chat}}
	}
	*upd = models.Update{ID: p.ID, CallbackQuery: q}
	return nil
}

// webhookAck is answerCallbackQuery as the answer to a webhook request.
type webhookAck struct {
	Method          string `json:"method"`
	CallbackQueryID string `json:"callback_query_id"`
}

// onUpdate runs on the library's single update loop: it only converts and
// queues (a successful payment is also kept on disk, one synced write), so
// one slow customer never holds up another.
func (t *Telegram) onUpdate(ctx context.Context, _ *tgbot.Bot, upd *models.Update) {
	t.take(ctx, upd, t.ack)
}

// take converts and queues an update; ack answers a button press.
func (t *Telegram) take(ctx context.Context, upd *models.Update, ack func(id string)) {
	if t.paymentUpdate(upd) {
		return
	}
	if cq := upd.CallbackQuery; cq != nil {
		ack(cq.ID)
		m, ok := t.fromCallback(upd.ID, cq)
		if ok {
			t.h.Handle(ctx, m)
		}
		return
	}
	if m, ok := fromMessage(upd.ID, upd.Message); ok {
		t.h.Handle(ctx, m)
	}
}

// ack answers a button press at once, so the client stops its spinner.
func (t *Telegram) ack(id string) {
	t.acks <- struct{}{} // at most cap(t.acks) answers in flight; never dropped
	go func() {
		defer func() { <-t.acks }()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := t.tg.AnswerCallbackQuery(ctx, &tgbot.AnswerCallbackQueryParams{CallbackQueryID: id}); err != nil {
			t.log.Debug("answerCallbackQuery", slog.Any("err", err))
		}
	}()
}

func (t *Telegram) fromCallback(updateID int64, cq *models.CallbackQuery) (bot.Message, bool) {
	var chat int64
	var msgID int
	switch {
	case cq.Message.Message != nil:
		chat, msgID = cq.Message.Message.Chat.ID, cq.Message.Message.ID
	case cq.Message.InaccessibleMessage != nil:
		chat, msgID = cq.Message.InaccessibleMessage.Chat.ID, cq.Message.InaccessibleMessage.MessageID
	default:
		chat = cq.From.ID
	}
	if chat <= 0 || cq.Data == "" {
		return bot.Message{}, false
	}
	if msgID != 0 {
		t.mu.Lock()
		t.pressed[chat] = msgID
		t.mu.Unlock()
	}
	return bot.Message{
		From: address(chat), ID: strconv.FormatInt(updateID, 10),
		Name: cq.From.FirstName, Lang: cq.From.LanguageCode, Button: cq.Data,
	}, true
}

// fromMessage converts a message from a private chat; other chats are not
// shoppers and are ignored.
func fromMessage(updateID int64, msg *models.Message) (bot.Message, bool) {
	if msg == nil || msg.Chat.Type != models.ChatTypePrivate {
		return bot.Message{}, false
	}
	m := bot.Message{From: address(msg.Chat.ID), ID: strconv.FormatInt(updateID, 10)}
	if msg.From != nil {
		m.Name, m.Lang = msg.From.FirstName, msg.From.LanguageCode
	}
	if r := msg.ReplyToMessage; r != nil {
		m.ReplyTo, m.ReplyText = strconv.Itoa(r.ID), r.Text
		if m.ReplyText == "" {
			m.ReplyText = r.Caption
		}
	}
	switch {
	case msg.Contact != nil:
		own := msg.From != nil && msg.Contact.UserID == msg.From.ID
		m.Contact = &bot.Contact{Phone: msg.Contact.PhoneNumber, Name: msg.Contact.FirstName, Own: own}
	case msg.Location != nil:
		m.Location = &bot.Location{Lat: msg.Location.Latitude, Lon: msg.Location.Longitude}
	case len(msg.Photo) > 0:
		m.Photo = msg.Photo[len(msg.Photo)-1].FileID
		m.Text = msg.Caption
	case msg.Text != "":
		m.Command, m.Payload, m.Text = bot.ParseText(msg.Text)
	case msg.Voice != nil || msg.Audio != nil || msg.VideoNote != nil:
		m.Unsupported = "voice"
	case msg.Sticker != nil || msg.Animation != nil:
		m.Unsupported = "sticker"
	case msg.Video != nil:
		m.Unsupported = "video"
	case msg.Document != nil:
		m.Unsupported = "document"
	default:
		return bot.Message{}, false
	}
	return m, true
}

func address(chat int64) bot.Address {
	return bot.Address{Channel: bot.Telegram, Chat: strconv.FormatInt(chat, 10)}
}

// Send queues replies for delivery and returns at once; the outbox keeps
// each chat's order and Telegram's limits.
func (t *Telegram) Send(_ context.Context, to bot.Address, replies []bot.Reply) error {
	chat, ops, err := t.ops(to, replies)
	if err != nil {
		return err
	}
	return t.out.push(chat, ops)
}

// Deliver sends replies like Send but waits until Telegram took every call
// (nil), or one failed: an error wrapping bot.ErrRefused when the customer
// blocked the bot, another error when a call was given up or ctx ended.
// The durable outbox uses it to know what was delivered.
func (t *Telegram) Deliver(ctx context.Context, to bot.Address, replies []bot.Reply) error {
	return bot.DeliverQueued(ctx, t, to, replies)
}

// Queue is Deliver in two steps (bot.Queuer): the calls are queued in the
// chat's order now, and wait returns when Telegram took them all or one
// failed.
func (t *Telegram) Queue(ctx context.Context, to bot.Address, replies []bot.Reply) (wait func(context.Context) error, err error) {
	chat, ops, err := t.ops(to, replies)
	if err != nil || len(ops) == 0 {
		return bot.Finished(nil), err
	}
	results := make(chan error, len(ops))
	dispatch := bot.DispatchFunc(ctx)
	for i := range ops {
		ops[i].done = func(err error) { results <- err }
		ops[i].dispatch = dispatch
	}
	if err := t.out.push(chat, ops); err != nil {
		return nil, err
	}
	return func(ctx context.Context) error {
		for range ops {
			select {
			case err := <-results:
				if err != nil {
					return err
				}
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return nil
	}, nil
}

// ops turns replies to one chat into Bot API calls.
func (t *Telegram) ops(to bot.Address, replies []bot.Reply) (int64, []op, error) {
	chat, err := strconv.ParseInt(to.Chat, 10, 64)
	if err != nil || to.Channel != bot.Telegram {
		return 0, nil, fmt.Errorf("telegram: bad address %s", to)
	}
	t.mu.Lock()
	pressed := t.pressed[chat]
	delete(t.pressed, chat)
	t.mu.Unlock()
	var ops []op
	for i, r := range replies {
		edit := 0
		if i == 0 && r.Replace && r.Photo == "" && len(r.PhotoPNG) == 0 && r.Invoice == nil {
			edit = pressed
		}
		ops = append(ops, t.render(chat, r, edit)...)
	}
	return chat, ops, nil
}
