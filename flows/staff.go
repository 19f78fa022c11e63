package flows

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"strconv"
	"strings"

	"omnicart/shop"
)

// The shop's staff: owners, managers and operators (roles.go) run the
// shop from the chat with the commands of the staff flows
// (defaults/admin*.yaml): orders and their statuses (admin.go), the
// catalog's overrides (admin_catalog.go), the audit log and backups
// (admin_owner.go). Every action they take is kept in the audit log.

// StaffOptions are what the staff's commands need besides the store.
type StaffOptions struct {
	// Refund gives amount of order o back through the payment provider
	// that took it (o.Provider), idempotently per key. through is false
	// when that provider cannot refund (a bank transfer): the refund is
	// then recorded as made by hand. Nil: every refund is by hand.
	Refund func(ctx context.Context, o shop.Order, amount shop.Money, key string) (through bool, err error)
	// Backup writes a consistent backup of the running shop's data and
	// returns its path and size. Nil: /backup says backups are off.
	Backup func(ctx context.Context) (path string, size int64, err error)
}

// staffStore is the persistence the staff's commands need; *store.DB
// satisfies it. A store without it (a test double) has no staff commands:
// they answer that they are unavailable.
type staffStore interface {
	OrderByNumber(ctx context.Context, n int64) (shop.Order, error)
	OrdersByStatus(ctx context.Context, s shop.Status, limit int) ([]shop.Order, int, error)
	// OrdersByStatusPage lists a status oldest first, limit from offset.
	OrdersByStatusPage(ctx context.Context, s shop.Status, offset, limit int) ([]shop.Order, int, error)
	ChangeOrderAudited(ctx context.Context, id string, e shop.AuditEntry, fn func(*shop.Order) ([]shop.Notice, error)) (shop.Order, error)
	FindCustomer(ctx context.Context, q string) (shop.Customer, error)
	Audit(ctx context.Context, e shop.AuditEntry) error
	AuditLog(ctx context.Context, n int) ([]shop.AuditEntry, error)
	Overrides(ctx context.Context) ([]shop.Override, error)
	SetOverride(ctx context.Context, item, stockItem string, e shop.AuditEntry, fn func(*shop.Override)) (before, after shop.Override, err error)
	ClearOverride(ctx context.Context, item, stockItem string, fileStock *int, e shop.AuditEntry) (shop.Override, bool, error)
}

// staffActions are the actions of the staff flows. They reach the store
// and the staff options through the engine running them (Ctx.eng).
func staffActions() Actions {
	all := Actions{}
	for _, part := range []Actions{forRole(RoleManager, adminOrderActions()), forRole(RoleManager, adminCatalogActions()),
		forRole(RoleOwner, adminOwnerActions())} {
		maps.Copy(all, part)
	}
	menu := all["admin_menu"] // every member of staff has the menu
	menu.Role = RoleOperator
	all["admin_menu"] = menu
	return all
}

// staff returns the store's staff side, or says the commands are
// unavailable and returns false.
func staff(c *Ctx) (staffStore, bool) {
	if c.eng != nil {
		if st, ok := c.eng.store.(staffStore); ok {
			return st, true
		}
	}
	c.Text(c.P.T("admin.unavailable"))
	return nil, false
}

// by names the member of staff behind this message in history and the
// audit log: their chat address.
func by(c *Ctx) string { return c.Msg.From.String() }

// audit is the audit entry of a staff action.
func audit(c *Ctx, action string) shop.AuditEntry {
	return shop.AuditEntry{At: c.Now, By: by(c), Action: action}
}

// withOverrides returns sh with its catalog in force: the files' catalog
// with the overrides kept in the store.
func (e *Engine) withOverrides(sh *Shop) *Shop {
	if sh == nil || sh.Catalog == nil {
		return sh
	}
	st, ok := e.store.(staffStore)
	if !ok {
		return sh
	}
	ov, err := st.Overrides(context.Background())
	if err != nil {
		e.log.Error("read catalog overrides", slog.Any("err", err))
		return sh
	}
	out := *sh
	if out.File == nil {
		out.File = sh.Catalog
	}
	out.Catalog = out.File.With(ov)
	return &out
}

// refreshCatalog puts the overrides just changed in force.
func (e *Engine) refreshCatalog() { e.SetShop(e.Shop()) }

// orderNumber reads an order number ("1001" or "#1001").
func orderNumber(s string) (int64, bool) {
	n, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(s), "#"), 10, 64)
	return n, err == nil && n > 0
}

// findOrder reads the order named by the first word of c.Arg, or says why
// it cannot and returns false.
func findOrder(c *Ctx, st staffStore, word string) (shop.Order, bool) {
	n, ok := orderNumber(word)
	if !ok {
		c.Text(c.P.T("admin.no_order", "number", word))
		return shop.Order{}, false
	}
	o, err := st.OrderByNumber(c, n)
	if err != nil {
		if !isNotFound(err) {
			c.Log.Error("staff: read order", slog.Any("err", err))
			c.Say("error.internal")
			return shop.Order{}, false
		}
		c.Text(c.P.T("admin.no_order", "number", word))
		return shop.Order{}, false
	}
	return o, true
}

// fields splits a command's payload into words.
func fields(arg string) []string { return strings.Fields(arg) }

func statusName(c *Ctx, s shop.Status) string { return c.P.T("status." + string(s)) }

// moneyArg reads an amount typed by staff ("890", "890.50", "1 150,50").
func moneyArg(s, currency string) (shop.Money, bool) {
	s = strings.ReplaceAll(strings.ReplaceAll(strings.TrimSpace(s), " ", ""), ",", ".")
	m, err := shop.ParseMoney(s, currency)
	return m, err == nil
}

func isNotFound(err error) bool { return errors.Is(err, shop.ErrNotFound) }

func unexpected(c *Ctx, what string, err error) (string, error) {
	return "", fmt.Errorf("staff %s: %w", what, err)
}
