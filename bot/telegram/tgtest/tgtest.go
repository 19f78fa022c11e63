// Package tgtest is a fake Telegram Bot API server for tests, in the spirit of
// net/http/httptest. Point the real client at it:
//
//	s := tgtest.NewServer(t, tgtest.Options{})
//	b, err := tgbot.New(s.Token(), tgbot.WithServerURL(s.URL()), tgbot.WithSkipGetMe())
//
// Every request is checked against the Bot API contract in
// botapi/api.json (unknown methods and fields, missing
// required fields, values of the wrong type) and against the documented
// limits (message text, captions, callback data, inline buttons, HTML
// formatting, commands). A request that breaks the contract is answered the
// way Telegram answers it and recorded as a violation; when the test ends, the
// server fails it with the list. A test that breaks the contract on purpose
// takes the violations it expects with TakeViolations.
//
// Users act with UserText, UserPress, UserContact, UserLocation and Deliver;
// their updates reach the bot through getUpdates long polling or, after the
// bot called setWebhook, as POSTs to the webhook URL. Chat shows what a user
// sees; Calls shows what the bot sent. FailNext and Block inject faults;
// MaxPerChat and MaxGlobal measure the bot's sending rates.
//
// The fake speaks multipart/form-data (as go-telegram/bot does),
// application/x-www-form-urlencoded, JSON bodies and query strings. The
// Markdown parse modes are not parsed: their text is measured as sent.
package tgtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// Options configures a Server. The zero value is ready to use.
type Options struct {
	// Token is the bot token the server accepts; default "123456:TEST".
	Token string
	// Now is the clock for message dates, Call.At and the rate measures;
	// default time.Now. Long-polling waits use real time.
	Now func() time.Time
}

// Call is one request the bot made.
type Call struct {
	Method string
	Params map[string]string
	Files  map[string][]byte
	At     time.Time
	// Status is the HTTP status of the answer (200 on success), 0 while
	// the call is in progress (a long poll).
	Status int
	// ViaWebhook marks a call made in the answer to a webhook request.
	ViaWebhook bool
}

// Sent is a bot message as the user sees it.
type Sent struct {
	ID int
	// Text and Caption are what the user reads: formatting tags removed,
	// entities unescaped, surrounding white space trimmed.
	Text, Caption string
	// Raw is the text or caption exactly as the bot sent it.
	Raw       string
	ParseMode string
	Photo     bool
	// Invoice is set for an invoice (sendInvoice).
	Invoice *Invoice
	// Keyboard is the message's inline keyboard or reply keyboard.
	Keyboard [][]Button
}

// Button is one button of a keyboard: Data and URL for inline buttons,
// RequestContact and RequestLocation for reply keyboards.
type Button struct {
	Text, Data, URL                 string
	RequestContact, RequestLocation bool
}

// Server is a fake Bot API server. Its methods are safe for concurrent use.
type Server struct {
	t        testing.TB
	spec     *apiSpec
	token    string
	botID    int64
	botJSON  json.RawMessage // botUser, encoded once: the sender of every bot message
	now      func() time.Time
	srv      *httptest.Server
	client   *http.Client
	ctx      context.Context // ends at cleanup: stops long polls and webhook delivery
	stop     context.CancelFunc
	loopDone chan struct{}

	mu          sync.Mutex
	changed     chan struct{} // closed and replaced on every change
	calls       []Call
	violations  []string
	notModified int
	chats       map[int64]*chat
	queue       []*update // updates not yet confirmed by the bot
	lastUpdate  int
	allowed     []string // allowed_updates; nil means Telegram's default
	hookURL     string
	hookProxy   *url.URL // ProxyWebhook
	hookSecret  string
	hookConns   int             // max_connections: webhook requests at once
	posting     int             // webhook requests on their way
	callbacks   map[string]bool // callback query id → answered
	lastID      int             // callback query ids and file ids
	faults      []*fault
	sends       []send
	// preCheckouts are the pre-checkout queries sent, by id (payments.go).
	preCheckouts map[string]*preCheckout
	// paramChecks and markups remember the results of the pure checks of
	// structured values (memo.go): a bot sends the same keyboards again
	// and again.
	paramChecks map[paramKey]error
	markups     map[string]markupCheck
}

