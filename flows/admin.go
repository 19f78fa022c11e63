package flows

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"omnicart/bot"
	"omnicart/shop"
)

// The staff's order commands: /admin (the menu), /list [status], /order N,
// /status N STATUS [tracking number or courier phone], /paid N,
// /refund N [amount], /customer PHONE|ID and the menu's search. Every
// change is made with store.ChangeOrderAudited: the order, its history,
// the audit entry and the notices it causes (the shopper told, see
// admin_notice.go) in one transaction.

func adminOrderActions() Actions {
	return Actions{
		"admin_menu":          {Fills: []string{"role"}, Run: adminMenu},
		"staff_list_orders":   {Run: staffListOrders},
		"staff_show_order":    {Run: staffShowOrder},
		"staff_set_status":    {Emits: []string{"ask_tracking"}, Run: staffSetStatus},
		"staff_ask_tracking":  {Fills: []string{"number"}, Run: staffAskTracking},
		"staff_take_tracking": {Emits: []string{"ok"}, Run: staffTakeTracking},
		"staff_mark_paid":     {Run: staffMarkPaid},
		"staff_refund":        {Run: staffRefund},
		"staff_show_customer": {Run: staffShowCustomer},
		"staff_find":          {Emits: []string{"order", "customer"}, Run: staffFind},
	}
}

// varStaffOrder is the order whose tracking number is asked for.
const varStaffOrder = "staff_order"

// listLimit is how many orders one list shows.
const listLimit = 10

// handled are the statuses whose orders wait for the staff, in the order
// the menu shows them.
var handled = []shop.Status{shop.StatusPaid, shop.StatusPacked, shop.StatusNew, shop.StatusShipped, shop.StatusReady}

func adminMenu(c *Ctx) (string, error) {
	c.Args("role", c.P.T("role."+string(c.Role)))
	if c.CanUse("list") {
		if st, ok := staff(c); ok {
			var row []bot.Choice
			for _, s := range handled {
				_, n, err := st.OrdersByStatus(c, s, 0)
				if err != nil {
					return unexpected(c, "menu", err)
				}
				row = append(row, CommandButton(c.P.T("admin.status_count", "status", statusName(c, s), "count", n), "list", string(s)))
			}
			c.Row(CommandButton(c.P.T("admin.new_orders"), "list", ""))
			c.Row(row[:3]...)
			c.Row(row[3:]...)
		}
	}
	for _, b := range []struct{ cmd, label string }{
		{"find", "admin.find"}, {"stats", "admin.stats"}, {"broadcast", "admin.broadcast"},
		{"support", "admin.support"}, {"overrides", "admin.overrides"}, {"audit", "admin.audit"}, {"backup", "admin.backup"},
	} {
		if c.CanUse(b.cmd) {
			c.Row(CommandButton(c.P.T(b.label), b.cmd, ""))
		}
	}
	return "", nil
}

// staffListOrders lists the orders to do (/list: paid, packed, awaiting
// payment) or of one status (/list STATUS [page]), listLimit at a time,
// oldest first: the orders waiting longest come first, and Next pages on
// to the rest.
func staffListOrders(c *Ctx) (string, error) {
	st, ok := staff(c)
	if !ok {
		return "", nil
	}
	w := fields(c.Arg)
	if len(w) == 0 {
		return listToDo(c, st)
	}
	s, ok := shop.ParseStatus(strings.ToLower(w[0]))
	if !ok {
		c.Text(c.P.T("admin.bad_status", "status", w[0], "statuses", statusList()))
		return "", nil
	}
	page := 1
	if len(w) > 1 {
		if n, err := strconv.Atoi(w[1]); err == nil && n > 1 {
			page = n
		}
	}
	orders, n, err := st.OrdersByStatusPage(c, s, (page-1)*listLimit, listLimit)
	if err != nil {
		return unexpected(c, "list orders", err)
	}
	pages := max(1, (n+listLimit-1)/listLimit)
	if page > pages { // past the end (the list shrank since): its last page
		page = pages
		if orders, n, err = st.OrdersByStatusPage(c, s, (page-1)*listLimit, listLimit); err != nil {
			return unexpected(c, "list orders", err)
		}
	}
	text := c.P.T("admin.list_status", "status", statusName(c, s), "count", n)
	if pages > 1 {
		text += c.P.T("common.paging", "page", page, "pages", pages)
	}
	orderRows(c, orders)
	if len(orders) == 0 {
		text += "\n" + c.P.T("admin.list_empty")
	}
	pageButtons(c, page, pages, func(p int) (string, string) { return "list", fmt.Sprintf("%s %d", s, p) })
	c.Text(text)
	return "", nil
}

