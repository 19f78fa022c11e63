package main

import (
	"strings"

	"omnicart/bot"
	"omnicart/flows"
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
