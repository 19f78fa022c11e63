// Package stripetest is a fake of Stripe's Checkout Sessions and Refunds
// API for tests (https://docs.stripe.com/api/checkout/sessions): Bearer
// auth with the secret key, form bodies, Idempotency-Key, Stripe's error
// shape. Like Stripe, it has a payment page (a session's url, on the fake
// itself) and posts signed events to the shop's webhook (NotifyTo): a
// shopper paying on the page (or Pay) makes the session paid and its
// checkout.session.completed event arrive.
package stripetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"omnicart/payments/stripe"
)

// Server is the fake API; URL is its api_url.
type Server struct {
	URL           string
	SecretKey     string // sk_test_...: the Bearer token the fake takes
	WebhookSecret string // whsec_...: signs the events it posts

	t   testing.TB
	srv *httptest.Server

	mu       sync.Mutex
	sessions map[string]map[string]any
	order    []string // session ids, oldest first
	byKey    map[string]string
	forms    []map[string]string // the create requests' forms
	keys     []string            // and their Idempotency-Keys
	refunds  int
	notify   string
	events   int
}

// New starts a fake; it stops with the test.
func New(t testing.TB) *Server {
	s := &Server{SecretKey: "sk_test_1", WebhookSecret: "whsec_test", t: t,
		sessions: map[string]map[string]any{}, byKey: map[string]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/", s.serve)
	mux.HandleFunc("GET /c/pay/{id}", s.page)
	mux.HandleFunc("POST /c/pay/{id}", s.payPage)
	s.srv = httptest.NewServer(mux)
	s.URL = s.srv.URL
	t.Cleanup(s.srv.Close)
	return s
}

// Forms returns the forms of the session create requests so far and their
// Idempotency-Keys.
func (s *Server) Forms() ([]map[string]string, []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]map[string]string(nil), s.forms...), append([]string(nil), s.keys...)
}

// Refunds returns how many refunds were made (one per Idempotency-Key).
func (s *Server) Refunds() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refunds
}

// Sessions returns the ids of the sessions made, oldest first.
func (s *Server) Sessions() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.order...)
}

// Session returns a copy of session id, or nil.
func (s *Server) Session(id string) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sessions[id] == nil {
		return nil
	}
	out := map[string]any{}
	for k, v := range s.sessions[id] {
		out[k] = v
	}
	return out
}

// Complete makes session id paid (the shopper paid), without an event.
func (s *Server) Complete(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ss := s.sessions[id]
	if ss == nil {
		s.t.Errorf("stripetest: no session %s", id)
		return
	}
	ss["payment_status"], ss["status"], ss["payment_intent"] = "paid", "complete", "pi_"+id
}

// NotifyTo makes the fake post its events to url, the shop's webhook
// endpoint, signed with WebhookSecret.
func (s *Server) NotifyTo(url string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.notify = url
}

// Pay is the shopper paying session id: it is paid and its
// checkout.session.completed event is posted. It returns the webhook's
// HTTP status (0 without a NotifyTo URL).
func (s *Server) Pay(id string) int {
	s.Complete(id)
	body := s.Event("checkout.session.completed", id)
	return s.Post(body, stripe.Sign(body, s.WebhookSecret, time.Now()))
}

// Event returns the body of a new event of type typ about session id,
// with the session as the fake knows it.
func (s *Server) Event(typ, id string) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.events++
	obj := map[string]any{"id": id, "object": "checkout.session"}
	for k, v := range s.sessions[id] {
		obj[k] = v
	}
	b, _ := json.Marshal(map[string]any{"id": fmt.Sprintf("evt_test_%d", s.events), "object": "event", "type": typ,
		"created": time.Now().Unix(), "data": map[string]any{"object": obj}})
	return b
}

