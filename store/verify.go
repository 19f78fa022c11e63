package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/dgraph-io/badger/v4"

	"omnicart/shop"
)

// Report is what Verify found in a data directory or a backup.
type Report struct {
	Customers  int
	Orders     int
	LastOrder  int64               // the order sequence
	ByStatus   map[shop.Status]int // orders by status
	Stock      int                 // items with tracked stock
	Ordered    map[string]int      // units in orders that are not cancelled, by stock key
	MostOrders int                 // the most orders one customer has
	Problems   []string            // the data disagree with itself: something was lost or broken
	Warnings   []string            // worth a look, not wrong
	Opened     string              // how it was opened
	Record     *Record             // the Record of a directory, when it has one
}

// OK reports whether Verify found no problems.
func (r Report) OK() bool { return len(r.Problems) == 0 }

// Verify checks a data directory (opened read-only, or a copy of it when
// it was not closed cleanly) or a backup file (loaded into memory): it
// counts customers and orders and checks that orders, their index, the
// order sequence, stock and payments agree. A store that cannot be opened
// is an error (a *DamagedError says why).
func Verify(ctx context.Context, path string) (Report, error) {
	st, err := os.Stat(path)
	if err != nil {
		return Report{}, fmt.Errorf("verify: %w", err)
	}
	var db *DB
	var opened string
	if st.IsDir() {
		db, err = Open(path, Options{ReadOnly: true})
		opened = "read-only"
		if errors.Is(err, badger.ErrTruncateNeeded) {
			// Not closed cleanly: its logs need the replay that only a
			// writable open does. Check a copy and leave the original be.
			tmp, terr := os.MkdirTemp("", "omnicart-verify-")
			if terr != nil {
				return Report{}, fmt.Errorf("verify: %w", terr)
			}
			defer os.RemoveAll(tmp)
			if terr := copyDir(path, tmp); terr != nil {
				return Report{}, fmt.Errorf("verify: copy %s: %w", path, terr)
			}
			db, err = Open(tmp, Options{MinFree: 1})
			opened = "a copy (the directory was not closed cleanly)"
		}
	} else {
		db, err = Open("", Options{InMemory: true})
		opened = "backup file"
		if err == nil {
			err = loadFile(db, path)
		}
	}
	if err != nil {
		if db != nil {
			db.Close()
		}
		return Report{}, fmt.Errorf("verify %s: %w", path, err)
	}
	defer db.Close()
	r, err := db.verify(ctx)
	r.Opened = opened
	if st.IsDir() {
		if rec, ok, _ := readRecord(path); ok {
			r.Record = &rec
		} else {
			r.Warnings = append(r.Warnings, "no "+RecordFile+" (a store from before records; it is written at the next start)")
		}
	}
	r.Warnings = append(r.Warnings, db.damaged...)
	return r, err
}

func loadFile(db *DB, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := load(db, f); err != nil {
		return fmt.Errorf("load backup: %w", err)
	}
	return nil
}

