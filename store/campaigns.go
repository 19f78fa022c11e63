package store

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/dgraph-io/badger/v4"

	"omnicart/shop"
)

// What campaigns read: due-time indexes kept where the facts change, and
// the marketing ledger behind the one frequency cap.
//
//	mk/<customerID>/<nanos><rand>  marketing ledger: one marketing notice enqueued for the customer
//	                               (marketingEntry); <nanos> and <rand> 8 bytes big-endian each.
//	                               Merge moves it, so the cap counts across linked chats.

// Due-time index kinds besides DueCart. Each is a pointer "look at this
// customer at this time" that the campaign jobs consume (clear) or move.
const (
	// DueCartAgain: the cart of the first abandoned-cart reminder, by its
	// last activity, waiting for the second reminder. Campaigns set it.
	DueCartAgain = "cart2"
	// DueSeen, DueBrowse, DueOffer: when the customer was last seen (set by
	// SaveCustomer when SeenAt moves), for win-back, browse abandonment
	// and personal offers respectively.
	DueSeen   = "seen"
	DueBrowse = "browse"
	DueOffer  = "offer"
	// DueDelivered: an order of the customer was delivered (set in the
	// order's transaction), for the satisfaction check.
	DueDelivered = "delivered"
	// DueBought: an order was delivered and its warranty and reorder dates
	// are still to be indexed (campaigns know the catalog, the store does not).
	DueBought = "bought"
	// DueWarranty, DueReorder: the next warranty end to offer an extension
	// before, the next consumable to remind about. Campaigns set them.
	DueWarranty = "warranty"
	DueReorder  = "reorder"
	// DueBirthday: the customer's next birthday (00:00 UTC of the day; the
	// job looks a day ahead and checks the day in the customer's zone).
	DueBirthday = "birthday"
)

const prefixMarketing = "mk/"

// marketingEntry is one line of the marketing ledger.
type marketingEntry struct {
	Key      string    `json:"key"`
	Campaign string    `json:"campaign,omitempty"`
	At       time.Time `json:"at"`
}

func marketingPrefix(id shop.CustomerID) []byte { return []byte(prefixMarketing + string(id) + "/") }

func marketingKey(id shop.CustomerID, t time.Time, r uint64) []byte {
	k := binary.BigEndian.AppendUint64(marketingPrefix(id), uint64(max(t.UnixNano(), 0)))
	return binary.BigEndian.AppendUint64(k, r)
}

// EnqueueMarketing writes the marketing notice n to the outbox and to the
// customer's marketing ledger in one synced transaction; it reports false
// (and writes nothing) when n's key was enqueued before. Enqueue writes
// the ledger entries of marketing notices too (a broadcast's), so
// MarketingSince and MarketingLog count them all.
func (db *DB) EnqueueMarketing(ctx context.Context, n shop.Notice) (bool, error) {
	if n.Kind != shop.NoticeMarketing {
		return false, fmt.Errorf("enqueue marketing %s: kind %q", n.Key, n.Kind)
	}
	var added bool
	err := db.updateNoTurns(ctx, func(txn *badger.Txn) error {
		now := db.now()
		var err error
		added, err = db.putNotice(txn, n, now) // with its ledger entry
		return err
	})
	if err != nil {
		return false, fmt.Errorf("enqueue marketing %s: %w", n.Key, err)
	}
	if added {
		if err := db.syncNow(); err != nil {
			return true, fmt.Errorf("enqueue marketing %s: sync: %w", n.Key, err)
		}
	}
	return added, nil
}

// groupSync shares syncs among concurrent callers (a campaign run writes
// many messages at once, and a sync costs about a millisecond): a caller
// waits for a sync that starts after its commit, and one sync serves all
// who wait for it.
type groupSync struct {
	mu       sync.Mutex
	cond     *sync.Cond
	running  bool
	started  uint64 // syncs started
	finished uint64 // the latest sync finished
	err      error  // its error
}

// sync returns once a sync (f) that started after the call has finished.
func (g *groupSync) sync(f func() error) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.cond == nil {
		g.cond = sync.NewCond(&g.mu)
	}
	want := g.started + 1 // one running now may have started before the commit
	for g.finished < want {
		if g.running {
			g.cond.Wait()
			continue
		}
		g.running = true
		g.started++
		mine := g.started
		g.mu.Unlock()
		err := f()
		g.mu.Lock()
		g.running, g.finished, g.err = false, mine, err
		g.cond.Broadcast()
	}
	return g.err
}

