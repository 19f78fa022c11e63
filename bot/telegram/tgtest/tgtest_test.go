package tgtest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"omnicart/bot/telegram/tgtest"
)

// answer is a Bot API response.
type answer struct {
	OK          bool            `json:"ok"`
	ErrorCode   int             `json:"error_code"`
	Description string          `json:"description"`
	Result      json.RawMessage `json:"result"`
	Parameters  struct {
		RetryAfter int `json:"retry_after"`
	} `json:"parameters"`
}

// call posts a multipart request the way go-telegram/bot does.
func call(t *testing.T, url, token, method string, fields map[string]string) (int, answer) {
	t.Helper()
	var body bytes.Buffer
	form := multipart.NewWriter(&body)
	for k, v := range fields {
		if err := form.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := form.Close(); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(url+"/bot"+token+"/"+method, form.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var a answer
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		t.Fatalf("decode %s answer: %v", method, err)
	}
	if a.OK != (resp.StatusCode == http.StatusOK) || !a.OK && a.ErrorCode != resp.StatusCode {
		t.Errorf("%s: HTTP %d with ok=%v error_code=%d", method, resp.StatusCode, a.OK, a.ErrorCode)
	}
	return resp.StatusCode, a
}

func newBot(t *testing.T, s *tgtest.Server, opts ...tgbot.Option) *tgbot.Bot {
	t.Helper()
	b, err := tgbot.New(s.Token(), append([]tgbot.Option{tgbot.WithServerURL(s.URL()), tgbot.WithSkipGetMe()}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func keyboard(data ...string) *models.InlineKeyboardMarkup {
	var row []models.InlineKeyboardButton
	for _, d := range data {
		row = append(row, models.InlineKeyboardButton{Text: strings.ToUpper(d), CallbackData: d})
	}
	return &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{row}}
}

func TestRequestValidation(t *testing.T) {
	const kb1 = `{"inline_keyboard":[[{"text":"A","callback_data":"`
	msg := func(text string) map[string]string { return map[string]string{"chat_id": "1", "text": text} }
	html := func(text string) map[string]string {
		return map[string]string{"chat_id": "1", "text": text, "parse_mode": "HTML"}
	}
	markup := func(m string) map[string]string {
		return map[string]string{"chat_id": "1", "text": "x", "reply_markup": m}
	}
	commands := func(c string) map[string]string { return map[string]string{"commands": c} }
	tests := []struct {
		name   string
		token  string // default: the server's
		method string
		fields map[string]string
		status int
		desc   string // part of the description
	}{
		{name: "valid sendMessage", method: "sendMessage", fields: msg("hi"), status: 200},
		{name: "method name case", method: "SENDMESSAGE", fields: msg("hi"), status: 200},
		{name: "wrong token", token: "1:WRONG", method: "sendMessage", fields: msg("hi"), status: 401, desc: "Unauthorized"},
		{name: "unknown method", method: "sendMessages", fields: msg("hi"), status: 404, desc: "Not Found"},
		{name: "unknown field", method: "sendMessage", fields: map[string]string{"chat_id": "1", "text": "x", "colour": "red"}, status: 400, desc: `no parameter "colour"`},
		{name: "missing chat_id", method: "sendMessage", fields: map[string]string{"text": "x"}, status: 400, desc: "Bad Request: chat_id is empty"},
		{name: "missing text", method: "sendMessage", fields: map[string]string{"chat_id": "1"}, status: 400, desc: "Bad Request: message text is empty"},
		{name: "blank text", method: "sendMessage", fields: msg(" \n "), status: 400, desc: "message text is empty"},
		{name: "chat username unknown", method: "sendMessage", fields: map[string]string{"chat_id": "@nobody", "text": "x"}, status: 400, desc: "chat not found"},
		{name: "integer field", method: "sendMessage", fields: map[string]string{"chat_id": "1", "text": "x", "message_thread_id": "ten"}, status: 400, desc: `"message_thread_id" must be an Integer`},
		{name: "boolean field", method: "sendMessage", fields: map[string]string{"chat_id": "1", "text": "x", "disable_notification": "yes"}, status: 400, desc: "must be a Boolean"},
		{name: "invalid UTF-8", method: "sendMessage", fields: msg("\xff"), status: 400, desc: "UTF-8"},
		{name: "text of 4096", method: "sendMessage", fields: msg(strings.Repeat("a", 4096)), status: 200},
		{name: "text of 4097", method: "sendMessage", fields: msg(strings.Repeat("a", 4097)), status: 400, desc: "Bad Request: message is too long"},
		{name: "2048 emoji are 4096 units", method: "sendMessage", fields: msg(strings.Repeat("😀", 2048)), status: 200},
		{name: "2048 emoji and a letter", method: "sendMessage", fields: msg(strings.Repeat("😀", 2048) + "a"), status: 400, desc: "message is too long"},
		{name: "4096 after HTML parsing", method: "sendMessage", fields: html("<b>" + strings.Repeat("&amp;", 4096) + "</b>"), status: 200},
		{name: "4097 after HTML parsing", method: "sendMessage", fields: html(strings.Repeat("&lt;", 4097)), status: 400, desc: "message is too long"},
		{name: "escaped HTML", method: "sendMessage", fields: html("1 &lt; 2 &amp; <b>bold</b> &#39;q&#39;"), status: 200},
		{name: "unclosed tag", method: "sendMessage", fields: html("<b>bold"), status: 400, desc: `Bad Request: can't parse entities: Can't find end tag corresponding to start tag "b"`},
		{name: "unknown tag", method: "sendMessage", fields: html("a<br>b"), status: 400, desc: `can't parse entities: Unsupported start tag "br"`},
		{name: "bare ampersand", method: "sendMessage", fields: html("Tom & Jerry"), status: 400, desc: "can't parse entities"},
		{name: "bare less-than", method: "sendMessage", fields: html("1 < 2"), status: 400, desc: "can't parse entities"},
		{name: "HTML is not parsed without parse_mode", method: "sendMessage", fields: msg("1 < 2 & <br>"), status: 200},
		{name: "unknown parse_mode", method: "sendMessage", fields: map[string]string{"chat_id": "1", "text": "x", "parse_mode": "XML"}, status: 400, desc: "unsupported parse_mode"},
		{name: "callback_data of 64 bytes", method: "sendMessage", fields: markup(kb1 + strings.Repeat("d", 64) + `"}]]}`), status: 200},
		{name: "callback_data of 65 bytes", method: "sendMessage", fields: markup(kb1 + strings.Repeat("d", 65) + `"}]]}`), status: 400, desc: "BUTTON_DATA_INVALID"},
		{name: "callback_data of 33 Cyrillic letters", method: "sendMessage", fields: markup(kb1 + strings.Repeat("й", 33) + `"}]]}`), status: 400, desc: "BUTTON_DATA_INVALID"},
		{name: "empty callback_data", method: "sendMessage", fields: markup(kb1 + `"}]]}`), status: 400, desc: "BUTTON_DATA_INVALID"},
		{name: "button without action", method: "sendMessage", fields: markup(`{"inline_keyboard":[[{"text":"A"}]]}`), status: 400, desc: "Text buttons are unallowed in the inline keyboard"},
		{name: "button with two actions", method: "sendMessage", fields: markup(`{"inline_keyboard":[[{"text":"A","url":"https://x.test","callback_data":"a"}]]}`), status: 400, desc: "exactly one"},
		{name: "button without text", method: "sendMessage", fields: markup(`{"inline_keyboard":[[{"callback_data":"a"}]]}`), status: 400, desc: "inline_keyboard[0][0].text is required"},
		{name: "reply_markup not JSON", method: "sendMessage", fields: markup(`{"inline_keyboard":`), status: 400, desc: "can't parse reply_markup JSON object"},
		{name: "reply_markup array", method: "sendMessage", fields: markup(`[]`), status: 400, desc: "reply_markup must be"},
		{name: "reply keyboard", method: "sendMessage", fields: markup(`{"keyboard":[[{"text":"Share","request_contact":true}]],"resize_keyboard":true}`), status: 200},
		{name: "keyboard removal", method: "sendMessage", fields: markup(`{"remove_keyboard":true}`), status: 200},
		{name: "edit reply keyboard", method: "editMessageReplyMarkup", fields: map[string]string{"chat_id": "1", "message_id": "1", "reply_markup": `{"keyboard":[[{"text":"x"}]]}`}, status: 400, desc: "inline_keyboard is required"},
		{name: "caption of 1024", method: "sendPhoto", fields: map[string]string{"chat_id": "1", "photo": "AgAD", "caption": strings.Repeat("c", 1024)}, status: 200},
		{name: "caption of 1025", method: "sendPhoto", fields: map[string]string{"chat_id": "1", "photo": "AgAD", "caption": strings.Repeat("c", 1025)}, status: 400, desc: "message caption is too long"},
		{name: "photo missing", method: "sendPhoto", fields: map[string]string{"chat_id": "1"}, status: 400, desc: "photo is empty"},
		{name: "unknown callback query", method: "answerCallbackQuery", fields: map[string]string{"callback_query_id": "42"}, status: 400, desc: "query ID is invalid"},
		{name: "commands", method: "setMyCommands", fields: commands(`[{"command":"start","description":"Start"},{"command":"my_orders2","description":"Orders"}]`), status: 200},
		{name: "command with capitals", method: "setMyCommands", fields: commands(`[{"command":"Start","description":"Start"}]`), status: 400, desc: "BOT_COMMAND_INVALID"},
		{name: "command of 33 chars", method: "setMyCommands", fields: commands(`[{"command":"` + strings.Repeat("a", 33) + `","description":"x"}]`), status: 400, desc: "BOT_COMMAND_INVALID"},
		{name: "empty command description", method: "setMyCommands", fields: commands(`[{"command":"start","description":""}]`), status: 400, desc: "description"},
		{name: "command description of 257", method: "setMyCommands", fields: commands(`[{"command":"start","description":"` + strings.Repeat("d", 257) + `"}]`), status: 400, desc: "description"},
		{name: "command without description", method: "setMyCommands", fields: commands(`[{"command":"start"}]`), status: 400, desc: "commands[0].description is required"},
		{name: "getUpdates limit 100", method: "getUpdates", fields: map[string]string{"limit": "100"}, status: 200},
		{name: "getUpdates limit 0", method: "getUpdates", fields: map[string]string{"limit": "0"}, status: 400, desc: "limit"},
		{name: "getUpdates limit 101", method: "getUpdates", fields: map[string]string{"limit": "101"}, status: 400, desc: "limit"},
		{name: "edit a message never sent", method: "editMessageText", fields: map[string]string{"chat_id": "77", "message_id": "5", "text": "x"}, status: 400, desc: "Bad Request: message to edit not found"},
		{name: "delete a message never sent", method: "deleteMessage", fields: map[string]string{"chat_id": "77", "message_id": "5"}, status: 400, desc: "message to delete not found"},
		{name: "chat action", method: "sendChatAction", fields: map[string]string{"chat_id": "1", "action": "typing"}, status: 200},
		{name: "getMe", method: "getMe", status: 200},
	}
	s := tgtest.NewServer(t, tgtest.Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			token := tt.token
			if token == "" {
				token = s.Token()
			}
			status, a := call(t, s.URL(), token, tt.method, tt.fields)
			if status != tt.status || !strings.Contains(a.Description, tt.desc) {
				t.Errorf("%s = %d %q, want %d %q", tt.method, status, a.Description, tt.status, tt.desc)
			}
			v := s.TakeViolations()
			if want := map[bool]int{true: 0, false: 1}[tt.status == 200]; len(v) != want {
				t.Errorf("violations = %q, want %d", v, want)
			}
		})
	}
}

func TestSendMessageWithRealClient(t *testing.T) {
	s := tgtest.NewServer(t, tgtest.Options{})
	b := newBot(t, s)
	ctx := context.Background()

	me, err := b.GetMe(ctx)
	if err != nil || !me.IsBot || me.Username != "omnicart_test_bot" || me.ID != 123456 {
		t.Fatalf("GetMe() = %+v, %v", me, err)
	}
	m, err := b.SendMessage(ctx, &tgbot.SendMessageParams{
		ChatID: int64(42), Text: "<b>Cart</b> &amp; more", ParseMode: models.ParseModeHTML, ReplyMarkup: keyboard("pay", "clear"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if m.ID == 0 || m.Chat.ID != 42 || m.Chat.Type != "private" || m.From == nil || !m.From.IsBot || m.Text != "Cart & more" || m.Date == 0 {
		t.Errorf("SendMessage() = %+v", m)
	}
	if m.ReplyMarkup == nil || len(m.ReplyMarkup.InlineKeyboard) != 1 || m.ReplyMarkup.InlineKeyboard[0][1].CallbackData != "clear" {
		t.Errorf("SendMessage() reply_markup = %+v", m.ReplyMarkup)
	}
	second, err := b.SendMessage(ctx, &tgbot.SendMessageParams{
		ChatID: 42, Text: "Share your phone",
		ReplyMarkup: &models.ReplyKeyboardMarkup{Keyboard: [][]models.KeyboardButton{{{Text: "Phone", RequestContact: true}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if second.ID <= m.ID {
		t.Errorf("message ids %d then %d, want increasing", m.ID, second.ID)
	}
	chat := s.Chat(42)
	want := []tgtest.Sent{
		{ID: m.ID, Text: "Cart & more", Raw: "<b>Cart</b> &amp; more", ParseMode: "HTML",
			Keyboard: [][]tgtest.Button{{{Text: "PAY", Data: "pay"}, {Text: "CLEAR", Data: "clear"}}}},
		{ID: second.ID, Text: "Share your phone", Raw: "Share your phone",
			Keyboard: [][]tgtest.Button{{{Text: "Phone", RequestContact: true}}}},
	}
	if !equalSent(chat, want) {
		t.Errorf("Chat(42) = %+v\nwant %+v", chat, want)
	}
	calls := s.Calls("sendMessage")
	if len(calls) != 2 || calls[0].Params["chat_id"] != "42" || calls[0].Status != 200 || calls[0].At.IsZero() {
		t.Errorf("Calls(sendMessage) = %+v", calls)
	}
	if all := s.Calls(""); len(all) != 3 || all[0].Method != "getMe" {
		t.Errorf("Calls(\"\") has %d calls, want getMe and 2 sendMessage", len(all))
	}
}

func equalSent(a, b []tgtest.Sent) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

func TestPhotoAndEdits(t *testing.T) {
	s := tgtest.NewServer(t, tgtest.Options{})
	b := newBot(t, s)
	ctx := context.Background()
	const chat = int64(5)

	photo, err := b.SendPhoto(ctx, &tgbot.SendPhotoParams{
		ChatID: chat, Photo: &models.InputFileUpload{Filename: "p.jpg", Data: strings.NewReader("JPEG")}, Caption: "Beans",
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(photo.Photo) == 0 || photo.Photo[0].FileID == "" || photo.Caption != "Beans" {
		t.Errorf("SendPhoto() = %+v", photo)
	}
	if files := s.Calls("sendPhoto")[0].Files; string(files["photo"]) != "JPEG" {
		t.Errorf("sendPhoto files = %q", files)
	}
	text, err := b.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: chat, Text: "Pick", ReplyMarkup: keyboard("a", "b")})
	if err != nil {
		t.Fatal(err)
	}

	// Same text and keyboard: not modified, which is not a violation.
	_, err = b.EditMessageText(ctx, &tgbot.EditMessageTextParams{ChatID: chat, MessageID: text.ID, Text: "Pick", ReplyMarkup: keyboard("a", "b")})
	if err == nil || !strings.Contains(err.Error(), "message is not modified") {
		t.Errorf("EditMessageText(same) error = %v", err)
	}
	if s.NotModified() != 1 || len(s.Violations()) != 0 {
		t.Errorf("NotModified() = %d, Violations() = %q", s.NotModified(), s.Violations())
	}
	// New text without reply_markup removes the inline keyboard, as Telegram does.
	edited, err := b.EditMessageText(ctx, &tgbot.EditMessageTextParams{ChatID: chat, MessageID: text.ID, Text: "Picked <i>a</i>", ParseMode: models.ParseModeHTML})
	if err != nil || edited.Text != "Picked a" || edited.EditDate == 0 || edited.ReplyMarkup != nil {
		t.Errorf("EditMessageText() = %+v, %v", edited, err)
	}
	if _, err := b.EditMessageReplyMarkup(ctx, &tgbot.EditMessageReplyMarkupParams{ChatID: chat, MessageID: text.ID, ReplyMarkup: keyboard("c")}); err != nil {
		t.Errorf("EditMessageReplyMarkup() error = %v", err)
	}
	if _, err := b.EditMessageCaption(ctx, &tgbot.EditMessageCaptionParams{ChatID: chat, MessageID: photo.ID, Caption: "Ground beans"}); err != nil {
		t.Errorf("EditMessageCaption() error = %v", err)
	}
	got := s.Chat(chat)
	if len(got) != 2 || !got[0].Photo || got[0].Caption != "Ground beans" || got[1].Text != "Picked a" ||
		len(got[1].Keyboard) != 1 || got[1].Keyboard[0][0].Data != "c" {
		t.Errorf("Chat() = %+v", got)
	}

	// Bugs in the bot are violations.
	if _, err := b.EditMessageText(ctx, &tgbot.EditMessageTextParams{ChatID: chat, MessageID: photo.ID, Text: "x"}); err == nil ||
		!strings.Contains(err.Error(), "there is no text in the message to edit") {
		t.Errorf("EditMessageText(photo) error = %v", err)
	}
	if _, err := b.EditMessageText(ctx, &tgbot.EditMessageTextParams{ChatID: chat, MessageID: 99, Text: "x"}); err == nil ||
		!strings.Contains(err.Error(), "message to edit not found") {
		t.Errorf("EditMessageText(99) error = %v", err)
	}
	if v := s.TakeViolations(); len(v) != 2 {
		t.Errorf("violations = %q, want 2", v)
	}

	if ok, err := b.DeleteMessage(ctx, &tgbot.DeleteMessageParams{ChatID: chat, MessageID: photo.ID}); !ok || err != nil {
		t.Errorf("DeleteMessage() = %v, %v", ok, err)
	}
	if got := s.Chat(chat); len(got) != 1 || got[0].ID != text.ID {
		t.Errorf("Chat() after delete = %+v", got)
	}
}

// runBot starts polling and stops it before the server's cleanup.
func runBot(t *testing.T, b *tgbot.Bot, start func(*tgbot.Bot, context.Context)) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		start(b, ctx)
		close(done)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
}

func receive(t *testing.T, ch <-chan *models.Update) *models.Update {
	t.Helper()
	select {
	case u := <-ch:
		return u
	case <-time.After(5 * time.Second):
		t.Fatal("no update reached the bot")
		return nil
	}
}

func TestLongPollingWithRealClient(t *testing.T) {
	s := tgtest.NewServer(t, tgtest.Options{})
	got := make(chan *models.Update, 10)
	b := newBot(t, s, tgbot.WithNotAsyncHandlers(), tgbot.WithDefaultHandler(func(_ context.Context, _ *tgbot.Bot, u *models.Update) {
		got <- u
	}))
	runBot(t, b, (*tgbot.Bot).Start)

	id := s.UserText(7, "/start promo", "ru")
	u := receive(t, got)
	if int(u.ID) != id || u.Message == nil || u.Message.Text != "/start promo" || u.Message.From.ID != 7 ||
		u.Message.From.LanguageCode != "ru" || u.Message.Chat.ID != 7 || u.Message.Chat.Type != "private" {
		t.Fatalf("update = %+v", u)
	}
	if e := u.Message.Entities; len(e) != 1 || e[0].Type != models.MessageEntityTypeBotCommand || e[0].Offset != 0 || e[0].Length != 6 {
		t.Errorf("entities = %+v", e)
	}

	contact := s.UserContact(7, "+15550100", true)
	if u := receive(t, got); int(u.ID) != contact || u.Message.Contact == nil || u.Message.Contact.UserID != 7 || u.Message.Contact.PhoneNumber != "+15550100" {
		t.Errorf("contact update = %+v", u.Message)
	}
	loc := s.UserLocation(7, 55.75, 37.62)
	if u := receive(t, got); int(u.ID) != loc || u.Message.Location == nil || u.Message.Location.Latitude != 55.75 {
		t.Errorf("location update = %+v", u.Message)
	}

	// The bot confirmed each update with the next offset and saw no update twice.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.WaitFor(ctx, func() bool {
		for _, c := range s.Calls("getUpdates") {
			if c.Params["offset"] == itoa(loc+1) {
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 0 {
		t.Errorf("the bot got %d more updates", len(got))
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestGetUpdatesOffsetAndDuplicates(t *testing.T) {
	s := tgtest.NewServer(t, tgtest.Options{})
	time.AfterFunc(20*time.Millisecond, func() { s.UserText(3, "hello", "") })
	start := time.Now()
	_, a := call(t, s.URL(), s.Token(), "getUpdates", map[string]string{"timeout": "30"})
	var ups []struct {
		UpdateID int `json:"update_id"`
	}
	if err := json.Unmarshal(a.Result, &ups); err != nil || len(ups) != 1 {
		t.Fatalf("getUpdates = %s, %v", a.Result, err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("long poll took %v after the update arrived", d)
	}
	first := ups[0].UpdateID

	// An unconfirmed update comes again; a confirmed one does not.
	if _, a = call(t, s.URL(), s.Token(), "getUpdates", map[string]string{"offset": itoa(first)}); !strings.Contains(string(a.Result), itoa(first)) {
		t.Errorf("unconfirmed update missing: %s", a.Result)
	}
	if _, a = call(t, s.URL(), s.Token(), "getUpdates", map[string]string{"offset": itoa(first + 1)}); string(a.Result) != "[]" {
		t.Errorf("confirmed update returned again: %s", a.Result)
	}

	// A duplicate delivered later keeps its id and still reaches the bot.
	dup := map[string]any{"update_id": first, "message": map[string]any{"message_id": 1, "date": 1, "chat": map[string]any{"id": 3, "type": "private"}, "text": "hello"}}
	if got := s.Deliver(dup); got != first {
		t.Errorf("Deliver() = %d, want %d", got, first)
	}
	if _, a = call(t, s.URL(), s.Token(), "getUpdates", map[string]string{"offset": itoa(first + 1), "limit": "5"}); !strings.Contains(string(a.Result), "hello") {
		t.Errorf("duplicate not delivered: %s", a.Result)
	}
	if fresh := s.UserText(3, "again", ""); fresh != first+1 {
		t.Errorf("next update_id = %d, want %d", fresh, first+1)
	}

	// Kinds the bot did not ask for are dropped.
	s.Deliver(map[string]any{"message_reaction": map[string]any{}})
	if _, a = call(t, s.URL(), s.Token(), "getUpdates", map[string]string{"offset": "-1", "allowed_updates": `["callback_query"]`}); string(a.Result) != "[]" {
		t.Errorf("getUpdates(allowed_updates) = %s", a.Result)
	}
}

func TestCallbackQuery(t *testing.T) {
	s := tgtest.NewServer(t, tgtest.Options{})
	b := newBot(t, s)
	ctx := context.Background()
	m, err := b.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: int64(9), Text: "Buy?", ReplyMarkup: keyboard("buy:1")})
	if err != nil {
		t.Fatal(err)
	}
	id := s.UserPress(9, m.ID, "buy:1")
	_, a := call(t, s.URL(), s.Token(), "getUpdates", nil)
	var ups []models.Update
	if err := json.Unmarshal(a.Result, &ups); err != nil || len(ups) != 1 {
		t.Fatalf("getUpdates = %s, %v", a.Result, err)
	}
	cq := ups[0].CallbackQuery
	if cq == nil || cq.ID != id || cq.Data != "buy:1" || cq.From.ID != 9 || cq.Message.Message == nil || cq.Message.Message.Text != "Buy?" {
		t.Fatalf("callback query = %+v", cq)
	}
	if ok, err := b.AnswerCallbackQuery(ctx, &tgbot.AnswerCallbackQueryParams{CallbackQueryID: id, Text: "Added"}); !ok || err != nil {
		t.Errorf("AnswerCallbackQuery() = %v, %v", ok, err)
	}
	if _, err := b.AnswerCallbackQuery(ctx, &tgbot.AnswerCallbackQueryParams{CallbackQueryID: id}); err == nil {
		t.Error("answering twice succeeded")
	}
	long := s.UserPress(9, m.ID, "buy:1")
	if _, err := b.AnswerCallbackQuery(ctx, &tgbot.AnswerCallbackQueryParams{CallbackQueryID: long, Text: strings.Repeat("x", 201)}); err == nil {
		t.Error("an answer of 201 characters succeeded")
	}
	if v := s.TakeViolations(); len(v) != 2 {
		t.Errorf("violations = %q, want 2", v)
	}
}

func TestFailNextAndBlock(t *testing.T) {
	s := tgtest.NewServer(t, tgtest.Options{})
	b := newBot(t, s)
	ctx := context.Background()
	send := func(chat int64) error {
		_, err := b.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: chat, Text: "hi"})
		return err
	}

	s.FailNext("sendMessage", 1, http.StatusTooManyRequests, 7)
	var tooMany *tgbot.TooManyRequestsError
	if err := send(1); !errors.As(err, &tooMany) || tooMany.RetryAfter != 7 {
		t.Errorf("send under 429 = %v, want *TooManyRequestsError with RetryAfter 7", err)
	}
	if err := send(1); err != nil {
		t.Errorf("send after the fault = %v", err)
	}
	s.FailNext("", 2, http.StatusInternalServerError, 0)
	if err := send(1); err == nil || !strings.Contains(err.Error(), "500") {
		t.Errorf("send under 500 = %v", err)
	}
	if _, err := b.SendChatAction(ctx, &tgbot.SendChatActionParams{ChatID: 1, Action: models.ChatActionTyping}); err == nil {
		t.Error("the second fault of any method did not hit sendChatAction")
	}

	s.Block(2)
	if err := send(2); !errors.Is(err, tgbot.ErrorForbidden) || !strings.Contains(err.Error(), "bot was blocked by the user") {
		t.Errorf("send to a blocked chat = %v", err)
	}
	if err := send(3); err != nil {
		t.Errorf("send to another chat = %v", err)
	}
	if v := s.Violations(); len(v) != 0 {
		t.Errorf("faults were recorded as violations: %q", v)
	}
	statuses := []int{}
	for _, c := range s.Calls("") {
		statuses = append(statuses, c.Status)
	}
	if got, _ := json.Marshal(statuses); string(got) != "[429,200,500,500,403,200]" {
		t.Errorf("statuses = %s", got)
	}
}

// clock is a fake time source.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Set(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(d)
}

func TestRates(t *testing.T) {
	clk := &clock{}
	s := tgtest.NewServer(t, tgtest.Options{Now: clk.Now})
	b := newBot(t, s)
	ctx := context.Background()
	sends := []struct {
		at   time.Duration
		chat int64
	}{{0, 1}, {100 * time.Millisecond, 1}, {500 * time.Millisecond, 2}, {900 * time.Millisecond, 1}, {1000 * time.Millisecond, 1}}
	for _, sd := range sends {
		clk.Set(sd.at)
		if _, err := b.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: sd.chat, Text: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	// Neither failures nor chat actions count.
	clk.Set(950 * time.Millisecond)
	s.FailNext("sendMessage", 1, http.StatusTooManyRequests, 1)
	_, _ = b.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: int64(1), Text: "x"})
	_, _ = b.SendChatAction(ctx, &tgbot.SendChatActionParams{ChatID: int64(1), Action: models.ChatActionTyping})

	tests := []struct {
		window            time.Duration
		perChat, globally int
	}{
		{100 * time.Millisecond, 1, 1},
		{101 * time.Millisecond, 2, 2},
		{time.Second, 3, 4},
		{2 * time.Second, 4, 5},
	}
	for _, tt := range tests {
		if got := s.MaxPerChat(tt.window); got != tt.perChat {
			t.Errorf("MaxPerChat(%v) = %d, want %d", tt.window, got, tt.perChat)
		}
		if got := s.MaxGlobal(tt.window); got != tt.globally {
			t.Errorf("MaxGlobal(%v) = %d, want %d", tt.window, got, tt.globally)
		}
	}
}

func TestWebhookWithRealClient(t *testing.T) {
	s := tgtest.NewServer(t, tgtest.Options{})
	got := make(chan *models.Update, 10)
	b := newBot(t, s, tgbot.WithWebhookSecretToken("s3cret"), tgbot.WithDefaultHandler(func(_ context.Context, _ *tgbot.Bot, u *models.Update) {
		got <- u
	}))
	var secrets []string
	var mu sync.Mutex
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		secrets = append(secrets, r.Header.Get("X-Telegram-Bot-Api-Secret-Token"))
		mu.Unlock()
		b.WebhookHandler()(w, r)
	}))
	t.Cleanup(hook.Close)
	runBot(t, b, (*tgbot.Bot).StartWebhook)

	queued := s.UserText(4, "before the webhook", "")
	ctx := context.Background()
	if ok, err := b.SetWebhook(ctx, &tgbot.SetWebhookParams{URL: hook.URL, SecretToken: "s3cret"}); !ok || err != nil {
		t.Fatalf("SetWebhook() = %v, %v", ok, err)
	}
	if u := receive(t, got); int(u.ID) != queued {
		t.Errorf("first webhook update = %d, want %d", u.ID, queued)
	}
	id := s.UserText(4, "hi", "")
	if u := receive(t, got); int(u.ID) != id || u.Message.Text != "hi" {
		t.Errorf("webhook update = %+v", u)
	}
	mu.Lock()
	if len(secrets) != 2 || secrets[0] != "s3cret" {
		t.Errorf("secret headers = %q", secrets)
	}
	mu.Unlock()
	info, err := b.GetWebhookInfo(ctx)
	if err != nil || info.URL != hook.URL {
		t.Errorf("GetWebhookInfo() = %+v, %v", info, err)
	}

	if status, _ := call(t, s.URL(), s.Token(), "getUpdates", nil); status != http.StatusConflict {
		t.Errorf("getUpdates with a webhook = %d, want 409", status)
	}
	if v := s.TakeViolations(); len(v) != 1 {
		t.Errorf("violations = %q", v)
	}
	if ok, err := b.DeleteWebhook(ctx, &tgbot.DeleteWebhookParams{}); !ok || err != nil {
		t.Errorf("DeleteWebhook() = %v, %v", ok, err)
	}
	if status, _ := call(t, s.URL(), s.Token(), "getUpdates", nil); status != http.StatusOK {
		t.Errorf("getUpdates after deleteWebhook = %d", status)
	}
}

// recorder is a testing.TB that keeps errors and cleanups to check what
// the server reports at the end of a test.
type recorder struct {
	testing.TB
	mu       sync.Mutex
	errs     []string
	cleanups []func()
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}
func (r *recorder) Cleanup(f func()) { r.cleanups = append(r.cleanups, f) }
func (r *recorder) finish() []string {
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.errs
}

func TestCleanupReportsViolations(t *testing.T) {
	tests := []struct {
		name string
		act  func(t *testing.T, s *tgtest.Server)
		errs int
	}{
		{"clean", func(t *testing.T, s *tgtest.Server) {
			call(t, s.URL(), s.Token(), "sendMessage", map[string]string{"chat_id": "1", "text": "ok"})
		}, 0},
		{"violation", func(t *testing.T, s *tgtest.Server) {
			call(t, s.URL(), s.Token(), "sendMessage", map[string]string{"chat_id": "1"})
		}, 1},
		{"expected violation", func(t *testing.T, s *tgtest.Server) {
			call(t, s.URL(), s.Token(), "sendMessage", map[string]string{"chat_id": "1"})
			s.TakeViolations()
		}, 0},
		{"press a missing button", func(t *testing.T, s *tgtest.Server) {
			call(t, s.URL(), s.Token(), "sendMessage", map[string]string{"chat_id": "1", "text": "no buttons"})
			s.UserPress(1, 1, "x")
		}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{TB: t}
			s := tgtest.NewServer(rec, tgtest.Options{})
			tt.act(t, s)
			if errs := rec.finish(); len(errs) != tt.errs {
				t.Errorf("errors at cleanup = %q, want %d", errs, tt.errs)
			}
		})
	}
}

// TestCommonCallsAreValid guards against false alarms: calls a shop bot
// makes through go-telegram/bot pass the contract.
func TestCommonCallsAreValid(t *testing.T) {
	s := tgtest.NewServer(t, tgtest.Options{})
	b := newBot(t, s)
	ctx := context.Background()
	const chat = int64(11)
	s.UserText(chat, "hi", "en")
	steps := []struct {
		name string
		do   func() error
	}{
		{"sendMessage with options", func() error {
			_, err := b.SendMessage(ctx, &tgbot.SendMessageParams{
				ChatID: chat, Text: "Hello", DisableNotification: true,
				LinkPreviewOptions: &models.LinkPreviewOptions{IsDisabled: tgbot.True()},
				ReplyParameters:    &models.ReplyParameters{MessageID: 1},
				ReplyMarkup: &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{
					{{Text: "Site", URL: "https://shop.test"}, {Text: "Copy", CopyText: models.CopyTextButton{Text: "PROMO"}}},
				}},
			})
			return err
		}},
		{"setMyCommands with scope", func() error {
			_, err := b.SetMyCommands(ctx, &tgbot.SetMyCommandsParams{
				Commands: []models.BotCommand{{Command: "start", Description: "Start"}, {Command: "cart", Description: "Корзина"}},
				Scope:    &models.BotCommandScopeAllPrivateChats{}, LanguageCode: "ru",
			})
			return err
		}},
		{"sendMediaGroup", func() error {
			_, err := b.SendMediaGroup(ctx, &tgbot.SendMediaGroupParams{ChatID: chat, Media: []models.InputMedia{
				&models.InputMediaPhoto{Media: "attach://a.jpg", MediaAttachment: strings.NewReader("A"), Caption: "A"},
				&models.InputMediaPhoto{Media: "AgADfileid"},
			}})
			return err
		}},
		{"sendDocument", func() error {
			_, err := b.SendDocument(ctx, &tgbot.SendDocumentParams{ChatID: chat, Document: &models.InputFileUpload{Filename: "r.pdf", Data: strings.NewReader("%PDF")}})
			return err
		}},
		{"sendInvoice", func() error {
			_, err := b.SendInvoice(ctx, &tgbot.SendInvoiceParams{
				ChatID: chat, Title: "Order 1", Description: "Coffee", Payload: "order-1", Currency: "XTR",
				Prices: []models.LabeledPrice{{Label: "Coffee", Amount: 890}},
			})
			return err
		}},
		{"sendLocation", func() error {
			_, err := b.SendLocation(ctx, &tgbot.SendLocationParams{ChatID: chat, Latitude: 55.75, Longitude: 37.62})
			return err
		}},
		{"copyMessage of the user's message", func() error {
			_, err := b.CopyMessage(ctx, &tgbot.CopyMessageParams{ChatID: int64(-100500), FromChatID: chat, MessageID: 1})
			return err
		}},
		{"forwardMessage", func() error {
			_, err := b.ForwardMessage(ctx, &tgbot.ForwardMessageParams{ChatID: int64(-100500), FromChatID: chat, MessageID: 1})
			return err
		}},
		{"setChatMenuButton", func() error {
			_, err := b.SetChatMenuButton(ctx, &tgbot.SetChatMenuButtonParams{MenuButton: models.MenuButtonCommands{Type: models.MenuButtonTypeCommands}})
			return err
		}},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Errorf("%s: %v", st.name, err)
		}
	}
	if got := s.Chat(-100500); len(got) != 2 || got[0].Text != "hi" {
		t.Errorf("Chat(-100500) = %+v, want the copied and the forwarded message", got)
	}
}

// TestWebhookDeliversChatsAtOnce: updates of different chats reach the
// webhook at once (up to max_connections, as on Telegram), those of one
// chat one after another and in order.
func TestWebhookDeliversChatsAtOnce(t *testing.T) {
	s := tgtest.NewServer(t, tgtest.Options{})
	type arrival struct {
		chat int64
		text string
	}
	arrived := make(chan arrival, 10)
	release := make(chan struct{})
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var u models.Update
		if err := json.NewDecoder(r.Body).Decode(&u); err != nil || u.Message == nil {
			t.Errorf("webhook body: %v", err)
			return
		}
		arrived <- arrival{u.Message.Chat.ID, u.Message.Text}
		<-release // held until the test lets go
	}))
	t.Cleanup(hook.Close)
	if status, a := call(t, s.URL(), s.Token(), "setWebhook", map[string]string{"url": hook.URL, "max_connections": "2"}); status != http.StatusOK || !a.OK {
		t.Fatalf("setWebhook: %d", status)
	}
	s.UserText(1, "a1", "")
	s.UserText(1, "a2", "")
	s.UserText(2, "b1", "")
	s.UserText(3, "c1", "")
	next := func() arrival {
		t.Helper()
		select {
		case a := <-arrived:
			return a
		case <-time.After(5 * time.Second):
			t.Fatal("no webhook request")
			return arrival{}
		}
	}
	// Two requests at once, a1 and b1 (a2 waits for a1, c1 for a free
	// connection); nothing more until one is answered.
	first := map[string]bool{next().text: true, next().text: true}
	if !first["a1"] || !first["b1"] {
		t.Fatalf("first two requests = %v, want a1 and b1", first)
	}
	select {
	case a := <-arrived:
		t.Fatalf("a third request (%q) while max_connections=2 were busy", a.text)
	case <-time.After(100 * time.Millisecond):
	}
	release <- struct{}{}
	release <- struct{}{}
	rest := map[string]bool{next().text: true, next().text: true}
	if !rest["a2"] || !rest["c1"] {
		t.Fatalf("next two requests = %v, want a2 and c1", rest)
	}
	close(release)
	if status, _ := call(t, s.URL(), s.Token(), "setWebhook", map[string]string{"url": "https://other.example/hook", "max_connections": "101"}); status != http.StatusBadRequest {
		t.Errorf("setWebhook with max_connections=101 = %d, want 400", status)
	}
	if _, a := call(t, s.URL(), s.Token(), "getWebhookInfo", nil); !strings.Contains(string(a.Result), hook.URL) {
		t.Errorf("a refused setWebhook changed the webhook: %s", a.Result)
	}
	s.TakeViolations()
}