// pageButtons adds the Prev and Next buttons of page (from 1) of pages: a
// command and its argument for another page, which cmd gives.
func pageButtons(c *Ctx, page, pages int, cmd func(page int) (command, arg string)) {
	var row []bot.Choice
	if page > 1 {
		command, arg := cmd(page - 1)
		row = append(row, CommandButton(c.P.T("common.prev"), command, arg))
	}
	if page < pages {
		command, arg := cmd(page + 1)
		row = append(row, CommandButton(c.P.T("common.next"), command, arg))
	}
	c.Row(row...)
}

// listToDo lists the first orders of each status waiting for the staff,
// with a button on to the next ones of a status that has more.
func listToDo(c *Ctx, st staffStore) (string, error) {
	var b strings.Builder
	shown := 0
	var more []bot.Choice
	for _, s := range []shop.Status{shop.StatusPaid, shop.StatusPacked, shop.StatusNew} {
		orders, n, err := st.OrdersByStatusPage(c, s, 0, listLimit)
		if err != nil {
			return unexpected(c, "list orders", err)
		}
		b.WriteString("\n" + c.P.T("admin.status_count", "status", statusName(c, s), "count", n))
		shown += len(orders)
		orderRows(c, orders)
		if n > len(orders) {
			more = append(more, CommandButton(c.P.T("admin.list_more", "status", statusName(c, s),
				"from", len(orders)+1, "to", min(n, 2*listLimit), "count", n), "list", fmt.Sprintf("%s 2", s)))
		}
	}
	for _, m := range more {
		c.Row(m)
	}
	if shown == 0 {
		b.WriteString("\n" + c.P.T("admin.list_empty"))
	}
	c.Text(c.P.T("admin.list_new") + b.String())
	return "", nil
}

// orderRows adds a button for each order, opening its card.
func orderRows(c *Ctx, orders []shop.Order) {
	for _, o := range orders {
		c.Row(CommandButton(c.P.T("admin.order_button", "number", o.Number, "date", c.Date(o.CreatedAt),
			"total", c.Money(o.Total), "name", o.Name, "status", statusName(c, o.Status)), "order", fmt.Sprint(o.Number)))
	}
}

func statusList() string {
	var names []string
	for _, s := range shop.Statuses {
		names = append(names, string(s))
	}
	return strings.Join(names, ", ")
}

func staffShowOrder(c *Ctx) (string, error) {
	st, ok := staff(c)
	if !ok {
		return "", nil
	}
	w := fields(c.Arg)
	if len(w) == 0 {
		c.Text(c.P.T("admin.usage_order"))
		return "", nil
	}
	o, ok := findOrder(c, st, w[0])
	if !ok {
		return "", nil
	}
	showStaffOrder(c, o)
	return "", nil
}

// showStaffOrder shows an order's card with a button for each status it may
// go to next, its customer and a refund.
func showStaffOrder(c *Ctx, o shop.Order) {
	c.Text(orderCard(c.P, c.Shop, o, true))
	for _, b := range statusButtons(o) {
		c.Row(CommandButton(c.P.T(b.Text), CommandOf(b.Event), b.Arg))
	}
	c.Row(CommandButton(c.P.T("admin.customer_button"), "customer", string(o.CustomerID)))
}

// CommandOf is the command of a CommandEvent ("cmd:status" → "status").
func CommandOf(event string) string { return strings.TrimPrefix(event, cmdPrefix) }

// statusButtons are the buttons that move o on: one per status it may go
// to; cancelling and refunding ask to confirm first, shipping asks for the
// tracking number.
func statusButtons(o shop.Order) []shop.NoticeButton {
	var out []shop.NoticeButton
	for _, s := range o.Next() {
		arg := fmt.Sprintf("%d %s", o.Number, s)
		switch s {
		case shop.StatusPaid:
			out = append(out, shop.NoticeButton{Text: "admin.do_paid", Event: CommandEvent("paid"), Arg: fmt.Sprint(o.Number)})
			continue
		case shop.StatusRefunded:
			out = append(out, shop.NoticeButton{Text: "admin.do_refunded", Event: CommandEvent("refund"), Arg: fmt.Sprintf("%d ?", o.Number)})
			continue
		case shop.StatusCancelled:
			arg += " ?"
		}
		out = append(out, shop.NoticeButton{Text: "admin.do_" + string(s), Event: CommandEvent("status"), Arg: arg})
	}
	if o.RefundDue() { // cancelled after it was paid: the money is still to go back
		out = append(out, shop.NoticeButton{Text: "admin.do_refunded", Event: CommandEvent("refund"), Arg: fmt.Sprintf("%d ?", o.Number)})
	}
	return out
}

