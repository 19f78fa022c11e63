package outbox_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"omnicart/bot"
	"omnicart/outbox"
	"omnicart/shop"
	"omnicart/store"
)

func openStore(t *testing.T) *store.DB {
	t.Helper()
	db, err := store.Open("", store.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func notice(key string, c shop.CustomerID, kind shop.NoticeKind) shop.Notice {
	return shop.Notice{Key: key, Customer: c, Kind: kind, Text: "orders.expired"}
}

// recorder is a NotifyFunc that remembers what it delivered and answers
// with the error errs returns for a key.
type recorder struct {
	mu   sync.Mutex
	got  map[string]int
	errs func(key string, try int) error
}

func (r *recorder) notify(_ context.Context, n shop.Notice) (bot.Address, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.got == nil {
		r.got = map[string]int{}
	}
	r.got[n.Key]++
	if r.errs != nil {
		if err := r.errs(n.Key, r.got[n.Key]); err != nil {
			return bot.Address{}, err
		}
	}
	return bot.Address{Channel: bot.Web, Chat: string(n.Customer)}, nil
}

// drain runs the sender until the outbox is empty, or fails.
func drain(t *testing.T, db *store.DB, s *outbox.Sender) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if n, _, _ := db.OutboxDepth(ctx); n == 0 {
			return
		}
		s.Wake()
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("the outbox did not drain")
}

func TestSenderDeliversEachKeyOnce(t *testing.T) {
	db := openStore(t)
	ctx := context.Background()
	var ns []shop.Notice
	for i := range 300 {
		ns = append(ns, notice(fmt.Sprintf("k/%d", i), shop.CustomerID(fmt.Sprintf("c%d", i%40)), shop.NoticeService))
	}
	if _, err := db.Enqueue(ctx, ns...); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	s := outbox.New(db, rec.notify, outbox.Options{Batch: 50, Poll: time.Millisecond})
	drain(t, db, s)
	if _, err := db.Enqueue(ctx, ns...); err != nil { // a job enqueuing the same again
		t.Fatal(err)
	}
	drain(t, db, s)
	if len(rec.got) != 300 {
		t.Errorf("delivered %d distinct notices, want 300", len(rec.got))
	}
	for k, n := range rec.got {
		if n != 1 {
			t.Errorf("%s delivered %d times", k, n)
		}
	}
	if st := s.Stats(); st.Sent != 300 || st.Failed != 0 {
		t.Errorf("stats %+v", st)
	}
	r, ok, _ := db.Notice(ctx, "k/7")
	if !ok || r.State != store.NoticeSent || r.Address != "web:c7" {
		t.Errorf("record of k/7: %+v", r)
	}
}

func TestSenderRetriesAndGivesUp(t *testing.T) {
	db := openStore(t)
	ctx := context.Background()
	db.Enqueue(ctx, notice("flaky", "c1", shop.NoticeService), notice("refused", "c2", shop.NoticeService),
		notice("dead", "c3", shop.NoticeService))
	rec := &recorder{errs: func(key string, try int) error {
		switch {
		case key == "flaky" && try < 3:
			return errors.New("timeout")
		case key == "refused":
			return fmt.Errorf("every chat: %w", bot.ErrRefused)
		case key == "dead":
			return errors.New("still down")
		}
		return nil
	}}
	s := outbox.New(db, rec.notify, outbox.Options{Poll: time.Millisecond, MaxAttempts: 4,
		Backoff: func(int) time.Duration { return time.Millisecond }})
	drain(t, db, s)
	want := map[string]struct {
		tries int
		state string
	}{"flaky": {3, store.NoticeSent}, "refused": {1, store.NoticeFailed}, "dead": {4, store.NoticeFailed}}
	for key, w := range want {
		r, _, _ := db.Notice(ctx, key)
		if rec.got[key] != w.tries || r.State != w.state {
			t.Errorf("%s: %d tries, %s; want %d, %s", key, rec.got[key], r.State, w.tries, w.state)
		}
	}
}

func TestSenderAfterACutShortSend(t *testing.T) {
	db := openStore(t)
	ctx := context.Background()
	db.Enqueue(ctx, notice("svc-left", "c1", shop.NoticeService), notice("ad-left", "c2", shop.NoticeMarketing),
		notice("svc-queued", "c3", shop.NoticeService), notice("ad-queued", "c4", shop.NoticeMarketing))
	p, _ := db.PendingNotices(ctx, time.Now(), 10)
	for _, x := range p { // a send began, then the process was killed...
		if err := db.NoticeAttempt(ctx, x.ID); err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(x.Notice.Key, "-left") { // ...after its request left, for two of them
			if err := db.NoticeDispatched(ctx, x.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	rec := &recorder{}
	drain(t, db, outbox.New(db, rec.notify, outbox.Options{Poll: time.Millisecond}))
	want := map[string]int{
		"svc-left":   1, // may have arrived: sent again (at least once)
		"ad-left":    0, // may have arrived: not sent again (at most once)
		"svc-queued": 1, // never left: sent
		"ad-queued":  1, // never left: sent
	}
	for k, n := range want {
		if rec.got[k] != n {
			t.Errorf("%s sent %d times after the crash, want %d", k, rec.got[k], n)
		}
	}
	for k, resent := range map[string]bool{"svc-left": true, "svc-queued": false} {
		if r, _, _ := db.Notice(ctx, k); r.State != store.NoticeSent || r.Resent != resent {
			t.Errorf("record of %s: %+v; want sent, resent %v", k, r, resent)
		}
	}
}

// TestSenderMarksDispatch: the dispatch callback a channel calls right
// before its request leaves is recorded on the entry.
func TestSenderMarksDispatch(t *testing.T) {
	db := openStore(t)
	ctx := context.Background()
	db.Enqueue(ctx, notice("d", "c1", shop.NoticeService))
	var sawDispatched bool
	s := outbox.New(db, func(ctx context.Context, n shop.Notice) (bot.Address, error) {
		bot.DispatchFunc(ctx)() // the channel's request leaves
		p, _ := db.PendingNotices(ctx, time.Now(), 1)
		sawDispatched = len(p) == 1 && p[0].Dispatched
		return bot.Address{}, errors.New("connection reset") // and its outcome is unknown
	}, outbox.Options{Poll: time.Millisecond, MaxAttempts: 1})
	drain(t, db, s)
	if !sawDispatched {
		t.Error("the dispatch was not recorded before the outcome")
	}
}

func TestSenderKeepsACustomersOrder(t *testing.T) {
	db := openStore(t)
	ctx := context.Background()
	for i := range 20 {
		db.Enqueue(ctx, notice(fmt.Sprintf("o/%02d", i), "c1", shop.NoticeService))
	}
	var mu sync.Mutex
	var seen []string
	s := outbox.New(db, func(_ context.Context, n shop.Notice) (bot.Address, error) {
		mu.Lock()
		seen = append(seen, n.Key)
		mu.Unlock()
		return bot.Address{Channel: bot.Web, Chat: "x"}, nil
	}, outbox.Options{Poll: time.Millisecond, Batch: 7})
	drain(t, db, s)
	for i, k := range seen {
		if k != fmt.Sprintf("o/%02d", i) {
			t.Fatalf("order broken at %d: %v", i, seen)
		}
	}
	if n, _, err := s.Depth(ctx); n != 0 || err != nil {
		t.Errorf("Depth = %d, %v", n, err)
	}
}
