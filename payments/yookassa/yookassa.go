// Package yookassa takes payments through YooKassa's API v3
// (https://yookassa.ru/developers/api): a payment link to YooKassa's page
// (method "yookassa": bank card, SberPay, ...) and СБП (method "sbp"),
// whose confirmation is a QR code. Requests are authenticated with HTTP
// Basic auth (shop id, secret key) and carry an Idempotence-Key. The
// webhook (Webhook) never trusts a notification's body: it reads the
// payment back from the API and acts on what the API says.
package yookassa

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
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
	"omnicart/payments/qr"
	"omnicart/shop"
)

// DefaultAPIURL is YooKassa's API.
const DefaultAPIURL = "https://api.yookassa.ru/v3"

// Options configure a Client.
type Options struct {
	ShopID    string
	SecretKey string
	APIURL    string // default DefaultAPIURL
	// ReturnURL is where YooKassa's page sends the shopper after paying.
	ReturnURL string
	// HTTP makes the requests; default a client with a 20s timeout.
	HTTP *http.Client
}

// Client talks to YooKassa. Its Method values are the payment methods.
type Client struct {
	opt Options
}

// New returns a client; ShopID and SecretKey are required.
func New(opt Options) (*Client, error) {
	if opt.ShopID == "" || opt.SecretKey == "" {
		return nil, errors.New("yookassa: shop_id and secret_key are required")
	}
	if opt.APIURL == "" {
		opt.APIURL = DefaultAPIURL
	}
	opt.APIURL = strings.TrimSuffix(opt.APIURL, "/")
	if opt.HTTP == nil {
		opt.HTTP = &http.Client{Timeout: 20 * time.Second}
	}
	return &Client{opt: opt}, nil
}

// amount is YooKassa's money: a decimal string and a currency.
type amount struct {
	Value    string `json:"value"`
	Currency string `json:"currency"`
}

func toAmount(m shop.Money) amount {
	return amount{Value: fmt.Sprintf("%d.%02d", m.Minor/100, m.Minor%100), Currency: m.Currency}
}

func (a amount) money() (shop.Money, error) {
	whole, frac, _ := strings.Cut(a.Value, ".")
	if len(frac) > 2 || whole == "" {
		return shop.Money{}, fmt.Errorf("amount %q", a.Value)
	}
	for len(frac) < 2 {
		frac += "0"
	}
	w, err1 := strconv.ParseInt(whole, 10, 64)
	f, err2 := strconv.ParseInt(frac, 10, 64)
	if err1 != nil || err2 != nil || w < 0 || f < 0 {
		return shop.Money{}, fmt.Errorf("amount %q", a.Value)
	}
	return shop.Money{Minor: w*100 + f, Currency: a.Currency}, nil
}

// payment is YooKassa's payment object, as far as the shop reads it.
type payment struct {
	ID           string            `json:"id"`
	Status       string            `json:"status"` // pending, waiting_for_capture, succeeded, canceled
	Paid         bool              `json:"paid"`
	Amount       amount            `json:"amount"`
	Metadata     map[string]string `json:"metadata"`
	Confirmation *struct {
		Type             string `json:"type"`
		ConfirmationURL  string `json:"confirmation_url"`
		ConfirmationData string `json:"confirmation_data"`
	} `json:"confirmation"`
	PaymentMethod *struct {
		Type string `json:"type"`
	} `json:"payment_method"`
}

// APIError is an error answer of the API.
type APIError struct {
	Status      int    // HTTP status
	Code        string `json:"code"` // invalid_request, invalid_credentials, ...
	Description string `json:"description"`
}

func (e *APIError) Error() string {
	return fmt.Sprintf("yookassa: %d %s: %s", e.Status, e.Code, e.Description)
}

// do makes one API call; key, when set, is sent as Idempotence-Key.
func (c *Client) do(ctx context.Context, method, path, key string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.opt.APIURL+path, rd)
	if err != nil {
		return err
	}
	req.SetBasicAuth(c.opt.ShopID, c.opt.SecretKey)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Idempotence-Key", key)
	}
	return payments.CallJSON(c.opt.HTTP, req, "yookassa "+method+" "+path, out, func(status int, data []byte) error {
		e := &APIError{Status: status}
		_ = json.Unmarshal(data, e)
		return e
	})
}

// create makes a payment of o; sbp asks for the СБП method with a QR code.
func (c *Client) create(ctx context.Context, o shop.Order, sbp bool, key string) (payment, error) {
	body := map[string]any{
		"amount":      toAmount(o.Total),
		"capture":     true,
		"description": "Order " + strconv.FormatInt(o.Number, 10),
		"metadata":    map[string]string{"order_id": o.ID},
	}
	if sbp {
		body["payment_method_data"] = map[string]string{"type": "sbp"}
		body["confirmation"] = map[string]string{"type": "qr"}
	} else {
		body["confirmation"] = map[string]string{"type": "redirect", "return_url": c.opt.ReturnURL}
	}
	var p payment
	err := c.do(ctx, http.MethodPost, "/payments", key, body, &p)
	return p, err
}

