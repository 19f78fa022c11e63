package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"omnicart/bot/telegram/tgtest"
	"omnicart/payments/qr/qrtest"
	"omnicart/payments/stripe"
	"omnicart/payments/stripe/stripetest"
	"omnicart/payments/yookassa"
	"omnicart/payments/yookassa/yktest"
	"omnicart/shop"
	"omnicart/store"
)

// Purchases with every payment method through the running shop: the real
// engine, the real web chat and Telegram adapters, the providers' webhooks
// on the shop's HTTP server, and fakes of YooKassa's and Stripe's APIs that
// have a payment page and post their notifications to the shop as the
// providers do.

// payShop is one running shop with every payment method on.
type payShop struct {
	srv    *server
	tg     *tgtest.Server
	yk     *yktest.Server
	stripe *stripetest.Server
	payee  PaymentsConfig
}

func startPayShop(t *testing.T) *payShop {
	t.Helper()
	p := &payShop{tg: tgtest.NewServer(t, tgtest.Options{}), yk: yktest.New(t), stripe: stripetest.New(t)}
	p.srv, _ = tgShop(t, p.tg, func(cfg *Config) {
		c := &cfg.Payments
		c.Methods = []string{"demo", "yookassa", "sbp", "qr", "telegram", "stripe"}
		c.YooKassa.ShopID, c.YooKassa.SecretKey, c.YooKassa.APIURL = p.yk.ShopID, p.yk.SecretKey, p.yk.URL
		c.QR.Name, c.QR.Account, c.QR.Bank = "ООО «Кофейня»", "40702810900000000001", "АО «Тестбанк»"
		c.QR.BIC, c.QR.CorrAccount, c.QR.INN, c.QR.KPP = "044525225", "30101810400000000225", "7701234567", "770101001"
		c.Telegram.ProviderToken = "284685063:TEST:omnicart"
		c.Stripe.SecretKey, c.Stripe.WebhookSecret, c.Stripe.APIURL = p.stripe.SecretKey, p.stripe.WebhookSecret, p.stripe.URL
		cfg.HTTP.PublicURL = "https://shop.example"
		p.payee = *c
	})
	t.Cleanup(func() { p.srv.stop(t) })
	p.yk.NotifyTo(p.srv.base + "payments/yookassa")
	p.stripe.NotifyTo(p.srv.base + "payments/stripe")
	return p
}

// order returns the order numbered n.
func (p *payShop) order(t *testing.T, n int64) shop.Order {
	t.Helper()
	var found shop.Order
	err := p.srv.m.DB.EachOrder(context.Background(), func(o shop.Order) bool {
		if o.Number == n {
			found = o
			return false
		}
		return true
	})
	if err != nil || found.ID == "" {
		t.Fatalf("order #%d: %v (not found)", n, err)
	}
	return found
}

// web starts a web chat shopper and brings them to the pay screen of a
// placed order; it returns the shopper and the order's number.
func (p *payShop) web(t *testing.T) (*webShopper, int64) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	w := &webShopper{t: t, base: p.srv.base, client: &http.Client{Jar: jar, Timeout: 20 * time.Second}}
	w.say("/start")
	w.press("🛍 Catalog")
	w.press("☕")
	w.press("Kenya")
	w.press("Whole beans")
	w.press("Add 1")
	w.press("✅ Check out")
	w.say("Web Buyer")
	w.say("+7 916 000-00-02")
	w.press("🏬 Pickup point")
	w.press("Frunzenskaya")
	got := allText(w.press("✅ Place the order"))
	m := regexp.MustCompile(`Order #(\d+) is placed`).FindStringSubmatch(got)
	if m == nil {
		t.Fatalf("place: %s", got)
	}
	n, _ := strconv.ParseInt(m[1], 10, 64)
	return w, n
}

// history returns every message of the shopper's web chat so far,
// including those the shop started (notices, a webhook's outcome).
func (w *webShopper) history() []message {
	w.t.Helper()
	resp, err := w.client.Get(w.base + "api/messages")
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	var b struct{ Messages []message }
	if err := json.NewDecoder(resp.Body).Decode(&b); err != nil {
		w.t.Fatal(err)
	}
	return b.Messages
}

