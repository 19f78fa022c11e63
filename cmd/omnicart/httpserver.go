package main

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"omnicart/bot/webchat"
	"omnicart/httpguard"
	"omnicart/store"
)

// The HTTP server's defences against slow and greedy clients (issue 9):
// http.read_timeout for headers and then for bodies, http.idle_timeout,
// http.max_body, and http.max_conns_per_addr open connections per client
// address.

// newHTTPServer returns the server for the shop's one HTTP address.
func newHTTPServer(cfg Config, h http.Handler) *http.Server {
	read := cfg.HTTP.ReadTimeout.Duration
	return &http.Server{
		Handler:           httpguard.Handler(h, httpguard.Options{BodyTimeout: read, MaxBody: int64(cfg.HTTP.MaxBody)}),
		ReadHeaderTimeout: read,
		// Long enough for the web chat's 25s long polls.
		WriteTimeout:   60 * time.Second,
		IdleTimeout:    cfg.HTTP.IdleTimeout.Duration,
		MaxHeaderBytes: 64 << 10,
	}
}

// guardListener caps the connections one client address holds open.
func guardListener(cfg Config, ln net.Listener) net.Listener {
	return httpguard.NewListener(ln, cfg.HTTP.MaxConns)
}

// webKeyFile is where versions before the key moved into the store kept
// the key that signs web chat cookies.
func webKeyFile(cfg Config) string { return filepath.Join(cfg.Data.Dir, "webchat.key") }

// webKey returns the key that signs web chat cookies, made on first start.
// It is kept in the store, so a backup carries it: a restored shop keeps
// its web chats. A key an older version kept in data/webchat.key moves
// into the store on the first start after the upgrade. When the store
// cannot take it (a full disk), the key is used for this run all the same.
func webKey(ctx context.Context, db *store.DB, cfg Config, log *slog.Logger) ([]byte, error) {
	var made []byte
	key, err := db.Secret(ctx, "webchat-key", func() ([]byte, error) {
		var err error
		made = webchat.NewKey()
		if _, statErr := os.Stat(webKeyFile(cfg)); statErr == nil {
			made, err = webchat.LoadKey(webKeyFile(cfg))
		}
		return made, err
	})
	if err != nil && made != nil {
		log.Warn("the web chat key is not kept in the store yet; used for this run", slog.Any("err", err))
		return made, nil
	}
	return key, err
}
