package stripe

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"omnicart/payments"
	"omnicart/payments/settle"
)

// Settler takes the payments the API confirmed; *settle.Settler is one.
type Settler interface {
	Paid(ctx context.Context, p settle.Payment) (settle.Outcome, error)
	Failed(ctx context.Context, provider, paymentID, orderID string) error
}

// Tolerance is how old a signed event may be: older ones are refused as
// replays.
const Tolerance = 5 * time.Minute

// maxEvent bounds an event's body.
const maxEvent = 256 << 10

// ErrSignature is returned by Verify for a missing, malformed, wrong or
// stale Stripe-Signature.
var ErrSignature = errors.New("stripe: bad signature")

// Verify checks the Stripe-Signature header of body: "t=<unix>,v1=<hex>"
// where v1 is HMAC-SHA256 of "<t>.<body>" with secret, and t is within
// Tolerance of now.
func Verify(body []byte, header, secret string, now time.Time) error {
	var ts int64 = -1
	var sigs [][]byte
	for _, part := range strings.Split(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		switch k {
		case "t":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return fmt.Errorf("%w: timestamp %q", ErrSignature, v)
			}
			ts = n
		case "v1":
			if b, err := hex.DecodeString(v); err == nil {
				sigs = append(sigs, b)
			}
		}
	}
	if ts < 0 || len(sigs) == 0 {
		return fmt.Errorf("%w: no timestamp or v1 signature", ErrSignature)
	}
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "%d.", ts)
	mac.Write(body)
	want := mac.Sum(nil)
	ok := false
	for _, s := range sigs {
		ok = ok || hmac.Equal(s, want)
	}
	if !ok {
		return fmt.Errorf("%w: no signature matches", ErrSignature)
	}
	if age := now.Sub(time.Unix(ts, 0)); age > Tolerance || age < -Tolerance {
		return fmt.Errorf("%w: timestamp %s off by %s (replayed?)", ErrSignature, time.Unix(ts, 0).UTC().Format(time.RFC3339), age.Round(time.Second))
	}
	return nil
}

// Sign returns a Stripe-Signature header for body at t, as Stripe makes
// it (for tests and fakes).
func Sign(body []byte, secret string, t time.Time) string {
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "%d.", t.Unix())
	mac.Write(body)
	return fmt.Sprintf("t=%d,v1=%s", t.Unix(), hex.EncodeToString(mac.Sum(nil)))
}

// event is the part of a Stripe event the shop reads.
type event struct {
	ID   string `json:"id"`
	Type string `json:"type"`
	Data struct {
		Object struct {
			ID     string `json:"id"`
			Object string `json:"object"`
		} `json:"object"`
	} `json:"data"`
}

// Webhook handles Stripe's events (POST /payments/stripe). An event
// without a valid, fresh signature is refused with 400 and changes
// nothing. A checkout.session event then has its session read back from
// the API: a paid session marks its order paid (once), an expired one
// tells the waiting conversation. An unknown order or a wrong amount
// changes nothing and is logged. When the API cannot be reached the answer
// is 503 and Stripe sends the event again.
func (p *Provider) Webhook(s Settler, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With(slog.String("provider", "stripe"))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, maxEvent+1))
		if err != nil || len(body) > maxEvent {
			http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
			return
		}
		if err := Verify(body, r.Header.Get("Stripe-Signature"), p.opt.WebhookSecret, p.opt.Now()); err != nil {
			log.Warn("stripe event refused", slog.Any("err", err))
			http.Error(w, "bad signature", http.StatusBadRequest)
			return
		}
		var ev event
		if err := json.Unmarshal(body, &ev); err != nil {
			log.Warn("stripe event refused: not an event")
			http.Error(w, "bad event", http.StatusBadRequest)
			return
		}
		switch ev.Type {
		case "checkout.session.completed", "checkout.session.async_payment_succeeded",
			"checkout.session.async_payment_failed", "checkout.session.expired":
		default:
			w.WriteHeader(http.StatusOK)
			return
		}
		w.WriteHeader(p.settle(r.Context(), s, log.With(slog.String("event", ev.ID), slog.String("payment", ev.Data.Object.ID)), ev.Data.Object.ID))
	})
}

func (p *Provider) settle(ctx context.Context, s Settler, log *slog.Logger, id string) int {
	pay, err := p.Payment(ctx, id)
	switch {
	case errors.Is(err, payments.ErrNotFound):
		log.Warn("stripe event ignored: the API does not know the session")
		return http.StatusOK
	case err != nil:
		log.Warn("stripe event: session not read, Stripe will retry", slog.Any("err", err))
		return http.StatusServiceUnavailable
	}
	switch pay.Status {
	case payments.Succeeded:
		out, err := s.Paid(ctx, settle.Payment{Provider: pay.Provider, ID: pay.ID, OrderID: pay.OrderID, Amount: pay.Amount})
		switch {
		case errors.Is(err, settle.ErrUnknownOrder), errors.Is(err, settle.ErrWrongAmount):
			log.Warn("stripe event ignored", slog.Any("err", err))
			return http.StatusOK
		case err != nil:
			log.Error("stripe payment not settled, Stripe will retry", slog.Any("err", err))
			return http.StatusInternalServerError
		}
		log.Info("stripe payment settled", slog.String("outcome", string(out)))
	case payments.Canceled:
		if err := s.Failed(ctx, pay.Provider, pay.ID, pay.OrderID); err != nil {
			log.Warn("stripe expired session ignored", slog.Any("err", err))
		}
	}
	return http.StatusOK
}
