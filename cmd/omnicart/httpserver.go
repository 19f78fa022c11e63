package main

import (
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"omnicart/bot/webchat"
	"omnicart/httpguard"
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

// webKeyFile is where the key that signs web chat cookies is kept.
func webKeyFile(cfg Config) string { return filepath.Join(cfg.Data.Dir, "webchat.key") }

// webKey returns the key that signs web chat cookies, made on first start.
func webKey(cfg Config) ([]byte, error) {
	if err := os.MkdirAll(cfg.Data.Dir, 0o755); err != nil {
		return nil, err
	}
	return webchat.LoadKey(webKeyFile(cfg))
}