func copyDir(from, to string) error {
	entries, err := os.ReadDir(from)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.IsDir() || e.Name() == "LOCK" {
			continue
		}
		if err := copyFile(filepath.Join(from, e.Name()), filepath.Join(to, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

// Verify checks the open store as the package's Verify checks a data
// directory (an in-memory store included).
func (db *DB) Verify(ctx context.Context) (Report, error) { return db.verify(ctx) }

// verify reads the whole store and reports how its parts disagree.
func (db *DB) verify(ctx context.Context) (Report, error) {
	r := Report{ByStatus: map[shop.Status]int{}, Ordered: map[string]int{}}
	problem := func(f string, a ...any) {
		if len(r.Problems) < 100 {
			r.Problems = append(r.Problems, fmt.Sprintf(f, a...))
		}
	}
	err := db.view(ctx, func(txn *badger.Txn) error {
		customers := map[shop.CustomerID]bool{}
		if err := scan(txn, prefixCustomer, false, func(k, _ []byte) error {
			customers[shop.CustomerID(k[len(prefixCustomer):])] = true
			return nil
		}); err != nil {
			return err
		}
		r.Customers = len(customers)

		if _, err := getJSON(txn, orderSeqKey(), &r.LastOrder); err != nil {
			return err
		}
		numbers := map[int64]string{}
		orders := map[string]shop.Order{}
		perCustomer := map[shop.CustomerID]int{}
		holds := map[string]int{} // counter key → orders holding it (windows, promo code uses)
		if err := scan(txn, prefixOrder, true, func(k, v []byte) error {
			var o shop.Order
			id := string(k[len(prefixOrder):])
			if err := json.Unmarshal(v, &o); err != nil {
				problem("order %s cannot be read: %v", id, err)
				return nil
			}
			orders[id] = o
			r.ByStatus[o.Status]++
			perCustomer[o.CustomerID]++
			r.MostOrders = max(r.MostOrders, perCustomer[o.CustomerID])
			if o.ID != id {
				problem("order %s is stored under the key of %s", o.ID, id)
			}
			if other, dup := numbers[o.Number]; dup {
				problem("orders %s and %s share the number #%d", other, id, o.Number)
			}
			numbers[o.Number] = id
			if o.Number > r.LastOrder {
				problem("order #%d is above the order sequence (#%d): the next order would reuse its number", o.Number, r.LastOrder)
			}
			if o.Number < firstOrderNumber {
				problem("order %s has the impossible number #%d", id, o.Number)
			}
			if !customers[o.CustomerID] {
				problem("order #%d belongs to customer %s, who is missing", o.Number, o.CustomerID)
			}
			ok, err := exists(txn, customerOrderKey(o))
			if err != nil {
				return err
			}
			if !ok {
				problem("order #%d is missing from its customer's order list", o.Number)
			}
			if len(o.Lines) == 0 {
				problem("order #%d has no lines", o.Number)
			}
			var sum int64
			for _, l := range o.Lines {
				if l.Qty <= 0 {
					problem("order #%d: %s has quantity %d", o.Number, l.Key(), l.Qty)
				}
				if l.Price.Currency != o.Total.Currency {
					problem("order #%d: %s is priced in %q, the order in %q", o.Number, l.Key(), l.Price.Currency, o.Total.Currency)
				}
				sum += l.Price.Minor * int64(l.Qty)
				if o.Status != shop.StatusCancelled {
					r.Ordered[l.Stock()] += l.Qty
				}
			}
			checkTotal(o, sum, problem)
			if !givesBack(o.Status) {
				if o.Slot != nil {
					holds[prefixSlot+o.Slot.Key()]++
				}
				if o.Promo != nil {
					holds[prefixPromoUses+o.Promo.Code]++
					holds[string(promoMineKey(o.CustomerID, o.Promo.Code))]++
				}
			}
			switch o.Status {
			case shop.StatusNew, shop.StatusCancelled:
			case shop.StatusPaid, shop.StatusPacked, shop.StatusShipped, shop.StatusReady, shop.StatusDelivered, statusRefunded:
				if o.PaymentID == "" && !markedPaid(o) {
					problem("order #%d is %s but has no payment", o.Number, o.Status)
				}
			default:
				problem("order #%d has the unknown status %q", o.Number, o.Status)
			}
			return nil
		}); err != nil {
			return err
		}
		r.Orders = len(orders)
		if r.Orders > 0 && r.LastOrder == 0 {
			problem("the order sequence is missing: the next order would be #%d again", firstOrderNumber)
		}
		if err := scan(txn, prefixCustomerOrder, false, func(k, _ []byte) error {
			rest := string(k[len(prefixCustomerOrder):])
			cust, tail, ok := strings.Cut(rest, "/")
			if !ok || len(tail) < 18 {
				problem("bad order list key %q", k)
				return nil
			}
			id := tail[17:]
			o, found := orders[id]
			if !found {
				problem("customer %s's order list names order %s, which is missing", cust, id)
			} else if string(o.CustomerID) != cust {
				problem("order #%d is in the order list of %s but belongs to %s", o.Number, cust, o.CustomerID)
			}
			return nil
		}); err != nil {
			return err
		}
		if err := checkCounters(txn, holds, problem); err != nil {
			return err
		}
		return scan(txn, prefixStock, true, func(k, v []byte) error {
			item := string(k[len(prefixStock):])
			r.Stock++
			var n int
			if err := json.Unmarshal(v, &n); err != nil {
				problem("stock of %s cannot be read: %v", item, err)
				return nil
			}
			if n < 0 {
				problem("stock of %s is negative (%d): more was sold than there was", item, n)
			}
			return nil
		})
	})
	if err != nil {
		return r, fmt.Errorf("verify: %w", err)
	}
	return r, nil
}

// checkTotal reports an order whose total is not its lines' sum less the
// discount and the points plus the delivery fee. Orders from before the
// total had its lines recorded only the delivery fee on top of the sum:
// their total may be above it.
func checkTotal(o shop.Order, sum int64, problem func(string, ...any)) {
	want := sum - o.Discount.Minor - o.PointsValue().Minor + o.DeliveryFee.Minor
	itemized := o.Discount.Minor != 0 || o.Points != 0 || o.DeliveryFee.Minor != 0
	switch {
	case o.Discount.Minor < 0 || o.Points < 0 || o.DeliveryFee.Minor < 0:
		problem("order #%d: a negative discount, points or delivery fee", o.Number)
	case o.Discount.Minor+o.PointsValue().Minor > sum:
		problem("order #%d: the discount and points (%d) exceed its lines' sum %d", o.Number, o.Discount.Minor+o.PointsValue().Minor, sum)
	case o.Total.Minor < want || itemized && o.Total.Minor != want:
		problem("order #%d: the total %d is not its lines' sum %d − discount %d − points %d + delivery %d",
			o.Number, o.Total.Minor, sum, o.Discount.Minor, o.PointsValue().Minor, o.DeliveryFee.Minor)
	}
}

// checkCounters compares the counters of courier windows and promo code
// uses with the orders that hold them (holds, by counter key).
func checkCounters(txn *badger.Txn, holds map[string]int, problem func(string, ...any)) error {
	seen := map[string]bool{}
	for _, prefix := range []string{prefixSlot, prefixPromoUses, prefixPromoMine} {
		if err := scan(txn, prefix, true, func(k, v []byte) error {
			var n int
			if err := json.Unmarshal(v, &n); err != nil {
				problem("counter %s cannot be read: %v", k, err)
				return nil
			}
			seen[string(k)] = true
			if n != holds[string(k)] {
				problem("counter %s is %d but %d orders hold it", k, n, holds[string(k)])
			}
			return nil
		}); err != nil {
			return err
		}
	}
	for k, n := range holds {
		if !seen[k] && n > 0 {
			problem("counter %s is missing but %d orders hold it", k, n)
		}
	}
	return nil
}

// markedPaid reports whether a member of staff marked o paid (a bank
// transfer arrived: /paid): such an order names no payment.
func markedPaid(o shop.Order) bool {
	return slices.ContainsFunc(o.History, func(h shop.StatusChange) bool { return h.Status == shop.StatusPaid && h.By != "" })
}

// scan calls fn with every key (and value, when values is set) under
// prefix.
func scan(txn *badger.Txn, prefix string, values bool, fn func(k, v []byte) error) error {
	p := []byte(prefix)
	it := txn.NewIterator(badger.IteratorOptions{Prefix: p, PrefetchValues: values, PrefetchSize: 100})
	defer it.Close()
	for it.Seek(p); it.ValidForPrefix(p); it.Next() {
		var v []byte
		if values {
			var err error
			if v, err = it.Item().ValueCopy(nil); err != nil {
				return err
			}
		}
		if err := fn(it.Item().KeyCopy(nil), v); err != nil {
			return err
		}
	}
	return nil
}
