// Package yktest is a fake of YooKassa's API v3 for tests: payments
// (create with an Idempotence-Key, read), refunds, HTTP Basic auth and
// YooKassa's error answers, after https://yookassa.ru/developers/api.
// Tests move payments with Succeed and Cancel, inject faults with FailNext
// and Delay, and read what the shop sent with Requests. Like YooKassa, the
// fake has a payment page (a redirect payment's confirmation_url, on the
// fake itself) and posts notifications to the shop's webhook (NotifyTo):
// a shopper paying on the page, or scanning an СБП code (Pay), makes the
// payment succeed and the notification arrive.
package yktest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"omnicart/shop"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// Request is one request the shop made.
type Request struct {
	Method, Path, IdempotenceKey string
	Body                         map[string]any
}

// Server is the fake API; URL is its api_url.
type Server struct {
	URL               string
	ShopID, SecretKey string

	t   testing.TB
	srv *httptest.Server

	mu       sync.Mutex
	payments map[string]map[string]any
	byKey    map[string]string // Idempotence-Key → payment or refund id
	refunds  map[string]map[string]any
	requests []Request
	fail     []int
	delay    time.Duration
	n        int
	notify   string            // the shop's webhook URL
	back     map[string]string // payment id → return_url
}

// New starts a fake with a shop id and secret key; it stops with the test.
func New(t testing.TB) *Server {
	s := &Server{ShopID: "123456", SecretKey: "test_secret", t: t,
		payments: map[string]map[string]any{}, back: map[string]string{}, byKey: map[string]string{}, refunds: map[string]map[string]any{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/v3/", s.serve)
	mux.HandleFunc("GET "+pagePath, s.page)
	mux.HandleFunc("POST "+pagePath, s.pay)
	s.srv = httptest.NewServer(mux)
	s.URL = s.srv.URL + "/v3"
	t.Cleanup(s.srv.Close)
	return s
}

// Requests returns the requests made so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// FailNext answers the next requests with these HTTP statuses.
func (s *Server) FailNext(codes ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = append(s.fail, codes...)
}

// Delay makes every answer wait d (to test the client's timeouts).
func (s *Server) Delay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// Payment returns a copy of payment id, or nil.
func (s *Server) Payment(id string) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.payments[id]
	if p == nil {
		return nil
	}
	out := map[string]any{}
	for k, v := range p {
		out[k] = v
	}
	return out
}

// Payments returns the ids of the payments made, oldest first.
func (s *Server) Payments() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []string
	for i := 1; i <= s.n; i++ {
		if _, ok := s.payments[fmt.Sprintf("2f0e%04d-000f-5000-8000-000000000000", i)]; ok {
			ids = append(ids, fmt.Sprintf("2f0e%04d-000f-5000-8000-000000000000", i))
		}
	}
	return ids
}

// Refunds returns the refunds made.
func (s *Server) Refunds() []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for _, r := range s.refunds {
		out = append(out, r)
	}
	return out
}

// Succeed makes payment id succeeded (the shopper paid).
func (s *Server) Succeed(id string) { s.set(id, "succeeded", true) }

// Cancel makes payment id canceled.
func (s *Server) Cancel(id string) { s.set(id, "canceled", false) }

func (s *Server) set(id, status string, paid bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.payments[id]
	if p == nil {
		s.t.Errorf("yktest: no payment %s", id)
		return
	}
	p["status"], p["paid"] = status, paid
	if status != "pending" {
		delete(p, "confirmation")
	}
}

// pagePath is the fake's payment page; ?orderId= names the payment, as
// in YooKassa's confirmation_url.
const pagePath = "/checkout/payments/v2/contract"

// NotifyTo makes the fake post its notifications (payment.succeeded,
// payment.canceled) to url, the shop's webhook, as YooKassa does for the
// URL set in the shop's personal account.
func (s *Server) NotifyTo(url string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.notify = url
}

