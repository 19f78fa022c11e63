package flows

import (
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"omnicart/bot"
	"omnicart/shop"
)

// Support: a shopper asks for a person (/operator, the menu's button, or
// after typing twice what the bot could not place). Operators get the
// shopper's card, one takes the conversation (/take N or the card's
// button; of two racing, one wins), answers by replying to the card in
// Telegram or with /reply N text anywhere, and /close N hands the shopper
// back to the bot. Every message either way is a service notice through
// the outbox, so it reaches the other side on the chat they use.

// Session keys of the support flow.
const (
	varUnplaced = "unplaced"     // search: texts in a row the bot could not place
	varNoted    = "support_note" // support: the conversation whose queue note was said
)

func (d *desk) supportActions() Actions {
	return Actions{
		"open_support":      {Emits: []string{"open"}, Run: d.openSupport},
		"to_operator":       {Emits: []string{"sent", "closed"}, Run: d.toOperator},
		"support_queue":     {Role: RoleOperator, Run: d.queue},
		"take_conversation": {Role: RoleOperator, Run: d.take},
		"reply_to_shopper":  {Role: RoleOperator, Run: d.reply},
		"close_support":     {Role: RoleOperator, Run: d.close},
	}
}

// menuRow is a reply with text and one "main menu" button.
func menuReply(c *Ctx, text string) bot.Reply {
	return bot.Reply{Text: text, Choices: [][]bot.Choice{{GoButton(c.P.T("common.menu"), "main")}}}
}

func (d *desk) openSupport(c *Ctx) (string, error) {
	conv, created, err := d.st.OpenConversation(c, c.Customer.ID)
	if err != nil {
		return "", err
	}
	var text string
	switch {
	case conv.Status == shop.ConversationTaken:
		text = c.P.T("support.with_operator", "name", conv.OperatorName)
	default:
		if open, at := d.opt.Hours.Next(c.Now, c.Shop.zone()); !open {
			text = c.P.T("support.offline", "when", c.Time(at))
		} else {
			text = c.P.T("support.queued")
		}
	}
	if created {
		if err := d.sendCards(c, conv, "card", ""); err != nil {
			return "", err
		}
	}
	c.out = append(c.out, menuReply(c, text))
	return "open", nil
}

// sendCards sends the shopper's card of conv to the operators (all of
// them, or only to when set), once per occasion.
func (d *desk) sendCards(ctx *Ctx, conv shop.Conversation, occasion string, to shop.CustomerID) error {
	ops, err := d.staffCustomers(ctx, RoleOperator, "")
	if err != nil {
		return err
	}
	var notices []shop.Notice
	for _, op := range ops {
		if to != "" && op.ID != to {
			continue
		}
		card, err := d.card(ctx, conv, op)
		if err != nil {
			return err
		}
		n := shop.Notice{Key: fmt.Sprintf("support/%d/%s/%s", conv.N, occasion, op.ID), Customer: op.ID, Kind: shop.NoticeService,
			Text: "support.card", Args: card}
		if conv.Status == shop.ConversationWaiting {
			n.Buttons = []shop.NoticeButton{{Text: "support.take", Event: CommandEvent("take"), Arg: strconv.FormatInt(conv.N, 10)}}
		}
		notices = append(notices, n)
	}
	return d.enqueue(ctx, notices...)
}

func (d *desk) toOperator(c *Ctx) (string, error) {
	conv, ok, err := d.st.ActiveConversation(c, c.Customer.ID)
	if err != nil {
		return "", err
	}
	if !ok {
		c.out = append(c.out, menuReply(c, c.P.T("support.back_to_bot")))
		return "closed", nil
	}
	text := c.Msg.Text
	if c.Msg.Photo != "" {
		text = strings.TrimSpace("📷 " + text)
		if err := d.st.LogMessage(c, c.Customer.ID, shop.LoggedMessage{At: c.Now, From: shop.FromShopper, Channel: c.Msg.From.Channel, Text: text}); err != nil {
			return "", err
		}
	}
	if text == "" {
		return "sent", nil
	}
	if err := d.st.TouchConversation(c, conv.N); err != nil {
		return "", err
	}
	if conv.Status == shop.ConversationTaken {
		op, err := d.st.CustomerFor(c, conv.Operator)
		if err != nil {
			return "", err
		}
		name := c.Customer.Name
		if name == "" {
			name = "—"
		}
		return "sent", d.enqueue(c, shop.Notice{Key: fmt.Sprintf("support/%d/in/%d", conv.N, c.Now.UnixNano()), Customer: op.ID,
			Kind: shop.NoticeService, Text: "support.from_shopper",
			Args: []shop.NoticeArg{shop.NumberArg("number", conv.N), shop.TextArg("name", name),
				shop.TextArg("channel", staffChannel(c.Shop.Texts.Printer(op.Lang), c.Msg.From.Channel)), shop.TextArg("text", text)}})
	}
	if c.Vars[varNoted] != strconv.FormatInt(conv.N, 10) {
		c.Vars[varNoted] = strconv.FormatInt(conv.N, 10)
		c.Say("support.noted")
	}
	return "sent", nil
}

