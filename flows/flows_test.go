package flows_test

import (
	"context"
	"errors"
	"flag"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"omnicart/bot"
	"omnicart/bot/bottest"
	"omnicart/catalog"
	"omnicart/demo"
	"omnicart/flows"
	"omnicart/locales"
	"omnicart/payments"
	"omnicart/shop"
	"omnicart/store"
)

var update = flag.Bool("update", false, "rewrite the golden transcripts in testdata")

// clock is a fixed, advancing test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Second)
	return c.t
}

type chatT = bottest.Chat

type harness struct {
	eng   *flows.Engine
	db    *store.DB
	rec   *bottest.Recorder
	out   *deliverer
	stop  func()
	crash *crashingStore
}

// deliverer is the harness's channels: what is sent or delivered is
// recorded, and a test can make Deliver fail on a channel.
type deliverer struct {
	*bottest.Recorder
	mu   sync.Mutex
	fail map[string]error // by channel
	// onDeliver, if set, is called for each delivery before it is made.
	onDeliver func(to bot.Address)
	slow      chan struct{} // see slowDown
}

func (d *deliverer) Deliver(ctx context.Context, to bot.Address, replies []bot.Reply) error {
	d.mu.Lock()
	err := d.fail[to.Channel]
	d.mu.Unlock()
	if d.onDeliver != nil {
		d.onDeliver(to)
	}
	if err != nil {
		return err
	}
	return d.Send(ctx, to, replies)
}

// Queue is Deliver in two steps (bot.Queuer): recorded now; wait returns
// at once, or, while slowDown is set, when it is released.
func (d *deliverer) Queue(ctx context.Context, to bot.Address, replies []bot.Reply) (func(context.Context) error, error) {
	if err := d.Deliver(ctx, to, replies); err != nil {
		return nil, err
	}
	d.mu.Lock()
	slow := d.slow
	d.mu.Unlock()
	return func(ctx context.Context) error {
		if slow == nil {
			return nil
		}
		select {
		case <-slow:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}, nil
}

// slowDown makes deliveries wait until the returned func is called, as
// WhatsApp's few seconds a message do.
func (d *deliverer) slowDown() (release func()) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.slow = make(chan struct{})
	return sync.OnceFunc(func() { close(d.slow) })
}

// failOn makes Deliver on channel return err (nil: succeed again).
func (d *deliverer) failOn(channel string, err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.fail == nil {
		d.fail = map[string]error{}
	}
	d.fail[channel] = err
}

// crashingStore fails SaveState while crash is set: the process died after
// the order was committed and before the conversation was saved.
type crashingStore struct {
	*store.DB
	mu    sync.Mutex
	crash bool
}

func (s *crashingStore) SaveState(ctx context.Context, id shop.CustomerID, session []byte, c shop.Cart, seen string) error {
	s.mu.Lock()
	crash := s.crash
	s.mu.Unlock()
	if crash {
		return errors.New("process killed")
	}
	return s.DB.SaveState(ctx, id, session, c, seen)
}

func (s *crashingStore) set(crash bool) {
	s.mu.Lock()
	s.crash = crash
	s.mu.Unlock()
}

// newHarness runs an engine over in-memory Badger and the demo shop, with
// the demo payment provider. extra actions run besides the built-in ones;
// owner's flow files replace the built-in flows of the same name.
func newHarness(t testing.TB, extra flows.Actions, owner map[string]string) *harness {
	t.Helper()
	return newHarnessPaying(t, payments.Demo{}, extra, owner)
}

// newHarnessPaying is newHarness with the payment provider pay.
func newHarnessPaying(t testing.TB, pay payments.Provider, extra flows.Actions, owner map[string]string) *harness {
	t.Helper()
	clk := &clock{t: time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)}
	db, err := store.Open("", store.Options{InMemory: true, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	cat, err := catalog.Load(demo.FS, "demo")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SyncStock(context.Background(), cat.StockSeed()); err != nil {
		t.Fatal(err)
	}
	texts := locales.Default()
	actions := flows.Builtin()
	maps.Copy(actions, extra)
	set, err := flows.Load(ownerFS(owner), "shop/flows", actions, texts)
	if err != nil {
		t.Fatal(err)
	}
	rec := bottest.NewRecorder()
	out := &deliverer{Recorder: rec}
	sh := &flows.Shop{Name: "Demo Coffee", Catalog: cat, Flows: set, Texts: texts, Images: demo.FS, Lang: "en",
		Zone: time.FixedZone("MSK", 3*60*60)}
	cs := &crashingStore{DB: db}
	eng := flows.NewEngine(cs, out, []payments.Provider{pay}, sh, flows.Options{Workers: 4, Now: clk.Now, Actions: extra})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { eng.Run(ctx); close(done) }()
	h := &harness{eng: eng, db: db, rec: rec, out: out, stop: func() { cancel(); <-done; db.Close() }, crash: cs}
	t.Cleanup(h.stop)
	return h
}

func ownerFS(files map[string]string) fs.FS {
	if files == nil {
		return nil
	}
	m := fstest.MapFS{}
	for name, data := range files {
		m[name] = &fstest.MapFile{Data: []byte(data)}
	}
	return m
}

func (h *harness) chat(id, lang string) *bottest.Chat {
	return &bottest.Chat{H: h.eng, R: h.rec, Addr: bot.Address{Channel: bot.Console, Chat: id}, Lang: lang}
}

// TestTranscripts replays every testdata/*.txt conversation against the demo
// shop and compares the whole exchange; -update rewrites them.
func TestTranscripts(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.txt")
	if len(files) == 0 {
		t.Fatal("no transcripts in testdata")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			script, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			lang := "en"
			if strings.Contains(f, "_ru") {
				lang = "ru"
			}
			h := newHarness(t, nil, nil)
			got, err := h.chat("shopper", lang).Transcript(string(script))
			if err != nil {
				t.Fatalf("%v\nso far:\n%s", err, got)
			}
			if r, err := h.db.Verify(t.Context()); err != nil || !r.OK() {
				t.Errorf("verify after the transcript: %v %v", r.Problems, err)
			}
			if *update {
				if err := os.WriteFile(f, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if got != string(script) {
				t.Errorf("transcript differs (run go test ./flows -update and review the diff):\n%s", diff(string(script), got))
			}
		})
	}
}

// diff shows the first differing lines of want and got.
func diff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return "line " + strconv.Itoa(i+1) + ":\n  want: " + wl + "\n  got:  " + gl
		}
	}
	return "(same lines, different endings)"
}
