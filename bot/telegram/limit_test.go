package telegram

import (
	"context"
	"sync"
	"testing"
	"time"
)

// TestWindowBoundsArrivals runs concurrent calls of random length through a
// window and checks that no span holds more than n arrivals, for any
// arrival moment between a call's start and end.
func TestWindowBoundsArrivals(t *testing.T) {
	const n, span = 5, 100 * time.Millisecond
	w := newWindow(n, span)
	type call struct{ start, end time.Time }
	var mu sync.Mutex
	var calls []call
	var wg sync.WaitGroup
	for i := range 30 {
		wg.Go(func() {
			end, ok := w.begin(context.Background())
			if !ok {
				t.Error("begin failed")
				return
			}
			start := time.Now()
			time.Sleep(time.Duration(i%4) * 10 * time.Millisecond)
			stop := time.Now()
			end()
			mu.Lock()
			calls = append(calls, call{start, stop})
			mu.Unlock()
		})
	}
	wg.Wait()
	// Worst case for the limit: every call arrived as late as possible at
	// the start of a window, or as early as possible at its end. Check every
	// window that starts at some call's end: calls starting before it ends
	// and ending after it starts could all have arrived inside it.
	for _, a := range calls {
		from, to := a.end, a.end.Add(span)
		in := 0
		for _, c := range calls {
			if !c.end.Before(from) && c.start.Before(to) {
				in++
			}
		}
		if in > n {
			t.Fatalf("%d calls could have arrived within %v of each other; the limit is %d", in, span, n)
		}
	}
	if !w.idle(time.Now().Add(time.Second)) {
		t.Fatal("not idle after all calls ended")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for range n {
		w.begin(context.Background())
	}
	if _, ok := w.begin(ctx); ok {
		t.Fatal("begin on a cancelled context with a full window succeeded")
	}
}