type chat struct {
	lastMsg int
	msgs    []*message
	blocked bool
}

type message struct {
	id       int
	user     bool // sent by the user, not the bot
	date     int64
	editDate int64
	content
	photo   string   // file_id, "" if the message has no photo
	invoice *Invoice // set for an invoice
	markup  markup
}

// content is the text or caption of a message.
type content struct {
	text, caption string // as the user sees them
	raw           string
	parseMode     string
	format        string // raw when it carries formatting, for "not modified"
}

type markup struct {
	canon    string // canonical JSON, for "not modified"
	inline   bool
	keyboard [][]Button
}

type update struct {
	id       int
	kind     string
	chat     int64 // the chat or user it comes from, 0 if none: its order is kept
	posting  bool  // on its way to the webhook
	raw      json.RawMessage
	force    bool // delivered with its own update_id: not dropped by an offset before it is returned once
	returned bool // returned by getUpdates at least once
}

type fault struct {
	method     string
	left       int
	code       int
	retryAfter int
}

type send struct {
	chat int64
	at   time.Time
}

// NewServer starts a fake Bot API server and registers its shutdown and the
// violations check with t.Cleanup. It validates against the embedded
// botapi/api.json, or $OMNICART_TG_API_JSON when set.
func NewServer(t testing.TB, opt Options) *Server {
	t.Helper()
	sp, err := loadSpec()
	if err != nil {
		t.Fatalf("tgtest: %v", err)
	}
	if opt.Token == "" {
		opt.Token = "123456:TEST"
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	botID, _ := strconv.ParseInt(strings.SplitN(opt.Token, ":", 2)[0], 10, 64)
	s := &Server{
		t: t, spec: sp, token: opt.Token, botID: botID, now: opt.Now,
		client:    &http.Client{Transport: hookTransport()},
		loopDone:  make(chan struct{}),
		changed:   make(chan struct{}),
		chats:     map[int64]*chat{},
		callbacks: map[string]bool{},
	}
	s.botJSON, _ = json.Marshal(s.botUser())
	s.ctx, s.stop = context.WithCancel(context.Background())
	s.srv = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	go s.deliverLoop()
	t.Cleanup(func() {
		s.stop()
		<-s.loopDone
		s.srv.Close()
		if v := s.Violations(); len(v) > 0 {
			t.Errorf("tgtest: the bot broke the Bot API contract %d time(s):\n\t%s", len(v), strings.Join(v, "\n\t"))
		}
	})
	return s
}

// hookTransport keeps webhook connections open for reuse, up to the most
// max_connections allows, as Telegram does (Go's default keeps 2 per host).
func hookTransport() *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost, tr.MaxConnsPerHost = 100, 100
	return tr
}

// URL returns the server's base URL, for bot.WithServerURL.
func (s *Server) URL() string { return s.srv.URL }

// Token returns the bot token the server accepts.
func (s *Server) Token() string { return s.token }

// Calls returns the requests made to method ("" for all), in the order
// they arrived.
func (s *Server) Calls(method string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if method == "" || strings.EqualFold(c.Method, method) {
			out = append(out, c)
		}
	}
	return out
}

// Chat returns the bot's messages in a chat as the user sees them now, in
// order: edits are applied and deleted messages are gone.
func (s *Server) Chat(chatID int64) []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chats[chatID]
	if c == nil {
		return nil
	}
	var out []Sent
	for _, m := range c.msgs {
		if m.user {
			continue
		}
		out = append(out, Sent{
			ID: m.id, Text: m.text, Caption: m.caption, Raw: m.raw, ParseMode: m.parseMode,
			Photo: m.photo != "", Invoice: m.invoice, Keyboard: m.markup.keyboard,
		})
	}
	return out
}

