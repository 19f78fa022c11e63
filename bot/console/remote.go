package console

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"omnicart/bot"
)

// Remote is a bot.Handler for a Console that talks to a running shop
// through its web chat API instead of an engine in this process: POST
// /api/send for each message, GET /api/messages to catch up and to
// long-poll for the messages the shop starts. To the shop it is one more
// web chat customer, so the shop's customers, carts and orders are the
// same ones; its session cookie is kept in a file, so the next chat
// continues as the same customer. A picture the shop made for the chat (a
// QR code to pay with) is fetched and handed on as bot.Reply.PhotoPNG, so
// the Console writes it to a PNG file and prints [photo: PATH], as a local
// chat does.
type Remote struct {
	base    *url.URL
	client  *http.Client
	jarFile string
	to      bot.Sender
	addr    bot.Address
	errs    io.Writer

	mu      sync.Mutex // orders deliveries; guards last and cookies
	last    int64      // the last sequence number delivered
	cookies map[string]string
	synced  chan struct{} // closed once the history was fetched
	once    sync.Once
}

// RemoteOptions configures a Remote.
type RemoteOptions struct {
	// Jar is the file that keeps the session cookie ("" keeps it in memory).
	Jar string
	// To receives the shop's replies as sent to Addr (the Console).
	To   bot.Sender
	Addr bot.Address
	// Errors receives a line for each failed request (default: discarded).
	Errors io.Writer
	// Client is the HTTP client (default: one with a 60s timeout).
	Client *http.Client
}

// remoteMessage is one web chat message as the API returns it.
type remoteMessage struct {
	Seq         int64          `json:"seq"`
	Text        string         `json:"text"`
	Photo       string         `json:"photo"`
	Choices     [][]bot.Choice `json:"choices"`
	AskContact  bool           `json:"ask_contact"`
	AskLocation bool           `json:"ask_location"`
}

type remoteBatch struct {
	Messages []remoteMessage `json:"messages"`
	Last     int64           `json:"last"`
}

// NewRemote returns a Remote for the shop whose web chat is at base, like
// "http://127.0.0.1:8080".
func NewRemote(base string, opt RemoteOptions) (*Remote, error) {
	u, err := url.Parse(strings.TrimSuffix(base, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("console: shop address %q: want http://host:port", base)
	}
	r := &Remote{base: u, client: opt.Client, jarFile: opt.Jar, to: opt.To, addr: opt.Addr, errs: opt.Errors,
		cookies: map[string]string{}, synced: make(chan struct{})}
	if r.client == nil {
		r.client = &http.Client{Timeout: 60 * time.Second}
	}
	if r.errs == nil {
		r.errs = io.Discard
	}
	if err := r.loadJar(); err != nil {
		return nil, err
	}
	return r, nil
}

// Handle sends m to the shop and delivers the replies to it. An empty
// message (the Console's Start) catches up instead: it shows the latest
// screen of a chat that has one, and starts a new chat with /start.
func (r *Remote) Handle(ctx context.Context, m bot.Message) {
	defer func() {
		if m.Done != nil {
			m.Done()
		}
	}()
	if m.Text == "" && m.Command == "" && m.Button == "" && m.Contact == nil && m.Location == nil {
		r.start(ctx, m.Lang)
		return
	}
	body := map[string]any{}
	switch {
	case m.Button != "":
		body["button"] = m.Button
	case m.Location != nil:
		body["location"] = m.Location
	case m.Contact != nil:
		body["text"] = m.Contact.Phone // the web chat takes a typed number
	case m.Command != "":
		body["text"] = strings.TrimSpace("/" + m.Command + " " + m.Payload)
	default:
		body["text"] = m.Text
	}
	r.send(ctx, m.Lang, body)
}

// send posts one message and delivers the replies.
func (r *Remote) send(ctx context.Context, lang string, body map[string]any) {
	r.mu.Lock()
	since := r.last
	r.mu.Unlock()
	var b remoteBatch
	if err := r.do(ctx, http.MethodPost, "/api/send", lang, body, &b); err != nil {
		fmt.Fprintf(r.errs, "omnicart chat: the shop at %s did not take the message: %v\n", r.base, err)
		return
	}
	r.deliver(ctx, b, since)
}

// start fetches the chat's history: it delivers the latest screen (from
// the last message with buttons on), or sends /start to a new chat.
func (r *Remote) start(ctx context.Context, lang string) {
	defer r.once.Do(func() { close(r.synced) })
	var b remoteBatch
	if err := r.do(ctx, http.MethodGet, "/api/messages", lang, nil, &b); err != nil {
		fmt.Fprintf(r.errs, "omnicart chat: the shop at %s does not answer: %v\n", r.base, err)
		return
	}
	if len(b.Messages) == 0 {
		r.send(ctx, lang, map[string]any{"text": "/start"})
		return
	}
	from := len(b.Messages) - 1
	for i := len(b.Messages) - 1; i >= 0; i-- {
		if len(b.Messages[i].Choices) > 0 {
			from = i
			break
		}
	}
	b.Messages = b.Messages[from:]
	r.deliver(ctx, b, 0)
}

// Run long-polls for the messages the shop starts (reminders, order
// updates, an operator's answers) until ctx ends.
func (r *Remote) Run(ctx context.Context) error {
	select {
	case <-r.synced:
	case <-ctx.Done():
		return nil
	}
	failures := 0
	for ctx.Err() == nil {
		r.mu.Lock()
		after := r.last
		r.mu.Unlock()
		var b remoteBatch
		err := r.do(ctx, http.MethodGet, "/api/messages?after="+strconv.FormatInt(after, 10), "", nil, &b)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if failures++; failures == 3 {
				fmt.Fprintf(r.errs, "omnicart chat: the shop at %s does not answer: %v\n", r.base, err)
			}
			select {
			case <-time.After(min(time.Duration(failures)*time.Second, 10*time.Second)):
			case <-ctx.Done():
			}
			continue
		}
		failures = 0
		r.deliver(ctx, b, after)
	}
	return nil
}

