package flows

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"

	"omnicart/shop"
)

// Returns and exchanges. A delivered order may be returned within the
// shop's return window (Desk.ReturnDays after delivery, the config's
// [support] return_days): its screen in My orders offers "Return or
// exchange", which asks which items (whole lines), why (buttons), a refund
// or an exchange, and optionally a photo or a comment (returns.yaml).
// Owners and managers get the request with Approve / Decline buttons
// (admin_returns.yaml; /returns lists those waiting). Approving
//
//   - a refund gives back the lines' share of what was paid (everything,
//     delivery included, when every line comes back: shop.Order.ReturnValue)
//     through the /refund path (staffRefund: the payment provider when it
//     can refund, else recorded as refunded by hand);
//   - an exchange places a new order with the same items at no charge
//     (paid, provider "exchange", payment "return/<n>", the same
//     delivery), which the staff then
//     pack and ship like any other; without the stock it is refused and
//     the request stays pending (a refund may still be approved).
//
// Declining may give a reason (/return_decline N reason). The shopper is
// told either way by a service notice through the outbox; every decision
// is in the audit log.

// returnStore is the persistence of return requests; *store.DB satisfies
// it. Without it (a test double) returns are not offered.
type returnStore interface {
	CreateReturn(ctx context.Context, r shop.Return, notices func(shop.Return) []shop.Notice) (shop.Return, error)
	Return(ctx context.Context, n int64) (shop.Return, error)
	OrderReturns(ctx context.Context, orderID string) ([]shop.Return, error)
	PendingReturns(ctx context.Context, limit int) ([]shop.Return, int, error)
	DecideReturn(ctx context.Context, n int64, e shop.AuditEntry, exchange *shop.Order,
		fn func(r *shop.Return, placed *shop.Order) ([]shop.Notice, error)) (shop.Return, *shop.Order, error)
}

// Session variables of a return being asked for.
const (
	varReturnOrder   = "ret_order"    // the order returned
	varReturnLines   = "ret_lines"    // the indexes of its lines chosen ("0,2")
	varReturnReason  = "ret_reason"   // one of shop.ReturnReasons
	varReturnWant    = "ret_want"     // shop.WantRefund or shop.WantExchange
	varReturnPhoto   = "ret_photo"    // the photo's platform id
	varReturnPhotoCh = "ret_photo_ch" // the channel it came from
	varReturnComment = "ret_comment"  // what the shopper typed
)

var returnVars = []string{varReturnOrder, varReturnLines, varReturnReason, varReturnWant, varReturnPhoto, varReturnPhotoCh, varReturnComment}

// returnActions are the actions of the returns flows, the shopper's and
// the staff's.
func returnActions(orders Orders) Actions {
	f := returnsFlow{orders: orders}
	return Actions{
		"return_items":     {Fills: []string{"number"}, Emits: []string{"toggle", "next"}, Run: f.items},
		"return_reasons":   {Fills: []string{"number"}, Emits: []string{"why"}, Run: f.reasons},
		"return_wants":     {Emits: []string{"want"}, Run: f.wants},
		"return_ask_photo": {Emits: []string{"skip"}, Run: f.askPhoto},
		"return_photo":     {Emits: []string{"ok"}, Run: f.photo},
		"send_return":      {Fills: []string{"number", "order"}, Run: f.send},
		"staff_returns":    {Role: RoleManager, Run: staffReturns},
		"staff_approve":    {Role: RoleManager, Run: staffApproveReturn},
		"staff_decline":    {Role: RoleManager, Run: staffDeclineReturn},
	}
}

type returnsFlow struct{ orders Orders }

// returns returns the engine's store of return requests, if it has one.
func returns(c *Ctx) (returnStore, bool) {
	if c.eng == nil {
		return nil, false
	}
	st, ok := c.eng.store.(returnStore)
	return st, ok
}

func (c *Ctx) returnDays() int {
	if c.eng == nil {
		return Desk{}.returnDays()
	}
	return c.eng.opt.Desk.returnDays()
}

// returnOffer says whether order o may be returned now: ok, or the text
// saying why not ("" when returns are not offered at all), and what came
// back of it already.
func returnOffer(c *Ctx, o shop.Order) (ok bool, why string, back cameBack, err error) {
	st, has := returns(c)
	if !has || o.Status != shop.StatusDelivered {
		return false, "", back, nil
	}
	if !o.Returnable(c.Now, c.returnDays()) {
		by, _ := o.ReturnBy(c.returnDays())
		return false, c.P.T("returns.too_late", "number", o.Number, "date", c.Date(by), "days", c.returnDays()), back, nil
	}
	rs, err := st.OrderReturns(c, o.ID)
	if err != nil {
		return false, "", back, err
	}
	for _, r := range rs {
		if r.Status == shop.ReturnPending {
			return false, c.P.T("returns.waiting", "number", o.Number), back, nil
		}
	}
	back = cameBackOf(o, rs)
	if len(back.lines) >= len(o.Lines) {
		return false, c.P.T("returns.all_back", "number", o.Number), back, nil
	}
	return true, "", back, nil
}

