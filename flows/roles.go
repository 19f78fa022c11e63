package flows

import (
	"strings"

	"omnicart/bot"
)

// Role is what a chat may do beyond shopping, from the config's [admin]
// lists. Everyone is a shopper; an admin is also a shopper.
type Role string

// Roles, from most to least powerful.
const (
	RoleOwner    Role = "owner"    // everything
	RoleManager  Role = "manager"  // orders, stock, prices, stats, broadcast
	RoleOperator Role = "operator" // support conversations only
	RoleShopper  Role = ""         // no admin command exists for them
)

// rank orders roles: a higher rank may do what a lower one may.
var rank = map[Role]int{RoleShopper: 0, RoleOperator: 1, RoleManager: 2, RoleOwner: 3}

// AtLeast reports whether r may do what min may.
func (r Role) AtLeast(min Role) bool { return rank[r] >= rank[min] }

// role is the role of the chat a message came from.
func (e *Engine) role(from bot.Address) Role {
	if e.opt.Roles == nil {
		return RoleShopper
	}
	return e.opt.Roles(from)
}

// ParseRole reads a role as written in the config and flow files: "owner",
// "manager", "operator", or "shopper" / "" for RoleShopper.
func ParseRole(s string) (Role, bool) {
	switch r := Role(s); r {
	case RoleOwner, RoleManager, RoleOperator, RoleShopper:
		return r, true
	case "shopper":
		return RoleShopper, true
	}
	return RoleShopper, false
}

// flowOf is the flow of a qualified state ("admin:menu" → admin).
func (s *Set) flowOf(state string) *Flow {
	name, _, _ := strings.Cut(state, ":")
	return s.flows[name]
}

// Allowed reports whether a chat of role r may enter state (qualified) or
// use a command leading to it: the state's flow has no role, or r is at
// least that role.
func (s *Set) Allowed(r Role, state string) bool {
	fl := s.flowOf(state)
	return fl == nil || r.AtLeast(fl.Role)
}

// CommandAllowed reports whether a chat of role r may use the slash
// command name (which exists).
func (s *Set) CommandAllowed(r Role, name string) bool {
	st, ok := s.commands[name]
	return ok && s.Allowed(r, st)
}

// CanUse reports whether the chat of this message may use the slash
// command name: it exists and the chat's role allows it. Menus offer only
// the commands the chat can use.
func (c *Ctx) CanUse(command string) bool { return c.Shop.Flows.CommandAllowed(c.Role, command) }

// cmdPrefix starts the event of a button that works like a typed command:
// "cmd:status|1001 packed" is /status 1001 packed.
const cmdPrefix = "cmd:"

// CommandButton makes a button that works as if the chat typed
// "/command payload" (role checks included). command and payload together
// must fit in bot.MaxChoiceData bytes with the "cmd:" prefix.
func CommandButton(label, command, payload string) bot.Choice {
	return bot.Choice{Label: label, Data: EncodeChoice(cmdPrefix+command, payload)}
}

// CommandEvent is the event of a notice button that works like a typed
// command: shop.NoticeButton{Event: flows.CommandEvent("status"), Arg: "1001 packed"}.
func CommandEvent(command string) string { return cmdPrefix + command }
