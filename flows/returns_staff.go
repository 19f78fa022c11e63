package flows

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"omnicart/shop"
)

// The staff side of returns: the request reaches owners and managers, who
// approve (a refund or an exchange order) or decline it.

// staffOf returns the customers of the staff chats with role at least
// min (Desk.Staff), without the one writing.
func staffOf(c *Ctx, min Role) ([]shop.Customer, error) {
	var out []shop.Customer
	for _, addr := range c.eng.opt.Desk.staff(min) {
		s, err := c.eng.store.CustomerFor(c, addr.String())
		if err != nil {
			return nil, fmt.Errorf("staff %s: %w", addr.Channel, err)
		}
		if s.ID != c.Customer.ID && !slices.ContainsFunc(out, func(x shop.Customer) bool { return x.ID == s.ID }) {
			out = append(out, s)
		}
	}
	return out, nil
}

// wake tells the outbox something waits.
func wake(c *Ctx) {
	if c.eng != nil && c.eng.opt.Desk.Wake != nil {
		c.eng.opt.Desk.Wake()
	}
}

// returnStaffNotice tells member of staff s of request r, in their
// language, with Approve, Decline and the order.
func returnStaffNotice(sh *Shop, r shop.Return, o shop.Order, name string, s shop.Customer) shop.Notice {
	p := sh.Texts.Printer(langOf(sh, s))
	lang := p.Lang()
	var lines strings.Builder
	for _, l := range r.Lines {
		lines.WriteString("\n" + p.T("cart.line", "name", lineName(sh.Catalog, l.Item, lang), "qty", l.Qty,
			"price", l.Price.Format(lang), "total", l.Total().Format(lang)))
	}
	want := p.T("returns.staff_want_exchange")
	if r.Want == shop.WantRefund {
		want = p.T("returns.staff_want_refund", "amount", r.RefundValue(&o).Format(lang))
	}
	var extra strings.Builder
	if r.Comment != "" {
		extra.WriteString("\n" + p.T("returns.staff_comment", "text", r.Comment))
	}
	if r.Photo != "" {
		extra.WriteString("\n" + p.T("returns.staff_photo", "channel", staffChannel(p, r.PhotoChannel)))
	}
	delivered, _ := o.Delivered()
	n := fmt.Sprint(r.N)
	return shop.Notice{Key: fmt.Sprintf("return-new/%d/%s", r.N, s.ID), Customer: s.ID, Kind: shop.NoticeService,
		Text: "returns.staff_new", Args: []shop.NoticeArg{
			shop.NumberArg("number", r.N), shop.NumberArg("order", o.Number), shop.TextArg("name", name),
			shop.TextArg("channel", staffChannel(p, o.Channel)), shop.TextArg("delivered", sh.zoneTime(p, delivered)),
			shop.TextArg("lines", lines.String()), shop.TextArg("reason", p.T("returns.reason_"+r.Reason)),
			shop.TextArg("want", want), shop.TextArg("extra", extra.String())},
		Buttons: []shop.NoticeButton{
			{Text: "returns.approve", Event: CommandEvent("return_approve"), Arg: n},
			{Text: "returns.decline", Event: CommandEvent("return_decline"), Arg: n},
			{Text: "admin.open_order", Event: CommandEvent("order"), Arg: fmt.Sprint(o.Number)}}}
}

// returnCard renders request r for staff, in c's language.
func returnCard(c *Ctx, r shop.Return, o shop.Order) string {
	var lines strings.Builder
	for _, l := range r.Lines {
		lines.WriteString("\n" + c.P.T("cart.line", "name", itemName(c, l.Item), "qty", l.Qty, "price", c.Money(l.Price), "total", c.Money(l.Total())))
	}
	want := c.P.T("returns.staff_want_exchange")
	if r.Want == shop.WantRefund {
		want = c.P.T("returns.staff_want_refund", "amount", c.Money(r.RefundValue(&o)))
	}
	var extra strings.Builder
	if r.Comment != "" {
		extra.WriteString("\n" + c.P.T("returns.staff_comment", "text", r.Comment))
	}
	if r.Photo != "" {
		extra.WriteString("\n" + c.P.T("returns.staff_photo", "channel", staffChannel(c.P, r.PhotoChannel)))
	}
	state := c.P.T("returns.status_" + string(r.Status))
	if r.By != "" {
		state += " · " + r.By
	}
	return c.P.T("returns.card", "number", r.N, "order", o.Number, "name", o.Name, "status", state, "lines", lines.String(),
		"reason", c.P.T("returns.reason_"+r.Reason), "want", want, "extra", extra.String(), "date", c.Time(r.Created))
}