// cameBack is what came back of an order by approved return requests: the
// indexes of its lines (not offered again), and the lines refunded (for
// the value of the next: the last one back gets all that is left).
type cameBack struct {
	lines    map[int]bool
	refunded []shop.Line
}

func cameBackOf(o shop.Order, rs []shop.Return) cameBack {
	back := cameBack{lines: map[int]bool{}}
	for _, r := range rs {
		if r.Status != shop.ReturnApproved {
			continue
		}
		for _, l := range r.Lines {
			for i, ol := range o.Lines {
				if !back.lines[i] && ol.Key() == l.Key() {
					back.lines[i] = true
					break
				}
			}
		}
		if r.Want == shop.WantRefund {
			back.refunded = append(back.refunded, r.Lines...)
		}
	}
	return back
}

// order reads the order being returned and checks that it still may be;
// when not, it says why and returns false.
func (f returnsFlow) order(c *Ctx) (shop.Order, cameBack, bool, error) {
	o, err := f.orders.Order(c, c.Vars[varReturnOrder])
	if errors.Is(err, shop.ErrNotFound) || err == nil && o.CustomerID != c.Customer.ID {
		c.Text(c.P.T("error.stale"))
		return shop.Order{}, cameBack{}, false, nil
	}
	if err != nil {
		return shop.Order{}, cameBack{}, false, fmt.Errorf("return: read order: %w", err)
	}
	ok, why, back, err := returnOffer(c, o)
	if err != nil {
		return shop.Order{}, cameBack{}, false, fmt.Errorf("return: %w", err)
	}
	if !ok {
		if why == "" {
			why = c.P.T("returns.not_delivered", "number", o.Number)
		}
		c.Text(why)
		return shop.Order{}, cameBack{}, false, nil
	}
	return o, back, true, nil
}

// chosen reads the chosen line indexes of o, of the lines not back yet.
func chosen(c *Ctx, o shop.Order, back cameBack) []int {
	var out []int
	for _, s := range strings.Split(c.Vars[varReturnLines], ",") {
		if i, err := strconv.Atoi(s); err == nil && i >= 0 && i < len(o.Lines) && !back.lines[i] && !slices.Contains(out, i) {
			out = append(out, i)
		}
	}
	slices.Sort(out)
	return out
}

func setChosen(c *Ctx, idx []int) {
	s := make([]string, len(idx))
	for i, n := range idx {
		s[i] = strconv.Itoa(n)
	}
	c.Vars[varReturnLines] = strings.Join(s, ",")
}

func returnLines(o shop.Order, idx []int) []shop.Line {
	var out []shop.Line
	for _, i := range idx {
		out = append(out, o.Lines[i])
	}
	return out
}

// items asks which lines come back: a toggle per line and Continue. An
// order of one line skips the question.
func (f returnsFlow) items(c *Ctx) (string, error) {
	switch c.Event {
	case "toggle":
		// handled below, once the order is read
	default:
		if c.Arg != "" && c.Event == "return" {
			for _, k := range returnVars {
				delete(c.Vars, k)
			}
			c.Vars[varReturnOrder] = c.Arg
		}
	}
	o, back, ok, err := f.order(c)
	if !ok || err != nil {
		return "", err
	}
	var open []int // the lines not back yet
	for i := range o.Lines {
		if !back.lines[i] {
			open = append(open, i)
		}
	}
	if len(open) == 1 {
		c.Vars[varReturnLines] = strconv.Itoa(open[0])
		return "next", nil
	}
	sel := chosen(c, o, back)
	if c.Event == "toggle" {
		if i, err := strconv.Atoi(c.Arg); err == nil && slices.Contains(open, i) {
			if j := slices.Index(sel, i); j >= 0 {
				sel = slices.Delete(sel, j, j+1)
			} else {
				sel = append(sel, i)
				slices.Sort(sel)
			}
			setChosen(c, sel)
		}
	}
	for _, i := range open {
		l := o.Lines[i]
		mark := "☐"
		if slices.Contains(sel, i) {
			mark = "☑"
		}
		c.Row(c.Button(c.P.T("returns.item", "mark", mark, "name", itemName(c, l.Item), "qty", l.Qty), "toggle", strconv.Itoa(i)))
	}
	if len(sel) > 0 {
		c.Row(c.Button(c.P.T("returns.continue"), "next", ""))
	}
	c.Args("number", o.Number)
	return "", nil
}

// reasons asks why.
func (f returnsFlow) reasons(c *Ctx) (string, error) {
	o, back, ok, err := f.order(c)
	if !ok || err != nil {
		return "", err
	}
	if len(chosen(c, o, back)) == 0 {
		c.Text(c.P.T("error.stale"))
		return "", nil
	}
	for _, r := range shop.ReturnReasons {
		c.Row(c.Button(c.P.T("returns.reason_"+r), "why", r))
	}
	c.Args("number", o.Number)
	return "", nil
}

