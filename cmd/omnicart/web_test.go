package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"omnicart/store"
)

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
