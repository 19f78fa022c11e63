package tgtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// botUsername is the username getMe reports.
const botUsername = "omnicart_test_bot"

// notModifiedDesc is Telegram's answer to an edit that changes nothing.
const notModifiedDesc = "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message"

// newMessage stores a message the bot sends; s.mu is held.
func (s *Server) newMessage(req *request) *message {
	c := s.chat(req.chat)
	c.lastMsg++
	m := &message{id: c.lastMsg, date: s.now().Unix()}
	if req.text != nil {
		m.content = *req.text
	}
	if req.m.Name == "sendPhoto" {
		m.photo = s.fileID(req.params["photo"])
	}
	if req.m.Name == "sendInvoice" {
		m.invoice, _ = checkInvoice(req.params) // checked in checkLimits
	}
	if req.markup != nil {
		m.markup = *req.markup
	}
	c.msgs = append(c.msgs, m)
	return m
}

// fileID keeps a file_id the bot reused and invents one for an upload or a
// URL; s.mu is held.
func (s *Server) fileID(param string) string {
	if param != "" && !strings.Contains(param, "://") {
		return param
	}
	return fmt.Sprintf("tgtest-file-%d", s.newID())
}

// edit runs editMessageText, editMessageCaption and editMessageReplyMarkup;
// s.mu is held.
func (s *Server) edit(req *request) (any, *apiError) {
	if _, ok := req.params["inline_message_id"]; ok {
		return true, nil // inline messages are not tracked
	}
	id, err := strconv.Atoi(req.params["message_id"])
	if !req.hasChat || err != nil {
		return nil, badRequest("message identifier is not specified")
	}
	m := s.find(req.chat, id)
	switch {
	case m == nil:
		return nil, badRequest("message to edit not found")
	case m.user:
		return nil, badRequest("message can't be edited")
	}
	next := *m
	switch req.m.Name {
	case "editMessageText":
		if m.photo != "" {
			return nil, badRequest("there is no text in the message to edit")
		}
		if req.text != nil {
			next.content = *req.text
		}
	case "editMessageCaption":
		if m.photo == "" {
			return nil, badRequest("there is no caption in the message to edit")
		}
		next.content = content{}
		if req.text != nil {
			next.content = *req.text
		}
	}
	switch {
	case req.markup != nil:
		next.markup = *req.markup
	case m.markup.inline: // an edit without reply_markup removes the inline keyboard
		next.markup = markup{}
	}
	if sameContent(next.content, m.content) && next.markup.canon == m.markup.canon {
		s.notModified++
		return nil, &apiError{code: http.StatusBadRequest, desc: notModifiedDesc}
	}
	next.editDate = s.now().Unix()
	*m = next
	return s.messageJSON(req.chat, m), nil
}

func sameContent(a, b content) bool {
	return a.text == b.text && a.caption == b.caption && a.format == b.format
}

// copy runs copyMessage and forwardMessage; s.mu is held.
func (s *Server) copy(req *request) (any, *apiError) {
	var src *message
	if from, err := strconv.ParseInt(req.params["from_chat_id"], 10, 64); err == nil {
		id, _ := strconv.Atoi(req.params["message_id"])
		src = s.find(from, id)
	}
	if src == nil {
		return nil, badRequest("message to %s not found", strings.TrimSuffix(strings.ToLower(req.m.Name), "message"))
	}
	c := s.chat(req.chat)
	c.lastMsg++
	m := &message{id: c.lastMsg, date: s.now().Unix(), content: src.content, photo: src.photo}
	if req.text != nil && src.photo != "" {
		m.content = *req.text
	}
	if req.markup != nil {
		m.markup = *req.markup
	}
	c.msgs = append(c.msgs, m)
	if req.m.Name == "copyMessage" {
		return map[string]any{"message_id": m.id}, nil
	}
	return s.messageJSON(req.chat, m), nil
}

// apiMessage is a Bot API Message as the fake renders it.
type apiMessage struct {
	MessageID   int             `json:"message_id"`
	From        any             `json:"from"`
	Chat        apiChat         `json:"chat"`
	Date        int64           `json:"date"`
	EditDate    int64           `json:"edit_date,omitempty"`
	Text        string          `json:"text,omitempty"`
	Caption     string          `json:"caption,omitempty"`
	Photo       []apiPhotoSize  `json:"photo,omitempty"`
	Invoice     *apiInvoice     `json:"invoice,omitempty"`
	ReplyMarkup json.RawMessage `json:"reply_markup,omitempty"`
}

type apiPhotoSize struct {
	FileID       string `json:"file_id"`
	FileUniqueID string `json:"file_unique_id"`
	Width        int    `json:"width"`
	Height       int    `json:"height"`
}

type apiInvoice struct {
	Title          string `json:"title"`
	Description    string `json:"description"`
	StartParameter string `json:"start_parameter"`
	Currency       string `json:"currency"`
	TotalAmount    int64  `json:"total_amount"`
}

// apiUser and apiChat are a Bot API User and Chat.
type apiUser struct {
	ID           int64  `json:"id"`
	IsBot        bool   `json:"is_bot"`
	FirstName    string `json:"first_name"`
	LastName     string `json:"last_name,omitempty"`
	LanguageCode string `json:"language_code,omitempty"`
}

type apiChat struct {
	ID        int64  `json:"id"`
	Type      string `json:"type"`
	Title     string `json:"title,omitempty"`
	FirstName string `json:"first_name,omitempty"`
	LastName  string `json:"last_name,omitempty"`
}

// messageJSON renders a stored message as a Bot API Message; s.mu is held.
func (s *Server) messageJSON(chatID int64, m *message) apiMessage {
	out := apiMessage{MessageID: m.id, Date: m.date, Chat: chatJSON(chatID), From: s.botJSON,
		EditDate: m.editDate, Text: m.text, Caption: m.caption}
	if m.user {
		out.From = userJSON(chatID, "")
	}
	if m.photo != "" {
		out.Photo = []apiPhotoSize{
			{FileID: m.photo, FileUniqueID: "u-" + m.photo, Width: 90, Height: 90},
			{FileID: m.photo, FileUniqueID: "u-" + m.photo, Width: 800, Height: 800},
		}
	}
	if inv := m.invoice; inv != nil {
		out.Invoice = &apiInvoice{Title: inv.Title, Description: inv.Description, Currency: inv.Currency, TotalAmount: inv.Total}
	}
	if m.markup.inline && m.markup.canon != "" {
		out.ReplyMarkup = json.RawMessage(m.markup.canon)
	}
	return out
}

func (s *Server) botUser() map[string]any {
	return map[string]any{
		"id": s.botID, "is_bot": true, "first_name": "Omnicart Test", "username": botUsername,
		"can_join_groups": true, "can_read_all_group_messages": false, "supports_inline_queries": false,
	}
}

// userJSON is the user behind a private chat: its id is the chat's.
func userJSON(id int64, lang string) apiUser {
	return apiUser{ID: id, FirstName: "Test", LastName: "User", LanguageCode: lang}
}

// chatJSON describes a chat: positive ids are private chats, as on Telegram.
func chatJSON(id int64) apiChat {
	switch {
	case id > 0:
		return apiChat{ID: id, Type: "private", FirstName: "Test", LastName: "User"}
	case id <= -1_000_000_000_000:
		return apiChat{ID: id, Type: "supergroup", Title: "Test group"}
	default:
		return apiChat{ID: id, Type: "group", Title: "Test group"}
	}
}
