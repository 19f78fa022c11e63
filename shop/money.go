// Package shop holds the domain vocabulary shared by every other package:
// money, customers, carts, orders and their status transitions. It imports
// only the standard library.
package shop

import (
	"fmt"
	"strconv"
	"strings"
)

// Money is an amount in minor units (kopecks, cents) of a currency.
type Money struct {
	Minor    int64  `json:"minor"`
	Currency string `json:"currency"`
}

// ParseMoney reads a decimal amount such as "890", "890.5" or "890.00".
func ParseMoney(s, currency string) (Money, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Money{}, fmt.Errorf("empty price")
	}
	neg := strings.HasPrefix(s, "-")
	if neg {
		return Money{}, fmt.Errorf("negative price %q", s)
	}
	whole, frac, hasFrac := strings.Cut(s, ".")
	if hasFrac && (len(frac) == 0 || len(frac) > 2) {
		return Money{}, fmt.Errorf("price %q: at most two decimals", s)
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || w < 0 || w > 1e12 {
		return Money{}, fmt.Errorf("price %q is not a number", s)
	}
	var f int64
	if hasFrac {
		if len(frac) == 1 {
			frac += "0"
		}
		f, err = strconv.ParseInt(frac, 10, 64)
		if err != nil || f < 0 {
			return Money{}, fmt.Errorf("price %q is not a number", s)
		}
		if f != 0 && Exponent(currency) == 0 {
			return Money{}, fmt.Errorf("price %q: %s has no fractions of a unit", s, currency)
		}
	}
	return Money{Minor: w*100 + f, Currency: currency}, nil
}

// Mul returns m times n.
func (m Money) Mul(n int) Money { return Money{Minor: m.Minor * int64(n), Currency: m.Currency} }

// Add returns m plus o; the currency of a zero m is taken from o.
func (m Money) Add(o Money) Money {
	c := m.Currency
	if c == "" {
		c = o.Currency
	}
	return Money{Minor: m.Minor + o.Minor, Currency: c}
}

// Decimal returns the amount as "890.00".
func (m Money) Decimal() string {
	return fmt.Sprintf("%d.%02d", m.Minor/100, m.Minor%100)
}

// Format formats the amount for people in the given language ("en" or "ru"):
// "₽890" / "890 ₽", with thousands grouped and kopecks shown only when
// present; a negative amount has its minus in front: "−₽50" / "−50 ₽".
func (m Money) Format(lang string) string {
	if m.Minor < 0 {
		return "−" + Money{Minor: -m.Minor, Currency: m.Currency}.Format(lang)
	}
	whole := m.Minor / 100
	frac := m.Minor % 100
	sep := ","
	if lang == "ru" {
		sep = "\u00a0"
	}
	digits := strconv.FormatInt(whole, 10)
	var b strings.Builder
	for i, d := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(d)
	}
	num := b.String()
	if frac != 0 {
		dec := "."
		if lang == "ru" {
			dec = ","
		}
		num += fmt.Sprintf("%s%02d", dec, frac)
	}
	sym := currencySymbol(m.Currency)
	if lang == "ru" {
		return num + "\u00a0" + sym
	}
	if len(sym) > 0 && len(sym) <= 3 && sym != m.Currency {
		return sym + num
	}
	return num + " " + sym
}

func (m Money) String() string { return m.Decimal() + " " + m.Currency }

// Exponent is how many decimals currency c has in its smallest unit (ISO
// 4217): 2 for most (RUB, USD, EUR), 0 for the yen or the won, 3 for the
// Kuwaiti dinar. Payment providers count amounts in that unit; Money keeps
// hundredths of every currency.
func Exponent(c string) int {
	switch strings.ToUpper(c) {
	case "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF":
		return 0
	case "BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND":
		return 3
	}
	return 2
}

// UnitAmount is m in its currency's smallest unit, as payment providers
// (Stripe, Telegram) count it: ¥1,000 is 1000, $10.50 is 1050, 10 KWD is
// 10000. A fraction its currency has no unit for is an error.
func (m Money) UnitAmount() (int64, error) {
	switch Exponent(m.Currency) {
	case 0:
		if m.Minor%100 != 0 {
			return 0, fmt.Errorf("%s has no fractions of a unit: %s", m.Currency, m.Decimal())
		}
		return m.Minor / 100, nil
	case 3:
		return m.Minor * 10, nil
	}
	return m.Minor, nil
}

// ProviderMoney is what a provider reports, amount in currency's smallest
// unit, as Money; an amount Money cannot keep comes back negative, so it
// matches no order and is refused as a wrong amount.
func ProviderMoney(amount int64, currency string) Money {
	m, err := FromUnits(amount, currency)
	if err != nil {
		return Money{Minor: -1, Currency: strings.ToUpper(currency)}
	}
	return m
}

// FromUnits is amount in currency's smallest unit as Money; an amount
// finer than Money keeps (a fils of a dinar) is an error.
func FromUnits(amount int64, currency string) (Money, error) {
	currency = strings.ToUpper(currency)
	switch Exponent(currency) {
	case 0:
		return Money{Minor: amount * 100, Currency: currency}, nil
	case 3:
		if amount%10 != 0 {
			return Money{}, fmt.Errorf("%d %s thousandths: finer than the shop keeps", amount, currency)
		}
		return Money{Minor: amount / 10, Currency: currency}, nil
	}
	return Money{Minor: amount, Currency: currency}, nil
}

func currencySymbol(c string) string {
	switch c {
	case "RUB":
		return "₽"
	case "USD":
		return "$"
	case "EUR":
		return "€"
	case "GBP":
		return "£"
	}
	return c
}