// WaitFor calls cond after every request the bot makes and every update a
// user sends until it returns true or ctx ends.
func (s *Server) WaitFor(ctx context.Context, cond func() bool) error {
	for {
		s.mu.Lock()
		ch := s.changed
		s.mu.Unlock()
		if cond() {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("tgtest: wait: %w", ctx.Err())
		}
	}
}

// Violations returns the recorded breaches of the Bot API contract.
func (s *Server) Violations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.violations)
}

// TakeViolations returns the violations recorded so far and forgets them,
// so that they do not fail the test. Tests that break the contract on
// purpose check what it returns; later violations still fail the test.
func (s *Server) TakeViolations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.violations
	s.violations = nil
	return v
}

// NotModified counts edits answered "message is not modified". They are
// not violations: real bots run into them when a user presses twice.
func (s *Server) NotModified() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.notModified
}

// FailNext answers the next n calls of method with an error of the given
// HTTP code: 429 carries parameters.retry_after = retryAfter, 403 says the
// bot was blocked, other codes carry their status text. Method "" matches
// every method but getUpdates, so background polling does not use up the
// faults. Faults are injected after validation.
func (s *Server) FailNext(method string, n int, code int, retryAfter int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &fault{method: method, left: n, code: code, retryAfter: retryAfter})
}

// Block makes every request addressed to chatID fail with 403 "Forbidden:
// bot was blocked by the user".
func (s *Server) Block(chatID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.chat(chatID).blocked = true
}

// MaxPerChat returns the most successful sends (send* but sendChatAction,
// edit*, copy*, forward*) to one chat within any window of that length.
func (s *Server) MaxPerChat(window time.Duration) int {
	s.mu.Lock()
	byChat := map[int64][]time.Time{}
	for _, e := range s.sends {
		byChat[e.chat] = append(byChat[e.chat], e.at)
	}
	s.mu.Unlock()
	best := 0
	for _, ts := range byChat {
		best = max(best, maxInWindow(ts, window))
	}
	return best
}

// MaxGlobal returns the most successful sends to all chats within any
// window of that length.
func (s *Server) MaxGlobal(window time.Duration) int {
	s.mu.Lock()
	ts := make([]time.Time, len(s.sends))
	for i, e := range s.sends {
		ts[i] = e.at
	}
	s.mu.Unlock()
	return maxInWindow(ts, window)
}

// maxInWindow returns the most times within any half-open window [t, t+w).
func maxInWindow(ts []time.Time, w time.Duration) int {
	slices.SortFunc(ts, time.Time.Compare)
	best, lo := 0, 0
	for hi := range ts {
		for lo < hi && ts[hi].Sub(ts[lo]) >= w {
			lo++
		}
		best = max(best, hi-lo+1)
	}
	return best
}

// apiError is a failed answer.
type apiError struct {
	code       int
	desc       string
	retryAfter int
	violation  bool // a bug in the bot, as opposed to a fault or a race
}

func badRequest(format string, args ...any) *apiError {
	return &apiError{code: http.StatusBadRequest, desc: "Bad Request: " + fmt.Sprintf(format, args...), violation: true}
}

// okAnswer and errAnswer are the bodies of the fake's answers.
type okAnswer struct {
	OK     bool `json:"ok"`
	Result any  `json:"result"`
}

type errAnswer struct {
	OK          bool         `json:"ok"`
	ErrorCode   int          `json:"error_code"`
	Description string       `json:"description"`
	Parameters  *retryParams `json:"parameters,omitempty"`
}

type retryParams struct {
	RetryAfter int `json:"retry_after"`
}

