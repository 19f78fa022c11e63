package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/robfig/cron/v3"

	"omnicart/bot"
	"omnicart/flows"
	"omnicart/store"
)

// schedule runs the shop's periodic jobs until ctx ends. A job still
// running when its time comes again is skipped; a panic in a job is logged
// and the schedule goes on.
func schedule(ctx context.Context, log *slog.Logger, jobs map[string]func()) error {
	logger := cron.PrintfLogger(slog.NewLogLogger(log.Handler(), slog.LevelWarn))
	c := cron.New(cron.WithChain(cron.SkipIfStillRunning(logger), cron.Recover(logger)))
	for spec, job := range jobs {
		if _, err := c.AddFunc(spec, job); err != nil {
			return err
		}
	}
	c.Start()
	<-ctx.Done()
	<-c.Stop().Done() // wait for running jobs
	return nil
}

// expireUnpaid cancels orders left unpaid for ttl, puts their stock back
// and tells each customer.
func expireUnpaid(ctx context.Context, db *store.DB, eng *flows.Engine, ttl time.Duration, now time.Time, log *slog.Logger) {
	expired, err := db.ExpireUnpaid(ctx, now.Add(-ttl))
	if err != nil {
		log.Error("expire unpaid orders", slog.Any("err", err))
	}
	for _, o := range expired {
		c, err := db.Customer(ctx, o.CustomerID)
		if err != nil {
			continue
		}
		text := eng.Shop().Texts.Printer(c.Lang).T("orders.expired", "number", o.Number)
		if _, err := eng.Notify(ctx, o.CustomerID, []bot.Reply{{Text: text}}); err != nil {
			log.Info("expired order not notified", slog.String("order", o.ID), slog.Any("err", err))
		}
	}
	if len(expired) > 0 {
		log.Info("unpaid orders expired", slog.Int("orders", len(expired)))
	}
}
