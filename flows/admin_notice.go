package flows

import (
	"fmt"
	"slices"

	"omnicart/shop"
)

// OrderNotices returns the notices an order change causes; the store
// writes them in the order's transaction (store.DB.WatchOrders: cmd wires
// it). before is nil for an order being placed; cust is the order's
// customer; staff are the owners' and managers' customer records.
//
//   - The staff are told of each new order at once: when it is paid
//     ("staff-order/<number>/<staff id>") or, paid by bank transfer, when
//     the shopper chose the transfer ("staff-transfer/..."), with the
//     order and a button for each next status. The member of staff who
//     made the change is not told of it.
//   - The shopper is told of each change a member of staff makes, on the
//     chat they use ("order-<status>/<number>"): paid (a transfer arrived),
//     packed, shipped (with the tracking number or the courier's phone),
//     ready at the pickup point (with its hours), delivered or picked up,
//     cancelled, refunded. Changes the shop makes itself (a payment in the
//     chat, the unpaid-order expiry) are told by their own flows.
func (e *Engine) OrderNotices(before *shop.Order, after shop.Order, cust shop.Customer, staff []shop.Customer) []shop.Notice {
	sh := e.shop.Load()
	if sh == nil {
		return nil
	}
	var out []shop.Notice
	last, _ := after.LastChange()
	changed := before == nil || before.Status != after.Status
	kind := ""
	switch {
	case changed && after.Status == shop.StatusPaid && before != nil && before.Provider == "qr":
		kind = "staff-transfer-paid" // staff heard of the order when the transfer was chosen
	case changed && after.Status == shop.StatusPaid:
		kind = "staff-order"
	case after.Status == shop.StatusNew && after.Provider == "qr" && (before == nil || before.Provider != "qr"):
		kind = "staff-transfer"
	case changed && after.Expired() && after.Provider == "qr":
		kind = "staff-transfer-expired" // if the money comes after all, /paid brings the order back
	}
	if kind != "" {
		for _, s := range staff {
			if changed && last.By != "" && slices.Contains(s.Channels, last.By) {
				continue
			}
			out = append(out, e.staffNotice(sh, kind, after, s))
		}
	}
	if changed && before != nil && last.By != "" {
		if n, ok := e.shopperNotice(sh, *before, after, cust); ok {
			out = append(out, n)
		}
	}
	return out
}

func (e *Engine) staffNotice(sh *Shop, kind string, o shop.Order, s shop.Customer) shop.Notice {
	p := sh.Texts.Printer(langOf(sh, s))
	text := "admin.new_order"
	switch kind {
	case "staff-transfer":
		text = "admin.new_transfer"
	case "staff-transfer-paid":
		text = "admin.transfer_paid"
	case "staff-transfer-expired":
		text = "admin.transfer_expired"
	}
	n := shop.Notice{Key: fmt.Sprintf("%s/%d/%s", kind, o.Number, s.ID), Customer: s.ID, Kind: shop.NoticeService,
		Text: text, Args: []shop.NoticeArg{shop.NumberArg("number", o.Number), shop.TextArg("body", orderCard(p, sh, o, false))}}
	n.Buttons = statusButtons(o)
	if kind == "staff-transfer-expired" {
		n.Buttons = append(n.Buttons, shop.NoticeButton{Text: "admin.do_paid", Event: CommandEvent("paid"), Arg: fmt.Sprint(o.Number)})
	}
	n.Buttons = append(n.Buttons, shop.NoticeButton{Text: "admin.open_order", Event: CommandEvent("order"), Arg: fmt.Sprint(o.Number)})
	return n
}

func langOf(sh *Shop, c shop.Customer) string {
	if c.Lang != "" {
		return c.Lang
	}
	return sh.Lang
}

// shopperNotice is the notice telling the shopper their order moved.
func (e *Engine) shopperNotice(sh *Shop, before, o shop.Order, cust shop.Customer) (shop.Notice, bool) {
	if o.Status == shop.StatusRefunded && len(o.Returns) > len(before.Returns) {
		return shop.Notice{}, false // refunded by a return: its approval tells the shopper
	}
	lang := sh.Texts.Printer(langOf(sh, cust)).Lang()
	args := []shop.NoticeArg{shop.NumberArg("number", o.Number)}
	text := "orders.now_" + string(o.Status)
	switch o.Status {
	case shop.StatusShipped:
		if phone, ok := courierPhone(o.Tracking); ok {
			text = "orders.now_shipped_courier"
			args = append(args, shop.TextArg("phone", phone))
		} else if o.Tracking != "" {
			text = "orders.now_shipped_tracking"
			args = append(args, shop.TextArg("tracking", o.Tracking))
		}
	case shop.StatusReady:
		pt, _ := sh.Catalog.Delivery.Point(o.Delivery.Point)
		args = append(args, shop.TextArg("point", pt.Name.In(lang)), shop.TextArg("address", pt.Address.In(lang)),
			shop.TextArg("hours", pt.Hours.In(lang)))
	case shop.StatusDelivered:
		if o.Delivery.Method == shop.DeliveryPickup {
			text = "orders.now_picked_up"
		}
	case shop.StatusCancelled:
		if before.Status != shop.StatusNew {
			text = "orders.now_cancelled_paid"
		}
	case shop.StatusRefunded: // what this refund gave back: parts may have come before
		args = append(args, shop.MoneyArg("amount", shop.Money{Minor: o.Refunded.Minor - before.Refunded.Minor, Currency: o.Total.Currency}))
	case shop.StatusPaid, shop.StatusPacked:
	default:
		return shop.Notice{}, false
	}
	return shop.Notice{Key: fmt.Sprintf("order-%s/%d", o.Status, o.Number), Customer: o.CustomerID, Kind: shop.NoticeService,
		Text: text, Args: args, Buttons: []shop.NoticeButton{{Text: "menu.orders", Event: GoEvent("orders")}}}, true
}
