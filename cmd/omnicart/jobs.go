package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/robfig/cron/v3"
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

// expireUnpaid cancels the orders left unpaid for their time to pay
// (orders.unpaid_ttl, payments.qr.ttl for a bank transfer: see
// Config.payWithin; the store puts their stock back and writes each
// customer's notice to the outbox in the same transaction) and wakes the
// outbox.
func (m *Main) expireUnpaid(ctx context.Context, now time.Time) {
	expired, err := m.DB.ExpireUnpaid(ctx, now)
	if err != nil {
		m.Log.Error("expire unpaid orders", slog.Any("err", err))
	}
	if len(expired) > 0 {
		m.Log.Info("unpaid orders expired", slog.Int("orders", len(expired)))
		m.Outbox.Wake()
	}
}

// settleKept settles the Telegram payments that were kept but not settled
// (payments/tginvoice: the shop stopped or the store failed in between).
func (m *Main) settleKept(ctx context.Context) {
	if m.payments == nil || m.payments.telegram == nil {
		return
	}
	n, err := m.payments.telegram.SettleKept(ctx)
	if n > 0 {
		m.Log.Info("kept Telegram payments settled", slog.Int("payments", n))
	}
	if err != nil {
		m.Log.Error("settle kept Telegram payments: trying again in a minute", slog.Any("err", err))
	}
}
