package shop

import (
	"errors"
	"testing"
	"time"
)

func TestOrderChange(t *testing.T) {
	courier := Delivery{Method: DeliveryCourier}
	pickup := Delivery{Method: DeliveryPickup}
	tests := []struct {
		from   Status
		d      Delivery
		to     Status
		reason string // "" when allowed
	}{
		{StatusNew, courier, StatusPaid, ""},
		{StatusNew, courier, StatusPacked, ReasonNotPaid},
		{StatusNew, courier, StatusRefunded, ReasonNotPaid},
		{StatusNew, courier, StatusCancelled, ""},
		{StatusPaid, courier, StatusPacked, ""},
		{StatusPaid, courier, StatusShipped, ""},
		{StatusPacked, courier, StatusShipped, ""},
		{StatusPacked, pickup, StatusShipped, ReasonPickup},
		{StatusPacked, pickup, StatusReady, ""},
		{StatusPacked, courier, StatusReady, ReasonCourier},
		{StatusPacked, courier, StatusCancelled, ""},
		{StatusShipped, courier, StatusCancelled, ReasonLeft},
		{StatusShipped, courier, StatusDelivered, ""},
		{StatusReady, pickup, StatusDelivered, ""},
		{StatusPaid, courier, StatusDelivered, ReasonNotLeft},
		{StatusDelivered, courier, StatusRefunded, ""},
		{StatusDelivered, courier, StatusPacked, ReasonBackwards},
		{StatusCancelled, courier, StatusPaid, ReasonFinal},
		{StatusRefunded, courier, StatusRefunded, ReasonSame},
	}
	for _, tt := range tests {
		o := Order{Number: 1001, Status: tt.from, Delivery: tt.d, CreatedAt: time.Unix(100, 0)}
		err := o.Change(tt.to, time.Unix(200, 0), "telegram:1")
		var te *TransitionError
		switch {
		case tt.reason == "" && err != nil:
			t.Errorf("%s → %s (%s): %v", tt.from, tt.to, tt.d.Method, err)
		case tt.reason == "" && (o.Status != tt.to || len(o.History) != 2 || o.History[1].By != "telegram:1"):
			t.Errorf("%s → %s: status %s, history %+v", tt.from, tt.to, o.Status, o.History)
		case tt.reason != "" && (!errors.As(err, &te) || te.Reason != tt.reason || !errors.Is(err, ErrBadTransition)):
			t.Errorf("%s → %s (%s): %v, want reason %s", tt.from, tt.to, tt.d.Method, err, tt.reason)
		case tt.reason != "" && o.Status != tt.from:
			t.Errorf("%s → %s refused but the status changed", tt.from, tt.to)
		}
	}
}
