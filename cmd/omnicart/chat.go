package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"

	"omnicart/bot"
	"omnicart/bot/console"
	"omnicart/flows"
	"omnicart/store"
)

// chat runs the terminal chat over the shop until the end of input.
func chat(ctx context.Context, cfg Config, user, lang string, stdin io.Reader, stdout, stderr io.Writer) error {
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	sh, err := loadShop(cfg)
	if err != nil {
		return fmt.Errorf("the shop has errors:\n%w", err)
	}
	db, err := openStore(cfg, log)
	var locked *store.LockedError
	if errors.As(err, &locked) {
		fmt.Fprintf(stderr, "note: %v; this chat uses a throwaway in-memory store (use --data DIR to keep it)\n", err)
		db, err = store.Open("", store.Options{InMemory: true})
	}
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.SyncStock(ctx, sh.Catalog.StockSeed()); err != nil {
		return fmt.Errorf("sync stock: %w", err)
	}
	senders := bot.Senders{}
	eng := flows.NewEngine(db, senders, flows.Builtin(), sh, flows.Options{Workers: 1, Logger: log})
	con := console.New(stdin, stdout, eng, console.Options{
		Addr: bot.Address{Channel: bot.Console, Chat: user}, Lang: lang, Start: true,
		Text: func(lang, key string) string { return eng.Shop().Texts.Printer(lang).T(key) },
	})
	senders[bot.Console] = con
	engCtx, stopEngine := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Go(func() { eng.Run(engCtx) })
	err = con.Run(ctx)
	stopEngine()
	wg.Wait()
	return err
}
