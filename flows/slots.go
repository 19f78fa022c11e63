package flows

import (
	"fmt"
	"strings"
	"time"

	"omnicart/catalog"
	"omnicart/locales"
	"omnicart/shop"
)

// Courier delivery slots: the day and the window, taken in the order
// transaction.

// slotOffer returns the days and windows the shop offers now, in its time
// zone; nil when the courier has no windows.
func slotOffer(c *Ctx) []catalog.SlotDay {
	s := c.Catalog().Delivery.Courier.Slots
	if s == nil {
		return nil
	}
	return s.Offer(c.Now.In(c.Shop.zone()))
}

// freeSlots returns the windows of day that still have room.
func (k checkout) freeSlots(c *Ctx, day catalog.SlotDay) ([]shop.Slot, error) {
	taken, err := k.st.SlotsTaken(c, day.Slots)
	if err != nil {
		return nil, fmt.Errorf("delivery windows: %w", err)
	}
	var free []shop.Slot
	for i, s := range day.Slots {
		if s.Capacity == 0 || taken[i] < s.Capacity {
			free = append(free, s)
		}
	}
	return free, nil
}

// dayLabel names a day for the shopper: "Today, 20 Nov", "Sat, 21 Nov".
func dayLabel(c *Ctx, d time.Time) string { return dayName(c.P, c.Shop.zone(), c.Now, d) }

// dayName names day d in p's language: "Today" and "Tomorrow" counted
// from now in zone, else the weekday ("Sat, 21 Nov"); with now zero (a
// text read later, like the staff's order card) always the weekday.
func dayName(p *locales.Printer, zone *time.Location, now, d time.Time) string {
	name := strings.Split(p.T("checkout.weekdays"), ",")[int(d.Weekday())%7]
	if !now.IsZero() {
		switch daysAfter(now.In(zone), d) {
		case 0:
			name = p.T("checkout.today")
		case 1:
			name = p.T("checkout.tomorrow")
		}
	}
	return p.T("checkout.day", "weekday", strings.TrimSpace(name), "date", d.Format(p.T("checkout.day_layout")))
}

// daysAfter is how many calendar days day d is after day from, each read
// in its own time zone: 1 from 31 December to 1 January (year days would
// give -364), whatever the length of the months and years between.
func daysAfter(from, d time.Time) int {
	y, m, dd := from.Date()
	a := time.Date(y, m, dd, 0, 0, 0, 0, time.UTC)
	y, m, dd = d.Date()
	b := time.Date(y, m, dd, 0, 0, 0, 0, time.UTC)
	return int(b.Sub(a).Hours() / 24)
}

// slotLabel names a window for the shopper: "Sat, 21 Nov, 10:00–14:00".
func slotLabel(c *Ctx, s shop.Slot) string { return windowName(c.P, c.Shop.zone(), c.Now, s) }

// windowName names window s in p's language, its day in zone as dayName
// does.
func windowName(p *locales.Printer, zone *time.Location, now time.Time, s shop.Slot) string {
	d, err := time.ParseInLocation(time.DateOnly, s.Day, zone)
	if err != nil {
		return s.Key()
	}
	return p.T("checkout.slot", "day", dayName(p, zone, now, d), "from", s.From, "to", s.To)
}

func (k checkout) listSlotDays(c *Ctx) (string, error) {
	if c.Event == "same" {
		c.Vars[varDelivery] = shop.DeliveryCourier
	}
	days := slotOffer(c)
	if days == nil {
		delete(c.Vars, varSlot)
		return "none", nil // the courier comes as its note says
	}
	n := 0
	for _, d := range days {
		free, err := k.freeSlots(c, d)
		if err != nil {
			return "", err
		}
		if len(free) == 0 {
			continue // a day whose every window is full is not offered
		}
		c.Row(c.Button(dayLabel(c, d.Date), "day", d.Date.Format(time.DateOnly)))
		n++
	}
	if n == 0 {
		c.Text(c.P.T("checkout.no_windows"))
	}
	return "", nil
}

func (k checkout) listSlotWindows(c *Ctx) (string, error) {
	if c.Event == "day" {
		c.Vars[varSlotDay] = c.Arg
	}
	for _, d := range slotOffer(c) {
		if d.Date.Format(time.DateOnly) != c.Vars[varSlotDay] {
			continue
		}
		free, err := k.freeSlots(c, d)
		if err != nil {
			return "", err
		}
		if len(free) == 0 {
			break
		}
		for _, s := range free {
			c.Row(c.Button(c.P.T("checkout.window_button", "from", s.From, "to", s.To), "window", s.From+"-"+s.To))
		}
		c.Args("day", dayLabel(c, d.Date))
		return "", nil
	}
	c.Say("checkout.day_full")
	return "full", nil
}

// chosenSlot returns the window chosen in this checkout, as the shop
// offers it now; ok is false when none is chosen or it is no longer offered.
func chosenSlot(c *Ctx) (shop.Slot, bool) {
	key := c.Vars[varSlot]
	if key == "" {
		return shop.Slot{}, false
	}
	for _, d := range slotOffer(c) {
		for _, s := range d.Slots {
			if s.Key() == key {
				return s, true
			}
		}
	}
	return shop.Slot{}, false
}

// needsSlot reports whether delivery d needs a window that is not chosen
// (or no longer offered).
func needsSlot(c *Ctx, d shop.Delivery) bool {
	if d.Method != shop.DeliveryCourier || c.Catalog().Delivery.Courier.Slots == nil {
		return false
	}
	_, ok := chosenSlot(c)
	return !ok
}

// takeWindow keeps the window the shopper tapped; false (said why) when
// it filled up meanwhile.
func (k checkout) takeWindow(c *Ctx) (bool, error) {
	c.Vars[varSlot] = c.Vars[varSlotDay] + "/" + c.Arg
	s, ok := chosenSlot(c)
	if !ok {
		delete(c.Vars, varSlot)
		c.Say("error.stale")
		return false, nil
	}
	taken, err := k.st.SlotsTaken(c, []shop.Slot{s})
	if err != nil {
		return false, fmt.Errorf("delivery window: %w", err)
	}
	if s.Capacity > 0 && taken[0] >= s.Capacity {
		delete(c.Vars, varSlot)
		c.Say("checkout.window_taken")
		return false, nil
	}
	return true, nil
}

// --- promo codes ---
