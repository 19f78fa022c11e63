// Command omnicart runs the shop: `omnicart run` serves the bot (web chat,
// and Telegram/WhatsApp when configured), `omnicart chat` talks to the shop
// in the terminal, `omnicart check` validates the config and the shop files.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"syscall"
)

const usage = `usage: omnicart [command] [flags]

commands:
  run     serve the shop (default)
          --config FILE --data DIR --http ADDR
  chat    talk to the shop in the terminal; type n to press button [n]
          --config FILE --data DIR --user ID --lang en|ru
  check   validate the config and the shop directory
          --config FILE
  flows graph [FLOW]  draw the shop's flows (or one) as one Mermaid flowchart
          --config FILE --lang en|ru
  whatsapp login   pair the shop's WhatsApp account: scan the QR code drawn in
                   the terminal, or pass --phone NUMBER for a pairing code
  whatsapp logout  unpair it
          --config FILE --data DIR
  healthcheck  GET the running shop's /healthz: exit 0 when healthy, else 1
          --config FILE --data DIR --url URL (default: the address the
          shop on that data directory listens on)
  version      print the version, commit and build date (also --version)
  campaigns preview  who the campaigns would write to, and why not the others
          --config FILE --data DIR (stopped) --at "2026-12-01 10:00" --lang en|ru
` + dataUsage