// request is one parsed call.
type request struct {
	m       *apiMethod
	params  map[string]string
	files   map[string][]byte
	chat    int64
	hasChat bool
	text    *content // text or caption, validated
	markup  *markup  // reply_markup, validated
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	rest, isBot := strings.CutPrefix(r.URL.Path, "/bot")
	token, name, _ := strings.Cut(rest, "/")
	params, files, perr := readParams(r)
	if perr != nil && (r.Context().Err() != nil || errors.Is(perr, io.ErrUnexpectedEOF)) {
		return // the client hung up mid-request (a bot shutting down): nothing to judge
	}
	req := &request{m: s.spec.methods[strings.ToLower(name)], params: params, files: files}
	if req.m != nil {
		name = req.m.Name
	}
	s.mu.Lock()
	at := s.now()
	idx := len(s.calls)
	s.calls = append(s.calls, Call{Method: name, Params: params, Files: files, At: at})
	s.notify()
	s.mu.Unlock()

	var res any
	var aerr *apiError
	switch {
	case !isBot:
		aerr = &apiError{code: http.StatusNotFound, desc: "Not Found", violation: true}
	case token != s.token:
		aerr = &apiError{code: http.StatusUnauthorized, desc: "Unauthorized", violation: true}
	case req.m == nil:
		aerr = &apiError{code: http.StatusNotFound, desc: "Not Found", violation: true}
	case perr != nil:
		aerr = badRequest("can't parse request: %v", perr)
	case req.m.Name == "getUpdates":
		res, aerr = s.getUpdates(r.Context(), req)
	default:
		s.mu.Lock()
		res, aerr = s.handle(req)
		s.mu.Unlock()
	}

	status := http.StatusOK
	var body any = okAnswer{OK: true, Result: res}
	if aerr != nil {
		status = aerr.code
		e := errAnswer{ErrorCode: aerr.code, Description: aerr.desc}
		if aerr.retryAfter > 0 {
			e.Parameters = &retryParams{RetryAfter: aerr.retryAfter}
		}
		body = e
	}
	s.mu.Lock()
	s.finish(idx, name, req, status, aerr, at)
	s.mu.Unlock()

	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// finish records how call idx ended; s.mu is held.
func (s *Server) finish(idx int, name string, req *request, status int, aerr *apiError, at time.Time) {
	s.calls[idx].Status = status
	if aerr != nil && aerr.violation {
		s.violations = append(s.violations, fmt.Sprintf("%s: %s", name, aerr.desc))
	}
	if status == http.StatusOK && req.hasChat && isSend(name) {
		s.sends = append(s.sends, send{chat: req.chat, at: at})
	}
	s.notify()
}

// webhookAnswer runs the method a bot put in its answer to a webhook
// request ({"method": "answerCallbackQuery", ...}), as Telegram does:
// checked and run like any call, its result returned to nobody. ctype is
// the answer's Content-Type.
func (s *Server) webhookAnswer(ctype string, body []byte) {
	if len(bytes.TrimSpace(body)) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if ct, _, _ := mime.ParseMediaType(ctype); ct != "application/json" {
		s.violations = append(s.violations, fmt.Sprintf("webhook answer: a body of Content-Type %q, want application/json", ctype))
		return
	}
	var obj map[string]json.RawMessage
	var name string
	if err := json.Unmarshal(body, &obj); err != nil || json.Unmarshal(obj["method"], &name) != nil || name == "" {
		s.violations = append(s.violations, fmt.Sprintf("webhook answer: not a JSON object naming a method: %.200s", body))
		return
	}
	delete(obj, "method")
	req := &request{m: s.spec.methods[strings.ToLower(name)], params: jsonParams(obj), files: map[string][]byte{}}
	at := s.now()
	s.calls = append(s.calls, Call{Method: name, Params: req.params, Files: req.files, At: at, ViaWebhook: true})
	var aerr *apiError
	switch {
	case req.m == nil:
		aerr = &apiError{code: http.StatusNotFound, desc: "Not Found", violation: true}
	case req.m.Name == "getUpdates":
		aerr = badRequest("getUpdates can't be an answer to a webhook")
	default:
		name = req.m.Name
		_, aerr = s.handle(req)
	}
	status := http.StatusOK
	if aerr != nil {
		status = aerr.code
		aerr.violation = true // nobody would learn of the error: the bot's mistake
	}
	s.finish(len(s.calls)-1, name, req, status, aerr, at)
}

// handle validates and runs a call; s.mu is held.
func (s *Server) handle(req *request) (any, *apiError) {
	if err := s.prepare(req); err != nil {
		return nil, err
	}
	switch req.m.Name {
	case "getMe":
		return s.botUser(), nil
	case "getWebhookInfo":
		return map[string]any{"url": s.hookURL, "has_custom_certificate": false, "pending_update_count": len(s.queue)}, nil
	case "setWebhook", "deleteWebhook":
		return s.setWebhook(req)
	case "answerPreCheckoutQuery":
		return s.answerPreCheckout(req)
	case "answerCallbackQuery":
		id := req.params["callback_query_id"]
		if answered, ok := s.callbacks[id]; !ok || answered {
			return nil, badRequest("query is too old and response timeout expired or query ID is invalid")
		}
		s.callbacks[id] = true
		return true, nil
	case "editMessageText", "editMessageCaption", "editMessageReplyMarkup":
		return s.edit(req)
	case "deleteMessage":
		c := s.chat(req.chat)
		id, _ := strconv.Atoi(req.params["message_id"])
		i := slices.IndexFunc(c.msgs, func(m *message) bool { return m.id == id })
		if i < 0 {
			return nil, badRequest("message to delete not found")
		}
		c.msgs = slices.Delete(c.msgs, i, i+1)
		return true, nil
	case "copyMessage", "forwardMessage":
		return s.copy(req)
	}
	returns := req.m.Returns
	switch {
	case strings.HasPrefix(req.m.Name, "send") && slices.Contains(returns, "Message") && req.hasChat:
		return s.messageJSON(req.chat, s.newMessage(req)), nil
	case slices.Contains(returns, "Message") && req.hasChat:
		id, _ := strconv.Atoi(req.params["message_id"])
		if m := s.find(req.chat, id); m != nil {
			return s.messageJSON(req.chat, m), nil
		}
		return map[string]any{"message_id": id, "date": s.now().Unix(), "chat": chatJSON(req.chat)}, nil
	case len(returns) == 0 || returns[0] == "Boolean":
		return true, nil
	case returns[0] == "Integer":
		return 0, nil
	case returns[0] == "String":
		return "", nil
	case strings.HasPrefix(returns[0], "Array of "):
		return []any{}, nil
	}
	return map[string]any{}, nil
}

// prepare validates a call against api.json and the documented limits, then
// applies injected faults and blocks; s.mu is held.
func (s *Server) prepare(req *request) *apiError {
	if err := s.validate(req); err != nil {
		return err
	}
	if err := s.checkLimits(req); err != nil {
		return err
	}
	if v, ok := req.params["chat_id"]; ok && req.m.byName["chat_id"] != nil {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return badRequest("chat not found")
		}
		req.chat, req.hasChat = id, true
	}
	for _, f := range s.faults {
		if f.left > 0 && (f.method == req.m.Name || f.method == "" && req.m.Name != "getUpdates") {
			f.left--
			return faultError(f)
		}
	}
	if req.hasChat && s.chat(req.chat).blocked {
		return &apiError{code: http.StatusForbidden, desc: "Forbidden: bot was blocked by the user"}
	}
	return nil
}

