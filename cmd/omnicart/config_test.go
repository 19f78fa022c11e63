package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
)

// writeConfig writes body as config.toml in a new folder and returns its path.
func writeConfig(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadExampleConfig(t *testing.T) {
	const path = "../../config.example.toml"
	cfg, err := LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join("..", "..", "demo"); cfg.Shop.Dir != want {
		t.Errorf("shop.dir = %q, want %q", cfg.Shop.Dir, want)
	}
	if st, err := os.Stat(filepath.Join(cfg.Shop.Dir, "catalog.yaml")); err != nil || st.IsDir() {
		t.Errorf("the example's shop.dir has no catalog.yaml: %v", err)
	}
	if cfg.Telegram.Token != "" {
		t.Error("the example config must leave telegram.token empty")
	}
	// Every value written in the example is the default (shop.dir aside).
	want := defaultConfig()
	want.Shop.Dir = "demo"
	// Lists written as [] in the example are empty, not nil.
	want.Admin.Admins, want.Admin.Managers, want.Admin.Operators = []string{}, []string{}, []string{}
	want.Web.EmbedOrigins = []string{}
	if want.Support.Days == nil {
		want.Support.Days = []string{}
	}
	want.resolve(filepath.Dir(path))
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("example config:\n%+v\nwant the defaults:\n%+v", cfg, want)
	}
	// Every key is written out, so every key is documented.
	var c Config
	md, err := toml.DecodeFile(path, &c)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range configKeys(reflect.TypeOf(c), nil) {
		if !md.IsDefined(key...) {
			t.Errorf("config.example.toml lacks %s", strings.Join(key, "."))
		}
	}
}

// configKeys returns the TOML keys of every value in a config struct.
func configKeys(typ reflect.Type, prefix []string) [][]string {
	var keys [][]string
	for i := range typ.NumField() {
		f := typ.Field(i)
		key := append(append([]string(nil), prefix...), f.Tag.Get("toml"))
		if f.Type.Kind() == reflect.Struct && f.Type != reflect.TypeOf(Duration{}) {
			keys = append(keys, configKeys(f.Type, key)...)
		} else {
			keys = append(keys, key)
		}
	}
	return keys
}

func TestLoadConfigDefaults(t *testing.T) {
	path := writeConfig(t, "# nothing\n")
	cfg, err := LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(path)
	want := defaultConfig()
	want.Data.Dir = filepath.Join(dir, "data")
	want.WhatsApp.DB = filepath.Join(dir, "data", "whatsapp.db")
	want.Backup.Dir = filepath.Join(dir, "backups")
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("LoadConfig = %+v\nwant %+v", cfg, want)
	}
	if cfg.Shop.Dir != "" || cfg.Engine.Workers != 8 || cfg.Engine.QueueSize != 64 || cfg.Engine.SessionTTL.Duration != 720*time.Hour ||
		cfg.HTTP.Addr != "127.0.0.1:8080" || cfg.Telegram.Mode != "polling" || cfg.Telegram.APIURL != "https://api.telegram.org" ||
		cfg.Telegram.PerChatRate != 1 || cfg.Telegram.PerGroupPerMinute != 20 || cfg.Telegram.GlobalRate != 30 ||
		cfg.WhatsApp.MinGap.Duration != 3*time.Second || cfg.Shop.Lang != "en" || cfg.Log.Level != "info" || cfg.Log.Format != "text" {
		t.Errorf("defaults: %+v", cfg)
	}
}

func TestLoadConfigPaths(t *testing.T) {
	abs := filepath.Join(t.TempDir(), "shop")
	tests := []struct {
		name, body           string
		shop, data, whatsapp string // relative to the config's folder unless absolute
	}{
		{"relative", "[shop]\ndir = \"myshop\"\n[data]\ndir = \"var/data\"\n", "myshop", "var/data", "var/data/whatsapp.db"},
		{"dot dot", "[shop]\ndir = \"../shop\"\n[whatsapp]\ndb = \"wa/device.db\"\n", "../shop", "data", "wa/device.db"},
		{"absolute", "[shop]\ndir = " + tomlLiteral(abs) + "\n", abs, "data", "data/whatsapp.db"},
		{"embedded demo", "[shop]\nname = \"x\"\n", "", "data", "data/whatsapp.db"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeConfig(t, tt.body)
			dir := filepath.Dir(path)
			in := func(p string) string {
				if p == "" || filepath.IsAbs(p) {
					return p
				}
				return filepath.Join(dir, p)
			}
			cfg, err := LoadConfig(path)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Shop.Dir != in(tt.shop) || cfg.Data.Dir != in(tt.data) || cfg.WhatsApp.DB != in(tt.whatsapp) {
				t.Errorf("shop %q data %q whatsapp %q; want %q %q %q",
					cfg.Shop.Dir, cfg.Data.Dir, cfg.WhatsApp.DB, in(tt.shop), in(tt.data), in(tt.whatsapp))
			}
		})
	}
}