func main() {
	os.Exit(cli(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// cli runs one subcommand and returns the exit code.
func cli(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cmd := "run"
	if len(args) > 0 && (args[0] == "--version" || args[0] == "-version") {
		args[0] = "version"
	}
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	waCmd, flow := "", ""
	if cmd == "flows" {
		if len(args) == 0 || args[0] != "graph" {
			fmt.Fprintf(stderr, "omnicart flows: say graph\n\n%s", usage)
			return 2
		}
		args = args[1:]
		if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
			flow, args = args[0], args[1:]
		}
	}
	if cmd == "whatsapp" {
		if len(args) == 0 || (args[0] != "login" && args[0] != "logout") {
			fmt.Fprintf(stderr, "omnicart whatsapp: say login or logout\n\n%s", usage)
			return 2
		}
		waCmd, args = args[0], args[1:]
	}
	if cmd == "campaigns" { // campaigns.go
		return campaignsCLI(args, stdout, stderr)
	}
	fs := flag.NewFlagSet("omnicart "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	configPath := fs.String("config", "", "config file (default config.toml if present, else config.example.toml)")
	var dataDir, httpAddr, user, lang, phone, healthURLFlag *string
	switch cmd {
	case "version":
		if len(args) > 0 {
			fmt.Fprintf(stderr, "omnicart version: takes no arguments\n")
			return 2
		}
		printVersion(stdout, currentBuild())
		return 0
	case "healthcheck":
		healthURLFlag = fs.String("url", "", "the URL to GET (default: http://ADDR/healthz of the running shop)")
		dataDir = fs.String("data", "", "the data directory of the running shop (default from the config, else ./data)")
	case "whatsapp":
		dataDir = fs.String("data", "", "data directory (default from the config, else ./data)")
		phone = fs.String("phone", "", "log in with a pairing code for this phone number instead of a QR code")
	case "run":
		dataDir = fs.String("data", "", "data directory (default from the config, else ./data)")
		httpAddr = fs.String("http", "", "HTTP listen address (default from the config, else 127.0.0.1:8080)")
	case "chat":
		dataDir = fs.String("data", "", "data directory (default from the config, else ./data)")
		user = fs.String("user", "owner", "chat as this user id")
		lang = fs.String("lang", "", "language: en or ru")
	case "backup", "restore":
		dataDir = fs.String("data", "", "data directory (default from the config, else ./data)")
	case "flows":
		lang = fs.String("lang", "", "button words in this language: en or ru (default the shop's)")
	case "check", "verify":
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "omnicart: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	positional, err := parseInterspersed(fs, args)
	if err != nil {
		return 2
	}
	if len(positional) > 0 && cmd != "backup" && cmd != "restore" && cmd != "verify" {
		// "omnicart check myshop" checked the config's shop, not myshop.
		fmt.Fprintf(stderr, "omnicart %s: unexpected %q: it takes no such argument; the config names the shop and the data (--config FILE, --data DIR)\n", cmd, positional[0])
		return 2
	}
	if cmd == "healthcheck" && *healthURLFlag != "" {
		return healthcheck(context.Background(), *healthURLFlag, stdout, stderr)
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
		if _, statErr := os.Stat(path); *configPath == "" && os.IsNotExist(statErr) {
			fmt.Fprintln(stderr, "No config.toml or config.example.toml in this folder: name one with --config FILE, or start omnicart in the folder that holds it.")
		}
		return 1
	}
	if dataDir != nil && *dataDir != "" {
		if cfg.WhatsApp.DB == filepath.Join(cfg.Data.Dir, "whatsapp.db") {
			cfg.WhatsApp.DB = filepath.Join(*dataDir, "whatsapp.db")
		}
		cfg.Data.Dir = *dataDir
	}
	if httpAddr != nil && *httpAddr != "" {
		cfg.HTTP.Addr = *httpAddr
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		// A soft target: Badger and the GC stay small under load (64 MB,
		// was 96: ~4% more CPU per message). When the shop goes quiet,
		// trim (trim.go) hands the rest back.
		debug.SetMemoryLimit(64 << 20)
	}
	switch cmd {
	case "healthcheck":
		u, err := healthURL(cfg)
		if err != nil {
			fmt.Fprintln(stderr, "omnicart healthcheck:", err)
			return 1
		}
		return healthcheck(context.Background(), u, stdout, stderr)
	case "check":
		return check(cfg, path, stdout, stderr)
	case "backup", "restore", "verify":
		return dataCommand(context.Background(), cmd, cfg, positional, stdout, stderr)
	case "flows":
		return graph(cfg, flow, *lang, stdout, stderr)
	case "whatsapp":
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		return report(whatsappAccount(ctx, cfg, waCmd, *phone, stdout, stderr), stderr)
	case "chat":
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		return report(chat(ctx, cfg, *user, *lang, stdin, stdout, stderr), stderr)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := newLogger(cfg, stderr)
	return report(run(ctx, cfg, log, stdout), stderr)
}

func report(err error, stderr io.Writer) int {
	if err == nil || errors.Is(err, context.Canceled) {
		return 0
	}
	fmt.Fprintln(stderr, "omnicart:", err)
	return 1
}

func newLogger(cfg Config, w io.Writer) *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.Log.Level)); err != nil {
		level = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: level}
	if cfg.Log.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// check validates the config and the shop and prints every problem.
func check(cfg Config, path string, stdout, stderr io.Writer) int {
	sh, err := loadShop(cfg)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	// Warnings do not fail the check: the shop runs, but shoppers of a
	// language see some texts in another.
	warnings := sh.Catalog.Untranslated(sh.Texts.Langs())
	for _, w := range warnings {
		fmt.Fprintln(stderr, "warning:", w.Error())
	}
	if len(warnings) > 0 {
		fmt.Fprintf(stderr, "warning: %d texts lack a translation; write them like name: {en: Coffee, ru: Кофе}, or as one plain text for every language\n", len(warnings))
	}
	fmt.Fprintf(stdout, "%s: ok: %d categories, %d products, %d pickup points, flows %v, languages %v\n",
		path, len(sh.Catalog.Categories), len(sh.Catalog.Products), len(sh.Catalog.Delivery.Pickup), sh.Flows.Flows(), sh.Texts.Langs())
	return 0
}

// graph prints the shop's flows (or one) as one Mermaid flowchart, the
// buttons labelled with their words in lang.
func graph(cfg Config, flow, lang string, stdout, stderr io.Writer) int {
	sh, err := loadShop(cfg)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if lang == "" {
		lang = sh.Lang
	}
	var names []string
	if flow != "" {
		names = []string{flow}
	}
	g, err := sh.Flows.Graph(sh.Texts.Printer(lang), names...)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	fmt.Fprint(stdout, g)
	return 0
}

// parseInterspersed parses the flags before and after the positional
// arguments, as the usage writes them ("backup FILE --data DIR": the flag
// package alone stops at FILE and would ignore --data), and returns the
// positional ones.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		positional, args = append(positional, args[0]), args[1:]
	}
}
