package webchat

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"
	"unicode/utf8"

	"omnicart/bot"
)

// echo is a fake engine: it answers each message from another goroutine
// through the chat's Send, then calls Done.
type echo struct {
	chat *Chat
	mu   sync.Mutex
	got  []bot.Message
}

func (e *echo) Handle(ctx context.Context, m bot.Message) {
	e.mu.Lock()
	e.got = append(e.got, m)
	e.mu.Unlock()
	go func() {
		var r bot.Reply
		switch {
		case m.Command != "":
			r.Text = "command " + m.Command + " " + m.Payload
		case m.Button != "":
			r.Text = "pressed " + m.Button
		case m.Location != nil:
			r.Text = "location"
		default:
			r = bot.Reply{Text: m.Text, Choices: [][]bot.Choice{{{Label: "Again", Data: "again"}}}}
		}
		e.chat.Send(ctx, m.From, []bot.Reply{r})
		if m.Done != nil {
			m.Done()
		}
	}()
}

func (e *echo) last() bot.Message {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.got[len(e.got)-1]
}

func newChat(t *testing.T, opt Options) (*Chat, *echo) {
	t.Helper()
	h := &echo{}
	h.chat = New(h, opt)
	return h.chat, h
}

// do serves one request; cookie is the chat id to send in a cookie the
// chat signed ("" for none).
func do(t *testing.T, c *Chat, method, target, cookie, body string) *httptest.ResponseRecorder {
	t.Helper()
	if cookie != "" {
		cookie = c.sign(cookie)
	}
	return doRaw(t, c, method, target, cookie, body)
}

// doRaw serves one request with cookie as the cookie's value.
func doRaw(t *testing.T, c *Chat, method, target, cookie, body string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept-Language", "ru-RU,ru;q=0.9,en;q=0.8")
	if cookie != "" {
		req.AddCookie(&http.Cookie{Name: cookieName, Value: cookie})
	}
	w := httptest.NewRecorder()
	c.ServeHTTP(w, req)
	return w
}

func decode(t *testing.T, w *httptest.ResponseRecorder) batch {
	t.Helper()
	var b batch
	if err := json.Unmarshal(w.Body.Bytes(), &b); err != nil {
		t.Fatalf("decode %q: %v", w.Body.String(), err)
	}
	return b
}

func issued(w *httptest.ResponseRecorder) *http.Cookie {
	for _, c := range w.Result().Cookies() {
		if c.Name == cookieName {
			return c
		}
	}
	return nil
}

const id = "0123456789abcdef0123456789abcdef"

func TestCookie(t *testing.T) {
	c, _ := newChat(t, Options{})
	w := do(t, c, "GET", "/", "", "")
	ck := issued(w)
	if ck == nil {
		t.Fatal("no cookie issued")
	}
	chat, ok := c.verify(ck.Value)
	if !ok || !validID(chat) || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.MaxAge != cookieMaxAge {
		t.Errorf("cookie = %+v", ck)
	}
	// Over HTTPS, directly or behind a TLS-terminating proxy: a cookie
	// the widget's iframe on another site keeps (SameSite=None, Secure,
	// partitioned).
	for _, h := range []http.Header{{"X-Forwarded-Proto": {"https"}}, {"Forwarded": {`for=192.0.2.1;proto=https;host=shop.example`}}, nil} {
		r := httptest.NewRequest("GET", "/", nil)
		maps.Copy(r.Header, h)
		if h == nil {
			r = httptest.NewRequest("GET", "https://shop.example/", nil)
		}
		w := httptest.NewRecorder()
		c.ServeHTTP(w, r)
		if ck := issued(w); ck == nil || !ck.Secure || ck.SameSite != http.SameSiteNoneMode || !ck.Partitioned {
			t.Errorf("cookie over HTTPS (%v) = %+v", h, ck)
		}
	}
	if w := doRaw(t, c, "GET", "/api/messages", ck.Value, ""); issued(w) != nil {
		t.Errorf("valid cookie replaced on API call")
	}
	if w := doRaw(t, c, "GET", "/", ck.Value, ""); issued(w) == nil || issued(w).Value != ck.Value {
		t.Errorf("page did not refresh the same cookie")
	}
	other, _ := newChat(t, Options{}) // another key
	sig := ck.Value[len(chat)+1:]
	for _, forged := range []string{
		"abc", "../../etc", strings.Repeat("g", 32), strings.ToUpper(id), id + "0",
		id,                            // an unsigned id (cookies before signing)
		id + "." + sig,                // another chat's signature
		chat + "." + sig[:len(sig)-1], // a cut signature
		chat + ".",
		chat + "." + sig + "A",
		other.sign(chat), // signed with another key
	} {
		w := doRaw(t, c, "GET", "/api/messages", forged, "")
		got := issued(w)
		if got == nil || got.Value == forged {
			t.Errorf("forged cookie %q: issued %+v", forged, got)
			continue
		}
		if newID, ok := c.verify(got.Value); !ok || newID == chat || newID == id {
			t.Errorf("forged cookie %q: issued %q for chat %q", forged, got.Value, newID)
		}
		if b := decode(t, w); len(b.Messages) != 0 || b.Last != 0 {
			t.Errorf("forged cookie %q: answer %+v", forged, b)
		}
	}
	if n := len(c.chats); n != 1 {
		t.Errorf("the chat holds %d chats after forged polls, want 1", n)
	}
}

