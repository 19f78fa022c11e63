package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"omnicart/bot/telegram"
	"omnicart/flows"
	"omnicart/payments"
	"omnicart/payments/qr"
	"omnicart/payments/settle"
	"omnicart/payments/stripe"
	"omnicart/payments/tginvoice"
	"omnicart/payments/yookassa"
	"omnicart/shop"
)

// The [payments] section: which methods are offered, in which order, and
// the accounts behind them. Wiring only: the providers, their webhooks and
// the settling of payments live in payments/.

// PaymentsConfig is [payments] of the configuration.
type PaymentsConfig struct {
	// Methods are offered in this order: demo, yookassa, sbp, qr,
	// telegram, stripe.
	Methods  []string `toml:"methods"`
	YooKassa struct {
		ShopID    string `toml:"shop_id"`
		SecretKey string `toml:"secret_key"`
		APIURL    string `toml:"api_url"`
	} `toml:"yookassa"`
	QR struct {
		Name        string `toml:"name"`
		Account     string `toml:"account"`
		Bank        string `toml:"bank"`
		BIC         string `toml:"bic"`
		CorrAccount string `toml:"corr_account"`
		INN         string `toml:"inn"`
		KPP         string `toml:"kpp"`
		// TTL is how long an order waits for its bank transfer before it
		// expires: longer than orders.unpaid_ttl, as a transfer takes days.
		TTL Duration `toml:"ttl"`
	} `toml:"qr"`
	Telegram struct {
		ProviderToken string `toml:"provider_token"`
	} `toml:"telegram"`
	Stripe struct {
		SecretKey     string `toml:"secret_key"`
		WebhookSecret string `toml:"webhook_secret"`
		APIURL        string `toml:"api_url"`
	} `toml:"stripe"`
}

func defaultPayments() PaymentsConfig {
	var p PaymentsConfig
	p.Methods = []string{payments.MethodDemo}
	p.YooKassa.APIURL = yookassa.DefaultAPIURL
	p.Stripe.APIURL = stripe.DefaultAPIURL
	p.QR.TTL.Duration = 72 * time.Hour
	return p
}

// payWithin is how long order o may wait for payment before it expires
// (store.Options.PayWithin): payments.qr.ttl once the shopper chose a bank
// transfer, else orders.unpaid_ttl.
func (c Config) payWithin(o shop.Order) time.Duration {
	if o.Provider == payments.MethodQR {
		return c.Payments.QR.TTL.Duration
	}
	return c.Orders.UnpaidTTL.Duration
}

// realMoney names an enabled method that takes real money: a bank
// transfer, or a provider with live (not test) keys. Empty: none.
func (p PaymentsConfig) realMoney() string {
	switch {
	case p.enabled(payments.MethodQR):
		return `"qr"`
	case p.enabled(payments.MethodStripe) && (strings.HasPrefix(p.Stripe.SecretKey, "sk_live_") || strings.HasPrefix(p.Stripe.SecretKey, "rk_live_")):
		return `"stripe" with a live key`
	case (p.enabled(payments.MethodYooKassa) || p.enabled(payments.MethodSBP)) && strings.HasPrefix(p.YooKassa.SecretKey, "live_"):
		return `"yookassa" with a live key`
	case p.enabled(payments.MethodTelegram) && strings.Contains(p.Telegram.ProviderToken, ":LIVE:"):
		return `"telegram" with a live provider token`
	}
	return ""
}

// anyKey reports whether some payment provider's key is filled in.
func (p PaymentsConfig) anyKey() bool {
	return p.YooKassa.SecretKey != "" || p.Stripe.SecretKey != "" || p.Telegram.ProviderToken != "" || p.QR.Account != ""
}

// enabled reports whether method is in payments.methods.
func (p PaymentsConfig) enabled(method string) bool { return slices.Contains(p.Methods, method) }

func (p PaymentsConfig) payee() qr.Payee {
	q := p.QR
	return qr.Payee{Name: q.Name, Account: q.Account, Bank: q.Bank, BIC: q.BIC, CorrAccount: q.CorrAccount, INN: q.INN, KPP: q.KPP}
}

