package qr

import (
	"context"
	"strings"
	"testing"

	"omnicart/payments"
	"omnicart/payments/qr/qrtest"
	"omnicart/shop"
)

var testPayee = Payee{
	Name: "ООО «Кофе и Зерно»", Account: "40702810900000012345", Bank: "ПАО СБЕРБАНК",
	BIC: "044525225", CorrAccount: "30101810400000000225", INN: "7707083893", KPP: "773601001",
}

func TestChargeQRDecodes(t *testing.T) {
	p, err := New(testPayee)
	if err != nil {
		t.Fatal(err)
	}
	o := shop.Order{ID: "o1", Number: 1042, Total: shop.Money{Minor: 178050, Currency: "RUB"}}
	pay, err := p.Charge(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if pay.Status != payments.Pending || !pay.Transfer || pay.Provider != "qr" || pay.OrderID != "o1" {
		t.Fatalf("payment = %+v", pay)
	}
	got := qrtest.Decode(t, pay.QR)
	want := "ST00012|Name=ООО «Кофе и Зерно»|PersonalAcc=40702810900000012345|BankName=ПАО СБЕРБАНК|BIC=044525225|CorrespAcc=30101810400000000225|PayeeINN=7707083893|KPP=773601001|Sum=178050|Purpose=Order 1042"
	if got != want {
		t.Errorf("decoded payload\n got %q\nwant %q", got, want)
	}
	header, f := qrtest.Fields(t, got)
	if header != "ST00012" {
		t.Errorf("header %q, want ST00012 (format 0001, UTF-8)", header)
	}
	for k, v := range map[string]string{
		"Name": testPayee.Name, "PersonalAcc": testPayee.Account, "BankName": testPayee.Bank, "BIC": testPayee.BIC,
		"CorrespAcc": testPayee.CorrAccount, "PayeeINN": testPayee.INN, "KPP": testPayee.KPP,
		"Sum": "178050", "Purpose": "Order 1042",
	} {
		if f[k] != v {
			t.Errorf("%s = %q, want %q", k, f[k], v)
		}
	}
	if len(f) != 9 {
		t.Errorf("%d fields, want 9: %v", len(f), f)
	}
}

func TestPayeeProblems(t *testing.T) {
	if bad := testPayee.Problems(); bad != nil {
		t.Fatalf("valid payee: %v", bad)
	}
	p := testPayee
	p.Account, p.BIC, p.CorrAccount, p.INN, p.KPP, p.Name = "4070", "04452522x", "", "123", "1", "A|B"
	bad := strings.Join(p.Problems(), "\n")
	for _, want := range []string{"account must be 20 digits", "bic must be 9 digits", "corr_account must be 20 digits",
		"inn must be 10 or 12 digits", "kpp must be 9 digits", "name may not contain |"} {
		if !strings.Contains(bad, want) {
			t.Errorf("problems lack %q:\n%s", want, bad)
		}
	}
	if _, err := New(p); err == nil {
		t.Error("New accepted a bad payee")
	}
}

func TestChargeRefusesOtherCurrencies(t *testing.T) {
	p, _ := New(testPayee)
	if _, err := p.Charge(context.Background(), shop.Order{ID: "o", Total: shop.Money{Minor: 100, Currency: "EUR"}}); err == nil {
		t.Fatal("a EUR order got a rouble transfer QR")
	}
}
