// Package qr is the bank-transfer payment method for shops without an
// acquirer: a QR code in the format of ГОСТ Р 56042-2014 ("ST00012|Name=...")
// that a Russian bank app scans to fill in a transfer to the shop's account.
// Nothing confirms such a payment automatically: the order waits, "awaiting
// transfer", until an admin sees the money arrive and marks it paid.
package qr

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	qrcode "github.com/skip2/go-qrcode"

	"omnicart/payments"
	"omnicart/shop"
)

// Payee is the shop's bank account, as the bank knows it.
type Payee struct {
	Name        string // the payee's name
	Account     string // 20 digits
	Bank        string // the bank's name
	BIC         string // 9 digits
	CorrAccount string // the bank's correspondent account, 20 digits
	INN         string // 10 or 12 digits
	KPP         string // 9 digits; empty for a sole trader
}

// Problems returns what is wrong with p, as "field: reason" (field names
// as in the configuration), or nil.
func (p Payee) Problems() []string {
	var bad []string
	digits := func(field, v string, ns ...int) {
		ok := strings.Trim(v, "0123456789") == ""
		if ok {
			ok = false
			for _, n := range ns {
				ok = ok || len(v) == n
			}
		}
		if !ok {
			want := strconv.Itoa(ns[0])
			if len(ns) > 1 {
				want += " or " + strconv.Itoa(ns[1])
			}
			bad = append(bad, fmt.Sprintf("%s must be %s digits", field, want))
		}
	}
	for _, f := range []struct{ field, v string }{{"name", p.Name}, {"bank", p.Bank}} {
		if strings.TrimSpace(f.v) == "" {
			bad = append(bad, f.field+" is empty")
		}
	}
	digits("account", p.Account, 20)
	digits("bic", p.BIC, 9)
	digits("corr_account", p.CorrAccount, 20)
	digits("inn", p.INN, 10, 12)
	if p.KPP != "" {
		digits("kpp", p.KPP, 9)
	}
	for _, f := range []struct{ field, v string }{{"name", p.Name}, {"bank", p.Bank}} {
		if strings.ContainsAny(f.v, "|\r\n") {
			bad = append(bad, f.field+" may not contain | or a line break")
		}
	}
	return bad
}

// Payload returns the text of the QR code that pays amount (in kopecks)
// for order number n, exactly as ГОСТ Р 56042-2014 lays it out: the
// header ST0001 and 2 (UTF-8), then Key=Value pairs separated by "|".
func (p Payee) Payload(amount shop.Money, number int64) string {
	f := []string{
		"ST00012",
		"Name=" + p.Name,
		"PersonalAcc=" + p.Account,
		"BankName=" + p.Bank,
		"BIC=" + p.BIC,
		"CorrespAcc=" + p.CorrAccount,
		"PayeeINN=" + p.INN,
	}
	if p.KPP != "" {
		f = append(f, "KPP="+p.KPP)
	}
	f = append(f, "Sum="+strconv.FormatInt(amount.Minor, 10), "Purpose=Order "+strconv.FormatInt(number, 10))
	return strings.Join(f, "|")
}

// PNG returns the QR code of text as a PNG picture.
func PNG(text string) ([]byte, error) {
	return qrcode.Encode(text, qrcode.Medium, 512)
}

// Provider is the "qr" method.
type Provider struct{ payee Payee }

// New returns the bank-transfer method paying to payee, which must have
// no Problems.
func New(payee Payee) (*Provider, error) {
	if bad := payee.Problems(); len(bad) > 0 {
		return nil, fmt.Errorf("payments.qr: %s", strings.Join(bad, "; "))
	}
	return &Provider{payee: payee}, nil
}

// Name returns "qr".
func (*Provider) Name() string { return payments.MethodQR }

// Charge makes the transfer's QR code. The payment stays pending: the
// shop confirms it when the money arrives.
func (p *Provider) Charge(_ context.Context, o shop.Order) (payments.Payment, error) {
	if o.Total.Minor <= 0 {
		return payments.Payment{}, fmt.Errorf("qr charge %s: nothing to pay: %w", o.ID, payments.ErrDeclined)
	}
	if o.Total.Currency != "RUB" {
		return payments.Payment{}, fmt.Errorf("qr charge %s: a bank transfer QR is in roubles, not %s: %w", o.ID, o.Total.Currency, payments.ErrDeclined)
	}
	png, err := PNG(p.payee.Payload(o.Total, o.Number))
	if err != nil {
		return payments.Payment{}, fmt.Errorf("qr charge %s: %w", o.ID, err)
	}
	return payments.Payment{ID: "qr-" + strconv.FormatInt(o.Number, 10), OrderID: o.ID, Amount: o.Total,
		Status: payments.Pending, Provider: payments.MethodQR, QR: png, Transfer: true}, nil
}

// Payment returns ErrNoStatus: only the shop's bank statement knows.
func (p *Provider) Payment(_ context.Context, id string) (payments.Payment, error) {
	return payments.Payment{}, fmt.Errorf("bank transfer %s: %w", id, payments.ErrNoStatus)
}

var _ payments.Provider = (*Provider)(nil)
