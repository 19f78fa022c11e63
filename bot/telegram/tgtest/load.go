package tgtest

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// Load is the load harness: it sends n texts (text(i)), round robin over
// chats private chats starting at firstChat, one every interval (0: all at
// once), waits until the bot has made one
// successful sendMessage or editMessageText to a chat for every text sent
// there, and returns each update's latency: from the moment it was queued
// for the bot to the moment its reply reached the fake, sorted.
func (s *Server) Load(ctx context.Context, firstChat int64, chats, n int, every time.Duration, text func(i int) string) ([]time.Duration, error) {
	start := len(s.Calls(""))
	sent := map[string][]time.Time{}
	next := time.Now()
	for i := range n {
		if every > 0 {
			time.Sleep(time.Until(next))
			next = next.Add(every)
		}
		chat := firstChat + int64(i%chats)
		id := strconv.FormatInt(chat, 10)
		sent[id] = append(sent[id], s.now())
		s.UserText(chat, text(i), "en")
	}
	var lat []time.Duration
	err := s.WaitFor(ctx, func() bool {
		replies := map[string][]time.Time{}
		for _, c := range s.Calls("")[start:] {
			if c.Status == 200 && (c.Method == "sendMessage" || c.Method == "editMessageText") {
				replies[c.Params["chat_id"]] = append(replies[c.Params["chat_id"]], c.At)
			}
		}
		got := 0
		lat = lat[:0]
		for id, ts := range sent {
			r := replies[id]
			for k := range min(len(ts), len(r)) {
				lat = append(lat, r[k].Sub(ts[k]))
			}
			got += min(len(ts), len(r))
		}
		return got == n
	})
	if err != nil {
		return nil, fmt.Errorf("load: %d of %d replies: %w", len(lat), n, err)
	}
	slices.Sort(lat)
	return lat, nil
}

// Percentile returns the p-th percentile (0-100) of sorted durations.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted)-1) * p / 100)
	return sorted[i]
}

// CPUTime is the CPU time this process has used, user plus system: the bot
// and the fake together.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// Report reports a load run as benchmark metrics: process CPU time per 1000
// updates, and the p50 and p99 time from update to reply.
func Report(b *testing.B, n int, cpu time.Duration, sorted []time.Duration) {
	b.ReportMetric(float64(cpu.Milliseconds())*1000/float64(n), "cpu-ms/1000upd")
	b.ReportMetric(float64(Percentile(sorted, 50).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(Percentile(sorted, 99).Microseconds())/1000, "p99-ms")
}
