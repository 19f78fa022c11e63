package flows

import (
	"context"

	"omnicart/shop"
)

// The engine and the actions of each flow declare the persistence they
// need as small interfaces; *store.DB satisfies all of them.

// Sessions keeps each customer's place in the flows, saved together with
// the cart.
type Sessions interface {
	// Session returns the stored session, or nil when there is none.
	Session(ctx context.Context, id shop.CustomerID) ([]byte, error)
	// SaveState stores session and cart and marks seen (an update's key,
	// "telegram:123"; "" for none) seen, in one transaction.
	SaveState(ctx context.Context, id shop.CustomerID, session []byte, c shop.Cart, seen string) error
}

// turns is what a Sessions store may add so that a message costs fewer
// transactions: Turn reads the customer, the session bytes (nil when
// none) and the cart at once; SaveSessionOnly is SaveState for a message
// that found the cart empty and left it so. *store.DB has both; without
// them the engine reads and saves each record on its own.
type turns interface {
	// Turn also reports whether seen was marked seen (dup): the update
	// is a duplicate of one already handled.
	Turn(ctx context.Context, id shop.CustomerID, seen string) (c shop.Customer, session []byte, cart shop.Cart, dup bool, err error)
	SaveSessionOnly(ctx context.Context, id shop.CustomerID, session []byte, seen string) error
}

// customerIDs is what a Customers store may add: the customer writing from
// addr without reading their profile; ok is false for an address never
// seen (CustomerFor creates the customer).
type customerIDs interface {
	CustomerID(ctx context.Context, addr string) (id shop.CustomerID, ok bool, err error)
}

// Customers finds and keeps customer records.
type Customers interface {
	// CustomerFor returns the customer writing from addr, creating one for
	// an address seen for the first time.
	CustomerFor(ctx context.Context, addr string) (shop.Customer, error)
	// Customer returns the customer, or an error wrapping shop.ErrNotFound.
	Customer(ctx context.Context, id shop.CustomerID) (shop.Customer, error)
	SaveCustomer(ctx context.Context, c shop.Customer) error
	// SetReachable records whether the customer at addr can be written to
	// on addr's channel.
	SetReachable(ctx context.Context, addr string, ok bool) error
}

// Carts keeps each customer's cart.
type Carts interface {
	Cart(ctx context.Context, id shop.CustomerID) (shop.Cart, error)
	SaveCart(ctx context.Context, id shop.CustomerID, c shop.Cart) error
}

// Stock reads live stock counters.
type Stock interface {
	// Stock returns how many of item are left; known is false for items
	// whose stock is not counted.
	Stock(ctx context.Context, item shop.Item) (n int, known bool, err error)
}

// Orders places, reads and changes orders.
type Orders interface {
	PlaceOrder(ctx context.Context, o shop.Order) (shop.Order, error)
	Order(ctx context.Context, id string) (shop.Order, error)
	Orders(ctx context.Context, id shop.CustomerID) ([]shop.Order, error)
	UpdateOrder(ctx context.Context, id string, fn func(*shop.Order) error) (shop.Order, error)
}

// orderPages is what an Orders store may add so that a listing reads only
// the orders it shows: the newest n, and how many there are in all.
type orderPages interface {
	RecentOrders(ctx context.Context, id shop.CustomerID, n int) ([]shop.Order, int, error)
}

// recentOrders returns the customer's newest n orders and how many there
// are, reading only n of them when the store can (orderPages).
func recentOrders(ctx context.Context, st Orders, id shop.CustomerID, n int) ([]shop.Order, int, error) {
	if p, ok := st.(orderPages); ok {
		return p.RecentOrders(ctx, id, n)
	}
	orders, err := st.Orders(ctx, id)
	return orders[:min(n, len(orders))], len(orders), err
}

// Links joins the chats of one customer: by a one-time code or a shared
// phone number.
type Links interface {
	ByPhone(ctx context.Context, phone string) (shop.CustomerID, bool, error)
	NewLinkCode(ctx context.Context, id shop.CustomerID) (string, error)
	TakeLinkCode(ctx context.Context, code string) (shop.CustomerID, bool, error)
	Merge(ctx context.Context, from, into shop.CustomerID) (shop.Customer, error)
	Unlink(ctx context.Context, id shop.CustomerID, addr string) (shop.Customer, error)
}

// Events logs what happened and recognises what was seen before.
type Events interface {
	LogEvent(ctx context.Context, e shop.Event) error
	// FirstSeen marks key as seen and reports whether it was the first time.
	FirstSeen(ctx context.Context, key string) (bool, error)
}

// Extras reads what a checkout adds to the cart: promo codes (the ones
// the shop generated), loyalty points and courier windows. Their use is
// taken in PlaceOrder's transaction (shop.Order's Promo, Points, Slot).
type Extras interface {
	// PromoCode returns a generated promo code; ok is false for others.
	PromoCode(ctx context.Context, code string) (p shop.Promo, ok bool, err error)
	// PromoUses returns how many orders use code, in all and of customer id.
	PromoUses(ctx context.Context, code string, id shop.CustomerID) (all, mine int, err error)
	Points(ctx context.Context, id shop.CustomerID) (int64, error)
	// SlotsTaken returns how many orders hold each window.
	SlotsTaken(ctx context.Context, slots []shop.Slot) ([]int, error)
}

// placer places orders with their extras.
type placer interface {
	Orders
	Extras
}

// Store is every concern at once, what NewEngine takes.
type Store interface {
	Extras
	Support
	MessageLog
	Outbox
	Analytics
	Broadcasts
	Sessions
	Customers
	Carts
	Stock
	Orders
	Links
	Events
}
