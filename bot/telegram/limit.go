package telegram

import (
	"context"
	"sync"
	"time"
)

// window allows at most n calls within any span of time as Telegram sees
// them. Telegram sees a call at some moment between its start and its end,
// so a call counts from its start until span after its end: while it is in
// flight, and then by the time it ended. With that, no span-long stretch of
// arrival times can hold more than n calls, however the network delays them.
type window struct {
	mu       sync.Mutex
	n        int
	span     time.Duration
	inflight int
	ended    []time.Time // end times within the last span, oldest first
	changed  chan struct{}
}

func newWindow(n int, span time.Duration) *window {
	if n < 1 {
		n = 1
	}
	return &window{n: n, span: span, changed: make(chan struct{})}
}

// begin waits until one more call fits and counts it in flight; end must be
// called when the call returns. ok is false when ctx ended first.
func (w *window) begin(ctx context.Context) (end func(), ok bool) {
	for {
		w.mu.Lock()
		now := time.Now()
		w.prune(now)
		if w.inflight+len(w.ended) < w.n {
			w.inflight++
			w.mu.Unlock()
			return w.end, true
		}
		wake := w.changed
		var timer <-chan time.Time
		if len(w.ended) > 0 {
			timer = time.After(w.ended[0].Add(w.span).Sub(now))
		}
		w.mu.Unlock()
		select {
		case <-wake:
		case <-timer:
		case <-ctx.Done():
			return nil, false
		}
	}
}

func (w *window) end() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.inflight--
	w.ended = append(w.ended, time.Now())
	close(w.changed)
	w.changed = make(chan struct{})
}

// prune forgets calls that ended more than span ago. w.mu must be held.
func (w *window) prune(now time.Time) {
	i := 0
	for i < len(w.ended) && now.Sub(w.ended[i]) >= w.span {
		i++
	}
	w.ended = w.ended[i:]
}

// idle reports whether nothing is in flight or ended within span of now.
func (w *window) idle(now time.Time) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.prune(now)
	return w.inflight == 0 && len(w.ended) == 0
}