// MarketingSince returns how many marketing messages customer id was sent
// at or after since, on any of their linked chats: those in the marketing
// ledger and, for senders that enqueue without it, the broadcasts and
// campaign notices delivered to them (EventNotified), each key once.
// Service notices never count.
func (db *DB) MarketingSince(ctx context.Context, id shop.CustomerID, since time.Time) (int, error) {
	keys := map[string]bool{}
	err := db.view(ctx, func(txn *badger.Txn) error {
		prefix := marketingPrefix(id)
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: true})
		defer it.Close()
		for it.Seek(marketingKey(id, since, 0)); it.ValidForPrefix(prefix); it.Next() {
			var e marketingEntry
			if err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, &e) }); err != nil {
				return err
			}
			keys[e.Key] = true
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("marketing of %s: %w", id, err)
	}
	err = db.CustomerEvents(ctx, id, since, func(e shop.Event) bool {
		if e.Type == shop.EventNotified && (e.Campaign != "" || strings.HasPrefix(e.Notice, "broadcast/")) {
			keys[e.Notice] = true
		}
		return true
	})
	if err != nil {
		return 0, fmt.Errorf("marketing of %s: %w", id, err)
	}
	return len(keys), nil
}

// MarketingLog calls fn for every marketing notice in the ledger enqueued
// at or after since (customer by customer), until fn returns false.
func (db *DB) MarketingLog(ctx context.Context, since time.Time, fn func(id shop.CustomerID, key, campaign string, at time.Time) bool) error {
	err := db.view(ctx, func(txn *badger.Txn) error {
		prefix := []byte(prefixMarketing)
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: true, PrefetchSize: 100})
		defer it.Close()
		for it.Rewind(); it.ValidForPrefix(prefix); it.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			k := it.Item().Key()[len(prefix):]
			if len(k) < 17 {
				continue
			}
			var e marketingEntry
			if err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, &e) }); err != nil {
				return err
			}
			if e.At.Before(since) {
				continue
			}
			if !fn(shop.CustomerID(k[:len(k)-17]), e.Key, e.Campaign, e.At) {
				return nil
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("marketing log: %w", err)
	}
	return nil
}

// DueAt returns customer id's time in the due-time index of kind; ok is
// false when they are not in it.
func (db *DB) DueAt(ctx context.Context, kind string, id shop.CustomerID) (at time.Time, ok bool, err error) {
	err = db.view(ctx, func(txn *badger.Txn) error {
		at, ok, err = dueAt(txn, kind, id)
		return err
	})
	if err != nil {
		return time.Time{}, false, fmt.Errorf("due %s of %s: %w", kind, id, err)
	}
	return at, ok, nil
}

// NoticeKnown reports whether a notice with key was ever enqueued.
func (db *DB) NoticeKnown(ctx context.Context, key string) (bool, error) {
	var ok bool
	err := db.view(ctx, func(txn *badger.Txn) (err error) {
		ok, err = exists(txn, noticeKeyKey(key))
		return err
	})
	if err != nil {
		return false, fmt.Errorf("notice %s: %w", key, err)
	}
	return ok, nil
}

// customerSaved keeps the due-time indexes that follow a customer's
// profile: last seen (win-back, browse abandonment, personal offers) and
// the birthday. It runs in SaveCustomer's transaction.
func (db *DB) customerSaved(txn *badger.Txn, before, after shop.Customer) error {
	if !after.SeenAt.IsZero() && !after.SeenAt.Equal(before.SeenAt) {
		for _, kind := range []string{DueSeen, DueBrowse, DueOffer} {
			if err := setDue(txn, kind, after.ID, after.SeenAt); err != nil {
				return err
			}
		}
	}
	if after.Birthday == before.Birthday {
		return nil
	}
	next, ok := NextBirthday(after.Birthday, db.now())
	if !ok {
		return clearDue(txn, DueBirthday, after.ID)
	}
	return setDue(txn, DueBirthday, after.ID, next)
}

