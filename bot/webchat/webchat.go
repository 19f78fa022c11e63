// Package webchat is the web chat channel: an http.Handler that serves the
// chat page, the embeddable widget, its JSON API and product photos, and a
// bot.Sender that queues the shop's replies for the browser to fetch.
//
// The widget: a shop's site adds
//
//	<script src="https://shop.example/widget.js" data-start="site" async></script>
//
// and widget.js draws a chat bubble that opens an iframe of this server's
// own page (/?embed=1). The chat runs inside the iframe, on the shop's
// origin: the session cookie, the API and the photos are the shop's, the
// host site cannot read the conversation, and nothing is loaded from a third
// party. The page at / is the same page, full-window. Options.Embedders
// limits which sites may frame it.
//
// A browser is identified by a random chat id the server issued in a
// cookie signed with Options.Key (HMAC-SHA256), so an id the server never
// issued is not a chat: it gets a new one. Its address is
// bot.Address{Channel: bot.Web, Chat: <id>}. Replies are kept in memory (the
// last 100 per chat, for at most 10000 chats, and at most
// Options.HistoryBytes in all, the least recently active chats forgotten
// first) and numbered by a per-chat sequence: POST /api/send returns the
// replies to the message it sent, and GET /api/messages?after=<seq>
// long-polls for later ones (campaigns). With ?shopper=1 both calls also
// return the shopper's own messages (from "shopper"), so a reloaded page
// shows both sides. A reply that replaces the screen whose button was
// pressed (bot.Reply.Replace: the quantity picker, paging) updates that
// message: it keeps its id and gets a new seq, and no bubble is added for
// the press. Each answer names the chat's language (the customer's, once
// the shop replied in it); GET /api/texts?lang=ru gives the page's own
// labels in it.
//
// Every API request counts against its client address's rate limit; the
// first message of a chat the server does not hold (a new browser, a forged
// or unsigned cookie, a chat forgotten since) also counts against the
// address's limit on new chats, because the engine stores a customer for it.
package webchat

import (
	"bytes"
	"container/list"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"mime"
	"net"
	"net/http"
	"net/url"
	"os"
	"path"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"omnicart/bot"
)

//go:embed static
var staticFS embed.FS

const (
	cookieName   = "omnicart_chat"
	cookieMaxAge = 365 * 24 * 60 * 60
	// maxBody bounds a request body. It holds a MaxText of 4096 runes even
	// when every rune is JSON-escaped as a surrogate pair (12 bytes);
	// MaxText is the real limit.
	maxBody      = 64 << 10
	keepMessages = 100
	maxChats     = 10000
	pollWait     = 25 * time.Second
	ratePerSec   = 5.0
	rateBurst    = 10.0
	// DefaultHistoryBytes bounds the replies kept for all chats together.
	DefaultHistoryBytes = 32 << 20
)

// imageTypes are the extensions served under /media/.
var imageTypes = map[string]bool{".jpg": true, ".jpeg": true, ".png": true, ".gif": true, ".webp": true, ".avif": true}

// Options configures a Chat. Every field is optional.
type Options struct {
	// Images holds product photos: Reply.Photo is a path inside it
	// ("images/eth-250.jpg"), served at /media/<path>. Nil: no photos.
	Images fs.FS
	// Text returns a UI string from the locale files; keys: TextKeys.
	// Nil: the key itself.
	Text func(lang, key string) string
	// Lang maps an Accept-Language header to a language ("en", "ru").
	// Nil: the first two letters of the header.
	Lang   func(acceptLanguage string) string
	Logger *slog.Logger
	// Wait is how long POST /api/send waits for the message's Done
	// (default 10s).
	Wait time.Duration
	// MaxText is the longest text message in runes (default 4096).
	MaxText int
	// Key signs the session cookies (see LoadKey); at least 32 bytes.
	// Empty: a random key for this process, so chats do not survive a
	// restart.
	Key []byte
	// HistoryBytes bounds the memory the kept replies of all chats take
	// together, estimated from their texts, photos and buttons (default
	// DefaultHistoryBytes). Past it the least recently active chats are
	// forgotten, and a single chat bigger than it loses its oldest replies.
	HistoryBytes int64
	// Embedders are the origins ("https://shop.example") whose pages may
	// show the chat in the widget's iframe. Empty: any site may (the
	// widget's purpose); the chat page is framed by no one else either way
	// than the sites named.
	Embedders []string
	// Continue shows "Continue in Telegram / WhatsApp" in the header: the
	// shop has another channel to link this chat to. False: the web chat
	// is the shop's only channel and the button would lead nowhere.
	Continue bool
}

