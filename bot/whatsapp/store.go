package whatsapp

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Two tables live next to whatsmeow's in the same SQLite file:
//
//   - whatsapp_contacts lists the chats that wrote to the shop
//     (Address.Chat) and when they first did: the shop sends only to them.
//   - whatsapp_aliases maps every WhatsApp user seen, by phone-number JID
//     ("79161234567@s.whatsapp.net") and by LID ("123456789012345@lid"), to
//     the address (Address.Chat) first given to that person, and when it was
//     given (Unix nanoseconds), so a person keeps one address.
//   - whatsapp_number holds the shop's number the contacts wrote to: a
//     device paired again with the same number keeps them, another
//     number starts with none.

func createTables(ctx context.Context, db *sql.DB) error {
	_, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS whatsapp_contacts (
		chat     TEXT PRIMARY KEY,
		first_at INTEGER NOT NULL
	);
	CREATE TABLE IF NOT EXISTS whatsapp_aliases (
		jid   TEXT PRIMARY KEY,
		chat  TEXT NOT NULL,
		since INTEGER NOT NULL
	);
	CREATE TABLE IF NOT EXISTS whatsapp_number (
		one    INTEGER PRIMARY KEY CHECK (one = 1),
		number TEXT NOT NULL
	)`)
	if err != nil {
		return fmt.Errorf("whatsapp: create tables: %w", err)
	}
	return nil
}

func addContact(ctx context.Context, db *sql.DB, chat string, at time.Time) error {
	_, err := db.ExecContext(ctx, `INSERT OR IGNORE INTO whatsapp_contacts (chat, first_at) VALUES (?, ?)`, chat, at.Unix())
	return err
}

func hasContact(ctx context.Context, db *sql.DB, chat string) (bool, error) {
	var one int
	err := db.QueryRowContext(ctx, `SELECT 1 FROM whatsapp_contacts WHERE chat = ?`, chat).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// adoptNumber makes number (the paired device's, digits) the one the
// contacts wrote to. Contacts written to another number are forgotten: the
// new number has written to nobody. A file from before the number was
// kept has its contacts adopted: they were cleared at that pairing.
func adoptNumber(ctx context.Context, db *sql.DB, number string) error {
	if err := createTables(ctx, db); err != nil {
		return err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var had string
	switch err := tx.QueryRowContext(ctx, `SELECT number FROM whatsapp_number WHERE one = 1`).Scan(&had); {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return err
	case had == number:
		return nil
	default:
		if _, err := tx.ExecContext(ctx, `DELETE FROM whatsapp_contacts`); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO whatsapp_number (one, number) VALUES (1, ?)
		ON CONFLICT (one) DO UPDATE SET number = excluded.number`, number); err != nil {
		return err
	}
	return tx.Commit()
}

// clearContacts forgets every chat and whose they were: nothing tells
// which number they wrote to.
func clearContacts(ctx context.Context, db *sql.DB) error {
	if err := createTables(ctx, db); err != nil {
		return err
	}
	_, err := db.ExecContext(ctx, `DELETE FROM whatsapp_contacts; DELETE FROM whatsapp_number`)
	return err
}

// alias is the address given to a person, and when it was first given.
type alias struct {
	chat  string
	since int64 // Unix nanoseconds
}

func getAlias(ctx context.Context, db *sql.DB, jid string) (alias, bool, error) {
	var a alias
	err := db.QueryRowContext(ctx, `SELECT chat, since FROM whatsapp_aliases WHERE jid = ?`, jid).Scan(&a.chat, &a.since)
	if errors.Is(err, sql.ErrNoRows) {
		return alias{}, false, nil
	}
	return a, err == nil, err
}

func putAlias(ctx context.Context, db *sql.DB, jid string, a alias) error {
	_, err := db.ExecContext(ctx, `INSERT INTO whatsapp_aliases (jid, chat, since) VALUES (?, ?, ?)
		ON CONFLICT (jid) DO UPDATE SET chat = excluded.chat, since = excluded.since`, jid, a.chat, a.since)
	return err
}