// NextBirthday returns 00:00 UTC of the next day (today included) that is
// the birthday b ("MM-DD") at or after now's UTC date; 29 February falls
// on 28 February in other years. ok is false when b is not a date.
func NextBirthday(b string, now time.Time) (time.Time, bool) {
	t, err := time.Parse("01-02", b)
	if err != nil {
		if b != "02-29" {
			return time.Time{}, false
		}
		t = time.Date(2000, 2, 29, 0, 0, 0, 0, time.UTC)
	}
	now = now.UTC()
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	for y := now.Year(); y <= now.Year()+1; y++ {
		d := time.Date(y, t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
		if d.Month() != t.Month() { // 29 February in a common year
			d = time.Date(y, 2, 28, 0, 0, 0, 0, time.UTC)
		}
		if !d.Before(today) {
			return d, true
		}
	}
	return time.Time{}, false
}

// campaignOrder keeps the due-time indexes that follow orders: an order
// turning delivered is due for the satisfaction check and for indexing its
// warranty and reorder dates. It runs in the order's transaction.
func (db *DB) campaignOrder(txn *badger.Txn, before *shop.Order, after shop.Order) error {
	if after.Status != shop.StatusDelivered || before != nil && before.Status == shop.StatusDelivered {
		return nil
	}
	at := db.now()
	if ch, ok := after.LastChange(); ok && ch.Status == shop.StatusDelivered {
		at = ch.At
	}
	for _, kind := range []string{DueDelivered, DueBought} {
		if err := setDue(txn, kind, after.CustomerID, at); err != nil {
			return err
		}
	}
	return nil
}

// mergeCampaigns moves what campaigns keep of customer from to into in
// Merge's transaction: the marketing ledger, the index of its events, and
// the due-time entries (the earlier of the two for each kind, so nothing
// due is lost).
func mergeCampaigns(txn *badger.Txn, from, into shop.CustomerID) error {
	if err := movePrefix(txn, marketingPrefix(from), marketingPrefix(into)); err != nil {
		return err
	}
	// The events' index: what from viewed, carted and was sent counts for
	// into's offers and its cap.
	evFrom, evInto := custEventKey(from, []byte(prefixEvent)), custEventKey(into, []byte(prefixEvent))
	if err := movePrefix(txn, evFrom, evInto); err != nil {
		return err
	}
	for _, kind := range []string{DueCartAgain, DueSeen, DueBrowse, DueOffer, DueDelivered, DueBought, DueWarranty, DueReorder, DueBirthday} {
		a, okA, err := dueAt(txn, kind, from)
		if err != nil {
			return err
		}
		if !okA {
			continue
		}
		b, okB, err := dueAt(txn, kind, into)
		if err != nil {
			return err
		}
		if err := clearDue(txn, kind, from); err != nil {
			return err
		}
		if !okB || a.Before(b) {
			if err := setDue(txn, kind, into, a); err != nil {
				return err
			}
		}
	}
	return nil
}

// dueAt returns the customer's time in the due-time index of kind.
func dueAt(txn *badger.Txn, kind string, id shop.CustomerID) (time.Time, bool, error) {
	item, err := txn.Get(dueRevKey(kind, id))
	if err != nil {
		if err == badger.ErrKeyNotFound {
			return time.Time{}, false, nil
		}
		return time.Time{}, false, err
	}
	k, err := item.ValueCopy(nil)
	if err != nil {
		return time.Time{}, false, err
	}
	p := duePrefix(kind)
	if len(k) < len(p)+8 {
		return time.Time{}, false, nil
	}
	return time.Unix(0, int64(binary.BigEndian.Uint64(k[len(p):]))), true, nil
}

// movePrefix moves every key under prefix from to the same place under
// prefix into, with its value.
func movePrefix(txn *badger.Txn, from, into []byte) error {
	it := txn.NewIterator(badger.IteratorOptions{Prefix: from, PrefetchValues: true})
	type kv struct{ k, v []byte }
	var moves []kv
	for it.Rewind(); it.ValidForPrefix(from); it.Next() {
		v, err := it.Item().ValueCopy(nil)
		if err != nil {
			it.Close()
			return err
		}
		moves = append(moves, kv{it.Item().KeyCopy(nil), v})
	}
	it.Close()
	for _, m := range moves {
		if err := txn.Set(append(slices.Clip(into), m.k[len(from):]...), m.v); err != nil {
			return err
		}
		if err := txn.Delete(m.k); err != nil {
			return err
		}
	}
	return nil
}
