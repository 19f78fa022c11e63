package store

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"

	"omnicart/shop"
)

// linkCodeTTL is how long a link code can be used.
const linkCodeTTL = 10 * time.Minute

// ErrLastChannel is returned when unlinking would leave a customer with no
// channel.
var ErrLastChannel = errors.New("the only channel of a customer cannot be unlinked")

// ByPhone returns the customer whose verified phone is phone.
func (db *DB) ByPhone(ctx context.Context, phone string) (shop.CustomerID, bool, error) {
	var id shop.CustomerID
	err := db.view(ctx, func(txn *badger.Txn) error {
		item, err := txn.Get(phoneKey(phone))
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		v, err := item.ValueCopy(nil)
		id = shop.CustomerID(v)
		return err
	})
	if err != nil {
		return "", false, fmt.Errorf("customer by phone: %w", err)
	}
	return id, id != "", nil
}

// linkAlphabet has no look-alike characters (0/O, 1/I/L).
const linkAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

// linkCodeLen gives 31^8 ≈ 8.5e11 codes: guessing a live one is hopeless.
const linkCodeLen = 8

// NewLinkCode returns a one-time code that links another channel to
// customer id when used within ten minutes. A customer has one live code: a
// new one replaces the old.
func (db *DB) NewLinkCode(ctx context.Context, id shop.CustomerID) (string, error) {
	var code string
	err := db.update(ctx, func(txn *badger.Txn) error {
		if item, err := txn.Get(linkOwnerKey(id)); err == nil {
			old, err := item.ValueCopy(nil)
			if err != nil {
				return err
			}
			if err := txn.Delete(linkCodeKey(string(old))); err != nil {
				return err
			}
		} else if !errors.Is(err, badger.ErrKeyNotFound) {
			return err
		}
		b := make([]byte, linkCodeLen)
		for i := range b {
			n, err := rand.Int(rand.Reader, big.NewInt(int64(len(linkAlphabet))))
			if err != nil {
				return err
			}
			b[i] = linkAlphabet[n.Int64()]
		}
		code = string(b)
		if err := txn.SetEntry(badger.NewEntry(linkCodeKey(code), []byte(id)).WithTTL(linkCodeTTL)); err != nil {
			return err
		}
		return txn.SetEntry(badger.NewEntry(linkOwnerKey(id), []byte(code)).WithTTL(linkCodeTTL))
	})
	if err != nil {
		return "", fmt.Errorf("new link code: %w", err)
	}
	return code, nil
}

// TakeLinkCode returns the customer a link code was made for and forgets
// the code; ok is false for an unknown or expired code.
func (db *DB) TakeLinkCode(ctx context.Context, code string) (shop.CustomerID, bool, error) {
	code = strings.ToUpper(strings.TrimSpace(code))
	if len(code) != linkCodeLen {
		return "", false, nil
	}
	var id shop.CustomerID
	err := db.update(ctx, func(txn *badger.Txn) error {
		id = ""
		item, err := txn.Get(linkCodeKey(code))
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		v, err := item.ValueCopy(nil)
		if err != nil {
			return err
		}
		id = shop.CustomerID(v)
		if err := txn.Delete(linkOwnerKey(id)); err != nil {
			return err
		}
		return txn.Delete(linkCodeKey(code))
	})
	if err != nil {
		return "", false, fmt.Errorf("take link code: %w", err)
	}
	return id, id != "", nil
}

