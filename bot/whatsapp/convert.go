package whatsapp

import (
	"bytes"
	"crypto/sha256"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"google.golang.org/protobuf/proto"

	"omnicart/bot"
)

// This file holds the pure translation between whatsmeow and bot values.

// WhatsApp's size limits, in runes.
const (
	maxCaption     = 1024
	maxPollName    = 255
	maxPollOption  = 100
	minPollOptions = 2
	maxPollOptions = 12
)

// lidPrefix marks an address whose phone number is unknown: "lid:<user>".
const lidPrefix = "lid:"

// ignored says whether evt is not a shopper's direct message to answer:
// groups, broadcast lists, status updates, newsletters, our own messages,
// edits, messages parsed from a history sync, and messages older than
// maxAge (delivered late after a long time offline).
func ignored(evt *events.Message, now time.Time, maxAge time.Duration) bool {
	info := evt.Info
	switch {
	case evt.Message == nil, info.IsFromMe, info.IsGroup, evt.IsEdit, evt.SourceWebMsg != nil:
		return true
	case info.Chat.Server != types.DefaultUserServer && info.Chat.Server != types.HiddenUserServer:
		return true // groups, broadcasts, status@broadcast, newsletters, bots
	case maxAge > 0 && !info.Timestamp.IsZero() && now.Sub(info.Timestamp) > maxAge:
		return true
	}
	return false
}

// phoneOf returns the sender's phone-number JID when the message carries it:
// the sender itself, or its alternative address (a LID-addressed message
// from a contact carries the phone number in SenderAlt). Otherwise it returns
// the empty JID.
func phoneOf(src types.MessageSource) types.JID {
	for _, j := range []types.JID{src.Sender, src.SenderAlt, src.Chat} {
		if j.Server == types.DefaultUserServer && j.User != "" {
			return j.ToNonAD()
		}
	}
	return types.EmptyJID
}

// lidOf returns the sender's LID when the message is LID-addressed.
func lidOf(src types.MessageSource) types.JID {
	for _, j := range []types.JID{src.Sender, src.SenderAlt, src.Chat} {
		if j.Server == types.HiddenUserServer && j.User != "" {
			return j.ToNonAD()
		}
	}
	return types.EmptyJID
}

// addressOf is the address a newly seen WhatsApp user is given: Chat is
// the phone number's digits ("79161234567") when pn is known, else
// "lid:<user>". WhatsApp.addressFor keeps it for good.
func addressOf(pn, lid types.JID) bot.Address {
	if pn.User != "" {
		return bot.Address{Channel: bot.WhatsApp, Chat: pn.User}
	}
	return bot.Address{Channel: bot.WhatsApp, Chat: lidPrefix + lid.User}
}

