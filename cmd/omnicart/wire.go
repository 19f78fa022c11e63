package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"omnicart/bot"
	"omnicart/bot/console"
	"omnicart/bot/telegram"
	"omnicart/bot/webchat"
	"omnicart/bot/whatsapp"
	"omnicart/flows"
	"omnicart/locales"
	"omnicart/outbox"
	"omnicart/store"
)

// Main is the shop wired once. `omnicart run`, `omnicart chat` and the
// tests all use it the same way:
//
//	m := &Main{Config: cfg, Log: log}
//	if err := m.Open(ctx); err != nil { ... }
//	defer m.Close()
//	err := m.Run(ctx) // until ctx ends
//
// Open loads the shop, opens the store, builds the engine and the channels
// and binds the HTTP address; Run runs every long-running part and stops
// them in order; Close releases what Open opened.
type Main struct {
	// Config is the configuration; set before Open.
	Config Config
	// Log receives the log; nil discards it. Set before Open.
	Log *slog.Logger
	// Terminal, when set before Open, makes this the terminal chat: the
	// shop talks to one console chat and serves no HTTP, Telegram or
	// WhatsApp, and runs no jobs. Run returns at the end of its input.
	Terminal *Terminal

	// Addr is the bound HTTP address (host:port), set by Open; with
	// http.addr "127.0.0.1:0" it names the port the system picked.
	// Empty in the terminal chat.
	Addr string
	// PprofAddr is the profiler's bound address ([debug] pprof_addr), set
	// by Open; empty when the profiler is off or its address was taken.
	PprofAddr string

	DB       *store.DB
	Engine   *flows.Engine
	Senders  bot.Senders        // every channel's sender, timed for /metrics
	Web      *webchat.Chat      // nil in the terminal chat
	Telegram *telegram.Telegram // nil when Telegram is off
	WhatsApp *whatsapp.WhatsApp // nil when WhatsApp is off or not paired
	Metrics  *prometheus.Registry
	Outbox   *outbox.Sender // drains the notices the shop starts

	parts    []part
	metrics  *metrics
	payments *shopPayments // the payment methods and their webhooks
	ln       net.Listener
	pprofLn  net.Listener // nil without the profiler
	srv      *http.Server
	addrFile bool           // Open wrote the address into the data directory
	camp     *campaignsPart // the campaigns (campaigns.go)
}

// Terminal is the console side of the terminal chat.
type Terminal struct {
	In   io.Reader
	Out  io.Writer
	User string // chat as this user id
	Lang string // en or ru; empty: the shop's
}

// Open wires the shop. On an error everything opened so far is closed.
func (m *Main) Open(ctx context.Context) error {
	if m.Log == nil {
		m.Log = slog.New(slog.DiscardHandler)
	}
	if err := m.open(ctx); err != nil {
		m.Close()
		return err
	}
	return nil
}

func (m *Main) open(ctx context.Context) error {
	cfg, log := m.Config, m.Log
	sh, err := loadShop(cfg)
	if err != nil {
		return fmt.Errorf("the shop has errors:\n%w", err)
	}
	m.DB, err = openStore(cfg, log)
	if err != nil { // a *store.LockedError makes `omnicart chat` talk to the running shop
		return err
	}
	if err := m.DB.SyncStock(ctx, sh.Catalog.StockSeed()); err != nil {
		return fmt.Errorf("sync stock: %w", err)
	}
	m.metrics = newMetrics()
	m.Metrics = m.metrics.reg
	m.Senders = bot.Senders{}
	opt := flows.Options{
		Workers: cfg.Engine.Workers, QueueSize: cfg.Engine.QueueSize, SessionTTL: cfg.Engine.SessionTTL.Duration,
		Logger: log, Observe: m.metrics.observeMessage, DeepLinks: m.deepLinks,
		Roles: newStaff(cfg).Role, Staff: m.staffOptions(),
	}
	if opt.Desk, err = m.desk(cfg); err != nil {
		return err
	}
	m.openCampaigns(&opt)
	if m.Terminal != nil {
		opt.Workers = 1
	}
	// The enabled payment methods, in the configured order (payments.go).
	if err := m.openPayments(); err != nil {
		return err
	}
	m.Engine = flows.NewEngine(m.DB, m.Senders, m.payments.methods, sh, opt)
	if err := m.watchOrders(ctx); err != nil {
		return fmt.Errorf("orders: %w", err)
	}
	m.Outbox = outbox.New(m.DB, m.Engine.Notify, outbox.Options{Logger: log})
	if m.Terminal != nil {
		return m.openTerminal()
	}
	key, err := webKey(ctx, m.DB, cfg, log)
	if err != nil {
		return err
	}
	m.Web = webchat.New(m.Engine, webchat.Options{
		Key: key, HistoryBytes: int64(cfg.Web.HistoryBytes), Embedders: cfg.Web.EmbedOrigins,
		Images: sh.Images,
		Text: func(lang, key string) string {
			sh := m.Engine.Shop()
			return sh.Texts.Printer(lang).T(key, "shop", sh.Name)
		},
		Lang: func(accept string) string {
			if l := locales.Match(accept); l != "" {
				return l
			}
			return cfg.Shop.Lang
		},
		Logger:   log,
		Continue: cfg.Telegram.Token != "" || cfg.WhatsApp.Enabled,
	})
	m.addSender(bot.Web, m.Web)
	if m.Telegram, err = newTelegram(cfg, m.Engine, m.DB, m.telegramPayments(), log); err != nil {
		return err
	}
	if m.Telegram != nil {
		m.addSender(bot.Telegram, m.Telegram)
	}
	if m.WhatsApp, err = newWhatsApp(ctx, cfg, m.Engine, log); err != nil {
		return err
	}
	if m.WhatsApp != nil {
		m.addSender(bot.WhatsApp, m.WhatsApp)
	}
	m.metrics.register(m.Engine, m.DB, m.Outbox, m.Telegram)
	m.Metrics.MustRegister(dataCollectors(m.DB)...)
	if err := m.listen(); err != nil {
		return err
	}
	// `omnicart chat` and `omnicart healthcheck` find this shop by it.
	if err := writeAddr(cfg, m.Addr); err != nil {
		return err
	}
	m.addrFile = true
	m.parts = append(m.serverParts(), m.deskParts(opt.Desk)...)
	return nil
}

