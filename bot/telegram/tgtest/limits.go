package tgtest

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
)

// Limits the Bot API documents in prose; api.json carries them only as text.
const (
	maxText          = 4096
	maxCaption       = 1024
	maxCallbackData  = 64
	maxCallbackText  = 200
	maxCommands      = 100
	maxCommandDesc   = 256
	minUpdatesLimit  = 1
	maxUpdatesLimit  = 100
	maxSecretToken   = 256
	inlineButtonType = "InlineKeyboardButton"
)

var (
	commandRE = regexp.MustCompile(`^[a-z0-9_]{1,32}$`)
	secretRE  = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
)

// notActions are the InlineKeyboardButton fields that are not its action.
var notActions = map[string]bool{"text": true, "icon_custom_emoji_id": true, "style": true}

// checkLimits checks the documented limits api.json cannot express and
// keeps the parsed text and reply markup in req.
func (s *Server) checkLimits(req *request) *apiError {
	p := req.params
	switch req.m.Name {
	case "sendMessage", "editMessageText":
		if _, rich := p["rich_message"]; rich {
			break
		}
		c, err := parseText(p["text"], p["parse_mode"], p["entities"])
		if err != nil {
			return err
		}
		switch n := utf16Len(c.text); {
		case n == 0:
			return badRequest("message text is empty")
		case n > maxText:
			return badRequest("message is too long")
		}
		req.text = &c
	case "sendInvoice":
		if _, err := checkInvoice(p); err != nil {
			return err
		}
	case "answerCallbackQuery":
		if utf16Len(p["text"]) > maxCallbackText {
			return badRequest("MESSAGE_TOO_LONG: callback query answer text is longer than %d characters", maxCallbackText)
		}
	case "setMyCommands":
		var cmds []struct{ Command, Description string }
		if err := json.Unmarshal([]byte(p["commands"]), &cmds); err != nil {
			return badRequest("can't parse commands JSON object: %v", err)
		}
		if len(cmds) > maxCommands {
			return badRequest("too many commands: %d, at most %d", len(cmds), maxCommands)
		}
		for _, c := range cmds {
			if !commandRE.MatchString(c.Command) {
				return badRequest("BOT_COMMAND_INVALID: command %q must be 1-32 characters of a-z, 0-9 and _", c.Command)
			}
			if n := utf16Len(c.Description); n < 1 || n > maxCommandDesc {
				return badRequest("command description must be 1-%d characters, /%s has %d", maxCommandDesc, c.Command, n)
			}
		}
	case "getUpdates":
		if v, ok := p["limit"]; ok {
			if n, _ := strconv.Atoi(v); n < minUpdatesLimit || n > maxUpdatesLimit {
				return badRequest("limit must be between %d and %d, got %s", minUpdatesLimit, maxUpdatesLimit, v)
			}
		}
	case "setWebhook":
		if v, ok := p["secret_token"]; ok && (len(v) > maxSecretToken || !secretRE.MatchString(v)) {
			return badRequest("secret token contains unallowed characters")
		}
	}
	if v, ok := p["caption"]; ok && req.m.byName["caption"] != nil {
		c, err := parseText(v, p["parse_mode"], p["caption_entities"])
		if err != nil {
			return err
		}
		if utf16Len(c.text) > maxCaption {
			return badRequest("message caption is too long")
		}
		c.caption, c.text = c.text, ""
		req.text = &c
	}
	if v, ok := p["reply_markup"]; ok {
		mk, err := s.parseMarkup(v)
		if err != nil {
			return err
		}
		req.markup = mk
	}
	return nil
}

// parseText applies the parse mode to a text or caption.
func parseText(raw, mode, entities string) (content, *apiError) {
	c := content{raw: raw, parseMode: mode}
	plain := raw
	switch strings.ToLower(mode) {
	case "":
	case "html":
		text, tags, err := parseHTML(raw)
		if err != nil {
			return c, badRequest("can't parse entities: %v", err)
		}
		plain = text
		if tags > 0 {
			c.format = raw
		}
	case "markdown", "markdownv2":
		c.format = raw
	default:
		return c, badRequest("unsupported parse_mode")
	}
	if entities != "" {
		c.format += "\x00" + entities
	}
	c.text = strings.TrimSpace(plain)
	return c, nil
}

// parseMarkup checks the buttons of a reply_markup that already fits its
// api.json types and returns what the user will see (shared: not to be
// changed).
func (s *Server) parseMarkup(v string) (*markup, *apiError) {
	if c, ok := s.markups[v]; ok {
		if c.err != nil {
			e := *c.err
			return nil, &e
		}
		return c.mk, nil
	}
	mk, err := s.parseMarkupOnce(v)
	remember(&s.markups, v, markupCheck{mk, err})
	return mk, err
}

func (s *Server) parseMarkupOnce(v string) (*markup, *apiError) {
	x, err := decodeJSON(v)
	obj, ok := x.(map[string]any)
	if err != nil || !ok {
		return nil, badRequest("can't parse reply keyboard markup JSON object")
	}
	mk := &markup{}
	if rows, ok := obj["inline_keyboard"].([]any); ok {
		mk.inline = true
		for _, row := range rows {
			var line []Button
			for _, b := range row.([]any) {
				btn := b.(map[string]any)
				data, hasData := btn["callback_data"].(string)
				if hasData && (len(data) < 1 || len(data) > maxCallbackData) {
					return nil, badRequest("BUTTON_DATA_INVALID: callback_data must be 1-%d bytes, got %d", maxCallbackData, len(data))
				}
				actions := 0
				for _, f := range s.spec.types[inlineButtonType].Fields {
					if a, ok := btn[f.Name]; ok && !notActions[f.Name] && isSet(a) {
						actions++
					}
				}
				switch actions {
				case 0:
					return nil, badRequest("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
				case 1:
				default:
					return nil, badRequest("can't parse inline keyboard button: exactly one of the optional fields must be used, found %d", actions)
				}
				text, _ := btn["text"].(string)
				url, _ := btn["url"].(string)
				line = append(line, Button{Text: text, Data: data, URL: url})
			}
			mk.keyboard = append(mk.keyboard, line)
		}
	} else if rows, ok := obj["keyboard"].([]any); ok {
		for _, row := range rows {
			var line []Button
			for _, b := range row.([]any) {
				btn := b.(map[string]any)
				text, _ := btn["text"].(string)
				contact, _ := btn["request_contact"].(bool)
				location, _ := btn["request_location"].(bool)
				line = append(line, Button{Text: text, RequestContact: contact, RequestLocation: location})
			}
			mk.keyboard = append(mk.keyboard, line)
		}
	}
	if len(mk.keyboard) > 0 {
		canon, _ := json.Marshal(stripZero(obj))
		mk.canon = string(canon)
	}
	return mk, nil
}

// isSet reports whether a button field is used: present strings always are
// (switch_inline_query may be empty), other values when not zero, so that
// the "copy_text":{"text":""} go-telegram/bot always sends does not count.
func isSet(v any) bool {
	if _, ok := v.(string); ok {
		return true
	}
	return stripZero(v) != nil
}

// stripZero returns v without its zero values, or nil if it is all zero.
func stripZero(v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case bool:
		if !x {
			return nil
		}
	case string:
		if x == "" {
			return nil
		}
	case json.Number:
		if f, err := x.Float64(); err == nil && f == 0 {
			return nil
		}
	case []any:
		out := make([]any, 0, len(x))
		for _, e := range x {
			if e = stripZero(e); e != nil {
				out = append(out, e)
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			if e = stripZero(e); e != nil {
				out[k] = e
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	}
	return v
}