// jidOf is the inverse of addressOf.
func jidOf(a bot.Address) (types.JID, bool) {
	if a.Channel != bot.WhatsApp {
		return types.EmptyJID, false
	}
	if user, ok := strings.CutPrefix(a.Chat, lidPrefix); ok {
		return types.NewJID(user, types.HiddenUserServer), isDigits(user)
	}
	return types.NewJID(a.Chat, types.DefaultUserServer), isDigits(a.Chat)
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// toMessage converts a shopper's message from the address from; phone is
// the sender's phone number (digits), empty when unknown. menu is the
// choices of the latest menu sent to that chat, used to read "2" or "Cart"
// as a button press; vote is the decrypted vote when evt is a poll update
// (on that menu's poll). It returns false for messages the shop does not
// take (stickers, reactions, audio, ...).
func toMessage(evt *events.Message, from bot.Address, phone string, menu []bot.Choice, polled bool, vote *waE2E.PollVoteMessage) (bot.Message, bool) {
	msg := evt.Message
	m := bot.Message{From: from, ID: evt.Info.ID, Name: evt.Info.PushName}
	switch {
	case msg.GetPollUpdateMessage() != nil:
		data, ok := voteChoice(vote, menu)
		if !ok {
			return bot.Message{}, false
		}
		m.Button = data
	case msg.GetLocationMessage() != nil:
		l := msg.GetLocationMessage()
		m.Location = &bot.Location{Lat: l.GetDegreesLatitude(), Lon: l.GetDegreesLongitude()}
	case msg.GetLiveLocationMessage() != nil:
		l := msg.GetLiveLocationMessage()
		m.Location = &bot.Location{Lat: l.GetDegreesLatitude(), Lon: l.GetDegreesLongitude()}
	case msg.GetContactMessage() != nil || len(msg.GetContactsArrayMessage().GetContacts()) > 0:
		c := msg.GetContactMessage()
		if c == nil {
			c = msg.GetContactsArrayMessage().GetContacts()[0]
		}
		vcard := vcardPhone(c.GetVcard())
		if vcard == "" {
			return bot.Message{}, false
		}
		m.Contact = &bot.Contact{Phone: "+" + vcard, Name: c.GetDisplayName(), Own: phone != "" && vcard == phone}
	case msg.GetAudioMessage() != nil || msg.GetPtvMessage() != nil:
		m.Unsupported = "voice"
	case msg.GetStickerMessage() != nil:
		m.Unsupported = "sticker"
	case msg.GetVideoMessage() != nil:
		m.Unsupported = "video"
	case msg.GetDocumentMessage() != nil:
		m.Unsupported = "document"
	case msg.GetImageMessage() != nil:
		m.Photo = evt.Info.ID // WhatsApp has no reusable file id: the message id names the image
		m.Text = strings.TrimSpace(msg.GetImageMessage().GetCaption())
	default:
		text := msg.GetConversation()
		if text == "" {
			text = msg.GetExtendedTextMessage().GetText()
		}
		if strings.TrimSpace(text) == "" {
			return bot.Message{}, false
		}
		if data, ok := pick(text, menu, !polled); ok {
			m.Button = data
			break
		}
		m.Command, m.Payload, m.Text = bot.ParseText(text)
		// A reply to a message (swipe to reply): staff answer a support
		// card so, as they do in Telegram.
		if ci := msg.GetExtendedTextMessage().GetContextInfo(); ci.GetQuotedMessage() != nil {
			q := ci.GetQuotedMessage()
			m.ReplyTo, m.ReplyText = ci.GetStanzaID(), q.GetConversation()
			if m.ReplyText == "" {
				m.ReplyText = q.GetExtendedTextMessage().GetText()
			}
			if m.ReplyText == "" {
				m.ReplyText = q.GetImageMessage().GetCaption()
			}
			if m.ReplyText == "" { // a card with buttons went as a poll: its text is the poll's name
				m.ReplyText = q.GetPollCreationMessage().GetName()
			}
		}
	}
	return m, true
}

// pick reads text as an answer to menu: a number in its range ("2", "2.")
// when the menu was a numbered list, or an option's label ("cart" for
// "🛒 Cart"), compared by letters and digits only, ignoring case; a label
// may also be named by its first words ("cart" for "🛒 Cart (2)") when only
// one label starts so. It returns the chosen Data, or false when text is
// no answer (so it stays text: a search, a quantity). A menu sent as a
// poll shows no numbers: a number typed under it is text (the quantity
// screen's "3" is three, not its third option).
func pick(text string, menu []bot.Choice, numbered bool) (string, bool) {
	if len(menu) == 0 {
		return "", false
	}
	t := strings.TrimSpace(text)
	t = strings.TrimRight(t, ".)")
	if n, err := strconv.Atoi(t); err == nil && isDigits(t) {
		if !numbered {
			return "", false
		}
		if n >= 1 && n <= len(menu) {
			return menu[n-1].Data, true
		}
		return "", false
	}
	want := fold(text)
	if !strings.ContainsFunc(want, unicode.IsLetter) {
		return "", false
	}
	var prefix []string
	for _, c := range menu {
		label := fold(c.Label)
		if label == want {
			return c.Data, true
		}
		if strings.HasPrefix(label, want+" ") {
			prefix = append(prefix, c.Data)
		}
	}
	if len(prefix) == 1 {
		return prefix[0], true
	}
	return "", false
}

// fold lowercases s and keeps its letters and digits, as words separated by
// single spaces: "🛒 Cart (2)" → "cart 2".
func fold(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteRune(unicode.ToLower(r))
			space = false
		} else {
			space = true
		}
	}
	return b.String()
}

// voteChoice returns the Data of the menu option the vote selected. A poll
// vote carries SHA-256 hashes of the selected option names; an empty vote
// (the shopper took the vote back) or one for other options is no answer.
func voteChoice(vote *waE2E.PollVoteMessage, menu []bot.Choice) (string, bool) {
	for _, h := range vote.GetSelectedOptions() {
		for _, c := range menu {
			sum := sha256.Sum256([]byte(c.Label))
			if bytes.Equal(h, sum[:]) {
				return c.Data, true
			}
		}
	}
	return "", false
}

// vcardPhone returns the first phone number of a vCard as digits: the
// WhatsApp id (waid=...) when present, else the TEL value's digits.
func vcardPhone(vcard string) string {
	for line := range strings.Lines(vcard) {
		name, value, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok {
			continue
		}
		params := strings.Split(strings.ToUpper(name), ";")
		if _, prop, _ := strings.Cut(params[0], "."); prop != "TEL" && params[0] != "TEL" { // "item1.TEL"
			continue
		}
		for _, p := range params[1:] {
			if id, ok := strings.CutPrefix(p, "WAID="); ok && isDigits(id) {
				return id
			}
		}
		var digits strings.Builder
		for _, r := range value {
			if r >= '0' && r <= '9' {
				digits.WriteRune(r)
			}
		}
		if digits.Len() > 0 {
			return digits.String()
		}
	}
	return ""
}