// staffReturns lists the requests waiting (/returns), or shows one
// (/returns N) with Approve and Decline.
func staffReturns(c *Ctx) (string, error) {
	st, ok := returns(c)
	if !ok {
		c.Text(c.P.T("admin.unavailable"))
		return "", nil
	}
	if n, _, ok := convNumber(c.Arg); ok {
		r, o, ok, err := readReturn(c, st, n)
		if !ok || err != nil {
			return "", err
		}
		c.Text(returnCard(c, r, o))
		if r.Status == shop.ReturnPending {
			returnButtons(c, r)
		}
		c.Row(CommandButton(c.P.T("admin.open_order"), "order", fmt.Sprint(o.Number)))
		return "", nil
	}
	rs, total, err := st.PendingReturns(c, listLimit)
	if err != nil {
		return unexpected(c, "pending returns", err)
	}
	if total == 0 {
		c.Text(c.P.T("returns.none_waiting"))
		return "", nil
	}
	c.Text(c.P.T("returns.waiting_list", "count", total))
	for _, r := range rs {
		c.Row(CommandButton(c.P.T("returns.list_button", "number", r.N, "order", r.OrderNumber, "date", c.Date(r.Created),
			"want", c.P.T("returns.short_"+r.Want)), "returns", fmt.Sprint(r.N)))
	}
	return "", nil
}

func returnButtons(c *Ctx, r shop.Return) {
	n := fmt.Sprint(r.N)
	c.Row(CommandButton(c.P.T("returns.approve"), "return_approve", n), CommandButton(c.P.T("returns.decline"), "return_decline", n))
}

// readReturn reads request n and its order, or says why it cannot.
func readReturn(c *Ctx, st returnStore, n int64) (shop.Return, shop.Order, bool, error) {
	r, err := st.Return(c, n)
	if isNotFound(err) {
		c.Text(c.P.T("returns.no_such", "number", n))
		return shop.Return{}, shop.Order{}, false, nil
	}
	if err != nil {
		_, err = unexpected(c, "read return", err)
		return shop.Return{}, shop.Order{}, false, err
	}
	o, err := c.eng.store.Order(c, r.OrderID)
	if err != nil {
		_, err = unexpected(c, "read returned order", err)
		return shop.Return{}, shop.Order{}, false, err
	}
	return r, o, true, nil
}

// decided says who decided request r already.
func decided(c *Ctx, r shop.Return) {
	c.Text(c.P.T("returns.decided_already", "number", r.N, "status", c.P.T("returns.status_"+string(r.Status)), "by", orDash(r.By)))
}

// staffApproveReturn approves request N (/return_approve N): a refund
// through the /refund path, or an exchange order.
func staffApproveReturn(c *Ctx) (string, error) {
	st, ok := returns(c)
	if !ok {
		c.Text(c.P.T("admin.unavailable"))
		return "", nil
	}
	n, _, ok := convNumber(c.Arg)
	if !ok {
		c.Text(c.P.T("returns.usage_approve"))
		return "", nil
	}
	r, o, ok, err := readReturn(c, st, n)
	if !ok || err != nil {
		return "", err
	}
	if r.Status != shop.ReturnPending {
		decided(c, r)
		return "", nil
	}
	if r.Want == shop.WantExchange {
		return approveExchange(c, st, r, o)
	}
	return approveRefund(c, st, r, o)
}

func approveRefund(c *Ctx, st returnStore, r shop.Return, o shop.Order) (string, error) {
	// Refunded already, and the request not marked decided (a crash in
	// between, or two members of staff at once): it is decided now,
	// without a second refund.
	amount, refunded := o.RefundedFor(r.N)
	value := r.RefundValue(&o)
	switch {
	case refunded:
	case value.Minor > 0:
		// The staff's /refund: through the provider when it can refund,
		// else recorded by hand; it answers the member of staff itself.
		// Of an order whose other items stay with the customer it is a
		// part: the order stays delivered.
		sst, ok := staff(c)
		if !ok {
			return "", nil
		}
		amount = value
		if done, err := refundOrder(c, sst, o, amount, r.N); !done || err != nil {
			return "", err // refused or failed: refundOrder said why; the request waits
		}
	default:
		// Nothing is left to refund of an order refunded in full before
		// the request was decided: it is approved without a new refund.
		amount = o.Refunded
	}
	e := audit(c, "return")
	e.After = fmt.Sprintf("%s %s %s", shop.ReturnApproved, shop.WantRefund, amount) // read by /audit (admin_owner.go)
	r, _, err := st.DecideReturn(c, r.N, e, nil, func(r *shop.Return, _ *shop.Order) ([]shop.Notice, error) {
		r.Status, r.By, r.Decided, r.Refund = shop.ReturnApproved, by(c), c.Now, amount
		return []shop.Notice{{Key: fmt.Sprintf("return-approved/%d", r.N), Customer: r.Customer, Kind: shop.NoticeService,
			Text: "returns.approved_refund", Args: []shop.NoticeArg{shop.NumberArg("order", r.OrderNumber), shop.MoneyArg("amount", amount)},
			Buttons: []shop.NoticeButton{{Text: "menu.orders", Event: GoEvent("orders")}}}}, nil
	})
	if errors.Is(err, shop.ErrReturnDecided) {
		decided(c, r)
		return "", nil
	}
	if err != nil {
		return unexpected(c, "approve return", err)
	}
	wake(c)
	c.Say("returns.approved_staff_refund", "number", r.N, "order", r.OrderNumber, "amount", c.Money(r.Refund))
	return "", nil
}

