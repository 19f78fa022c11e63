package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"omnicart/bot"
	"omnicart/spell"
)

// Config is the TOML configuration of omnicart; config.example.toml
// documents every key. LoadConfig fills in the defaults and resolves
// relative paths against the config file's folder.
type Config struct {
	Shop struct {
		Name string `toml:"name"` // empty: the "app.name" text
		Dir  string `toml:"dir"`  // the shop directory; empty: the embedded demo shop
		Lang string `toml:"lang"` // the default language
	} `toml:"shop"`
	Data struct {
		Dir string `toml:"dir"`
	} `toml:"data"`
	HTTP struct {
		Addr      string `toml:"addr"`
		PublicURL string `toml:"public_url"`
	} `toml:"http"`
	Engine struct {
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
	Admin struct {
		Admins []string `toml:"admins"` // channel addresses like "telegram:123"
	} `toml:"admin"`
	Log struct {
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

// defaultConfig returns the configuration used for keys the file leaves out.
func defaultConfig() Config {
	var c Config
	c.Shop.Lang = "en"
	c.Data.Dir = "data"
	c.HTTP.Addr = "127.0.0.1:8080"
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
	c.WhatsApp.Polls = true
	c.Orders.UnpaidTTL.Duration = 24 * time.Hour
	c.Log.Level = "info"
	c.Log.Format = "text"
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
	if len(errs) > 0 {
		return Config{}, errors.Join(errs...)
	}
	return cfg, nil
}

// tomlLine matches the errors toml returns as plain text.
var tomlLine = regexp.MustCompile(`^toml: line (\d+)(?: \(last key "([^"]*)"\))?: (.*)$`)

// decodeError turns a toml error into "file:line: message".
func decodeError(path string, err error) error {
	var line int
	var key, msg string
	var pe toml.ParseError
	if errors.As(err, &pe) {
		line, key, msg = pe.Position.Line, pe.LastKey, pe.Message
	} else if m := tomlLine.FindStringSubmatch(err.Error()); m != nil {
		line, _ = strconv.Atoi(m[1])
		key, msg = m[2], m[3]
	} else {
		return fmt.Errorf("%s: %w", path, err)
	}
	if key != "" && !strings.Contains(msg, key) {
		msg = key + ": " + msg
	}
	return fmt.Errorf("%s: %s", position(path, line), msg)
}

// keyHint returns a "did you mean" hint for the first part of the unknown
// key that its table does not have, against the keys that table has.
func keyHint(key toml.Key) string {
	t := reflect.TypeFor[Config]()
	for _, part := range key {
		if t.Kind() != reflect.Struct {
			return ""
		}
		var known []string
		var next reflect.Type
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
			if name == "" {
				continue
			}
			known = append(known, name)
			if name == part {
				next = f.Type
			}
		}
		if next == nil {
			return spell.Hint(part, known)
		}
		t = next
	}
	return ""
}

func position(path string, line int) string {
	if line > 0 {
		return path + ":" + strconv.Itoa(line)
	}
	return path
}

func hasPrefix(key toml.Key, prefixes []toml.Key) bool {
	for _, p := range prefixes {
		if len(p) < len(key) && equalKeys(key[:len(p)], p) {
			return true
		}
	}
	return false
}

func equalKeys(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// keyLine returns the line of src where key is set or its table begins,
// else the line of the longest enclosing key found (an inline table), else 0.
// It reads [table] headers and "key = value" lines; a key inside a
// multi-line string may be mistaken for a real one.
func keyLine(src string, key toml.Key) int {
	var table []string
	best, bestLen := 0, 0
	for i, line := range strings.Split(src, "\n") {
		line = strings.TrimSpace(line)
		var path []string
		switch {
		case strings.HasPrefix(line, "["):
			name := strings.Trim(line, "[")
			if end := strings.IndexByte(name, ']'); end >= 0 {
				name = name[:end]
			}
			table = splitTOMLKey(name)
			path = table
		case strings.Contains(line, "=") && !strings.HasPrefix(line, "#"):
			left, _, _ := strings.Cut(line, "=")
			path = append(append([]string(nil), table...), splitTOMLKey(left)...)
		default:
			continue
		}
		if equalKeys(path, key) {
			return i + 1
		}
		if len(path) > bestLen && len(path) < len(key) && equalKeys(path, key[:len(path)]) {
			best, bestLen = i+1, len(path)
		}
	}
	return best
}

// splitTOMLKey splits a dotted key such as `a."b.c" . d` into its parts.
func splitTOMLKey(s string) []string {
	var parts []string
	var cur strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"', '\'':
			end := strings.IndexByte(s[i+1:], c)
			if end < 0 {
				end = len(s) - i - 1
			}
			cur.WriteString(s[i+1 : i+1+end])
			i += end + 1
		case '.':
			parts = append(parts, strings.TrimSpace(cur.String()))
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	return append(parts, strings.TrimSpace(cur.String()))
}

// resolve makes the relative paths relative to dir and fills in the
// WhatsApp store's default path.
func (c *Config) resolve(dir string) {
	for _, p := range []*string{&c.Shop.Dir, &c.Data.Dir, &c.WhatsApp.DB} {
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
)

// validate returns a message for each invalid value.
func (c *Config) validate() []string {
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	if !langCode.MatchString(c.Shop.Lang) {
		bad("shop.lang %q is not a language code like \"en\"", c.Shop.Lang)
	}
	if c.Data.Dir == "" {
		bad("data.dir is empty")
	}
	if _, _, err := net.SplitHostPort(c.HTTP.Addr); err != nil {
		bad("http.addr %q is not host:port, like \"127.0.0.1:8080\"", c.HTTP.Addr)
	}
	if c.HTTP.PublicURL != "" && !isURL(c.HTTP.PublicURL) {
		bad("http.public_url %q is not an http(s) URL", c.HTTP.PublicURL)
	}
	if c.Engine.Workers < 1 {
		bad("engine.workers must be at least 1")
	}
	if c.Engine.QueueSize < 1 {
		bad("engine.queue_size must be at least 1")
	}
	if c.Engine.SessionTTL.Duration <= 0 {
		bad("engine.session_ttl must be positive")
	}
	t := c.Telegram
	if !isURL(t.APIURL) {
		bad("telegram.api_url %q is not an http(s) URL", t.APIURL)
	}
	switch t.Mode {
	case "polling":
	case "webhook":
		if t.WebhookURL == "" {
			bad("telegram.webhook_url is needed in webhook mode")
		} else if !isURL(t.WebhookURL) {
			bad("telegram.webhook_url %q is not an http(s) URL", t.WebhookURL)
		} else if msg := webhookPath(t.WebhookURL); msg != "" {
			bad("telegram.webhook_url %q: %s", t.WebhookURL, msg)
		}
		if t.WebhookSecret == "" {
			bad("telegram.webhook_secret is needed in webhook mode")
		} else if !webhookSecret.MatchString(t.WebhookSecret) {
			bad("telegram.webhook_secret must be 1-256 letters, digits, _ or -")
		}
	default:
		bad("telegram.mode %q must be \"polling\" or \"webhook\"", t.Mode)
	}
	if t.PerChatBurst < 1 {
		bad("telegram.per_chat_burst must be at least 1")
	}
	if t.PerChatRate <= 0 {
		bad("telegram.per_chat_rate must be positive")
	}
	if t.PerGroupPerMinute < 1 {
		bad("telegram.per_group_per_minute must be at least 1")
	}
	if t.GlobalRate <= 0 {
		bad("telegram.global_rate must be positive")
	}
	if c.Orders.UnpaidTTL.Duration < 10*time.Minute {
		bad("orders.unpaid_ttl must be at least 10m")
	}
	if c.WhatsApp.MinGap.Duration < 0 {
		bad("whatsapp.min_gap must not be negative")
	}
	for _, a := range c.Admin.Admins {
		addr, ok := bot.ParseAddress(a)
		switch {
		case !ok:
		case addr.Channel == bot.Telegram, addr.Channel == bot.WhatsApp, addr.Channel == bot.Web, addr.Channel == bot.Console:
			continue
		}
		bad("admin.admins: %q is not a chat address like \"telegram:123\"", a)
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.Log.Level)); err != nil {
		bad("log.level %q must be debug, info, warn or error", c.Log.Level)
	}
	if c.Log.Format != "text" && c.Log.Format != "json" {
		bad("log.format %q must be \"text\" or \"json\"", c.Log.Format)
	}
	return errs
}

// isURL reports whether s is an absolute http or https URL.
func isURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// webhookPath explains what is wrong with the path of a webhook URL, which
// the binary's own HTTP server serves beside the web chat, or returns "".
func webhookPath(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return err.Error()
	}
	p := u.Path
	if p == "" || p == "/" {
		return `needs a path of its own, like "/telegram/webhook"`
	}
	if strings.ContainsAny(p, "{} \t") {
		return "the path may not contain braces or spaces"
	}
	for _, taken := range []string{"/api", "/static", "/media", "/metrics", "/healthz"} {
		if p == taken || strings.HasPrefix(p, taken+"/") {
			return "the path " + taken + " is the web chat's or the server's own"
		}
	}
	return ""
}
