package store

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/dgraph-io/badger/v4"

	"omnicart/shop"
)

// Support conversations: a shopper asked for a person.
//
//	sp/<n>           shop.Conversation; <n> is its number as 8 bytes big-endian
//	spc/<customerID> the number of the customer's open conversation (8 bytes)
//	spq/<n>          open-conversation index (waiting or taken), empty value:
//	                 what /support lists and the idle timeout reads
//	n/support        last conversation number (int64)
const (
	prefixConversation     = "sp/"
	prefixCustConversation = "spc/"
	prefixOpenConversation = "spq/"
	keySupportSeq          = "n/support"
)

func conversationKey(n int64) []byte {
	return binary.BigEndian.AppendUint64([]byte(prefixConversation), uint64(n))
}

func openConversationKey(n int64) []byte {
	return binary.BigEndian.AppendUint64([]byte(prefixOpenConversation), uint64(n))
}

func custConversationKey(id shop.CustomerID) []byte {
	return []byte(prefixCustConversation + string(id))
}

// OpenConversation returns the customer's open support conversation, or
// opens a new one (waiting for an operator); created says which.
func (db *DB) OpenConversation(ctx context.Context, id shop.CustomerID) (c shop.Conversation, created bool, err error) {
	err = db.update(ctx, func(txn *badger.Txn) error {
		c, created = shop.Conversation{}, false
		ok, err := activeConversation(txn, id, &c)
		if err != nil || ok {
			return err
		}
		var last int64
		if _, err := getJSON(txn, []byte(keySupportSeq), &last); err != nil {
			return err
		}
		now := db.now()
		c = shop.Conversation{N: last + 1, Customer: id, Status: shop.ConversationWaiting, Opened: now, Updated: now}
		created = true
		if err := setJSON(txn, []byte(keySupportSeq), c.N); err != nil {
			return err
		}
		if err := txn.Set(custConversationKey(id), binary.BigEndian.AppendUint64(nil, uint64(c.N))); err != nil {
			return err
		}
		if err := txn.Set(openConversationKey(c.N), nil); err != nil {
			return err
		}
		return setJSON(txn, conversationKey(c.N), c)
	})
	if err != nil {
		return shop.Conversation{}, false, fmt.Errorf("open conversation of %s: %w", id, err)
	}
	return c, created, nil
}

// activeConversation reads the open conversation of customer id into c.
func activeConversation(txn *badger.Txn, id shop.CustomerID, c *shop.Conversation) (bool, error) {
	item, err := txn.Get(custConversationKey(id))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	v, err := item.ValueCopy(nil)
	if err != nil || len(v) != 8 {
		return false, err
	}
	ok, err := getJSON(txn, conversationKey(int64(binary.BigEndian.Uint64(v))), c)
	if err != nil || !ok || !c.Open() {
		return false, err
	}
	return true, nil
}

// ActiveConversation returns the customer's open conversation, if any.
func (db *DB) ActiveConversation(ctx context.Context, id shop.CustomerID) (shop.Conversation, bool, error) {
	var c shop.Conversation
	var ok bool
	err := db.view(ctx, func(txn *badger.Txn) (err error) {
		ok, err = activeConversation(txn, id, &c)
		return err
	})
	if err != nil {
		return shop.Conversation{}, false, fmt.Errorf("conversation of %s: %w", id, err)
	}
	return c, ok, nil
}

// Conversation returns conversation n, or an error wrapping
// shop.ErrNotFound.
func (db *DB) Conversation(ctx context.Context, n int64) (shop.Conversation, error) {
	c, err := viewRecord[shop.Conversation](ctx, db, conversationKey(n))
	if err != nil {
		return shop.Conversation{}, fmt.Errorf("conversation %d: %w", n, err)
	}
	return c, nil
}