// checkPayments returns an error for each problem of [payments], at the
// line of the key concerned (or of the methods that need it) in src, the
// text of the config file at path.
func (c *Config) checkPayments(path, src string) []error {
	p := c.Payments
	var errs []error
	// at is the line of keys, or of their table when the key is left out;
	// a table left out is reported at the methods that need it.
	at := func(keys ...string) string {
		if line := keyLine(src, toml.Key(keys)); line > 0 && hasTable(src, keys[:len(keys)-1]) {
			return position(path, line)
		}
		return position(path, keyLine(src, toml.Key{"payments", "methods"}))
	}
	bad := func(where, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", where, fmt.Sprintf(format, args...)))
	}
	if len(p.Methods) == 0 {
		bad(at("payments", "methods"), "payments.methods is empty: list the methods to offer, like [\"demo\"]")
	}
	seen := map[string]bool{}
	for _, m := range p.Methods {
		switch {
		case !slices.Contains(payments.Methods, m):
			bad(at("payments", "methods"), "payments.methods: unknown method %q (one of %s)", m, strings.Join(payments.Methods, ", "))
		case seen[m]:
			bad(at("payments", "methods"), "payments.methods: %q is listed twice", m)
		}
		seen[m] = true
	}
	// The demo marks orders paid without money: next to a method that
	// takes real money, any shopper could check out for free.
	if real := p.realMoney(); p.enabled(payments.MethodDemo) && real != "" {
		bad(at("payments", "methods"), "payments.methods: \"demo\" marks orders paid without taking money, and %s takes real money: "+
			"remove \"demo\" (with test keys it may stay)", real)
	}
	if !hasTable(src, []string{"payments", "methods"}) && p.anyKey() { // hasTable: is the key written
		bad(at("payments", "methods"), "payments.methods is not set, so only \"demo\" (no money) is offered although payment keys are: "+
			"list the methods to offer, like [\"yookassa\", \"sbp\"]")
	}
	need := func(method, value string, keys ...string) {
		if p.enabled(method) && strings.TrimSpace(value) == "" {
			bad(at(keys...), "%s is needed for the payment method %q", strings.Join(keys, "."), method)
		}
	}
	for _, m := range []string{payments.MethodYooKassa, payments.MethodSBP} {
		need(m, p.YooKassa.ShopID, "payments", "yookassa", "shop_id")
		need(m, p.YooKassa.SecretKey, "payments", "yookassa", "secret_key")
		if p.enabled(m) {
			break // reported once for both
		}
	}
	if (p.enabled(payments.MethodYooKassa) || p.enabled(payments.MethodSBP)) && !isURL(p.YooKassa.APIURL) {
		bad(at("payments", "yookassa", "api_url"), "payments.yookassa.api_url %q is not an http(s) URL", p.YooKassa.APIURL)
	}
	if p.enabled(payments.MethodQR) {
		if p.QR.TTL.Duration < 10*time.Minute {
			bad(at("payments", "qr", "ttl"), "payments.qr.ttl must be at least 10m, like \"72h\"")
		}
		for _, problem := range p.payee().Problems() {
			field, _, _ := strings.Cut(problem, " ")
			bad(at("payments", "qr", field), "payments.qr.%s (needed for the payment method \"qr\")", problem)
		}
	}
	need(payments.MethodTelegram, p.Telegram.ProviderToken, "payments", "telegram", "provider_token")
	if p.enabled(payments.MethodTelegram) && c.Telegram.Token == "" {
		bad(at("payments", "methods"), "payments.methods: \"telegram\" needs the Telegram channel: set telegram.token")
	}
	need(payments.MethodStripe, p.Stripe.SecretKey, "payments", "stripe", "secret_key")
	need(payments.MethodStripe, p.Stripe.WebhookSecret, "payments", "stripe", "webhook_secret")
	if p.enabled(payments.MethodStripe) && !isURL(p.Stripe.APIURL) {
		bad(at("payments", "stripe", "api_url"), "payments.stripe.api_url %q is not an http(s) URL", p.Stripe.APIURL)
	}
	for _, m := range []string{payments.MethodYooKassa, payments.MethodSBP, payments.MethodStripe} {
		if p.enabled(m) && c.HTTP.PublicURL == "" {
			bad(at("http", "public_url"), "http.public_url is needed for the payment method %q: the provider's page sends the shopper back there and posts its notifications to %s/payments/...", m, "<public_url>")
			break
		}
	}
	return errs
}

// hasTable reports whether the table named by keys is in src (the top
// level always is): keyLine finds a table left out at its parent's line.
func hasTable(src string, keys []string) bool {
	switch len(keys) {
	case 0:
		return true
	case 1:
		return keyLine(src, toml.Key(keys)) > 0
	}
	line := keyLine(src, toml.Key(keys))
	return line > 0 && line != keyLine(src, toml.Key(keys[:len(keys)-1]))
}

