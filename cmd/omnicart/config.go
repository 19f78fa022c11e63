package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // Shop.Timezone works without the system's zone files

	"github.com/BurntSushi/toml"
)

// Config is the TOML configuration of omnicart; config.example.toml
// documents every key. LoadConfig fills in the defaults and resolves
// relative paths against the config file's folder.
type Config struct {
	Shop struct {
		Name string `toml:"name"` // empty: the "app.name" text
		Dir  string `toml:"dir"`  // the shop directory; empty: the embedded demo shop
		Lang string `toml:"lang"` // the default language
		// Timezone names the shop's time zone ("Europe/Moscow"): order
		// times are shown in it. Empty: the server's local zone.
		Timezone string `toml:"timezone"`
	} `toml:"shop"`
	Data struct {
		Dir string `toml:"dir"`
		// MinFree is the free disk space to keep: below it the shop
		// refuses writes (new chats, messages, orders) until space returns.
		MinFree ByteSize `toml:"min_free"`
	} `toml:"data"`
	Backup struct {
		Dir   string   `toml:"dir"`   // empty: no periodic backups
		Every Duration `toml:"every"` // time between backups
		Keep  int      `toml:"keep"`  // how many to keep
	} `toml:"backup"`
	HTTP struct {
		Addr      string `toml:"addr"`
		PublicURL string `toml:"public_url"`
		// ReadTimeout bounds reading a request's headers, and its body.
		ReadTimeout Duration `toml:"read_timeout"`
		// IdleTimeout closes a kept-alive connection that sends nothing.
		IdleTimeout Duration `toml:"idle_timeout"`
		MaxBody     ByteSize `toml:"max_body"`           // the largest request body
		MaxConns    int      `toml:"max_conns_per_addr"` // per client address; 0: no cap
	} `toml:"http"`
	Web struct {
		// HistoryBytes bounds the replies the web chat keeps in memory for
		// all chats together.
		HistoryBytes ByteSize `toml:"history_bytes"`
		// EmbedOrigins are the sites ("https://shop.example") whose pages
		// may show the chat widget; empty: any site.
		EmbedOrigins []string `toml:"embed_origins"`
	} `toml:"web"`
	// Loyalty is the loyalty programme: EarnPercent of what a delivered
	// order paid for its items is credited as points (a point pays one
	// unit of the currency); up to MaxSharePercent of an order's items may
	// be paid with points. 0 turns either off.
	Loyalty struct {
		EarnPercent     int `toml:"earn_percent"`
		MaxSharePercent int `toml:"max_share_percent"`
	} `toml:"loyalty"`
	Campaigns CampaignsConfig `toml:"campaigns"` // campaigns.go
	Engine    struct {
		Workers    int      `toml:"workers"`
		QueueSize  int      `toml:"queue_size"` // per customer
		SessionTTL Duration `toml:"session_ttl"`
	} `toml:"engine"`
	Telegram struct {
		Token             string  `toml:"token"` // empty: Telegram is off
		APIURL            string  `toml:"api_url"`
		Mode              string  `toml:"mode"` // polling or webhook
		WebhookURL        string  `toml:"webhook_url"`
		WebhookSecret     string  `toml:"webhook_secret"`
		PerChatRate       float64 `toml:"per_chat_rate"`        // messages per second to one chat
		PerChatBurst      int     `toml:"per_chat_burst"`       // messages one chat may get at once
		PerGroupPerMinute int     `toml:"per_group_per_minute"` // messages per minute to one group
		GlobalRate        float64 `toml:"global_rate"`          // messages per second in all
	} `toml:"telegram"`
	WhatsApp struct {
		Enabled bool     `toml:"enabled"`
		Polls   bool     `toml:"polls"` // offer short menus as polls
		DB      string   `toml:"db"`    // the device store; empty: whatsapp.db in the data directory
		MinGap  Duration `toml:"min_gap"`
	} `toml:"whatsapp"`
	Orders struct {
		UnpaidTTL Duration `toml:"unpaid_ttl"` // unpaid orders are cancelled after this
	} `toml:"orders"`
	// Admin lists the shop's staff by chat address ("telegram:123",
	// "whatsapp:79161234567", "web:ID", "console:NAME"); everyone else is a
	// shopper, and staff are shoppers too.
	Admin struct {
		Admins    []string `toml:"admins"`    // owners: everything
		Managers  []string `toml:"managers"`  // orders, stock, prices, stats, broadcast
		Operators []string `toml:"operators"` // support conversations only
	} `toml:"admin"`
	Payments PaymentsConfig `toml:"payments"` // see payments.go
	Support  SupportConfig  `toml:"support"`  // see desk.go
	Debug    DebugConfig    `toml:"debug"`    // see pprof.go
	Log      struct {
		Level  string `toml:"level"`  // debug, info, warn or error
		Format string `toml:"format"` // text or json
	} `toml:"log"`
}

// Duration is a time.Duration read from TOML text such as "30s", "1h30m" or,
// in whole days, "30d".
type Duration struct{ time.Duration }