// changeConversation runs fn on conversation n in one transaction and
// stores the result; fn's error aborts.
func (db *DB) changeConversation(ctx context.Context, n int64, fn func(*shop.Conversation) error) (shop.Conversation, error) {
	var c shop.Conversation
	err := db.update(ctx, func(txn *badger.Txn) (err error) {
		if c, err = getRecord[shop.Conversation](txn, conversationKey(n)); err != nil {
			return err
		}
		wasOpen := c.Open()
		if err := fn(&c); err != nil {
			return err
		}
		if wasOpen && !c.Open() {
			if err := txn.Delete(openConversationKey(n)); err != nil {
				return err
			}
			if err := dropActive(txn, c.Customer, n); err != nil {
				return err
			}
		}
		return setJSON(txn, conversationKey(n), c)
	})
	if err != nil {
		return c, fmt.Errorf("conversation %d: %w", n, err)
	}
	return c, nil
}

// TakeConversation gives conversation n to the operator writing from
// operator (their display name name). Of operators racing for the same
// conversation exactly one wins: the others get an error wrapping
// shop.ErrTaken, with the conversation as it is (who took it). Taking a
// conversation one already has is no error; a closed one wraps
// shop.ErrClosed.
func (db *DB) TakeConversation(ctx context.Context, n int64, operator, name string) (shop.Conversation, error) {
	return db.changeConversation(ctx, n, func(c *shop.Conversation) error {
		switch {
		case !c.Open():
			return shop.ErrClosed
		case c.Status == shop.ConversationTaken && c.Operator != operator:
			return shop.ErrTaken
		case c.Status == shop.ConversationTaken:
			return nil
		}
		now := db.now()
		c.Status, c.Operator, c.OperatorName, c.Taken, c.Updated = shop.ConversationTaken, operator, name, now, now
		return nil
	})
}

// CloseConversation hands conversation n back to the bot. Closing a closed
// conversation wraps shop.ErrClosed.
func (db *DB) CloseConversation(ctx context.Context, n int64) (shop.Conversation, error) {
	return db.changeConversation(ctx, n, func(c *shop.Conversation) error {
		if !c.Open() {
			return shop.ErrClosed
		}
		now := db.now()
		c.Status, c.Closed, c.Updated = shop.ConversationClosed, now, now
		return nil
	})
}

// TouchConversation records a message in conversation n now (the idle
// timeout counts from it).
func (db *DB) TouchConversation(ctx context.Context, n int64) error {
	_, err := db.changeConversation(ctx, n, func(c *shop.Conversation) error {
		c.Updated = db.now()
		return nil
	})
	return err
}

// OpenConversations returns the conversations waiting or being answered,
// oldest first. It reads the open index, not every conversation.
func (db *DB) OpenConversations(ctx context.Context) ([]shop.Conversation, error) {
	out, err := indexed[shop.Conversation](ctx, db, prefixOpenConversation, conversationKey)
	if err != nil {
		return nil, fmt.Errorf("open conversations: %w", err)
	}
	return out, nil
}

// CloseIdleConversations closes the open conversations with no message
// since before and returns them.
func (db *DB) CloseIdleConversations(ctx context.Context, before time.Time) ([]shop.Conversation, error) {
	open, err := db.OpenConversations(ctx)
	if err != nil {
		return nil, err
	}
	var closed []shop.Conversation
	for _, c := range open {
		if !c.Updated.Before(before) {
			continue
		}
		c, err := db.changeConversation(ctx, c.N, func(c *shop.Conversation) error {
			if !c.Open() || !c.Updated.Before(before) {
				return shop.ErrClosed // answered meanwhile: keep it
			}
			c.Status, c.Closed = shop.ConversationClosed, db.now()
			return nil
		})
		if errors.Is(err, shop.ErrClosed) {
			continue
		}
		if err != nil {
			return closed, err
		}
		closed = append(closed, c)
	}
	return closed, nil
}

// dropActive forgets that conversation n is customer id's open one, when
// it is (after a link, the customer's open conversation may be another).
func dropActive(txn *badger.Txn, id shop.CustomerID, n int64) error {
	v, err := getBytes(txn, custConversationKey(id))
	if err != nil || len(v) != 8 || int64(binary.BigEndian.Uint64(v)) != n {
		return err
	}
	return txn.Delete(custConversationKey(id))
}
