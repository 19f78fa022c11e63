package flows

import (
	"fmt"
	"strings"

	"omnicart/bot"
	"omnicart/locales"
	"omnicart/shop"
)

// The shopper's card operators get: who, where, what they have bought.

// card is what an operator sees of the shopper of conv, in the operator's
// language: name, chats, language, cart, last orders, last messages.
func (d *desk) card(ctx *Ctx, conv shop.Conversation, op shop.Customer) ([]shop.NoticeArg, error) {
	sh := ctx.Shop
	lang := op.Lang
	if lang == "" && sh != nil {
		lang = sh.Lang
	}
	// The shopper asking now is read from the turn: a first message's
	// name, chat and language are saved only after it.
	var cust shop.Customer
	var cart shop.Cart
	if ctx.Customer != nil && ctx.Customer.ID == conv.Customer && ctx.Cart != nil {
		cust, cart = *ctx.Customer, *ctx.Cart
	} else {
		var err error
		if cust, err = d.st.Customer(ctx, conv.Customer); err != nil {
			return nil, err
		}
		if cart, err = d.st.Cart(ctx, conv.Customer); err != nil {
			return nil, err
		}
	}
	orders, err := d.st.Orders(ctx, conv.Customer)
	if err != nil {
		return nil, err
	}
	msgs, err := d.st.Messages(ctx, conv.Customer)
	if err != nil {
		return nil, err
	}
	name := cust.Name
	if name == "" {
		name = "—"
	}
	var p *locales.Printer // words in the card are in the operator's language, as its text
	if sh != nil && sh.Texts != nil {
		p = sh.Texts.Printer(lang)
	}
	channel := "—"
	if a, ok := bot.ParseAddress(cust.LastAddress); ok {
		channel = staffChannel(p, a.Channel)
	}
	var chats []string
	for _, a := range cust.Channels {
		if ad, ok := bot.ParseAddress(a); ok {
			chats = append(chats, staffChannel(p, ad.Channel))
		}
	}
	var cartText []string
	for _, l := range cart.Lines {
		cartText = append(cartText, fmt.Sprintf("%s × %d", l.Item.Key(), l.Qty))
	}
	var orderText []string
	for i := len(orders) - 1; i >= 0 && len(orderText) < 3; i-- {
		o := orders[i]
		orderText = append(orderText, fmt.Sprintf("№%d %s %s", o.Number, o.Total.Format(lang), textOr(p, "status."+string(o.Status), string(o.Status))))
	}
	var msgText []string
	for _, m := range msgs[max(0, len(msgs)-5):] {
		who := "›"
		if m.From == shop.FromOperator {
			who = "‹"
		}
		msgText = append(msgText, who+" "+m.Text)
	}
	dash := func(s []string, sep string) string {
		if len(s) == 0 {
			return "—"
		}
		return strings.Join(s, sep)
	}
	state := textOr(p, "support.state_"+string(conv.Status), string(conv.Status))
	if conv.Status == shop.ConversationTaken {
		state += " · " + conv.OperatorName
	}
	return []shop.NoticeArg{
		shop.NumberArg("number", conv.N), shop.TextArg("name", name), shop.TextArg("channel", channel),
		shop.TextArg("chats", dash(chats, ", ")), shop.TextArg("lang", cust.Lang), shop.TextArg("cart", dash(cartText, ", ")),
		shop.TextArg("orders", dash(orderText, "; ")), shop.TextArg("messages", dash(msgText, "\n")), shop.TextArg("state", state),
	}, nil
}
