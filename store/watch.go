package store

import (
	"slices"

	"github.com/dgraph-io/badger/v4"

	"omnicart/shop"
)

// OrderChange is an order being written, as a watcher sees it.
type OrderChange struct {
	// Before is the order as it was; nil when it is being placed.
	Before *shop.Order
	After  shop.Order
	// Customer is the order's customer.
	Customer shop.Customer
	// Staff are the customers behind the chat addresses given to
	// WatchOrders (those who exist), each once.
	Staff []shop.Customer
}

// OrderWatcher returns the notices an order change causes (the shopper
// told their order shipped, the staff told of a new order). It runs inside
// the order's transaction, possibly more than once (on conflicts), and must
// not call the store.
type OrderWatcher func(OrderChange) []shop.Notice

type orderWatch struct {
	staff []string
	fn    OrderWatcher
}

// WatchOrders makes every order placed or changed (PlaceOrder,
// ChangeOrder, UpdateOrder) call fn in its transaction and write the
// notices it returns to the outbox in that transaction. staff are the
// chat addresses of the staff fn may tell. A later call replaces it.
func (db *DB) WatchOrders(staff []string, fn OrderWatcher) {
	db.watch.Store(&orderWatch{staff: slices.Clone(staff), fn: fn})
}

// orderWritten runs in the transaction that writes after: it keeps the
// order indexes, puts the stock of a cancelled order back, and writes the
// watcher's notices.
func (db *DB) orderWritten(txn *badger.Txn, before *shop.Order, after shop.Order) error {
	if err := indexOrder(txn, before, after); err != nil {
		return err
	}
	if err := db.campaignOrder(txn, before, after); err != nil { // campaigns.go: delivered orders are due
		return err
	}
	if err := orderEvents(txn, before, after); err != nil { // event.go: placed, paid, cancelled, refunded
		return err
	}
	if before != nil && before.Status != shop.StatusCancelled && after.Status == shop.StatusCancelled {
		if err := returnStock(txn, after); err != nil {
			return err
		}
	}
	w := db.watch.Load()
	if w == nil || w.fn == nil {
		return nil
	}
	ch := OrderChange{Before: before, After: after}
	if _, err := getJSON(txn, customerKey(after.CustomerID), &ch.Customer); err != nil {
		return err
	}
	for _, addr := range w.staff {
		id, ok, err := findCustomerID(txn, addr)
		if err != nil {
			return err
		}
		if !ok || slices.ContainsFunc(ch.Staff, func(c shop.Customer) bool { return c.ID == id }) {
			continue
		}
		var c shop.Customer
		if found, err := getJSON(txn, customerKey(id), &c); err != nil {
			return err
		} else if found {
			ch.Staff = append(ch.Staff, c)
		}
	}
	for _, n := range w.fn(ch) {
		if _, err := db.putNotice(txn, n, db.now()); err != nil {
			return err
		}
	}
	return nil
}
