package main

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestImportDirection keeps the dependency direction of DESIGN.md §2.
func TestImportDirection(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go command not found")
	}
	deps := func(pkg string) []string {
		out, err := exec.Command("go", "list", "-deps", "omnicart/"+pkg).Output()
		if err != nil {
			t.Fatalf("go list %s: %v", pkg, err)
		}
		return strings.Fields(string(out))
	}
	// Beyond the standard library, each of these imports only what is listed.
	only := map[string][]string{
		"shop":      nil,
		"bot":       nil,
		"locales":   {"omnicart/ownerfile", "go.yaml.in/yaml/v3"},
		"ownerfile": {"go.yaml.in/yaml/v3"},
		"outbox":    {"omnicart/shop", "omnicart/bot"},
		"httpguard": nil,
	}
	for pkg, allowed := range only {
		if _, err := os.Stat(filepath.Join("..", "..", pkg)); errors.Is(err, fs.ErrNotExist) {
			continue // not written yet
		}
	next:
		for _, d := range deps(pkg) {
			first, _, _ := strings.Cut(d, "/") // std paths have no dot in their first element (crypto/internal/entropy/v1.0.0)
			std := !strings.Contains(first, ".") && first != "omnicart" || first == "vendor"
			if d == "omnicart/"+pkg || std {
				continue // itself, or the standard library
			}
			for _, a := range allowed {
				if d == a || strings.HasPrefix(d, a+"/") {
					continue next
				}
			}
			t.Errorf("%s imports %s; beyond the standard library it may import only %v", pkg, d, allowed)
		}
	}
	forbidden := map[string][]string{
		"catalog":  {"omnicart/store", "omnicart/flows", "omnicart/bot", "badger", "go-telegram", "whatsmeow"},
		"payments": {"omnicart/store", "omnicart/flows", "omnicart/bot", "badger"},
		"flows":    {"omnicart/store", "badger", "go-telegram", "whatsmeow", "robfig/cron", "BurntSushi"},
		"store":    {"omnicart/flows", "omnicart/bot", "omnicart/catalog", "go-telegram", "whatsmeow"},
	}
	// Each SDK is imported directly by exactly one package.
	owners := map[string]string{
		"github.com/go-telegram/bot":     "omnicart/bot/telegram",
		"github.com/dgraph-io/badger/v4": "omnicart/store",
		"go.mau.fi/whatsmeow":            "omnicart/bot/whatsapp",
		"github.com/looplab/fsm":         "omnicart/flows",
		"github.com/BurntSushi/toml":     "omnicart/cmd/omnicart",
		"github.com/robfig/cron/v3":      "omnicart/cmd/omnicart",
		"github.com/prometheus":          "omnicart/cmd/omnicart",
	}
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}}`, "omnicart/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		for _, imp := range f[1:] {
			for sdk, owner := range owners {
				if (imp == sdk || strings.HasPrefix(imp, sdk+"/")) && f[0] != owner {
					t.Errorf("%s imports %s; only %s may", f[0], imp, owner)
				}
			}
		}
	}
	for pkg, bad := range forbidden {
		for _, d := range deps(pkg) {
			for _, b := range bad {
				if strings.Contains(d, b) {
					t.Errorf("%s imports %s", pkg, d)
				}
			}
		}
	}
}
