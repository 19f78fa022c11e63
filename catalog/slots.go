package catalog

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"omnicart/ownerfile"
	"omnicart/shop"
)

// Slots are the courier's delivery windows: the shopper chooses a day and
// a window that still has room.
type Slots struct {
	// Days is how many days are offered: from today before the cut-off,
	// from tomorrow after it.
	Days int
	// Cutoff is the time of day (minutes after midnight) after which no
	// window of today is offered; 0: today's windows are offered while
	// they have not begun.
	Cutoff  int
	Windows []Window
}

// Window is a time of day the courier comes, and how many orders it takes.
type Window struct {
	From, To int // minutes after midnight
	Capacity int // 0: no limit
}

// SlotDay is one day offered and its windows.
type SlotDay struct {
	Date  time.Time // midnight of the day, in now's zone
	Slots []shop.Slot
}

// Offer returns the days and windows a shopper may choose at now, in the
// shop's time zone (now's location): today's windows only before the
// cut-off and before they begin. Whether a window still has room is the
// store's to say.
func (s Slots) Offer(now time.Time) []SlotDay {
	if s.Days <= 0 || len(s.Windows) == 0 {
		return nil
	}
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
	minute := now.Hour()*60 + now.Minute()
	first := 0
	if s.Cutoff > 0 && minute >= s.Cutoff {
		first = 1
	}
	var days []SlotDay
	for i := first; i < first+s.Days; i++ {
		date := today.AddDate(0, 0, i)
		d := SlotDay{Date: date}
		for _, w := range s.Windows {
			if i == 0 && w.From <= minute {
				continue
			}
			d.Slots = append(d.Slots, shop.Slot{Day: date.Format(time.DateOnly),
				From: clock(w.From), To: clock(w.To), Capacity: w.Capacity})
		}
		if len(d.Slots) > 0 {
			days = append(days, d)
		}
	}
	return days
}

// clock writes minutes after midnight as "10:00".
func clock(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }

// parseClock reads "10:00" or "9:30" (and "24:00", the end of a day).
func parseClock(s string) (int, bool) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || len(m) != 2 || hh < 0 || mm < 0 || mm > 59 || hh*60+mm > 24*60 {
		return 0, false
	}
	return hh*60 + mm, true
}

// maxSlotDays is the most days ahead a shop may offer.
const maxSlotDays = 31

// slots reads courier: slots: {days: 3, cutoff: "12:00", windows: [...]}.
func (f yfile) slots(n *yaml.Node) *Slots {
	const ctx = "courier: slots: "
	m, ok := f.Fields(n, ctx, `{days: 3, cutoff: "12:00", windows: [{from: "10:00", to: "14:00", capacity: 5}]}`,
		"days", "cutoff", "windows")
	if !ok {
		return nil
	}
	s := &Slots{Days: 3}
	if v := f.value(m["days"], ctx, "days"); v.s != "" {
		d, err := strconv.Atoi(v.s)
		if err != nil || d < 1 || d > maxSlotDays {
			f.loader.errorf(f.file, v.line, "%sdays %q: expected a whole number of days from 1 to %d", ctx, v.s, maxSlotDays)
		}
		s.Days = d
	}
	if v := f.value(m["cutoff"], ctx, "cutoff"); v.s != "" {
		c, ok := parseClock(v.s)
		if !ok {
			f.loader.errorf(f.file, v.line, `%scutoff %q: expected a time of day like "12:00" (in quotes)`, ctx, v.s)
		}
		s.Cutoff = c
	}
	items := f.List(m["windows"], ctx, "windows", `[{from: "10:00", to: "14:00", capacity: 5}]`)
	if len(items) == 0 && !ownerfile.Absent(n) {
		f.errorf(n, `%smissing windows, like windows: [{from: "10:00", to: "14:00", capacity: 5}]`, ctx)
	}
	for _, wn := range items {
		if w, ok := f.window(wn, s.Windows); ok {
			s.Windows = append(s.Windows, w)
		}
	}
	return s
}

func (f yfile) window(n *yaml.Node, seen []Window) (Window, bool) {
	const ctx = "courier: slots: window: "
	m, ok := f.Fields(n, ctx, `a window like {from: "10:00", to: "14:00", capacity: 5}`, "from", "to", "capacity")
	if !ok {
		return Window{}, false
	}
	var w Window
	good := true
	for _, field := range []struct {
		name string
		to   *int
	}{{"from", &w.From}, {"to", &w.To}} {
		v := f.value(m[field.name], ctx, field.name)
		if v.s == "" {
			f.errorf(n, "%smissing %s", ctx, field.name)
			good = false
			continue
		}
		t, ok := parseClock(v.s)
		if !ok {
			f.loader.errorf(f.file, v.line, `%s%s %q: expected a time of day like "10:00" (in quotes)`, ctx, field.name, v.s)
			good = false
		}
		*field.to = t
	}
	if good && w.To <= w.From {
		f.errorf(n, "%s%s-%s ends before it begins", ctx, clock(w.From), clock(w.To))
		good = false
	}
	if v := f.value(m["capacity"], ctx, "capacity"); v.s != "" {
		c, err := strconv.Atoi(v.s)
		if err != nil || c < 1 || c > 100000 {
			f.loader.errorf(f.file, v.line, "%scapacity %q: expected how many orders the window takes, a whole number from 1 (leave it out for no limit)", ctx, v.s)
			good = false
		}
		w.Capacity = c
	}
	for _, o := range seen {
		if good && w.From < o.To && o.From < w.To {
			f.errorf(n, "%s%s-%s overlaps %s-%s", ctx, clock(w.From), clock(w.To), clock(o.From), clock(o.To))
			good = false
		}
	}
	return w, good
}