func faultError(f *fault) *apiError {
	e := &apiError{code: f.code}
	switch f.code {
	case http.StatusTooManyRequests:
		e.desc, e.retryAfter = fmt.Sprintf("Too Many Requests: retry after %d", f.retryAfter), f.retryAfter
	case http.StatusForbidden:
		e.desc = "Forbidden: bot was blocked by the user"
	case http.StatusBadRequest:
		e.desc = "Bad Request: injected failure"
	default:
		e.desc = http.StatusText(f.code)
	}
	return e
}

// validate checks the call's fields against the method's description.
func (s *Server) validate(req *request) *apiError {
	m := req.m
	for _, name := range slices.Sorted(maps.Keys(req.params)) {
		f := m.byName[name]
		if f == nil {
			return badRequest("method %s has no parameter %q", m.Name, name)
		}
		if !utf8.ValidString(req.params[name]) {
			return badRequest("strings must be encoded in UTF-8")
		}
		if err := s.checkParam(f, req.params[name]); err != nil {
			return badRequest("%v", err)
		}
	}
	attached := map[string]bool{}
	for _, v := range req.params {
		if !strings.Contains(v, "attach://") {
			continue
		}
		for _, part := range strings.Split(v, "attach://")[1:] {
			end := strings.IndexAny(part, "\"', ]}")
			if end < 0 {
				end = len(part)
			}
			attached[part[:end]] = true
		}
	}
	for _, name := range slices.Sorted(maps.Keys(req.files)) {
		f := m.byName[name]
		switch {
		case f != nil && !slices.Contains(f.Types, "InputFile"):
			return badRequest("parameter %q can't be a file", name)
		case f == nil && !attached[name]:
			return badRequest("method %s has no parameter %q and no attach://%s refers to the file", m.Name, name, name)
		}
	}
	for _, f := range m.Fields {
		_, isParam := req.params[f.Name]
		_, isFile := req.files[f.Name]
		if f.Required && !isParam && !isFile {
			if f.Name == "text" {
				return badRequest("message text is empty")
			}
			return badRequest("%s is empty", f.Name)
		}
	}
	return nil
}

