package webchat

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"omnicart/bot"
)

// post sends one message over real HTTP with the cookie value given.
func post(t testing.TB, client *http.Client, url, cookie, body string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("POST", url+"/api/send", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if cookie != "" {
		req.AddCookie(&http.Cookie{Name: cookieName, Value: cookie})
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// TestForgedCookiesAreLimited reproduces issue 9 (4): a script sending each
// message with a made-up 32-hex cookie used to start a stored customer per
// request. Now each is a new chat under the address's new-chat limit, over
// real HTTP on 127.0.0.1.
func TestForgedCookiesAreLimited(t *testing.T) {
	var handled atomic.Int64
	c := New(bot.HandlerFunc(func(_ context.Context, m bot.Message) {
		handled.Add(1)
		m.Done()
	}), Options{})
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c.now = func() time.Time { return now } // no refill during the test
	srv := httptest.NewServer(c)
	defer srv.Close()

	ok, limited := 0, 0
	for i := range 200 {
		forged := fmt.Sprintf("%032x", i)
		switch resp := post(t, srv.Client(), srv.URL, forged, `{"text":"hi"}`); resp.StatusCode {
		case http.StatusOK:
			ok++
			ck := cookieOf(resp)
			if ck == nil || strings.HasPrefix(ck.Value, forged) {
				t.Fatalf("forged cookie %s accepted: issued %+v", forged, ck)
			}
		case http.StatusTooManyRequests:
			limited++
		default:
			t.Fatalf("status %d", resp.StatusCode)
		}
	}
	t.Logf("200 messages with forged cookies: %d new chats, %d refused, %d handled", ok, limited, handled.Load())
	if ok != int(newBurst) || handled.Load() != int64(newBurst) {
		t.Errorf("%d of 200 forged sessions started a chat (%d handled), want the new-chat burst %v", ok, handled.Load(), newBurst)
	}

	// A chat the server issued goes on working meanwhile.
	c.newcomers = ipLimiter{perSecond: newPerMinute / 60, burst: newBurst}
	c.api = ipLimiter{perSecond: apiPerSec, burst: apiBurst}
	first := post(t, srv.Client(), srv.URL, "", `{"text":"hi"}`)
	ck := cookieOf(first)
	if first.StatusCode != 200 || ck == nil {
		t.Fatalf("new shopper: %d", first.StatusCode)
	}
	c.newcomers = ipLimiter{perSecond: 0, burst: 0} // no more new chats at all
	if resp := post(t, srv.Client(), srv.URL, ck.Value, `{"text":"again"}`); resp.StatusCode != 200 {
		t.Errorf("the issued chat under an exhausted new-chat limit: %d", resp.StatusCode)
	}
	if resp := post(t, srv.Client(), srv.URL, "", `{"text":"new"}`); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("a new chat under an exhausted new-chat limit: %d", resp.StatusCode)
	}
}

func cookieOf(resp *http.Response) *http.Cookie {
	for _, ck := range resp.Cookies() {
		if ck.Name == cookieName {
			return ck
		}
	}
	return nil
}

// TestPollsAreLimited: GET /api/messages without a cookie is rate limited
// per address and holds no state for the chats it issues.
func TestPollsAreLimited(t *testing.T) {
	c, _ := newChat(t, Options{})
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c.now = func() time.Time { return now }
	srv := httptest.NewServer(c)
	defer srv.Close()
	codes := map[int]int{}
	for range 300 {
		resp, err := srv.Client().Get(srv.URL + "/api/messages")
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		codes[resp.StatusCode]++
	}
	if codes[200] != int(apiBurst) || codes[429] != 300-int(apiBurst) {
		t.Errorf("300 polls without a cookie: %v, want %v answered", codes, apiBurst)
	}
	if n := len(c.chats); n != 0 {
		t.Errorf("polls without a cookie hold %d chats", n)
	}
	// Sends count against the same limit.
	if resp := post(t, srv.Client(), srv.URL, "", `{"text":"hi"}`); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("send after the polls: %d", resp.StatusCode)
	}
	now = now.Add(time.Second)
	if resp := post(t, srv.Client(), srv.URL, "", `{"text":"hi"}`); resp.StatusCode != 200 {
		t.Errorf("send a second later: %d", resp.StatusCode)
	}
}

func TestLoadKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "webchat.key")
	key, err := LoadKey(path)
	if err != nil || len(key) != minKey {
		t.Fatalf("LoadKey = %x, %v", key, err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", st.Mode(), err)
	}
	again, err := LoadKey(path)
	if err != nil || string(again) != string(key) {
		t.Fatalf("second LoadKey = %x, %v; want %x", again, err, key)
	}
	// A chat signed before a restart verifies after it.
	a, _ := newChat(t, Options{Key: key})
	b, _ := newChat(t, Options{Key: again})
	if got, ok := b.verify(a.sign(id)); !ok || got != id {
		t.Errorf("cookie from before the restart: %q %v", got, ok)
	}
	os.WriteFile(path, []byte("short\n"), 0o600)
	if _, err := LoadKey(path); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Errorf("damaged key: %v", err)
	}
}

