package main

import (
	"context"
	"log/slog"
	"runtime/debug"
	"time"
)

// trimEvery is how often trim looks whether the shop went quiet.
const trimEvery = 2 * time.Second

// trim hands memory back when the shop goes quiet: once no message came
// for trimEvery after a busy spell, it collects the heap and returns its
// free pages to the system (debug.FreeOSMemory), and unmaps the pages of
// files the kernel can read back (dropFilePages: the binary's code, Badger's
// tables), so a shop between rushes holds what it uses, not what its peak
// needed (issue 13: the RSS after 10,000 chats). One trim per quiet
// spell; nothing while idle.
func (m *Main) trim(ctx context.Context) error {
	tick := time.NewTicker(trimEvery)
	defer tick.Stop()
	last, trimmed := m.Engine.Stats().Messages.Load(), true
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		if n := m.Engine.Stats().Messages.Load(); n != last {
			last, trimmed = n, false
			continue
		}
		if !trimmed {
			debug.FreeOSMemory()
			if _, err := dropFilePages(); err != nil {
				m.Log.Debug("trim file pages", slog.Any("err", err))
			}
			trimmed = true
		}
	}
}