// await waits until the chat's history shows every one of want and
// returns its text.
func (w *webShopper) await(want ...string) string {
	w.t.Helper()
	var text string
	for end := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		text = allText(w.history())
		missing := ""
		for _, s := range want {
			if !strings.Contains(text, s) {
				missing = s
				break
			}
		}
		if missing == "" {
			return text
		}
		if time.Now().After(end) {
			w.t.Fatalf("the chat does not show %q:\n%s", missing, text)
		}
	}
}

// choices returns the labels of the newest buttons.
func (w *webShopper) choices() string {
	var labels []string
	for _, c := range w.last {
		labels = append(labels, c.Label)
	}
	return strings.Join(labels, " | ")
}

// noRedirect is a client that shows a redirect instead of following it.
var noRedirect = &http.Client{Timeout: 10 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// payOnPage opens a provider's payment page, taps Pay and returns where
// the page sends the shopper back.
func payOnPage(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), "Pay") {
		t.Fatalf("payment page %s: %s %s", url, resp.Status, page)
	}
	resp, err = noRedirect.Post(url, "application/x-www-form-urlencoded", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("paying on %s: %s", url, resp.Status)
	}
	return resp.Header.Get("Location")
}

var payHere = regexp.MustCompile(`Pay here: (\S+)`)

