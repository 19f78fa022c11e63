package tgtest

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"
)

// Telegram Payments: sendInvoice shows an invoice in the chat (Sent.Invoice),
// UserPreCheckout makes the pre_checkout_query Telegram sends when the user
// taps Pay, answerPreCheckoutQuery must answer it within 10 seconds
// (PreCheckoutAnswer reads the answer), and UserPaid delivers the
// successful_payment message. Updates are checked against api.json's
// PreCheckoutQuery and Message types before they are queued.

// preCheckoutLimit is how long Telegram waits for answerPreCheckoutQuery.
const preCheckoutLimit = 10 * time.Second

// Invoice is an invoice the bot sent, as the user sees it.
type Invoice struct {
	Title, Description, Payload, Currency, ProviderToken string
	Total                                                int64 // the sum of its prices, in minor units
}

// PreCheckout is the answer to a pre-checkout query.
type PreCheckout struct {
	Answered bool
	OK       bool
	Error    string        // error_message, when not OK
	After    time.Duration // how long the bot took to answer
}

type preCheckout struct {
	at     time.Time
	answer PreCheckout
}

// checkInvoice checks sendInvoice's documented limits; s.mu is held.
func checkInvoice(p map[string]string) (*Invoice, *apiError) {
	inv := &Invoice{Title: p["title"], Description: p["description"], Payload: p["payload"],
		Currency: p["currency"], ProviderToken: p["provider_token"]}
	switch {
	case utf8.RuneCountInString(inv.Title) < 1 || utf8.RuneCountInString(inv.Title) > 32:
		return nil, badRequest("INVOICE_TITLE_INVALID: title must be 1-32 characters")
	case utf8.RuneCountInString(inv.Description) < 1 || utf8.RuneCountInString(inv.Description) > 255:
		return nil, badRequest("INVOICE_DESCRIPTION_INVALID: description must be 1-255 characters")
	case len(inv.Payload) < 1 || len(inv.Payload) > 128:
		return nil, badRequest("INVOICE_PAYLOAD_INVALID: payload must be 1-128 bytes")
	case len(inv.Currency) != 3:
		return nil, badRequest("CURRENCY_INVALID")
	case inv.Currency != "XTR" && inv.ProviderToken == "":
		return nil, badRequest("PAYMENT_PROVIDER_INVALID: a provider token is needed for %s", inv.Currency)
	}
	var prices []struct {
		Label  string `json:"label"`
		Amount int64  `json:"amount"`
	}
	if err := json.Unmarshal([]byte(p["prices"]), &prices); err != nil || len(prices) == 0 {
		return nil, badRequest("can't parse prices JSON array")
	}
	for _, pr := range prices {
		if pr.Label == "" {
			return nil, badRequest("price label is empty")
		}
		inv.Total += pr.Amount
	}
	if inv.Total <= 0 {
		return nil, badRequest("CURRENCY_TOTAL_AMOUNT_INVALID")
	}
	return inv, nil
}

// answerPreCheckout runs answerPreCheckoutQuery; s.mu is held.
func (s *Server) answerPreCheckout(req *request) (any, *apiError) {
	id := req.params["pre_checkout_query_id"]
	q, ok := s.preCheckouts[id]
	switch {
	case !ok || q.answer.Answered:
		return nil, badRequest("QUERY_ID_INVALID: query is too old and response timeout expired or query ID is invalid")
	case s.now().Sub(q.at) > preCheckoutLimit:
		return nil, badRequest("query is too old and response timeout expired or query ID is invalid")
	}
	okv, _ := strconv.ParseBool(req.params["ok"])
	if !okv && req.params["error_message"] == "" {
		return nil, badRequest("error_message is required when ok is False")
	}
	q.answer = PreCheckout{Answered: true, OK: okv, Error: req.params["error_message"], After: s.now().Sub(q.at)}
	return true, nil
}

// UserPreCheckout sends the pre_checkout_query of the user of a private
// chat tapping Pay on an invoice with payload, for total minor units of
// currency, and returns the query's id.
func (s *Server) UserPreCheckout(chatID int64, payload, currency string, total int64) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := strconv.Itoa(2_000_000 + s.newID())
	if s.preCheckouts == nil {
		s.preCheckouts = map[string]*preCheckout{}
	}
	s.preCheckouts[id] = &preCheckout{at: s.now()}
	q := map[string]any{"id": id, "from": userJSON(chatID, "en"), "currency": currency,
		"total_amount": total, "invoice_payload": payload}
	s.checkUpdate("PreCheckoutQuery", q)
	s.enqueue(-1, chatID, map[string]any{"pre_checkout_query": q})
	return id
}

// PreCheckoutAnswer returns the bot's answer to query id so far.
func (s *Server) PreCheckoutAnswer(id string) PreCheckout {
	s.mu.Lock()
	defer s.mu.Unlock()
	if q := s.preCheckouts[id]; q != nil {
		return q.answer
	}
	return PreCheckout{}
}

// UserPaid delivers the service message of a successful payment in a
// private chat and returns its telegram_payment_charge_id.
func (s *Server) UserPaid(chatID int64, payload, currency string, total int64) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	charge := fmt.Sprintf("tgtest-charge-%d", s.newID())
	msg := s.userMessage(chatID, "", "")
	msg["successful_payment"] = map[string]any{"currency": currency, "total_amount": total, "invoice_payload": payload,
		"telegram_payment_charge_id": charge, "provider_payment_charge_id": "provider-" + charge}
	s.checkUpdate("Message", msg)
	s.enqueue(-1, chatID, map[string]any{"message": msg})
	return charge
}

// checkUpdate fails the test when an update the fake makes does not match
// api.json (a bug of the fake, not of the bot); s.mu is held.
func (s *Server) checkUpdate(typ string, v map[string]any) {
	raw, _ := json.Marshal(v)
	dv, err := decodeJSON(string(raw))
	if err == nil {
		err = s.spec.checkJSON(typ, dv, typ)
	}
	if err == nil && !s.spec.hasRequired(typ, dv) {
		err = fmt.Errorf("%s lacks a required field", typ)
	}
	if err != nil {
		s.t.Errorf("tgtest: the fake made an invalid %s: %v", typ, err)
	}
}