func staffSetStatus(c *Ctx) (string, error) {
	st, ok := staff(c)
	if !ok {
		return "", nil
	}
	w := fields(c.Arg)
	if len(w) < 2 {
		c.Text(c.P.T("admin.usage_status", "statuses", "packed, shipped, ready, delivered, cancelled"))
		return "", nil
	}
	o, ok := findOrder(c, st, w[0])
	if !ok {
		return "", nil
	}
	to, ok := shop.ParseStatus(strings.ToLower(w[1]))
	if !ok || to == shop.StatusNew {
		c.Text(c.P.T("admin.bad_status", "status", w[1], "statuses", "packed, shipped, ready, delivered, cancelled"))
		return "", nil
	}
	switch to {
	case shop.StatusPaid:
		c.Arg = w[0]
		return staffMarkPaid(c)
	case shop.StatusRefunded:
		c.Arg = strings.Join(append([]string{w[0]}, w[2:]...), " ")
		return staffRefund(c)
	}
	rest := strings.TrimSpace(strings.Join(w[2:], " "))
	if err := o.Clone().Change(to, c.Now, by(c)); err != nil {
		refuse(c, o, to, err)
		return "", nil
	}
	if rest == "?" { // a button asks before cancelling
		c.Text(orderCard(c.P, c.Shop, o, true) + "\n\n" + c.P.T("admin.confirm_"+string(to), "number", o.Number))
		c.Row(CommandButton(c.P.T("admin.yes_"+string(to)), "status", fmt.Sprintf("%d %s", o.Number, to)),
			CommandButton(c.P.T("common.back"), "order", fmt.Sprint(o.Number)))
		return "", nil
	}
	if to == shop.StatusShipped && rest == "" {
		c.Vars[varStaffOrder] = fmt.Sprint(o.Number)
		return "ask_tracking", nil
	}
	if rest == "-" {
		rest = ""
	}
	if len([]rune(rest)) > 100 {
		rest = string([]rune(rest)[:100])
	}
	e := audit(c, "status")
	if to == shop.StatusShipped && rest != "" {
		e.After = string(to) + " " + rest
	}
	changed, err := st.ChangeOrderAudited(c, o.ID, e, func(o *shop.Order) ([]shop.Notice, error) {
		if to == shop.StatusShipped {
			o.Tracking = rest
		}
		return nil, o.Change(to, c.Now, by(c))
	})
	if err != nil {
		if refuse(c, o, to, err) {
			return "", nil
		}
		return unexpected(c, "set status", err)
	}
	c.Say("admin.status_done", "number", changed.Number, "status", statusName(c, to))
	showStaffOrder(c, changed)
	return "", nil
}

// refuse says why an order may not move, when err is a refused move.
func refuse(c *Ctx, o shop.Order, to shop.Status, err error) bool {
	var te *shop.TransitionError
	if !errors.As(err, &te) {
		return false
	}
	c.Text(c.P.T("admin.refused", "number", o.Number, "from", statusName(c, te.From), "to", statusName(c, to),
		"reason", c.P.T("admin.reason_"+te.Reason)))
	return true
}

// staffAskTracking asks for the tracking number or the courier's phone of
// the order being shipped, with a button to ship without one.
func staffAskTracking(c *Ctx) (string, error) {
	n := c.Vars[varStaffOrder]
	c.Args("number", n)
	c.Row(CommandButton(c.P.T("admin.no_tracking"), "status", n+" shipped -"))
	return "", nil
}

func staffTakeTracking(c *Ctx) (string, error) {
	n := c.Vars[varStaffOrder]
	text := strings.TrimSpace(c.Msg.Text)
	if n == "" || text == "" {
		return "", nil // asked again
	}
	delete(c.Vars, varStaffOrder)
	c.Arg = n + " shipped " + text
	return "ok", nil
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// staffFind reads what the menu's search was given: an order number leads
// to the order, anything else to the customer card.
func staffFind(c *Ctx) (string, error) {
	q := strings.TrimSpace(c.Msg.Text)
	if q == "" {
		return "", nil
	}
	c.Arg = q
	if n, ok := orderNumber(q); ok && len(q) < 9 {
		if st, ok := staff(c); ok {
			if _, err := st.OrderByNumber(c, n); err == nil {
				return "order", nil
			}
		}
	}
	return "customer", nil
}