// staffName is how a staff member is named to shoppers and colleagues.
func staffName(c *Ctx) string {
	if c.Customer.Name != "" {
		return c.Customer.Name
	}
	return c.P.T("support.operator")
}

// convNumber reads the conversation number at the start of the command's
// payload and returns the rest.
func convNumber(s string) (int64, string, bool) {
	head, rest, _ := strings.Cut(strings.TrimSpace(s), " ")
	n, err := strconv.ParseInt(strings.TrimPrefix(head, "#"), 10, 64)
	return n, strings.TrimSpace(rest), err == nil && n > 0
}

func (d *desk) take(c *Ctx) (string, error) {
	n, _, ok := convNumber(c.Arg)
	if !ok {
		c.Text(c.P.T("support.take_usage"))
		return "", nil
	}
	conv, err := d.st.TakeConversation(c, n, c.Msg.From.String(), staffName(c))
	if done, err := d.refused(c, n, conv, err); done {
		return "", err
	}
	return "", d.took(c, conv)
}

// deskAudit records a desk action (a broadcast sent or cancelled, a
// support conversation taken, answered or closed) in the audit log, as
// the staff's commands on orders and the catalog are. A failure to record
// is logged, not shown: the action itself was done.
func deskAudit(c *Ctx, action, target, after string) {
	st, ok := c.eng.store.(staffStore)
	if !ok {
		return
	}
	e := audit(c, action)
	e.Target, e.After = target, after
	if err := st.Audit(c, e); err != nil {
		c.Log.Warn("audit", slog.String("action", action), slog.Any("err", err))
	}
}

// refused answers a take, reply or close that cannot be done; done is
// true when it answered (or err is a real failure).
func (d *desk) refused(c *Ctx, n int64, conv shop.Conversation, err error) (bool, error) {
	switch {
	case err == nil:
		return false, nil
	case errors.Is(err, shop.ErrTaken):
		c.Text(c.P.T("support.taken_already", "number", n, "name", conv.OperatorName))
	case errors.Is(err, shop.ErrClosed), errors.Is(err, shop.ErrNotFound):
		c.Text(c.P.T("support.no_such", "number", n))
	default:
		return true, err
	}
	return true, nil
}

// took tells everyone that the operator of c took conv: the operator gets
// the card again (fresh), the shopper who answers, the other operators
// who took it.
func (d *desk) took(c *Ctx, conv shop.Conversation) error {
	deskAudit(c, "support", fmt.Sprintf("conversation %d", conv.N), "taken")
	args, err := d.card(c, conv, *c.Customer)
	if err != nil {
		return err
	}
	c.Say("support.took", "number", conv.N)
	c.Text(renderArgs(c, "support.card", args))
	notices := []shop.Notice{{Key: fmt.Sprintf("support/%d/taken", conv.N), Customer: conv.Customer, Kind: shop.NoticeService,
		Text: "support.joined", Args: []shop.NoticeArg{shop.TextArg("name", conv.OperatorName)}}}
	others, err := d.staffCustomers(c, RoleOperator, c.Customer.ID)
	if err != nil {
		return err
	}
	for _, op := range others {
		notices = append(notices, shop.Notice{Key: fmt.Sprintf("support/%d/taken/%s", conv.N, op.ID), Customer: op.ID,
			Kind: shop.NoticeService, Text: "support.taken_by",
			Args: []shop.NoticeArg{shop.NumberArg("number", conv.N), shop.TextArg("name", conv.OperatorName)}})
	}
	return d.enqueue(c, notices...)
}

// renderArgs renders key with notice arguments in c's language.
func renderArgs(c *Ctx, key string, args []shop.NoticeArg) string {
	var a []any
	for _, x := range args {
		switch {
		case x.Number != nil:
			a = append(a, x.Name, *x.Number)
		case x.Money != nil:
			a = append(a, x.Name, c.Money(*x.Money))
		default:
			a = append(a, x.Name, x.Text)
		}
	}
	return c.P.T(key, a...)
}