// Pay is the shopper paying payment id, on its page or by scanning its
// СБП code: the payment succeeds and its payment.succeeded notification
// is posted to the NotifyTo URL. It returns the webhook's HTTP status (0
// without a NotifyTo URL).
func (s *Server) Pay(id string) int {
	s.Succeed(id)
	return s.Notify("payment.succeeded", id)
}

// Notify posts the notification of event about payment id, with the
// payment as the fake knows it, to the NotifyTo URL and returns the HTTP
// status of the answer (0 without a URL). Posting it again is a
// duplicate, as YooKassa sends until it gets a 200.
func (s *Server) Notify(event, id string) int {
	s.mu.Lock()
	url, p := s.notify, s.payments[id]
	var body []byte
	if p != nil {
		body = Notification(event, id, p)
	}
	s.mu.Unlock()
	if url == "" || body == nil {
		return 0
	}
	resp, err := http.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		s.t.Errorf("yktest: notification to %s: %v", url, err)
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// page shows the payment page of ?orderId=: the amount and a Pay button.
func (s *Server) page(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("orderId")
	p := s.Payment(id)
	if p == nil {
		http.NotFound(w, r)
		return
	}
	amount, _ := p["amount"].(map[string]any)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprintf(w, `<!doctype html><title>YooKassa (fake)</title><p>%s %s<form method="post"><button>Pay</button></form>`,
		html.EscapeString(fmt.Sprint(amount["value"])), html.EscapeString(fmt.Sprint(amount["currency"])))
}

// pay is the Pay button of the page: the payment succeeds, the shop is
// notified and the shopper goes back to the shop's return_url.
func (s *Server) pay(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("orderId")
	s.mu.Lock()
	p, back := s.payments[id], s.back[id]
	s.mu.Unlock()
	if p == nil {
		http.NotFound(w, r)
		return
	}
	s.Pay(id)
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// Notification is the body YooKassa posts for event about payment id.
func Notification(event, id string, object map[string]any) []byte {
	obj := map[string]any{"id": id}
	for k, v := range object {
		obj[k] = v
	}
	b, _ := json.Marshal(map[string]any{"type": "notification", "event": event, "object": obj})
	return b
}

var amountRE = regexp.MustCompile(`^[0-9]+\.[0-9]{2}$`)

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	delay := s.delay
	var fail int
	if len(s.fail) > 0 {
		fail, s.fail = s.fail[0], s.fail[1:]
	}
	s.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}
	var body map[string]any
	if r.Method == http.MethodPost {
		if r.Header.Get("Content-Type") != "application/json" {
			apiError(w, 400, "invalid_request", "Content-Type must be application/json")
			return
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			apiError(w, 400, "invalid_request", "bad JSON")
			return
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key := r.Header.Get("Idempotence-Key")
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, IdempotenceKey: key, Body: body})
	if fail != 0 {
		apiError(w, fail, "internal_server_error", "injected fault")
		return
	}
	if user, pass, ok := r.BasicAuth(); !ok || user != s.ShopID || pass != s.SecretKey {
		apiError(w, 401, "invalid_credentials", "Login or password is incorrect")
		return
	}
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/v3/payments":
		s.create(w, key, body)
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/v3/payments/"):
		p := s.payments[strings.TrimPrefix(r.URL.Path, "/v3/payments/")]
		if p == nil {
			apiError(w, 404, "not_found", "Payment not found")
			return
		}
		writeJSON(w, p)
	case r.Method == http.MethodPost && r.URL.Path == "/v3/refunds":
		s.refund(w, key, body)
	default:
		apiError(w, 404, "not_found", "Not found")
	}
}

