package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// DebugConfig is the [debug] table: diagnostics, all off by default.
type DebugConfig struct {
	// PprofAddr serves Go's profiler (/debug/pprof/) at this address,
	// apart from the shop's HTTP address: "127.0.0.1:6060". Empty: off.
	PprofAddr string `toml:"pprof_addr"`
}

// pprof serves /debug/pprof/ at [debug] pprof_addr until ctx ends; with no
// address it returns at once.
func (m *Main) pprof(ctx context.Context) error {
	addr := m.Config.Debug.PprofAddr
	if addr == "" {
		return nil
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("pprof: %w", err)
	}
	m.Log.Info("profiler listening", slog.String("addr", ln.Addr().String()))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("pprof: %w", err)
	case <-ctx.Done():
	}
	srv.Close() // profiles in progress are cut short
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("pprof: %w", err)
	}
	return nil
}
