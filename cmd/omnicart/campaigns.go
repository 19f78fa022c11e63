package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"omnicart/campaigns"
	"omnicart/flows"
	"omnicart/locales"
	"omnicart/shop"
	"omnicart/store"
)

// CampaignsConfig is the config's [campaigns] section. What the campaigns
// say and when is in the shop's campaigns.yaml; this is how often they run.
type CampaignsConfig struct {
	// Tick is how often the campaigns look for due customers; default one
	// minute (shorten it to try a campaign).
	Tick Duration `toml:"tick"`
}

func (c CampaignsConfig) tick() time.Duration {
	if c.Tick.Duration <= 0 {
		return time.Minute
	}
	return c.Tick.Duration
}

// campaignsFS returns the shop directory for campaigns.yaml: the config's
// shop directory, none for the demo shop (whose campaigns are the defaults).
func campaignsFS(cfg Config) (fs.FS, string) {
	if cfg.Shop.Dir == "" {
		return nil, "demo(built-in)"
	}
	return os.DirFS(cfg.Shop.Dir), cfg.Shop.Dir
}

// campaignProblems validates the shop's campaigns.yaml for loadShop.
func campaignProblems(cfg Config, texts *locales.Bundle) []string {
	fsys, name := campaignsFS(cfg)
	if _, err := campaigns.Load(fsys, name, texts); err != nil {
		return []string{err.Error()}
	}
	return nil
}

// shopCampaigns keeps the campaigns of the shop in force: loaded again
// when the engine's shop is swapped (a reload), the last good ones kept.
type shopCampaigns struct {
	cfg Config
	eng func() *flows.Shop
	log *slog.Logger

	mu   sync.Mutex
	for_ *flows.Shop
	last *campaigns.Shop
}

func (s *shopCampaigns) shop() *campaigns.Shop {
	sh := s.eng()
	s.mu.Lock()
	defer s.mu.Unlock()
	if sh == s.for_ && s.last != nil {
		return s.last
	}
	fsys, name := campaignsFS(s.cfg)
	c, err := campaigns.Load(fsys, name, sh.Texts)
	if err != nil {
		s.log.Error("campaigns.yaml has errors; the last good campaigns keep running", slog.String("errors", err.Error()))
		if s.last == nil {
			c = campaigns.Default()
		} else {
			c = s.last.Campaigns
		}
	}
	s.for_ = sh
	s.last = campaignShop(sh, c)
	return s.last
}

// campaignShop is what the campaigns need of a loaded shop.
func campaignShop(sh *flows.Shop, c *campaigns.Config) *campaigns.Shop {
	return &campaigns.Shop{Campaigns: c, Catalog: sh.Catalog, Texts: sh.Texts, Lang: sh.Lang, Zone: sh.Zone,
		Go: flows.GoEvent, HasFlow: sh.Flows.Has}
}

// campaignsPart is the campaigns of the running shop.
type campaignsPart struct {
	runner *campaigns.Runner
	shop   *shopCampaigns
	db     *store.DB
}

// openCampaigns builds the campaign runner over the store and the engine's
// shop, gives /campaigns its real action and the broadcasts the one
// frequency cap and the opt-out (Desk.Marketing).
func (m *Main) openCampaigns(opt *flows.Options) {
	sc := &shopCampaigns{cfg: m.Config, eng: func() *flows.Shop { return m.Engine.Shop() }, log: m.Log}
	r := campaigns.New(m.DB, sc.shop, campaigns.Options{Logger: m.Log, Wake: func() {
		if m.Outbox != nil {
			m.Outbox.Wake()
		}
	}})
	m.camp = &campaignsPart{runner: r, shop: sc, db: m.DB}
	if opt.Actions == nil {
		opt.Actions = flows.Actions{}
	}
	opt.Actions["campaigns_report"] = flows.Action{Run: m.camp.report}
	opt.Desk.Marketing = m.camp.may
}

// runCampaigns runs the campaigns every tick until ctx ends.
func (m *Main) runCampaigns(ctx context.Context) error {
	return schedule(ctx, m.Log, map[string]func(){
		"@every " + m.Config.Campaigns.tick().String(): func() { m.camp.run(ctx) },
	})
}

func (p *campaignsPart) run(ctx context.Context) {
	if _, err := p.runner.Run(ctx); err != nil {
		slog.Default().Error("campaigns", slog.Any("err", err))
	}
}

