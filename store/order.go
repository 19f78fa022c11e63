package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/dgraph-io/badger/v4"

	"omnicart/shop"
)

// firstOrderNumber is the number of a shop's first order.
const firstOrderNumber = 1001

// syncChunk is how many catalog items SyncStock handles per transaction,
// well under Badger's per-transaction entry limit.
const syncChunk = 500

// SyncStock brings live stock in line with the catalog. stock is keyed by
// shop.Item.Key(). An item whose catalog value differs from the value last
// synced (or was never synced) gets live stock = value; otherwise its live
// stock, which orders have consumed, is kept. Items not in stock are left
// alone.
func (db *DB) SyncStock(ctx context.Context, stock map[string]int) error {
	keys := slices.Sorted(maps.Keys(stock))
	for chunk := range slices.Chunk(keys, syncChunk) {
		err := db.update(ctx, func(txn *badger.Txn) error {
			for _, k := range chunk {
				var seed int
				ok, err := getJSON(txn, seedKey(k), &seed)
				if err != nil {
					return err
				}
				if ok && seed == stock[k] {
					continue
				}
				if set, err := stockOverridden(txn, k); err != nil {
					return err
				} else if set { // set from the chat: kept until cleared (overrides.go)
					continue
				}
				if err := setJSON(txn, stockKey(k), stock[k]); err != nil {
					return err
				}
				if err := setJSON(txn, seedKey(k), stock[k]); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("sync stock: %w", err)
		}
	}
	return nil
}

// Stock returns the live stock of item and whether it is known; items with
// unknown stock are unlimited.
func (db *DB) Stock(ctx context.Context, item shop.Item) (int, bool, error) {
	var n int
	var ok bool
	err := db.view(ctx, func(txn *badger.Txn) (err error) {
		ok, err = getJSON(txn, stockKey(item.Key()), &n)
		return err
	})
	if err != nil {
		return 0, false, fmt.Errorf("stock %s: %w", item.Key(), err)
	}
	return n, ok, nil
}

// SetStock overrides the live stock of item (an admin command). The synced
// catalog value is kept, so a reload of an unchanged catalog keeps n.
func (db *DB) SetStock(ctx context.Context, item shop.Item, n int) error {
	if n < 0 {
		return fmt.Errorf("set stock %s: negative %d", item.Key(), n)
	}
	err := db.update(ctx, func(txn *badger.Txn) error { return setJSON(txn, stockKey(item.Key()), n) })
	if err != nil {
		return fmt.Errorf("set stock %s: %w", item.Key(), err)
	}
	return nil
}

// PlaceOrder stores o in one transaction: it takes stock for every line,
// assigns an ID (when empty) and the next order number, stamps the times and
// status, indexes the order under its customer and clears the customer's
// cart. When an item with known stock runs short it returns a
// *shop.OutOfStockError and changes nothing. The same transaction takes the
// order's courier window (shop.ErrSlotFull when it is full), counts its
// promo code use (a *shop.PromoError when the code is used up) and takes
// the points it pays with (shop.ErrNotEnoughPoints): of many shoppers after
// the last place, one gets it. The order is synced to disk before
// PlaceOrder returns.
func (db *DB) PlaceOrder(ctx context.Context, o shop.Order) (shop.Order, error) {
	if len(o.Lines) == 0 {
		return shop.Order{}, fmt.Errorf("place order: %w", shop.ErrEmptyCart)
	}
	if o.CustomerID == "" {
		return shop.Order{}, errors.New("place order: no customer")
	}
	for _, l := range o.Lines {
		if l.Qty <= 0 {
			return shop.Order{}, fmt.Errorf("place order: %s: quantity %d", l.Key(), l.Qty)
		}
	}

	in := o
	db.orderMu.Lock()
	defer db.turns.drop(o.CustomerID) // its cart is deleted
	err := db.updateNoTurns(ctx, func(txn *badger.Txn) error {
		o = in
		if err := mustExist(txn, o.CustomerID); err != nil {
			return err
		}
		if err := takeStock(txn, o.Lines); err != nil {
			return err
		}
		if err := claim(txn, o); err != nil {
			return err
		}

		if o.ID == "" {
			id, err := freshID(txn, "o", 5, orderKey)
			if err != nil {
				return err
			}
			o.ID = id
		} else if taken, err := exists(txn, orderKey(o.ID)); err != nil || taken {
			if err == nil {
				err = fmt.Errorf("order %s already exists", o.ID)
			}
			return err
		}
		last := int64(firstOrderNumber - 1)
		if _, err := getJSON(txn, orderSeqKey(), &last); err != nil {
			return err
		}
		o.Number = last + 1
		if err := setJSON(txn, orderSeqKey(), o.Number); err != nil {
			return err
		}
		now := db.now()
		o.CreatedAt, o.UpdatedAt = now, now
		if o.Status == "" {
			o.Status = shop.StatusNew
		}
		o.History = []shop.StatusChange{{Status: o.Status, At: now}}
		if err := setJSON(txn, orderKey(o.ID), o); err != nil {
			return err
		}
		if err := txn.Set(customerOrderKey(o), nil); err != nil {
			return err
		}
		if err := db.orderWritten(txn, nil, o); err != nil {
			return err
		}
		if o.Status == shop.StatusNew {
			if err := txn.Set(unpaidKey(db.payBy(o), o.ID), nil); err != nil {
				return err
			}
		}
		if err := clearDue(txn, DueCart, o.CustomerID); err != nil {
			return err
		}
		return txn.Delete(cartKey(o.CustomerID))
	})
	db.orderMu.Unlock()
	if err != nil {
		return shop.Order{}, fmt.Errorf("place order: %w", err)
	}
	db.noteOrder(o.Number) // the record that guards against lost orders (guard.go)
	if err := db.sync(); err != nil {
		return shop.Order{}, fmt.Errorf("place order %s: sync: %w", o.ID, err)
	}
	return o, nil
}

// takeStock takes the stock of lines, once per item even when it sits on
// several lines (lines of variants that share their product's stock draw
// from one counter). An item with known stock that runs short is a
// *shop.OutOfStockError naming the first line's item; items without known
// stock are not counted.
func takeStock(txn *badger.Txn, lines []shop.Line) error {
	type take struct {
		key  string
		item shop.Item
		qty  int
	}
	var takes []take
	for _, l := range lines {
		i := slices.IndexFunc(takes, func(t take) bool { return t.key == l.Stock() })
		if i < 0 {
			takes = append(takes, take{key: l.Stock(), item: l.Item})
			i = len(takes) - 1
		}
		takes[i].qty += l.Qty
	}
	for _, t := range takes {
		var left int
		known, err := getJSON(txn, stockKey(t.key), &left)
		if err != nil {
			return err
		}
		if !known {
			continue
		}
		if left < t.qty {
			return &shop.OutOfStockError{Item: t.item, Left: left}
		}
		if err := setJSON(txn, stockKey(t.key), left-t.qty); err != nil {
			return err
		}
	}
	return nil
}

// Order returns the order with id, or an error wrapping shop.ErrNotFound.
func (db *DB) Order(ctx context.Context, id string) (shop.Order, error) {
	var o shop.Order
	err := db.view(ctx, func(txn *badger.Txn) error { return getOrder(txn, id, &o) })
	if err != nil {
		return shop.Order{}, fmt.Errorf("order %s: %w", id, err)
	}
	return o, nil
}

func getOrder(txn *badger.Txn, id string, o *shop.Order) error {
	ok, err := getJSON(txn, orderKey(id), o)
	if err == nil && !ok {
		err = shop.ErrNotFound
	}
	return err
}

// Orders returns the customer's orders, newest first.
func (db *DB) Orders(ctx context.Context, id shop.CustomerID) ([]shop.Order, error) {
	var orders []shop.Order
	err := db.view(ctx, func(txn *badger.Txn) error {
		prefix := customerOrdersPrefix(id)
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, Reverse: true})
		defer it.Close()
		for it.Seek(append(slices.Clip(prefix), 0xff)); it.ValidForPrefix(prefix); it.Next() {
			var o shop.Order
			if err := getOrder(txn, orderIDFromIndex(it.Item().Key(), len(prefix)), &o); err != nil {
				return err
			}
			orders = append(orders, o)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("orders of %s: %w", id, err)
	}
	return orders, nil
}

// UpdateOrder changes an order with fn and stores it, synced. fn may run
// more than once (on conflicts); when it fails nothing is written. The
// order's ID, number, customer and creation time are kept whatever fn does;
// UpdatedAt is set to now.
func (db *DB) UpdateOrder(ctx context.Context, id string, fn func(*shop.Order) error) (shop.Order, error) {
	return db.ChangeOrder(ctx, id, func(o *shop.Order) ([]shop.Notice, error) { return nil, fn(o) })
}

// ChangeOrder is UpdateOrder whose fn also returns notices to the customer
// (the order turning paid, shipped...): they are written to the outbox in
// the same transaction as the change, so the change is never made without
// its notice nor the notice sent without the change.
func (db *DB) ChangeOrder(ctx context.Context, id string, fn func(*shop.Order) ([]shop.Notice, error)) (shop.Order, error) {
	return db.changeOrder(ctx, id, nil, fn)
}

// changeOrder is ChangeOrder that also writes the audit entry audit (when
// not nil) in the order's transaction (see ChangeOrderAudited).
func (db *DB) changeOrder(ctx context.Context, id string, audit *shop.AuditEntry, fn func(*shop.Order) ([]shop.Notice, error)) (shop.Order, error) {
	var o shop.Order
	err := db.updateNoTurns(ctx, func(txn *badger.Txn) error { // an order, its indexes, notices, points: no turn records
		o = shop.Order{}
		if err := getOrder(txn, id, &o); err != nil {
			return err
		}
		old := o
		notices, err := fn(&o)
		if err != nil {
			return err
		}
		o.ID, o.Number, o.CustomerID, o.CreatedAt = old.ID, old.Number, old.CustomerID, old.CreatedAt
		o.UpdatedAt = db.now()
		if err := settle(txn, old, o); err != nil { // points, window and promo code of a status change
			return err
		}
		if err := db.reindexUnpaid(txn, old, o); err != nil {
			return err
		}
		for _, n := range notices {
			if _, err := db.putNotice(txn, n, o.UpdatedAt); err != nil {
				return err
			}
		}
		if err := db.orderWritten(txn, &old, o); err != nil {
			return err
		}
		if audit != nil {
			if err := db.putAudit(txn, auditOfOrder(*audit, old, o)); err != nil {
				return err
			}
		}
		return setJSON(txn, orderKey(id), o)
	})
	if err != nil {
		return shop.Order{}, fmt.Errorf("update order %s: %w", id, err)
	}
	if err := db.syncNow(); err != nil {
		return shop.Order{}, fmt.Errorf("update order %s: sync: %w", id, err)
	}
	return o, nil
}

// DefaultPayWithin is how long an order may wait for payment when
// Options.PayWithin is nil.
const DefaultPayWithin = 24 * time.Hour

// payBy is when order o has to be paid by: its creation time plus the
// time Options.PayWithin gives it (a bank transfer gets longer than a
// card payment).
func (db *DB) payBy(o shop.Order) time.Time {
	ttl := DefaultPayWithin
	if db.payWithin != nil {
		ttl = db.payWithin(o)
	}
	return o.CreatedAt.Add(ttl)
}

// reindexUnpaid keeps the unpaid-order index of an order changing from old
// to o: out of it once paid or cancelled, moved when its deadline moves (a
// payment method chosen, like a bank transfer, gives it longer).
func (db *DB) reindexUnpaid(txn *badger.Txn, old, o shop.Order) error {
	was, is := old.Status == shop.StatusNew, o.Status == shop.StatusNew
	if was && is && db.payBy(old).Equal(db.payBy(o)) {
		return nil
	}
	if was {
		if err := txn.Delete(unpaidKey(db.payBy(old), old.ID)); err != nil {
			return err
		}
	}
	if is {
		return txn.Set(unpaidKey(db.payBy(o), o.ID), nil)
	}
	return nil
}

// ExpireUnpaid cancels every order still waiting for payment whose time to
// pay (Options.PayWithin after it was placed) ended before now, and puts
// back its stock, its courier window, its promo code use and the points it
// paid with, each order in one transaction that also writes the notice
// telling the customer ("order-expired/<number>", text orders.expired). It
// reads only the unpaid-order index, never every order, and returns the
// cancelled orders.
func (db *DB) ExpireUnpaid(ctx context.Context, now time.Time) ([]shop.Order, error) {
	if err := db.buildUnpaidIndex(ctx); err != nil {
		return nil, fmt.Errorf("expire unpaid orders: %w", err)
	}
	var keys [][]byte
	err := db.view(ctx, func(txn *badger.Txn) error {
		prefix := []byte(prefixUnpaid)
		end := unpaidKey(now, "")
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
		defer it.Close()
		for it.Rewind(); it.ValidForPrefix(prefix); it.Next() {
			k := it.Item().Key()
			if string(k) >= string(end) {
				break
			}
			keys = append(keys, slices.Clone(k))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("expire unpaid orders: %w", err)
	}
	var expired []shop.Order
	for _, key := range keys {
		id := string(key[len(prefixUnpaid)+9:])
		var o shop.Order
		err := db.update(ctx, func(txn *badger.Txn) error {
			o = shop.Order{}
			if err := getOrder(txn, id, &o); err != nil {
				return err
			}
			if o.Status != shop.StatusNew || !db.payBy(o).Before(now) { // paid, or given longer, meanwhile
				o.ID = ""
				return txn.Delete(key) // a stale entry
			}
			if err := txn.Delete(key); err != nil {
				return err
			}
			before := o
			if err := o.Move(shop.StatusCancelled, db.now()); err != nil {
				return err
			}
			if err := release(txn, o); err != nil {
				return err
			}
			if err := db.orderWritten(txn, &before, o); err != nil { // puts the stock back
				return err
			}
			n := shop.Notice{Key: fmt.Sprintf("order-expired/%d", o.Number), Customer: o.CustomerID,
				Kind: shop.NoticeService, Text: "orders.expired", Args: []shop.NoticeArg{shop.NumberArg("number", o.Number)}}
			if _, err := db.putNotice(txn, n, db.now()); err != nil {
				return err
			}
			return setJSON(txn, orderKey(id), o)
		})
		if err != nil {
			return expired, fmt.Errorf("expire order %s: %w", id, err)
		}
		if o.ID != "" {
			expired = append(expired, o)
		}
	}
	if len(expired) > 0 {
		if err := db.syncNow(); err != nil {
			return expired, fmt.Errorf("expire unpaid orders: sync: %w", err)
		}
	}
	return expired, nil
}

// buildUnpaidIndex indexes the unpaid orders of a store written before
// the index existed, or when it was by creation time, once.
func (db *DB) buildUnpaidIndex(ctx context.Context) error {
	if db.unpaidIndexed.Load() {
		return nil
	}
	var built bool
	if err := db.view(ctx, func(txn *badger.Txn) (err error) {
		built, err = exists(txn, []byte(keyUnpaidIndexBuilt))
		return err
	}); err != nil {
		return err
	}
	if !built {
		var old [][]byte // entries by creation time; read first, so an order placed meanwhile keeps its entry
		err := db.view(ctx, func(txn *badger.Txn) error {
			it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(prefixUnpaid)})
			defer it.Close()
			for it.Rewind(); it.Valid(); it.Next() {
				old = append(old, it.Item().KeyCopy(nil))
			}
			return nil
		})
		if err != nil {
			return err
		}
		var unpaid []shop.Order
		err = db.view(ctx, func(txn *badger.Txn) error {
			it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(prefixOrder), PrefetchValues: true})
			defer it.Close()
			for it.Rewind(); it.Valid(); it.Next() {
				var o shop.Order
				if err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, &o) }); err != nil {
					return err
				}
				if o.Status == shop.StatusNew {
					unpaid = append(unpaid, o)
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		wb := db.bdb.NewWriteBatch()
		defer wb.Cancel()
		for _, k := range old {
			if err := wb.Delete(k); err != nil {
				return err
			}
		}
		for _, o := range unpaid {
			if err := wb.Set(unpaidKey(db.payBy(o), o.ID), nil); err != nil {
				return err
			}
		}
		if err := wb.Delete([]byte(keyUnpaidIndexOld)); err != nil {
			return err
		}
		if err := wb.Set([]byte(keyUnpaidIndexBuilt), nil); err != nil {
			return err
		}
		if err := wb.Flush(); err != nil {
			return err
		}
	}
	db.unpaidIndexed.Store(true)
	return nil
}

// EachOrder calls fn for every order, in no particular order, until fn
// returns false. It reads every order: for checks and exports, not for
// jobs (they read the indexes).
func (db *DB) EachOrder(ctx context.Context, fn func(shop.Order) bool) error {
	err := db.view(ctx, func(txn *badger.Txn) error {
		prefix := []byte(prefixOrder)
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: true})
		defer it.Close()
		for it.Rewind(); it.ValidForPrefix(prefix); it.Next() {
			var o shop.Order
			if err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, &o) }); err != nil {
				return err
			}
			if !fn(o) {
				return nil
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("orders: %w", err)
	}
	return nil
}
