package catalog

import (
	"math"
	"slices"

	"omnicart/shop"
)

// PickupPoint is a place where shoppers collect their orders.
type PickupPoint struct {
	ID      string
	Name    Text
	Address Text
	Hours   Text
	Lat     float64
	Lon     float64
}

// Courier is delivery to the shopper's door.
type Courier struct {
	Price    shop.Money
	FreeFrom shop.Money // items total (before promo codes and points) from which delivery is free; zero: never free
	Note     Text
	// Slots, when set, are the windows the shopper chooses from.
	Slots *Slots
}

// Delivery is how orders reach shoppers.
type Delivery struct {
	Courier Courier
	Pickup  []PickupPoint
}

// Nearest returns up to n pickup points, closest to (lat, lon) first.
// n <= 0 returns them all.
func (d Delivery) Nearest(lat, lon float64, n int) []PickupPoint {
	ps := slices.Clone(d.Pickup)
	slices.SortStableFunc(ps, func(a, b PickupPoint) int {
		da, db := distanceKm(lat, lon, a.Lat, a.Lon), distanceKm(lat, lon, b.Lat, b.Lon)
		switch {
		case da < db:
			return -1
		case da > db:
			return 1
		}
		return 0
	})
	if n > 0 && n < len(ps) {
		ps = ps[:n]
	}
	return ps
}

// Point returns the pickup point with the given id.
func (d Delivery) Point(id string) (PickupPoint, bool) {
	for _, p := range d.Pickup {
		if p.ID == id {
			return p, true
		}
	}
	return PickupPoint{}, false
}

// CourierPrice is what courier delivery costs for an order whose items
// cost subtotal before any promo code or points: a discount never makes
// a free delivery paid.
func (d Delivery) CourierPrice(subtotal shop.Money) shop.Money {
	c := d.Courier
	if c.FreeFrom.Minor > 0 && subtotal.Minor >= c.FreeFrom.Minor {
		return shop.Money{Currency: c.Price.Currency}
	}
	return c.Price
}

// distanceKm is the great-circle (haversine) distance between two points.
func distanceKm(lat1, lon1, lat2, lon2 float64) float64 {
	const earthRadiusKm = 6371
	rad := math.Pi / 180
	dLat := (lat2 - lat1) * rad
	dLon := (lon2 - lon1) * rad
	a := math.Sin(dLat/2)*math.Sin(dLat/2) +
		math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * earthRadiusKm * math.Asin(math.Sqrt(min(a, 1)))
}
