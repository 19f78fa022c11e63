package flows_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"omnicart/bot"
	"omnicart/bot/bottest"
	"omnicart/campaigns"
	"omnicart/catalog"
	"omnicart/demo"
	"omnicart/flows"
	"omnicart/locales"
	"omnicart/payments"
	"omnicart/store"
)

// The campaign transcripts (testdata/campaigns/*.txt) are a shopper's
// conversation with time passing: "> " lines are the shopper's, and
// "@wait 3h10m" moves the clock on, runs the campaigns (the built-in
// campaigns.yaml) and sends what they wrote to the outbox, shown below the
// line. A button of that message is pressed like any other: "> [label]".
func TestCampaignTranscripts(t *testing.T) {
	files, _ := filepath.Glob("testdata/campaigns/*.txt")
	if len(files) == 0 {
		t.Fatal("no transcripts in testdata/campaigns")
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
			got, err := campaignTranscript(t, lang, string(script))
			if err != nil {
				t.Fatalf("%v\nso far:\n%s", err, got)
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

// campaignTranscript replays script for one Telegram shopper.
func campaignTranscript(t *testing.T, lang, script string) (string, error) {
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)} // 13:00 in Moscow
	db, err := store.Open("", store.Options{InMemory: true, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	cat, err := catalog.Load(demo.FS, "demo")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SyncStock(ctx, cat.StockSeed()); err != nil {
		t.Fatal(err)
	}
	texts := locales.Default()
	set, err := flows.Load(nil, "", flows.Builtin(), texts)
	if err != nil {
		t.Fatal(err)
	}
	rec := bottest.NewRecorder()
	zone := time.FixedZone("MSK", 3*60*60)
	sh := &flows.Shop{Name: "Demo Coffee", Catalog: cat, Flows: set, Texts: texts, Images: demo.FS, Lang: "en", Zone: zone}
	eng := flows.NewEngine(db, &deliverer{Recorder: rec}, []payments.Provider{payments.Demo{}}, sh, flows.Options{Workers: 2, Now: clk.Now})
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { eng.Run(runCtx); close(done) }()
	t.Cleanup(func() { cancel(); <-done; db.Close() })
	camps := &campaigns.Shop{Campaigns: campaigns.Default(), Catalog: cat, Texts: texts, Lang: "en", Zone: zone,
		Go: flows.GoEvent, HasFlow: set.Has}
	runner := campaigns.New(db, func() *campaigns.Shop { return camps }, campaigns.Options{Now: clk.Now})

	addr := bot.Address{Channel: bot.Telegram, Chat: "100"}
	chat := &bottest.Chat{H: eng, R: rec, Addr: addr, Lang: lang, Name: "Ann"}
	var pressable []bot.Choice // the buttons of the latest campaign message
	var b strings.Builder
	for _, line := range strings.Split(script, "\n") {
		switch {
		case strings.HasPrefix(line, "#"):
			b.WriteString(line + "\n")
		case strings.HasPrefix(line, "@wait "):
			d, err := time.ParseDuration(strings.TrimPrefix(line, "@wait "))
			if err != nil {
				return b.String(), fmt.Errorf("%q: %w", line, err)
			}
			b.WriteString(line + "\n")
			clk.mu.Lock()
			clk.t = clk.t.Add(d)
			clk.mu.Unlock()
			if _, err := runner.Run(ctx); err != nil {
				return b.String(), err
			}
			pending, err := db.PendingNotices(ctx, time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC), 100)
			if err != nil {
				return b.String(), err
			}
			for _, p := range pending {
				to, err := eng.Notify(ctx, p.Notice)
				if err != nil {
					return b.String(), fmt.Errorf("notify %s: %w", p.Notice.Key, err)
				}
				if err := db.NoticeSent(ctx, p.ID, to.String()); err != nil {
					return b.String(), err
				}
			}
			sent := rec.Take(addr)
			pressable = nil
			for _, r := range sent {
				for _, row := range r.Choices {
					pressable = append(pressable, row...)
				}
			}
			b.WriteString(bottest.Render(sent))
		case strings.HasPrefix(line, "> "):
			in := strings.TrimPrefix(line, "> ")
			b.WriteString(line + "\n")
			var replies []bot.Reply
			var err error
			if i := pressed(pressable, in); i >= 0 {
				replies, err = chat.Send(bot.Message{Button: pressable[i].Data})
			} else {
				replies, err = chat.Line(in)
			}
			pressable = nil
			if err != nil {
				return b.String(), fmt.Errorf("line %q: %w", in, err)
			}
			b.WriteString(bottest.Render(replies))
		}
	}
	return b.String(), nil
}

// pressed returns the index of the button "[label]" among choices, -1 when
// in is not one of them.
func pressed(choices []bot.Choice, in string) int {
	label, ok := strings.CutPrefix(in, "[")
	if label, ok = strings.CutSuffix(label, "]"); !ok {
		return -1
	}
	for i, c := range choices {
		if c.Label == label {
			return i
		}
	}
	return -1
}
