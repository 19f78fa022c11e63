package flows

import "omnicart/bot"

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