// deliver hands the messages after the last delivered one to the Console.
// since is the last delivered sequence number when the request was made: a
// batch whose last one is below it comes from a shop that restarted (or
// forgot the chat), whose numbering started again.
func (r *Remote) deliver(ctx context.Context, b remoteBatch, since int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if b.Last < since {
		r.last = 0
	}
	var replies []bot.Reply
	for _, m := range b.Messages {
		if m.Seq <= r.last {
			continue
		}
		reply := bot.Reply{Text: m.Text, Photo: m.Photo, Choices: m.Choices,
			AskContact: m.AskContact, AskLocation: m.AskLocation}
		if strings.HasPrefix(reply.Photo, generatedPath) {
			// A picture made for this chat (a QR code to pay with): the
			// Console writes it to a file, as in a local chat.
			if png, err := r.image(ctx, reply.Photo); err == nil {
				reply.Photo, reply.PhotoPNG = "", png
			} else {
				fmt.Fprintf(r.errs, "omnicart chat: the picture %s was not fetched: %v\n", reply.Photo, err)
			}
		}
		if strings.HasPrefix(reply.Photo, "/") {
			reply.Photo = r.base.String() + reply.Photo
		}
		replies = append(replies, reply)
		r.last = m.Seq
	}
	r.last = max(r.last, b.Last)
	if len(replies) > 0 && r.to != nil {
		r.to.Send(ctx, r.addr, replies)
	}
}

// generatedPath is where the web chat serves the pictures it made for a
// chat (bot.Reply.PhotoPNG), by their content's hash.
const generatedPath = "/media/generated/"

// maxImage bounds a picture fetched for the Console.
const maxImage = 8 << 20

// image fetches the PNG picture at path of the shop. It is called with
// r.mu held, so it sends no cookie (the pictures are served to anyone who
// knows their hash).
func (r *Remote) image(ctx context.Context, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.base.String()+path, nil)
	if err != nil {
		return nil, err
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, errors.New(resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxImage+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxImage || !bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")) {
		return nil, errors.New("not a PNG picture")
	}
	return data, nil
}

// do makes one API request with the session cookie, retrying a 429 after
// its Retry-After, and decodes the JSON answer into out.
func (r *Remote) do(ctx context.Context, method, path, lang string, body, out any) error {
	for attempt := 0; ; attempt++ {
		var rd io.Reader
		if body != nil {
			data, err := json.Marshal(body)
			if err != nil {
				return err
			}
			rd = bytes.NewReader(data)
		}
		req, err := http.NewRequestWithContext(ctx, method, r.base.String()+path, rd)
		if err != nil {
			return err
		}
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		if lang != "" {
			req.Header.Set("Accept-Language", lang)
		}
		r.mu.Lock()
		for name, value := range r.cookies {
			req.AddCookie(&http.Cookie{Name: name, Value: value})
		}
		r.mu.Unlock()
		resp, err := r.client.Do(req)
		if err != nil {
			return err
		}
		r.keepCookies(resp)
		data, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
		resp.Body.Close()
		if err != nil {
			return err
		}
		if resp.StatusCode == http.StatusTooManyRequests && attempt < 3 {
			wait, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
			select {
			case <-time.After(time.Duration(max(wait, 1)) * time.Second):
				continue
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if resp.StatusCode != http.StatusOK {
			var e struct{ Error string }
			if json.Unmarshal(data, &e) == nil && e.Error != "" {
				return fmt.Errorf("%s: %s", resp.Status, e.Error)
			}
			return errors.New(resp.Status)
		}
		return json.Unmarshal(data, out)
	}
}

// keepCookies stores the cookies the shop set, in the jar file too.
func (r *Remote) keepCookies(resp *http.Response) {
	cs := resp.Cookies()
	if len(cs) == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	changed := false
	for _, c := range cs {
		if r.cookies[c.Name] != c.Value {
			r.cookies[c.Name] = c.Value
			changed = true
		}
	}
	if changed {
		if err := r.saveJar(); err != nil {
			fmt.Fprintf(r.errs, "omnicart chat: %v (the next chat starts as a new customer)\n", err)
		}
	}
}

// loadJar reads the cookie file: one name=value a line.
func (r *Remote) loadJar() error {
	if r.jarFile == "" {
		return nil
	}
	data, err := os.ReadFile(r.jarFile)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("console: read the chat session: %w", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if name, value, ok := strings.Cut(strings.TrimSpace(sc.Text()), "="); ok && name != "" {
			r.cookies[name] = value
		}
	}
	return nil
}

// saveJar writes the cookie file, readable by its owner only. r.mu must be
// held.
func (r *Remote) saveJar() error {
	if r.jarFile == "" {
		return nil
	}
	var b strings.Builder
	for name, value := range r.cookies {
		b.WriteString(name + "=" + value + "\n")
	}
	if err := os.MkdirAll(filepath.Dir(r.jarFile), 0o700); err != nil {
		return fmt.Errorf("keep the chat session: %w", err)
	}
	tmp := r.jarFile + ".tmp"
	if err := os.WriteFile(tmp, []byte(b.String()), 0o600); err != nil {
		return fmt.Errorf("keep the chat session: %w", err)
	}
	if err := os.Rename(tmp, r.jarFile); err != nil {
		return fmt.Errorf("keep the chat session: %w", err)
	}
	return nil
}
