// Package outbox drains the durable outbox: the notices the shop starts
// (status changes, reminders, offers, operator answers), stored with an
// idempotency key in the same transaction as the change that causes them.
// One sender loop hands each to the engine, which renders it in the
// customer's language and delivers it through their chats (moving to the
// next linked chat when one refuses); the loop records delivered or failed,
// retries what failed for now with backoff, and resumes after a restart.
package outbox

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"omnicart/bot"
	"omnicart/shop"
)

// Queue is the stored outbox; *store.DB satisfies it.
type Queue interface {
	PendingNotices(ctx context.Context, now time.Time, limit int) ([]shop.PendingNotice, error)
	NoticeAttempt(ctx context.Context, id string) error
	NoticeDispatched(ctx context.Context, id string) error
	NoticeRetry(ctx context.Context, id string, at time.Time, reason string) error
	NoticeSent(ctx context.Context, id, address string) error
	NoticeFailed(ctx context.Context, id, reason string) error
	OutboxDepth(ctx context.Context) (int, time.Time, error)
}

// NotifyFunc delivers one notice now and returns the chat that took it. An
// error wrapping bot.ErrRefused means no chat of the customer will ever
// take it (failed for good); any other error is retried later.
type NotifyFunc func(ctx context.Context, n shop.Notice) (bot.Address, error)

// Options tune a Sender; zero values pick defaults.
type Options struct {
	Workers     int           // customers served at once; default 16
	Batch       int           // notices read per pass; default 256
	Poll        time.Duration // how often to look when not woken; default 1s
	SendTimeout time.Duration // one delivery; default 2m
	MaxAttempts int           // then failed for good; default 12
	// Backoff is the wait before attempt n+1 after n failed; default
	// 5s·2ⁿ⁻¹ capped at 1h.
	Backoff func(attempt int) time.Duration
	Now     func() time.Time
	Logger  *slog.Logger
	// Observe, when set, hears how long each delivery took.
	Observe func(time.Duration)
}

// Sender is the one loop that drains the outbox.
type Sender struct {
	q      Queue
	notify NotifyFunc
	opt    Options
	log    *slog.Logger
	wake   chan struct{}

	sent, failed, retried atomic.Int64
}

// New returns a sender draining q through notify.
func New(q Queue, notify NotifyFunc, opt Options) *Sender {
	if opt.Workers <= 0 {
		opt.Workers = 16
	}
	if opt.Batch <= 0 {
		opt.Batch = 256
	}
	if opt.Poll <= 0 {
		opt.Poll = time.Second
	}
	if opt.SendTimeout <= 0 {
		opt.SendTimeout = 2 * time.Minute
	}
	if opt.MaxAttempts <= 0 {
		opt.MaxAttempts = 12
	}
	if opt.Backoff == nil {
		opt.Backoff = func(n int) time.Duration {
			return min(5*time.Second<<min(max(n-1, 0), 20), time.Hour)
		}
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	return &Sender{q: q, notify: notify, opt: opt, log: opt.Logger, wake: make(chan struct{}, 1)}
}

// Wake makes the loop look at the outbox now (after something was
// enqueued) instead of at its next poll.
func (s *Sender) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Stats are the sender's counters since start.
type Stats struct{ Sent, Failed, Retried int64 }

// Stats returns the counters.
func (s *Sender) Stats() Stats {
	return Stats{Sent: s.sent.Load(), Failed: s.failed.Load(), Retried: s.retried.Load()}
}

// Depth returns how many notices wait and the age of the oldest.
func (s *Sender) Depth(ctx context.Context) (int, time.Duration, error) {
	n, oldest, err := s.q.OutboxDepth(ctx)
	if err != nil || n == 0 {
		return n, 0, err
	}
	return n, max(s.opt.Now().Sub(oldest), 0), nil
}

// Run drains the outbox until ctx ends. A notice being delivered when ctx
// ends is finished (up to SendTimeout) and recorded, so nothing is sent
// twice because of a shutdown.
func (s *Sender) Run(ctx context.Context) error {
	work := context.WithoutCancel(ctx)
	tick := time.NewTicker(s.opt.Poll)
	defer tick.Stop()
	for {
		more, err := s.pass(ctx, work)
		if err != nil && ctx.Err() == nil {
			s.log.Error("outbox: read pending notices", slog.Any("err", err))
		}
		if ctx.Err() != nil {
			return nil
		}
		if more {
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-s.wake:
		case <-tick.C:
		}
	}
}

// pass sends one batch of due notices: the customers in parallel, the
// notices of one customer in order. It reports whether a full batch was
// read (more may be waiting).
func (s *Sender) pass(ctx, work context.Context) (bool, error) {
	batch, err := s.q.PendingNotices(ctx, s.opt.Now(), s.opt.Batch)
	if err != nil || len(batch) == 0 {
		return false, err
	}
	byCustomer := map[shop.CustomerID][]shop.PendingNotice{}
	var order []shop.CustomerID
	for _, p := range batch {
		if _, ok := byCustomer[p.Notice.Customer]; !ok {
			order = append(order, p.Notice.Customer)
		}
		byCustomer[p.Notice.Customer] = append(byCustomer[p.Notice.Customer], p)
	}
	var wg sync.WaitGroup
	slots := make(chan struct{}, s.opt.Workers)
	for _, c := range order {
		if ctx.Err() != nil {
			break
		}
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			for _, p := range byCustomer[c] {
				if ctx.Err() != nil {
					return
				}
				if !s.send(work, p) {
					return // keep this customer's later notices in order
				}
			}
		})
	}
	wg.Wait()
	return len(batch) == s.opt.Batch, nil
}