func TestSend(t *testing.T) {
	tests := []struct {
		name, body string
		status     int
		reply      string
		check      func(m bot.Message) bool
	}{
		{"text", `{"text":"hello"}`, 200, "hello", func(m bot.Message) bool {
			return m.Text == "hello" && m.Lang == "ru" && m.From == bot.Address{Channel: bot.Web, Chat: id}
		}},
		{"command", `{"text":" /start summer "}`, 200, "command start summer", func(m bot.Message) bool { return m.Command == "start" && m.Payload == "summer" }},
		{"button", `{"button":"again"}`, 200, "pressed again", func(m bot.Message) bool { return m.Button == "again" }},
		{"location", `{"location":{"lat":55.75,"lon":37.62}}`, 200, "location", func(m bot.Message) bool { return *m.Location == bot.Location{Lat: 55.75, Lon: 37.62} }},
		{"empty", `{"text":"  "}`, 400, "", nil},
		{"nothing", `{}`, 400, "", nil},
		{"two", `{"text":"a","button":"b"}`, 400, "", nil},
		{"long text", `{"text":"` + strings.Repeat("я", 17) + `"}`, 413, "", nil},
		{"max text", `{"text":"` + strings.Repeat("я", 16) + `"}`, 200, strings.Repeat("я", 16), nil},
		{"long body", `{"text":"a","x":"` + strings.Repeat("a", maxBody) + `"}`, 413, "", nil},
		{"long button", `{"button":"` + strings.Repeat("b", bot.MaxChoiceData+1) + `"}`, 400, "", nil},
		{"bad json", `{"text":`, 400, "", nil},
		{"two objects", `{"text":"a"}{"text":"b"}`, 400, "", nil},
		{"trailing data", `{"text":"a"} x`, 400, "", nil},
		{"trailing brace", `{"text":"a"}}`, 400, "", nil},
		{"trailing space", "{\"text\":\"a\"} \r\n", 200, "a", nil},
		{"bad location", `{"location":{"lat":91,"lon":0}}`, 400, "", nil},
		{"zone", `{"text":"a","zone":"Asia/Vladivostok"}`, 200, "a", func(m bot.Message) bool { return m.Zone == "Asia/Vladivostok" }},
		{"deep zone", `{"text":"a","zone":"America/Argentina/Buenos_Aires"}`, 200, "a", func(m bot.Message) bool { return m.Zone == "America/Argentina/Buenos_Aires" }},
		{"unknown zone", `{"text":"a","zone":"Mars/Olympus"}`, 200, "a", func(m bot.Message) bool { return m.Zone == "" }},
		{"hostile zone", `{"text":"a","zone":"../../etc/passwd"}`, 200, "a", func(m bot.Message) bool { return m.Zone == "" }},
		{"local zone", `{"text":"a","zone":"Local"}`, 200, "a", func(m bot.Message) bool { return m.Zone == "" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, h := newChat(t, Options{MaxText: 16})
			w := do(t, c, "POST", "/api/send", id, tt.body)
			if w.Code != tt.status {
				t.Fatalf("status = %d, want %d: %s", w.Code, tt.status, w.Body)
			}
			if tt.status != 200 {
				var e struct{ Error string }
				if json.Unmarshal(w.Body.Bytes(), &e) != nil || e.Error == "" {
					t.Errorf("error body = %s", w.Body)
				}
				return
			}
			b := decode(t, w)
			if len(b.Messages) != 1 || b.Messages[0].Text != tt.reply || b.Messages[0].Seq != b.Last {
				t.Fatalf("answer = %+v, want one message %q", b, tt.reply)
			}
			if tt.check != nil && !tt.check(h.last()) {
				t.Errorf("message = %+v", h.last())
			}
		})
	}
}

