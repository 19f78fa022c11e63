package main

import (
	"context"
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
// into the store on the first start after the upgrade.
func webKey(ctx context.Context, db *store.DB, cfg Config) ([]byte, error) {
	return db.Secret(ctx, "webchat-key", func() ([]byte, error) {
		if _, err := os.Stat(webKeyFile(cfg)); err == nil {
			return webchat.LoadKey(webKeyFile(cfg))
		}
		return webchat.NewKey(), nil
	})
}
