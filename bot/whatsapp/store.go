package whatsapp

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// The table whatsapp_contacts, next to whatsmeow's tables in the same
// SQLite file, lists the chats that wrote to the shop (Address.Chat) and
// when they first did: the shop sends only to them.

func createContacts(ctx context.Context, db *sql.DB) error {
	_, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS whatsapp_contacts (
		chat     TEXT PRIMARY KEY,
		first_at INTEGER NOT NULL
	)`)
	if err != nil {
		return fmt.Errorf("whatsapp: create contacts table: %w", err)
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

// clearContacts forgets every chat: after unlinking, a newly paired number
// has written to nobody.
func clearContacts(ctx context.Context, db *sql.DB) error {
	if err := createContacts(ctx, db); err != nil {
		return err
	}
	_, err := db.ExecContext(ctx, `DELETE FROM whatsapp_contacts`)
	return err
}