// sendPrefixes name the methods that count as sends in the rate measures.
var sendPrefixes = []string{"send", "edit", "copy", "forward"}

func isSend(method string) bool {
	if method == "sendChatAction" {
		return false
	}
	for _, p := range sendPrefixes {
		if strings.HasPrefix(method, p) {
			return true
		}
	}
	return false
}

// chat returns the state of a chat, creating it; s.mu is held.
func (s *Server) chat(id int64) *chat {
	c := s.chats[id]
	if c == nil {
		c = &chat{}
		s.chats[id] = c
	}
	return c
}

// find returns a message of a chat or nil; s.mu is held.
func (s *Server) find(chatID int64, id int) *message {
	c := s.chats[chatID]
	if c == nil {
		return nil
	}
	for _, m := range c.msgs {
		if m.id == id {
			return m
		}
	}
	return nil
}

// notify wakes every waiter; s.mu is held.
func (s *Server) notify() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// newID returns a fresh number for ids; s.mu is held.
func (s *Server) newID() int {
	s.lastID++
	return s.lastID
}

// readParams reads the call's parameters from the query string and from a
// multipart, URL-encoded or JSON body.
// jsonParams are the parameters of a JSON body: strings as they are,
// other values as their JSON, as Telegram reads them.
func jsonParams(obj map[string]json.RawMessage) map[string]string {
	params := map[string]string{}
	for k, v := range obj {
		var str string
		switch {
		case string(v) == "null":
		case json.Unmarshal(v, &str) == nil:
			params[k] = str
		default:
			params[k] = string(v)
		}
	}
	return params
}

func readParams(r *http.Request) (map[string]string, map[string][]byte, error) {
	params := map[string]string{}
	files := map[string][]byte{}
	for k, v := range r.URL.Query() {
		params[k] = v[len(v)-1]
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return params, files, fmt.Errorf("read body: %w", err)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return params, files, nil
	}
	ct, ctParams, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "multipart/form-data":
		mr := multipart.NewReader(bytes.NewReader(body), ctParams["boundary"])
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				return params, files, nil
			}
			if err != nil {
				return params, files, fmt.Errorf("read multipart body: %w", err)
			}
			data, err := io.ReadAll(p)
			if err != nil {
				return params, files, fmt.Errorf("read multipart body: %w", err)
			}
			_, disp, _ := mime.ParseMediaType(p.Header.Get("Content-Disposition"))
			if _, isFile := disp["filename"]; isFile {
				files[p.FormName()] = data
			} else {
				params[p.FormName()] = string(data)
			}
		}
	case "application/x-www-form-urlencoded":
		q, err := url.ParseQuery(string(body))
		if err != nil {
			return params, files, fmt.Errorf("read form body: %w", err)
		}
		for k, v := range q {
			params[k] = v[len(v)-1]
		}
	case "application/json":
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(body, &obj); err != nil {
			return params, files, fmt.Errorf("read JSON body: %w", err)
		}
		maps.Copy(params, jsonParams(obj))
	default:
		return params, files, fmt.Errorf("unsupported Content-Type %q", ct)
	}
	return params, files, nil
}
