package main

import (
	"testing"
	"time"

	"github.com/robfig/cron/v3"
)

// TestCampaignTick: the campaigns run every [campaigns] tick, one minute
// unless the config shortens it.
func TestCampaignTick(t *testing.T) {
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		tick time.Duration
		want time.Duration
	}{{0, time.Minute}, {10 * time.Second, 10 * time.Second}} {
		c := CampaignsConfig{Tick: Duration{tt.tick}}
		s, err := cron.ParseStandard("@every " + c.tick().String())
		if err != nil {
			t.Fatal(err)
		}
		if got := s.Next(at); !got.Equal(at.Add(tt.want)) {
			t.Errorf("tick %v: next %v, want %v", tt.tick, got, at.Add(tt.want))
		}
	}
}
