package tgtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// maxPoll caps how long getUpdates waits, whatever timeout the bot asks for.
const maxPoll = 2 * time.Second

// notByDefault are the update kinds Telegram sends only when asked for.
var notByDefault = []string{"chat_member", "message_reaction", "message_reaction_count"}

// UserText sends a text message from the user of a private chat (user id =
// chat id) and returns its update_id. A text starting with a command
// ("/start payload") carries a bot_command entity, as on Telegram.
func (s *Server) UserText(chatID int64, text string, langCode string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	msg := s.userMessage(chatID, langCode, text)
	msg["text"] = text
	if n := commandLen(text); n > 0 {
		msg["entities"] = []any{map[string]any{"type": "bot_command", "offset": 0, "length": n}}
	}
	return s.enqueue(-1, chatID, map[string]any{"message": msg})
}

// UserPress presses the inline button with callback data on a bot message
// and returns the callback query's id. Pressing a button that is not there
// fails the test.
func (s *Server) UserPress(chatID int64, messageID int, data string) (callbackQueryID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.find(chatID, messageID)
	switch {
	case m == nil || m.user:
		s.t.Errorf("tgtest: UserPress: the bot has no message %d in chat %d", messageID, chatID)
	case !hasButton(m, data):
		s.t.Errorf("tgtest: UserPress: message %d in chat %d has no button with callback data %q", messageID, chatID, data)
	}
	id := strconv.Itoa(1_000_000 + s.newID())
	s.callbacks[id] = false
	cq := map[string]any{
		"id": id, "from": userJSON(chatID, ""), "chat_instance": strconv.FormatInt(chatID, 10), "data": data,
		"message": map[string]any{"chat": chatJSON(chatID), "message_id": messageID, "date": 0},
	}
	if m != nil {
		cq["message"] = s.messageJSON(chatID, m)
	}
	s.enqueue(-1, chatID, map[string]any{"callback_query": cq})
	return id
}

func hasButton(m *message, data string) bool {
	for _, row := range m.markup.keyboard {
		for _, b := range row {
			if b.Data == data && m.markup.inline {
				return true
			}
		}
	}
	return false
}

// UserContact shares a phone number; own makes it the sender's own contact
// (contact.user_id == the sender's id), as the request_contact button does.
func (s *Server) UserContact(chatID int64, phone string, own bool) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	contact := map[string]any{"phone_number": phone, "first_name": "Test"}
	if own {
		contact["user_id"] = chatID
		contact["last_name"] = "User"
	}
	msg := s.userMessage(chatID, "", "")
	msg["contact"] = contact
	return s.enqueue(-1, chatID, map[string]any{"message": msg})
}

// UserLocation shares a location.
func (s *Server) UserLocation(chatID int64, lat, lon float64) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	msg := s.userMessage(chatID, "", "")
	msg["location"] = map[string]any{"latitude": lat, "longitude": lon}
	return s.enqueue(-1, chatID, map[string]any{"message": msg})
}

// Deliver queues a raw update and returns its update_id: the one it carries
// if any, else a fresh one. An update with its own update_id reaches the bot
// at least once even if the bot already confirmed that id, so duplicates
// can be sent.
func (s *Server) Deliver(update map[string]any) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := maps.Clone(update)
	id := -1
	switch v := u["update_id"].(type) {
	case int:
		id = v
	case int64:
		id = int(v)
	case float64:
		id = int(v)
	case json.Number:
		n, _ := v.Int64()
		id = int(n)
	}
	explicit := id >= 0
	delete(u, "update_id")
	id = s.enqueue(id, 0, u)
	if len(s.queue) > 0 && explicit {
		s.queue[len(s.queue)-1].force = true
	}
	return id
}

// userMessage stores a message from the user and returns its JSON without
// its content; s.mu is held.
func (s *Server) userMessage(chatID int64, lang, text string) map[string]any {
	c := s.chat(chatID)
	c.lastMsg++
	m := &message{id: c.lastMsg, user: true, date: s.now().Unix(), content: content{text: text, raw: text}}
	c.msgs = append(c.msgs, m)
	return map[string]any{"message_id": m.id, "from": userJSON(chatID, lang), "chat": chatJSON(chatID), "date": m.date}
}