// send delivers one notice and records the outcome; it reports whether the
// customer's next notice may go.
func (s *Sender) send(ctx context.Context, p shop.PendingNotice) bool {
	log := s.log.With(slog.String("notice", p.Notice.Key))
	if p.CutShort && p.Dispatched {
		// The process stopped after the request left and before its
		// outcome was recorded: it may have been delivered, and no
		// platform can say. Service notices are sent again (at least
		// once); marketing is not (at most once). A send cut short before
		// it left is simply sent again.
		log.Warn("outbox: a send of this notice was cut short after it left; it may have been delivered", slog.Int("attempts", p.Attempts))
		if p.Notice.Kind == shop.NoticeMarketing {
			s.finish(ctx, p, s.q.NoticeFailed(ctx, p.ID, "cut short by a restart after it left; not sent again"), &s.failed)
			return true
		}
	}
	if err := s.q.NoticeAttempt(ctx, p.ID); err != nil {
		log.Error("outbox: record attempt", slog.Any("err", err))
		return false
	}
	sctx, cancel := context.WithTimeout(ctx, s.opt.SendTimeout)
	sctx = bot.WithDispatch(sctx, func() {
		if err := s.q.NoticeDispatched(ctx, p.ID); err != nil {
			log.Error("outbox: record dispatch", slog.Any("err", err))
		}
	})
	start := time.Now()
	addr, err := s.notify(sctx, p.Notice)
	cancel()
	if s.opt.Observe != nil {
		s.opt.Observe(time.Since(start))
	}
	switch {
	case err == nil:
		s.finish(ctx, p, s.q.NoticeSent(ctx, p.ID, addr.String()), &s.sent)
		return true
	case errors.Is(err, bot.ErrRefused) || p.Attempts+1 >= s.opt.MaxAttempts:
		log.Info("outbox: notice failed for good", slog.Any("err", err))
		s.finish(ctx, p, s.q.NoticeFailed(ctx, p.ID, err.Error()), &s.failed)
		return true
	default:
		wait := s.opt.Backoff(p.Attempts + 1)
		log.Warn("outbox: notice not delivered, retrying later", slog.Duration("in", wait), slog.Any("err", err))
		s.finish(ctx, p, s.q.NoticeRetry(ctx, p.ID, s.opt.Now().Add(wait), err.Error()), &s.retried)
		return false
	}
}

func (s *Sender) finish(ctx context.Context, p shop.PendingNotice, err error, counter *atomic.Int64) {
	if err != nil {
		s.log.Error("outbox: record outcome", slog.String("notice", p.Notice.Key), slog.Any("err", err))
		return
	}
	counter.Add(1)
}
