package shop

import (
	"strconv"
	"strings"
	"time"
)

// Broadcast is one message an admin sends to many customers at once,
// through the outbox as marketing notices keyed "broadcast/<id>/<customer>",
// so nobody gets it twice, even after a restart.
type Broadcast struct {
	ID int64 `json:"id"`
	// By is the chat address of the admin who wrote it; progress and the
	// summary go there. ByCustomer is that chat's customer.
	By         string         `json:"by"`
	ByCustomer CustomerID     `json:"by_customer"`
	Lang       string         `json:"lang,omitempty"` // the admin's language
	Audience   Audience       `json:"audience"`
	Text       string         `json:"text"`
	Photo      string         `json:"photo,omitempty"` // a link or a shop image
	State      BroadcastState `json:"state"`
	// Total is how many customers it goes to (counted for the preview,
	// then when it is queued).
	Total int `json:"total"`
	// Progress is the id of the progress message in the admin's chat,
	// edited in place; "" when the channel cannot edit.
	Progress string    `json:"progress,omitempty"`
	Created  time.Time `json:"created"`
	Started  time.Time `json:"started,omitzero"`
	Finished time.Time `json:"finished,omitzero"`
}

// BroadcastState is where a broadcast is.
type BroadcastState string

// Broadcast states: written → counting (a job counts the audience) →
// ready (the preview with the count is shown) → queued (confirmed: a job
// writes the notices) → sending (the outbox sends them) → done; or
// cancelled before it was queued.
const (
	BroadcastCounting  BroadcastState = "counting"
	BroadcastReady     BroadcastState = "ready"
	BroadcastQueued    BroadcastState = "queued"
	BroadcastSending   BroadcastState = "sending"
	BroadcastDone      BroadcastState = "done"
	BroadcastCancelled BroadcastState = "cancelled"
)

// Active reports whether a job still has work on the broadcast.
func (s BroadcastState) Active() bool {
	return s == BroadcastCounting || s == BroadcastQueued || s == BroadcastSending
}

// Audience says who a broadcast goes to: everyone, the customers of one
// channel ("channel:telegram"), buyers (a paid order), or those who have
// not bought.
type Audience string

// Audiences.
const (
	AudienceAll       Audience = "all"
	AudienceBuyers    Audience = "buyers"
	AudienceNonBuyers Audience = "nonbuyers"
	audienceChannel            = "channel:"
)

// ChannelAudience is the audience of the customers who use channel.
func ChannelAudience(channel string) Audience { return Audience(audienceChannel + channel) }

// Channel returns the channel of a channel audience.
func (a Audience) Channel() (string, bool) {
	return strings.CutPrefix(string(a), audienceChannel)
}

// Valid reports whether a is a known audience.
func (a Audience) Valid() bool {
	switch a {
	case AudienceAll, AudienceBuyers, AudienceNonBuyers:
		return true
	}
	ch, ok := a.Channel()
	return ok && ch != ""
}

// BroadcastKey is the idempotency key of a broadcast's notice to one
// customer.
func BroadcastKey(id int64, c CustomerID) string {
	return BroadcastKeyPrefix(id) + string(c)
}

// BroadcastKeyPrefix is what the keys of every notice of a broadcast start
// with.
func BroadcastKeyPrefix(id int64) string {
	return "broadcast/" + strconv.FormatInt(id, 10) + "/"
}
