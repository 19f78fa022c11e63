package main

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"omnicart/demo"
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
	if !strings.Contains(errOut.String(), filepath.Join(shopDir, "flows", "promo.yaml")+":5: ") {
		t.Errorf("no error for flows/promo.yaml:5 (the unknown action) in:\n%s", errOut.String())
	}
}

// server is `omnicart run` started in-process: its Main, opened on the
// test's config and running until stop.
type server struct {
	m      *Main
	base   string // the web chat, http://host:port/
	cancel context.CancelFunc
	done   chan error
}

func startServer(t testing.TB, cfg Config) *server {
	t.Helper()
	m := &Main{Config: cfg, Log: slog.New(slog.DiscardHandler)}
	ctx, cancel := context.WithCancel(context.Background())
	if err := m.Open(ctx); err != nil {
		cancel()
		t.Fatalf("open: %v", err)
	}
	s := &server{m: m, base: "http://" + m.Addr + "/", cancel: cancel, done: make(chan error, 1)}
	go func() {
		err := m.Run(ctx)
		if cerr := m.Close(); err == nil {
			err = cerr
		}
		s.done <- err
	}()
	return s
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
	for _, want := range []string{"flowchart LR", `subgraph flow__checkout["checkout"]`, `subgraph flow__main["main"]`, `-->|"✅ Check out"|`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q", want)
		}
	}
	errOut.Reset()
	if strings.Count(out.String(), "flowchart") != 1 {
		t.Errorf("not one Mermaid document:\n%s", out.String())
	}
	out.Reset()
	if code := cli([]string{"flows", "graph", "cart", "--lang", "ru", "--config", exampleConfig}, nil, &out, &errOut); code != 0 || !strings.Contains(out.String(), `"✅ Оформить заказ"`) {
		t.Errorf("cart in Russian: exit %d, %s%s", code, out.String(), errOut.String())
	}
	if code := cli([]string{"flows", "graph", "chekout", "--config", exampleConfig}, nil, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), `did you mean "checkout"`) || !strings.Contains(errOut.String(), "the flows are:") {
		t.Errorf("unknown flow: exit %d, %s", code, errOut.String())
	}
}

// TestNoConfigHere: started where there is no config, omnicart says how to
// name one instead of only that config.example.toml is missing.
func TestNoConfigHere(t *testing.T) {
	t.Chdir(t.TempDir())
	var stdout, stderr bytes.Buffer
	if code := cli([]string{"check"}, strings.NewReader(""), &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "--config FILE") {
		t.Errorf("exit %d, stderr %q", code, stderr.String())
	}
}

// "omnicart check myshop" does not check the config's shop and say ok: a
// command that takes no argument refuses one.
func TestCommandRefusesAStrayArgument(t *testing.T) {
	var out, errOut bytes.Buffer
	code := cli([]string{"check", "myshop", "--config", exampleConfig}, nil, &out, &errOut)
	if code != 2 || !strings.Contains(errOut.String(), `unexpected "myshop"`) || strings.Contains(out.String(), "ok") {
		t.Fatalf("check myshop: exit %d\n%s%s", code, out.String(), errOut.String())
	}
}
