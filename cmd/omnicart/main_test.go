package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"omnicart/demo"
	"omnicart/store"
)

const exampleConfig = "../../config.example.toml"

func TestCheckExampleConfig(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := cli([]string{"check", "--config", exampleConfig}, nil, &out, &errOut); code != 0 {
		t.Fatalf("check exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "ok:") {
		t.Fatalf("check output: %s", out.String())
	}
}

// copyDemo writes the demo shop into a temporary directory and a config
// that points at it.
func copyDemo(t testing.TB) (config, shopDir string) {
	t.Helper()
	dir := t.TempDir()
	shopDir = filepath.Join(dir, "myshop")
	if err := os.CopyFS(shopDir, demo.FS); err != nil {
		t.Fatal(err)
	}
	config = filepath.Join(dir, "config.toml")
	body := "[shop]\nname = \"Test shop\"\ndir = \"myshop\"\n[data]\ndir = \"data\"\n[http]\naddr = \"127.0.0.1:0\"\n"
	if err := os.WriteFile(config, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return config, shopDir
}

func TestCheckReportsBrokenCatalogLine(t *testing.T) {
	config, shopDir := copyDemo(t)
	path := filepath.Join(shopDir, "catalog.yaml")
	data, _ := os.ReadFile(path)
	lines := strings.Split(string(data), "\n")
	broken := -1
	for i, l := range lines {
		if strings.Contains(l, "price:") && broken < 0 {
			lines[i] = strings.Replace(l, "price:", "price: -", 1)
			broken = i + 1
		}
	}
	os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o644)
	// A broken flow file is reported in the same run.
	os.MkdirAll(filepath.Join(shopDir, "flows"), 0o755)
	os.WriteFile(filepath.Join(shopDir, "flows", "promo.yaml"), []byte("flow: promo\ncommands: [promo]\nstates:\n  a:\n    do: no_such_action\n"), 0o644)

	var out, errOut bytes.Buffer
	code := cli([]string{"check", "--config", config}, nil, &out, &errOut)
	if code != 1 {
		t.Fatalf("check exit %d, want 1; stderr: %s", code, errOut.String())
	}
	wantCatalog := regexp.MustCompile(regexp.QuoteMeta(filepath.Join(shopDir, "catalog.yaml")) + ":" + strconv.Itoa(broken) + ": ")
	if !wantCatalog.MatchString(errOut.String()) {
		t.Errorf("no error at catalog.yaml:%d in:\n%s", broken, errOut.String())
	}
	if !strings.Contains(errOut.String(), filepath.Join(shopDir, "flows", "promo.yaml")+":4: ") {
		t.Errorf("no error for flows/promo.yaml:4 in:\n%s", errOut.String())
	}
}

// server runs `omnicart run` in-process and returns its web address.
type server struct {
	base   string
	cancel context.CancelFunc
	done   chan error
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func startServer(t testing.TB, cfg Config) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := &lockedBuffer{}
	s := &server{cancel: cancel, done: make(chan error, 1)}
	go func() { s.done <- run(ctx, cfg, slog.New(slog.DiscardHandler), out) }()
	re := regexp.MustCompile(`Web chat:\s+(http://\S+)`)
	for start := time.Now(); time.Since(start) < 10*time.Second; time.Sleep(10 * time.Millisecond) {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			s.base = m[1]
			return s
		}
		select {
		case err := <-s.done:
			t.Fatalf("run ended: %v", err)
		default:
		}
	}
	t.Fatal("server did not print its address")
	return nil
}

func (s *server) stop(t testing.TB) {
	s.cancel()
	select {
	case err := <-s.done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("run did not stop")
	}
}

// webShopper drives the web chat API like the page does.
type webShopper struct {
	t      *testing.T
	base   string
	client *http.Client
	last   []choice
}

type choice struct{ Label, Data string }

type message struct {
	Text    string
	Photo   string
	Choices [][]choice
}

func (w *webShopper) post(body map[string]any) []message {
	w.t.Helper()
	time.Sleep(210 * time.Millisecond) // a person's pace: the web chat allows 5 messages a second
	data, _ := json.Marshal(body)
	resp, err := w.client.Post(w.base+"api/send", "application/json", bytes.NewReader(data))
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		w.t.Fatalf("POST %v: %s %s", body, resp.Status, b)
	}
	var out struct{ Messages []message }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		w.t.Fatal(err)
	}
	for _, m := range out.Messages {
		if len(m.Choices) > 0 {
			w.last = nil
			for _, row := range m.Choices {
				w.last = append(w.last, row...)
			}
		}
	}
	return out.Messages
}

