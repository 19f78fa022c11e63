package flows

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"omnicart/bot"
	"omnicart/shop"
)

// Broadcast: /broadcast (managers and owners) asks for the audience, the
// text and an optional picture; a job counts the audience and sends the
// preview with the count and Send / Cancel; on Send the job writes one
// marketing notice per customer to the outbox (key
// broadcast/<id>/<customer>, so nobody gets it twice, even after a
// restart), and keeps one progress message in the author's chat edited in
// place (sent / failed / left) until a final summary.

// Session keys of the broadcast flow.
const (
	varBcAudience = "bc_audience"
	varBcText     = "bc_text"
)

// maxBroadcastText keeps a broadcast within one message on every channel
// (a Telegram caption is at most 1024 characters).
const maxBroadcastText = 1000

func (d *desk) broadcastActions() Actions {
	return forRole(RoleManager, Actions{
		"broadcast_audiences":  {Emits: []string{"pick"}, Run: d.bcAudiences},
		"broadcast_ask_text":   {Run: d.bcAskText},
		"broadcast_take_text":  {Emits: []string{"ok"}, Run: d.bcTakeText},
		"broadcast_take_photo": {Emits: []string{"ok"}, Run: d.bcTakePhoto},
		"broadcast_create":     {Run: d.bcCreate},
		"broadcast_send":       {Run: d.bcSend},
		"broadcast_cancel":     {Run: d.bcCancel},
	})
}

// audiences offered, with their locale keys.
var audiences = []struct {
	a   shop.Audience
	key string
}{
	{shop.AudienceAll, "broadcast.to_all"},
	{shop.ChannelAudience(bot.Telegram), "broadcast.to_telegram"},
	{shop.ChannelAudience(bot.WhatsApp), "broadcast.to_whatsapp"},
	{shop.ChannelAudience(bot.Web), "broadcast.to_web"},
	{shop.AudienceBuyers, "broadcast.to_buyers"},
	{shop.AudienceNonBuyers, "broadcast.to_nonbuyers"},
}

func audienceKey(a shop.Audience) string {
	for _, x := range audiences {
		if x.a == a {
			return x.key
		}
	}
	return "broadcast.to_all"
}

func (d *desk) bcAudiences(c *Ctx) (string, error) {
	clear(c.Vars)
	for i := 0; i < len(audiences); i += 2 {
		row := []bot.Choice{c.Button(c.P.T(audiences[i].key), "pick", string(audiences[i].a))}
		if i+1 < len(audiences) {
			row = append(row, c.Button(c.P.T(audiences[i+1].key), "pick", string(audiences[i+1].a)))
		}
		c.Row(row...)
	}
	return "", nil
}

func (d *desk) bcAskText(c *Ctx) (string, error) {
	if a := shop.Audience(c.Arg); c.Event == "pick" && a.Valid() {
		c.Vars[varBcAudience] = string(a)
	}
	return "", nil
}

func (d *desk) bcTakeText(c *Ctx) (string, error) {
	text := strings.TrimSpace(c.Msg.Text)
	if text == "" {
		c.Say("broadcast.ask_text")
		return "", nil
	}
	if n := len([]rune(text)); n > maxBroadcastText {
		c.Say("broadcast.too_long", "max", maxBroadcastText, "n", n)
		return "", nil
	}
	c.Vars[varBcText] = text
	return "ok", nil
}

func (d *desk) bcTakePhoto(c *Ctx) (string, error) {
	link := strings.TrimSpace(c.Msg.Text)
	if !strings.HasPrefix(link, "https://") || strings.ContainsAny(link, " \n") {
		c.Say("broadcast.photo_link")
		return "", nil
	}
	c.Arg = link
	return "ok", nil
}

func (d *desk) bcCreate(c *Ctx) (string, error) {
	a := shop.Audience(c.Vars[varBcAudience])
	text := c.Vars[varBcText]
	if !a.Valid() || text == "" {
		c.Text(c.P.T("broadcast.start_over"))
		return "", nil
	}
	photo := ""
	if strings.HasPrefix(c.Arg, "https://") {
		photo = c.Arg
	}
	b, err := d.st.NewBroadcast(c, shop.Broadcast{By: c.Msg.From.String(), ByCustomer: c.Customer.ID, Lang: c.Lang(),
		Audience: a, Text: text, Photo: photo})
	if err != nil {
		return "", err
	}
	delete(c.Vars, varBcText)
	c.Text(c.P.T("broadcast.counting", "id", b.ID))
	if d.opt.Wake != nil {
		d.opt.Wake()
	}
	return "", nil
}