// Post posts an event body with the Stripe-Signature header sig ("" for
// none) to the NotifyTo URL and returns the HTTP status of the answer.
func (s *Server) Post(body []byte, sig string) int {
	s.mu.Lock()
	url := s.notify
	s.mu.Unlock()
	if url == "" {
		return 0
	}
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		s.t.Errorf("stripetest: %v", err)
		return 0
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	if sig != "" {
		req.Header.Set("Stripe-Signature", sig)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Errorf("stripetest: event to %s: %v", url, err)
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

func (s *Server) page(w http.ResponseWriter, r *http.Request) {
	ss := s.Session(r.PathValue("id"))
	if ss == nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprintf(w, `<!doctype html><title>Stripe Checkout (fake)</title><p>%s %s<form method="post"><button>Pay</button></form>`,
		html.EscapeString(fmt.Sprint(ss["amount_total"])), html.EscapeString(fmt.Sprint(ss["currency"])))
}

// payPage is the page's Pay button: the session is paid, the event posted
// and the shopper sent to the session's success_url.
func (s *Server) payPage(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	ss := s.Session(id)
	if ss == nil {
		http.NotFound(w, r)
		return
	}
	s.Pay(id)
	back, _ := ss["success_url"].(string)
	http.Redirect(w, r, back, http.StatusSeeOther)
}

func stripeError(w http.ResponseWriter, code int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"type": typ, "message": msg}})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.Header.Get("Authorization") != "Bearer "+s.SecretKey {
		stripeError(w, 401, "invalid_request_error", "Invalid API Key provided")
		return
	}
	if r.Method == http.MethodPost && r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		stripeError(w, 400, "invalid_request_error", "Content-Type must be application/x-www-form-urlencoded")
		return
	}
	r.ParseForm()
	form := map[string]string{}
	for k, v := range r.PostForm {
		form[k] = v[0]
	}
	key := r.Header.Get("Idempotency-Key")
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/v1/checkout/sessions":
		s.forms, s.keys = append(s.forms, form), append(s.keys, key)
		if id, ok := s.byKey[key]; ok && key != "" {
			json.NewEncoder(w).Encode(s.sessions[id])
			return
		}
		if form["mode"] != "payment" || form["success_url"] == "" || form["line_items[0][price_data][unit_amount]"] == "" {
			stripeError(w, 400, "invalid_request_error", "Missing required param")
			return
		}
		id := fmt.Sprintf("cs_test_%c%d", 'a'+len(s.order)%26, len(s.order))
		amount := json.Number(form["line_items[0][price_data][unit_amount]"])
		ss := map[string]any{"id": id, "object": "checkout.session", "url": s.srv.URL + "/c/pay/" + id,
			"status": "open", "payment_status": "unpaid", "amount_total": amount, "currency": form["line_items[0][price_data][currency]"],
			"client_reference_id": form["client_reference_id"], "metadata": map[string]string{"order_id": form["metadata[order_id]"]},
			"payment_intent": nil, "success_url": form["success_url"]}
		s.sessions[id], s.byKey[key] = ss, id
		s.order = append(s.order, id)
		json.NewEncoder(w).Encode(ss)
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/v1/checkout/sessions/"):
		ss := s.sessions[strings.TrimPrefix(r.URL.Path, "/v1/checkout/sessions/")]
		if ss == nil {
			stripeError(w, 404, "invalid_request_error", "No such checkout.session")
			return
		}
		json.NewEncoder(w).Encode(ss)
	case r.Method == http.MethodPost && r.URL.Path == "/v1/refunds":
		if key == "" || form["payment_intent"] == "" {
			stripeError(w, 400, "invalid_request_error", "bad refund")
			return
		}
		if _, ok := s.byKey[key]; !ok {
			s.refunds++
			s.byKey[key] = "re"
		}
		json.NewEncoder(w).Encode(map[string]any{"id": "re_1", "object": "refund", "status": "succeeded"})
	default:
		stripeError(w, 404, "invalid_request_error", "Unrecognized request URL")
	}
}
