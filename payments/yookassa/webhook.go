package yookassa

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"omnicart/payments"
	"omnicart/payments/settle"
)

// Settler takes the payments the API confirmed; *settle.Settler is one.
type Settler interface {
	Paid(ctx context.Context, p settle.Payment) (settle.Outcome, error)
	Failed(ctx context.Context, provider, paymentID, orderID string) error
}

// maxNotification bounds a notification's body.
const maxNotification = 64 << 10

// notification is the part of YooKassa's notification the shop reads: the
// id of the payment it is about. Everything else in it is ignored, since
// anyone can post anything to the webhook's URL.
type notification struct {
	Type   string `json:"type"`
	Event  string `json:"event"`
	Object struct {
		ID string `json:"id"`
	} `json:"object"`
}

// Webhook handles YooKassa's HTTP notifications (POST /payments/yookassa).
// It reads the payment named in the body back from the API and settles
// what the API says: a succeeded payment marks its order paid (once), a
// canceled one tells the waiting conversation. A notification about a
// payment the API does not know (forged), or whose amount or order do not
// match, changes nothing and is logged; it is answered 200 so that it is
// not sent again. When the API cannot be reached the answer is 503, and
// YooKassa sends the notification again later.
func (c *Client) Webhook(s Settler, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, maxNotification+1))
		if err != nil || len(body) > maxNotification {
			http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
			return
		}
		var n notification
		if err := json.Unmarshal(body, &n); err != nil || n.Object.ID == "" {
			log.Warn("yookassa notification refused: not a notification")
			http.Error(w, "bad notification", http.StatusBadRequest)
			return
		}
		if !strings.HasPrefix(n.Event, "payment.") {
			w.WriteHeader(http.StatusOK) // refunds, payouts: nothing to do
			return
		}
		code := c.settle(r.Context(), s, log, n.Object.ID)
		w.WriteHeader(code)
	})
}

// settle acts on what the API says about payment id and returns the HTTP
// status to answer.
func (c *Client) settle(ctx context.Context, s Settler, log *slog.Logger, id string) int {
	log = log.With(slog.String("provider", "yookassa"), slog.String("payment", id))
	p, err := c.Payment(ctx, id)
	switch {
	case errors.Is(err, payments.ErrNotFound):
		log.Warn("yookassa notification ignored: the API does not know the payment (forged?)")
		return http.StatusOK
	case err != nil:
		log.Warn("yookassa notification: payment not read, YooKassa will retry", slog.Any("err", err))
		return http.StatusServiceUnavailable
	}
	switch p.Status {
	case payments.Succeeded:
		out, err := s.Paid(ctx, settle.Payment{Provider: p.Provider, ID: p.ID, OrderID: p.OrderID, Amount: p.Amount})
		switch {
		case errors.Is(err, settle.ErrUnknownOrder), errors.Is(err, settle.ErrWrongAmount):
			log.Warn("yookassa notification ignored", slog.Any("err", err))
			return http.StatusOK
		case err != nil:
			log.Error("yookassa payment not settled, YooKassa will retry", slog.Any("err", err))
			return http.StatusInternalServerError
		}
		log.Info("yookassa payment settled", slog.String("outcome", string(out)))
	case payments.Canceled:
		if err := s.Failed(ctx, p.Provider, p.ID, p.OrderID); err != nil {
			log.Warn("yookassa canceled payment ignored", slog.Any("err", err))
		}
	}
	return http.StatusOK
}