// UnmarshalText parses a duration.
func (d *Duration) UnmarshalText(text []byte) error {
	s := string(text)
	if days, ok := strings.CutSuffix(s, "d"); ok {
		if n, err := strconv.Atoi(days); err == nil && n >= 0 && n <= 100_000 {
			d.Duration = time.Duration(n) * 24 * time.Hour
			return nil
		}
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("invalid duration %q (write 3s, 15m, 2h30m or 30d)", s)
	}
	d.Duration = v
	return nil
}

// ByteSize is a size read from TOML text such as "32MB", "512KB" or "1GB"
// (units of 1024), or a number of bytes ("4096").
type ByteSize int64

// UnmarshalText parses a size.
func (b *ByteSize) UnmarshalText(text []byte) error {
	s := strings.ToUpper(strings.TrimSpace(string(text)))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}, {"B", 1}} {
		if n, ok := strings.CutSuffix(s, u.suffix); ok {
			s, mult = strings.TrimSpace(n), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > (1<<50)/mult {
		return fmt.Errorf("invalid size %q (write 512KB, 32MB or 1GB)", text)
	}
	*b = ByteSize(n * mult)
	return nil
}

// defaultConfig returns the configuration used for keys the file leaves out.
func defaultConfig() Config {
	var c Config
	c.Shop.Lang = "en"
	c.Data.Dir = "data"
	c.Data.MinFree = 64 << 20
	c.Backup.Dir = "backups"
	c.Backup.Every.Duration = 6 * time.Hour
	c.Backup.Keep = 8
	c.HTTP.Addr = "127.0.0.1:8080"
	c.HTTP.ReadTimeout.Duration = 10 * time.Second
	c.HTTP.IdleTimeout.Duration = 2 * time.Minute
	c.HTTP.MaxBody = 1 << 20
	c.HTTP.MaxConns = 64
	c.Web.HistoryBytes = 32 << 20
	c.Loyalty.EarnPercent = 5
	c.Loyalty.MaxSharePercent = 30
	c.Engine.Workers = 8
	c.Engine.QueueSize = 64
	c.Engine.SessionTTL.Duration = 720 * time.Hour
	c.Telegram.APIURL = "https://api.telegram.org"
	c.Telegram.Mode = "polling"
	c.Telegram.PerChatRate = 1
	c.Telegram.PerChatBurst = 3
	c.Telegram.PerGroupPerMinute = 20
	c.Telegram.GlobalRate = 30
	c.WhatsApp.MinGap.Duration = 3 * time.Second
	c.Support.IdleAfter.Duration = 2 * time.Hour
	c.Support.ReturnDays = 14
	c.WhatsApp.Polls = true
	c.Orders.UnpaidTTL.Duration = 24 * time.Hour
	c.Campaigns.Tick.Duration = time.Minute
	c.Log.Level = "info"
	c.Log.Format = "text"
	c.Payments = defaultPayments()
	return c
}

// LoadConfig reads the config file at path. Keys it leaves out keep their
// defaults; shop.dir, data.dir and whatsapp.db are relative to the file's
// folder. An unknown key, a syntax error or an invalid value is an error
// naming the file, and the line where there is one; all unknown keys and
// invalid values are reported together.
func LoadConfig(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("read config: %w", err)
	}
	cfg := defaultConfig()
	md, err := toml.Decode(string(data), &cfg)
	if err != nil {
		return Config{}, decodeError(path, err)
	}
	var errs []error
	var reported []toml.Key
	for _, key := range md.Undecoded() {
		if hasPrefix(key, reported) {
			continue // inside an unknown table already reported
		}
		reported = append(reported, key)
		errs = append(errs, fmt.Errorf("%s: unknown key %q%s", position(path, keyLine(string(data), key)), key.String(), keyHint(key)))
	}
	if len(errs) > 0 {
		return Config{}, errors.Join(errs...)
	}
	cfg.resolve(filepath.Dir(path))
	for _, msg := range cfg.validate() {
		errs = append(errs, errors.New(path+": "+msg))
	}
	errs = append(errs, cfg.checkPayments(path, string(data))...)
	if len(errs) > 0 {
		return Config{}, errors.Join(errs...)
	}
	return cfg, nil
}

// resolve makes the relative paths relative to dir and fills in the
// WhatsApp store's default path.
func (c *Config) resolve(dir string) {
	for _, p := range []*string{&c.Shop.Dir, &c.Data.Dir, &c.WhatsApp.DB, &c.Backup.Dir} {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(dir, *p)
		}
	}
	if c.WhatsApp.DB == "" {
		c.WhatsApp.DB = filepath.Join(c.Data.Dir, "whatsapp.db")
	}
}

var (
	langCode      = regexp.MustCompile(`^[a-z]{2,3}$`)
	webhookSecret = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)
	botToken      = regexp.MustCompile(`^[0-9]+:[A-Za-z0-9_-]{35}$`)
)
