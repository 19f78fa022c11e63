package flows

import (
	"context"
	"log/slog"
	"time"

	"omnicart/bot"
	"omnicart/shop"
)

// Support jobs run on the schedule: conversations left idle go back to the bot.

// DeskJobs are the desk's work outside any conversation: closing idle
// support conversations and sending broadcasts. cmd runs them.
type DeskJobs struct {
	st   DeskStore
	opt  Desk
	eng  *Engine
	edit bot.Editor
	log  *slog.Logger
	now  func() time.Time
}

// NewDeskJobs returns the desk's jobs over st for the shop of eng; edit
// posts and edits broadcast progress messages (nil: only the summary).
func NewDeskJobs(st DeskStore, eng *Engine, edit bot.Editor, opt Desk) *DeskJobs {
	return &DeskJobs{st: st, opt: opt, eng: eng, edit: edit, log: eng.log, now: eng.opt.Now}
}

// CloseIdle closes the support conversations nobody wrote in for
// Desk.IdleAfter and tells their shoppers the bot is back.
func (j *DeskJobs) CloseIdle(ctx context.Context) (int, error) {
	closed, err := j.st.CloseIdleConversations(ctx, j.now().Add(-j.opt.idleAfter()))
	if err != nil {
		return 0, err
	}
	var notices []shop.Notice
	for _, conv := range closed {
		notices = append(notices, closedNotice(conv))
	}
	if len(notices) > 0 {
		if _, err := j.st.Enqueue(ctx, notices...); err != nil {
			return len(closed), err
		}
		if j.opt.Wake != nil {
			j.opt.Wake()
		}
	}
	return len(closed), nil
}