// changeReady moves broadcast N (the command's payload) from ready to
// state, for its author or any manager.
func (d *desk) changeReady(c *Ctx, to shop.BroadcastState) (shop.Broadcast, bool, error) {
	id, _, ok := convNumber(c.Arg)
	if !ok {
		c.Text(c.P.T("broadcast.no_such", "id", c.Arg))
		return shop.Broadcast{}, false, nil
	}
	b, err := d.st.UpdateBroadcast(c, id, func(b *shop.Broadcast) error {
		if b.State != shop.BroadcastReady {
			return errNotReady
		}
		b.State = to
		return nil
	})
	switch {
	case errors.Is(err, shop.ErrNotFound):
		c.Text(c.P.T("broadcast.no_such", "id", id))
		return b, false, nil
	case errors.Is(err, errNotReady):
		c.Text(c.P.T("broadcast.not_ready", "id", id))
		return b, false, nil
	case err != nil:
		return b, false, err
	}
	return b, true, nil
}

var errNotReady = errors.New("broadcast is not waiting for confirmation")

func (d *desk) bcSend(c *Ctx) (string, error) {
	b, ok, err := d.changeReady(c, shop.BroadcastQueued)
	if !ok || err != nil {
		return "", err
	}
	c.Text(c.P.N("broadcast.queued", b.Total, "id", b.ID))
	deskAudit(c, "broadcast", fmt.Sprintf("broadcast %d", b.ID), fmt.Sprintf("sent to %d", b.Total))
	if d.opt.Wake != nil {
		d.opt.Wake()
	}
	return "", nil
}

func (d *desk) bcCancel(c *Ctx) (string, error) {
	b, ok, err := d.changeReady(c, shop.BroadcastCancelled)
	if !ok || err != nil {
		return "", err
	}
	c.Text(c.P.T("broadcast.cancelled", "id", b.ID))
	deskAudit(c, "broadcast", fmt.Sprintf("broadcast %d", b.ID), "cancelled")
	return "", nil
}

