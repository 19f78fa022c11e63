// Package stripe takes payments with Stripe Checkout
// (https://docs.stripe.com/api/checkout/sessions): a Checkout Session is
// the payment page, its id the payment id. Requests are form-encoded with
// the secret key as a Bearer token and carry an Idempotency-Key. The
// webhook verifies the Stripe-Signature header and then reads the session
// back from the API.
package stripe

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"omnicart/payments"
	"omnicart/shop"
)

// DefaultAPIURL is Stripe's API.
const DefaultAPIURL = "https://api.stripe.com"

// Options configure a Provider.
type Options struct {
	SecretKey     string
	WebhookSecret string // whsec_...: signs the webhook's events
	APIURL        string // default DefaultAPIURL
	// SuccessURL and CancelURL are where Stripe's page sends the shopper
	// after paying or giving up.
	SuccessURL, CancelURL string
	HTTP                  *http.Client // default: a 20s timeout
	Now                   func() time.Time
}

// Provider is the "stripe" method.
type Provider struct {
	opt Options
}

// New returns the provider; SecretKey and WebhookSecret are required.
func New(opt Options) (*Provider, error) {
	if opt.SecretKey == "" || opt.WebhookSecret == "" {
		return nil, errors.New("stripe: secret_key and webhook_secret are required")
	}
	if opt.APIURL == "" {
		opt.APIURL = DefaultAPIURL
	}
	opt.APIURL = strings.TrimSuffix(opt.APIURL, "/")
	if opt.HTTP == nil {
		opt.HTTP = &http.Client{Timeout: 20 * time.Second}
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	return &Provider{opt: opt}, nil
}

// Name returns "stripe".
func (*Provider) Name() string { return payments.MethodStripe }

// session is a Checkout Session, as far as the shop reads it.
type session struct {
	ID                string            `json:"id"`
	Object            string            `json:"object"`
	URL               string            `json:"url"`
	Status            string            `json:"status"`         // open, complete, expired
	PaymentStatus     string            `json:"payment_status"` // paid, unpaid, no_payment_required
	AmountTotal       int64             `json:"amount_total"`
	Currency          string            `json:"currency"`
	ClientReferenceID string            `json:"client_reference_id"`
	Metadata          map[string]string `json:"metadata"`
	PaymentIntent     string            `json:"payment_intent"`
}

// APIError is an error answer of the API.
type APIError struct {
	Status  int
	Type    string `json:"type"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *APIError) Error() string {
	return fmt.Sprintf("stripe: %d %s %s: %s", e.Status, e.Type, e.Code, e.Message)
}

func (p *Provider) do(ctx context.Context, method, path, key string, form url.Values, out any) error {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, p.opt.APIURL+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+p.opt.SecretKey)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	return payments.CallJSON(p.opt.HTTP, req, "stripe "+method+" "+path, out, func(status int, data []byte) error {
		var e struct {
			Error APIError `json:"error"`
		}
		_ = json.Unmarshal(data, &e)
		e.Error.Status = status
		return &e.Error
	})
}

// Charge creates a Checkout Session for o (the same one again for the same
// order and amount: the Idempotency-Key is derived from them).
func (p *Provider) Charge(ctx context.Context, o shop.Order) (payments.Payment, error) {
	if o.Total.Minor <= 0 {
		return payments.Payment{}, fmt.Errorf("stripe charge %s: nothing to pay: %w", o.ID, payments.ErrDeclined)
	}
	units, err := o.Total.UnitAmount() // Stripe counts yen as yen, dinars in fils
	if err != nil {
		return payments.Payment{}, fmt.Errorf("stripe charge %s: %v: %w", o.ID, err, payments.ErrDeclined)
	}
	f := url.Values{}
	f.Set("mode", "payment")
	f.Set("success_url", p.opt.SuccessURL)
	if p.opt.CancelURL != "" {
		f.Set("cancel_url", p.opt.CancelURL)
	}
	f.Set("client_reference_id", o.ID)
	f.Set("metadata[order_id]", o.ID)
	f.Set("payment_intent_data[metadata][order_id]", o.ID)
	f.Set("line_items[0][quantity]", "1")
	f.Set("line_items[0][price_data][currency]", strings.ToLower(o.Total.Currency))
	f.Set("line_items[0][price_data][unit_amount]", strconv.FormatInt(units, 10))
	f.Set("line_items[0][price_data][product_data][name]", "Order "+strconv.FormatInt(o.Number, 10))
	var s session
	if err := p.do(ctx, http.MethodPost, "/v1/checkout/sessions", payments.IdempotencyKey(payments.MethodStripe, o), f, &s); err != nil {
		return payments.Payment{}, fmt.Errorf("stripe charge %s: %w", o.ID, err)
	}
	out := convert(s)
	if out.Status == payments.Pending && out.URL == "" {
		return payments.Payment{}, fmt.Errorf("stripe charge %s: session %s has no url", o.ID, s.ID)
	}
	return out, nil
}

func convert(s session) payments.Payment {
	order := s.Metadata["order_id"]
	if order == "" {
		order = s.ClientReferenceID
	}
	out := payments.Payment{ID: s.ID, OrderID: order, URL: s.URL, Provider: payments.MethodStripe,
		Amount: shop.ProviderMoney(s.AmountTotal, s.Currency)}
	switch {
	case s.PaymentStatus == "paid":
		out.Status = payments.Succeeded
	case s.Status == "expired":
		out.Status = payments.Canceled
	default:
		out.Status = payments.Pending
	}
	return out
}

func (p *Provider) session(ctx context.Context, id string) (session, error) {
	if !strings.HasPrefix(id, "cs_") || strings.ContainsAny(id, "/?#%") {
		return session{}, fmt.Errorf("stripe: bad session id %q: %w", id, payments.ErrNotFound)
	}
	var s session
	err := p.do(ctx, http.MethodGet, "/v1/checkout/sessions/"+url.PathEscape(id), "", nil, &s)
	return s, err
}

// Payment reads Checkout Session id from the API.
func (p *Provider) Payment(ctx context.Context, id string) (payments.Payment, error) {
	s, err := p.session(ctx, id)
	if err != nil {
		return payments.Payment{}, fmt.Errorf("stripe payment %s: %w", id, err)
	}
	return convert(s), nil
}

// Refund returns amount of the payment of Checkout Session id; key is sent
// as Idempotency-Key.
func (p *Provider) Refund(ctx context.Context, id string, amount shop.Money, key string) error {
	s, err := p.session(ctx, id)
	if err != nil {
		return fmt.Errorf("stripe refund %s: %w", id, err)
	}
	if s.PaymentIntent == "" {
		return fmt.Errorf("stripe refund %s: the session has no payment", id)
	}
	f := url.Values{}
	f.Set("payment_intent", s.PaymentIntent)
	units, err := amount.UnitAmount()
	if err != nil {
		return fmt.Errorf("stripe refund %s: %w", id, err)
	}
	f.Set("amount", strconv.FormatInt(units, 10))
	var r struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	}
	if err := p.do(ctx, http.MethodPost, "/v1/refunds", key, f, &r); err != nil {
		return fmt.Errorf("stripe refund %s: %w", id, err)
	}
	if r.Status == "failed" || r.Status == "canceled" {
		return fmt.Errorf("stripe refund %s: %s: %w", id, r.Status, payments.ErrDeclined)
	}
	return nil
}

var (
	_ payments.Provider = (*Provider)(nil)
	_ payments.Refunder = (*Provider)(nil)
)
