package telegram

import (
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
	times []time.Time // reserved send times, oldest first, at most n
}

func newWindow(n int, span time.Duration) *window {
	if n < 1 {
		n = 1
	}
	return &window{n: n, span: span, times: make([]time.Time, 0, n)}
}

// reserve books the earliest time at or after now when one more event fits,
// and returns it. Reservations never go back in time.
func (w *window) reserve(now time.Time) time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	at := now
	if k := len(w.times); k > 0 && w.times[k-1].After(at) {
		at = w.times[k-1]
	}
	if len(w.times) == w.n {
		if free := w.times[0].Add(w.span); free.After(at) {
			at = free
		}
		copy(w.times, w.times[1:])
		w.times = w.times[:w.n-1]
	}
	w.times = append(w.times, at)
	return at
}

// idle reports whether the window has no reservation within span of now.
func (w *window) idle(now time.Time) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	k := len(w.times)
	return k == 0 || now.Sub(w.times[k-1]) > w.span
}
