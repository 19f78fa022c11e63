package shop

import (
	"fmt"
	"strings"
	"time"
)

// Promo is a promo code and its terms. Owners define codes in the shop
// directory; the store keeps generated single-use codes. A code gives
// Percent or Amount off the items (not the delivery).
type Promo struct {
	Code    string `json:"code"`
	Percent int    `json:"percent,omitempty"` // 1-100; or Amount
	Amount  Money  `json:"amount,omitzero"`   // fixed amount off; or Percent
	// MinTotal is the items total an order needs for the code; zero: any.
	MinTotal Money `json:"min_total,omitzero"`
	// From and Until bound when the code works: From included, Until
	// excluded; zero: no bound.
	From  time.Time `json:"from,omitzero"`
	Until time.Time `json:"until,omitzero"`
	// Limit is how many orders may use the code in all, PerCustomer how
	// many of one customer; 0: no limit. Cancelled orders give their use back.
	Limit       int `json:"limit,omitempty"`
	PerCustomer int `json:"per_customer,omitempty"`
	// Categories, when given, limit the discount to items of these categories.
	Categories []string `json:"categories,omitempty"`
}

// PromoReason says why a promo code cannot be used.
type PromoReason string

// Reasons a promo code is refused.
const (
	PromoUnknown   PromoReason = "unknown"     // no such code
	PromoNotYet    PromoReason = "not_yet"     // before From
	PromoExpired   PromoReason = "expired"     // at or after Until
	PromoUsedUp    PromoReason = "used_up"     // Limit reached
	PromoUsedByYou PromoReason = "used_by_you" // PerCustomer reached
	PromoMinTotal  PromoReason = "min_total"   // the items total is below MinTotal
	PromoNoItems   PromoReason = "no_items"    // no item of the code's categories in the order
)

// PromoError says why a promo code was refused; callers turn Reason into
// a text for the shopper.
type PromoError struct {
	Code   string
	Reason PromoReason
	Promo  Promo // the code's terms, when it exists (for MinTotal, From, Until)
}

func (e *PromoError) Error() string {
	return fmt.Sprintf("promo code %s: %s", e.Code, e.Reason)
}

// MaxCodeLen is the longest promo code.
const MaxCodeLen = 32

// NormalizeCode returns a promo code as stored: upper case, without the
// spaces around it. ok is false for anything but 3-32 letters, digits, '-'
// and '_'.
func NormalizeCode(s string) (string, bool) {
	s = strings.ToUpper(strings.TrimSpace(s))
	if len(s) < 3 || len(s) > MaxCodeLen {
		return "", false
	}
	for _, r := range s {
		if (r < 'A' || r > 'Z') && (r < '0' || r > '9') && r != '-' && r != '_' {
			return "", false
		}
	}
	return s, true
}

// Active returns a *PromoError when p does not work at now.
func (p Promo) Active(now time.Time) error {
	switch {
	case !p.From.IsZero() && now.Before(p.From):
		return &PromoError{Code: p.Code, Reason: PromoNotYet, Promo: p}
	case !p.Until.IsZero() && !now.Before(p.Until):
		return &PromoError{Code: p.Code, Reason: PromoExpired, Promo: p}
	}
	return nil
}

// Discount returns what p takes off lines: Percent of (or Amount, at most)
// the lines it applies to. category returns a SKU's category. It returns
// a *PromoError when the items total is below MinTotal or no line is of
// the code's categories. Percentages round down to the minor unit.
func (p Promo) Discount(lines []Line, category func(sku string) string) (Money, error) {
	var all, eligible Money
	for _, l := range lines {
		all = all.Add(l.Total())
		if len(p.Categories) == 0 || containsString(p.Categories, category(l.SKU)) {
			eligible = eligible.Add(l.Total())
		}
	}
	if p.MinTotal.Minor > 0 && all.Minor < p.MinTotal.Minor {
		return Money{}, &PromoError{Code: p.Code, Reason: PromoMinTotal, Promo: p}
	}
	if eligible.Minor == 0 {
		return Money{}, &PromoError{Code: p.Code, Reason: PromoNoItems, Promo: p}
	}
	off := eligible.Minor * int64(min(max(p.Percent, 0), 100)) / 100
	if Exponent(all.Currency) == 0 {
		off -= off % 100
	}
	if p.Percent == 0 {
		off = min(p.Amount.Minor, eligible.Minor)
	}
	return Money{Minor: off, Currency: all.Currency}, nil
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