// commandLen returns the length in UTF-16 units of the command a text
// starts with ("/start", "/start@bot"), or 0.
func commandLen(text string) int {
	if !strings.HasPrefix(text, "/") {
		return 0
	}
	end := strings.IndexAny(text, " \n\t")
	if end < 0 {
		end = len(text)
	}
	cmd := text[1:end]
	name, _, _ := strings.Cut(cmd, "@")
	if name == "" || len(name) > 32 || strings.IndexFunc(name, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_')
	}) >= 0 {
		return 0
	}
	return utf16Len(text[:end])
}

// enqueue queues an update of a chat (0: found in the update) with the
// given id, or a fresh one if id < 0; s.mu is held.
func (s *Server) enqueue(id int, chat int64, body map[string]any) int {
	if id < 0 {
		id = s.lastUpdate + 1
	}
	s.lastUpdate = max(s.lastUpdate, id)
	kinds := slices.Sorted(maps.Keys(body))
	body["update_id"] = id
	raw, err := json.Marshal(body)
	if err != nil {
		s.t.Errorf("tgtest: update %d: %v", id, err)
		return id
	}
	if chat == 0 {
		chat = updateChat(raw)
	}
	u := &update{id: id, raw: raw, chat: chat}
	if len(kinds) > 0 {
		u.kind = kinds[0]
	}
	s.queue = append(s.queue, u)
	s.notify()
	return id
}

// updateChat returns the chat an update belongs to: the chat of its
// message, else its sender; 0 if it has neither.
func updateChat(raw []byte) int64 {
	type who struct {
		ID int64 `json:"id"`
	}
	var u map[string]struct {
		Chat    who `json:"chat"`
		From    who `json:"from"`
		Message struct {
			Chat who `json:"chat"`
		} `json:"message"`
	}
	_ = json.Unmarshal(raw, &u) // the fake's own JSON; update_id does not fit and is skipped
	for k, v := range u {
		if k == "update_id" {
			continue
		}
		for _, id := range []int64{v.Chat.ID, v.Message.Chat.ID, v.From.ID} {
			if id != 0 {
				return id
			}
		}
	}
	return 0
}

// getUpdates answers a long poll, waiting without holding s.mu.
func (s *Server) getUpdates(ctx context.Context, req *request) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.prepare(req); err != nil {
		return nil, err
	}
	if s.hookURL != "" {
		return nil, &apiError{code: http.StatusConflict, violation: true,
			desc: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"}
	}
	p := req.params
	if v, ok := p["allowed_updates"]; ok {
		s.setAllowed(v)
	}
	if v, ok := p["offset"]; ok {
		off, _ := strconv.Atoi(v)
		s.confirm(off)
	}
	limit := maxUpdatesLimit
	if v, ok := p["limit"]; ok {
		limit, _ = strconv.Atoi(v)
	}
	timeout, _ := strconv.Atoi(p["timeout"])
	timer := time.NewTimer(min(time.Duration(timeout)*time.Second, maxPoll))
	defer timer.Stop()
	for expired := timeout <= 0; ; {
		s.dropDisallowed()
		if len(s.queue) > 0 || expired {
			break
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-timer.C:
			expired = true
		case <-ctx.Done():
			expired = true
		case <-s.ctx.Done():
			expired = true
		}
		s.mu.Lock()
	}
	out := make([]json.RawMessage, 0, min(limit, len(s.queue)))
	for _, u := range s.queue[:min(limit, len(s.queue))] {
		u.returned = true
		out = append(out, u.raw)
	}
	return out, nil
}

// confirm forgets the updates before offset (or all but the last -offset);
// s.mu is held.
func (s *Server) confirm(offset int) {
	switch {
	case offset > 0:
		s.queue = slices.DeleteFunc(s.queue, func(u *update) bool { return u.id < offset && (u.returned || !u.force) })
	case offset < 0 && -offset < len(s.queue):
		s.queue = s.queue[len(s.queue)+offset:]
	}
}

// setAllowed stores allowed_updates; an empty list means the default; s.mu is held.
func (s *Server) setAllowed(v string) {
	var kinds []string
	_ = json.Unmarshal([]byte(v), &kinds) // validated against api.json
	s.allowed = nil
	if len(kinds) > 0 {
		s.allowed = kinds
	}
}

