package console

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"omnicart/bot"
)

// fakeWeb is a web chat API: one chat per cookie, replies numbered by seq.
type fakeWeb struct {
	mu    sync.Mutex
	chats map[string][]remoteMessage
	news  chan struct{}
}

func (f *fakeWeb) add(id string, m remoteMessage) {
	m.Seq = int64(len(f.chats[id]) + 1)
	f.chats[id] = append(f.chats[id], m)
}

func (f *fakeWeb) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	id := ""
	if c, err := r.Cookie("omnicart_chat"); err == nil {
		id = c.Value
	} else {
		id = "chat" + string(rune('a'+len(f.chats)))
		f.chats[id] = nil
		http.SetCookie(w, &http.Cookie{Name: "omnicart_chat", Value: id})
	}
	var b remoteBatch
	switch r.URL.Path {
	case "/api/send":
		var req struct{ Text, Button string }
		json.NewDecoder(r.Body).Decode(&req)
		start := len(f.chats[id])
		f.add(id, remoteMessage{Text: "you said " + req.Text + req.Button + " (" + r.Header.Get("Accept-Language") + ")",
			Photo: "/media/images/a.jpg", Choices: [][]bot.Choice{{{Label: "A", Data: "a"}, {Label: "B", Data: "b"}}}})
		b.Messages = f.chats[id][start:]
	case "/api/messages":
		after := r.URL.Query().Get("after")
		if after != "" && after != "0" {
			f.mu.Unlock()
			select {
			case <-f.news:
			case <-time.After(2 * time.Second):
			}
			f.mu.Lock()
			f.add(id, remoteMessage{Text: "your order shipped"})
			b.Messages = f.chats[id][len(f.chats[id])-1:]
		} else {
			b.Messages = f.chats[id]
		}
	}
	b.Last = int64(len(f.chats[id]))
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(b)
}

// TestRemote: the console over a running shop's web chat API starts a new
// chat with /start, keeps its cookie in the jar file so the next console is
// the same customer back on its latest screen, says so for a number that is
// no button, and prints a message the shop starts between prompts.
func TestRemote(t *testing.T) {
	web := &fakeWeb{chats: map[string][]remoteMessage{}, news: make(chan struct{})}
	srv := httptest.NewServer(web)
	defer srv.Close()
	jar := filepath.Join(t.TempDir(), "dir", "chat.session")
	addr := bot.Address{Channel: bot.Console, Chat: "owner"}

	session := func(input string, poll bool) string {
		t.Helper()
		var out syncWriter
		in, inW := io.Pipe()
		var remote *Remote
		con := New(in, &out, bot.HandlerFunc(func(ctx context.Context, m bot.Message) { remote.Handle(ctx, m) }),
			Options{Addr: addr, Lang: "ru", Start: true, Prompt: "> "})
		var err error
		remote, err = NewRemote(srv.URL, RemoteOptions{Jar: jar, To: con, Addr: addr})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { remote.Run(ctx); close(done) }()
		go func() {
			inW.Write([]byte(input))
			if poll {
				// The shop starts its message after the answers to the input.
				waitUntilOut(&out, "There is no button 7")
				web.news <- struct{}{}
				waitUntilOut(&out, "your order shipped")
			}
			inW.Close()
		}()
		if err := con.Run(ctx); err != nil {
			t.Fatal(err)
		}
		cancel()
		<-done
		return out.String()
	}

	first := session("2\n7\n", true)
	for _, want := range []string{
		"[photo: " + srv.URL + "/media/images/a.jpg]\nyou said /start (ru)\n",
		"> \n[photo: " + srv.URL + "/media/images/a.jpg]\nyou said b (ru)\n",
		"> \nThere is no button 7: type a number from 1 to 2, or a message.\n> ",
		"> \nyour order shipped\n\n> ",
	} {
		if !strings.Contains(first, want) {
			t.Errorf("first session lacks %q:\n%s", want, first)
		}
	}
	second := session("", false)
	web.mu.Lock()
	chats := len(web.chats)
	web.mu.Unlock()
	if strings.Contains(second, "/start") || !strings.Contains(second, "[1] A") || chats != 1 {
		t.Errorf("second session did not continue the first (%d chats):\n%s", chats, second)
	}
}

type syncWriter struct {
	mu sync.Mutex
	b  strings.Builder
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *syncWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

func waitUntilOut(w *syncWriter, s string) {
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end) && !strings.Contains(w.String(), s); {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // the prompt after it
}
