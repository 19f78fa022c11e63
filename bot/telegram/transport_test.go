package telegram

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestWholeBody: a body of unknown length (the library's io.Pipe) goes
// out in one piece with its Content-Length; one too big to hold still
// arrives whole, streamed.
func TestWholeBody(t *testing.T) {
	var gotLen int64
	var gotTE []string
	var got []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotLen, gotTE = r.ContentLength, r.TransferEncoding
		got, _ = io.ReadAll(r.Body)
	}))
	defer srv.Close()
	client := &http.Client{Transport: wholeBody{next: http.DefaultTransport}}
	for _, tc := range []struct {
		size    int
		chunked bool
	}{{0, false}, {1500, false}, {maxWhole + 10, true}} {
		want := bytes.Repeat([]byte("x"), tc.size)
		pr, pw := io.Pipe()
		go func() { pw.Write(want); pw.Close() }()
		req, _ := http.NewRequest(http.MethodPost, srv.URL, pr)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if !bytes.Equal(got, want) {
			t.Errorf("size %d: the server got %d bytes", tc.size, len(got))
		}
		chunked := strings.Join(gotTE, ",") == "chunked"
		if chunked != tc.chunked || !chunked && gotLen != int64(tc.size) {
			t.Errorf("size %d: Content-Length %d, Transfer-Encoding %q", tc.size, gotLen, gotTE)
		}
	}
}

// TestWithoutResult: a call marked withoutResult gets an empty result when
// it succeeds and the full answer when it fails; unmarked calls get the
// full answer.
func TestWithoutResult(t *testing.T) {
	status, answer := http.StatusOK, `{"ok":true,"result":{"message_id":5,"chat":{"id":1}}}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(status)
		io.WriteString(w, answer)
	}))
	defer srv.Close()
	client := &http.Client{Transport: wholeBody{next: http.DefaultTransport}}
	get := func(ctx context.Context) string {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL, strings.NewReader("x"))
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	if got := get(withoutResult(context.Background())); got != string(okEmpty) {
		t.Errorf("marked call got %s", got)
	}
	if got := get(context.Background()); got != answer {
		t.Errorf("unmarked call got %s", got)
	}
	status, answer = http.StatusBadRequest, `{"ok":false,"error_code":400,"description":"Bad Request: message is not modified"}`
	if got := get(withoutResult(context.Background())); got != answer {
		t.Errorf("failed marked call got %s", got)
	}
}

// TestPollPacer: a long poll right after another waits until pollEvery
// after the one before it started; one long after goes at once.
func TestPollPacer(t *testing.T) {
	var p pollPacer
	ctx := context.Background()
	p.wait(ctx) // the first: at once
	start := time.Now()
	p.wait(ctx)
	p.wait(ctx)
	if got := time.Since(start); got < 2*pollEvery-time.Millisecond {
		t.Errorf("two polls back to back after the first took %v, want at least %v", got, 2*pollEvery)
	}
	time.Sleep(2 * pollEvery)
	before := time.Now()
	p.wait(ctx)
	if p.last.Before(before) || p.last.After(time.Now()) {
		t.Errorf("a poll long after the last was held back: started at %v, waited from %v", p.last, before)
	}
	ended, cancel := context.WithCancel(ctx)
	cancel()
	p.wait(ended) // returns: the poll's context ended
}
