package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"omnicart/bot"
	"omnicart/bot/telegram"
	"omnicart/bot/whatsapp"
	"omnicart/flows"
	"omnicart/store"
)

// newTelegram returns the Telegram channel when a token is configured.
func newTelegram(cfg Config, eng *flows.Engine, db *store.DB, pay telegramPay, log *slog.Logger) (*telegram.Telegram, error) {
	t := cfg.Telegram
	if t.Token == "" {
		return nil, nil
	}
	sh := eng.Shop()
	return telegram.New(eng, telegram.Options{
		PaymentToken: pay.token, Payments: pay.payments,
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