// TestSendFullText sends the longest text, with every rune escaped in the
// JSON: the rune limit decides, not the body size.
func TestSendFullText(t *testing.T) {
	const emoji = `\ud83d\ude00` // 😀, 12 bytes escaped
	tests := []struct {
		name, text string
		status     int
	}{
		{"cyrillic", strings.Repeat("я", 4096), 200},
		{"escaped cyrillic", strings.Repeat(`\u044f`, 4096), 200},
		{"escaped emoji", strings.Repeat(emoji, 4096), 200},
		{"one emoji too many", strings.Repeat(emoji, 4097), 413},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newChat(t, Options{})
			w := do(t, c, "POST", "/api/send", id, `{"text":"`+tt.text+`"}`)
			if w.Code != tt.status {
				t.Fatalf("status = %d, want %d: %.100s", w.Code, tt.status, w.Body)
			}
			if tt.status == 413 {
				var e struct{ Error string }
				if json.Unmarshal(w.Body.Bytes(), &e) != nil || e.Error != "text too long" {
					t.Errorf("error body = %s", w.Body)
				}
				return
			}
			if b := decode(t, w); len(b.Messages) != 1 || utf8.RuneCountInString(b.Messages[0].Text) != 4096 {
				t.Errorf("answer = %d messages", len(b.Messages))
			}
		})
	}
}

