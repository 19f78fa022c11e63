package main

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// scrape GETs /metrics and parses it with Prometheus's text parser.
func scrape(t *testing.T, base string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(base + "metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %s", resp.Status)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return mfs
}

// label returns the value of a metric's label, or "".
func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

// TestMetrics starts the shop on 127.0.0.1:0, chats once in the web chat
// over real HTTP and finds the message and the send in the histograms,
// beside the counters /metrics always had.
func TestMetrics(t *testing.T) {
	config, _ := copyDemo(t)
	cfg, err := LoadConfig(config)
	if err != nil {
		t.Fatal(err)
	}
	srv := startServer(t, cfg)
	defer srv.stop(t)
	if !strings.HasPrefix(srv.m.Addr, "127.0.0.1:") || strings.HasSuffix(srv.m.Addr, ":0") {
		t.Fatalf("Addr = %q, want the bound port", srv.m.Addr)
	}
	jar, _ := cookiejar.New(nil)
	w := &webShopper{t: t, base: srv.base, client: &http.Client{Jar: jar, Timeout: 20 * time.Second}}
	if got := allText(w.say("/start")); !strings.Contains(got, "Welcome to Test shop") {
		t.Fatalf("start: %s", got)
	}

	mfs := scrape(t, srv.base)
	for name, typ := range map[string]dto.MetricType{
		"omnicart_messages_total":            dto.MetricType_COUNTER,
		"omnicart_messages_duplicate_total":  dto.MetricType_COUNTER,
		"omnicart_messages_dropped_total":    dto.MetricType_COUNTER,
		"omnicart_errors_total":              dto.MetricType_COUNTER,
		"omnicart_message_seconds_total":     dto.MetricType_COUNTER,
		"omnicart_customers":                 dto.MetricType_GAUGE,
		"omnicart_orders":                    dto.MetricType_GAUGE,
		"omnicart_heap_bytes":                dto.MetricType_GAUGE,
		"omnicart_goroutines":                dto.MetricType_GAUGE,
		"omnicart_message_handling_seconds":  dto.MetricType_HISTOGRAM,
		"omnicart_send_seconds":              dto.MetricType_HISTOGRAM,
		"omnicart_outbox_depth":              dto.MetricType_GAUGE,
		"omnicart_outbox_oldest_age_seconds": dto.MetricType_GAUGE,
		"omnicart_outbox_sent_total":         dto.MetricType_COUNTER,
		"omnicart_outbox_failed_total":       dto.MetricType_COUNTER,
		"omnicart_outbox_retried_total":      dto.MetricType_COUNTER,
		"go_goroutines":                      dto.MetricType_GAUGE,
	} {
		mf := mfs[name]
		if mf == nil {
			t.Errorf("no %s in /metrics", name)
			continue
		}
		if mf.GetType() != typ {
			t.Errorf("%s is a %v, want %v", name, mf.GetType(), typ)
		}
	}
	if _, ok := mfs["omnicart_telegram_sent_total"]; ok {
		t.Error("Telegram counters shown with Telegram off")
	}
	if n := mfs["omnicart_messages_total"].GetMetric()[0].GetCounter().GetValue(); n < 1 {
		t.Errorf("omnicart_messages_total = %v", n)
	}
	if n := mfs["omnicart_customers"].GetMetric()[0].GetGauge().GetValue(); n != 1 {
		t.Errorf("omnicart_customers = %v, want 1", n)
	}
	h := mfs["omnicart_message_handling_seconds"].GetMetric()[0].GetHistogram()
	if h.GetSampleCount() < 1 || h.GetSampleSum() <= 0 || len(h.GetBucket()) < 10 {
		t.Errorf("message handling histogram: %d samples, sum %v, %d buckets", h.GetSampleCount(), h.GetSampleSum(), len(h.GetBucket()))
	}
	var webSends uint64
	for _, m := range mfs["omnicart_send_seconds"].GetMetric() {
		if label(m, "channel") == "web" && label(m, "call") == "send" {
			webSends = m.GetHistogram().GetSampleCount()
		}
	}
	if webSends < 1 {
		t.Errorf("no web chat send in omnicart_send_seconds")
	}
}

// TestMainStopsInputsFirst: Run stops the parts that take messages in
// before the engine and the rest, and a part's failure ends the run with
// its name.
func TestMainStopsInputsFirst(t *testing.T) {
	config, _ := copyDemo(t)
	cfg, err := LoadConfig(config)
	if err != nil {
		t.Fatal(err)
	}
	m := &Main{Config: cfg, Log: slog.New(slog.DiscardHandler)}
	if err := m.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	var mu sync.Mutex
	var stopped []string
	until := func(name string) func(context.Context) error {
		return func(ctx context.Context) error {
			<-ctx.Done()
			time.Sleep(20 * time.Millisecond) // a slow stop still comes first
			mu.Lock()
			defer mu.Unlock()
			stopped = append(stopped, name)
			return nil
		}
	}
	boom := errors.New("boom")
	fail := make(chan struct{})
	m.parts = append(m.parts,
		part{name: "test-input", run: until("input"), input: true},
		part{name: "test-work", run: until("work")},
		part{name: "test-optional", run: func(context.Context) error { return boom }, optional: true},
		part{name: "test-failing", run: func(context.Context) error { <-fail; return boom }},
	)
	done := make(chan error, 1)
	go func() { done <- m.Run(context.Background()) }()
	resp, err := http.Get("http://" + m.Addr + "/healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz: %v %v", resp, err)
	}
	resp.Body.Close()
	close(fail)
	select {
	case err := <-done:
		if !errors.Is(err, boom) || !strings.Contains(err.Error(), "test-failing") {
			t.Fatalf("Run = %v, want the failing part's error", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Run did not stop when a part failed")
	}
	if !slices.Equal(stopped, []string{"input", "work"}) {
		t.Fatalf("stopped in the order %v, want input before work", stopped)
	}
}
