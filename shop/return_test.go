package shop

import (
	"testing"
	"time"
)

func TestReturnValueAndWindow(t *testing.T) {
	rub := func(n int64) Money { return Money{Minor: n * 100, Currency: "RUB"} }
	a := Line{Item: Item{SKU: "A"}, Qty: 1, Price: rub(1000)}
	b := Line{Item: Item{SKU: "B"}, Qty: 2, Price: rub(500)}
	o := Order{Lines: []Line{a, b}, Total: rub(1900 + 300), Discount: rub(100), DeliveryFee: rub(300)}
	for _, c := range []struct {
		name  string
		lines []Line
		want  Money
	}{
		{"everything, delivery included", []Line{a, b}, rub(2200)},
		{"one line, its share after the discount", []Line{a}, rub(950)},
		{"the other", []Line{b}, rub(950)},
	} {
		if got := o.ReturnValue(c.lines, nil); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	// a refunded first (its share, 950): b, the last to come back, gets
	// all that is left, delivery included.
	o.Refunded = rub(950)
	if got := o.ReturnValue([]Line{b}, []Line{a}); got != rub(1250) {
		t.Errorf("the last line back after a refunded one: %v, want all that is left, %v", got, rub(1250))
	}
	r := Return{Lines: []Line{b}, Value: rub(1250)}
	if got := r.RefundValue(&o); got != rub(1250) {
		t.Errorf("RefundValue = %v, want the value told, %v", got, rub(1250))
	}
	o.Refunded = rub(2000)
	if got := o.ReturnValue([]Line{a}, nil); got != rub(200) {
		t.Errorf("never more than is left: %v", got)
	}
	if got := r.RefundValue(&o); got != rub(200) {
		t.Errorf("RefundValue after more was refunded = %v, want what is left, %v", got, rub(200))
	}

	day := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	o = Order{Status: StatusDelivered, History: []StatusChange{{Status: StatusPaid, At: day.AddDate(0, 0, -3)}, {Status: StatusDelivered, At: day}}}
	if !o.Returnable(day.AddDate(0, 0, 13), 14) || o.Returnable(day.AddDate(0, 0, 14), 14) {
		t.Error("the window is 14 days from delivery")
	}
	o.Status = StatusShipped
	if o.Returnable(day, 14) {
		t.Error("an order not delivered is not returnable")
	}
}