func TestSendRejects(t *testing.T) {
	c, _ := newChat(t, Options{})
	if w := do(t, c, "GET", "/api/send", id, ""); w.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET /api/send = %d", w.Code)
	}
	req := httptest.NewRequest("POST", "/api/send", strings.NewReader("text=hi"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	c.ServeHTTP(w, req)
	if w.Code != http.StatusUnsupportedMediaType {
		t.Errorf("form post = %d", w.Code)
	}
}

func TestSendReturnsReplies(t *testing.T) {
	c, _ := newChat(t, Options{})
	do(t, c, "POST", "/api/send", id, `{"text":"one"}`)
	b := decode(t, do(t, c, "POST", "/api/send", id, `{"button":"again"}`))
	if len(b.Messages) != 1 || b.Messages[0].Text != "pressed again" || b.Messages[0].Seq != 4 || b.Last != 4 {
		t.Errorf("second answer = %+v, want only seq 4 (the shopper's messages are 1 and 3)", b)
	}
	// The history holds both, with the first one's button.
	b = decode(t, do(t, c, "GET", "/api/messages", id, ""))
	if len(b.Messages) != 2 || b.Messages[0].Choices[0][0] != (bot.Choice{Label: "Again", Data: "again"}) {
		t.Errorf("history = %+v", b)
	}
}

func TestWaitTimeout(t *testing.T) {
	c := New(bot.HandlerFunc(func(context.Context, bot.Message) {}), Options{Wait: time.Millisecond})
	w := do(t, c, "POST", "/api/send", id, `{"text":"hi"}`)
	if w.Code != 200 || strings.TrimSpace(w.Body.String()) != `{"messages":[],"last":1,"lang":"ru"}` {
		t.Errorf("answer = %d %s", w.Code, w.Body)
	}
}

func TestRateLimit(t *testing.T) {
	c, _ := newChat(t, Options{})
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	c.now = func() time.Time { return now }
	for i := range int(rateBurst) {
		if w := do(t, c, "POST", "/api/send", id, `{"text":"hi"}`); w.Code != 200 {
			t.Fatalf("message %d: status %d", i, w.Code)
		}
	}
	if w := do(t, c, "POST", "/api/send", id, `{"text":"hi"}`); w.Code != http.StatusTooManyRequests {
		t.Fatalf("over the burst: status %d", w.Code)
	}
	if w := do(t, c, "POST", "/api/send", strings.Repeat("1", 32), `{"text":"hi"}`); w.Code != 200 {
		t.Errorf("another chat: status %d", w.Code)
	}
	now = now.Add(time.Second / ratePerSec)
	if w := do(t, c, "POST", "/api/send", id, `{"text":"hi"}`); w.Code != 200 {
		t.Errorf("after refill: status %d", w.Code)
	}
}

func TestLongPoll(t *testing.T) {
	c, _ := newChat(t, Options{})
	addr := bot.Address{Channel: bot.Web, Chat: id}
	if err := c.Send(context.Background(), addr, []bot.Reply{{Text: "first"}}); err != nil {
		t.Fatal(err)
	}
	got := make(chan *httptest.ResponseRecorder)
	go func() { got <- do(t, c, "GET", "/api/messages?after=1", id, "") }()
	time.Sleep(20 * time.Millisecond) // let the poll start waiting; it works either way
	c.Send(context.Background(), addr, []bot.Reply{{Text: "campaign", Photo: "https://example.com/a.jpg"}, {Notice: "toast only"}})
	b := decode(t, <-got)
	if len(b.Messages) != 1 || b.Messages[0].Text != "campaign" || b.Messages[0].Seq != 2 || b.Last != 2 ||
		b.Messages[0].Photo != "https://example.com/a.jpg" {
		t.Errorf("poll = %+v", b)
	}

	c.poll = time.Millisecond
	if b := decode(t, do(t, c, "GET", "/api/messages?after=2", id, "")); len(b.Messages) != 0 || b.Last != 2 {
		t.Errorf("empty poll = %+v", b)
	}
	// A seq from before a restart counts as 0.
	if b := decode(t, do(t, c, "GET", "/api/messages?after=99", id, "")); len(b.Messages) != 2 || b.Last != 2 {
		t.Errorf("stale poll = %+v", b)
	}
	if w := do(t, c, "GET", "/api/messages?after=x", id, ""); w.Code != 400 {
		t.Errorf("bad after: %d", w.Code)
	}
}

func TestHistoryLimits(t *testing.T) {
	c, _ := newChat(t, Options{})
	c.maxChats = 2
	ctx := context.Background()
	for range 150 {
		c.Send(ctx, bot.Address{Channel: bot.Web, Chat: "a"}, []bot.Reply{{Text: "m"}})
	}
	c.mu.Lock()
	s := c.state("a")
	msgs := s.since(0, true)
	c.mu.Unlock()
	if len(msgs) != keepMessages || msgs[0].Seq != 51 || msgs[99].Seq != 150 {
		t.Errorf("kept %d messages, %d..%d", len(msgs), msgs[0].Seq, msgs[len(msgs)-1].Seq)
	}
	c.Send(ctx, bot.Address{Channel: bot.Web, Chat: "b"}, []bot.Reply{{Text: "m"}})
	c.Send(ctx, bot.Address{Channel: bot.Web, Chat: "c"}, []bot.Reply{{Text: "m"}})
	c.mu.Lock()
	_, hasA := c.chats["a"]
	n := len(c.chats)
	c.mu.Unlock()
	if hasA || n != 2 {
		t.Errorf("after eviction: has a = %v, %d chats", hasA, n)
	}
	if err := c.Send(ctx, bot.Address{Channel: bot.Telegram, Chat: "1"}, []bot.Reply{{Text: "m"}}); err == nil {
		t.Error("Send to a telegram address: no error")
	}
}

func TestMedia(t *testing.T) {
	images := fstest.MapFS{
		"images/eth-250.jpg": {Data: []byte("JPEGDATA"), ModTime: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)},
		"images/notes.html":  {Data: []byte("<script>")},
		"secret.jpg":         {Data: []byte("SECRET")},
	}
	c, _ := newChat(t, Options{Images: images})
	w := do(t, c, "GET", "/media/images/eth-250.jpg", "", "")
	if w.Code != 200 || w.Body.String() != "JPEGDATA" || w.Header().Get("Content-Type") != "image/jpeg" ||
		!strings.Contains(w.Header().Get("Cache-Control"), "max-age") || w.Header().Get("Last-Modified") == "" {
		t.Errorf("photo: %d %q %v", w.Code, w.Body, w.Header())
	}
	if issued(w) != nil {
		t.Error("photo issued a cookie")
	}
	for _, p := range []string{
		"/media/images/../secret.jpg",
		"/media/images/..%2fsecret.jpg",
		"/media/images%2f..%2f..%2fsecret.jpg",
		"/media/..%2f..%2fetc%2fpasswd.jpg",
		"/media/%2e%2e/secret.jpg",
		"/media//secret.jpg",
		"/media/images/notes.html",
		"/media/images",
		"/media/images/missing.jpg",
	} {
		w := do(t, c, "GET", p, "", "")
		if w.Code == 200 || strings.Contains(w.Body.String(), "SECRET") {
			t.Errorf("%s: %d %q", p, w.Code, w.Body)
		}
	}

	c.Send(context.Background(), bot.Address{Channel: bot.Web, Chat: id}, []bot.Reply{{Text: "card", Photo: "images/eth 250.jpg"}})
	if b := decode(t, do(t, c, "GET", "/api/messages", id, "")); b.Messages[0].Photo != "/media/images/eth%20250.jpg" {
		t.Errorf("photo url = %q", b.Messages[0].Photo)
	}

	noImages, _ := newChat(t, Options{})
	if w := do(t, noImages, "GET", "/media/images/eth-250.jpg", "", ""); w.Code != 404 {
		t.Errorf("no Images: %d", w.Code)
	}
	noImages.Send(context.Background(), bot.Address{Channel: bot.Web, Chat: id}, []bot.Reply{{Text: "card", Photo: "images/eth-250.jpg"}})
	if b := decode(t, do(t, noImages, "GET", "/api/messages", id, "")); b.Messages[0].Photo != "" {
		t.Errorf("photo url without Images = %q", b.Messages[0].Photo)
	}
}

