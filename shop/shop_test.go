package shop

import (
	"errors"
	"testing"
	"time"
)

func TestParseMoney(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		err  bool
	}{
		{"890", 89000, false}, {"890.5", 89050, false}, {"890.05", 89005, false}, {" 7490.00 ", 749000, false},
		{"", 0, true}, {"-1", 0, true}, {"1.234", 0, true}, {"1.", 0, true}, {"abc", 0, true}, {"1e3", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseMoney(tt.in, "RUB")
		if (err != nil) != tt.err || !tt.err && got.Minor != tt.want {
			t.Errorf("ParseMoney(%q) = %v, %v; want %d, err %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestMoneyFormat(t *testing.T) {
	tests := []struct {
		m    Money
		lang string
		want string
	}{
		{Money{89000, "RUB"}, "en", "₽890"},
		{Money{89000, "RUB"}, "ru", "890\u00a0₽"},
		{Money{123456789, "RUB"}, "ru", "1\u00a0234\u00a0567,89\u00a0₽"},
		{Money{123456700, "USD"}, "en", "$1,234,567"},
		{Money{5, "XYZ"}, "en", "0.05 XYZ"},
		{Money{-12345650, "RUB"}, "en", "−₽123,456.50"},
		{Money{-12345650, "RUB"}, "ru", "−123\u00a0456,50\u00a0₽"},
		{Money{100000, "JPY"}, "en", "1,000 JPY"},
	}
	for _, tt := range tests {
		if got := tt.m.Format(tt.lang); got != tt.want {
			t.Errorf("%v.Format(%s) = %q, want %q", tt.m, tt.lang, got, tt.want)
		}
	}
}

// TestUnitAmount: providers count in the currency's smallest unit, which
// is not always a hundredth: ¥1,000 is 1000, 10 KWD is 10000.
func TestUnitAmount(t *testing.T) {
	for _, tt := range []struct {
		m    Money
		want int64
	}{
		{Money{89050, "RUB"}, 89050},
		{Money{100000, "JPY"}, 1000},
		{Money{100000, "jpy"}, 1000},
		{Money{1050, "KWD"}, 10500},
	} {
		got, err := tt.m.UnitAmount()
		if err != nil || got != tt.want {
			t.Errorf("%v.UnitAmount() = %d, %v; want %d", tt.m, got, err, tt.want)
		}
		back, err := FromUnits(got, tt.m.Currency)
		if err != nil || back.Minor != tt.m.Minor {
			t.Errorf("FromUnits(%d, %s) = %v, %v; want %v", got, tt.m.Currency, back, err, tt.m)
		}
	}
	if _, err := (Money{100050, "JPY"}).UnitAmount(); err == nil {
		t.Error("¥1,000.50 was sent to a provider")
	}
	if _, err := FromUnits(10501, "KWD"); err == nil {
		t.Error("a fils of a dinar was read into Money")
	}
	// 10% off ¥1,005 is ¥100, not ¥100.50: the total stays payable.
	off, err := Promo{Percent: 10}.Discount([]Line{{Item: Item{SKU: "TEA"}, Qty: 1, Price: Money{100500, "JPY"}}}, func(string) string { return "" })
	if err != nil || off != (Money{10000, "JPY"}) {
		t.Errorf("10%% off ¥1,005 = %v, %v; want ¥100", off, err)
	}
	if _, err := ParseMoney("990.50", "JPY"); err == nil {
		t.Error("a catalog price of ¥990.50 was taken")
	}
}

func TestCart(t *testing.T) {
	var c Cart
	rub := func(n int64) Money { return Money{n * 100, "RUB"} }
	a, b := Item{SKU: "A"}, Item{SKU: "B", Variant: "red"}
	c.Add(a, 2, rub(100))
	c.Add(b, 1, rub(50))
	c.Add(a, 200, rub(100))
	if c.Qty(a) != MaxLineQty || c.Count() != MaxLineQty+1 {
		t.Fatalf("quantities: %+v", c)
	}
	c.SetQty(a, 3)
	if got := c.Total(); got != rub(350) {
		t.Fatalf("total = %v", got)
	}
	var other Cart
	other.Add(b, 2, rub(50))
	other.Add(Item{SKU: "C"}, 1, rub(10))
	c.Merge(other)
	if c.Qty(b) != 3 || c.Qty(Item{SKU: "C"}) != 1 || len(c.Lines) != 3 {
		t.Fatalf("merge: %+v", c)
	}
	c.SetQty(a, 0)
	if c.Qty(a) != 0 || len(c.Lines) != 2 {
		t.Fatalf("remove: %+v", c)
	}
	if b.Key() != "B/red" || a.Key() != "A" {
		t.Fatalf("keys %q %q", a.Key(), b.Key())
	}
}

func TestOrderStatus(t *testing.T) {
	o := Order{ID: "o1", Status: StatusNew}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := o.Move(StatusPaid, now); err != nil || o.Status != StatusPaid || !o.UpdatedAt.Equal(now) {
		t.Fatalf("new→paid: %v %+v", err, o)
	}
	if err := o.Move(StatusNew, now); !errors.Is(err, ErrBadTransition) {
		t.Fatalf("paid→new: err = %v", err)
	}
	if err := o.Move(StatusShipped, now); err != nil {
		t.Fatal(err)
	}
	if err := o.Move(StatusCancelled, now); err == nil {
		t.Fatal("shipped→cancelled allowed")
	}
}
