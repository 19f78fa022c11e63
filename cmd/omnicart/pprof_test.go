package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestPprof: [debug] pprof_addr serves the profiler on its own address,
// never on the shop's; without it nothing serves it.
func TestPprof(t *testing.T) {
	get := func(url string) (int, string) {
		t.Helper()
		var resp *http.Response
		var err error
		for range 50 { // the part starts with the others
			if resp, err = http.Get(url); err == nil {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	config, _ := copyDemo(t)
	cfg, err := LoadConfig(config)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Debug.PprofAddr != "" {
		t.Fatalf("pprof_addr defaults to %q, want off", cfg.Debug.PprofAddr)
	}
	cfg.Debug.PprofAddr = "127.0.0.1:0" // bound at Open: no other test can take it in between
	srv := startServer(t, cfg)
	defer srv.stop(t)
	if srv.m.PprofAddr == "" || srv.m.PprofAddr == srv.m.Addr {
		t.Fatalf("profiler bound at %q, the shop at %q", srv.m.PprofAddr, srv.m.Addr)
	}
	if code, body := get("http://" + srv.m.PprofAddr + "/debug/pprof/"); code != http.StatusOK || !strings.Contains(body, "goroutine") {
		t.Errorf("profiler address: %d %.100s", code, body)
	}
	if code, _ := get(srv.base + "debug/pprof/"); code == http.StatusOK {
		t.Error("the shop's address serves the profiler")
	}
}
