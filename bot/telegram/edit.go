package telegram

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"omnicart/bot"
)

// Post sends one text message now, within the bot's global limit, and
// returns its message id, so that Edit can change it in place later (a
// broadcast's progress message). It bypasses the per-chat queue: it is for
// staff chats, where it is the only message for a while.
func (t *Telegram) Post(ctx context.Context, to bot.Address, r bot.Reply) (string, error) {
	chat, err := strconv.ParseInt(to.Chat, 10, 64)
	if err != nil || to.Channel != bot.Telegram {
		return "", fmt.Errorf("telegram: bad address %s", to)
	}
	end, ok := t.out.global.begin(ctx)
	if !ok {
		return "", ctx.Err()
	}
	defer end()
	msg, err := t.tg.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: chat, Text: escape(trim(r.Text)),
		ParseMode: models.ParseModeHTML, ReplyMarkup: inlineKeyboard(r.Choices),
		LinkPreviewOptions: &models.LinkPreviewOptions{IsDisabled: tgbot.True()}})
	if err != nil {
		return "", fmt.Errorf("telegram: post: %w", err)
	}
	return strconv.Itoa(msg.ID), nil
}

// Edit changes the text of a message Post sent. An unchanged text is no
// error.
func (t *Telegram) Edit(ctx context.Context, to bot.Address, id string, r bot.Reply) error {
	chat, err := strconv.ParseInt(to.Chat, 10, 64)
	msgID, err2 := strconv.Atoi(id)
	if err != nil || err2 != nil || to.Channel != bot.Telegram {
		return fmt.Errorf("telegram: bad address %s or message %q", to, id)
	}
	end, ok := t.out.global.begin(ctx)
	if !ok {
		return ctx.Err()
	}
	defer end()
	_, err = t.tg.EditMessageText(ctx, &tgbot.EditMessageTextParams{ChatID: chat, MessageID: msgID,
		Text: escape(trim(r.Text)), ParseMode: models.ParseModeHTML, ReplyMarkup: inlineKeyboard(r.Choices),
		LinkPreviewOptions: &models.LinkPreviewOptions{IsDisabled: tgbot.True()}})
	if err != nil && !isNotModified(err) {
		return fmt.Errorf("telegram: edit: %w", err)
	}
	return nil
}

// trim keeps a text within one message.
func trim(s string) string {
	if parts := split(s, maxText); len(parts) > 0 {
		return parts[0]
	}
	return s
}

var _ bot.Editor = (*Telegram)(nil)

func isNotModified(err error) bool { return strings.Contains(err.Error(), "message is not modified") }
