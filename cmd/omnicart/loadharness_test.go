package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"omnicart/bot/telegram/tgtest"
)

// The load harness (make bench): a fake Bot API in this process, the real
// omnicart binary (or the library's plain echo bot, for the ratio) as a
// separate process polling it, and closed-loop shoppers who go through
// browse → cart → checkout → pay by pressing the buttons the bot sent.
//
//	OMNICART_BENCH=1 go test ./cmd/omnicart -count=1 -v -timeout 30m -run 'TestLoadHarness'
//	OMNICART_BENCH=1 go test ./cmd/omnicart -count=1 -v -run 'TestLoadHarness/omnicart/max' -args -harness.shoppers 1000
//
// Scenarios (subtests): echo/paced, omnicart/paced (200 shoppers, 200
// updates/s offered), echo/max, omnicart/max (-harness.shoppers closed-loop
// shoppers, as fast as the bot answers), the same four with the fake
// posting updates to the bot's webhook instead of long polling
// (echo/webhook-paced...: omnicart answers presses in the webhook's
// answers, the library's echo bot cannot), omnicart/chats (one purchase
// each from -harness.chats distinct chats: peak memory). Each prints updates/s,
// p50/p99 from update to first reply, the bot process's CPU per 1000
// updates (/proc/PID/stat), Bot API calls per update, peak RSS (VmHWM),
// idle CPU after the load, and the store's size on disk.
//
// Without OMNICART_BENCH a quick smoke runs (make test): three shoppers
// buy once each from the real binary. OMNICART_BENCH_BIN runs another
// build of omnicart (an older commit, for before and after).
var (
	harnessShoppers = flag.Int("harness.shoppers", 1000, "TestLoadHarness: closed-loop shoppers in the max scenarios")
	harnessRate     = flag.Float64("harness.rate", 200, "TestLoadHarness: updates/s offered in the paced scenarios")
	harnessDuration = flag.Duration("harness.duration", 20*time.Second, "TestLoadHarness: measured time of each scenario")
	harnessWarmup   = flag.Duration("harness.warmup", 5*time.Second, "TestLoadHarness: unmeasured time before it")
	harnessChats    = flag.Int("harness.chats", 10_000, "TestLoadHarness: distinct chats in the chats scenario")
	harnessProfile  = flag.String("harness.profile", "", "TestLoadHarness: write the bot's CPU profile of the measured time to this file (omnicart only; via [debug] pprof_addr)")
	harnessEnv      = flag.String("harness.env", "", "TestLoadHarness: VAR=value pairs (space-separated) added to the environment of the bot process, omnicart or echo: GOMAXPROCS=1, GOGC=200")
	harnessVerbose  = flag.Bool("harness.trace", false, "TestLoadHarness: log the screens and actions of the first shopper")
)

// harnessToken has the shape of a real token, which the config requires.
const harnessToken = "123456789:AAHarnessHarnessHarnessHarness12345"

func TestLoadHarness(t *testing.T) {
	if os.Getenv("OMNICART_BENCH") == "" {
		for _, webhook := range []bool{false, true} {
			name := "smoke"
			if webhook {
				name = "smoke-webhook" // the fake posts to the binary's webhook, several at once
			}
			t.Run(name, func(t *testing.T) {
				r := runHarness(t, harnessRun{bot: "omnicart", webhook: webhook, shoppers: 3, journeys: 1, timeout: time.Minute})
				if r.paid < 3 {
					t.Fatalf("%d of 3 shoppers paid", r.paid)
				}
				t.Log(r)
			})
		}
		return
	}
	var results []string
	run := func(name string, hr harnessRun) {
		t.Run(name, func(t *testing.T) {
			r := runHarness(t, hr)
			line := fmt.Sprintf("%-16s %s", name, r)
			results = append(results, line)
			t.Log(line)
		})
	}
	load, _ := os.ReadFile("/proc/loadavg")
	t.Logf("load average before: %s", strings.TrimSpace(string(load)))
	for _, mode := range []string{"", "webhook-"} {
		for _, bot := range []string{"echo", "omnicart"} {
			webhook := mode != ""
			run(bot+"/"+mode+"paced", harnessRun{bot: bot, webhook: webhook, shoppers: 200, rate: *harnessRate, warmup: *harnessWarmup, measure: *harnessDuration})
			run(bot+"/"+mode+"max", harnessRun{bot: bot, webhook: webhook, shoppers: *harnessShoppers, warmup: *harnessWarmup, measure: *harnessDuration})
		}
	}
	run("omnicart/chats", harnessRun{bot: "omnicart", shoppers: 500, chats: *harnessChats, journeys: 1, timeout: 15 * time.Minute})
	load, _ = os.ReadFile("/proc/loadavg")
	fmt.Printf("\nload harness results (load average after: %s)\n%s\n", strings.TrimSpace(string(load)), strings.Join(results, "\n"))
}

