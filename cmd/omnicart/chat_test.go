package main

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestChatTalksToRunningShop: with a shop running on the data directory,
// `omnicart chat` talks to it through its web chat API (not a throwaway
// store), says so, prompts, refuses a number that is no button, and the
// next chat continues as the same customer.
func TestChatTalksToRunningShop(t *testing.T) {
	config, _ := copyDemo(t)
	// The terminal chat's user is an owner: the running shop cannot know
	// it as one, and the chat says so.
	f, err := os.OpenFile(config, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("[admin]\nadmins = [\"console:owner\"]\n")
	f.Close()
	cache := filepath.Join(t.TempDir(), "cache")
	p := start(t, "run", "--config", config)
	addr := p.serving(t, 60*time.Second)
	chat := func(input string) string {
		t.Helper()
		cmd := exec.Command(binary(t), "chat", "--config", config, "--lang", "en")
		cmd.Stdin = strings.NewReader(input)
		cmd.Env = append(cmd.Environ(), "XDG_CACHE_HOME="+cache, "HOME="+t.TempDir())
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		if err := cmd.Run(); err != nil {
			t.Fatalf("omnicart chat: %v\n%s%s", err, out.String(), errOut.String())
		}
		if strings.Contains(errOut.String(), "throwaway") || strings.Contains(errOut.String(), "does not answer") {
			t.Errorf("chat stderr:\n%s", errOut.String())
		}
		return out.String()
	}
	out := chat("1\n9\n")
	for _, want := range []string{
		"Connected to the running shop at http://" + addr + "/",
		"the owner commands of console:owner do not work here",
		"Welcome to Test shop",
		"[8] 🌐 Language\n> \nOur catalog. Choose a category:\n",
		"> \nThere is no button 9 here: type a number from 1 to 6, or a message.\n> ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("chat output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "Nothing found") || strings.Contains(out, "90 ml") {
		t.Errorf("the number 9 became a search:\n%s", out)
	}
	// The session cookie was kept: the next chat is the same customer, on
	// the screen where the last one stopped.
	again := chat("")
	if !strings.Contains(again, "Our catalog. Choose a category:") || strings.Contains(again, "Welcome to") {
		t.Errorf("the second chat did not continue as the same customer:\n%s", again)
	}
	if matches, _ := filepath.Glob(filepath.Join(cache, "omnicart", "chat-*.session")); len(matches) != 1 {
		t.Errorf("session files in the cache: %v", matches)
	}
}

// TestRunNamesChatCommand: the startup text tells how to start the terminal
// chat with this shop by the program's own name and flags, never `make`.
func TestRunNamesChatCommand(t *testing.T) {
	defer func(args []string) { os.Args = args }(os.Args)
	os.Args = []string{"/opt/shop/omnicart", "run", "--config", "/etc/shop.toml", "--http", ":9000", "--data=/srv/data"}
	if got, want := chatCommand(), "/opt/shop/omnicart chat --config /etc/shop.toml --data=/srv/data"; got != want {
		t.Errorf("chatCommand() = %q; want %q", got, want)
	}
	os.Args = []string{"omnicart"}
	if got := chatCommand(); got != "omnicart chat" {
		t.Errorf("chatCommand() = %q", got)
	}

	config, _ := copyDemo(t)
	cfg, err := LoadConfig(config)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, cfg, slog.New(slog.DiscardHandler), out) }()
	ok := waitUntil(30*time.Second, func() bool { return strings.Contains(out.String(), "Press Ctrl+C") })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !ok {
		t.Fatalf("run printed %q", out.String())
	}
	if !strings.Contains(out.String(), "Terminal chat: omnicart chat (talks to this shop)") || strings.Contains(out.String(), "make") {
		t.Errorf("run printed\n%s", out.String())
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
