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
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"omnicart/bot"
	"omnicart/bot/telegram"
	"omnicart/bot/webchat"
	"omnicart/bot/whatsapp"
	"omnicart/flows"
	"omnicart/locales"
	"omnicart/store"
)

// openStore opens the data directory, creating it if needed.
func openStore(cfg Config, log *slog.Logger) (*store.DB, error) {
	if err := os.MkdirAll(cfg.Data.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	db, err := store.Open(cfg.Data.Dir, store.Options{Logger: log})
	if err != nil {
		var locked *store.LockedError
		if errors.As(err, &locked) {
			return nil, locked
		}
		return nil, fmt.Errorf("open data directory %s: %w", cfg.Data.Dir, err)
	}
	return db, nil
}

// run serves the shop until ctx ends, then finishes in-flight messages.
func run(ctx context.Context, cfg Config, log *slog.Logger, stdout io.Writer) error {
	sh, err := loadShop(cfg)
	if err != nil {
		return fmt.Errorf("the shop has errors:\n%w", err)
	}
	db, err := openStore(cfg, log)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.SyncStock(ctx, sh.Catalog.StockSeed()); err != nil {
		return fmt.Errorf("sync stock: %w", err)
	}
	senders := bot.Senders{}
	var tg *telegram.Telegram // set below when configured
	eng := flows.NewEngine(db, senders, flows.Builtin(), sh, flows.Options{
		Workers: cfg.Engine.Workers, QueueSize: cfg.Engine.QueueSize, Logger: log, SessionTTL: cfg.Engine.SessionTTL.Duration,
		DeepLinks: func(payload string) []string {
			var links []string
			if tg != nil {
				if l := tg.DeepLink(payload); l != "" {
					links = append(links, l)
				}
			}
			if cfg.HTTP.PublicURL != "" {
				links = append(links, strings.TrimSuffix(cfg.HTTP.PublicURL, "/")+"/?start="+url.QueryEscape(payload))
			}
			return links
		},
	})
	web := webchat.New(eng, webchat.Options{
		Images: sh.Images,
		Text: func(lang, key string) string {
			sh := eng.Shop()
			return sh.Texts.Printer(lang).T(key, "shop", sh.Name)
		},
		Lang: func(accept string) string {
			if l := locales.Match(accept); l != "" {
				return l
			}
			return cfg.Shop.Lang
		},
		Logger: log,
	})
	senders[bot.Web] = web

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		if !db.Healthy() {
			http.Error(w, "store closed", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	mux.Handle("/", web)
	tg, err = newTelegram(cfg, eng, db, log)
	if err != nil {
		return err
	}
	var tgStats func() telegram.Stats
	if tg != nil {
		tgStats = tg.Stats
	}
	mux.Handle("GET /metrics", metricsHandler(eng, db, tgStats))
	if tg != nil {
		senders[bot.Telegram] = tg
		if cfg.Telegram.Mode == "webhook" {
			u, _ := url.Parse(cfg.Telegram.WebhookURL)
			mux.Handle("POST "+u.Path, tg.WebhookHandler())
		}
	}
	wa, err := newWhatsApp(ctx, cfg, eng, log)
	if err != nil {
		return err
	}
	if wa != nil {
		defer wa.Close()
		senders[bot.WhatsApp] = wa
	}
	ln, err := net.Listen("tcp", cfg.HTTP.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.HTTP.Addr, err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 60 * time.Second, IdleTimeout: 2 * time.Minute}
	srv.RegisterOnShutdown(web.Close) // long polls answer at once instead of holding up shutdown

	base := "http://" + ln.Addr().String() + "/"
	fmt.Fprintf(stdout, "Omnicart is running: %s, %d products.\n  Web chat:      %s\n  Terminal chat: make chat (or omnicart chat --data DIR: %s is this process's)\n  Health:        %shealthz  Metrics: %smetrics\nPress Ctrl+C to stop.\n",
		sh.Name, len(sh.Catalog.Products), base, cfg.Data.Dir, base, base)

	engCtx, stopEngine := context.WithCancel(context.WithoutCancel(ctx))
	defer stopEngine()
	var wg sync.WaitGroup
	errc := make(chan error, 8)
	wg.Go(func() { errc <- eng.Run(engCtx) })
	wg.Go(func() { errc <- db.Run(engCtx) })
	tgCtx, stopTelegram := context.WithCancel(context.WithoutCancel(ctx))
	defer stopTelegram()
	var tgDone sync.WaitGroup
	if tg != nil {
		tgDone.Go(func() {
			// Telegram failing (a refused token) leaves the other channels running.
			if err := tg.Run(tgCtx); err != nil {
				log.Error("the Telegram channel stopped", slog.Any("err", err))
			}
		})
	}
	if wa != nil {
		tgDone.Go(func() {
			// WhatsApp ending (logged out, client outdated) leaves the other channels running.
			if err := wa.Run(tgCtx); err != nil {
				log.Error("the WhatsApp channel stopped", slog.Any("err", err))
			}
		})
	}
	wg.Go(func() {
		errc <- schedule(engCtx, log, map[string]func(){
			"@every 10m": func() { expireUnpaid(engCtx, db, eng, cfg.Orders.UnpaidTTL.Duration, time.Now(), log) },
		})
	})
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	wg.Go(func() {
		errc <- watchShop(engCtx, cfg, log, hup, func(sh *flows.Shop) {
			if err := db.SyncStock(engCtx, sh.Catalog.StockSeed()); err != nil {
				log.Error("sync stock", slog.Any("err", err))
			}
			eng.SetShop(sh)
			if tg != nil {
				tg.SetImages(sh.Images) // replaced photos are uploaded again
				tg.SetCommands(engCtx, sh.Flows.Commands(), sh.Texts.Langs())
			}
		})
	})
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errc <- fmt.Errorf("http: %w", err)
		}
	}()
	log.Info("started", slog.String("http", ln.Addr().String()), slog.String("data", cfg.Data.Dir))

	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-errc:
	}
	log.Info("stopping: finishing messages in flight")
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	srv.Shutdown(shutdown) // stop taking requests; waiting web chat requests finish
	stopTelegram()         // stop taking updates from Telegram and WhatsApp
	tgDone.Wait()
	stopEngine() // the engine finishes what is queued, then returns
	wg.Wait()
	if tg != nil {
		tg.Flush(10 * time.Second) // deliver the replies to the last messages
	}
	if wa != nil {
		wa.Flush(10 * time.Second) // the same, paced, then disconnect
	}
	log.Info("stopped")
	return runErr
}

