package telegram

import (
	"context"
	"testing"
	"time"
)

func TestWindowNeverExceedsLimit(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	w := newWindow(3, 3*time.Second)
	var got []time.Time
	now := start
	for range 10 {
		now = w.next(now)
		w.record(now)
		got = append(got, now)
	}
	for i := 3; i < len(got); i++ {
		if got[i].Sub(got[i-3]) < 3*time.Second {
			t.Fatalf("events %d and %d are %v apart: 4 in one window", i-3, i, got[i].Sub(got[i-3]))
		}
	}
	if !got[2].Equal(start) || !got[3].Equal(start.Add(3*time.Second)) {
		t.Fatalf("burst of 3 then wait: %v", got[:4])
	}
	if !w.idle(now.Add(30 * time.Second)) {
		t.Fatal("not idle long after the last event")
	}
}

func TestWindowTake(t *testing.T) {
	w := newWindow(5, 200*time.Millisecond)
	start := time.Now()
	for range 10 {
		if !w.take(context.Background()) {
			t.Fatal("take failed")
		}
	}
	if d := time.Since(start); d < 200*time.Millisecond {
		t.Fatalf("10 events with 5 per 200ms took only %v", d)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for range 5 {
		w.take(ctx)
	}
	if w.take(ctx) {
		t.Fatal("take on a cancelled context with a full window succeeded")
	}
}

func TestWindowNextAndRecord(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	w := newWindow(2, time.Second)
	w.record(start)
	if got := w.next(start); !got.Equal(start) {
		t.Fatalf("second event should fit at once: %v", got)
	}
	w.record(start.Add(100 * time.Millisecond))
	if got := w.next(start.Add(200 * time.Millisecond)); !got.Equal(start.Add(time.Second)) {
		t.Fatalf("third event at %v, want one second after the first", got)
	}
}