func tomlLiteral(s string) string { return "'" + s + "'" } // a TOML literal string

func TestDurationUnmarshalText(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"30s", 30 * time.Second, true},
		{"720h", 720 * time.Hour, true},
		{"1h30m", 90 * time.Minute, true},
		{"30d", 30 * 24 * time.Hour, true},
		{"0d", 0, true},
		{"0", 0, true},
		{"-1s", -time.Second, true},
		{"1.5d", 0, false},
		{"d", 0, false},
		{"30", 0, false},
		{"soon", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		var d Duration
		err := d.UnmarshalText([]byte(tt.in))
		if (err == nil) != tt.ok || tt.ok && d.Duration != tt.want {
			t.Errorf("UnmarshalText(%q) = %v, %v; want %v, ok %v", tt.in, d.Duration, err, tt.want, tt.ok)
		}
	}
	cfg, err := LoadConfig(writeConfig(t, "[engine]\nsession_ttl = \"7d\"\n[whatsapp]\nmin_gap = \"1m30s\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Engine.SessionTTL.Duration != 7*24*time.Hour || cfg.WhatsApp.MinGap.Duration != 90*time.Second {
		t.Errorf("session_ttl %v, min_gap %v", cfg.Engine.SessionTTL, cfg.WhatsApp.MinGap)
	}
}

