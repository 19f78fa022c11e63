package telegram

import (
	"context"
	"log/slog"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

// Telegram Payments: invoices (bot.Reply.Invoice) are sent with the
// provider token from @BotFather; pre-checkout queries and successful
// payments are passed on to Options.Payments.

// Payments answers Telegram Payments' updates; payments/tginvoice.Provider
// is one. Payload is the invoice's payload (the order id), total is in
// minor units.
type Payments interface {
	// PreCheckout re-checks an order before Telegram takes the money: ""
	// accepts, anything else is the locale key of the reason shown.
	PreCheckout(ctx context.Context, payload, currency string, total int64) (refusal string)
	// KeepPayment stores a payment Telegram confirmed (it is on disk when
	// KeepPayment returns) and returns what settles it.
	KeepPayment(ctx context.Context, payload, currency string, total int64, chargeID string) (settle func(context.Context) error, err error)
}

// preCheckoutTimeout is how long a pre-checkout answer may take: Telegram
// waits 10 seconds.
const preCheckoutTimeout = 8 * time.Second

// sendInvoice sends an invoice; without a provider token the text is sent
// instead (the method should not have been offered).
func (t *Telegram) sendInvoice(ctx context.Context, chat int64, x op) error {
	inv := x.invoice
	if t.opt.PaymentToken == "" {
		t.log.Warn("telegram: invoice without payments.telegram.provider_token")
		return nil
	}
	_, err := t.tg.SendInvoice(ctx, &tgbot.SendInvoiceParams{
		ChatID: chat, Title: inv.Title, Description: inv.Description, Payload: inv.Payload,
		ProviderToken: t.opt.PaymentToken, Currency: inv.Currency,
		Prices: []models.LabeledPrice{{Label: inv.Label, Amount: int(inv.Amount)}},
	})
	return err
}

// onPreCheckout answers a pre-checkout query within Telegram's 10 seconds.
func (t *Telegram) onPreCheckout(q *models.PreCheckoutQuery) {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), preCheckoutTimeout)
		defer cancel()
		refusal := "payments.precheckout_gone"
		if t.opt.Payments != nil {
			refusal = t.opt.Payments.PreCheckout(ctx, q.InvoicePayload, q.Currency, int64(q.TotalAmount))
		}
		params := &tgbot.AnswerPreCheckoutQueryParams{PreCheckoutQueryID: q.ID, OK: refusal == ""}
		if refusal != "" {
			params.ErrorMessage = t.opt.Text(q.From.LanguageCode, refusal)
			t.log.Info("telegram: pre-checkout refused", slog.String("reason", refusal))
		}
		if _, err := t.tg.AnswerPreCheckoutQuery(ctx, params); err != nil {
			t.log.Warn("answerPreCheckoutQuery", slog.Any("err", err))
		}
	}()
}

// onSuccessfulPayment keeps a payment on disk before the update is done
// with (Telegram sends it once: in webhook mode before its request is
// answered, in polling mode before the next updates are handled), then
// settles it apart, as settling waits for the customer's turn. A payment
// that could not be kept or settled is logged; a kept one is settled again
// by the job that retries them.
func (t *Telegram) onSuccessfulPayment(chat int64, p *models.SuccessfulPayment) {
	if t.opt.Payments == nil {
		t.log.Error("telegram: a successful payment arrived but payments are off: refund it by hand",
			slog.String("charge", p.TelegramPaymentChargeID))
		return
	}
	fail := func(what string, err error) {
		t.log.Error("telegram: successful payment "+what, slog.String("chat", address(chat).String()),
			slog.String("charge", p.TelegramPaymentChargeID), slog.Any("err", err))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	settle, err := t.opt.Payments.KeepPayment(ctx, p.InvoicePayload, p.Currency, int64(p.TotalAmount), p.TelegramPaymentChargeID)
	cancel()
	if err != nil {
		fail("not kept: settle it by hand", err)
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := settle(ctx); err != nil {
			fail("not settled yet", err)
		}
	}()
}

// paymentUpdate handles the updates of Telegram Payments and reports
// whether upd was one.
func (t *Telegram) paymentUpdate(upd *models.Update) bool {
	switch {
	case upd.PreCheckoutQuery != nil:
		t.onPreCheckout(upd.PreCheckoutQuery)
		return true
	case upd.Message != nil && upd.Message.SuccessfulPayment != nil:
		t.onSuccessfulPayment(upd.Message.Chat.ID, upd.Message.SuccessfulPayment)
		return true
	}
	return false
}

// allowedUpdates are the update kinds the bot asks for: pre-checkout
// queries only when it takes payments.
func allowedUpdates(opt Options) []string {
	if opt.Payments != nil {
		return []string{"message", "callback_query", "pre_checkout_query"}
	}
	return []string{"message", "callback_query"}
}
