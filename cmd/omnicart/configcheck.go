package main

import (
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // Shop.Timezone works without the system's zone files

	"omnicart/bot"
	"omnicart/flows"
)

// What a config must be: every problem named with its key.

// tokenProblem explains what is wrong with a Telegram bot token without
// repeating it (a token is a password), or returns "".
func tokenProblem(token string) string {
	if botToken.MatchString(token) {
		return ""
	}
	const shape = "a token from @BotFather is digits, a colon and 35 letters, digits, _ or -"
	id, secret, ok := strings.Cut(token, ":")
	switch {
	case strings.TrimSpace(token) != token:
		return "starts or ends with a space or a line break; " + shape
	case strings.ContainsAny(token, " \t\r\n"):
		return "contains a space or a line break; " + shape
	case !ok:
		return "has no colon; " + shape
	case id == "" || strings.Trim(id, "0123456789") != "":
		return "does not start with the bot's number; " + shape
	case len(secret) != 35:
		return fmt.Sprintf("has %d characters after the colon, not 35; %s", len(secret), shape)
	}
	return "has a character other than letters, digits, _ or - after the colon; " + shape
}

// zone is the shop's time zone: Shop.Timezone, or the server's local zone.
// The zone database is built into the binary (time/tzdata), so a container
// without one knows the zones too.
func (c *Config) zone() (*time.Location, error) {
	if c.Shop.Timezone == "" {
		return time.Local, nil
	}
	return time.LoadLocation(c.Shop.Timezone)
}

// validate returns a message for each invalid value.
func (c *Config) validate() []string {
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	if !langCode.MatchString(c.Shop.Lang) {
		bad("shop.lang %q is not a language code like \"en\"", c.Shop.Lang)
	}
	if _, err := c.zone(); err != nil {
		bad("shop.timezone %q is not a time zone name like \"Europe/Moscow\"", c.Shop.Timezone)
	}
	if c.Data.Dir == "" {
		bad("data.dir is empty")
	}
	if c.Data.MinFree < 16<<20 {
		bad("data.min_free is %d bytes: keep at least 16MB free (64MB is the default)", c.Data.MinFree)
	}
	if c.Backup.Dir != "" && c.Backup.Every.Duration < time.Minute {
		bad("backup.every is %s: back up at most once a minute", c.Backup.Every.Duration)
	}
	if c.Backup.Keep < 1 {
		bad("backup.keep is %d: keep at least 1 backup", c.Backup.Keep)
	}
	if _, _, err := net.SplitHostPort(c.HTTP.Addr); err != nil {
		bad("http.addr %q is not host:port, like \"127.0.0.1:8080\"", c.HTTP.Addr)
	}
	if c.HTTP.PublicURL != "" && !isURL(c.HTTP.PublicURL) {
		bad("http.public_url %q is not an http(s) URL", c.HTTP.PublicURL)
	}
	if c.HTTP.ReadTimeout.Duration <= 0 {
		bad("http.read_timeout must be positive")
	}
	if c.HTTP.IdleTimeout.Duration <= 0 {
		bad("http.idle_timeout must be positive")
	}
	if c.HTTP.MaxBody < 64<<10 {
		bad("http.max_body must be at least 64KB (a web chat message takes up to 64KB)")
	}
	if c.HTTP.MaxConns < 0 {
		bad("http.max_conns_per_addr must not be negative (0: no cap)")
	}
	if c.Web.HistoryBytes < 64<<10 {
		bad("web.history_bytes must be at least 64KB")
	}
	for _, o := range c.Web.EmbedOrigins {
		if u, err := url.Parse(o); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Path != "" && u.Path != "/" || strings.ContainsAny(o, " ;'\"") {
			bad("web.embed_origins: %q is not a site's origin like \"https://shop.example\"", o)
		}
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
	if p := c.Loyalty.EarnPercent; p < 0 || p > 100 {
		bad("loyalty.earn_percent is %d: give a percent from 0 to 100", p)
	}
	if p := c.Loyalty.MaxSharePercent; p < 0 || p > 100 {
		bad("loyalty.max_share_percent is %d: give a percent from 0 to 100", p)
	}
	t := c.Telegram
	if msg := tokenProblem(t.Token); t.Token != "" && msg != "" {
		bad("telegram.token %s", msg)
	}
	if !isURL(t.APIURL) {
		bad("telegram.api_url %q is not an http(s) URL", t.APIURL)
	}
	switch t.Mode {
	case "polling":
	case "webhook":
		if t.WebhookURL == "" {
			bad("telegram.webhook_url is needed in webhook mode")
		} else if !isURL(t.WebhookURL) || !strings.HasPrefix(t.WebhookURL, "https://") {
			bad("telegram.webhook_url %q is not an https:// URL (Telegram posts updates only over HTTPS)", t.WebhookURL)
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
	if t.GlobalRate < 1 || t.GlobalRate != math.Trunc(t.GlobalRate) {
		bad("telegram.global_rate is %v: give whole messages per second, at least 1", t.GlobalRate)
	}
	if c.Orders.UnpaidTTL.Duration < 10*time.Minute {
		bad("orders.unpaid_ttl must be at least 10m")
	}
	if c.WhatsApp.MinGap.Duration <= 0 {
		bad("whatsapp.min_gap must be positive (WhatsApp bans fast senders; 3s is the default)")
	}
	if _, err := flows.ParseHours(c.Support.Hours, c.Support.Days); err != nil {
		bad("support: %v", err)
	}
	if c.Support.IdleAfter.Duration <= 0 {
		bad("support.idle_after must be positive")
	}
	if c.Support.ReturnDays < 1 {
		bad("support.return_days is %d: returns are offered at least 1 day after delivery", c.Support.ReturnDays)
	}
	seen := map[string]string{}
	for _, list := range []struct {
		key   string
		addrs []string
	}{{"admin.admins", c.Admin.Admins}, {"admin.managers", c.Admin.Managers}, {"admin.operators", c.Admin.Operators}} {
		for _, a := range list.addrs {
			addr, ok := bot.ParseAddress(a)
			switch {
			case !ok:
			case addr.Channel == bot.Telegram && !isUserID(addr.Chat):
				bad("%s: %q: a Telegram address is the user's numeric id (the bot @userinfobot tells yours), not a @name", list.key, a)
				continue
			case addr.Channel == bot.WhatsApp && !strings.HasPrefix(addr.Chat, "lid:") && !strings.ContainsAny(addr.Chat, "0123456789"):
				bad("%s: %q: a WhatsApp address is a phone number, like \"whatsapp:79161234567\"", list.key, a)
				continue
			case addr.Channel == bot.Telegram, addr.Channel == bot.WhatsApp, addr.Channel == bot.Web, addr.Channel == bot.Console:
				if prev, dup := seen[addr.String()]; dup {
					bad("%s: %q is already in %s (give each chat one role)", list.key, a, prev)
				}
				seen[addr.String()] = list.key
				continue
			}
			bad("%s: %q is not a chat address like \"telegram:123\"", list.key, a)
		}
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

// isUserID reports whether s is a Telegram user id: a positive number.
func isUserID(s string) bool {
	n, err := strconv.ParseUint(s, 10, 64)
	return err == nil && n > 0
}