// TextKeys are the locale keys of the page's own labels.
var TextKeys = []string{
	"web.title", "web.placeholder", "web.phone_placeholder", "web.send", "web.error", "web.location",
	"web.continue", "web.open", "web.close", "web.failed", "web.you", "web.shop",
}

// Chat serves the web chat and delivers replies to it. Mount it at "/".
type Chat struct {
	h      bot.Handler
	opt    Options
	log    *slog.Logger
	mux    *http.ServeMux
	page   *template.Template
	static map[string]asset

	// Tests change these.
	now      func() time.Time
	poll     time.Duration
	maxChats int

	mu    sync.Mutex
	chats map[string]*list.Element // of *chatState, most recent first in lru
	lru   list.List
	bytes int64 // estimated size of every chatState, see cost

	closing   chan struct{} // closed by Close: long polls answer now
	closeOnce sync.Once

	newcomers ipLimiter // new chats per client address
	api       ipLimiter // API requests per client address

	generated generatedImages // pictures made for replies (QR codes), see generated.go
}

// asset is one embedded static file.
type asset struct {
	data []byte
	etag string
}

// chatState is what the server remembers of one browser's chat.
type chatState struct {
	id     string
	seq    int64
	bytes  int64         // estimated size of this state
	msgs   []message     // the last keepMessages, in the order shown
	notify chan struct{} // closed and replaced when msgs changes
	limit  bucket        // messages this chat may send
	lang   string        // the language of the shop's latest reply
	// press is the button press being handled: its bubble is added before
	// the replies, unless the first reply replaces the pressed screen.
	press *press
}

// press is a button pressed on the message with id target.
type press struct {
	bubble message
	target int64
}

// Who sent a message.
const fromShopper = "shopper"

// message is one message as the browser sees it. ID is its place in the
// chat; Seq changes when the message is updated in place.
type message struct {
	ID          int64          `json:"id"`
	Seq         int64          `json:"seq"`
	From        string         `json:"from,omitempty"` // "shopper", or "" for the shop
	Text        string         `json:"text"`
	Photo       string         `json:"photo,omitempty"`
	Choices     [][]bot.Choice `json:"choices,omitempty"`
	AskContact  bool           `json:"ask_contact,omitempty"`
	AskLocation bool           `json:"ask_location,omitempty"`
}

// batch is the answer of both API calls.
type batch struct {
	Messages []message `json:"messages"`
	Last     int64     `json:"last"`
	// Lang is the chat's language: the page shows its labels in it.
	Lang string `json:"lang,omitempty"`
}

