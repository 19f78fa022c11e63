package main

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"omnicart/shop"
)

// paymentsConfig is a [payments] part of a config with every method on and
// every key empty (as config.example.toml ships it).
const paymentsConfig = `[payments]
methods = ["demo", "yookassa", "sbp", "qr", "telegram", "stripe"]
[payments.yookassa]
shop_id = ""
secret_key = ""
api_url = "https://api.yookassa.ru/v3"
[payments.qr]
name = ""
account = ""
bank = ""
bic = ""
corr_account = ""
inn = ""
kpp = ""
[payments.telegram]
provider_token = ""
[payments.stripe]
secret_key = ""
webhook_secret = ""
api_url = "https://api.stripe.com"
`

// checkWithPayments appends payments to the demo config and runs check; it
// returns the config's path, the config's text and what check printed on
// stderr, failing unless check exits 1.
func checkWithPayments(t *testing.T, payments string) (path, src, stderr string) {
	t.Helper()
	config, _ := copyDemo(t)
	base, err := os.ReadFile(config)
	if err != nil {
		t.Fatal(err)
	}
	src = string(base) + payments
	if err := os.WriteFile(config, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := cli([]string{"check", "--config", config}, nil, &out, &errOut); code != 1 {
		t.Fatalf("check exit %d, want 1:\n%s%s", code, out.String(), errOut.String())
	}
	return config, src, errOut.String()
}

// lineOf returns the 1-based line of src that starts with prefix after
// the first line that starts with table ("" for the top).
func lineOf(t *testing.T, src, table, prefix string) int {
	t.Helper()
	in := table == ""
	for i, l := range strings.Split(src, "\n") {
		if l == table {
			in = true
			continue
		}
		if in && strings.HasPrefix(l, prefix) {
			return i + 1
		}
	}
	t.Fatalf("no line %q under %q", prefix, table)
	return 0
}

// TestCheckPaymentsMissingKeys: with every payment method enabled and
// every key empty, check reports each missing key at its own line of the
// config file, a key left out at the line of its table, and what has no
// key of its own (the Telegram channel's token) at the methods line.
func TestCheckPaymentsMissingKeys(t *testing.T) {
	path, src, got := checkWithPayments(t, paymentsConfig)
	methods := lineOf(t, src, "[payments]", "methods =")
	want := []struct {
		table, key, text string
	}{
		{"[payments.yookassa]", "shop_id =", `payments.yookassa.shop_id is needed for the payment method "yookassa"`},
		{"[payments.yookassa]", "secret_key =", `payments.yookassa.secret_key is needed for the payment method "yookassa"`},
		{"[payments.qr]", "name =", "payments.qr.name is empty"},
		{"[payments.qr]", "account =", "payments.qr.account must be 20 digits"},
		{"[payments.qr]", "bank =", "payments.qr.bank is empty"},
		{"[payments.qr]", "bic =", "payments.qr.bic must be 9 digits"},
		{"[payments.qr]", "corr_account =", "payments.qr.corr_account must be 20 digits"},
		{"[payments.qr]", "inn =", "payments.qr.inn must be 10 or 12 digits"},
		{"[payments.telegram]", "provider_token =", `payments.telegram.provider_token is needed for the payment method "telegram"`},
		{"[payments.stripe]", "secret_key =", `payments.stripe.secret_key is needed for the payment method "stripe"`},
		{"[payments.stripe]", "webhook_secret =", `payments.stripe.webhook_secret is needed for the payment method "stripe"`},
		{"", "[http]", `http.public_url is needed for the payment method "yookassa"`}, // not in the file: its table's line
		{"[payments]", "methods =", `"telegram" needs the Telegram channel: set telegram.token`},
	}
	for _, w := range want {
		line := lineOf(t, src, w.table, w.key)
		prefix := path + ":" + strconv.Itoa(line) + ": "
		found := false
		for _, l := range strings.Split(got, "\n") {
			if strings.HasPrefix(l, prefix) && strings.Contains(l, w.text) {
				found = true
			}
		}
		if !found {
			t.Errorf("no %q at %s in:\n%s", w.text, prefix, got)
		}
	}
	if strings.Contains(got, "payments.qr.kpp") {
		t.Errorf("an empty kpp (a sole trader) was reported:\n%s", got)
	}
	if n := strings.Count(got, "payments.yookassa.shop_id"); n != 1 {
		t.Errorf("shop_id reported %d times for yookassa and sbp, want once:\n%s", n, got)
	}

	// A key left out of its table is reported at the table's line; a
	// table left out at the methods line that needs it.
	path, src, got = checkWithPayments(t, "[payments]\nmethods = [\"stripe\", \"yookassa\"]\n[payments.stripe]\nsecret_key = \"sk_test_1\"\napi_url = \"ftp://x\"\n")
	methods = lineOf(t, src, "[payments]", "methods =")
	for _, w := range []string{
		path + ":" + strconv.Itoa(methods) + `: payments.yookassa.shop_id is needed for the payment method "yookassa"`,
		path + ":" + strconv.Itoa(lineOf(t, src, "", "[payments.stripe]")) + `: payments.stripe.webhook_secret is needed for the payment method "stripe"`,
		path + ":" + strconv.Itoa(lineOf(t, src, "[payments.stripe]", "api_url =")) + `: payments.stripe.api_url "ftp://x" is not an http(s) URL`,
	} {
		if !strings.Contains(got, w) {
			t.Errorf("no %q in:\n%s", w, got)
		}
	}
	if strings.Contains(got, "payments.stripe.secret_key") {
		t.Errorf("a present secret_key was reported:\n%s", got)
	}
}

// TestTransferTTL: an order waiting for a bank transfer is given
// payments.qr.ttl (72h unless set) to be paid, any other orders.unpaid_ttl;
// a ttl below 10m is a check error at its line.
func TestTransferTTL(t *testing.T) {
	config, _ := copyDemo(t)
	cfg, err := LoadConfig(config)
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.payWithin(shop.Order{Provider: "qr"}); got != 72*time.Hour {
		t.Errorf("transfer: %v, want 72h", got)
	}
	if got := cfg.payWithin(shop.Order{Provider: "yookassa"}); got != cfg.Orders.UnpaidTTL.Duration || got != 24*time.Hour {
		t.Errorf("card: %v, want orders.unpaid_ttl", got)
	}
	qr := strings.Replace(paymentsConfig, `methods = ["demo", "yookassa", "sbp", "qr", "telegram", "stripe"]`, `methods = ["qr"]`, 1)
	qr = strings.Replace(qr, `kpp = ""`, "kpp = \"\"\nttl = \"5m\"", 1)
	path, src, got := checkWithPayments(t, qr)
	want := path + ":" + strconv.Itoa(lineOf(t, src, "[payments.qr]", "ttl =")) + `: payments.qr.ttl must be at least 10m`
	if !strings.Contains(got, want) {
		t.Errorf("no %q in:\n%s", want, got)
	}
}

// TestCheckDemoBesideRealMoney: the demo payment, which marks orders paid
// without money, is refused next to a method taking real money (a live
// key, a bank transfer), and a config with keys but no methods, which
// would offer only the demo, is refused too. Test keys may keep the demo.
func TestCheckDemoBesideRealMoney(t *testing.T) {
	stripe := func(methods, key string) string {
		s := "[payments]\n"
		if methods != "" {
			s += "methods = " + methods + "\n"
		}
		return s + "[payments.stripe]\nsecret_key = \"" + key + "\"\nwebhook_secret = \"whsec_1\"\n"
	}
	for _, c := range []struct {
		config, want string
	}{
		{stripe(`["demo", "stripe"]`, "sk_live_1"), `payments.methods: "demo" marks orders paid without taking money, and "stripe" with a live key takes real money`},
		{stripe("", "sk_live_1"), `payments.methods is not set, so only "demo" (no money) is offered although payment keys are`},
	} {
		path, src, got := checkWithPayments(t, c.config)
		want := path + ":" + strconv.Itoa(lineOf(t, src, "", "[payments]")) + ": "
		if c.config == stripe(`["demo", "stripe"]`, "sk_live_1") {
			want = path + ":" + strconv.Itoa(lineOf(t, src, "[payments]", "methods =")) + ": "
		}
		if !strings.Contains(got, want+c.want) {
			t.Errorf("no %q in:\n%s", want+c.want, got)
		}
	}
	// Test keys keep the demo beside them: check passes.
	config, _ := copyDemo(t)
	base, _ := os.ReadFile(config)
	src := strings.Replace(string(base), "[http]\n", "[http]\npublic_url = \"https://shop.example\"\n", 1) + stripe(`["demo", "stripe"]`, "sk_test_1")
	os.WriteFile(config, []byte(src), 0o644)
	var out, errOut bytes.Buffer
	if code := cli([]string{"check", "--config", config}, nil, &out, &errOut); code != 0 {
		t.Errorf("demo beside a Stripe test key: exit %d\n%s", code, errOut.String())
	}
}
