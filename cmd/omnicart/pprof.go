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

// listenPprof binds [debug] pprof_addr, when set, and records the bound
// address in PprofAddr. An address it cannot bind is logged and the shop
// runs without the profiler: it is a diagnostic, never a reason to stop.
func (m *Main) listenPprof() {
	addr := m.Config.Debug.PprofAddr
	if addr == "" {
		return
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		m.Log.Error("the profiler is off", slog.Any("err", fmt.Errorf("pprof: %w", err)))
		return
	}
	m.pprofLn, m.PprofAddr = ln, ln.Addr().String()
}

// pprof serves /debug/pprof/ on what listenPprof bound until ctx ends;
// with nothing bound it returns at once.
func (m *Main) pprof(ctx context.Context) error {
	if m.pprofLn == nil {
		return nil
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	m.Log.Info("profiler listening", slog.String("addr", m.PprofAddr))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(m.pprofLn) }()
	select {
	case err := <-errc:
		return fmt.Errorf("pprof: %w", err)
	case <-ctx.Done():
	}
	srv.Close() // profiles in progress are cut short; closes the listener too
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("pprof: %w", err)
	}
	return nil
}
