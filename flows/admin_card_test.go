package flows

import (
	"testing"

	"omnicart/locales"
	"omnicart/shop"
)

// TestOrderSums: the lines under an order add up to its total, with a
// promo code, points and a fee, and for an order placed before the fee
// was recorded.
func TestOrderSums(t *testing.T) {
	rub := func(minor int64) shop.Money { return shop.Money{Minor: minor, Currency: "RUB"} }
	lines := []shop.Line{{Item: shop.Item{SKU: "A"}, Qty: 2, Price: rub(89000)}}
	texts := locales.Default()
	for _, tc := range []struct {
		name, lang string
		o          shop.Order
		want       string
	}{
		{"fee", "en", shop.Order{Lines: lines, Total: rub(208000), DeliveryFee: rub(30000)},
			"Items: ₽1,780\nDelivery fee: ₽300"},
		{"code and points", "en", shop.Order{Lines: lines, Total: rub(130200), Discount: rub(17800), Promo: &shop.Promo{Code: "WELCOME10"},
			Points: 300, DeliveryFee: rub(0)},
			"Items: ₽1,780\nPromo code WELCOME10: −₽178\nPaid with 300 points: −₽300\nDelivery fee: free"},
		{"points in Russian", "ru", shop.Order{Lines: lines, Total: rub(205900), Points: 21, DeliveryFee: rub(30000)},
			"Товары: 1\u00a0780\u00a0₽\nОплачено 21 баллом: −21\u00a0₽\nСтоимость доставки: 300\u00a0₽"},
		{"fee not recorded", "en", shop.Order{Lines: lines, Total: rub(208000)},
			"Items: ₽1,780\nDelivery fee: ₽300"},
	} {
		if got := orderSums(texts.Printer(tc.lang), tc.o); got != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, tc.want)
		}
	}
}
