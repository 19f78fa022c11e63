package store

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"unicode/utf8"

	"github.com/dgraph-io/badger/v4"

	"omnicart/shop"
)

// The short message log of each customer, for the operator's card:
//
//	ml/<customerID>/<nanos>  shop.LoggedMessage; <nanos> is 8 bytes
//	                         big-endian, so the log sorts oldest first
//
// Only the last MessageLogSize messages of a customer are kept, each cut to
// MessageLogText runes.
const prefixMessageLog = "ml/"

// MessageLogSize and MessageLogText bound the message log.
const (
	MessageLogSize = 20
	MessageLogText = 500
)

func messageLogPrefix(id shop.CustomerID) []byte { return []byte(prefixMessageLog + string(id) + "/") }

// LogMessage appends m to the customer's message log and drops the
// messages beyond the last MessageLogSize. A zero m.At becomes now.
func (db *DB) LogMessage(ctx context.Context, id shop.CustomerID, m shop.LoggedMessage) error {
	if m.At.IsZero() {
		m.At = db.now()
	}
	if utf8.RuneCountInString(m.Text) > MessageLogText {
		m.Text = string([]rune(m.Text)[:MessageLogText]) + "…"
	}
	err := db.updateNoTurns(ctx, func(txn *badger.Txn) error {
		prefix := messageLogPrefix(id)
		k := binary.BigEndian.AppendUint64(append([]byte(nil), prefix...), uint64(max(m.At.UnixNano(), 0)))
		var keys [][]byte
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, Reverse: true})
		seek := append(append([]byte(nil), prefix...), 0xff)
		for it.Seek(seek); it.ValidForPrefix(prefix); it.Next() {
			keys = append(keys, it.Item().KeyCopy(nil))
		}
		it.Close()
		// keys holds the earlier messages, newest first: keep room for m.
		for _, old := range keys[min(len(keys), MessageLogSize-1):] {
			if err := txn.Delete(old); err != nil {
				return err
			}
		}
		return setJSON(txn, k, m)
	})
	if err != nil {
		return fmt.Errorf("log message of %s: %w", id, err)
	}
	return nil
}

// Messages returns the customer's logged messages, oldest first.
func (db *DB) Messages(ctx context.Context, id shop.CustomerID) ([]shop.LoggedMessage, error) {
	var out []shop.LoggedMessage
	err := db.view(ctx, func(txn *badger.Txn) error {
		prefix := messageLogPrefix(id)
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: true, PrefetchSize: MessageLogSize})
		defer it.Close()
		for it.Rewind(); it.ValidForPrefix(prefix); it.Next() {
			var m shop.LoggedMessage
			if err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, &m) }); err != nil {
				return err
			}
			out = append(out, m)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("messages of %s: %w", id, err)
	}
	return out, nil
}
