package main

import (
	"strings"
	"testing"
	"time"
)

// TestShopTimezone: [shop] timezone names the zone order times are shown
// in; a name that is not a zone is an error at its line; empty is the
// server's local zone.
func TestShopTimezone(t *testing.T) {
	cfg, err := LoadConfig(writeConfig(t, "[shop]\ntimezone = \"Europe/Moscow\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	sh, err := loadShop(cfg)
	if err != nil {
		t.Fatal(err)
	}
	when := time.Date(2026, 11, 29, 11, 5, 0, 0, time.UTC)
	if got := when.In(sh.Zone).Format("2 Jan 2006 15:04 MST"); got != "29 Nov 2026 14:05 MSK" {
		t.Errorf("order time = %q, want 29 Nov 2026 14:05 MSK", got)
	}

	_, err = LoadConfig(writeConfig(t, "[shop]\ntimezone = \"Mars/Olympus\"\n"))
	if err == nil || !strings.Contains(err.Error(), `shop.timezone "Mars/Olympus" is not a time zone name`) {
		t.Errorf("bad zone: err = %v", err)
	}

	cfg, err = LoadConfig(writeConfig(t, "[shop]\nname = \"x\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if z, _ := cfg.zone(); z != time.Local {
		t.Errorf("default zone = %v, want the server's local zone", z)
	}
}