// newTelegram returns the Telegram channel when a token is configured.
func newTelegram(cfg Config, eng *flows.Engine, db *store.DB, log *slog.Logger) (*telegram.Telegram, error) {
	t := cfg.Telegram
	if t.Token == "" {
		return nil, nil
	}
	sh := eng.Shop()
	return telegram.New(eng, telegram.Options{
		Token: t.Token, APIURL: t.APIURL, Mode: t.Mode, WebhookURL: t.WebhookURL, WebhookSecret: t.WebhookSecret,
		PerChatRate: t.PerChatRate, PerChatBurst: t.PerChatBurst, GroupPerMinute: t.PerGroupPerMinute, GlobalRate: int(t.GlobalRate),
		Images:   sh.Images,
		Text:     func(lang, key string) string { return eng.Shop().Texts.Printer(lang).T(key) },
		Commands: sh.Flows.Commands(),
		Langs:    sh.Texts.Langs(),
		Unreachable: func(ctx context.Context, addr bot.Address) {
			if err := db.SetReachable(ctx, addr.String(), false); err != nil {
				log.Warn("mark customer unreachable", slog.Any("err", err))
			}
		},
		Logger: log,
	})
}

// newWhatsApp returns the WhatsApp channel when it is enabled and paired.
// An enabled but unpaired account is logged, and the shop runs without it.
func newWhatsApp(ctx context.Context, cfg Config, eng *flows.Engine, log *slog.Logger) (*whatsapp.WhatsApp, error) {
	if !cfg.WhatsApp.Enabled {
		return nil, nil
	}
	wa, err := whatsapp.Open(ctx, eng, whatsappOptions(cfg, eng, log))
	if errors.Is(err, whatsapp.ErrNotPaired) {
		log.Error("WhatsApp is enabled but no account is paired: run `omnicart whatsapp login`; serving the other channels")
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("whatsapp: %w", err)
	}
	return wa, nil
}

func whatsappOptions(cfg Config, eng *flows.Engine, log *slog.Logger) whatsapp.Options {
	opt := whatsapp.Options{DB: cfg.WhatsApp.DB, MinGap: cfg.WhatsApp.MinGap.Duration, Polls: cfg.WhatsApp.Polls, Logger: log}
	if eng != nil {
		opt.Images = eng.Shop().Images
		opt.Text = func(lang, key string) string { return eng.Shop().Texts.Printer(lang).T(key) }
	}
	return opt
}

// whatsappAccount pairs (login) or unpairs (logout) the shop's WhatsApp
// account. The shop must not be running meanwhile.
func whatsappAccount(ctx context.Context, cfg Config, cmd, phone string, stdout, stderr io.Writer) error {
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if err := os.MkdirAll(filepath.Dir(cfg.WhatsApp.DB), 0o755); err != nil {
		return err
	}
	opt := whatsappOptions(cfg, nil, log)
	if cmd == "logout" {
		if err := whatsapp.Logout(ctx, opt); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "WhatsApp is unpaired.")
		return nil
	}
	if err := whatsapp.Login(ctx, opt, stdout, phone); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "WhatsApp is paired. Set [whatsapp] enabled = true in the config and run `make run`.")
	return nil
}