func (s *Server) create(w http.ResponseWriter, key string, body map[string]any) {
	if key == "" || len(key) > 64 {
		apiError(w, 400, "invalid_request", "Idempotence-Key header is required (up to 64 characters)")
		return
	}
	if id, ok := s.byKey[key]; ok {
		writeJSON(w, s.payments[id])
		return
	}
	amount, _ := body["amount"].(map[string]any)
	value, _ := amount["value"].(string)
	if !amountRE.MatchString(value) || amount["currency"] == "" {
		apiError(w, 400, "invalid_request", "amount.value must be like 10.00")
		return
	}
	if d, _ := body["description"].(string); len([]rune(d)) > 128 {
		apiError(w, 400, "invalid_request", "description is longer than 128")
		return
	}
	conf, _ := body["confirmation"].(map[string]any)
	s.n++
	id := fmt.Sprintf("2f0e%04d-000f-5000-8000-000000000000", s.n)
	p := map[string]any{"id": id, "status": "pending", "paid": false, "amount": amount, "created_at": time.Now().UTC().Format(time.RFC3339),
		"metadata": body["metadata"], "description": body["description"], "test": true, "refundable": false}
	switch conf["type"] {
	case "redirect":
		if u, _ := conf["return_url"].(string); !strings.HasPrefix(u, "http") {
			apiError(w, 400, "invalid_request", "confirmation.return_url is required for redirect")
			return
		}
		p["confirmation"] = map[string]any{"type": "redirect", "confirmation_url": s.srv.URL + pagePath + "?orderId=" + id}
		s.back[id], _ = conf["return_url"].(string) // where the page sends the shopper
	case "qr":
		pm, _ := body["payment_method_data"].(map[string]any)
		if pm["type"] != "sbp" {
			apiError(w, 400, "invalid_request", "confirmation type qr needs payment_method_data.type sbp here")
			return
		}
		p["confirmation"] = map[string]any{"type": "qr", "confirmation_data": "https://qr.nspk.ru/AS10003P3RH0LJ2A9ROO038L6NT5RU1M?type=02&bank=000000000001&sum=" + value}
		p["payment_method"] = map[string]any{"type": "sbp", "id": id, "saved": false}
	default:
		apiError(w, 400, "invalid_request", "confirmation.type is required")
		return
	}
	s.payments[id] = p
	s.byKey[key] = id
	writeJSON(w, p)
}

func (s *Server) refund(w http.ResponseWriter, key string, body map[string]any) {
	if key == "" {
		apiError(w, 400, "invalid_request", "Idempotence-Key header is required")
		return
	}
	if id, ok := s.byKey[key]; ok {
		writeJSON(w, s.refunds[id])
		return
	}
	pid, _ := body["payment_id"].(string)
	p := s.payments[pid]
	if p == nil || p["status"] != "succeeded" {
		apiError(w, 400, "invalid_request", "payment cannot be refunded")
		return
	}
	amount, _ := body["amount"].(map[string]any)
	pa := p["amount"].(map[string]any)
	value, _ := amount["value"].(string)
	want, ok := minorUnits(value)
	paid, _ := minorUnits(pa["value"].(string))
	if !ok || want <= 0 || amount["currency"] != pa["currency"] {
		apiError(w, 400, "invalid_request", "refund amount must be a positive value in the payment's currency")
		return
	}
	// Refunds of a payment, parts included, add up to its amount at most.
	var before int64
	for _, r := range s.refunds {
		if r["payment_id"] == pid {
			v, _ := minorUnits(r["amount"].(map[string]any)["value"].(string))
			before += v
		}
	}
	if before+want > paid {
		apiError(w, 400, "invalid_request", "refund amount exceeds what is left of the payment")
		return
	}
	id := fmt.Sprintf("refund-%d", len(s.refunds)+1)
	r := map[string]any{"id": id, "payment_id": pid, "status": "succeeded", "amount": amount}
	s.refunds[id] = r
	s.byKey[key] = id
	writeJSON(w, r)
}

// minorUnits reads an amount as YooKassa writes it ("890.00").
func minorUnits(v string) (int64, bool) {
	m, err := shop.ParseMoney(v, "")
	return m.Minor, err == nil
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

func apiError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"type": "error", "id": "fake-error", "code": code, "description": desc})
}