func (w *webShopper) say(text string) []message { return w.post(map[string]any{"text": text}) }

func (w *webShopper) press(label string) []message {
	w.t.Helper()
	for _, c := range w.last {
		if c.Label == label || strings.HasPrefix(c.Label, label) {
			return w.post(map[string]any{"button": c.Data})
		}
	}
	w.t.Fatalf("no button %q among %+v", label, w.last)
	return nil
}

func allText(ms []message) string {
	var b strings.Builder
	for _, m := range ms {
		b.WriteString(m.Text + "\n")
	}
	return b.String()
}

// TestPurchaseInWebChatSurvivesRestart buys through the real HTTP web chat
// API, stops the server gracefully, starts it again on the same data
// directory and finds the order under "my orders".
func TestPurchaseInWebChatSurvivesRestart(t *testing.T) {
	config, _ := copyDemo(t)
	cfg, err := LoadConfig(config)
	if err != nil {
		t.Fatal(err)
	}
	srv := startServer(t, cfg)
	jar, _ := cookiejar.New(nil)
	w := &webShopper{t: t, base: srv.base, client: &http.Client{Jar: jar, Timeout: 20 * time.Second}}

	if got := allText(w.say("/start web_test")); !strings.Contains(got, "Welcome to Test shop") {
		t.Fatalf("start: %s", got)
	}
	w.press("🛍 Catalog")
	w.press("☕")
	w.press("Kenya")
	w.press("Whole beans")
	w.press("Add 1")
	w.press("✅ Check out")
	w.say("Web Buyer")
	w.say("+7 916 000-00-01")
	w.press("🏬 Pickup point")
	w.post(map[string]any{"location": map[string]float64{"lat": 55.74, "lon": 37.60}})
	w.press("Frunzenskaya")
	if got := allText(w.press("✅ Place the order")); !strings.Contains(got, "Order #1001 is placed") {
		t.Fatalf("place: %s", got)
	}
	if got := allText(w.press("💳 Pay")); !strings.Contains(got, "Order #1001 is paid") {
		t.Fatalf("pay: %s", got)
	}

	resp, err := http.Get(srv.base + "healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", resp, err)
	}
	resp, err = http.Get(srv.base + "metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !regexp.MustCompile(`(?m)^omnicart_messages_total [1-9]`).Match(metrics) || !strings.Contains(string(metrics), "omnicart_orders 1") {
		t.Fatalf("metrics:\n%s", metrics)
	}

	// A second process on the same data directory gets a clear error.
	_, err = openStore(cfg, slog.New(slog.DiscardHandler))
	var locked *store.LockedError
	if !errors.As(err, &locked) || !strings.Contains(err.Error(), cfg.Data.Dir) {
		t.Fatalf("second open: %v", err)
	}

	srv.stop(t)
	srv = startServer(t, cfg)
	defer srv.stop(t)
	w.base = srv.base
	if got := allText(w.say("/orders")); !strings.Contains(got, "Your orders (1)") {
		t.Fatalf("orders after restart: %s", got)
	}
	if !strings.Contains(w.last[0].Label, "#1001") || !strings.Contains(w.last[0].Label, "paid") {
		t.Fatalf("order button after restart: %+v", w.last)
	}
}

func TestTerminalChat(t *testing.T) {
	config, _ := copyDemo(t)
	in := strings.NewReader("1\n1\n/cart\n")
	var out, errOut bytes.Buffer
	code := cli([]string{"chat", "--config", config, "--lang", "en"}, in, &out, &errOut)
	if code != 0 {
		t.Fatalf("chat exit %d: %s", code, errOut.String())
	}
	for _, want := range []string{"Welcome to Test shop", "[1] 🛍 Catalog", "Our catalog. Choose a category:", "[1] ☕ Coffee beans", "Your cart is empty."} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("chat output lacks %q:\n%s", want, out.String())
		}
	}
}