// TestPayEveryMethod buys with every payment method in the running shop;
// each purchase ends with the order paid (the bank transfer: awaiting it)
// and the shopper told in their own chat. The shoppers buy at once.
func TestPayEveryMethod(t *testing.T) {
	p := startPayShop(t)
	t.Cleanup(func() { paidOnce(t, p.srv.m.DB) })
	rub := func(minor int64) string { return fmt.Sprintf("%d.%02d", minor/100, minor%100) }

	t.Run("pay screen", func(t *testing.T) {
		t.Parallel()
		w, n := p.web(t)
		// The web chat offers every method but Telegram's own form, in the configured order.
		want := "🧪 Test payment ₽990 | 💳 Card, SberPay and more: ₽990 | ⚡ СБП (Faster Payments) QR: ₽990 | 🏦 Bank transfer by QR code: ₽990 | 💳 Card (Stripe): ₽990 | Pay later"
		if got := w.choices(); got != want {
			t.Errorf("order #%d pay screen buttons:\n%s\nwant them to start\n%s", n, got, want)
		}
		w.press("🧪")
		w.await(fmt.Sprintf("Order #%d is paid", n))
		if o := p.order(t, n); o.Status != shop.StatusPaid || o.Provider != "demo" {
			t.Errorf("demo: order %+v", o)
		}
	})

	t.Run("yookassa link", func(t *testing.T) {
		t.Parallel()
		w, n := p.web(t)
		got := allText(w.press("💳 Card, SberPay"))
		m := payHere.FindStringSubmatch(got)
		if m == nil {
			t.Fatalf("no payment link:\n%s", got)
		}
		if o := p.order(t, n); o.Status != shop.StatusNew || o.Provider != "yookassa" {
			t.Fatalf("waiting: order %+v", o)
		}
		link, err := url.Parse(m[1])
		if err != nil || !strings.HasPrefix(m[1], strings.TrimSuffix(p.yk.URL, "/v3")+"/checkout/") {
			t.Fatalf("payment link %q: %v", m[1], err)
		}
		if back := payOnPage(t, m[1]); back != "https://shop.example/" {
			t.Errorf("the page sends the shopper to %q, want the shop's public URL", back)
		}
		w.await(fmt.Sprintf("✅ Payment received for order #%d", n), fmt.Sprintf("Thank you! Order #%d is paid", n))
		o := p.order(t, n)
		if o.Status != shop.StatusPaid || o.Provider != "yookassa" || o.PaymentID != link.Query().Get("orderId") {
			t.Errorf("paid: order %+v", o)
		}
	})

	t.Run("bank transfer", func(t *testing.T) {
		t.Parallel()
		w, n := p.web(t)
		ms := w.press("🏦")
		var photo string
		for _, m := range ms {
			if strings.Contains(m.Text, "Scan this QR code in your bank's app") {
				photo = m.Photo
			}
		}
		if !strings.HasPrefix(photo, "/media/generated/") {
			t.Fatalf("no QR picture in:\n%+v", ms)
		}
		resp, err := http.Get(strings.TrimSuffix(p.srv.base, "/") + photo)
		if err != nil {
			t.Fatal(err)
		}
		png, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		o := p.order(t, n)
		fields := strings.Split(qrtest.Decode(t, png), "|")
		want := []string{"ST00012", "Name=ООО «Кофейня»", "PersonalAcc=40702810900000000001", "BankName=АО «Тестбанк»",
			"BIC=044525225", "CorrespAcc=30101810400000000225", "PayeeINN=7701234567", "KPP=770101001",
			"Sum=" + strconv.FormatInt(o.Total.Minor, 10), fmt.Sprintf("Purpose=Order %d", n)}
		for _, f := range want {
			if !containsString(fields, f) {
				t.Errorf("the QR code lacks %q: %q", f, fields)
			}
		}
		w.await(fmt.Sprintf("Order #%d is awaiting your bank transfer", n))
		if o.Status != shop.StatusNew || o.Provider != "qr" {
			t.Errorf("transfer: order %+v", o)
		}
		w.say("/orders")
		if got := w.choices(); !strings.Contains(got, fmt.Sprintf("#%d", n)) || !strings.Contains(got, "awaiting transfer") {
			t.Errorf("my orders: %s", got)
		}
	})

	t.Run("stripe", func(t *testing.T) {
		t.Parallel()
		w, n := p.web(t)
		got := allText(w.press("💳 Card (Stripe)"))
		m := payHere.FindStringSubmatch(got)
		if m == nil || !strings.HasPrefix(m[1], p.stripe.URL+"/c/pay/") {
			t.Fatalf("no Checkout link:\n%s", got)
		}
		if back := payOnPage(t, m[1]); back != "https://shop.example/" {
			t.Errorf("Checkout sends the shopper to %q", back)
		}
		w.await(fmt.Sprintf("✅ Payment received for order #%d", n), fmt.Sprintf("Thank you! Order #%d is paid", n))
		if o := p.order(t, n); o.Status != shop.StatusPaid || o.Provider != "stripe" || !strings.HasPrefix(o.PaymentID, "cs_test_") {
			t.Errorf("paid: order %+v", o)
		}
	})

	t.Run("sbp in telegram", func(t *testing.T) {
		t.Parallel()
		u := p.tgToPay(t, 7002)
		before := len(p.tg.Calls("sendPhoto"))
		u.press("⚡")
		calls := p.tg.Calls("sendPhoto")
		if len(calls) <= before || len(calls[len(calls)-1].Files["photo"]) == 0 {
			t.Fatalf("no QR picture uploaded: %d sendPhoto calls", len(calls))
		}
		link := qrtest.Decode(t, calls[len(calls)-1].Files["photo"])
		o := p.order(t, u.number)
		if !strings.HasPrefix(link, "https://qr.nspk.ru/") || !strings.HasSuffix(link, "sum="+rub(o.Total.Minor)) {
			t.Fatalf("the QR code reads %q", link)
		}
		u.expect(link) // the link too, for a phone that cannot scan its own screen
		id := ""
		for _, pid := range p.yk.Payments() {
			if c, _ := p.yk.Payment(pid)["confirmation"].(map[string]any); c["confirmation_data"] == link {
				id = pid
			}
		}
		if code := p.yk.Pay(id); code != 200 {
			t.Fatalf("webhook: %d", code)
		}
		u.await(fmt.Sprintf("✅ Payment received for order #%d", u.number), fmt.Sprintf("Thank you! Order #%d is paid", u.number))
		if o := p.order(t, u.number); o.Status != shop.StatusPaid || o.Provider != "yookassa" || o.PaymentID != id {
			t.Errorf("paid: order %+v", o)
		}
	})

	t.Run("telegram invoice", func(t *testing.T) {
		t.Parallel()
		u := p.tgToPay(t, 7001)
		u.press("💳 Pay in Telegram")
		var inv *tgtest.Invoice
		for _, m := range p.tg.Chat(u.chat) {
			if m.Invoice != nil {
				inv = m.Invoice
			}
		}
		o := p.order(t, u.number)
		if inv == nil || inv.Payload != o.ID || inv.Currency != "RUB" || inv.Total != o.Total.Minor ||
			inv.ProviderToken != "284685063:TEST:omnicart" || inv.Title != fmt.Sprintf("Order #%d", u.number) {
			t.Fatalf("invoice %+v for order %+v", inv, o)
		}
		q := p.tg.UserPreCheckout(u.chat, inv.Payload, inv.Currency, inv.Total)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := p.tg.WaitFor(ctx, func() bool { return p.tg.PreCheckoutAnswer(q).Answered }); err != nil {
			t.Fatalf("pre-checkout query not answered within 10 s: %v", err)
		}
		if a := p.tg.PreCheckoutAnswer(q); !a.OK || a.After >= 10*time.Second {
			t.Fatalf("pre-checkout answer %+v", a)
		}
		charge := p.tg.UserPaid(u.chat, inv.Payload, inv.Currency, inv.Total)
		u.await(fmt.Sprintf("✅ Payment received for order #%d", u.number), fmt.Sprintf("Thank you! Order #%d is paid", u.number))
		if o := p.order(t, u.number); o.Status != shop.StatusPaid || o.Provider != "telegram" || o.PaymentID != charge {
			t.Errorf("paid: order %+v", o)
		}
		// A second pre-checkout for the paid order is refused with its reason.
		q = p.tg.UserPreCheckout(u.chat, inv.Payload, inv.Currency, inv.Total)
		if err := p.tg.WaitFor(ctx, func() bool { return p.tg.PreCheckoutAnswer(q).Answered }); err != nil {
			t.Fatal(err)
		}
		if a := p.tg.PreCheckoutAnswer(q); a.OK || !strings.Contains(a.Error, "can no longer be paid") {
			t.Errorf("pre-checkout of a paid order: %+v", a)
		}
	})
}