// TestLoadConfigErrors checks the messages after the config file's path.
func TestLoadConfigErrors(t *testing.T) {
	tests := []struct {
		name, body string
		want       []string
	}{
		{"unknown key", "# c\n[shop]\nname = \"x\"\n\n[telegram]\ntoken = \"1\"\n  tokn = \"2\"\n", []string{
			`:7: unknown key "telegram.tokn" (did you mean "token"?)`,
		}},
		{"unknown keys everywhere", "verbose = true\n[http]\naddr = \"127.0.0.1:1\"\nengine.workerz = 3\n[telegramm]\ntoken = \"x\"\nmode = \"polling\"\n[log]\nlevel = \"info\"\nextra = { a = 1 }\n", []string{
			`:1: unknown key "verbose"`,
			`:4: unknown key "http.engine.workerz"`,
			`:5: unknown key "telegramm" (did you mean "telegram"?)`,
			`:10: unknown key "log.extra"`,
		}},
		{"hints from the key's own table", "[engine]\nworker = 2\n[shop]\nnmae = \"x\"\n[admin]\nadmin = []\n", []string{
			`:2: unknown key "engine.worker" (did you mean "workers"?)`,
			`:4: unknown key "shop.nmae" (did you mean "name"?)`,
			`:6: unknown key "admin.admin" (did you mean "admins"?)`,
		}},
		{"dotted and quoted", "[ whatsapp ]\n\"min-gap\" = \"1s\"\nwhatsapp.x = 1\n", []string{
			`:2: unknown key "whatsapp.min-gap" (did you mean "min_gap"?)`,
			`:3: unknown key "whatsapp.whatsapp.x"`,
		}},
		{"syntax", "[shop]\nname = \"x\"\ndir = \n", []string{`:3: shop.dir: expected value but found '\n' instead`}},
		{"unclosed table", "[shop\nname = 1\n", []string{`:2: expected '.' or ']' to end table name, but got '\n' instead`}},
		{"duplicate", "[engine]\nworkers = 1\nworkers = 2\n", []string{`:3: Key 'engine.workers' has already been defined.`}},
		{"type", "[engine]\n\nworkers = \"eight\"\n", []string{`:3: engine.workers: incompatible types: TOML value has type string; destination has type integer`}},
		{"duration", "[engine]\nsession_ttl = \"a month\"\n", []string{`:2: engine.session_ttl: invalid duration "a month" (write 3s, 15m, 2h30m or 30d)`}},
		{"bad mode", "[telegram]\nmode = \"push\"\n", []string{`: telegram.mode "push" must be "polling" or "webhook"`}},
		{"webhook without url and secret", "[telegram]\ntoken = \"" + goodToken + "\"\nmode = \"webhook\"\n", []string{
			`: telegram.webhook_url is needed in webhook mode`,
			`: telegram.webhook_secret is needed in webhook mode`,
		}},
		{"webhook bad values", "[telegram]\nmode = \"webhook\"\nwebhook_url = \"shop.example.com/tg\"\nwebhook_secret = \"has space\"\n", []string{
			`: telegram.webhook_url "shop.example.com/tg" is not an https:// URL (Telegram posts updates only over HTTPS)`,
			`: telegram.webhook_secret must be 1-256 letters, digits, _ or -`,
		}},
		{"plain http webhook", "[telegram]\nmode = \"webhook\"\nwebhook_url = \"http://shop.example.com/tg\"\nwebhook_secret = \"s\"\n", []string{
			`: telegram.webhook_url "http://shop.example.com/tg" is not an https:// URL (Telegram posts updates only over HTTPS)`,
		}},
		{"malformed token", "[telegram]\ntoken = \"123456:ABC def\\n\"\n", []string{
			`: telegram.token starts or ends with a space or a line break; a token from @BotFather is digits, a colon and 35 letters, digits, _ or -`,
		}},
		{"http and web", "[http]\nread_timeout = \"0s\"\nidle_timeout = \"-1s\"\nmax_body = \"1KB\"\nmax_conns_per_addr = -1\n[web]\nhistory_bytes = \"0\"\n", []string{
			`: http.read_timeout must be positive`,
			`: http.idle_timeout must be positive`,
			`: http.max_body must be at least 64KB (a web chat message takes up to 64KB)`,
			`: http.max_conns_per_addr must not be negative (0: no cap)`,
			`: web.history_bytes must be at least 64KB`,
		}},
		{"embed origins", "[web]\nembed_origins = [\"https://shop.example\", \"shop.example\", \"https://a.example/x; script-src *\"]\n", []string{
			`: web.embed_origins: "shop.example" is not a site's origin like "https://shop.example"`,
			`: web.embed_origins: "https://a.example/x; script-src *" is not a site's origin like "https://shop.example"`,
		}},
		{"size", "[web]\nhistory_bytes = \"lots\"\n", []string{`:2: web.history_bytes: invalid size "lots" (write 512KB, 32MB or 1GB)`}},
		{"numbers", "[engine]\nworkers = -1\nqueue_size = 0\nsession_ttl = \"0s\"\n[telegram]\nper_chat_rate = 0.0\nper_group_per_minute = 0\nglobal_rate = -1.0\n[whatsapp]\nmin_gap = \"-1s\"\n", []string{
			`: engine.workers must be at least 1`,
			`: engine.queue_size must be at least 1`,
			`: engine.session_ttl must be positive`,
			`: telegram.per_chat_rate must be positive`,
			`: telegram.per_group_per_minute must be at least 1`,
			`: telegram.global_rate is -1: give whole messages per second, at least 1`,
			`: whatsapp.min_gap must be positive (WhatsApp bans fast senders; 3s is the default)`,
		}},
		{"zeros taken for defaults before", "[telegram]\nglobal_rate = 0.5\n[whatsapp]\nmin_gap = \"0s\"\n[support]\nidle_after = \"0s\"\nreturn_days = 0\n", []string{
			`: telegram.global_rate is 0.5: give whole messages per second, at least 1`,
			`: whatsapp.min_gap must be positive (WhatsApp bans fast senders; 3s is the default)`,
			`: support.idle_after must be positive`,
			`: support.return_days is 0: returns are offered at least 1 day after delivery`,
		}},
		{"staff names", "[admin]\nadmins = [\"telegram:@anna\"]\nmanagers = [\"whatsapp:anna\"]\n", []string{
			`: admin.admins: "telegram:@anna": a Telegram address is the user's numeric id (the bot @userinfobot tells yours), not a @name`,
			`: admin.managers: "whatsapp:anna": a WhatsApp address is a phone number, like "whatsapp:79161234567"`,
		}},
		{"support hours", "[support]\nhours = \"9-18\"\n", []string{
			`: support: hours "9-18": want HH:MM-HH:MM, the end after the start`,
		}},
		{"support days", "[support]\ndays = [\"mon\", \"funday\"]\n", []string{
			`: support: day "funday": want mon, tue, wed, thu, fri, sat or sun`,
		}},
		{"strings", "[shop]\nlang = \"English\"\n[data]\ndir = \"\"\n[http]\naddr = \"8080\"\npublic_url = \"ftp://x\"\n[telegram]\napi_url = \"\"\n[admin]\nadmins = [\"telegram:1\", \"whatsapp:7916\", \"tg:1\", \"42\"]\n[log]\nlevel = \"loud\"\nformat = \"xml\"\n", []string{
			`: shop.lang "English" is not a language code like "en"`,
			`: data.dir is empty`,
			`: http.addr "8080" is not host:port, like "127.0.0.1:8080"`,
			`: http.public_url "ftp://x" is not an http(s) URL`,
			`: telegram.api_url "" is not an http(s) URL`,
			`: admin.admins: "tg:1" is not a chat address like "telegram:123"`,
			`: admin.admins: "42" is not a chat address like "telegram:123"`,
			`: log.level "loud" must be debug, info, warn or error`,
			`: log.format "xml" must be "text" or "json"`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeConfig(t, tt.body)
			_, err := LoadConfig(path)
			if err == nil {
				t.Fatal("no error")
			}
			want := make([]string, len(tt.want))
			for i, w := range tt.want {
				want[i] = path + w
			}
			if got := err.Error(); got != strings.Join(want, "\n") {
				t.Errorf("error:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
			}
		})
	}
}

func TestLoadConfigMissingFile(t *testing.T) {
	_, err := LoadConfig(filepath.Join(t.TempDir(), "nope.toml"))
	if err == nil || !strings.Contains(err.Error(), "nope.toml") {
		t.Errorf("LoadConfig = %v", err)
	}
}

func TestKeyLine(t *testing.T) {
	src := "a = 1\n[b]\nc = 2\n[[d.e]]\n'f.g' = 3\nh.i = {j = 1}\n[\"k.l\" . m] # c\nn = 1\n"
	tests := []struct {
		key  toml.Key
		want int
	}{
		{toml.Key{"a"}, 1}, {toml.Key{"b"}, 2}, {toml.Key{"b", "c"}, 3}, {toml.Key{"d", "e"}, 4},
		{toml.Key{"d", "e", "f.g"}, 5}, {toml.Key{"d", "e", "h", "i"}, 6}, {toml.Key{"d", "e", "h", "i", "j"}, 6},
		{toml.Key{"k.l", "m", "n"}, 8}, {toml.Key{"zz"}, 0},
	}
	for _, tt := range tests {
		if got := keyLine(src, tt.key); got != tt.want {
			t.Errorf("keyLine(%v) = %d, want %d", tt.key, got, tt.want)
		}
	}
}

func TestWebhookPath(t *testing.T) {
	for url, ok := range map[string]bool{
		"https://shop.example/telegram/webhook": true,
		"https://shop.example":                  false,
		"https://shop.example/":                 false,
		"https://shop.example/api/hook":         false,
		"https://shop.example/metrics":          false,
		"https://shop.example/{x}":              false,
	} {
		if got := webhookPath(url) == ""; got != ok {
			t.Errorf("%s: accepted %v, want %v (%s)", url, got, ok, webhookPath(url))
		}
	}
}

// goodToken has the shape of a real bot token.
const goodToken = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1"

func TestTokenProblem(t *testing.T) {
	for token, want := range map[string]string{
		goodToken:                         "",
		"7:" + strings.Repeat("_-aZ9", 7): "",
		"123456:ABC def\n":                "starts or ends with a space or a line break",
		"123456:ABC def":                  "contains a space or a line break",
		" " + goodToken:                   "starts or ends with a space",
		"123456789AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1":   "has no colon",
		"bot123:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1":     "does not start with the bot's number",
		":AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1":           "does not start with the bot's number",
		"123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw":   "has 34 characters after the colon, not 35",
		"123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1x": "has 36 characters after the colon",
		"123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsa/1":  "has a character other than",
		"123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw:":  "has a character other than",
	} {
		got := tokenProblem(token)
		if want == "" && got != "" || !strings.Contains(got, want) {
			t.Errorf("tokenProblem(%q) = %q, want %q", token, got, want)
		}
		if got != "" && len(token) > 6 && strings.Contains(got, strings.TrimSpace(token)[3:]) {
			t.Errorf("tokenProblem(%q) repeats the token: %q", token, got)
		}
	}
	cfg, err := LoadConfig(writeConfig(t, "[telegram]\ntoken = \""+goodToken+"\"\nmode = \"webhook\"\nwebhook_url = \"https://shop.example/tg/hook\"\nwebhook_secret = \"s\"\n"))
	if err != nil || cfg.Telegram.Token != goodToken {
		t.Errorf("a good token and an https webhook: %v", err)
	}
}

func TestByteSize(t *testing.T) {
	for in, want := range map[string]int64{
		"32MB": 32 << 20, "512KB": 512 << 10, "1GB": 1 << 30, "4096": 4096, "10B": 10, "64 kb": 64 << 10, "0": 0,
		"lots": -1, "1.5MB": -1, "-1MB": -1, "MB": -1, "": -1, "99999999GB": -1,
	} {
		var b ByteSize
		err := b.UnmarshalText([]byte(in))
		if want < 0 && err == nil || want >= 0 && (err != nil || int64(b) != want) {
			t.Errorf("UnmarshalText(%q) = %d, %v; want %d", in, b, err, want)
		}
	}
}