// reply is a typical catalog screen: a paragraph and a keyboard.
func reply(i int) bot.Reply {
	r := bot.Reply{Text: fmt.Sprintf("%d ", i) + strings.Repeat("Ethiopia Yirgacheffe, 250 g — 12.50 €. ", 8)}
	for row := range 4 {
		r.Choices = append(r.Choices, []bot.Choice{
			{Label: fmt.Sprintf("Product %d", row), Data: fmt.Sprintf("p:%d:%d", i, row)},
			{Label: "Add to cart", Data: fmt.Sprintf("add:%d:%d", i, row)},
		})
	}
	return r
}

// TestHistoryBytes reproduces issue 9 (5) on the handler: 1,300 chats × 100
// replies stay within HistoryBytes, measured both by the estimate and by
// the live heap; the most recent chats are kept whole, the oldest go.
func TestHistoryBytes(t *testing.T) {
	if testing.Short() {
		t.Skip("floods 130,000 replies")
	}
	const limit = 8 << 20
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	c, _ := newChat(t, Options{HistoryBytes: limit})
	ctx := context.Background()
	const chats, msgs = 1300, 100
	for i := range chats {
		to := bot.Address{Channel: bot.Web, Chat: fmt.Sprintf("%032x", i)}
		for j := range msgs {
			c.Send(ctx, to, []bot.Reply{reply(j)})
		}
	}
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	c.mu.Lock()
	held, est := len(c.chats), c.bytes
	sum := int64(0)
	for e := c.lru.Front(); e != nil; e = e.Next() {
		sum += e.Value.(*chatState).bytes
	}
	last := c.chats[fmt.Sprintf("%032x", chats-1)]
	c.mu.Unlock()
	heap := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("%d chats × %d replies with history_bytes %d MiB: %d chats held, estimate %.1f MiB, live heap %.1f MiB",
		chats, msgs, limit>>20, held, float64(est)/(1<<20), float64(heap)/(1<<20))
	if est > limit || est != sum {
		t.Errorf("estimate %d bytes (sum of chats %d), limit %d", est, sum, limit)
	}
	if heap > limit+limit/4 {
		t.Errorf("live heap grew %d bytes for a %d-byte history: the estimate is too low", heap, limit)
	}
	if held == chats || held < 10 {
		t.Errorf("%d chats held", held)
	}
	if last == nil || len(last.Value.(*chatState).msgs) != msgs {
		t.Errorf("the latest chat was not kept whole")
	}
	if _, ok := c.chats[fmt.Sprintf("%032x", 0)]; ok {
		t.Errorf("the oldest chat was kept")
	}
	runtime.KeepAlive(c)

	// One chat alone bigger than the bound keeps its latest replies.
	small, _ := newChat(t, Options{HistoryBytes: 16 << 10})
	to := bot.Address{Channel: bot.Web, Chat: id}
	for j := range msgs {
		small.Send(ctx, to, []bot.Reply{reply(j)})
	}
	got := small.chats[id].Value.(*chatState).msgs
	if small.bytes > 16<<10 || len(got) == 0 || got[len(got)-1].Seq != msgs {
		t.Errorf("one big chat: %d bytes, %d replies", small.bytes, len(got))
	}
}
