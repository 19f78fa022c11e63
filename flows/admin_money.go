package flows

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"omnicart/bot"
	"omnicart/shop"
)

// Money moves by staff: a bank transfer arrived, a refund.

func staffMarkPaid(c *Ctx) (string, error) {
	st, ok := staff(c)
	if !ok {
		return "", nil
	}
	w := fields(c.Arg)
	if len(w) == 0 {
		c.Text(c.P.T("admin.usage_paid"))
		return "", nil
	}
	o, ok := findOrder(c, st, w[0])
	if !ok {
		return "", nil
	}
	if o.Status == shop.StatusNew && o.Provider != "" && o.Provider != "qr" {
		c.Text(c.P.T("admin.paid_online", "number", o.Number, "provider", o.Provider))
		return "", nil
	}
	if o.Expired() && o.PaymentID == "" {
		return paidAfterExpiry(c, st, o)
	}
	changed, err := st.ChangeOrderAudited(c, o.ID, audit(c, "paid"), func(o *shop.Order) ([]shop.Notice, error) {
		return nil, o.Change(shop.StatusPaid, c.Now, by(c))
	})
	if err != nil {
		if refuse(c, o, shop.StatusPaid, err) {
			return "", nil
		}
		return unexpected(c, "mark paid", err)
	}
	c.Say("admin.status_done", "number", changed.Number, "status", statusName(c, shop.StatusPaid))
	showStaffOrder(c, changed)
	return "", nil
}

// reviver brings back an expired order (*store.DB).
type reviver interface {
	ReviveOrder(ctx context.Context, id string, fn func(*shop.Order) ([]shop.Notice, error)) (shop.Order, error)
}

// paidAfterExpiry records a payment (a bank transfer, slow to arrive) for
// an order that expired waiting for it: the order comes back paid, taking
// its stock, delivery window, promo code use and points again; when they
// are gone meanwhile the staff are told to give the money back.
func paidAfterExpiry(c *Ctx, st staffStore, o shop.Order) (string, error) {
	rv, ok := c.eng.store.(reviver)
	if !ok {
		c.Text(c.P.T("admin.unavailable"))
		return "", nil
	}
	changed, err := rv.ReviveOrder(c, o.ID, func(o *shop.Order) ([]shop.Notice, error) {
		o.Status = shop.StatusPaid // the one way back from cancelled, as for a card payment after expiry
		o.History = append(o.History, shop.StatusChange{Status: shop.StatusPaid, At: c.Now, By: by(c)})
		return nil, nil // the shopper is told by the order's watcher, as for any /paid
	})
	switch {
	case shop.HeldGone(err):
		c.Say("admin.paid_expired_gone", "number", o.Number, "total", c.Money(o.Total))
		showStaffOrder(c, o)
		return "", nil
	case errors.Is(err, shop.ErrBadTransition): // no longer cancelled: changed meanwhile; the fresh card shows how
		if fresh, err := st.OrderByNumber(c, o.Number); err == nil {
			showStaffOrder(c, fresh)
		}
		return "", nil
	case err != nil:
		return unexpected(c, "mark paid after expiry", err)
	}
	e := audit(c, "paid")
	e.Target, e.Before, e.After = fmt.Sprint(o.Number), string(shop.StatusCancelled)+" expired", string(shop.StatusPaid)
	if err := st.Audit(c, e); err != nil {
		c.Log.Warn("audit", slog.Any("err", err))
	}
	c.Say("admin.paid_expired_done", "number", changed.Number)
	showStaffOrder(c, changed)
	return "", nil
}