// get reads a payment.
func (c *Client) get(ctx context.Context, id string) (payment, error) {
	if id == "" || strings.ContainsAny(id, "/?#%") {
		return payment{}, fmt.Errorf("yookassa: bad payment id %q: %w", id, payments.ErrNotFound)
	}
	var p payment
	err := c.do(ctx, http.MethodGet, "/payments/"+url.PathEscape(id), "", nil, &p)
	return p, err
}

// convert turns YooKassa's payment into the shop's.
func convert(p payment) (payments.Payment, error) {
	m, err := p.Amount.money()
	if err != nil {
		return payments.Payment{}, fmt.Errorf("yookassa payment %s: %w", p.ID, err)
	}
	out := payments.Payment{ID: p.ID, OrderID: p.Metadata["order_id"], Amount: m, Provider: payments.MethodYooKassa}
	switch p.Status {
	case "succeeded":
		out.Status = payments.Succeeded
	case "canceled":
		out.Status = payments.Canceled
	default: // pending, waiting_for_capture (capture is true: it turns succeeded by itself)
		out.Status = payments.Pending
	}
	if p.Confirmation != nil {
		out.URL = p.Confirmation.ConfirmationURL
		if p.Confirmation.Type == "qr" {
			out.URL = p.Confirmation.ConfirmationData
		}
	}
	return out, nil
}

// Refund returns amount of payment id; key is sent as Idempotence-Key.
func (c *Client) Refund(ctx context.Context, id string, m shop.Money, key string) error {
	var r struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	}
	err := c.do(ctx, http.MethodPost, "/refunds", key, map[string]any{"payment_id": id, "amount": toAmount(m)}, &r)
	if err != nil {
		return fmt.Errorf("yookassa refund %s: %w", id, err)
	}
	if r.Status == "canceled" {
		return fmt.Errorf("yookassa refund %s: canceled: %w", id, payments.ErrDeclined)
	}
	return nil
}

// Payment reads payment id from the API.
func (c *Client) Payment(ctx context.Context, id string) (payments.Payment, error) {
	p, err := c.get(ctx, id)
	if err != nil {
		return payments.Payment{}, fmt.Errorf("yookassa payment %s: %w", id, err)
	}
	return convert(p)
}

// Method is one of YooKassa's methods as a payments.Provider.
type Method struct {
	c   *Client
	sbp bool
}

// Link is the payment-link method "yookassa".
func (c *Client) Link() *Method { return &Method{c: c} }

// SBP is the СБП method "sbp": its payments carry a QR code.
func (c *Client) SBP() *Method { return &Method{c: c, sbp: true} }

// Name returns "yookassa" or "sbp".
func (m *Method) Name() string {
	if m.sbp {
		return payments.MethodSBP
	}
	return payments.MethodYooKassa
}

// maxAttempts bounds the payments one Charge goes through: a cancelled
// payment (declined, or left unpaid) is followed by a new one.
const maxAttempts = 8

// Charge creates the payment (the same one again for the same order and
// amount: the Idempotence-Key is derived from them). When that payment was
// cancelled (the card declined, the page left: the shopper is trying
// again), the next attempt is a new payment whose key names the cancelled
// one, so a retried request still makes no second payment. An СБП payment
// carries its QR code as a PNG and the link behind it.
func (m *Method) Charge(ctx context.Context, o shop.Order) (payments.Payment, error) {
	if o.Total.Minor <= 0 {
		return payments.Payment{}, fmt.Errorf("yookassa charge %s: nothing to pay: %w", o.ID, payments.ErrDeclined)
	}
	base := payments.IdempotencyKey(m.Name(), o)
	key := base
	var out payments.Payment
	for range maxAttempts {
		p, err := m.c.create(ctx, o, m.sbp, key)
		if err != nil {
			return payments.Payment{}, fmt.Errorf("yookassa charge %s: %w", o.ID, err)
		}
		if out, err = convert(p); err != nil {
			return payments.Payment{}, err
		}
		if out.Status != payments.Canceled {
			break
		}
		sum := sha256.Sum256([]byte(base + "|" + p.ID)) // YooKassa takes keys of up to 64 characters
		key = "omnicart-" + m.Name() + "-" + hex.EncodeToString(sum[:12])
	}
	if out.Status == payments.Canceled {
		return out, fmt.Errorf("yookassa charge %s: payment %s canceled: %w", o.ID, out.ID, payments.ErrDeclined)
	}
	if out.URL == "" && out.Status == payments.Pending {
		return payments.Payment{}, fmt.Errorf("yookassa charge %s: payment %s has no confirmation", o.ID, out.ID)
	}
	if m.sbp && out.URL != "" {
		var err error
		if out.QR, err = qr.PNG(out.URL); err != nil {
			return payments.Payment{}, fmt.Errorf("yookassa charge %s: %w", o.ID, err)
		}
	}
	return out, nil
}

// Payment reads payment id from the API.
func (m *Method) Payment(ctx context.Context, id string) (payments.Payment, error) {
	return m.c.Payment(ctx, id)
}

// Refund returns amount of payment id.
func (m *Method) Refund(ctx context.Context, id string, amount shop.Money, key string) error {
	return m.c.Refund(ctx, id, amount, key)
}

var (
	_ payments.Provider = (*Method)(nil)
	_ payments.Refunder = (*Method)(nil)
	_ payments.Refunder = (*Client)(nil)
)
