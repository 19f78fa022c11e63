package telegram

import (
	"context"
	"sync"
	"time"
)

// window allows at most n events in any span of time: a sliding-window log,
// so a burst can never push the count over the limit the way a token bucket
// with a full bucket can.
type window struct {
	mu    sync.Mutex
	n     int
	span  time.Duration
	times []time.Time // booked event times, oldest first, at most n
}

func newWindow(n int, span time.Duration) *window {
	if n < 1 {
		n = 1
	}
	return &window{n: n, span: span, times: make([]time.Time, 0, n)}
}

// take waits until one more event fits and books it at that moment, or
// returns false when ctx ends first.
func (w *window) take(ctx context.Context) bool {
	for {
		w.mu.Lock()
		now := time.Now()
		at := now
		if len(w.times) == w.n {
			if free := w.times[0].Add(w.span); free.After(now) {
				at = free
			}
		}
		if !at.After(now) {
			if len(w.times) == w.n {
				copy(w.times, w.times[1:])
				w.times = w.times[:w.n-1]
			}
			w.times = append(w.times, now)
			w.mu.Unlock()
			return true
		}
		w.mu.Unlock()
		timer := time.NewTimer(at.Sub(now))
		select {
		case <-timer.C:
		case <-ctx.Done():
			timer.Stop()
			return false
		}
	}
}

// next returns the earliest time at or after now when one more event fits,
// without booking it.
func (w *window) next(now time.Time) time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.times) == w.n {
		if free := w.times[0].Add(w.span); free.After(now) {
			return free
		}
	}
	return now
}

// record books an event that happened at t (t never goes back).
func (w *window) record(t time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.times) == w.n {
		copy(w.times, w.times[1:])
		w.times = w.times[:w.n-1]
	}
	w.times = append(w.times, t)
}

// idle reports whether the window has no reservation within span of now.
func (w *window) idle(now time.Time) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	k := len(w.times)
	return k == 0 || now.Sub(w.times[k-1]) > w.span
}