// harnessRun is one scenario.
type harnessRun struct {
	bot      string // "omnicart" or "echo"
	webhook  bool   // updates posted to the bot's webhook, not long-polled
	shoppers int
	rate     float64 // updates/s offered; 0: closed loop, as fast as answered
	warmup   time.Duration
	measure  time.Duration
	// chats > shoppers: each purchase from a new chat until there were
	// this many. journeys > 0: each shopper stops after that many
	// purchases from its last chat (the run ends when all stopped).
	chats    int
	journeys int
	timeout  time.Duration
}

// harnessResult is what a scenario measured.
type harnessResult struct {
	updates     int64
	elapsed     time.Duration
	lat         []time.Duration
	cpu         time.Duration // the bot process, user + system
	harnessCPU  time.Duration // this process: the fake Bot API and the shoppers
	calls       int64         // Bot API calls the bot made, getUpdates included
	paid        int64         // purchases completed
	timeouts    int64
	hwm, rss    int64 // bytes
	anon, file  int64 // RSS in anonymous memory (the Go heap...) and mapped files (Badger's tables and logs)
	idleCPU     time.Duration
	idleFor     time.Duration
	store       int64 // bytes on disk
	chats       int
	photoRaces  int
	loadAverage string
}

func (r harnessResult) String() string {
	per := func(d time.Duration) float64 {
		if r.updates == 0 {
			return 0
		}
		return d.Seconds() * 1000 / float64(r.updates)
	}
	slices.Sort(r.lat)
	s := fmt.Sprintf("updates=%d in %.1fs: %.0f/s p50=%.1fms p99=%.1fms cpu=%.3fs/1000upd (harness %.3fs) calls/upd=%.2f paid=%d timeouts=%d peakRSS=%.1fMB RSS=%.1fMB (anon %.1f, files %.1f) idleCPU=%.1fms/s chats=%d",
		r.updates, r.elapsed.Seconds(), float64(r.updates)/max(r.elapsed.Seconds(), 1e-9),
		ms(tgtest.Percentile(r.lat, 50)), ms(tgtest.Percentile(r.lat, 99)), per(r.cpu), per(r.harnessCPU),
		float64(r.calls)/max(float64(r.updates), 1), r.paid, r.timeouts,
		float64(r.hwm)/(1<<20), float64(r.rss)/(1<<20), float64(r.anon)/(1<<20), float64(r.file)/(1<<20), float64(r.idleCPU.Milliseconds())/max(r.idleFor.Seconds(), 1e-9), r.chats)
	if r.photoRaces > 0 {
		s += fmt.Sprintf(" photo-edit-races=%d", r.photoRaces)
	}
	if r.store > 0 {
		s += fmt.Sprintf(" store=%.1fMB", float64(r.store)/(1<<20))
	}
	return s + " load=" + r.loadAverage
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// harnessShopper is one simulated user: a chat, and what it waits for.
type harnessShopper struct {
	n    int
	chat int64
	j    int // purchases begun

	mu     sync.Mutex
	sentAt time.Time // the pending update; zero when none
	got    bool      // its first reply arrived
	lat    []time.Duration
	signal chan struct{}
}

func runHarness(t *testing.T, hr harnessRun) harnessResult {
	api := tgtest.NewServer(t, tgtest.Options{Token: harnessToken})
	var (
		chatsMu   sync.RWMutex
		byChat    = map[int64]*harnessShopper{}
		measuring atomic.Bool
		calls     atomic.Int64
	)
	url := api.Observe(func(o tgtest.Observed) {
		if measuring.Load() {
			calls.Add(1)
		}
		if o.Status != http.StatusOK || o.Chat == 0 || !(strings.HasPrefix(o.Method, "send") || strings.HasPrefix(o.Method, "edit")) {
			return
		}
		chatsMu.RLock()
		sh := byChat[o.Chat]
		chatsMu.RUnlock()
		if sh == nil {
			return
		}
		sh.mu.Lock()
		if !sh.sentAt.IsZero() && !sh.got && !o.At.Before(sh.sentAt) {
			sh.got = true
			if measuring.Load() {
				sh.lat = append(sh.lat, o.At.Sub(sh.sentAt))
			}
		}
		sh.mu.Unlock()
		select {
		case sh.signal <- struct{}{}:
		default:
		}
	})

	var pid int
	var dataDir string
	var pprofAddr string
	var hookAddr string
	switch hr.bot {
	case "echo":
		pid, hookAddr = startEcho(t, url, hr.webhook)
	default:
		pid, dataDir, pprofAddr, hookAddr = startOmnicart(t, url, hr.webhook)
	}
	// The bot is up once it polls or has set its webhook.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	if err := api.WaitFor(ctx, func() bool { return len(api.Calls("getUpdates")) > 0 || len(api.Calls("setWebhook")) > 0 }); err != nil {
		t.Fatalf("the %s bot does not start: %v", hr.bot, err)
	}
	cancel()
	if hr.webhook {
		api.ProxyWebhook("http://" + hookAddr) // the bot's webhook_url is https://, as Telegram wants
	}

	var (
		updates, paid, timeouts atomic.Int64
		nextChat                atomic.Int64
		stopped                 sync.WaitGroup
	)
	chats := max(hr.chats, hr.shoppers)
	nextChat.Store(int64(hr.shoppers))
	tokens := make(chan struct{})
	runCtx, stopRun := context.WithCancel(context.Background())
	defer stopRun()
	shoppers := make([]*harnessShopper, hr.shoppers)
	const firstChat = 700_000
	for i := range shoppers {
		sh := &harnessShopper{n: i, chat: firstChat + int64(i), signal: make(chan struct{}, 1)}
		shoppers[i] = sh
		chatsMu.Lock()
		byChat[sh.chat] = sh
		chatsMu.Unlock()
	}
	var traced atomic.Int64
	trace := func(sh *harnessShopper, format string, args ...any) {
		if *harnessVerbose && sh.n == 0 && traced.Add(1) <= 60 {
			t.Logf("shopper 0 (chat %d): "+format, append([]any{sh.chat}, args...)...)
		}
	}
	for _, sh := range shoppers {
		stopped.Add(1)
		go func() {
			defer stopped.Done()
			var a harnessAction
			for runCtx.Err() == nil {
				if hr.rate > 0 {
					select {
					case <-tokens:
					case <-runCtx.Done():
						return
					}
				}
				if hr.bot == "echo" {
					a = harnessAction{say: []string{"/cart", "/help", "hello", "/catalog"}[sh.j%4]}
					sh.j++
				} else {
					// The same step twice means the screen is not complete
					// yet (a second reply still on its way): wait for it.
					prev := a
					msgs := api.Chat(sh.chat)
					a = decide(sh, msgs)
					for waited := 0; a == prev && !a.done && waited < 20 && runCtx.Err() == nil; waited++ {
						select {
						case <-sh.signal:
						case <-time.After(100 * time.Millisecond):
						}
						msgs = api.Chat(sh.chat)
						a = decide(sh, msgs)
					}
					if a.done {
						if measuring.Load() {
							paid.Add(1)
						}
						if hr.journeys > 0 && sh.j >= hr.journeys && (hr.chats == 0 || nextChat.Load() >= int64(chats)) {
							return
						}
						if c := nextChat.Add(1) - 1; c < int64(chats) {
							chatsMu.Lock()
							sh.chat = firstChat + c
							byChat[sh.chat] = sh
							chatsMu.Unlock()
						}
						a = harnessAction{say: "/start"}
					}
					trace(sh, "%s → %+v", screen(msgs), a)
				}
				sh.mu.Lock()
				sh.sentAt, sh.got = time.Now(), false
				sh.mu.Unlock()
				select {
				case <-sh.signal:
				default:
				}
				switch {
				case a.press != "":
					api.UserPress(sh.chat, a.msg, a.press)
				default:
					api.UserText(sh.chat, a.say, "en")
				}
				if measuring.Load() {
					updates.Add(1)
				}
				// Wait for the first reply, then until the bot is quiet.
				select {
				case <-sh.signal:
				case <-time.After(10 * time.Second):
					timeouts.Add(1)
					trace(sh, "no reply")
					continue
				case <-runCtx.Done():
					return
				}
				// Quiet: no reply for half the first one's latency (the
				// bot sends a step's messages one after another).
				sh.mu.Lock()
				wait := min(max(25*time.Millisecond, time.Since(sh.sentAt)/2), time.Second)
				sh.mu.Unlock()
				for quiet := false; !quiet; {
					select {
					case <-sh.signal:
					case <-time.After(wait):
						quiet = true
					case <-runCtx.Done():
						return
					}
				}
			}
		}()
	}
	if hr.rate > 0 {
		go func() {
			every := time.Duration(float64(time.Second) / hr.rate)
			tick := time.NewTicker(every)
			defer tick.Stop()
			for {
				select {
				case <-tick.C:
					select {
					case tokens <- struct{}{}:
					default: // every shopper is waiting for the bot: not offered
					}
				case <-runCtx.Done():
					return
				}
			}
		}()
	}

	var r harnessResult
	var profile *http.Response
	if hr.journeys > 0 {
		// Until every shopper stopped: measured from the start.
		measuring.Store(true)
		cpu0, own0, start := procCPU(t, pid), tgtest.CPUTime(), time.Now()
		done := make(chan struct{})
		go func() { stopped.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(hr.timeout):
			t.Errorf("the shoppers did not finish within %v", hr.timeout)
		}
		measuring.Store(false)
		r.cpu, r.harnessCPU, r.elapsed = procCPU(t, pid)-cpu0, tgtest.CPUTime()-own0, time.Since(start)
	} else {
		time.Sleep(hr.warmup)
		api.Forget(20)
		if pprofAddr != "" && *harnessProfile != "" {
			go func() {
				resp, err := http.Get(fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", pprofAddr, int(hr.measure.Seconds())))
				if err != nil {
					t.Errorf("profile: %v", err)
					return
				}
				profile = resp
			}()
		}
		measuring.Store(true)
		cpu0, own0, start := procCPU(t, pid), tgtest.CPUTime(), time.Now()
		for end := start.Add(hr.measure); time.Now().Before(end); {
			time.Sleep(min(time.Until(end), 5*time.Second))
			api.Forget(20)
		}
		measuring.Store(false)
		r.cpu, r.harnessCPU, r.elapsed = procCPU(t, pid)-cpu0, tgtest.CPUTime()-own0, time.Since(start)
	}
	load, _ := os.ReadFile("/proc/loadavg")
	r.loadAverage = strings.Join(strings.Fields(string(load))[:3], ",")
	stopRun()
	stopped.Wait()
	r.updates, r.paid, r.timeouts, r.calls = updates.Load(), paid.Load(), timeouts.Load(), calls.Load()
	for _, sh := range shoppers {
		r.lat = append(r.lat, sh.lat...)
	}
	r.chats = len(byChat)
	// Idle: nothing is sent; the bot only long-polls. Measured once the
	// bot's trim after a rush (trim.go: after one to two quiet ticks) is
	// done, and the memory after it.
	time.Sleep(2*trimEvery + time.Second)
	idle0 := procCPU(t, pid)
	r.idleFor = 5 * time.Second
	time.Sleep(r.idleFor)
	r.idleCPU = procCPU(t, pid) - idle0
	r.hwm, r.rss = procMem(t, pid, "VmHWM:"), procMem(t, pid, "VmRSS:")
	r.anon, r.file = procMem(t, pid, "RssAnon:"), procMem(t, pid, "RssFile:")+procMem(t, pid, "RssShmem:")
	if pprofAddr != "" && *harnessProfile != "" {
		if resp, err := http.Get("http://" + pprofAddr + "/debug/pprof/heap"); err == nil {
			if f, err := os.Create(*harnessProfile + ".heap"); err == nil {
				io.Copy(f, resp.Body)
				f.Close()
			}
			resp.Body.Close()
		}
	}
	if dataDir != "" {
		r.store = diskUsage(dataDir)
	}
	if *harnessVerbose {
		t.Logf("resident memory by mapping: %s", residentByFile(pid))
	}
	// A shopper faster than any person presses a button of a photo the
	// bot has sent but not yet seen the answer for (so it does not know
	// it is a photo): the edit fails and the bot sends a new message, as
	// it should. Counted, not failed.
	for _, v := range api.TakeViolations() {
		if strings.Contains(v, "there is no text in the message to edit") {
			r.photoRaces++
			continue
		}
		t.Errorf("tgtest: the bot broke the Bot API contract: %s", v)
	}
	if profile != nil {
		defer profile.Body.Close()
		f, err := os.Create(*harnessProfile)
		if err == nil {
			io.Copy(f, profile.Body)
			f.Close()
			t.Logf("CPU profile of the measured time: %s", *harnessProfile)
		}
	}
	return r
}

// harnessAction is what a shopper does next: press a button of a message,
// or say a text. done marks a finished purchase: the next action starts
// another.
type harnessAction struct {
	say   string
	msg   int
	press string
	done  bool
}

// decide reads the chat as the user sees it and picks the next step of a
// purchase: a category, a product, a variant, the quantity, the checkout,
// contact details, a pickup point, placing the order, paying.
func decide(sh *harnessShopper, msgs []tgtest.Sent) harnessAction {
	if len(msgs) == 0 {
		return harnessAction{say: "/start"}
	}
	// The question may be followed by a hint (the phone's "or use the
	// button below").
	text := ""
	for _, m := range msgs[max(0, len(msgs)-2):] {
		text += m.Text + m.Caption + "\n"
	}
	last := msgs[len(msgs)-1]
	switch {
	case strings.HasPrefix(last.Text, "Your orders"):
		sh.j++
		return harnessAction{done: true}
	case strings.Contains(text, "is paid"):
		return harnessAction{say: "/orders"}
	case strings.Contains(text, "What is your name"):
		return harnessAction{say: "Anna"}
	case strings.Contains(text, "phone number"):
		return harnessAction{say: fmt.Sprintf("+7916%07d", sh.chat%10_000_000)}
	case strings.Contains(text, "delivery address"):
		return harnessAction{say: "Moscow, Tverskaya 1"}
	}
	// Buttons, most advanced step first, on the newest message that has
	// any.
	for i := len(msgs) - 1; i >= max(0, len(msgs)-3); i-- {
		m := msgs[i]
		for _, want := range []string{"💳 Pay", "✅ Place the order", "🏬 Pickup point", "✅ Check out", "Add 1", "🛒 Add to cart", "Whole beans", "Kenya", "Coffee beans", "🛍 Catalog"} {
			if b, ok := button(m, want); ok {
				return harnessAction{msg: m.ID, press: b.Data}
			}
		}
		if strings.Contains(m.Text, "pickup point") && len(m.Keyboard) > 0 && len(m.Keyboard[0]) > 0 && m.Keyboard[0][0].Data != "" {
			return harnessAction{msg: m.ID, press: m.Keyboard[0][0].Data}
		}
		if inline(m) {
			break
		}
	}
	return harnessAction{say: "/start"}
}

func inline(m tgtest.Sent) bool {
	for _, row := range m.Keyboard {
		for _, b := range row {
			if b.Data != "" {
				return true
			}
		}
	}
	return false
}

func button(m tgtest.Sent, label string) (tgtest.Button, bool) {
	for _, row := range m.Keyboard {
		for _, b := range row {
			if b.Data != "" && strings.Contains(b.Text, label) {
				return b, true
			}
		}
	}
	return tgtest.Button{}, false
}

// screen is the newest messages as text, for -harness.trace.
func screen(msgs []tgtest.Sent) string {
	var b strings.Builder
	for _, m := range msgs[max(0, len(msgs)-2):] {
		fmt.Fprintf(&b, "#%d %q", m.ID, m.Text+m.Caption)
		for _, row := range m.Keyboard {
			for _, btn := range row {
				b.WriteString(" [" + btn.Text + "]")
			}
		}
		b.WriteString("; ")
	}
	return b.String()
}

// startOmnicart runs the real binary on a copy of the demo shop with stock
// enough for millions of purchases (the demo's would sell out), with
// Telegram's limits lifted so the bot itself is measured.
func startOmnicart(t *testing.T, apiURL string, webhook bool) (pid int, dataDir, pprofAddr, httpAddr string) {
	config, shopDir := copyDemo(t)
	catalog := filepath.Join(shopDir, "catalog.yaml")
	data, err := os.ReadFile(catalog)
	if err != nil {
		t.Fatal(err)
	}
	data = regexp.MustCompile(`stock: \d+`).ReplaceAll(data, []byte("stock: 100000000"))
	if err := os.WriteFile(catalog, data, 0o644); err != nil {
		t.Fatal(err)
	}
	extra := fmt.Sprintf("[telegram]\ntoken = %q\napi_url = %q\nper_chat_rate = 100000.0\nper_chat_burst = 1000\nglobal_rate = 1000000.0\n[log]\nlevel = \"warn\"\n",
		harnessToken, apiURL)
	if webhook {
		extra = strings.Replace(extra, "[telegram]\n", "[telegram]\nmode = \"webhook\"\nwebhook_url = \"https://shop.example/telegram/webhook\"\nwebhook_secret = \"harness-secret\"\n", 1)
	}
	if *harnessProfile != "" {
		pprofAddr = freeAddr(t)
		extra += fmt.Sprintf("[debug]\npprof_addr = %q\n", pprofAddr)
	}
	f, err := os.OpenFile(config, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(extra)
	f.Close()
	if bin := os.Getenv("OMNICART_BENCH_BIN"); bin != "" {
		// Another build (an older commit, for before and after): binary
		// then returns it instead of building this tree.
		binaryOnce.Do(func() { binaryPath = bin })
	}
	p := start(t, "run", "--config", config)
	httpAddr = p.serving(t, 30*time.Second)
	return p.cmd.Process.Pid, filepath.Join(filepath.Dir(config), "data"), pprofAddr, httpAddr
}

var (
	echoOnce sync.Once
	echoPath string
	echoErr  error
)

// startEcho runs the library's plain echo bot (TestEchoBotProcess in
// bot/telegram, its test binary) against the fake.
func startEcho(t *testing.T, apiURL string, webhook bool) (pid int, hookAddr string) {
	echoOnce.Do(func() {
		dir, err := os.MkdirTemp("", "omnicart-echo")
		if err != nil {
			echoErr = err
			return
		}
		echoPath = filepath.Join(dir, "echobot.test")
		out, err := exec.Command("go", "test", "-c", "-o", echoPath, "../../bot/telegram").CombinedOutput()
		if err != nil {
			echoErr = fmt.Errorf("go test -c: %v\n%s", err, out)
		}
	})
	if echoErr != nil {
		t.Fatal(echoErr)
	}
	cmd := exec.Command(echoPath, "-test.run", "^TestEchoBotProcess$")
	cmd.Env = append(os.Environ(), "OMNICART_ECHO_API="+apiURL, "OMNICART_ECHO_TOKEN="+harnessToken)
	if webhook {
		hookAddr = freeAddr(t)
		cmd.Env = append(cmd.Env, "OMNICART_ECHO_WEBHOOK="+hookAddr)
	}
	cmd.Env = append(cmd.Env, strings.Fields(*harnessEnv)...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	return cmd.Process.Pid, hookAddr
}

// procCPU is the user plus system CPU time of a process (/proc/PID/stat).
func procCPU(t *testing.T, pid int) time.Duration {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	// Fields after the command name, which is in parentheses: state is
	// field 3, utime 14, stime 15 (clock ticks, 100 a second on Linux).
	f := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+1:]))
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// procMem reads a size line ("VmHWM:") of /proc/PID/status, in bytes.
func procMem(t *testing.T, pid int, key string) int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, key); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// diskUsage is the space the files under dir take on disk (like du).
func diskUsage(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if info, err := d.Info(); err == nil {
			if st, ok := info.Sys().(*syscall.Stat_t); ok {
				n += st.Blocks * 512
			}
		}
		return nil
	})
	return n
}

// residentByFile sums /proc/PID/smaps's Rss by mapped file ("" for
// anonymous memory), largest first, for -harness.trace.
func residentByFile(pid int) string {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps", pid))
	if err != nil {
		return err.Error()
	}
	by := map[string]int64{}
	name := ""
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) >= 5 && strings.Contains(f[0], "-"):
			name = ""
			if len(f) >= 6 {
				name = filepath.Base(f[5])
			}
		case len(f) >= 2 && f[0] == "Rss:":
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			by[name] += kb
		}
	}
	names := slices.SortedFunc(maps.Keys(by), func(a, b string) int { return int(by[b] - by[a]) })
	var b strings.Builder
	for _, n := range names[:min(len(names), 12)] {
		fmt.Fprintf(&b, "%s=%dkB ", n, by[n])
	}
	return b.String()
}
