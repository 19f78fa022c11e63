package telegram

import (
	"testing"
	"time"
)

func TestWindowNeverExceedsLimit(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	w := newWindow(3, 3*time.Second)
	var got []time.Time
	for range 10 {
		got = append(got, w.reserve(start))
	}
	for i := 3; i < len(got); i++ {
		if got[i].Sub(got[i-3]) < 3*time.Second {
			t.Fatalf("events %d and %d are %v apart: 4 in one window", i-3, i, got[i].Sub(got[i-3]))
		}
	}
	if !got[2].Equal(start) || !got[3].Equal(start.Add(3*time.Second)) {
		t.Fatalf("burst of 3 then wait: %v", got[:4])
	}
	if w.idle(start.Add(30*time.Second)) == false {
		t.Fatal("not idle long after the last event")
	}
}