func TestHostileText(t *testing.T) {
	c, _ := newChat(t, Options{})
	hostile := `<img src=x onerror=alert(1)></script>&"`
	w := do(t, c, "POST", "/api/send", id, `{"text":`+mustJSON(t, hostile)+`}`)
	if strings.ContainsAny(w.Body.String(), "<>") {
		t.Errorf("raw markup in JSON: %s", w.Body)
	}
	if b := decode(t, w); b.Messages[0].Text != hostile {
		t.Errorf("text = %q, want %q", b.Messages[0].Text, hostile)
	}

	js, err := os.ReadFile("static/chat.js")
	if err != nil {
		t.Fatal(err)
	}
	if m := regexp.MustCompile(`innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function`).Find(js); m != nil {
		t.Errorf("chat.js uses %s", m)
	}
	if !strings.Contains(string(js), "p.textContent = m.text") {
		t.Error("chat.js does not set message text with textContent")
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestPage(t *testing.T) {
	text := func(lang, key string) string { return lang + ":" + key + "<b>" }
	c, _ := newChat(t, Options{Text: text, MaxText: 500, Continue: true})
	w := do(t, c, "GET", "/", "", "")
	body := w.Body.String()
	if w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("page: %d %v", w.Code, w.Header())
	}
	for _, want := range []string{
		`<html lang="ru">`,
		`<title data-text="web.title">ru:web.title&lt;b&gt;</title>`,
		`placeholder="ru:web.placeholder&lt;b&gt;"`,
		`>ru:web.send&lt;b&gt;</button>`,
		`>ru:web.error&lt;b&gt;</span>`,
		`>ru:web.continue&lt;b&gt;</button>`,
		`for="input"`,
		`role="log" aria-live="polite"`,
		`maxlength="500"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %s:\n%s", want, body)
		}
	}
	alone, _ := newChat(t, Options{Text: text})
	if body := do(t, alone, "GET", "/", "", "").Body.String(); strings.Contains(body, `id="continue"`) {
		t.Errorf("a shop with only the web chat offers to continue in Telegram or WhatsApp:\n%s", body)
	}
	if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors *") {
		t.Errorf("CSP %q: the widget's iframe may be framed by any site by default", csp)
	}
	if w := do(t, c, "GET", "/elsewhere", "", ""); w.Code != 404 {
		t.Errorf("/elsewhere = %d", w.Code)
	}

	// Static files, revalidated by ETag.
	for _, f := range []struct{ path, ctype string }{{"/static/chat.js", "javascript"}, {"/static/chat.css", "text/css"}, {"/widget.js", "javascript"}} {
		w := do(t, c, "GET", f.path, "", "")
		etag := w.Header().Get("ETag")
		if w.Code != 200 || !strings.Contains(w.Header().Get("Content-Type"), f.ctype) || etag == "" || w.Body.Len() == 0 {
			t.Errorf("%s: %d %v", f.path, w.Code, w.Header())
		}
		req := httptest.NewRequest("GET", f.path, nil)
		req.Header.Set("If-None-Match", etag)
		w = httptest.NewRecorder()
		c.ServeHTTP(w, req)
		if w.Code != http.StatusNotModified {
			t.Errorf("%s revalidation: %d", f.path, w.Code)
		}
	}
	if w := do(t, c, "GET", "/static/index.html", "", ""); w.Code != 404 {
		t.Errorf("/static/index.html = %d", w.Code)
	}
}

func TestDefaultLang(t *testing.T) {
	for in, want := range map[string]string{"ru-RU,ru;q=0.9": "ru", "EN": "en", "": "", "*": "", "e": ""} {
		if got := defaultLang(in); got != want {
			t.Errorf("defaultLang(%q) = %q, want %q", in, got, want)
		}
	}
}

var (
	_ bot.Sender   = (*Chat)(nil)
	_ http.Handler = (*Chat)(nil)
)

func TestCloseAnswersLongPolls(t *testing.T) {
	c := New(bot.HandlerFunc(func(context.Context, bot.Message) {}), Options{})
	srv := httptest.NewServer(c)
	defer srv.Close()
	done := make(chan int, 1)
	go func() {
		resp, err := http.Get(srv.URL + "/api/messages?after=0")
		if err != nil {
			done <- 0
			return
		}
		resp.Body.Close()
		done <- resp.StatusCode
	}()
	time.Sleep(100 * time.Millisecond)
	start := time.Now()
	c.Close()
	select {
	case code := <-done:
		if code != http.StatusOK || time.Since(start) > 2*time.Second {
			t.Fatalf("long poll answered %d after %v", code, time.Since(start))
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not answer the long poll")
	}
}

func TestNewChatsPerAddressAreLimited(t *testing.T) {
	l := ipLimiter{perSecond: newPerMinute / 60, burst: newBurst}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	n := 0
	for l.allow("10.0.0.1", now) {
		n++
	}
	if n != int(newBurst) {
		t.Fatalf("allowed %d new chats at once, want %v", n, newBurst)
	}
	if !l.allow("10.0.0.2", now) {
		t.Fatal("another address is limited too")
	}
	if !l.allow("10.0.0.1", now.Add(time.Minute)) {
		t.Fatal("no new chat a minute later")
	}
}

// Behind a reverse proxy on the same machine each shopper is the address
// the proxy forwards for, not the proxy; from elsewhere the header counts
// for nothing (anyone could send one).
func TestClientIPBehindAProxy(t *testing.T) {
	for _, tt := range []struct{ remote, xff, want string }{
		{"127.0.0.1:5000", "203.0.113.7", "203.0.113.7"},
		{"127.0.0.1:5000", "10.0.0.1, 203.0.113.8", "203.0.113.8"},
		{"[::1]:5000", "198.51.100.2", "198.51.100.2"},
		{"127.0.0.1:5000", "", "127.0.0.1"},
		{"198.51.100.9:5000", "203.0.113.7", "198.51.100.9"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tt.remote
		if tt.xff != "" {
			r.Header.Set("X-Forwarded-For", tt.xff)
		}
		if got := clientIP(r); got != tt.want {
			t.Errorf("%s with X-Forwarded-For %q: %s, want %s", tt.remote, tt.xff, got, tt.want)
		}
	}
}