// TestImportDirection keeps the dependency direction of DESIGN.md §2.
func TestImportDirection(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go command not found")
	}
	deps := func(pkg string) []string {
		out, err := exec.Command("go", "list", "-deps", "omnicart/"+pkg).Output()
		if err != nil {
			t.Fatalf("go list %s: %v", pkg, err)
		}
		return strings.Fields(string(out))
	}
	for _, pkg := range []string{"shop", "bot", "locales"} {
		for _, d := range deps(pkg) {
			if strings.Contains(d, ".") {
				t.Errorf("%s must import only the standard library, imports %s", pkg, d)
			}
		}
	}
	forbidden := map[string][]string{
		"catalog":  {"omnicart/store", "omnicart/flows", "omnicart/bot", "badger", "go-telegram", "whatsmeow"},
		"payments": {"omnicart/store", "omnicart/flows", "omnicart/bot", "badger"},
		"flows":    {"omnicart/store", "badger", "go-telegram", "whatsmeow", "robfig/cron", "BurntSushi"},
		"store":    {"omnicart/flows", "omnicart/bot", "omnicart/catalog", "go-telegram", "whatsmeow"},
	}
	// Each SDK is imported directly by exactly one package.
	owners := map[string]string{
		"github.com/go-telegram/bot":     "omnicart/bot/telegram",
		"github.com/dgraph-io/badger/v4": "omnicart/store",
		"go.mau.fi/whatsmeow":            "omnicart/bot/whatsapp",
		"github.com/looplab/fsm":         "omnicart/flows",
		"github.com/BurntSushi/toml":     "omnicart/cmd/omnicart",
		"github.com/robfig/cron/v3":      "omnicart/cmd/omnicart",
	}
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}}`, "omnicart/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		for _, imp := range f[1:] {
			for sdk, owner := range owners {
				if (imp == sdk || strings.HasPrefix(imp, sdk+"/")) && f[0] != owner {
					t.Errorf("%s imports %s; only %s may", f[0], imp, owner)
				}
			}
		}
	}
	for pkg, bad := range forbidden {
		for _, d := range deps(pkg) {
			for _, b := range bad {
				if strings.Contains(d, b) {
					t.Errorf("%s imports %s", pkg, d)
				}
			}
		}
	}
}

// TestReloadKeepsLastGoodShop edits the running shop's catalog: a good edit
// is picked up, a broken one is refused and the last good catalog keeps
// serving.
func TestReloadKeepsLastGoodShop(t *testing.T) {
	config, shopDir := copyDemo(t)
	cfg, err := LoadConfig(config)
	if err != nil {
		t.Fatal(err)
	}
	srv := startServer(t, cfg)
	defer srv.stop(t)
	jar, _ := cookiejar.New(nil)
	w := &webShopper{t: t, base: srv.base, client: &http.Client{Jar: jar, Timeout: 20 * time.Second}}
	if got := allText(w.say("yirgacheffe")); !strings.Contains(got, "Found 1 product") {
		t.Fatalf("search: %s", got)
	}
	path := filepath.Join(shopDir, "catalog.yaml")
	orig, _ := os.ReadFile(path)
	edited := strings.Replace(string(orig), "price: 890.00", "price: 990.00", 1)
	if edited == string(orig) {
		t.Fatal("demo catalog has no price: 890.00 to edit")
	}
	os.WriteFile(path+".tmp", []byte(edited), 0o644)
	os.Rename(path+".tmp", path) // editors save by rename
	priceShown := func(want string) bool {
		for _, c := range w.lastButtons("yirgacheffe") {
			if strings.Contains(c.Label, want) {
				return true
			}
		}
		return false
	}
	waitFor(t, 10*time.Second, func() bool { return priceShown("₽990") }, "the edited price")

	os.WriteFile(path, []byte(edited+"\n  - this is: [not valid\n"), 0o644)
	time.Sleep(3 * time.Second) // longer than one look at the files
	if !priceShown("₽990") {
		t.Fatal("a broken catalog replaced the last good one")
	}
}

func (w *webShopper) lastButtons(text string) []choice {
	w.say(text)
	return w.last
}

func waitFor(t *testing.T, within time.Duration, cond func() bool, what string) {
	t.Helper()
	for end := time.Now().Add(within); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

func TestFlowsGraph(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := cli([]string{"flows", "graph", "--config", exampleConfig}, nil, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	for _, want := range []string{"%% flow checkout", "%% flow main", "graph LR", "|tap cart.checkout|"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q", want)
		}
	}
	errOut.Reset()
	if code := cli([]string{"flows", "graph", "chekout", "--config", exampleConfig}, nil, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), `did you mean "checkout"`) {
		t.Errorf("unknown flow: exit %d, %s", code, errOut.String())
	}
}
