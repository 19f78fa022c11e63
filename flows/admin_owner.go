package flows

import (
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"

	"omnicart/shop"
)

// The owner's commands: /audit [N] shows the latest staff actions, /backup
// makes a consistent backup of the running shop's data.

func adminOwnerActions() Actions {
	return Actions{
		"staff_audit":  {Run: staffAudit},
		"staff_backup": {Run: staffBackup},
	}
}

// auditShown is how many audit entries /audit shows by default.
const auditShown = 15

func staffAudit(c *Ctx) (string, error) {
	st, ok := staff(c)
	if !ok {
		return "", nil
	}
	n := auditShown
	if w := fields(c.Arg); len(w) > 0 {
		if v, err := strconv.Atoi(w[0]); err == nil && v > 0 {
			n = min(v, 50)
		}
	}
	log, err := st.AuditLog(c, n)
	if err != nil {
		return unexpected(c, "audit", err)
	}
	if len(log) == 0 {
		c.Text(c.P.T("admin.audit_none"))
		return "", nil
	}
	var b strings.Builder
	for _, e := range log {
		before, after := auditValue(c, e.Action, e.Before), auditValue(c, e.Action, e.After)
		change := ""
		switch {
		case before != "" && after != "":
			change = before + " → " + after
		case after != "":
			change = after
		}
		action := e.Action
		if _, ok := auditWords[action]; ok {
			action = c.P.T("admin.audit_action." + action)
		}
		b.WriteString("\n" + c.P.T("admin.audit_line", "time", c.Time(e.At), "by", e.By, "action", action,
			"target", orDash(e.Target), "change", orDash(change)))
	}
	c.Text(c.P.T("admin.audit_title", "count", len(log)) + b.String())
	return "", nil
}

func staffBackup(c *Ctx) (string, error) {
	st, ok := staff(c)
	if !ok {
		return "", nil
	}
	backup := c.eng.opt.Staff.Backup
	if backup == nil {
		c.Text(c.P.T("admin.backup_off"))
		return "", nil
	}
	path, size, err := backup(c)
	e := audit(c, "backup")
	if err != nil {
		c.Log.Error("backup from the chat failed", slog.Any("err", err))
		e.After = "failed"
		if aerr := st.Audit(c, e); aerr != nil {
			c.Log.Warn("audit", slog.Any("err", aerr))
		}
		c.Text(c.P.T("admin.backup_failed"))
		return "", nil
	}
	e.After = fmt.Sprintf("written: %s (%s)", path, humanSize(size))
	if err := st.Audit(c, e); err != nil {
		return unexpected(c, "audit backup", err)
	}
	c.Text(c.P.T("admin.backup_done", "path", path, "size", humanSize(size)))
	return "", nil
}

// humanSize writes a byte count for people: "812 B", "3.4 MB".
func humanSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", float64(n)/float64(div), "KMGTPE"[exp])
}

// The audit log is kept language-neutral and read in the reader's
// language. A value (an entry's Before or After) is words the reader's
// texts name, and may end in ": " and a note kept as written (a reason, a
// backup's path). Its words are an action's words below (text
// "admin.audit_word.WORD"), the order statuses of an order's action, the
// request statuses of a return, numbers, "—", and amounts as
// shop.Money.String writes them ("100.00 RUB"), shown in the reader's
// format. A value with any other word (written before the log was
// neutral) is shown as it was written; a status change keeps what follows
// the status (a tracking number) as written.

// auditWords are the words of each action's values (besides statuses);
// the actions listed have a name of their own, "admin.audit_action.NAME".
var auditWords = map[string][]string{
	"status": nil,
	"paid":   {"expired"},
	"refund": {"part", "by_hand"},
	"return": {"refund"},
	"stock":  nil,
	"price":  nil,
	"hide":   {"shown", "hidden"},
	"show":   {"shown", "hidden"},
	"clear":  {"override", "files"},
	"backup": {"failed", "written"},
}

// auditValue renders a value of an audit entry of action for the reader.
func auditValue(c *Ctx, action, v string) string {
	words, ok := auditWords[action]
	if !ok || v == "" {
		return v
	}
	code, note, hasNote := strings.Cut(v, ": ")
	w := strings.Fields(code)
	var out []string
	for i := 0; i < len(w); i++ {
		if i+1 < len(w) {
			if m, ok := neutralMoney(w[i], w[i+1]); ok {
				out = append(out, c.Money(m))
				i++
				continue
			}
		}
		t, ok := auditWord(c, action, words, w[i])
		if !ok {
			if action == "status" && i > 0 { // "shipped +7 916 555-44-33": the tracking as written
				return strings.Join(append(out, strings.Join(w[i:], " ")), " ")
			}
			return v
		}
		out = append(out, t)
	}
	s := strings.Join(out, " ")
	if hasNote {
		s += ": " + note
	}
	return s
}

// auditWord reads one word of a value of action, whose own words are
// words.
func auditWord(c *Ctx, action string, words []string, w string) (string, bool) {
	if _, err := strconv.Atoi(w); err == nil || w == "—" {
		return w, true
	}
	if slices.Contains(words, w) {
		return c.P.T("admin.audit_word." + w), true
	}
	switch action {
	case "status", "paid", "refund":
		if s, ok := shop.ParseStatus(w); ok {
			return statusName(c, s), true
		}
	case "return":
		switch shop.ReturnStatus(w) {
		case shop.ReturnPending, shop.ReturnApproved, shop.ReturnDeclined:
			return c.P.T("returns.status_" + w), true
		}
	}
	return "", false
}

// neutralMoney reads an amount written by shop.Money.String: "100.00"
// and "RUB".
func neutralMoney(amount, currency string) (shop.Money, bool) {
	if len(currency) != 3 || strings.ToUpper(currency) != currency || !strings.ContainsAny(amount[:1], "0123456789") {
		return shop.Money{}, false
	}
	m, err := shop.ParseMoney(amount, currency)
	return m, err == nil
}