// staffRefund gives back all that is left of an order's total, or a part
// of it: "/refund 1001", "/refund 1001 500". A part keeps the order where
// it is (the customer keeps the rest; a return of another item may follow);
// what completes the total marks the order refunded. "?" asks to confirm
// first; the confirming button carries "=<refunded so far>", so a second
// tap, or a refund made meanwhile, gives nothing back twice. An order
// cancelled after it was paid stays cancelled: the refund records the
// money given back.
func staffRefund(c *Ctx) (string, error) {
	st, ok := staff(c)
	if !ok {
		return "", nil
	}
	w := fields(c.Arg)
	if len(w) == 0 {
		c.Text(c.P.T("admin.usage_refund"))
		return "", nil
	}
	o, ok := findOrder(c, st, w[0])
	if !ok {
		return "", nil
	}
	if err := o.Clone().Change(shop.StatusRefunded, c.Now, by(c)); err != nil && !o.RefundDue() {
		refuse(c, o, shop.StatusRefunded, err)
		return "", nil
	}
	left := o.RefundLeft()
	amount := left
	confirm := false
	for _, a := range w[1:] {
		if seen, ok := strings.CutPrefix(a, "="); ok {
			if seen != fmt.Sprint(o.Refunded.Minor) {
				c.Say("admin.refund_changed", "number", o.Number, "refunded", c.Money(o.Refunded))
				showStaffOrder(c, o)
				return "", nil
			}
			continue
		}
		if a == "?" {
			confirm = true
			continue
		}
		m, ok := moneyArg(a, o.Total.Currency)
		if !ok || m.Minor <= 0 || m.Minor > left.Minor {
			c.Text(c.P.T("admin.bad_amount", "amount", a, "total", c.Money(left)))
			return "", nil
		}
		amount = m
	}
	if confirm {
		c.Text(orderCard(c.P, c.Shop, o, true) + "\n\n" + c.P.T("admin.confirm_refund", "number", o.Number, "amount", c.Money(amount)))
		c.Row(CommandButton(c.P.T("admin.yes_refund", "amount", c.Money(amount)), "refund",
			fmt.Sprintf("%d %s =%d", o.Number, amount.Decimal(), o.Refunded.Minor)),
			CommandButton(c.P.T("common.back"), "order", fmt.Sprint(o.Number)))
		return "", nil
	}
	_, err := refundOrder(c, st, o, amount, 0)
	return "", err
}

// refundOrder gives amount of o back (through the provider when it can,
// else recorded by hand), records it on the order and answers the member
// of staff; done is false when it was refused or failed (and said why).
// ret, when not 0, is the return request the refund is for: its provider
// key is the request's, and the order records it in the same transaction,
// so approving the request again (after a crash before it was marked
// decided, or by a second member of staff) gives nothing back twice.
func refundOrder(c *Ctx, st staffStore, o shop.Order, amount shop.Money, ret int64) (done bool, err error) {
	left := o.RefundLeft()
	full := amount.Minor == left.Minor
	through := false
	if opt := c.eng.opt.Staff; opt.Refund != nil && o.PaymentID != "" {
		// The key names the refunds before this one: the same refund tried
		// again is one refund at the provider, the next part another.
		key := fmt.Sprintf("refund/%d", o.Number)
		if o.Refunded.Minor > 0 {
			key += fmt.Sprintf("/%d", o.Refunded.Minor)
		}
		if ret != 0 {
			key = fmt.Sprintf("return/%d", ret)
		}
		through, err = opt.Refund(c, o, amount, key)
		if err != nil {
			c.Log.Warn("refund through the provider failed", slog.String("order", o.ID), slog.Any("err", err))
			c.Text(c.P.T("admin.refund_failed", "number", o.Number, "provider", o.Provider))
			return false, nil
		}
	}
	e := audit(c, "refund")
	e.After = string(shop.StatusRefunded) + " " + amount.String() // language-neutral: /audit reads it (admin_owner.go)
	if !full {
		e.After = string(shop.StatusRefunded) + " part " + amount.String()
	}
	if !through {
		e.After += " by_hand"
	}
	seen := o.Refunded
	changed, err := st.ChangeOrderAudited(c, o.ID, e, func(o *shop.Order) ([]shop.Notice, error) {
		if o.Refunded != seen {
			return nil, errRefundedMeanwhile
		}
		if ret != 0 {
			if _, ok := o.RefundedFor(ret); ok {
				return nil, errRefundedMeanwhile
			}
			o.Returns = append(o.Returns, shop.ReturnRefund{N: ret, Amount: amount})
		}
		if o.RefundDue() {
			// Cancelled after it was paid: the cancel gave back its stock
			// and points; the money is what goes back now.
			o.GaveBack(amount)
			return []shop.Notice{refundNotice(o, amount, "orders.cancelled_refunded")}, nil
		}
		if full {
			o.GaveBack(amount)
			return nil, o.Change(shop.StatusRefunded, c.Now, by(c)) // the rest of the points with it
		}
		o.RefundPart(amount)
		if ret != 0 {
			return nil, nil // the return's approval tells the shopper what came back
		}
		return []shop.Notice{refundNotice(o, amount, "orders.part_refunded")}, nil
	})
	if errors.Is(err, errRefundedMeanwhile) {
		c.Text(c.P.T("admin.refund_changed", "number", o.Number, "refunded", c.Money(seen)))
		return false, nil
	}
	if err != nil {
		if refuse(c, o, shop.StatusRefunded, err) {
			return false, nil
		}
		_, err = unexpected(c, "refund", err)
		return false, err
	}
	if through {
		c.Say("admin.refund_done", "number", changed.Number, "amount", c.Money(amount), "provider", o.Provider)
	} else {
		c.Say("admin.refund_by_hand", "number", changed.Number, "amount", c.Money(amount))
	}
	showStaffOrder(c, changed)
	return true, nil
}

