package store

import (
	"context"
	"errors"
	"testing"

	"omnicart/shop"
)

// TestReturnDecidedOnce: a request is decided once (a second decision
// finds it decided, by whom); an exchange short of stock changes nothing;
// one with the stock places a paid order and takes the stock, in the
// request's transaction; one pending request per order.
func TestReturnDecidedOnce(t *testing.T) {
	ctx := context.Background()
	db := openMem(t)
	if err := db.SyncStock(ctx, map[string]int{"A": 1}); err != nil {
		t.Fatal(err)
	}
	c, err := db.CustomerFor(ctx, "telegram:1")
	if err != nil {
		t.Fatal(err)
	}
	line := shop.Line{Item: shop.Item{SKU: "A"}, Qty: 1, Price: shop.Money{Minor: 100, Currency: "RUB"}}
	o, err := db.PlaceOrder(ctx, shop.Order{CustomerID: c.ID, Lines: []shop.Line{line}, Total: line.Price})
	if err != nil {
		t.Fatal(err)
	}
	r, err := db.CreateReturn(ctx, shop.Return{OrderID: o.ID, Customer: c.ID, Lines: o.Lines, Reason: "defective", Want: shop.WantExchange}, nil)
	if err != nil || r.N != 1 || r.Status != shop.ReturnPending {
		t.Fatalf("create: %+v %v", r, err)
	}
	if _, err := db.CreateReturn(ctx, shop.Return{OrderID: o.ID, Customer: c.ID, Lines: o.Lines}, nil); !errors.Is(err, shop.ErrReturnOpen) {
		t.Fatalf("second pending request: %v", err)
	}
	if _, err := db.CreateReturn(ctx, shop.Return{OrderID: o.ID, Customer: "someone else"}, nil); !errors.Is(err, shop.ErrNotFound) {
		t.Fatalf("another's order: %v", err)
	}
	ex := shop.Order{CustomerID: c.ID, Lines: o.Lines, Status: shop.StatusPaid, Provider: "exchange", PaymentID: "return/1", Discount: line.Price,
		Total: shop.Money{Currency: "RUB"}}
	approve := func(r *shop.Return, placed *shop.Order) ([]shop.Notice, error) {
		r.Status, r.By, r.Exchange = shop.ReturnApproved, "telegram:9", placed.Number
		return nil, nil
	}
	// The stock went with the first order: none left for the exchange.
	if _, _, err := db.DecideReturn(ctx, 1, shop.AuditEntry{By: "telegram:9", Action: "return"}, &ex, approve); !errors.As(err, new(*shop.OutOfStockError)) {
		t.Fatalf("exchange without stock: %v", err)
	}
	if pending, n, _ := db.PendingReturns(ctx, 10); n != 1 || pending[0].Status != shop.ReturnPending {
		t.Fatalf("a refused exchange changed the request: %+v", pending)
	}
	if err := db.SetStock(ctx, shop.Item{SKU: "A"}, 1); err != nil {
		t.Fatal(err)
	}
	r, placed, err := db.DecideReturn(ctx, 1, shop.AuditEntry{By: "telegram:9", Action: "return"}, &ex, approve)
	if err != nil || placed == nil || placed.Number != o.Number+1 || r.Exchange != placed.Number || placed.Status != shop.StatusPaid {
		t.Fatalf("exchange: %+v %+v %v", r, placed, err)
	}
	if left, _, _ := db.Stock(ctx, shop.Item{SKU: "A"}); left != 0 {
		t.Fatalf("stock after the exchange: %d", left)
	}
	r, _, err = db.DecideReturn(ctx, 1, shop.AuditEntry{By: "telegram:8"}, nil, func(r *shop.Return, _ *shop.Order) ([]shop.Notice, error) {
		r.Status = shop.ReturnDeclined
		return nil, nil
	})
	if !errors.Is(err, shop.ErrReturnDecided) || r.By != "telegram:9" || r.Status != shop.ReturnApproved {
		t.Fatalf("second decision: %+v %v", r, err)
	}
	if _, n, _ := db.PendingReturns(ctx, 10); n != 0 {
		t.Fatalf("pending after the decision: %d", n)
	}
	log, _ := db.AuditLog(ctx, 5)
	if len(log) != 1 || log[0].Action != "return" || log[0].Before != "pending" || log[0].After != "approved" {
		t.Fatalf("audit: %+v", log)
	}
	verifyClean(t, db)
}