// openTerminal adds the console chat, the terminal chat's only channel.
func (m *Main) openTerminal() error {
	t := m.Terminal
	con := console.New(t.In, t.Out, m.Engine, console.Options{
		Addr: bot.Address{Channel: bot.Console, Chat: t.User}, Lang: t.Lang, Start: true, Prompt: chatPrompt,
		Text: func(lang, key string, args ...any) string {
			sh := m.Engine.Shop()
			return sh.Texts.Printer(lang).T(key, append([]any{"shop", sh.Name}, args...)...)
		},
	})
	m.addSender(bot.Console, con)
	m.metrics.register(m.Engine, m.DB, nil, nil)
	m.parts = m.terminalParts(con)
	return nil
}

// addSender routes replies for channel to s, timing each send.
func (m *Main) addSender(channel string, s bot.Sender) {
	m.Senders[channel] = m.metrics.timed(channel, s)
}

// deepLinks returns the links that open a chat with the shop and send it
// "/start payload": Telegram's and the web chat's.
func (m *Main) deepLinks(payload string) []string {
	var links []string
	if m.Telegram != nil {
		if l := m.Telegram.DeepLink(payload); l != "" {
			links = append(links, l)
		}
	}
	if u := m.Config.HTTP.PublicURL; u != "" {
		links = append(links, strings.TrimSuffix(u, "/")+"/?start="+url.QueryEscape(payload))
	}
	return links
}

// listen binds the HTTP address and builds the server: web chat, health,
// metrics and, in webhook mode, Telegram's webhook.
func (m *Main) listen() error {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", healthz(m.DB))
	mux.Handle("GET /metrics", m.metrics.handler())
	mux.Handle("/", m.Web)
	m.paymentRoutes(mux)
	if m.Telegram != nil && m.Config.Telegram.Mode == "webhook" {
		u, _ := url.Parse(m.Config.Telegram.WebhookURL)
		mux.Handle("POST "+u.Path, m.Telegram.WebhookHandler())
	}
	ln, err := net.Listen("tcp", m.Config.HTTP.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", m.Config.HTTP.Addr, err)
	}
	m.ln, m.Addr = guardListener(m.Config, ln), ln.Addr().String()
	m.srv = newHTTPServer(m.Config, mux)
	m.srv.RegisterOnShutdown(m.Web.Close) // long polls answer at once instead of holding up shutdown
	m.listenPprof()
	return nil
}

// Close releases what Open opened: the listener, WhatsApp's device store
// and the data directory. Call it once, after Run has returned.
func (m *Main) Close() error {
	var errs []error
	if m.addrFile {
		if err := os.Remove(addrPath(m.Config)); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
		m.addrFile = false
	}
	for _, ln := range []net.Listener{m.ln, m.pprofLn} {
		if ln == nil {
			continue
		}
		if err := ln.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			errs = append(errs, err)
		}
	}
	if m.WhatsApp != nil {
		errs = append(errs, m.WhatsApp.Close())
	}
	if m.DB != nil {
		errs = append(errs, m.DB.Close())
	}
	return errors.Join(errs...)
}

// openStore opens the data directory, creating it if needed.
func openStore(cfg Config, log *slog.Logger) (*store.DB, error) {
	if err := os.MkdirAll(cfg.Data.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	db, err := store.Open(cfg.Data.Dir, store.Options{Logger: log, MinFree: uint64(cfg.Data.MinFree), PayWithin: cfg.payWithin})
	if err != nil {
		var locked *store.LockedError
		var damaged *store.DamagedError
		var low *store.LowSpaceError
		if errors.As(err, &locked) || errors.As(err, &damaged) || errors.As(err, &low) {
			return nil, err // they name the directory and the way out
		}
		return nil, fmt.Errorf("open data directory %s: %w", cfg.Data.Dir, err)
	}
	return db, nil
}