// Merge joins customer from into customer into, in one transaction: every
// channel address, the cart lines (quantities added up), the orders, the
// loyalty points and promo code uses (added up) and the profile fields
// into lacks move to into; from is deleted. It returns
// the merged customer.
func (db *DB) Merge(ctx context.Context, from, into shop.CustomerID) (shop.Customer, error) {
	if from == into {
		return shop.Customer{}, errors.New("merge a customer into itself")
	}
	var merged shop.Customer
	err := db.update(ctx, func(txn *badger.Txn) error {
		var a, b shop.Customer
		for _, x := range []struct {
			id shop.CustomerID
			c  *shop.Customer
		}{{from, &a}, {into, &b}} {
			ok, err := getJSON(txn, customerKey(x.id), x.c)
			if err != nil {
				return err
			}
			if !ok {
				return fmt.Errorf("customer %s: %w", x.id, shop.ErrNotFound)
			}
		}
		for _, ch := range a.Channels {
			if !slices.Contains(b.Channels, ch) {
				b.Channels = append(b.Channels, ch)
			}
		}
		fill := func(dst *string, src string) {
			if *dst == "" {
				*dst = src
			}
		}
		fill(&b.Name, a.Name)
		fill(&b.Lang, a.Lang)
		fill(&b.Source, a.Source)
		fill(&b.Address, a.Address)
		if b.Phone == "" || !b.PhoneVerified && a.PhoneVerified {
			b.Phone, b.PhoneVerified = a.Phone, a.PhoneVerified
		}
		if a.CreatedAt.Before(b.CreatedAt) {
			b.CreatedAt = a.CreatedAt
		}
		if a.SeenAt.After(b.SeenAt) {
			b.SeenAt = a.SeenAt
		}
		b.NoOffers = b.NoOffers || a.NoOffers // opting out on one chat holds on all
		b.BirthdayAsked = b.BirthdayAsked || a.BirthdayAsked
		fill(&b.Birthday, a.Birthday)
		fill(&b.Zone, a.Zone)
		if err := mergeCampaigns(txn, from, into); err != nil {
			return err
		}
		var cartA, cartB shop.Cart
		if _, err := getJSON(txn, cartKey(from), &cartA); err != nil {
			return err
		}
		if _, err := getJSON(txn, cartKey(into), &cartB); err != nil {
			return err
		}
		cartB.Merge(cartA)
		if err := db.putCart(txn, into, cartB); err != nil {
			return err
		}
		if err := clearDue(txn, DueCart, from); err != nil {
			return err
		}
		if err := moveOrders(txn, from, into); err != nil {
			return err
		}
		if err := mergeDesk(txn, from, into); err != nil {
			return err
		}
		if err := mergeBalances(txn, from, into); err != nil {
			return err
		}
		if a.PhoneVerified && a.Phone != "" && a.Phone != b.Phone {
			if err := txn.Set(phoneKey(a.Phone), []byte(into)); err != nil {
				return err
			}
		}
		for _, k := range [][]byte{customerKey(from), cartKey(from), sessionKey(from)} {
			if err := txn.Delete(k); err != nil {
				return err
			}
		}
		if err := setJSON(txn, customerKey(into), b); err != nil {
			return err
		}
		merged = b
		return putAddresses(txn, b)
	})
	if err != nil {
		return shop.Customer{}, fmt.Errorf("merge customer %s into %s: %w", from, into, err)
	}
	if err := db.syncNow(); err != nil {
		return shop.Customer{}, fmt.Errorf("merge: sync: %w", err)
	}
	return merged, nil
}

// moveOrders gives every order of from to into.
func moveOrders(txn *badger.Txn, from, into shop.CustomerID) error {
	prefix := customerOrdersPrefix(from)
	var ids []string
	var keys [][]byte
	it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
	for it.Rewind(); it.Valid(); it.Next() {
		k := it.Item().KeyCopy(nil)
		keys = append(keys, k)
		ids = append(ids, orderIDFromIndex(k, len(prefix)))
	}
	it.Close()
	for i, id := range ids {
		var o shop.Order
		if err := getOrder(txn, id, &o); err != nil {
			return err
		}
		o.CustomerID = into
		if err := setJSON(txn, orderKey(id), o); err != nil {
			return err
		}
		returns, err := orderReturns(txn, id) // its return requests follow it
		if err != nil {
			return err
		}
		for _, r := range returns {
			if r.Customer == from {
				r.Customer = into
				if err := setJSON(txn, returnKey(r.N), r); err != nil {
					return err
				}
			}
		}
		if err := txn.Delete(keys[i]); err != nil {
			return err
		}
		if err := txn.Set(customerOrderKey(o), nil); err != nil {
			return err
		}
	}
	return nil
}

