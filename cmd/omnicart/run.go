package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"omnicart/bot/console"
	"omnicart/flows"
)

// run serves the shop until ctx ends, then finishes in-flight messages.
func run(ctx context.Context, cfg Config, log *slog.Logger, stdout io.Writer) error {
	m := &Main{Config: cfg, Log: log}
	if err := m.Open(ctx); err != nil {
		return err
	}
	defer m.Close()
	addr := m.Addr
	if a, err := dialAddr(addr); err == nil { // ":9090" listens everywhere; show an address to open
		addr = a
	}
	base := "http://" + addr + "/"
	sh := m.Engine.Shop()
	fmt.Fprintf(stdout, "Omnicart is running: %s, %d products.\n  Web chat:      %s\n  Terminal chat: %s (talks to this shop)\n  Health:        %shealthz  Metrics: %smetrics\nPress Ctrl+C to stop.\n",
		sh.Name, len(sh.Catalog.Products), base, chatCommand(), base, base)
	return m.Run(ctx)
}

// chatCommand is the command that starts the terminal chat with this shop:
// this program as it was started, with the same config.
func chatCommand() string {
	cmd := "omnicart chat"
	if len(os.Args) > 0 && strings.ContainsRune(os.Args[0], filepath.Separator) {
		cmd = os.Args[0] + " chat" // ./bin/omnicart, /usr/local/bin/omnicart
	}
	for i := 1; i < len(os.Args); i++ {
		a := os.Args[i]
		for _, f := range []string{"config", "data"} {
			switch {
			case (a == "--"+f || a == "-"+f) && i+1 < len(os.Args):
				cmd += " --" + f + " " + os.Args[i+1]
			case strings.HasPrefix(a, "--"+f+"=") || strings.HasPrefix(a, "-"+f+"="):
				cmd += " " + a
			}
		}
	}
	return cmd
}

// part is one long-running piece of the shop. Run starts every part in
// its own goroutine and stops them by ending their context.
type part struct {
	name string
	run  func(ctx context.Context) error
	// input parts take messages in (HTTP, Telegram, WhatsApp, the
	// terminal); they stop first, so what they took in is still handled.
	input bool
	// optional parts failing is logged and the rest keeps running.
	optional bool
	// final parts end the run when they return (the terminal chat at the
	// end of its input).
	final bool
}

// serverParts are what `omnicart run` runs. A new long-running part
// (anything with Run(ctx) error) is one more line here.
func (m *Main) serverParts() []part {
	parts := []part{
		{name: "http", run: m.serve, input: true},
		{name: "engine", run: m.Engine.Run},
		{name: "store", run: m.DB.Run},
		{name: "backup", run: m.backups},
		{name: "jobs", run: m.jobs},
		{name: "campaigns", run: m.runCampaigns},
		{name: "outbox", run: m.Outbox.Run, input: true}, // stops with the inputs: the engine still runs its last notices
		{name: "reload", run: m.reload},
		{name: "trim", run: m.trim},                   // memory back to the system when quiet
		{name: "pprof", run: m.pprof, optional: true}, // [debug] pprof_addr; off by default
	}
	if m.Telegram != nil { // failing (a refused token) leaves the other channels running
		parts = append(parts, part{name: "telegram", run: m.Telegram.Run, input: true, optional: true})
	}
	if m.WhatsApp != nil { // ending (logged out, client outdated) leaves the other channels running
		parts = append(parts, part{name: "whatsapp", run: m.WhatsApp.Run, input: true, optional: true})
	}
	return parts
}

// terminalParts are what `omnicart chat` runs.
func (m *Main) terminalParts(con *console.Console) []part {
	return []part{
		{name: "console", run: con.Run, input: true, final: true},
		{name: "engine", run: m.Engine.Run},
		{name: "reload", run: m.reload},
	}
}

// Run runs every part until ctx ends, a part fails or a final part
// returns. Then it stops the input parts, lets the engine finish the
// messages already taken in, stops the rest, and flushes the replies the
// channels still hold.
func (m *Main) Run(ctx context.Context) error {
	inCtx, stopInputs := context.WithCancel(context.WithoutCancel(ctx))
	defer stopInputs()
	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWork()
	var inputs, work sync.WaitGroup
	errc := make(chan error, len(m.parts))
	for _, p := range m.parts {
		wg, pctx := &work, workCtx
		if p.input {
			wg, pctx = &inputs, inCtx
		}
		wg.Go(func() {
			err := p.run(pctx)
			switch {
			case err != nil && p.optional:
				m.Log.Error("a channel stopped", slog.String("part", p.name), slog.Any("err", err))
			case err != nil:
				errc <- fmt.Errorf("%s: %w", p.name, err)
			case p.final:
				errc <- nil
			}
		})
	}
	if m.Addr != "" {
		m.Log.Info("started", slog.String("http", m.Addr), slog.String("data", m.Config.Data.Dir))
	}
	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	m.Log.Info("stopping: finishing messages in flight")
	stopInputs()
	inputs.Wait()
	stopWork() // the engine finishes what is queued, then returns
	work.Wait()
	if m.Telegram != nil {
		m.Telegram.Flush(10 * time.Second) // deliver the replies to the last messages
	}
	if m.WhatsApp != nil {
		m.WhatsApp.Flush(10 * time.Second) // the same, paced, then disconnect
	}
	m.Log.Info("stopped")
	return err
}

// serve serves HTTP until ctx ends, then lets waiting requests finish.
func (m *Main) serve(ctx context.Context) error {
	errc := make(chan error, 1)
	go func() { errc <- m.srv.Serve(m.ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("http: %w", err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	m.srv.Shutdown(shutdown)
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("http: %w", err)
	}
	return nil
}

// jobs runs the shop's periodic jobs until ctx ends.
func (m *Main) jobs(ctx context.Context) error {
	m.settleKept(ctx)               // payments that came before the shop stopped: before expiring their orders
	m.expireUnpaid(ctx, time.Now()) // orders that ran out while the shop was stopped
	return schedule(ctx, m.Log, map[string]func(){
		"@every 10m": func() { m.expireUnpaid(ctx, time.Now()) },
		"@every 1m":  func() { m.settleKept(ctx) },
	})
}

// reload swaps in the shop when its files change or on SIGHUP; a shop
// with errors is logged and the running one stays.
func (m *Main) reload(ctx context.Context) error {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	return watchShop(ctx, m.Config, m.Log, hup, func(sh *flows.Shop) {
		if err := m.DB.SyncStock(ctx, sh.Catalog.StockSeed()); err != nil {
			m.Log.Error("sync stock", slog.Any("err", err))
		}
		m.Engine.SetShop(sh)
		if m.Telegram != nil {
			m.Telegram.SetImages(sh.Images) // replaced photos are uploaded again
			m.Telegram.SetCommands(ctx, sh.Flows.Commands(), sh.Texts.Langs())
		}
	})
}