func (d *desk) reply(c *Ctx) (string, error) {
	n, text, ok := convNumber(c.Arg)
	if !ok || text == "" {
		c.Text(c.P.T("support.reply_usage"))
		return "", nil
	}
	conv, err := d.st.Conversation(c, n)
	if err == nil && conv.Status == shop.ConversationWaiting {
		// Answering a waiting shopper takes the conversation.
		conv, err = d.st.TakeConversation(c, n, c.Msg.From.String(), staffName(c))
		if err == nil {
			if err := d.took(c, conv); err != nil {
				return "", err
			}
		}
	} else if err == nil && conv.Open() && conv.Operator != c.Msg.From.String() {
		err = shop.ErrTaken
	} else if err == nil && !conv.Open() {
		err = shop.ErrClosed
	}
	if done, err := d.refused(c, n, conv, err); done {
		return "", err
	}
	if err := d.st.TouchConversation(c, n); err != nil {
		return "", err
	}
	if err := d.st.LogMessage(c, conv.Customer, shop.LoggedMessage{At: c.Now, From: shop.FromOperator, Channel: c.Msg.From.Channel, Text: text}); err != nil {
		return "", err
	}
	deskAudit(c, "support", fmt.Sprintf("conversation %d", n), "answered")
	err = d.enqueue(c, shop.Notice{Key: fmt.Sprintf("support/%d/out/%d", n, c.Now.UnixNano()), Customer: conv.Customer,
		Kind: shop.NoticeService, Text: "support.answer",
		Args:    []shop.NoticeArg{shop.TextArg("name", conv.OperatorName), shop.TextArg("text", text)},
		Buttons: []shop.NoticeButton{{Text: "support.answer_back", Event: GoEvent("support")}}})
	if err != nil {
		return "", err
	}
	if c.text == "" {
		c.Text(c.P.T("support.sent", "number", n))
	} else {
		c.Say("support.sent", "number", n)
	}
	return "", nil
}

func (d *desk) close(c *Ctx) (string, error) {
	n, _, ok := convNumber(c.Arg)
	if !ok {
		c.Text(c.P.T("support.close_usage"))
		return "", nil
	}
	conv, err := d.st.Conversation(c, n)
	if err == nil && conv.Status == shop.ConversationTaken && conv.Operator != c.Msg.From.String() && !c.Role.AtLeast(RoleManager) {
		err = shop.ErrTaken
	}
	if err == nil {
		conv, err = d.st.CloseConversation(c, n)
	}
	if done, err := d.refused(c, n, conv, err); done {
		return "", err
	}
	c.Text(c.P.T("support.closed_ok", "number", n))
	deskAudit(c, "support", fmt.Sprintf("conversation %d", n), "closed")
	return "", d.enqueue(c, closedNotice(conv))
}

// closedNotice tells the shopper the bot is back.
func closedNotice(conv shop.Conversation) shop.Notice {
	return shop.Notice{Key: fmt.Sprintf("support/%d/closed", conv.N), Customer: conv.Customer, Kind: shop.NoticeService,
		Text: "support.closed", Buttons: []shop.NoticeButton{{Text: "common.menu", Event: GoEvent("main")}}}
}

func (d *desk) queue(c *Ctx) (string, error) {
	open, err := d.st.OpenConversations(c)
	if err != nil {
		return "", err
	}
	if len(open) == 0 {
		c.Text(c.P.T("support.queue_empty"))
		return "", nil
	}
	var lines []string
	for _, conv := range open {
		cust, err := d.st.Customer(c, conv.Customer)
		if err != nil {
			return "", err
		}
		name, channel := cust.Name, "—"
		if name == "" {
			name = "—"
		}
		if a, ok := bot.ParseAddress(cust.LastAddress); ok {
			channel = staffChannel(c.P, a.Channel)
		}
		mins := int(c.Now.Sub(conv.Opened).Minutes())
		if conv.Status == shop.ConversationTaken {
			lines = append(lines, c.P.T("support.queue_taken", "number", conv.N, "name", name, "channel", channel, "operator", conv.OperatorName))
			continue
		}
		lines = append(lines, c.P.T("support.queue_waiting", "number", conv.N, "name", name, "channel", channel, "minutes", mins))
		if len(c.choices) < 8 {
			c.Row(CommandButton(c.P.T("support.take_n", "number", conv.N), "take", strconv.FormatInt(conv.N, 10)))
		}
	}
	c.Text(c.P.T("support.queue", "count", len(open), "lines", strings.Join(lines, "\n")))
	return "", nil
}

// offerPerson counts a text the bot could not place; after the second in
// a row it offers to talk to a person.
func offerPerson(c *Ctx) {
	if c.Event != "text" && c.Event != "query" {
		return
	}
	n, _ := strconv.Atoi(c.Vars[varUnplaced])
	n++
	c.Vars[varUnplaced] = strconv.Itoa(n)
	if n >= 2 {
		c.Row(GoButton(c.P.T("menu.operator"), "support"))
	}
}