// Unlink takes addr away from customer id and gives it a new customer of
// its own, with an empty cart; it returns that new customer.
func (db *DB) Unlink(ctx context.Context, id shop.CustomerID, addr string) (shop.Customer, error) {
	var fresh shop.Customer
	err := db.update(ctx, func(txn *badger.Txn) error {
		var c shop.Customer
		ok, err := getJSON(txn, customerKey(id), &c)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("customer %s: %w", id, shop.ErrNotFound)
		}
		i := slices.Index(c.Channels, addr)
		if i < 0 {
			return fmt.Errorf("%s is not a channel of %s: %w", addr, id, shop.ErrNotFound)
		}
		if len(c.Channels) == 1 {
			return ErrLastChannel
		}
		c.Channels = slices.Delete(c.Channels, i, i+1)
		if c.LastAddress == addr {
			c.LastAddress = ""
		}
		if err := setJSON(txn, customerKey(c.ID), c); err != nil {
			return err
		}
		// The shopper's /stop holds on the chat they take away too.
		fresh, err = db.newCustomer(txn, addr, shop.Customer{Lang: c.Lang, NoAutoLink: true, NoOffers: c.NoOffers})
		return err
	})
	if err != nil {
		return shop.Customer{}, fmt.Errorf("unlink %s: %w", addr, err)
	}
	return fresh, nil
}

// mergeDesk moves what the staff's desk and the outbox keep of customer
// from to into, in Merge's transaction: the open support conversation
// (into's own, when it has one, stays the open one), the message log the
// operator's card shows, and the notices still waiting in the outbox. It
// also records that from became into, so a notice written later with the
// old id (by a job that read it before the link) still finds its customer.
func mergeDesk(txn *badger.Txn, from, into shop.CustomerID) error {
	var conv shop.Conversation
	open, err := activeConversation(txn, from, &conv)
	if err != nil {
		return err
	}
	if open {
		conv.Customer = into
		var mine shop.Conversation
		has, err := activeConversation(txn, into, &mine)
		if err != nil {
			return err
		}
		if has { // one open conversation a customer: into's goes on, from's ends
			conv.Status = shop.ConversationClosed
			if err := txn.Delete(openConversationKey(conv.N)); err != nil {
				return err
			}
		} else if err := txn.Set(custConversationKey(into), binary.BigEndian.AppendUint64(nil, uint64(conv.N))); err != nil {
			return err
		}
		if err := setJSON(txn, conversationKey(conv.N), conv); err != nil {
			return err
		}
	}
	if err := txn.Delete(custConversationKey(from)); err != nil {
		return err
	}
	if err := movePrefix(txn, messageLogPrefix(from), messageLogPrefix(into)); err != nil {
		return err
	}
	if err := moveNotices(txn, from, into); err != nil {
		return err
	}
	return txn.Set(mergedKey(from), []byte(into))
}

// moveNotices readdresses the notices waiting in the outbox for from.
func moveNotices(txn *badger.Txn, from, into shop.CustomerID) error {
	prefix := []byte(prefixOutbox)
	type entry struct {
		key []byte
		e   outboxEntry
	}
	var moved []entry
	it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: true})
	for it.Rewind(); it.ValidForPrefix(prefix); it.Next() {
		var e outboxEntry
		if err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, &e) }); err != nil {
			it.Close()
			return err
		}
		if e.Notice.Customer == from {
			e.Notice.Customer = into
			moved = append(moved, entry{it.Item().KeyCopy(nil), e})
		}
	}
	it.Close()
	for _, m := range moved {
		if err := setJSON(txn, m.key, m.e); err != nil {
			return err
		}
	}
	return nil
}

// MergedInto returns the customer that customer id was merged into (by a
// link), following later merges; ok is false when id was never merged.
func (db *DB) MergedInto(ctx context.Context, id shop.CustomerID) (shop.CustomerID, bool, error) {
	cur, merged := id, false
	err := db.view(ctx, func(txn *badger.Txn) error {
		for range 16 { // a chain of links; bounded against a loop
			v, err := getBytes(txn, mergedKey(cur))
			if err != nil || v == nil {
				return err
			}
			cur, merged = shop.CustomerID(v), true
		}
		return nil
	})
	if err != nil {
		return "", false, fmt.Errorf("merged into of %s: %w", id, err)
	}
	return cur, merged, nil
}