// shopPayments are the payment providers of the configuration, built once
// by Main.openPayments.
type shopPayments struct {
	methods []payments.Provider // enabled, in the configured order
	// refunders give money back, by the provider that took it
	// (shop.Order.Provider).
	refunders map[string]payments.Refunder
	settler   *settle.Settler
	yookassa  *yookassa.Client
	stripe    *stripe.Provider
	telegram  *tginvoice.Provider
}

// openPayments builds the enabled payment methods and the settler that
// marks orders paid (telling the conversation through m.Engine, which is
// built after it).
func (m *Main) openPayments() error {
	cfg, log := m.Config.Payments, m.Log
	refunders := map[string]payments.Refunder{payments.MethodDemo: payments.Demo{}}
	var yk *yookassa.Client
	var st *stripe.Provider
	var err error
	public := strings.TrimSuffix(m.Config.HTTP.PublicURL, "/")
	if cfg.enabled(payments.MethodYooKassa) || cfg.enabled(payments.MethodSBP) {
		yk, err = yookassa.New(yookassa.Options{ShopID: cfg.YooKassa.ShopID, SecretKey: cfg.YooKassa.SecretKey,
			APIURL: cfg.YooKassa.APIURL, ReturnURL: public + "/"})
		if err != nil {
			return err
		}
		refunders[payments.MethodYooKassa] = yk
	}
	if cfg.enabled(payments.MethodStripe) {
		st, err = stripe.New(stripe.Options{SecretKey: cfg.Stripe.SecretKey, WebhookSecret: cfg.Stripe.WebhookSecret,
			APIURL: cfg.Stripe.APIURL, SuccessURL: public + "/", CancelURL: public + "/"})
		if err != nil {
			return err
		}
		refunders[payments.MethodStripe] = st
	}
	p := &shopPayments{yookassa: yk, stripe: st, refunders: refunders}
	p.settler = settle.New(m.DB, settle.Options{Refunders: refunders, Logger: log, Tell: m.tell})
	for _, name := range cfg.Methods {
		switch name {
		case payments.MethodDemo:
			p.methods = append(p.methods, payments.Demo{})
		case payments.MethodYooKassa:
			p.methods = append(p.methods, yk.Link())
		case payments.MethodSBP:
			p.methods = append(p.methods, yk.SBP())
		case payments.MethodQR:
			q, err := qr.New(cfg.payee())
			if err != nil {
				return err
			}
			p.methods = append(p.methods, q)
		case payments.MethodTelegram:
			p.telegram = tginvoice.New(m.DB, p.settler)
			p.methods = append(p.methods, p.telegram)
		case payments.MethodStripe:
			p.methods = append(p.methods, st)
		default:
			return fmt.Errorf("payments.methods: unknown method %q", name)
		}
	}
	if len(p.methods) == 0 {
		return fmt.Errorf("payments.methods is empty")
	}
	m.payments = p
	log.Info("payment methods", slog.Any("methods", cfg.Methods))
	return nil
}

// tell delivers a payment's outside event to the customer's conversation.
func (m *Main) tell(ctx context.Context, customer shop.CustomerID, event, orderID, key string) error {
	_, err := m.Engine.Fire(ctx, customer, flows.Outside{Event: event, Arg: orderID, Key: key})
	return err
}

// paymentRoutes adds the providers' webhooks to mux.
func (m *Main) paymentRoutes(mux *http.ServeMux) {
	if m.payments == nil {
		return
	}
	if yk := m.payments.yookassa; yk != nil {
		mux.Handle("POST /payments/yookassa", yk.Webhook(m.payments.settler, m.Log))
	}
	if st := m.payments.stripe; st != nil {
		mux.Handle("POST /payments/stripe", st.Webhook(m.payments.settler, m.Log))
	}
}

// telegramPay is what the Telegram channel needs to take payments.
type telegramPay struct {
	token    string
	payments telegram.Payments // nil: the "telegram" method is off
}

// telegramPayments returns what answers Telegram Payments' updates, and
// the provider token, when the "telegram" method is enabled.
func (m *Main) telegramPayments() telegramPay {
	if m.payments == nil || m.payments.telegram == nil {
		return telegramPay{}
	}
	return telegramPay{token: m.Config.Payments.Telegram.ProviderToken, payments: m.payments.telegram}
}
