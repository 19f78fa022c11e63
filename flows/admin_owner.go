package flows

import (
	"fmt"
	"log/slog"
	"strconv"
	"strings"
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
		change := ""
		switch {
		case e.Before != "" && e.After != "":
			change = e.Before + " → " + e.After
		case e.After != "":
			change = e.After
		}
		b.WriteString("\n" + c.P.T("admin.audit_line", "time", c.Time(e.At), "by", e.By, "action", e.Action,
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
	e.After = fmt.Sprintf("%s (%d bytes)", path, size)
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