// RunBroadcasts works the active broadcasts until ctx ends: it counts
// audiences for previews, writes the notices of confirmed broadcasts and
// keeps their progress messages. After a restart it goes on where it was:
// the notices' keys make writing them again harmless.
func (j *DeskJobs) RunBroadcasts(ctx context.Context, every time.Duration) error {
	if every <= 0 {
		every = time.Second
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		active, err := j.st.ActiveBroadcasts(ctx)
		if err != nil && ctx.Err() == nil {
			j.log.Error("broadcasts: read active", slog.Any("err", err))
		}
		for _, b := range active {
			if err := j.work(ctx, b); err != nil && ctx.Err() == nil {
				j.log.Error("broadcast", slog.Int64("broadcast", b.ID), slog.Any("err", err))
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// work moves broadcast b one step on.
func (j *DeskJobs) work(ctx context.Context, b shop.Broadcast) error {
	switch b.State {
	case shop.BroadcastCounting:
		return j.count(ctx, b)
	case shop.BroadcastQueued:
		return j.queue(ctx, b)
	case shop.BroadcastSending:
		return j.progress(ctx, b)
	}
	return nil
}

func (j *DeskJobs) audience(ctx context.Context, b shop.Broadcast) ([]shop.CustomerID, error) {
	return j.st.Audience(ctx, b.Audience, j.opt.Marketing)
}

func (j *DeskJobs) count(ctx context.Context, b shop.Broadcast) error {
	ids, err := j.audience(ctx, b)
	if err != nil {
		return err
	}
	b, err = j.st.UpdateBroadcast(ctx, b.ID, func(x *shop.Broadcast) error {
		if x.State != shop.BroadcastCounting {
			return errNotReady
		}
		x.Total, x.State = len(ids), shop.BroadcastReady
		return nil
	})
	if errors.Is(err, errNotReady) {
		return nil
	}
	if err != nil {
		return err
	}
	id := strconv.FormatInt(b.ID, 10)
	n := shop.Notice{Key: "broadcast-preview/" + id, Customer: b.ByCustomer, Kind: shop.NoticeService, Text: "broadcast.preview",
		Photo: b.Photo,
		Args: []shop.NoticeArg{shop.NumberArg("n", int64(b.Total)), shop.NumberArg("id", b.ID),
			shop.TextArg("audience", j.text(b.Lang, audienceKey(b.Audience))), shop.TextArg("text", b.Text)},
		Buttons: []shop.NoticeButton{{Text: "broadcast.send", Event: CommandEvent("bsend"), Arg: id},
			{Text: "common.cancel", Event: CommandEvent("bcancel"), Arg: id}}}
	return j.enqueue(ctx, n)
}

func (j *DeskJobs) enqueue(ctx context.Context, notices ...shop.Notice) error {
	if _, err := j.st.Enqueue(ctx, notices...); err != nil {
		return err
	}
	if j.opt.Wake != nil {
		j.opt.Wake()
	}
	return nil
}

// text renders a locale key in lang.
func (j *DeskJobs) text(lang, key string, args ...any) string {
	return j.eng.Shop().Texts.Printer(lang).T(key, args...)
}

func (j *DeskJobs) queue(ctx context.Context, b shop.Broadcast) error {
	ids, err := j.audience(ctx, b)
	if err != nil {
		return err
	}
	now := j.now()
	notices := make([]shop.Notice, 0, len(ids))
	for _, id := range ids {
		notices = append(notices, shop.Notice{Key: shop.BroadcastKey(b.ID, id), Customer: id, Kind: shop.NoticeMarketing,
			Text: "broadcast.message", Args: []shop.NoticeArg{shop.TextArg("text", b.Text)}, Photo: b.Photo,
			Campaign: "broadcast/" + strconv.FormatInt(b.ID, 10), Created: now})
	}
	if _, err := j.st.Enqueue(ctx, notices...); err != nil {
		return err
	}
	progress := b.Progress
	if progress == "" {
		progress = j.post(ctx, b, 0, 0, len(ids))
	}
	_, err = j.st.UpdateBroadcast(ctx, b.ID, func(x *shop.Broadcast) error {
		x.State, x.Total, x.Started, x.Progress = shop.BroadcastSending, len(ids), now, progress
		return nil
	})
	if j.opt.Wake != nil {
		j.opt.Wake()
	}
	return err
}

// post posts the progress message and returns its id ("" when the
// author's channel cannot edit messages).
func (j *DeskJobs) post(ctx context.Context, b shop.Broadcast, sent, failed, total int) string {
	to, ok := bot.ParseAddress(b.By)
	if !ok || j.edit == nil {
		return ""
	}
	id, err := j.edit.Post(ctx, to, bot.Reply{Text: j.progressText(b, sent, failed, total), Lang: b.Lang})
	if err != nil {
		j.log.Warn("broadcast: post progress", slog.Any("err", err))
		return ""
	}
	return id
}

func (j *DeskJobs) progressText(b shop.Broadcast, sent, failed, total int) string {
	return j.text(b.Lang, "broadcast.progress", "id", b.ID, "sent", sent, "failed", failed, "left", max(total-sent-failed, 0))
}

func (j *DeskJobs) progress(ctx context.Context, b shop.Broadcast) error {
	sent, failed, pending, err := j.st.BroadcastProgress(ctx, b.ID)
	if err != nil {
		return err
	}
	total := max(b.Total, sent+failed+pending)
	to, _ := bot.ParseAddress(b.By)
	if b.Progress != "" && j.edit != nil {
		if err := j.edit.Edit(ctx, to, b.Progress, bot.Reply{Text: j.progressText(b, sent, failed, total), Lang: b.Lang}); err != nil {
			j.log.Warn("broadcast: edit progress", slog.Any("err", err))
		}
	}
	if pending > 0 {
		return nil
	}
	_, err = j.st.UpdateBroadcast(ctx, b.ID, func(x *shop.Broadcast) error {
		x.State, x.Finished = shop.BroadcastDone, j.now()
		return nil
	})
	if err != nil {
		return err
	}
	return j.enqueue(ctx, shop.Notice{Key: fmt.Sprintf("broadcast-done/%d", b.ID), Customer: b.ByCustomer, Kind: shop.NoticeService,
		Text: "broadcast.summary", Args: []shop.NoticeArg{shop.NumberArg("id", b.ID), shop.NumberArg("sent", int64(sent)),
			shop.NumberArg("failed", int64(failed)), shop.NumberArg("total", int64(total))}})
}
