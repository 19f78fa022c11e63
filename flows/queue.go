package flows

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"

	"omnicart/bot"
	"omnicart/shop"
)

// ErrStopping is returned by Notify and Fire when the engine stops before
// their turn came: nothing was done, and the caller may try again later.
var ErrStopping = errors.New("flows: the engine is stopping")

// ErrBusy is returned by Notify and Fire when the customer's queue is full:
// nothing was done, and the caller may try again later.
var ErrBusy = errors.New("flows: the customer's queue is full")

// job is one turn of a customer: a shopper's message, a notice or an
// outside event. Workers run jobs of one customer one at a time, in order.
type job struct {
	run func(ctx context.Context)
}

type queue struct {
	id      shop.CustomerID
	jobs    []job
	running bool
}

// enqueue puts j behind the earlier jobs of customer id.
func (e *Engine) enqueue(id shop.CustomerID, j job) error {
	e.mu.Lock()
	if e.stopping {
		e.mu.Unlock()
		e.stats.Dropped.Add(1)
		return ErrStopping
	}
	q := e.queues[id]
	if q == nil {
		q = &queue{id: id}
		e.queues[id] = q
	}
	if len(q.jobs) >= e.opt.QueueSize {
		e.mu.Unlock()
		e.log.Warn("customer queue full", slog.String("customer", string(id)))
		e.stats.Dropped.Add(1)
		return ErrBusy
	}
	q.jobs = append(q.jobs, j)
	e.inflight.Add(1)
	schedule := !q.running
	q.running = true
	e.mu.Unlock()
	if schedule {
		e.ready <- q
	}
	return nil
}

// drain runs the jobs of one customer in order, then releases it.
func (e *Engine) drain(ctx context.Context, q *queue) {
	for {
		e.mu.Lock()
		if len(q.jobs) == 0 {
			q.running = false
			delete(e.queues, q.id)
			e.mu.Unlock()
			return
		}
		j := q.jobs[0]
		q.jobs[0] = job{}
		q.jobs = q.jobs[1:]
		e.mu.Unlock()
		j.run(ctx)
		e.inflight.Done()
	}
}

// Handle queues m behind the earlier work of the same customer. It
// returns at once unless every worker is busy and the ready list is full.
func (e *Engine) Handle(ctx context.Context, m bot.Message) {
	id, err := e.customerOf(ctx, m.From.String())
	if err != nil {
		e.log.Error("resolve customer", slog.String("channel", m.From.Channel), slog.Any("err", err))
		e.stats.Errors.Add(1)
		done(m)
		return
	}
	err = e.enqueue(id, job{run: func(ctx context.Context) {
		defer done(m)
		e.handle(ctx, id, m)
	}})
	if err != nil {
		done(m)
	}
}

// customerOf returns the ID of the customer writing from addr, creating
// the customer on first contact; a known address is looked up without
// reading the profile when the store can (customerIDs).
func (e *Engine) customerOf(ctx context.Context, addr string) (shop.CustomerID, error) {
	if st, ok := e.store.(customerIDs); ok {
		id, found, err := st.CustomerID(ctx, addr)
		if err != nil || found {
			return id, err
		}
	}
	cust, err := e.store.CustomerFor(ctx, addr)
	return cust.ID, err
}

func done(m bot.Message) {
	if m.Done != nil {
		m.Done()
	}
}

// call runs fn in customer id's turn, after the work queued before it,
// and waits for it. fn gets ctx. When ctx ends or the engine stops before
// fn has started, call returns at once and fn never runs; once fn has
// started, call waits for it (fn ends promptly when ctx does).
func (e *Engine) call(ctx context.Context, id shop.CustomerID, fn func(ctx context.Context) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	const (
		waiting int32 = iota
		started
		abandoned
	)
	var state atomic.Int32
	finished := make(chan struct{})
	var err error
	j := job{run: func(context.Context) {
		if !state.CompareAndSwap(waiting, started) {
			return
		}
		defer close(finished)
		defer func() {
			if r := recover(); r != nil {
				e.stats.Errors.Add(1)
				e.log.Error("panic in flow", slog.Any("panic", r), slog.String("customer", string(id)))
				err = fmt.Errorf("flows: panic: %v", r)
			}
		}()
		err = fn(ctx)
	}}
	if err := e.enqueue(id, j); err != nil {
		return err
	}
	select {
	case <-finished:
		return err
	case <-ctx.Done():
	case <-e.stopped:
	}
	if state.CompareAndSwap(waiting, abandoned) {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return ErrStopping
	}
	<-finished
	return err
}
