package telegram

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"

	"omnicart/bot"

	"github.com/go-telegram/bot/models"
)

type recorder struct {
	mu   sync.Mutex
	msgs []bot.Message
}

func (r *recorder) Handle(_ context.Context, m bot.Message) {
	r.mu.Lock()
	r.msgs = append(r.msgs, m)
	r.mu.Unlock()
}

func newWebhookBot(t testing.TB, h bot.Handler) *Telegram {
	tg, err := New(h, Options{Token: "1:x", APIURL: "http://127.0.0.1:1", Mode: "webhook",
		WebhookURL: "https://shop.example/tg", WebhookSecret: "secret"})
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

func TestWebhookChecksSecretAndBody(t *testing.T) {
	rec := &recorder{}
	h := newWebhookBot(t, rec).WebhookHandler()
	post := func(secret, body string) int {
		req := httptest.NewRequest("POST", "/tg", strings.NewReader(body))
		if secret != "" {
			req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w.Code
	}
	msg := `{"update_id":5,"message":{"message_id":1,"date":0,"text":"/start ad","chat":{"id":77,"type":"private"},"from":{"id":77,"is_bot":false,"first_name":"A","language_code":"ru"}}}`
	if got := post("", msg); got != http.StatusUnauthorized {
		t.Errorf("no secret: %d", got)
	}
	if got := post("secrex", msg); got != http.StatusUnauthorized {
		t.Errorf("wrong secret: %d", got)
	}
	if got := post("secret", "{not json"); got != http.StatusBadRequest {
		t.Errorf("bad body: %d", got)
	}
	if got := post("secret", strings.Repeat("x", maxWebhookBody+10)); got != http.StatusRequestEntityTooLarge {
		t.Errorf("huge body: %d", got)
	}
	if got := post("secret", msg); got != http.StatusOK {
		t.Fatalf("good update: %d", got)
	}
	if len(rec.msgs) != 1 || rec.msgs[0].Command != "start" || rec.msgs[0].Payload != "ad" || rec.msgs[0].ID != "5" || rec.msgs[0].Lang != "ru" {
		t.Fatalf("messages = %+v", rec.msgs)
	}
}

func FuzzWebhook(f *testing.F) {
	f.Add(`{"update_id":5,"message":{"message_id":1,"date":0,"text":"/start ad","chat":{"id":77,"type":"private"},"from":{"id":77}}}`)
	f.Add(`{"update_id":6,"callback_query":{"id":"q","data":"pick|X","from":{"id":1},"message":{"message_id":3,"date":0,"chat":{"id":1,"type":"private"}}}}`)
	f.Add(`{"update_id":7,"callback_query":{"id":"q","data":"x","from":{"id":1},"message":{"message_id":3,"date":0,"chat":{"id":1,"type":"private"}}}}`)
	f.Add(`{}`)
	rec := &recorder{}
	tg := newWebhookBot(f, rec)
	tg.acks = make(chan struct{}, 1<<20) // the fuzzer does not wait for acks to the unreachable API
	h := tg.WebhookHandler()
	f.Fuzz(func(t *testing.T, body string) {
		req := httptest.NewRequest("POST", "/tg", strings.NewReader(body))
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", "secret")
		h.ServeHTTP(httptest.NewRecorder(), req)
	})
}

// TestDecodeUpdateLikeTheLibrary: a button press decoded through
// pressUpdate gives what models.Update gives of it (every field of the
// press, the pressed message's id, date and chat), for a message, an
// inaccessible one, an inline one; other updates are decoded whole.
func TestDecodeUpdateLikeTheLibrary(t *testing.T) {
	for _, body := range []string{
		`{"update_id":7,"callback_query":{"id":"42","from":{"id":5,"is_bot":false,"first_name":"Ann","language_code":"ru"},"chat_instance":"-9","data":"go:cart",` +
			`"message":{"message_id":12,"date":1700000000,"chat":{"id":5,"type":"private","first_name":"Ann"},"text":"Cart <b>x</b>","reply_markup":{"inline_keyboard":[[{"text":"A","callback_data":"a"}]]}}}}`,
		`{"update_id":8,"callback_query":{"id":"43","from":{"id":5,"is_bot":false,"first_name":"Ann"},"chat_instance":"-9","data":"x","message":{"message_id":3,"date":0,"chat":{"id":5,"type":"private"}}}}`,
		`{"update_id":9,"callback_query":{"id":"44","from":{"id":5,"is_bot":false,"first_name":"Ann"},"chat_instance":"-9","inline_message_id":"AAA","game_short_name":"g"}}`,
		`{"update_id":10,"message":{"message_id":4,"date":1700000000,"chat":{"id":5,"type":"private"},"text":"say \"callback_query\""}}`,
	} {
		var want, got models.Update
		if err := json.Unmarshal([]byte(body), &want); err != nil {
			t.Fatal(err)
		}
		if err := decodeUpdate([]byte(body), &got); err != nil {
			t.Fatalf("decodeUpdate(%s): %v", body, err)
		}
		if want.CallbackQuery != nil {
			// Of the pressed message only its id, date and chat are kept.
			if m := want.CallbackQuery.Message.Message; m != nil {
				want.CallbackQuery.Message.Message = &models.Message{ID: m.ID, Date: m.Date, Chat: m.Chat}
			}
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("decodeUpdate(%s)\n got  %+v\n want %+v", body, got, want)
		}
	}
	var u models.Update
	if err := decodeUpdate([]byte(`{"update_id":1,"callback_query":`), &u); err == nil {
		t.Error("a cut update decoded")
	}
}
