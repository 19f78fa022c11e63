package store

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/dgraph-io/badger/v4"

	"omnicart/shop"
)

// Broadcasts: one message an admin sends to many customers.
//
//	bc/<id>      shop.Broadcast; <id> is 8 bytes big-endian
//	bca/<id>     active-broadcast index, empty value: broadcasts a job still
//	             has work on (counting, queued, sending), read at start-up
//	n/broadcast  last broadcast id (int64)
//
// The notices themselves are ordinary outbox entries keyed
// "broadcast/<id>/<customerID>"; their records (obk/broadcast/<id>/...)
// are the broadcast's progress.
const (
	prefixBroadcast       = "bc/"
	prefixActiveBroadcast = "bca/"
	keyBroadcastSeq       = "n/broadcast"
)

func broadcastKey(id int64) []byte {
	return binary.BigEndian.AppendUint64([]byte(prefixBroadcast), uint64(id))
}

func activeBroadcastKey(id int64) []byte {
	return binary.BigEndian.AppendUint64([]byte(prefixActiveBroadcast), uint64(id))
}

// NewBroadcast stores b under a new id, counting its audience, and returns
// it.
func (db *DB) NewBroadcast(ctx context.Context, b shop.Broadcast) (shop.Broadcast, error) {
	err := db.update(ctx, func(txn *badger.Txn) error {
		var last int64
		if _, err := getJSON(txn, []byte(keyBroadcastSeq), &last); err != nil {
			return err
		}
		b.ID, b.State, b.Created = last+1, shop.BroadcastCounting, db.now()
		if err := setJSON(txn, []byte(keyBroadcastSeq), b.ID); err != nil {
			return err
		}
		if err := txn.Set(activeBroadcastKey(b.ID), nil); err != nil {
			return err
		}
		return setJSON(txn, broadcastKey(b.ID), b)
	})
	if err != nil {
		return shop.Broadcast{}, fmt.Errorf("new broadcast: %w", err)
	}
	return b, nil
}

// Broadcast returns broadcast id, or an error wrapping shop.ErrNotFound.
func (db *DB) Broadcast(ctx context.Context, id int64) (shop.Broadcast, error) {
	b, err := viewRecord[shop.Broadcast](ctx, db, broadcastKey(id))
	if err != nil {
		return shop.Broadcast{}, fmt.Errorf("broadcast %d: %w", id, err)
	}
	return b, nil
}

// UpdateBroadcast changes broadcast id with fn in one transaction; fn's
// error aborts and is returned.
func (db *DB) UpdateBroadcast(ctx context.Context, id int64, fn func(*shop.Broadcast) error) (shop.Broadcast, error) {
	var b shop.Broadcast
	err := db.update(ctx, func(txn *badger.Txn) (err error) {
		if b, err = getRecord[shop.Broadcast](txn, broadcastKey(id)); err != nil {
			return err
		}
		if err := fn(&b); err != nil {
			return err
		}
		if b.State.Active() {
			err = txn.Set(activeBroadcastKey(id), nil)
		} else {
			err = txn.Delete(activeBroadcastKey(id))
		}
		if err != nil {
			return err
		}
		return setJSON(txn, broadcastKey(id), b)
	})
	if err != nil {
		return b, fmt.Errorf("broadcast %d: %w", id, err)
	}
	return b, nil
}

// ActiveBroadcasts returns the broadcasts a job still has work on, oldest
// first.
func (db *DB) ActiveBroadcasts(ctx context.Context) ([]shop.Broadcast, error) {
	out, err := indexed[shop.Broadcast](ctx, db, prefixActiveBroadcast, broadcastKey)
	if err != nil {
		return nil, fmt.Errorf("active broadcasts: %w", err)
	}
	return out, nil
}

// Audience returns the customers in audience a for whom may is true,
// sorted. It reads every customer (and, for buyers, every order): it is
// for jobs, never for the path of a message.
func (db *DB) Audience(ctx context.Context, a shop.Audience, may func(shop.Customer) bool) ([]shop.CustomerID, error) {
	var buyers map[shop.CustomerID]bool
	if a == shop.AudienceBuyers || a == shop.AudienceNonBuyers {
		buyers = map[shop.CustomerID]bool{}
		err := db.EachOrder(ctx, func(o shop.Order) bool {
			if o.Status != shop.StatusNew && o.Status != shop.StatusCancelled {
				buyers[o.CustomerID] = true
			}
			return true
		})
		if err != nil {
			return nil, fmt.Errorf("audience %s: %w", a, err)
		}
	}
	channel, byChannel := a.Channel()
	var out []shop.CustomerID
	err := db.view(ctx, func(txn *badger.Txn) error {
		prefix := []byte(prefixCustomer)
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: true, PrefetchSize: 100})
		defer it.Close()
		for it.Rewind(); it.ValidForPrefix(prefix); it.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			var c shop.Customer
			if err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, &c) }); err != nil {
				return err
			}
			switch {
			case a == shop.AudienceBuyers && !buyers[c.ID],
				a == shop.AudienceNonBuyers && buyers[c.ID],
				byChannel && !usesChannel(c, channel),
				may != nil && !may(c):
				continue
			}
			out = append(out, c.ID)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("audience %s: %w", a, err)
	}
	slices.Sort(out)
	return out, nil
}

// usesChannel reports whether c has a chat on channel.
func usesChannel(c shop.Customer, channel string) bool {
	for _, addr := range c.Channels {
		if ch, _, _ := strings.Cut(addr, ":"); ch == channel {
			return true
		}
	}
	return false
}

// BroadcastProgress counts what became of the notices of broadcast id:
// delivered, failed for good, and still waiting in the outbox. It reads
// the records of that broadcast's keys only.
func (db *DB) BroadcastProgress(ctx context.Context, id int64) (sent, failed, pending int, err error) {
	err = db.view(ctx, func(txn *badger.Txn) error {
		prefix := noticeKeyKey(shop.BroadcastKeyPrefix(id))
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: true, PrefetchSize: 256})
		defer it.Close()
		for it.Rewind(); it.ValidForPrefix(prefix); it.Next() {
			var r NoticeRecord
			if err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, &r) }); err != nil {
				return err
			}
			switch r.State {
			case NoticeSent:
				sent++
			case NoticeFailed:
				failed++
			default:
				pending++
			}
		}
		return nil
	})
	if err != nil {
		return 0, 0, 0, fmt.Errorf("progress of broadcast %d: %w", id, err)
	}
	return sent, failed, pending, nil
}