// refundNotice tells the shopper that amount of o came back (text says how
// the order stands), once per refund: its key names the refunded total.
func refundNotice(o *shop.Order, amount shop.Money, text string) shop.Notice {
	return shop.Notice{Key: fmt.Sprintf("order-refund/%d/%d", o.Number, o.Refunded.Minor), Customer: o.CustomerID,
		Kind: shop.NoticeService, Text: text,
		Args:    []shop.NoticeArg{shop.NumberArg("number", o.Number), shop.MoneyArg("amount", amount)},
		Buttons: []shop.NoticeButton{{Text: "menu.orders", Event: GoEvent("orders")}}}
}

// errRefundedMeanwhile: another refund of the order was recorded between
// reading it and recording this one.
var errRefundedMeanwhile = errors.New("the order was refunded meanwhile")

func staffShowCustomer(c *Ctx) (string, error) {
	st, ok := staff(c)
	if !ok {
		return "", nil
	}
	q := strings.TrimSpace(c.Arg)
	if q == "" {
		c.Text(c.P.T("admin.usage_customer"))
		return "", nil
	}
	cust, err := st.FindCustomer(c, q)
	if isNotFound(err) {
		c.Text(c.P.T("admin.no_customer", "query", q))
		return "", nil
	}
	if err != nil {
		return unexpected(c, "find customer", err)
	}
	cart, err := c.eng.store.Cart(c, cust.ID)
	if err != nil {
		return unexpected(c, "customer's cart", err)
	}
	orders, err := c.eng.store.Orders(c, cust.ID)
	if err != nil {
		return unexpected(c, "customer's orders", err)
	}
	var chats []string
	for _, a := range cust.Channels {
		s := a
		if addr, ok := bot.ParseAddress(a); ok && slices.Contains(cust.Unreachable, addr.Channel) {
			s += " " + c.P.T("admin.unreachable")
		}
		chats = append(chats, s)
	}
	cartText := c.P.T("admin.cart_empty")
	if len(cart.Lines) > 0 {
		var b strings.Builder
		for _, l := range cart.Lines {
			b.WriteString("\n" + c.P.T("cart.line", "name", itemName(c, l.Item), "qty", l.Qty, "price", c.Money(l.Price), "total", c.Money(l.Total())))
		}
		cartText = c.Money(cart.Total()) + b.String()
	}
	phone := cust.Phone
	if phone == "" {
		phone = "—"
	} else if cust.PhoneVerified {
		phone += " ✓"
	}
	name := cust.Name
	if name == "" {
		name = "—"
	}
	c.Text(c.P.T("admin.customer_card", "name", name, "id", string(cust.ID), "phone", phone, "lang", cust.Lang,
		"chats", strings.Join(chats, ", "), "source", orDash(cust.Source), "seen", c.Time(cust.SeenAt),
		"cart", cartText, "count", len(orders)))
	for i, o := range orders {
		if i == 5 {
			break
		}
		c.Row(CommandButton(c.P.T("admin.order_button", "number", o.Number, "date", c.Date(o.CreatedAt),
			"total", c.Money(o.Total), "name", o.Name, "status", statusName(c, o.Status)), "order", fmt.Sprint(o.Number)))
	}
	return "", nil
}
