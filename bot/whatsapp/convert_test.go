package whatsapp

import (
	"crypto/sha256"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/proto/waWeb"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"google.golang.org/protobuf/proto"

	"omnicart/bot"
)

var (
	t0      = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	annPN   = types.NewJID("79161234567", types.DefaultUserServer)
	annLID  = types.NewJID("123456789012345", types.HiddenUserServer)
	annAddr = bot.Address{Channel: bot.WhatsApp, Chat: "79161234567"}
	menu    = []bot.Choice{{Label: "☕ Coffee", Data: "go:coffee"}, {Label: "🛒 Cart (2)", Data: "go:cart"}, {Label: "Help", Data: "go:help"}}
)

// incoming builds a direct message from Ann's phone JID.
func incoming(m *waE2E.Message) *events.Message {
	return &events.Message{
		Info: types.MessageInfo{
			MessageSource: types.MessageSource{Chat: annPN, Sender: annPN},
			ID:            "MSG1", PushName: "Ann", Timestamp: t0,
		},
		Message: m,
	}
}

func text(s string) *waE2E.Message { return &waE2E.Message{Conversation: proto.String(s)} }

func TestToMessage(t *testing.T) {
	vcard := "BEGIN:VCARD\nVERSION:3.0\nFN:Bob\nitem1.TEL;waid=447700900123:+44 7700 900123\nEND:VCARD"
	plainVcard := "BEGIN:VCARD\r\nFN:Bob\r\nTEL;TYPE=CELL:+1 (555) 010-9999\r\nEND:VCARD"
	ownVcard := "BEGIN:VCARD\nFN:Ann\nTEL;type=CELL;waid=79161234567:+7 916 123-45-67\nEND:VCARD"
	base := bot.Message{From: annAddr, ID: "MSG1", Name: "Ann"}
	with := func(f func(m *bot.Message)) bot.Message { m := base; f(&m); return m }
	tests := []struct {
		name string
		msg  *waE2E.Message
		menu []bot.Choice
		want bot.Message
		ok   bool
	}{
		{"text", text(" latte "), nil, with(func(m *bot.Message) { m.Text = "latte" }), true},
		{"extended text", &waE2E.Message{ExtendedTextMessage: &waE2E.ExtendedTextMessage{Text: proto.String("see https://x.y")}}, nil,
			with(func(m *bot.Message) { m.Text = "see https://x.y" }), true},
		{"command", text("/start promo"), menu, with(func(m *bot.Message) { m.Command, m.Payload = "start", "promo" }), true},
		{"number", text("2"), menu, with(func(m *bot.Message) { m.Button = "go:cart" }), true},
		{"number with dot", text(" 3. "), menu, with(func(m *bot.Message) { m.Button = "go:help" }), true},
		{"number out of range", text("4"), menu, with(func(m *bot.Message) { m.Text = "4" }), true},
		{"zero", text("0"), menu, with(func(m *bot.Message) { m.Text = "0" }), true},
		{"number without menu", text("2"), nil, with(func(m *bot.Message) { m.Text = "2" }), true},
		{"name", text("coffee"), menu, with(func(m *bot.Message) { m.Button = "go:coffee" }), true},
		{"name first words", text("CART"), menu, with(func(m *bot.Message) { m.Button = "go:cart" }), true},
		{"no match is a search", text("cappuccino"), menu, with(func(m *bot.Message) { m.Text = "cappuccino" }), true},
		{"location", &waE2E.Message{LocationMessage: &waE2E.LocationMessage{DegreesLatitude: proto.Float64(55.75), DegreesLongitude: proto.Float64(37.62)}}, nil,
			with(func(m *bot.Message) { m.Location = &bot.Location{Lat: 55.75, Lon: 37.62} }), true},
		{"live location", &waE2E.Message{LiveLocationMessage: &waE2E.LiveLocationMessage{DegreesLatitude: proto.Float64(1.5), DegreesLongitude: proto.Float64(-2)}}, nil,
			with(func(m *bot.Message) { m.Location = &bot.Location{Lat: 1.5, Lon: -2} }), true},
		{"contact vcard waid", &waE2E.Message{ContactMessage: &waE2E.ContactMessage{DisplayName: proto.String("Bob"), Vcard: proto.String(vcard)}}, nil,
			with(func(m *bot.Message) { m.Contact = &bot.Contact{Phone: "+447700900123", Name: "Bob"} }), true},
		{"contact vcard tel", &waE2E.Message{ContactsArrayMessage: &waE2E.ContactsArrayMessage{Contacts: []*waE2E.ContactMessage{{DisplayName: proto.String("Bob"), Vcard: proto.String(plainVcard)}}}}, nil,
			with(func(m *bot.Message) { m.Contact = &bot.Contact{Phone: "+15550109999", Name: "Bob"} }), true},
		{"own contact", &waE2E.Message{ContactMessage: &waE2E.ContactMessage{DisplayName: proto.String("Ann"), Vcard: proto.String(ownVcard)}}, nil,
			with(func(m *bot.Message) { m.Contact = &bot.Contact{Phone: "+79161234567", Name: "Ann", Own: true} }), true},
		{"contact without phone", &waE2E.Message{ContactMessage: &waE2E.ContactMessage{Vcard: proto.String("BEGIN:VCARD\nFN:X\nEND:VCARD")}}, nil, bot.Message{}, false},
		{"image with caption", &waE2E.Message{ImageMessage: &waE2E.ImageMessage{Caption: proto.String("this one?")}}, menu,
			with(func(m *bot.Message) { m.Photo, m.Text = "MSG1", "this one?" }), true},
		{"sticker", &waE2E.Message{StickerMessage: &waE2E.StickerMessage{}}, nil, with(func(m *bot.Message) { m.Unsupported = "sticker" }), true},
		{"voice note", &waE2E.Message{AudioMessage: &waE2E.AudioMessage{PTT: proto.Bool(true)}}, nil, with(func(m *bot.Message) { m.Unsupported = "voice" }), true},
		{"document", &waE2E.Message{DocumentMessage: &waE2E.DocumentMessage{}}, nil, with(func(m *bot.Message) { m.Unsupported = "document" }), true},
		{"blank", text("  "), nil, bot.Message{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := toMessage(incoming(tt.msg), annAddr, annPN.User, tt.menu, false, nil)
			if ok != tt.ok || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("toMessage = %+v, %v\nwant        %+v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
	// A reply to the shop's message (a support card) names it.
	reply := &waE2E.Message{ExtendedTextMessage: &waE2E.ExtendedTextMessage{Text: proto.String("It ships tomorrow"),
		ContextInfo: &waE2E.ContextInfo{StanzaID: proto.String("CARD1"),
			QuotedMessage: &waE2E.Message{Conversation: proto.String("💬 #12 · Vera · waiting")}}}}
	if got, _ := toMessage(incoming(reply), annAddr, annPN.User, nil, false, nil); got.Text != "It ships tomorrow" ||
		got.ReplyTo != "CARD1" || got.ReplyText != "💬 #12 · Vera · waiting" {
		t.Errorf("a reply = %+v, want the text and the card it answers", got)
	}
	// Under a poll (no numbers shown) a number typed is text: the quantity
	// screen's "3" is three; a label still picks.
	if got, _ := toMessage(incoming(text("2")), annAddr, annPN.User, menu, true, nil); got.Text != "2" || got.Button != "" {
		t.Errorf("a number under a poll = %+v, want the text 2", got)
	}
	if got, _ := toMessage(incoming(text("coffee")), annAddr, annPN.User, menu, true, nil); got.Button != "go:coffee" {
		t.Errorf("a label under a poll = %+v, want its button", got)
	}
}

// TestOwnContact checks that Own compares with the sender's phone, not with
// the address, which may be a LID one.
func TestOwnContact(t *testing.T) {
	own := &waE2E.Message{ContactMessage: &waE2E.ContactMessage{Vcard: proto.String("BEGIN:VCARD\nTEL;waid=79161234567:+7 916\nEND:VCARD")}}
	lidAddr := bot.Address{Channel: bot.WhatsApp, Chat: "lid:123456789012345"}
	tests := []struct {
		name  string
		phone string
		want  bool
	}{
		{"phone known", annPN.User, true},
		{"phone unknown", "", false},
		{"another phone", "4915112345678", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, ok := toMessage(incoming(own), lidAddr, tt.phone, nil, false, nil)
			if !ok || m.Contact.Own != tt.want {
				t.Errorf("Own = %v, want %v (%+v)", m.Contact.Own, tt.want, m.Contact)
			}
		})
	}
}

func TestPollVote(t *testing.T) {
	hash := func(s string) []byte { h := sha256.Sum256([]byte(s)); return h[:] }
	evt := incoming(&waE2E.Message{PollUpdateMessage: &waE2E.PollUpdateMessage{}})
	tests := []struct {
		name   string
		hashes [][]byte
		want   string
		ok     bool
	}{
		{"picked", [][]byte{hash("🛒 Cart (2)")}, "go:cart", true},
		{"vote taken back", nil, "", false},
		{"other poll", [][]byte{hash("Yes")}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := toMessage(evt, annAddr, annPN.User, menu, true, &waE2E.PollVoteMessage{SelectedOptions: tt.hashes})
			if ok != tt.ok || got.Button != tt.want {
				t.Errorf("toMessage = %q, %v; want %q, %v", got.Button, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestIgnored(t *testing.T) {
	group := types.NewJID("120363000000000000", types.GroupServer)
	tests := []struct {
		name string
		edit func(e *events.Message)
		want bool
	}{
		{"direct", func(e *events.Message) {}, false},
		{"from a LID", func(e *events.Message) { e.Info.Chat, e.Info.Sender = annLID, annLID }, false},
		{"group", func(e *events.Message) { e.Info.Chat, e.Info.IsGroup = group, true }, true},
		{"group flag missing", func(e *events.Message) { e.Info.Chat = group }, true},
		{"own", func(e *events.Message) { e.Info.IsFromMe = true }, true},
		{"status", func(e *events.Message) { e.Info.Chat = types.StatusBroadcastJID }, true},
		{"broadcast list", func(e *events.Message) { e.Info.Chat = types.NewJID("1234", types.BroadcastServer) }, true},
		{"newsletter", func(e *events.Message) { e.Info.Chat = types.NewJID("1234", types.NewsletterServer) }, true},
		{"history sync", func(e *events.Message) { e.SourceWebMsg = &waWeb.WebMessageInfo{} }, true},
		{"edit", func(e *events.Message) { e.IsEdit = true }, true},
		{"old", func(e *events.Message) { e.Info.Timestamp = t0.Add(-25 * time.Hour) }, true},
		{"no body", func(e *events.Message) { e.Message = nil }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := incoming(text("hi"))
			tt.edit(e)
			if got := ignored(e, t0, 24*time.Hour); got != tt.want {
				t.Errorf("ignored = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestAddress(t *testing.T) {
	annDevice := types.JID{User: annPN.User, Device: 3, Server: types.DefaultUserServer}
	tests := []struct {
		name string
		src  types.MessageSource
		want string
	}{
		{"phone JID", types.MessageSource{Chat: annPN, Sender: annDevice}, "79161234567"},
		{"LID with phone alternative", types.MessageSource{Chat: annLID, Sender: annLID, SenderAlt: annPN}, "79161234567"},
		{"phone with LID alternative", types.MessageSource{Chat: annPN, Sender: annPN, SenderAlt: annLID}, "79161234567"},
		{"LID only", types.MessageSource{Chat: annLID, Sender: annLID}, "lid:123456789012345"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := addressOf(phoneOf(tt.src), lidOf(tt.src))
			if got != (bot.Address{Channel: bot.WhatsApp, Chat: tt.want}) {
				t.Errorf("address = %v, want whatsapp:%s", got, tt.want)
			}
			jid, ok := jidOf(got)
			if !ok || (jid != phoneOf(tt.src) && jid != lidOf(tt.src)) {
				t.Errorf("jidOf(%v) = %v, %v", got, jid, ok)
			}
		})
	}
	for _, a := range []bot.Address{{Channel: bot.Telegram, Chat: "1"}, {Channel: bot.WhatsApp, Chat: "+7916"}, {Channel: bot.WhatsApp, Chat: "lid:"}} {
		if _, ok := jidOf(a); ok {
			t.Errorf("jidOf(%v) ok, want refused", a)
		}
	}
}

// keys is a Text func that shows which key was asked for.
func keys(lang, key string) string {
	switch key {
	case "whatsapp.reply_hint":
		return "Reply with a number 1–{max}"
	case "whatsapp.poll_name":
		return "Choose:"
	}
	return "[" + lang + ":" + key + "]"
}

func TestRender(t *testing.T) {
	long := strings.Repeat("ж", 1020)
	many := make([]bot.Choice, 13)
	for i := range many {
		many[i] = bot.Choice{Label: "Item", Data: "d"}
	}
	tests := []struct {
		name  string
		r     bot.Reply
		polls bool
		want  []out
	}{
		{"text", bot.Reply{Text: "Hello"}, false, []out{{Text: "Hello"}}},
		{"numbered menu",
			bot.Reply{Text: "Our catalog:", Choices: [][]bot.Choice{{menu[0], menu[1]}, {menu[2]}, {{Label: "bad", Data: ""}}}}, false,
			[]out{{Text: "Our catalog:\n\n1. ☕ Coffee\n2. 🛒 Cart (2)\n3. Help\n\nReply with a number 1–3"}}},
		{"photo with caption", bot.Reply{Text: "Ethiopia, 250 g", Photo: "images/eth.jpg"}, false,
			[]out{{Photo: "images/eth.jpg", Text: "Ethiopia, 250 g"}}},
		{"photo with menu caption", bot.Reply{Text: "Ethiopia", Photo: "p.jpg", Choices: [][]bot.Choice{{menu[1]}}}, false,
			[]out{{Photo: "p.jpg", Text: "Ethiopia\n\n1. 🛒 Cart (2)\n\nReply with a number 1–1"}}},
		{"long caption split", bot.Reply{Text: long, Photo: "p.jpg", Choices: [][]bot.Choice{{menu[2]}}}, false,
			[]out{{Photo: "p.jpg"}, {Text: long + "\n\n1. Help\n\nReply with a number 1–1"}}},
		{"poll", bot.Reply{Text: "Our catalog:", Choices: [][]bot.Choice{menu}}, true,
			[]out{{Text: "Our catalog:", Poll: []string{"☕ Coffee", "🛒 Cart (2)", "Help"}}}},
		{"poll under a photo", bot.Reply{Text: "Ethiopia", Photo: "p.jpg", Choices: [][]bot.Choice{menu[:2]}}, true,
			[]out{{Photo: "p.jpg", Text: "Ethiopia"}, {Text: "Choose:", Poll: []string{"☕ Coffee", "🛒 Cart (2)"}}}},
		{"poll after long text", bot.Reply{Text: strings.Repeat("a", 256), Choices: [][]bot.Choice{menu[:2]}}, true,
			[]out{{Text: strings.Repeat("a", 256)}, {Text: "Choose:", Poll: []string{"☕ Coffee", "🛒 Cart (2)"}}}},
		{"one choice is no poll", bot.Reply{Text: "Go", Choices: [][]bot.Choice{{menu[2]}}}, true,
			[]out{{Text: "Go\n\n1. Help\n\nReply with a number 1–1"}}},
		{"13 choices are no poll", bot.Reply{Choices: [][]bot.Choice{many}}, true,
			[]out{{Text: numbered(13, "Item")}}},
		{"long label is no poll", bot.Reply{Text: "Go", Choices: [][]bot.Choice{{menu[2], {Label: strings.Repeat("x", 101), Data: "x"}}}}, true,
			[]out{{Text: "Go\n\n1. Help\n2. " + strings.Repeat("x", 101) + "\n\nReply with a number 1–2"}}},
		{"duplicate labels are no poll", bot.Reply{Text: "Go", Choices: [][]bot.Choice{{{Label: "A", Data: "1"}, {Label: "A", Data: "2"}}}}, true,
			[]out{{Text: "Go\n\n1. A\n2. A\n\nReply with a number 1–2"}}},
		{"ask contact and location", bot.Reply{Text: "Phone?", Lang: "ru", AskContact: true, AskLocation: true}, false,
			[]out{{Text: "Phone?\n\n[ru:whatsapp.share_contact]\n\n[ru:whatsapp.share_location]"}}},
		{"notice only", bot.Reply{Notice: "Added"}, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := render(tt.r, tt.polls, keys)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("render =\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

// numbered is the menu text of n choices all labelled label.
func numbered(n int, label string) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		b.WriteString(strconv.Itoa(i) + ". " + label + "\n")
	}
	b.WriteString("\nReply with a number 1–" + strconv.Itoa(n))
	return b.String()
}