func approveExchange(c *Ctx, st returnStore, r shop.Return, o shop.Order) (string, error) {
	lines := slices.Clone(r.Lines)
	ex := shop.Order{CustomerID: o.CustomerID, Lines: lines, Name: o.Name, Phone: o.Phone, Delivery: o.Delivery,
		Status: shop.StatusPaid, Channel: o.Channel, Provider: "exchange", PaymentID: fmt.Sprintf("return/%d", r.N),
		Discount: shop.Cart{Lines: lines}.Total(), Total: shop.Money{Currency: o.Total.Currency},
		History: []shop.StatusChange{{Status: shop.StatusPaid, By: by(c)}}}
	ex.Discount.Currency = o.Total.Currency
	e := audit(c, "return")
	r, placed, err := st.DecideReturn(c, r.N, e, &ex, func(r *shop.Return, placed *shop.Order) ([]shop.Notice, error) {
		r.Status, r.By, r.Decided, r.Exchange = shop.ReturnApproved, by(c), c.Now, placed.Number
		return []shop.Notice{{Key: fmt.Sprintf("return-approved/%d", r.N), Customer: r.Customer, Kind: shop.NoticeService,
			Text: "returns.approved_exchange", Args: []shop.NoticeArg{shop.NumberArg("order", r.OrderNumber), shop.NumberArg("exchange", placed.Number)},
			Buttons: []shop.NoticeButton{{Text: "menu.orders", Event: GoEvent("orders")}}}}, nil
	})
	var short *shop.OutOfStockError
	switch {
	case errors.As(err, &short):
		c.Text(c.P.T("returns.no_stock", "number", r.N, "name", itemName(c, short.Item), "left", short.Left))
		returnButtons(c, r)
		return "", nil
	case errors.Is(err, shop.ErrReturnDecided):
		decided(c, r)
		return "", nil
	case err != nil:
		return unexpected(c, "approve exchange", err)
	}
	wake(c)
	c.Log.Info("exchange order placed", slog.Int64("return", r.N), slog.Int64("order", placed.Number))
	c.Say("returns.approved_staff_exchange", "number", r.N, "order", r.OrderNumber, "exchange", placed.Number)
	showStaffOrder(c, *placed)
	return "", nil
}

// staffDeclineReturn declines request N (/return_decline N [reason]).
func staffDeclineReturn(c *Ctx) (string, error) {
	st, ok := returns(c)
	if !ok {
		c.Text(c.P.T("admin.unavailable"))
		return "", nil
	}
	n, note, ok := convNumber(c.Arg)
	if !ok {
		c.Text(c.P.T("returns.usage_decline"))
		return "", nil
	}
	if r := []rune(note); len(r) > 300 {
		note = string(r[:300])
	}
	e := audit(c, "return")
	if note != "" {
		e.After = string(shop.ReturnDeclined) + ": " + note
	}
	r, _, err := st.DecideReturn(c, n, e, nil, func(r *shop.Return, _ *shop.Order) ([]shop.Notice, error) {
		r.Status, r.By, r.Decided, r.Note = shop.ReturnDeclined, by(c), c.Now, note
		nt := shop.Notice{Key: fmt.Sprintf("return-declined/%d", r.N), Customer: r.Customer, Kind: shop.NoticeService,
			Text: "returns.declined", Args: []shop.NoticeArg{shop.NumberArg("order", r.OrderNumber)},
			Buttons: []shop.NoticeButton{{Text: "menu.operator", Event: GoEvent("support")}, {Text: "menu.orders", Event: GoEvent("orders")}}}
		if note != "" {
			nt.Text = "returns.declined_why"
			nt.Args = append(nt.Args, shop.TextArg("reason", note))
		}
		return []shop.Notice{nt}, nil
	})
	switch {
	case isNotFound(err):
		c.Text(c.P.T("returns.no_such", "number", n))
		return "", nil
	case errors.Is(err, shop.ErrReturnDecided):
		decided(c, r)
		return "", nil
	case err != nil:
		return unexpected(c, "decline return", err)
	}
	wake(c)
	c.Text(c.P.T("returns.declined_staff", "number", r.N, "order", r.OrderNumber))
	return "", nil
}