// paidOnce checks that the analytics log has each paid order paid once,
// with its total, however it was paid: /stats and the campaigns count
// these events.
func paidOnce(t *testing.T, db *store.DB) {
	t.Helper()
	ctx := context.Background()
	events := map[string][]shop.Money{}
	err := db.Events(ctx, time.Time{}, func(e shop.Event) bool {
		if e.Type == shop.EventPaid {
			events[e.OrderID] = append(events[e.OrderID], e.Value)
		}
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	providers := map[string]bool{}
	err = db.EachOrder(ctx, func(o shop.Order) bool {
		if o.Status != shop.StatusPaid {
			return true
		}
		providers[o.Provider] = true
		if got := events[o.ID]; len(got) != 1 || got[0] != o.Total {
			t.Errorf("order #%d paid by %s: paid events %v, want one of %v", o.Number, o.Provider, got, o.Total)
		}
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(providers) < 4 {
		t.Errorf("paid orders by %v only", providers)
	}
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// tgPayer is a Telegram shopper at the pay screen of order number.
type tgPayer struct {
	*tgShopper
	number int64
}

// tgToPay brings Telegram user chat to the pay screen of a placed order.
func (p *payShop) tgToPay(t *testing.T, chat int64) tgPayer {
	t.Helper()
	u := &tgShopper{t: t, api: p.tg, chat: chat, lang: "en"}
	u.say("/start")
	u.press("🛍 Catalog")
	u.press("☕")
	u.press("Kenya")
	u.press("Whole beans")
	u.press("Add 1")
	u.press("✅ Check out")
	u.say("Tg Buyer")
	u.share("+7916000" + strconv.FormatInt(chat, 10))
	u.press("🏬 Pickup point")
	u.press("Frunzenskaya")
	u.press("✅ Place the order")
	m := regexp.MustCompile(`Order #(\d+) is placed`).FindStringSubmatch(u.recent(3))
	if m == nil {
		t.Fatalf("not placed:\n%s", u.screen())
	}
	n, _ := strconv.ParseInt(m[1], 10, 64)
	if got := u.recent(1); !strings.Contains(got, "[💳 Pay in Telegram") || !strings.Contains(got, "[⚡ СБП") {
		t.Fatalf("Telegram's pay screen:\n%s", got)
	}
	return tgPayer{u, n}
}

// await waits until the chat shows every one of want.
func (s *tgShopper) await(want ...string) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := s.api.WaitFor(ctx, func() bool {
		screen := s.screen()
		for _, w := range want {
			if !strings.Contains(screen, w) {
				return false
			}
		}
		return true
	})
	if err != nil {
		s.t.Fatalf("chat %d does not show %q:\n%s", s.chat, want, s.screen())
	}
}

// post posts body to the shop's path with headers and returns the status.
func (p *payShop) post(t *testing.T, path string, body []byte, header ...string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, p.srv.base+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// same reports what changed in an order, "" for nothing.
func sameOrder(a, b shop.Order) string {
	switch {
	case a.Status != b.Status:
		return "status " + string(a.Status) + " → " + string(b.Status)
	case a.PaymentID != b.PaymentID:
		return "payment " + a.PaymentID + " → " + b.PaymentID
	case a.Provider != b.Provider:
		return "provider " + a.Provider + " → " + b.Provider
	case !a.UpdatedAt.Equal(b.UpdatedAt) || len(a.History) != len(b.History):
		return "updated"
	}
	return ""
}

// countIn counts the messages of the history that contain s.
func countIn(ms []message, s string) int {
	n := 0
	for _, m := range ms {
		if strings.Contains(m.Text, s) {
			n++
		}
	}
	return n
}

// TestPaymentWebhooksOverHTTP posts notifications to the running shop's
// /payments/yookassa and /payments/stripe: forged, replayed, unknown-order
// and wrong-amount ones leave the waiting order unchanged; the true one
// pays it and tells the shopper; its duplicate has its effect once.
func TestPaymentWebhooksOverHTTP(t *testing.T) {
	p := startPayShop(t)
	ctx := context.Background()
	yk, err := yookassa.New(yookassa.Options{ShopID: p.yk.ShopID, SecretKey: p.yk.SecretKey, APIURL: p.yk.URL, ReturnURL: "https://elsewhere.example/"})
	if err != nil {
		t.Fatal(err)
	}
	st, err := stripe.New(stripe.Options{SecretKey: p.stripe.SecretKey, WebhookSecret: p.stripe.WebhookSecret, APIURL: p.stripe.URL, SuccessURL: "https://elsewhere.example/"})
	if err != nil {
		t.Fatal(err)
	}
	// An attack posts something to a webhook about the waiting order; run
	// checks its answer and that the order stays as it was.
	type attack struct {
		name string
		do   func(o shop.Order) int
		code int
	}
	run := func(t *testing.T, n int64, attacks []attack) {
		before := p.order(t, n)
		for _, a := range attacks {
			if code := a.do(before); code != a.code {
				t.Errorf("%s: HTTP %d, want %d", a.name, code, a.code)
			}
			if diff := sameOrder(before, p.order(t, n)); diff != "" {
				t.Errorf("%s changed the order: %s", a.name, diff)
			}
		}
	}
	// paidOnce checks that the true payment's effect was had once.
	paidOnce := func(t *testing.T, w *webShopper, n int64, provider string) {
		paid := p.order(t, n)
		if paid.Status != shop.StatusPaid || paid.Provider != provider {
			t.Fatalf("order %+v", paid)
		}
		time.Sleep(300 * time.Millisecond) // what a second effect would take to show
		h := w.history()
		if a, b := countIn(h, fmt.Sprintf("✅ Payment received for order #%d", n)), countIn(h, fmt.Sprintf("Thank you! Order #%d is paid", n)); a != 1 || b != 1 {
			t.Errorf("told %d times of the payment and %d times thanked, want once each:\n%s", a, b, allText(h))
		}
		if diff := sameOrder(paid, p.order(t, n)); diff != "" {
			t.Errorf("the duplicate changed the order: %s", diff)
		}
		if paid.History[len(paid.History)-1].Status != shop.StatusPaid || len(paid.History) != 2 {
			t.Errorf("history %+v: want placed, paid", paid.History)
		}
	}

	t.Run("yookassa", func(t *testing.T) {
		t.Parallel()
		w, n := p.web(t)
		m := payHere.FindStringSubmatch(allText(w.press("💳 Card, SberPay")))
		if m == nil {
			t.Fatal("no payment link")
		}
		link, _ := url.Parse(m[1])
		id := link.Query().Get("orderId")
		run(t, n, []attack{
			{"not a notification", func(shop.Order) int { return p.post(t, "payments/yookassa", []byte(`{"hello":1}`)) }, 400},
			{"forged payment id", func(o shop.Order) int {
				return p.post(t, "payments/yookassa", yktest.Notification("payment.succeeded", "2f0e9999-000f-5000-8000-000000000000",
					map[string]any{"status": "succeeded", "paid": true, "amount": map[string]any{"value": "990.00", "currency": "RUB"},
						"metadata": map[string]any{"order_id": o.ID}}))
			}, 200},
			{"forged status of the true payment", func(shop.Order) int {
				return p.post(t, "payments/yookassa", yktest.Notification("payment.succeeded", id, map[string]any{"status": "succeeded", "paid": true}))
			}, 200},
			{"unknown order", func(o shop.Order) int {
				pay, err := yk.Link().Charge(ctx, shop.Order{ID: "o-nobody", Number: 9999, Total: o.Total})
				if err != nil {
					t.Fatal(err)
				}
				return p.yk.Pay(pay.ID)
			}, 200},
			{"wrong amount", func(o shop.Order) int {
				less := o
				less.Total.Minor -= 100
				pay, err := yk.Link().Charge(ctx, less)
				if err != nil {
					t.Fatal(err)
				}
				return p.yk.Pay(pay.ID)
			}, 200},
		})
		if code := p.yk.Pay(id); code != 200 {
			t.Fatalf("the true notification: %d", code)
		}
		w.await(fmt.Sprintf("✅ Payment received for order #%d", n), fmt.Sprintf("Thank you! Order #%d is paid", n))
		for range 2 { // replayed: YooKassa sends again until it gets a 200
			if code := p.yk.Notify("payment.succeeded", id); code != 200 {
				t.Errorf("duplicate: %d", code)
			}
		}
		paidOnce(t, w, n, "yookassa")
		if r := p.yk.Refunds(); len(r) != 0 {
			t.Errorf("refunds %v: the wrong-amount and unknown-order payments are left for the shop to look at, not refunded blind", r)
		}
	})

	t.Run("stripe", func(t *testing.T) {
		t.Parallel()
		w, n := p.web(t)
		m := payHere.FindStringSubmatch(allText(w.press("💳 Card (Stripe)")))
		if m == nil {
			t.Fatal("no Checkout link")
		}
		id := m[1][strings.LastIndex(m[1], "/")+1:]
		p.stripe.Complete(id) // paid: only the signature stands in the way
		body := p.stripe.Event("checkout.session.completed", id)
		now := time.Now()
		run(t, n, []attack{
			{"unsigned", func(shop.Order) int { return p.post(t, "payments/stripe", body) }, 400},
			{"forged signature", func(shop.Order) int {
				return p.post(t, "payments/stripe", body, "Stripe-Signature", stripe.Sign(body, "whsec_forged", now))
			}, 400},
			{"replayed after 6 minutes", func(shop.Order) int {
				return p.post(t, "payments/stripe", body, "Stripe-Signature", stripe.Sign(body, p.stripe.WebhookSecret, now.Add(-6*time.Minute)))
			}, 400},
			{"tampered body", func(shop.Order) int {
				other := bytes.Replace(body, []byte(id), []byte("cs_test_other"), 1)
				return p.post(t, "payments/stripe", other, "Stripe-Signature", stripe.Sign(body, p.stripe.WebhookSecret, now))
			}, 400},
			{"unknown order", func(o shop.Order) int {
				pay, err := st.Charge(ctx, shop.Order{ID: "o-nobody", Number: 9999, Total: o.Total})
				if err != nil {
					t.Fatal(err)
				}
				return p.stripe.Pay(pay.ID)
			}, 200},
			{"wrong amount", func(o shop.Order) int {
				less := o
				less.Total.Minor -= 100
				pay, err := st.Charge(ctx, less)
				if err != nil {
					t.Fatal(err)
				}
				return p.stripe.Pay(pay.ID)
			}, 200},
		})
		sig := stripe.Sign(body, p.stripe.WebhookSecret, time.Now())
		if code := p.post(t, "payments/stripe", body, "Stripe-Signature", sig); code != 200 {
			t.Fatalf("the true event: %d", code)
		}
		w.await(fmt.Sprintf("✅ Payment received for order #%d", n), fmt.Sprintf("Thank you! Order #%d is paid", n))
		for _, again := range [][]byte{body, p.stripe.Event("checkout.session.completed", id)} { // the same event, and another about the session
			if code := p.post(t, "payments/stripe", again, "Stripe-Signature", stripe.Sign(again, p.stripe.WebhookSecret, time.Now())); code != 200 {
				t.Errorf("duplicate: %d", code)
			}
		}
		paidOnce(t, w, n, "stripe")
		if r := p.stripe.Refunds(); r != 0 {
			t.Errorf("%d refunds", r)
		}
	})
}
