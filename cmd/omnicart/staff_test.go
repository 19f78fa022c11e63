package main

import (
	"strings"
	"testing"

	"omnicart/bot"
	"omnicart/flows"
)

func TestStaffRoles(t *testing.T) {
	path := writeConfig(t, "[admin]\nadmins = [\"telegram:1\", \"console:owner\"]\nmanagers = [\"whatsapp:+7 916 123-45-67\"]\noperators = [\"web:w1\"]\n")
	cfg, err := LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	s := newStaff(cfg)
	for _, tt := range []struct {
		addr bot.Address
		want flows.Role
	}{
		{bot.Address{Channel: bot.Telegram, Chat: "1"}, flows.RoleOwner},
		{bot.Address{Channel: bot.Console, Chat: "owner"}, flows.RoleOwner},
		{bot.Address{Channel: bot.WhatsApp, Chat: "79161234567"}, flows.RoleManager},
		{bot.Address{Channel: bot.Web, Chat: "w1"}, flows.RoleOperator},
		{bot.Address{Channel: bot.Telegram, Chat: "2"}, flows.RoleShopper},
	} {
		if got := s.Role(tt.addr); got != tt.want {
			t.Errorf("Role(%s) = %q, want %q", tt.addr, got, tt.want)
		}
	}
	if got := len(s.Addresses(flows.RoleManager)); got != 3 {
		t.Errorf("owners and managers: %d chats, want 3", got)
	}
}

func TestStaffOneRoleEach(t *testing.T) {
	path := writeConfig(t, "[admin]\nadmins = [\"telegram:1\"]\noperators = [\"telegram:1\", \"tg\"]\n")
	_, err := LoadConfig(path)
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{`admin.operators: "telegram:1" is already in admin.admins`, `admin.operators: "tg" is not a chat address`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}
