package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"omnicart/bot/telegram/tgtest"
	"omnicart/shop"
	"omnicart/store"
)

var (
	binaryOnce sync.Once
	binaryPath string
	binaryErr  error
)

// binary builds bin/omnicart for this test run, once, and returns its path.
func binary(t *testing.T) string {
	t.Helper()
	binaryOnce.Do(func() {
		dir, err := os.MkdirTemp("", "omnicart-bin")
		if err != nil {
			binaryErr = err
			return
		}
		binaryPath = filepath.Join(dir, "omnicart")
		cmd := exec.Command("go", "build", "-o", binaryPath, ".")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			binaryErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binaryErr != nil {
		t.Fatal(binaryErr)
	}
	return binaryPath
}

// proc is a running omnicart process.
type proc struct {
	cmd    *exec.Cmd
	addr   chan string
	done   chan struct{}
	mu     sync.Mutex
	stderr strings.Builder
}

// start runs the binary with args; its log goes to the test log on failure.
func start(t *testing.T, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(binary(t), args...), addr: make(chan string, 1), done: make(chan struct{})}
	if env := strings.Fields(*harnessEnv); len(env) > 0 {
		p.cmd.Env = append(os.Environ(), env...)
	}
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if _, after, ok := strings.Cut(sc.Text(), "Health:"); ok {
				a := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(after), "http://"))
				a, _, _ = strings.Cut(a, "/")
				select {
				case p.addr <- a:
				default:
				}
			}
		}
	}()
	go func() {
		b, _ := io.ReadAll(stderr)
		p.mu.Lock()
		p.stderr.Write(b)
		p.mu.Unlock()
		p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			t.Logf("omnicart %v stderr:\n%s", args, p.log())
		}
	})
	return p
}

func (p *proc) log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

// serving waits until the shop says where it serves (its Health line) and
// returns that address; it fails the test when the process exits first or
// within passes.
func (p *proc) serving(t *testing.T, within time.Duration) string {
	t.Helper()
	select {
	case addr := <-p.addr:
		return addr
	case <-p.done:
		t.Fatalf("the shop exited before it started:\n%s", p.log())
	case <-time.After(within):
		t.Fatalf("the shop did not start within %v:\n%s", within, p.log())
	}
	return ""
}

// kill ends the process with SIGKILL: nothing is flushed or closed.
func (p *proc) kill(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-p.done
}

// stop ends the process with SIGTERM and waits for it to exit.
func (p *proc) stop(t *testing.T, within time.Duration) {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(within):
		t.Errorf("omnicart did not stop within %v of SIGTERM", within)
	}
}

// waitUntil polls cond every 20 ms until it holds or d passes.
func waitUntil(d time.Duration, cond func() bool) bool {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	for {
		if cond() {
			return true
		}
		select {
		case <-ctx.Done():
			return cond()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// killShop writes the config of a shop (a copy of the demo) whose Telegram
// is the fake api, for tests that run and kill the real binary; extra is
// TOML appended to it. It returns the config's path, the shop directory and
// the data directory.
func killShop(t *testing.T, api *tgtest.Server, globalRate float64, extra string) (config, shopDir, data string) {
	t.Helper()
	config, shopDir = copyDemo(t)
	data = filepath.Join(filepath.Dir(config), "data")
	body := fmt.Sprintf(`[shop]
name = "Test shop"
dir = "myshop"
[data]
dir = "data"
[http]
addr = "127.0.0.1:0"
[telegram]
token = %q
api_url = %q
per_chat_rate = 20.0
per_chat_burst = 3
global_rate = %.1f
[log]
level = "warn"
%s`, api.Token(), api.URL(), globalRate, extra)
	if err := os.WriteFile(config, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return config, shopDir, data
}

// deliveries counts, over the chats 1000 … 1000+n-1 of the fake, those
// that got a message matching match once (delivered) and more than once
// (twice; counted in delivered too).
func deliveries(api *tgtest.Server, n int, match func(text string) bool) (delivered, twice int) {
	for i := range n {
		got := 0
		for _, m := range api.Chat(int64(1000 + i)) {
			if match(m.Text) {
				got++
			}
		}
		if got > 0 {
			delivered++
		}
		if got > 1 {
			twice++
		}
	}
	return delivered, twice
}

// seedTelegram writes n Telegram customers (chats 1000 … 1000+n-1, English)
// into the data directory with the store's clock at now, and calls each
// (when set) for every one of them, to add what a test needs, before the
// customer is saved (each must not write the customer record itself).
func seedTelegram(t *testing.T, dir string, n int, now time.Time, each func(ctx context.Context, db *store.DB, c *shop.Customer) error) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(dir, store.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	for i := range n {
		c, err := db.CustomerFor(ctx, "telegram:"+strconv.Itoa(1000+i))
		if err != nil {
			t.Fatal(err)
		}
		c.Lang = "en"
		if each != nil {
			if err := each(ctx, db, &c); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.SaveCustomer(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
}
