package tgtest

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Observed is one finished call the bot made, as Observe reports it.
type Observed struct {
	Method string // as in the URL ("sendMessage")
	Chat   int64  // chat_id, 0 when the call names none
	Status int    // HTTP status of the answer
	At     time.Time
}

// Observe serves the same fake at a second address and calls fn after
// every call the bot makes there has been answered: a load harness learns
// of replies without polling Calls, which copies every call. fn runs on
// the request's goroutine and must be quick. It returns the base URL to
// give the bot instead of URL; the endpoint closes at cleanup.
func (s *Server) Observe(fn func(Observed)) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		at := s.now()
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return // the client hung up
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		s.serveHTTP(sw, r)
		method := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
		fn(Observed{Method: method, Chat: chatOf(body), Status: sw.status, At: at})
	}))
	s.t.Cleanup(srv.Close)
	return srv.URL
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// chatOf finds chat_id in a multipart, JSON or URL-encoded body without
// parsing all of it.
func chatOf(body []byte) int64 {
	for _, marker := range [][]byte{[]byte("name=\"chat_id\"\r\n\r\n"), []byte("\"chat_id\":"), []byte("chat_id=")} {
		i := bytes.Index(body, marker)
		if i < 0 {
			continue
		}
		rest := bytes.TrimLeft(body[i+len(marker):], " \"")
		end := 0
		for end < len(rest) && (rest[end] >= '0' && rest[end] <= '9' || end == 0 && rest[end] == '-') {
			end++
		}
		id, _ := strconv.ParseInt(string(rest[:end]), 10, 64)
		return id
	}
	return 0
}

// Forget drops what a long load run does not need and would otherwise
// grow without end: the parameters and files of finished calls (the calls
// stay, with method, time and status), the record of sends, answered
// callback queries, and all but the newest keep messages of each chat.
func (s *Server) Forget(keep int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.calls {
		if s.calls[i].Status != 0 {
			s.calls[i].Params, s.calls[i].Files = nil, nil
		}
	}
	s.sends = nil
	for id, answered := range s.callbacks {
		if answered {
			delete(s.callbacks, id)
		}
	}
	for _, c := range s.chats {
		if len(c.msgs) > keep {
			c.msgs = slices.Clone(c.msgs[len(c.msgs)-keep:])
		}
	}
}