// wants asks for a refund or an exchange, the refund's amount named.
func (f returnsFlow) wants(c *Ctx) (string, error) {
	if c.Event == "why" {
		if !slices.Contains(shop.ReturnReasons, c.Arg) {
			c.Text(c.P.T("error.stale"))
			return "", nil
		}
		c.Vars[varReturnReason] = c.Arg
	}
	o, back, ok, err := f.order(c)
	if !ok || err != nil {
		return "", err
	}
	lines := returnLines(o, chosen(c, o, back))
	c.Row(c.Button(c.P.T("returns.want_refund", "amount", c.Money(o.ReturnValue(lines, back.refunded))), "want", shop.WantRefund))
	c.Row(c.Button(c.P.T("returns.want_exchange"), "want", shop.WantExchange))
	return "", nil
}

// askPhoto asks for a photo or a comment, with a button to skip.
func (f returnsFlow) askPhoto(c *Ctx) (string, error) {
	if c.Event == "want" {
		if c.Arg != shop.WantRefund && c.Arg != shop.WantExchange {
			c.Text(c.P.T("error.stale"))
			return "", nil
		}
		c.Vars[varReturnWant] = c.Arg
	}
	c.Row(c.Button(c.P.T("returns.skip_photo"), "skip", ""))
	return "", nil
}

// photo takes the photo (and its caption) or a typed comment.
func (f returnsFlow) photo(c *Ctx) (string, error) {
	if c.Msg.Photo == "" && strings.TrimSpace(c.Msg.Text) == "" {
		c.Say("returns.photo_or_text")
		return "", nil
	}
	if c.Msg.Photo != "" {
		c.Vars[varReturnPhoto] = c.Msg.Photo
		c.Vars[varReturnPhotoCh] = c.Msg.From.Channel
	}
	if text := strings.TrimSpace(c.Msg.Text); text != "" {
		if r := []rune(text); len(r) > 500 {
			text = string(r[:500])
		}
		c.Vars[varReturnComment] = text
	}
	return "ok", nil
}

// send files the request and tells the owners and managers.
func (f returnsFlow) send(c *Ctx) (string, error) {
	st, has := returns(c)
	o, back, ok, err := f.order(c)
	if !has || !ok || err != nil {
		return "", err
	}
	idx := chosen(c, o, back)
	reason, want := c.Vars[varReturnReason], c.Vars[varReturnWant]
	if len(idx) == 0 || reason == "" || want == "" {
		c.Text(c.P.T("error.stale"))
		return "", nil
	}
	lines := returnLines(o, idx)
	r := shop.Return{OrderID: o.ID, Customer: c.Customer.ID, Lines: lines, Value: o.ReturnValue(lines, back.refunded), Reason: reason, Want: want,
		Comment: c.Vars[varReturnComment], Photo: c.Vars[varReturnPhoto], PhotoChannel: c.Vars[varReturnPhotoCh], Created: c.Now}
	staff, err := staffOf(c, RoleManager)
	if err != nil {
		return "", fmt.Errorf("return: %w", err)
	}
	sh, name := c.Shop, c.Customer.Name
	if name == "" {
		name = o.Name
	}
	r, err = st.CreateReturn(c, r, func(r shop.Return) []shop.Notice {
		var out []shop.Notice
		for _, s := range staff {
			out = append(out, returnStaffNotice(sh, r, o, name, s))
		}
		return out
	})
	if errors.Is(err, shop.ErrReturnOpen) {
		c.Text(c.P.T("returns.waiting", "number", o.Number))
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("return: %w", err)
	}
	wake(c)
	for _, k := range returnVars {
		delete(c.Vars, k)
	}
	c.Args("number", r.N, "order", o.Number)
	return "", nil
}

// returnStatusLine is what the shopper's order screen says of the order's
// latest return request, "" when there is none.
func returnStatusLine(c *Ctx, o shop.Order) string {
	st, ok := returns(c)
	if !ok {
		return ""
	}
	rs, err := st.OrderReturns(c, o.ID)
	if err != nil {
		c.Log.Warn("read the order's returns", slog.Any("err", err))
		return ""
	}
	if len(rs) == 0 {
		return ""
	}
	r := rs[len(rs)-1]
	switch {
	case r.Status == shop.ReturnApproved && r.Exchange != 0:
		return c.P.T("returns.line_exchange", "number", r.N, "exchange", r.Exchange)
	case r.Status == shop.ReturnApproved:
		return c.P.T("returns.line_refund", "number", r.N, "amount", c.Money(r.Refund))
	default:
		return c.P.T("returns.line_"+string(r.Status), "number", r.N)
	}
}