// out is one WhatsApp message to send: a text, an image with an optional
// caption (Text), or a single-choice poll named Text.
type out struct {
	Text  string
	Photo string
	PNG   []byte // a generated picture (bot.Reply.PhotoPNG), sent instead of Photo
	Poll  []string
}

// choicesOf flattens a reply's rows of choices, keeping those a shopper
// can pick.
func choicesOf(r bot.Reply) []bot.Choice {
	var cs []bot.Choice
	for _, row := range r.Choices {
		for _, c := range row {
			if c.Data != "" && len(c.Data) <= bot.MaxChoiceData {
				cs = append(cs, c)
			}
		}
	}
	return cs
}

// render turns one reply into WhatsApp messages. Choices become a numbered
// list with a hint line ("Reply with a number 1–3"), or, when polls is on
// and they fit, a single-choice poll. A photo carries the text as its
// caption when it fits in 1024 runes, else the text follows it. text looks
// up the channel's own texts (whatsapp.*).
func render(r bot.Reply, polls bool, text func(lang, key string) string) []out {
	body := r.Text
	if r.AskContact {
		body = joinNonEmpty("\n\n", body, text(r.Lang, "whatsapp.share_contact"))
	}
	if r.AskLocation {
		body = joinNonEmpty("\n\n", body, text(r.Lang, "whatsapp.share_location"))
	}
	choices := choicesOf(r)
	var poll []string
	if polls && pollFits(choices) {
		for _, c := range choices {
			poll = append(poll, c.Label)
		}
	} else if len(choices) > 0 {
		body = joinNonEmpty("\n\n", body, menuText(choices, r.Lang, text))
	}

	var outs []out
	switch {
	case (r.Photo != "" || len(r.PhotoPNG) > 0) && utf8.RuneCountInString(body) <= maxCaption:
		outs = append(outs, out{Photo: r.Photo, PNG: r.PhotoPNG, Text: body})
		body = ""
	case r.Photo != "" || len(r.PhotoPNG) > 0:
		outs = append(outs, out{Photo: r.Photo, PNG: r.PhotoPNG})
	}
	if poll != nil {
		name := body
		if name == "" || utf8.RuneCountInString(name) > maxPollName {
			if name != "" {
				outs = append(outs, out{Text: name})
			}
			name = text(r.Lang, "whatsapp.poll_name")
		}
		return append(outs, out{Text: name, Poll: poll})
	}
	if body != "" {
		outs = append(outs, out{Text: body})
	}
	return outs
}

// pollFits says whether choices can be a WhatsApp poll: 2 to 12 options
// with distinct labels of at most 100 runes.
func pollFits(choices []bot.Choice) bool {
	if len(choices) < minPollOptions || len(choices) > maxPollOptions {
		return false
	}
	seen := make(map[string]bool, len(choices))
	for _, c := range choices {
		if c.Label == "" || utf8.RuneCountInString(c.Label) > maxPollOption || seen[c.Label] {
			return false
		}
		seen[c.Label] = true
	}
	return true
}

// menuText numbers the choices, one a line, and adds the hint line.
func menuText(choices []bot.Choice, lang string, text func(lang, key string) string) string {
	var b strings.Builder
	for i, c := range choices {
		label := c.Label
		if label == "" {
			label = "·"
		}
		b.WriteString(strconv.Itoa(i+1) + ". " + label + "\n")
	}
	b.WriteString("\n" + strings.ReplaceAll(text(lang, "whatsapp.reply_hint"), "{max}", strconv.Itoa(len(choices))))
	return b.String()
}

func joinNonEmpty(sep string, parts ...string) string {
	var keep []string
	for _, p := range parts {
		if p != "" {
			keep = append(keep, p)
		}
	}
	return strings.Join(keep, sep)
}

// textMessage is a plain text message.
func textMessage(text string) *waE2E.Message {
	return &waE2E.Message{Conversation: proto.String(text)}
}

// imageMessage is an uploaded image with an optional caption.
func imageMessage(up whatsmeow.UploadResponse, mimetype, caption string) *waE2E.Message {
	img := &waE2E.ImageMessage{
		URL:           proto.String(up.URL),
		DirectPath:    proto.String(up.DirectPath),
		MediaKey:      up.MediaKey,
		Mimetype:      proto.String(mimetype),
		FileEncSHA256: up.FileEncSHA256,
		FileSHA256:    up.FileSHA256,
		FileLength:    proto.Uint64(up.FileLength),
	}
	if caption != "" {
		img.Caption = proto.String(caption)
	}
	return &waE2E.Message{ImageMessage: img}
}
