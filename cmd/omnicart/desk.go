package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"omnicart/bot"
	"omnicart/charts"
	"omnicart/flows"
)

// SupportConfig is the [support] section: when people answer, how long an
// idle conversation stays open, and the return window.
//
//	[support]
//	hours = "10:00-20:00"              # in the shop's time zone; empty: always
//	days = ["mon", "tue", "wed", "thu", "fri"]   # empty: every day
//	idle_after = "2h"                  # then the shopper is handed back to the bot
//	return_days = 14                   # returns and exchanges after delivery
type SupportConfig struct {
	Hours      string   `toml:"hours"`
	Days       []string `toml:"days"`
	IdleAfter  Duration `toml:"idle_after"`
	ReturnDays int      `toml:"return_days"`
}

// desk builds the staff desk's options from the config.
func (m *Main) desk(cfg Config) (flows.Desk, error) {
	hours, err := flows.ParseHours(cfg.Support.Hours, cfg.Support.Days)
	if err != nil {
		return flows.Desk{}, fmt.Errorf("support: %w", err)
	}
	return flows.Desk{
		Staff:      newStaff(cfg).Addresses,
		Hours:      hours,
		IdleAfter:  cfg.Support.IdleAfter.Duration,
		ReturnDays: cfg.Support.ReturnDays,
		Chart:      drawFunnel,
		Wake: func() {
			if m.Outbox != nil {
				m.Outbox.Wake()
			}
		},
	}, nil
}

// drawFunnel draws the /stats chart with the charts package.
func drawFunnel(f flows.FunnelChart) ([]byte, error) {
	c := charts.Funnel{Title: f.Title, Stages: f.Stages, YLabel: f.YLabel}
	for _, s := range f.Series {
		c.Series = append(c.Series, charts.Series{Name: s.Name, Values: s.Values})
	}
	return c.PNG()
}

// deskParts run the desk's jobs: broadcasts, and closing idle support
// conversations.
func (m *Main) deskParts(opt flows.Desk) []part {
	jobs := flows.NewDeskJobs(m.DB, m.Engine, editor{m}, opt)
	return []part{
		{name: "broadcasts", run: func(ctx context.Context) error { return jobs.RunBroadcasts(ctx, time.Second) }},
		{name: "support", run: func(ctx context.Context) error {
			tick := time.NewTicker(time.Minute)
			defer tick.Stop()
			for {
				select {
				case <-ctx.Done():
					return nil
				case <-tick.C:
					if n, err := jobs.CloseIdle(ctx); err != nil {
						m.Log.Error("close idle support conversations", slog.Any("err", err))
					} else if n > 0 {
						m.Log.Info("idle support conversations closed", slog.Int("conversations", n))
					}
				}
			}
		}},
	}
}

// editor posts and edits progress messages on the channels that can edit
// (Telegram); elsewhere Post says it cannot ("").
type editor struct{ m *Main }

func (e editor) Post(ctx context.Context, to bot.Address, r bot.Reply) (string, error) {
	if to.Channel == bot.Telegram && e.m.Telegram != nil {
		return e.m.Telegram.Post(ctx, to, r)
	}
	return "", nil
}

func (e editor) Edit(ctx context.Context, to bot.Address, id string, r bot.Reply) error {
	if to.Channel == bot.Telegram && e.m.Telegram != nil {
		return e.m.Telegram.Edit(ctx, to, id, r)
	}
	return nil
}