// may reports whether a customer may get a marketing message now: not
// opted out and under the frequency cap (the broadcasts ask it).
func (p *campaignsPart) may(c shop.Customer) bool {
	if c.NoOffers {
		return false
	}
	capped, err := campaigns.CapReached(context.Background(), p.db, p.shop.shop().Campaigns, c.ID, time.Now(), 0)
	return err == nil && !capped
}

// maxReport keeps /campaigns within one chat message.
const maxReport = 3900

// report is /campaigns: the dry run now and the last 30 days.
func (p *campaignsPart) report(c *flows.Ctx) (string, error) {
	text, err := campaignReport(c, p.db, p.runner, p.shop.shop().Campaigns, c.P, c.Now)
	if err != nil {
		return "", err
	}
	if r := []rune(text); len(r) > maxReport {
		text = string(r[:maxReport]) + "…"
	}
	c.Text(text)
	return "", nil
}

// campaignReport is the dry run at at and the statistics of the 30 days
// before it.
func campaignReport(ctx context.Context, db *store.DB, r *campaigns.Runner, cfg *campaigns.Config, p *locales.Printer, at time.Time) (string, error) {
	ds, err := r.Preview(ctx, at)
	if err != nil {
		return "", err
	}
	stats, err := campaigns.Stats(ctx, db, at.AddDate(0, 0, -30), cfg.Attribution)
	if err != nil {
		return "", err
	}
	return campaigns.Report(p, at, ds, stats), nil
}

// campaignsCLI is `omnicart campaigns preview [--at "2026-12-01 10:00"]`:
// the dry run on a stopped data directory, opened read-only.
func campaignsCLI(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "preview" {
		fmt.Fprintf(stderr, "omnicart campaigns: say preview\n\n%s", usage)
		return 2
	}
	fset := flag.NewFlagSet("omnicart campaigns preview", flag.ContinueOnError)
	fset.SetOutput(stderr)
	configPath := fset.String("config", "", "config file (default config.toml if present, else config.example.toml)")
	dataDir := fset.String("data", "", "data directory (default from the config, else ./data)")
	atFlag := fset.String("at", "", `the time to preview, like "2026-12-01 10:00" in the shop's time zone (default now)`)
	lang := fset.String("lang", "", "language of the report: en or ru (default the shop's)")
	if err := fset.Parse(args[1:]); err != nil {
		return 2
	}
	path := *configPath
	if path == "" {
		path = "config.example.toml"
		if _, err := os.Stat("config.toml"); err == nil {
			path = "config.toml"
		}
	}
	cfg, err := LoadConfig(path)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if *dataDir != "" {
		cfg.Data.Dir = *dataDir
	}
	text, err := previewCampaigns(context.Background(), cfg, *atFlag, *lang)
	if err != nil {
		fmt.Fprintln(stderr, "omnicart campaigns preview:", err)
		return 1
	}
	fmt.Fprintln(stdout, text)
	return 0
}

// previewCampaigns runs the dry run on the stopped data directory of cfg.
func previewCampaigns(ctx context.Context, cfg Config, at, lang string) (string, error) {
	sh, err := loadShop(cfg)
	if err != nil {
		return "", fmt.Errorf("the shop has errors:\n%w", err)
	}
	fsys, name := campaignsFS(cfg)
	camps, err := campaigns.Load(fsys, name, sh.Texts)
	if err != nil {
		return "", err
	}
	when := time.Now()
	if at != "" {
		zone := sh.Zone
		if zone == nil {
			zone = time.Local
		}
		if when, err = time.ParseInLocation("2006-01-02 15:04", at, zone); err != nil {
			return "", fmt.Errorf("--at %q: write it like \"2026-12-01 10:00\"", at)
		}
	}
	if _, err := os.Stat(filepath.Join(cfg.Data.Dir, "MANIFEST")); err != nil {
		return "", fmt.Errorf("no shop data in %s", cfg.Data.Dir)
	}
	db, err := store.Open(cfg.Data.Dir, store.Options{ReadOnly: true})
	if err != nil {
		return "", err
	}
	defer db.Close()
	cs := campaignShop(sh, camps)
	r := campaigns.New(db, func() *campaigns.Shop { return cs }, campaigns.Options{})
	if lang == "" {
		lang = sh.Lang
	}
	return campaignReport(ctx, db, r, camps, sh.Texts.Printer(lang), when)
}
