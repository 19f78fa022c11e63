package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"

	"omnicart/bot"
	"omnicart/flows"
	"omnicart/payments"
	"omnicart/shop"
	"omnicart/store"
)

// staff is the shop's staff from the config's [admin] lists: the role of
// each chat address. Everyone else is a shopper.
type staff map[bot.Address]flows.Role

// newStaff reads the [admin] lists (validated by LoadConfig). A WhatsApp
// number may be written with + and spaces ("+7 916 123-45-67").
func newStaff(cfg Config) staff {
	s := staff{}
	for _, l := range []struct {
		role  flows.Role
		addrs []string
	}{{flows.RoleOperator, cfg.Admin.Operators}, {flows.RoleManager, cfg.Admin.Managers}, {flows.RoleOwner, cfg.Admin.Admins}} {
		for _, a := range l.addrs {
			if addr, ok := staffAddress(a); ok {
				s[addr] = l.role
			}
		}
	}
	return s
}

// staffAddress parses a configured chat address.
func staffAddress(a string) (bot.Address, bool) {
	addr, ok := bot.ParseAddress(strings.TrimSpace(a))
	if !ok {
		return bot.Address{}, false
	}
	if addr.Channel == bot.WhatsApp && !strings.HasPrefix(addr.Chat, "lid:") {
		addr.Chat = strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, addr.Chat)
	}
	return addr, addr.Chat != ""
}

// Role is the role of the chat at from: flows.Options.Roles.
func (s staff) Role(from bot.Address) flows.Role { return s[from] }

// Addresses returns the chats whose role is at least min (owners and
// managers are told of new orders).
func (s staff) Addresses(min flows.Role) []bot.Address {
	var out []bot.Address
	for a, r := range s {
		if r.AtLeast(min) {
			out = append(out, a)
		}
	}
	return out
}

// staffOptions are what the staff's commands need from the running shop:
// refunds through the payment method that took the money, and backups
// into the configured backup folder.
func (m *Main) staffOptions() flows.StaffOptions {
	opt := flows.StaffOptions{Refund: refundThrough(func() map[string]payments.Refunder {
		if m.payments == nil {
			return nil
		}
		return m.payments.refunders
	})}
	if dir := m.Config.Backup.Dir; dir != "" {
		keep := m.Config.Backup.Keep
		opt.Backup = func(ctx context.Context) (string, int64, error) {
			path, err := m.DB.BackupTo(dir, keep)
			if err != nil {
				return "", 0, err
			}
			st, err := os.Stat(path)
			if err != nil {
				return path, 0, err
			}
			return path, st.Size(), nil
		}
	}
	return opt
}

// refundThrough refunds an order through the provider that took its
// payment (shop.Order.Provider: "yookassa" for the СБП method too), when
// it is enabled and can refund; the settler gives double payments back
// through the same refunders.
func refundThrough(refunders func() map[string]payments.Refunder) func(context.Context, shop.Order, shop.Money, string) (bool, error) {
	return func(ctx context.Context, o shop.Order, amount shop.Money, key string) (bool, error) {
		r := refunders()[o.Provider]
		if r == nil {
			return false, nil
		}
		if err := r.Refund(ctx, o.PaymentID, amount, key); err != nil {
			return false, fmt.Errorf("refund order %d through %s: %w", o.Number, o.Provider, err)
		}
		return true, nil
	}
}

// watchOrders makes every order change write the notices it causes in its
// transaction: owners and managers told of new orders, shoppers of the
// staff's changes (flows.Engine.OrderNotices).
func (m *Main) watchOrders(ctx context.Context) error {
	if err := m.DB.IndexOrders(ctx); err != nil {
		return err
	}
	var told []string
	for _, a := range newStaff(m.Config).Addresses(flows.RoleManager) {
		told = append(told, a.String())
	}
	slices.Sort(told)
	eng := m.Engine
	m.DB.WatchOrders(told, func(ch store.OrderChange) []shop.Notice {
		return eng.OrderNotices(ch.Before, ch.After, ch.Customer, ch.Staff)
	})
	return nil
}