// dropDisallowed forgets queued updates of kinds the bot did not ask for,
// as Telegram never stores them; s.mu is held.
func (s *Server) dropDisallowed() {
	s.queue = slices.DeleteFunc(s.queue, func(u *update) bool {
		if s.allowed == nil {
			return slices.Contains(notByDefault, u.kind)
		}
		return !slices.Contains(s.allowed, u.kind)
	})
}

// setWebhook runs setWebhook and deleteWebhook; s.mu is held.
func (s *Server) setWebhook(req *request) (any, *apiError) {
	p := req.params
	if p["drop_pending_updates"] == "true" {
		s.queue = nil
	}
	if req.m.Name == "deleteWebhook" {
		s.hookURL, s.hookSecret = "", ""
		return true, nil
	}
	if u := p["url"]; u != "" {
		parsed, err := url.Parse(u)
		if err != nil || parsed.Host == "" || parsed.Scheme != "https" && parsed.Scheme != "http" {
			return nil, badRequest("bad webhook: invalid webhook URL specified")
		}
	}
	conns := defaultHookConns
	if n, err := strconv.Atoi(p["max_connections"]); err == nil {
		if n < 1 || n > 100 {
			return nil, badRequest("bad webhook: max_connections must be between 1 and 100")
		}
		conns = n
	}
	s.hookURL, s.hookSecret, s.hookConns = p["url"], p["secret_token"], conns
	if v, ok := p["allowed_updates"]; ok {
		s.setAllowed(v)
	}
	return true, nil
}

// ProxyWebhook delivers webhook updates to base (scheme and host, as
// "http://127.0.0.1:8080") instead of the registered URL's, keeping its
// path: the TLS-terminating proxy in front of a bot, whose webhook_url
// is https://.
func (s *Server) ProxyWebhook(base string) {
	u, err := url.Parse(base)
	if err != nil {
		s.t.Fatalf("tgtest: ProxyWebhook(%q): %v", base, err)
	}
	s.mu.Lock()
	s.hookProxy = u
	s.notify()
	s.mu.Unlock()
}

// hookTarget is where webhook updates go; s.mu is held.
func (s *Server) hookTarget() string {
	if s.hookURL == "" || s.hookProxy == nil {
		return s.hookURL
	}
	u, err := url.Parse(s.hookURL)
	if err != nil {
		return s.hookURL
	}
	u.Scheme, u.Host = s.hookProxy.Scheme, s.hookProxy.Host
	return u.String()
}

// defaultHookConns is Telegram's default max_connections.
const defaultHookConns = 40

// deliverLoop POSTs queued updates to the webhook while one is set: up to
// max_connections at once, as Telegram does, and one at a time per chat,
// in order. It stops at cleanup, once the requests on their way ended.
func (s *Server) deliverLoop() {
	defer close(s.loopDone)
	var posts sync.WaitGroup
	defer posts.Wait()
	for {
		s.mu.Lock()
		s.dropDisallowed()
		hook, secret := s.hookTarget(), s.hookSecret
		var batch []*update
		if hook != "" {
			waiting := map[int64]bool{} // chats with an earlier update still queued
			for _, u := range s.queue {
				if s.posting+len(batch) >= s.hookConns {
					break
				}
				if !u.posting && !waiting[u.chat] {
					u.posting = true
					batch = append(batch, u)
				}
				waiting[u.chat] = true
			}
			s.posting += len(batch)
		}
		ch := s.changed
		s.mu.Unlock()
		if len(batch) == 0 {
			select {
			case <-ch:
				continue
			case <-s.ctx.Done():
				return
			}
		}
		for _, u := range batch {
			posts.Go(func() {
				err := s.post(hook, secret, u.raw)
				s.mu.Lock()
				defer s.mu.Unlock()
				s.posting--
				u.posting = false
				if s.ctx.Err() != nil {
					return
				}
				if i := slices.Index(s.queue, u); i >= 0 {
					s.queue = slices.Delete(s.queue, i, i+1)
				}
				if err != nil {
					s.violations = append(s.violations, fmt.Sprintf("webhook: update %d not delivered: %v", u.id, err))
				}
				s.notify()
			})
		}
	}
}

// post sends one update to the webhook.
func (s *Server) post(hook, secret string, body []byte) error {
	req, err := http.NewRequestWithContext(s.ctx, http.MethodPost, hook, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("webhook answered %s", resp.Status)
	}
	answer, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	s.webhookAnswer(resp.Header.Get("Content-Type"), answer)
	return nil
}
