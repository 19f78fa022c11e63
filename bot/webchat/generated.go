package webchat

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"sync"
)

// Generated pictures (bot.Reply.PhotoPNG: a QR code to pay with) are kept
// in memory and served at /media/generated/<sha256>.png, so the page shows
// them like any photo. The newest maxGeneratedBytes are kept; an older
// one's URL answers 404 (its chat has long moved on).

const maxGeneratedBytes = 16 << 20

type generatedImages struct {
	mu    sync.Mutex
	byKey map[string][]byte
	order []string // oldest first
	bytes int
}

// add keeps png and returns its URL path.
func (g *generatedImages) add(png []byte) string {
	sum := sha256.Sum256(png)
	name := hex.EncodeToString(sum[:16]) + ".png"
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.byKey == nil {
		g.byKey = map[string][]byte{}
	}
	if _, ok := g.byKey[name]; !ok {
		g.byKey[name] = append([]byte(nil), png...)
		g.order = append(g.order, name)
		g.bytes += len(png)
		for g.bytes > maxGeneratedBytes && len(g.order) > 1 {
			old := g.order[0]
			g.order = g.order[1:]
			g.bytes -= len(g.byKey[old])
			delete(g.byKey, old)
		}
	}
	return "/media/generated/" + name
}

func (g *generatedImages) serve(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	g.mu.Lock()
	data, ok := g.byKey[name]
	g.mu.Unlock()
	if !ok || !strings.HasSuffix(name, ".png") {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "image/png")
	h.Set("Cache-Control", "private, max-age=86400, immutable")
	h.Set("X-Content-Type-Options", "nosniff")
	w.Write(data)
}