// New returns a Chat that hands shoppers' messages to h.
func New(h bot.Handler, opt Options) *Chat {
	if opt.Wait <= 0 {
		opt.Wait = 10 * time.Second
	}
	if opt.MaxText <= 0 {
		opt.MaxText = 4096
	}
	if opt.Text == nil {
		opt.Text = func(_, key string) string { return key }
	}
	if opt.Lang == nil {
		opt.Lang = defaultLang
	}
	if len(opt.Key) < minKey {
		opt.Key = make([]byte, minKey)
		rand.Read(opt.Key) // never fails (crypto/rand since Go 1.24)
	}
	if opt.HistoryBytes <= 0 {
		opt.HistoryBytes = DefaultHistoryBytes
	}
	c := &Chat{
		h:         h,
		opt:       opt,
		log:       opt.Logger,
		page:      template.Must(template.ParseFS(staticFS, "static/index.html")),
		static:    make(map[string]asset),
		now:       time.Now,
		poll:      pollWait,
		maxChats:  maxChats,
		chats:     make(map[string]*list.Element),
		closing:   make(chan struct{}),
		newcomers: ipLimiter{perSecond: newPerMinute / 60, burst: newBurst},
		api:       ipLimiter{perSecond: apiPerSec, burst: apiBurst},
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	for _, name := range []string{"chat.js", "chat.css", "widget.js"} {
		data, err := staticFS.ReadFile("static/" + name)
		if err != nil {
			panic(err) // embedded above: cannot happen
		}
		sum := sha256.Sum256(data)
		c.static[name] = asset{data: data, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
	}
	c.mux = http.NewServeMux()
	c.mux.HandleFunc("GET /{$}", c.servePage)
	c.mux.HandleFunc("GET /widget.js", c.serveWidget)
	c.mux.HandleFunc("GET /api/texts", c.serveTexts)
	c.mux.HandleFunc("GET /static/{name}", c.serveStatic)
	c.mux.HandleFunc("GET /media/{path...}", c.serveMedia)
	c.mux.HandleFunc("GET /media/generated/{name}", c.generated.serve)
	c.mux.HandleFunc("POST /api/send", c.serveSend)
	c.mux.HandleFunc("GET /api/messages", c.serveMessages)
	return c
}

// ServeHTTP serves the page at "/", its files under /static/, photos under
// /media/ and the API under /api/.
func (c *Chat) ServeHTTP(w http.ResponseWriter, r *http.Request) { c.mux.ServeHTTP(w, r) }

// Send queues replies for the browser at to; it implements bot.Sender for
// the channel bot.Web.
func (c *Chat) Send(_ context.Context, to bot.Address, replies []bot.Reply) error {
	if to.Channel != bot.Web || to.Chat == "" {
		return fmt.Errorf("webchat: send to %s: not a web chat address", to)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.state(to.Chat)
	added := false
	for _, r := range replies {
		if r.Lang != "" {
			s.lang = r.Lang
		}
		m := message{
			Text:        r.Text,
			Photo:       c.photoURL(r.Photo),
			Choices:     cloneChoices(r.Choices),
			AskContact:  r.AskContact,
			AskLocation: r.AskLocation,
		}
		if len(r.PhotoPNG) > 0 {
			m.Photo = c.generated.add(r.PhotoPNG)
		}
		if m.Text == "" && m.Photo == "" && m.Choices == nil && !m.AskLocation {
			continue // a bare Notice: the web has no toasts
		}
		if p := s.press; p != nil {
			s.press = nil
			if r.Replace && s.replace(c, p.target, m) {
				added = true
				continue // the screen changed in place, as in Telegram
			}
			s.add(c, p.bubble)
		}
		s.add(c, m)
		added = true
	}
	if !added {
		return nil
	}
	c.trim(s)
	return nil
}

// add appends m to the chat as a new message. c.mu must be held.
func (s *chatState) add(c *Chat, m message) {
	s.seq++
	m.ID, m.Seq = s.seq, s.seq
	s.msgs = append(s.msgs, m)
	c.grow(s, cost(m))
}

// replace puts m in the place of the shop's message with id target, and
// reports whether it was there. c.mu must be held.
func (s *chatState) replace(c *Chat, target int64, m message) bool {
	for i := range s.msgs {
		if s.msgs[i].ID == target && s.msgs[i].From == "" {
			s.seq++
			m.ID, m.Seq = target, s.seq
			c.grow(s, cost(m)-cost(s.msgs[i]))
			s.msgs[i] = m
			return true
		}
	}
	return false
}

// trim keeps the chat within keepMessages and the history within its
// bytes, and wakes the long polls. c.mu must be held.
func (c *Chat) trim(s *chatState) {
	if n := len(s.msgs); n > keepMessages {
		for _, old := range s.msgs[:n-keepMessages] {
			c.grow(s, -cost(old))
		}
		s.msgs = append(s.msgs[:0], s.msgs[n-keepMessages:]...)
		clear(s.msgs[len(s.msgs):n]) // let the dropped texts go
	}
	c.shrink(s)
	close(s.notify)
	s.notify = make(chan struct{})
}

// state returns the chat id's state, creating it and evicting the least
// recently used chat if needed. c.mu must be held.
func (c *Chat) state(id string) *chatState {
	if e, ok := c.chats[id]; ok {
		c.lru.MoveToFront(e)
		return e.Value.(*chatState)
	}
	s := &chatState{id: id, notify: make(chan struct{}), limit: bucket{tokens: rateBurst, at: c.now()}}
	c.chats[id] = c.lru.PushFront(s)
	c.grow(s, chatCost+int64(len(id)))
	for c.lru.Len() > c.maxChats {
		c.forget(c.lru.Back())
	}
	c.shrink(s)
	return s
}

// held reports whether the server holds the chat id's state.
func (c *Chat) held(id string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.chats[id]
	return ok
}

// forget drops a chat's state. c.mu must be held.
func (c *Chat) forget(e *list.Element) {
	old := c.lru.Remove(e).(*chatState)
	delete(c.chats, old.id)
	c.bytes -= old.bytes
}

// grow adds n bytes to the size of s. c.mu must be held.
func (c *Chat) grow(s *chatState, n int64) {
	s.bytes += n
	c.bytes += n
}

// shrink brings the history within Options.HistoryBytes: it forgets the
// least recently active chats other than keep, then keep's oldest replies
// (the latest one stays). c.mu must be held.
func (c *Chat) shrink(keep *chatState) {
	for c.bytes > c.opt.HistoryBytes {
		if back := c.lru.Back(); back.Value.(*chatState) != keep {
			c.forget(back)
			continue
		}
		if len(keep.msgs) <= 1 {
			return
		}
		c.grow(keep, -cost(keep.msgs[0]))
		keep.msgs[0] = message{}
		keep.msgs = keep.msgs[1:]
	}
}

// Memory estimates, in bytes, for HistoryBytes: what a message and a chat
// take on the heap beyond their strings, with the slack of slices that grow
// by doubling and of the allocator's size classes.
const (
	messageCost = 192 // message in a []message (72 bytes, doubled) and its JSON copy's share
	rowCost     = 48  // a []bot.Choice header and slack
	choiceCost  = 64  // a bot.Choice and its strings' headers
	chatCost    = 512 // chatState, its map entry, list element and channel
)

// cost estimates the memory one kept message takes.
func cost(m message) int64 {
	n := messageCost + len(m.Text) + len(m.Photo) + len(m.From)
	for _, row := range m.Choices {
		n += rowCost
		for _, ch := range row {
			n += choiceCost + len(ch.Label) + len(ch.Data)
		}
	}
	return int64(n)
}

// since returns a copy of the messages new or changed after seq, by seq;
// the shopper's own only when shopper is set. A seq beyond the chat's last
// one (the server restarted or forgot the chat) counts as 0.
func (s *chatState) since(seq int64, shopper bool) []message {
	if seq > s.seq {
		seq = 0
	}
	var out []message
	for _, m := range s.msgs {
		if m.Seq > seq && (shopper || m.From == "") {
			out = append(out, m)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out
}

// find returns the index of the shop's message with id, or -1.
func (s *chatState) find(id int64) int {
	for i := len(s.msgs) - 1; i >= 0; i-- {
		if s.msgs[i].ID == id && s.msgs[i].From == "" {
			return i
		}
	}
	return -1
}

// pressed returns the message holding the button with data (the one
// with id first, when the page named it) and the button's label.
func (s *chatState) pressed(id int64, data string) (target int64, label string, ok bool) {
	if i := s.find(id); i >= 0 {
		if l, ok := labelOf(s.msgs[i], data); ok {
			return id, l, true
		}
	}
	for i := len(s.msgs) - 1; i >= 0; i-- {
		if l, ok := labelOf(s.msgs[i], data); ok && s.msgs[i].From == "" {
			return s.msgs[i].ID, l, true
		}
	}
	return 0, "", false
}

func labelOf(m message, data string) (string, bool) {
	for _, row := range m.Choices {
		for _, ch := range row {
			if ch.Data == data {
				return ch.Label, true
			}
		}
	}
	return "", false
}

// allow takes a token from the chat's rate limit bucket.
func (s *chatState) allow(now time.Time) bool { return s.limit.take(now, ratePerSec, rateBurst) }

// bucket is a token bucket: up to burst tokens, refilled at perSecond.
type bucket struct {
	tokens float64
	at     time.Time
}

// take takes a token if there is one.
func (b *bucket) take(now time.Time, perSecond, burst float64) bool {
	b.tokens = min(burst, b.tokens+now.Sub(b.at).Seconds()*perSecond)
	b.at = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// photoURL maps a Reply.Photo to the URL the browser loads, or "" if the
// photo cannot be shown.
func (c *Chat) photoURL(p string) string {
	switch {
	case p == "":
		return ""
	case strings.HasPrefix(p, "https://"), strings.HasPrefix(p, "http://"):
		return p
	case c.opt.Images == nil || !fs.ValidPath(p):
		return ""
	}
	return (&url.URL{Path: "/media/" + p}).EscapedPath()
}

func cloneChoices(rows [][]bot.Choice) [][]bot.Choice {
	var out [][]bot.Choice
	for _, row := range rows {
		if len(row) > 0 {
			out = append(out, slices.Clone(row))
		}
	}
	return out
}

// session returns the browser's chat id from its cookie, and whether the
// cookie was one this server signed; without one it issues a cookie with a
// new id. refresh re-issues a valid cookie to extend its life.
func (c *Chat) session(w http.ResponseWriter, r *http.Request, refresh bool) (id string, signed bool) {
	if ck, err := r.Cookie(cookieName); err == nil {
		id, signed = c.verify(ck.Value)
	}
	if signed && !refresh {
		return id, true
	}
	if !signed {
		b := make([]byte, 16)
		rand.Read(b) // never fails (crypto/rand since Go 1.24)
		id = hex.EncodeToString(b)
	}
	ck := &http.Cookie{
		Name:     cookieName,
		Value:    c.sign(id),
		Path:     "/",
		MaxAge:   cookieMaxAge,
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
	}
	if overHTTPS(r) {
		// The widget's iframe on another site: a cookie of that site's
		// partition only (CHIPS). The API takes JSON bodies only and sends no
		// CORS headers, so other sites still cannot send or read messages.
		ck.Secure, ck.SameSite, ck.Partitioned = true, http.SameSiteNoneMode, true
	}
	http.SetCookie(w, ck)
	return id, signed
}

// overHTTPS reports whether the browser reached the chat over HTTPS:
// directly, or through a TLS-terminating proxy that says so
// (X-Forwarded-Proto, Forwarded: proto=https), the usual deployment. A
// client that claims it falsely over plain HTTP gets a Secure cookie its
// browser does not keep: nothing to gain.
func overHTTPS(r *http.Request) bool {
	if r.TLS != nil || strings.EqualFold(strings.TrimSpace(r.Header.Get("X-Forwarded-Proto")), "https") {
		return true
	}
	for _, part := range strings.FieldsFunc(r.Header.Get("Forwarded"), func(c rune) bool { return c == ';' || c == ',' }) {
		if k, v, ok := strings.Cut(strings.TrimSpace(part), "="); ok && strings.EqualFold(k, "proto") && strings.EqualFold(strings.Trim(v, `"`), "https") {
			return true
		}
	}
	return false
}

// minKey is the shortest Options.Key.
const minKey = 32

// sign returns the cookie value for a chat id: the id, a dot and its
// HMAC-SHA256 under Options.Key.
func (c *Chat) sign(id string) string {
	return id + "." + base64.RawURLEncoding.EncodeToString(c.mac(id))
}

func (c *Chat) mac(id string) []byte {
	h := hmac.New(sha256.New, c.opt.Key)
	h.Write([]byte("omnicart webchat session\x00"))
	h.Write([]byte(id))
	return h.Sum(nil)
}

// verify returns the chat id of a cookie value this server signed.
func (c *Chat) verify(value string) (string, bool) {
	id, sig, ok := strings.Cut(value, ".")
	if !ok || !validID(id) {
		return "", false
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, c.mac(id)) {
		return "", false
	}
	return id, true
}

// NewKey returns a new random key for Options.Key.
func NewKey() []byte {
	key := make([]byte, minKey)
	rand.Read(key)
	return key
}

// LoadKey returns the key for Options.Key kept in the file at path,
// creating the file with a new random key (readable by its owner only) when
// there is none. Keep the file with the data: a new key starts every web
// chat afresh.
func LoadKey(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		key := NewKey()
		text := []byte(hex.EncodeToString(key) + "\n")
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			return LoadKey(path) // another process made it meanwhile
		}
		if err != nil {
			return nil, fmt.Errorf("create web chat key: %w", err)
		}
		if _, err := f.Write(text); err != nil {
			f.Close()
			os.Remove(path)
			return nil, fmt.Errorf("write web chat key %s: %w", path, err)
		}
		if err := f.Sync(); err != nil {
			f.Close()
			os.Remove(path)
			return nil, fmt.Errorf("write web chat key %s: %w", path, err)
		}
		if err := f.Close(); err != nil {
			return nil, fmt.Errorf("write web chat key %s: %w", path, err)
		}
		return key, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read web chat key: %w", err)
	}
	key, err := hex.DecodeString(strings.TrimSpace(string(data)))
	if err != nil || len(key) < minKey {
		return nil, fmt.Errorf("web chat key %s is damaged: want %d or more hex-encoded bytes (delete it to make a new one; open web chats start afresh)", path, minKey)
	}
	return key, nil
}

// validID reports whether s looks like an id this package issued.
func validID(s string) bool {
	if len(s) != 32 {
		return false
	}
	for i := range len(s) {
		if !('0' <= s[i] && s[i] <= '9' || 'a' <= s[i] && s[i] <= 'f') {
			return false
		}
	}
	return true
}

// defaultLang returns the first two letters of an Accept-Language header,
// lower-cased, or "".
func defaultLang(h string) string {
	h = strings.ToLower(strings.TrimSpace(h))
	if len(h) < 2 || h[0] < 'a' || h[0] > 'z' || h[1] < 'a' || h[1] > 'z' {
		return ""
	}
	return h[:2]
}

func (c *Chat) lang(r *http.Request) string { return c.opt.Lang(r.Header.Get("Accept-Language")) }

// texts returns the page's labels in lang.
func (c *Chat) texts(lang string) map[string]string {
	t := make(map[string]string, len(TextKeys))
	for _, k := range TextKeys {
		t[k] = c.opt.Text(lang, k)
	}
	return t
}

// servePage renders the chat page in the chat's language: the
// customer's, once the shop answered in it, else the browser's. With
// ?embed=1 it is the widget's iframe.
func (c *Chat) servePage(w http.ResponseWriter, r *http.Request) {
	id, signed := c.session(w, r, true)
	lang := c.lang(r)
	if signed {
		c.mu.Lock()
		if e, ok := c.chats[id]; ok {
			lang = c.chatLang(e.Value.(*chatState), r)
		}
		c.mu.Unlock()
	}
	var buf bytes.Buffer
	err := c.page.Execute(&buf, map[string]any{
		"Lang":     lang,
		"T":        c.texts(lang),
		"MaxText":  c.opt.MaxText,
		"Embed":    r.URL.Query().Get("embed") == "1",
		"Continue": c.opt.Continue,
	})
	if err != nil {
		c.log.Error("webchat: render page", slog.Any("err", err))
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' https: http:; base-uri 'none'; form-action 'none'; frame-ancestors "+c.frameAncestors())
	w.Write(buf.Bytes())
}

// frameAncestors is the CSP source list of the sites that may frame the
// page: Options.Embedders, or any.
func (c *Chat) frameAncestors() string {
	if len(c.opt.Embedders) == 0 {
		return "*"
	}
	return "'self' " + strings.Join(c.opt.Embedders, " ")
}

// serveWidget serves widget.js, the script a shop's site includes to show
// the chat bubble.
func (c *Chat) serveWidget(w http.ResponseWriter, r *http.Request) {
	a := c.static["widget.js"]
	h := w.Header()
	h.Set("ETag", a.etag)
	h.Set("Cache-Control", "no-cache")
	h.Set("Content-Type", "text/javascript; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(w, r, "widget.js", time.Time{}, bytes.NewReader(a.data))
}

// serveTexts answers GET /api/texts?lang=ru with the page's labels in that
// language (the browser's when lang is not one the shop has).
func (c *Chat) serveTexts(w http.ResponseWriter, r *http.Request) {
	if !c.allowAPI(w, r) {
		return
	}
	lang := c.opt.Lang(r.URL.Query().Get("lang"))
	if lang == "" {
		lang = c.lang(r)
	}
	writeJSON(w, http.StatusOK, map[string]any{"lang": lang, "texts": c.texts(lang)})
}

// serveStatic serves chat.js and chat.css from the embedded files.
func (c *Chat) serveStatic(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	a, ok := c.static[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("ETag", a.etag)
	h.Set("Cache-Control", "no-cache")
	h.Set("Content-Type", mime.TypeByExtension(path.Ext(name)))
	h.Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(a.data))
}

// serveMedia serves a product photo from Options.Images.
func (c *Chat) serveMedia(w http.ResponseWriter, r *http.Request) {
	p := r.PathValue("path")
	if c.opt.Images == nil || !fs.ValidPath(p) || path.Clean(p) != p || strings.Contains(p, "..") ||
		!imageTypes[strings.ToLower(path.Ext(p))] {
		http.NotFound(w, r)
		return
	}
	f, err := c.opt.Images.Open(p)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		http.NotFound(w, r)
		return
	}
	rs, ok := f.(io.ReadSeeker)
	if !ok {
		data, err := io.ReadAll(f)
		if err != nil {
			c.log.Warn("webchat: read photo", slog.String("path", p), slog.Any("err", err))
			http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
			return
		}
		rs = bytes.NewReader(data)
	}
	h := w.Header()
	h.Set("Cache-Control", "public, max-age=86400")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	http.ServeContent(w, r, path.Base(p), st.ModTime(), rs)
}

// sendRequest is the body of POST /api/send: exactly one field is set.
type sendRequest struct {
	Text     string        `json:"text"`
	Button   string        `json:"button"`
	Location *bot.Location `json:"location"`
	// Message is the id of the message whose button was pressed.
	Message int64 `json:"message"`
	// Quiet keeps the text out of the history: the page's own /start and
	// /link.
	Quiet bool `json:"quiet"`
	// Zone is the browser's time zone ("Europe/Moscow"); one this server
	// does not know is ignored.
	Zone string `json:"zone"`
}

// serveSend hands the shopper's message to the handler, waits until it is
// handled and answers with the replies queued meanwhile.
func (c *Chat) serveSend(w http.ResponseWriter, r *http.Request) {
	if !c.allowAPI(w, r) {
		return
	}
	var id string
	if ck, err := r.Cookie(cookieName); err == nil {
		id, _ = c.verify(ck.Value)
	}
	if id == "" || !c.held(id) {
		// A message from a chat the server does not hold starts a shopper
		// the engine stores: bound how fast one address can do that, so a
		// script cannot fill the store (or the memory).
		if !c.newcomers.allow(clientIP(r), c.now()) {
			w.Header().Set("Retry-After", "10")
			writeError(w, http.StatusTooManyRequests, "too many new chats")
			return
		}
	}
	id, _ = c.session(w, r, false)
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		writeError(w, http.StatusUnsupportedMediaType, "body must be application/json")
		return
	}
	var req sendRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	err := dec.Decode(&req)
	if err == nil {
		if _, err = dec.Token(); err == nil {
			err = errors.New("data after the JSON object")
		} else if errors.Is(err, io.EOF) {
			err = nil
		}
	}
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			writeError(w, http.StatusRequestEntityTooLarge, "body too large")
			return
		}
		writeError(w, http.StatusBadRequest, "body is not valid JSON")
		return
	}
	addr := bot.Address{Channel: bot.Web, Chat: id}
	m := bot.Message{From: addr, Lang: c.lang(r), Zone: knownZone(req.Zone)}
	req.Text = strings.TrimSpace(req.Text)
	n := 0
	if req.Text != "" {
		n++
		if utf8.RuneCountInString(req.Text) > c.opt.MaxText {
			writeError(w, http.StatusRequestEntityTooLarge, "text too long")
			return
		}
		m.Command, m.Payload, m.Text = bot.ParseText(req.Text)
	}
	if req.Button != "" {
		n++
		if len(req.Button) > bot.MaxChoiceData {
			writeError(w, http.StatusBadRequest, "button data too long")
			return
		}
		m.Button = req.Button
	}
	if l := req.Location; l != nil {
		n++
		if math.Abs(l.Lat) > 90 || math.Abs(l.Lon) > 180 {
			writeError(w, http.StatusBadRequest, "location out of range")
			return
		}
		m.Location = &bot.Location{Lat: l.Lat, Lon: l.Lon}
	}
	if n != 1 {
		writeError(w, http.StatusBadRequest, "send exactly one of text, button, location")
		return
	}

	c.mu.Lock()
	s := c.state(id)
	ok, start := s.allow(c.now()), s.seq
	if ok {
		c.note(s, m, req)
	}
	c.mu.Unlock()
	if !ok {
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusTooManyRequests, "too many messages")
		return
	}
	shopper := r.URL.Query().Get("shopper") == "1"

	done := make(chan struct{})
	var once sync.Once
	m.Done = func() { once.Do(func() { close(done) }) }
	// The engine may handle the message after this request ends.
	c.h.Handle(context.WithoutCancel(r.Context()), m)
	timer := time.NewTimer(c.opt.Wait)
	defer timer.Stop()
	select {
	case <-done:
	case <-timer.C:
		c.log.Warn("webchat: message not handled in time", slog.Duration("wait", c.opt.Wait))
	case <-r.Context().Done():
		return
	}
	c.mu.Lock()
	s = c.state(id)
	if p := s.press; p != nil { // handled without a reply
		s.press = nil
		s.add(c, p.bubble)
		c.trim(s)
	}
	b := batch{Messages: s.since(start, shopper), Last: s.seq, Lang: c.chatLang(s, r)}
	c.mu.Unlock()
	writeJSON(w, http.StatusOK, b)
}

// note records the shopper's side of m in the history: a typed text or a
// location at once, a button press as it turns out (see chatState.press).
// c.mu must be held.
func (c *Chat) note(s *chatState, m bot.Message, req sendRequest) {
	bubble := message{From: fromShopper}
	switch {
	case m.Button != "":
		target, label, ok := s.pressed(req.Message, m.Button)
		if !ok {
			return // a button from a screen the server forgot
		}
		bubble.Text = label
		s.press = &press{bubble: bubble, target: target}
		return
	case m.Location != nil:
		bubble.Text = fmt.Sprintf("📍 %.5f, %.5f", m.Location.Lat, m.Location.Lon)
	case req.Quiet:
		return
	default:
		bubble.Text = req.Text
	}
	s.add(c, bubble)
	c.trim(s)
}

// chatLang is the chat's language: the shop's latest reply's, else the
// browser's.
func (c *Chat) chatLang(s *chatState, r *http.Request) string {
	if s != nil && s.lang != "" {
		return s.lang
	}
	return c.lang(r)
}

// serveMessages answers with the messages after ?after=<seq>, waiting up to
// 25s for one to arrive. Without ?after it answers at once with the whole
// history.
func (c *Chat) serveMessages(w http.ResponseWriter, r *http.Request) {
	if !c.allowAPI(w, r) {
		return
	}
	id, signed := c.session(w, r, false)
	if !signed {
		// A new chat has nothing yet: answer without holding any state.
		writeJSON(w, http.StatusOK, batch{Lang: c.lang(r)})
		return
	}
	q := r.URL.Query().Get("after")
	var after int64
	if q != "" {
		var err error
		if after, err = strconv.ParseInt(q, 10, 64); err != nil || after < 0 {
			writeError(w, http.StatusBadRequest, "after must be a sequence number")
			return
		}
	}
	shopper := r.URL.Query().Get("shopper") == "1"
	timer := time.NewTimer(c.poll)
	defer timer.Stop()
	for {
		c.mu.Lock()
		s := c.state(id)
		b := batch{Messages: s.since(after, shopper), Last: s.seq, Lang: c.chatLang(s, r)}
		changed := s.notify
		c.mu.Unlock()
		if len(b.Messages) > 0 || q == "" {
			writeJSON(w, http.StatusOK, b)
			return
		}
		select {
		case <-changed:
		case <-timer.C:
			writeJSON(w, http.StatusOK, b)
			return
		case <-c.closing:
			writeJSON(w, http.StatusOK, b) // the page polls again after a restart
			return
		case <-r.Context().Done():
			return
		}
	}
}

// Close answers the waiting long polls at once, so a server shutting down
// does not wait for them (pass it to http.Server.RegisterOnShutdown).
func (c *Chat) Close() {
	c.closeOnce.Do(func() { close(c.closing) })
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	if b, ok := v.(batch); ok && b.Messages == nil {
		b.Messages = []message{}
		v = b
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v) // escapes <, > and &
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

// allowAPI takes a token from the client address's API rate limit, or
// answers 429.
func (c *Chat) allowAPI(w http.ResponseWriter, r *http.Request) bool {
	if c.api.allow(clientIP(r), c.now()) {
		return true
	}
	w.Header().Set("Retry-After", "1")
	writeError(w, http.StatusTooManyRequests, "too many requests")
	return false
}

// Limits per client address: new chats one address may start, and API
// requests (sends and polls of all its chats together).
const (
	newPerMinute = 30.0
	newBurst     = 60.0
	apiPerSec    = 50.0
	apiBurst     = 100.0
	maxIPs       = 10000
)

// ipLimiter is a token bucket per client address, forgetting the oldest
// addresses past maxIPs.
type ipLimiter struct {
	perSecond, burst float64

	mu      sync.Mutex
	buckets map[string]*bucket
}

func (l *ipLimiter) allow(ip string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.buckets == nil {
		l.buckets = map[string]*bucket{}
	}
	b := l.buckets[ip]
	if b == nil {
		if len(l.buckets) >= maxIPs {
			for k, old := range l.buckets { // forget addresses quiet for a minute
				if now.Sub(old.at) > time.Minute {
					delete(l.buckets, k)
				}
			}
			if len(l.buckets) >= maxIPs {
				clear(l.buckets)
			}
		}
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[ip] = b
	}
	return b.take(now, l.perSecond, l.burst)
}

// clientIP is the request's remote address without the port (behind a
// proxy on this machine, the address it forwards for); for IPv6,
// its /64 network, which is what one client usually has.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		// A reverse proxy on this machine (as README's deployment has):
		// the shopper is the address it saw, the last one it added to
		// X-Forwarded-For. Only a local process can claim one this way.
		if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
			hops := strings.Split(xff[len(xff)-1], ",")
			if fwd := net.ParseIP(strings.TrimSpace(hops[len(hops)-1])); fwd != nil {
				host = fwd.String()
			}
		}
	}
	if ip := net.ParseIP(host); ip != nil && ip.To4() == nil {
		return ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
	}
	return host
}

// zoneName is the shape of an IANA time zone name: "UTC", "Europe/Moscow",
// "America/Argentina/Buenos_Aires", "Etc/GMT+3".
var zoneName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_+-]{0,30}(/[A-Za-z0-9_+-]{1,30}){0,2}$`)

// knownZones holds the zone names already found in the zone database
// (a few hundred exist: the set stays small).
var knownZones sync.Map

// knownZone returns name when it is a time zone this binary knows (the
// zone database is built in: time/tzdata), else "".
func knownZone(name string) string {
	if name == "" || name == "Local" || !zoneName.MatchString(name) {
		return ""
	}
	if _, ok := knownZones.Load(name); ok {
		return name
	}
	if _, err := time.LoadLocation(name); err != nil {
		return ""
	}
	knownZones.Store(name, true)
	return name
}
