package store

import (
	"hash/maphash"
	"sync"

	"omnicart/shop"
)

// turnCache holds the customer, session and cart records (the bytes Badger
// holds) of recently active customers, so a message's turn reads them from
// memory: a Badger Get walks every level of the tree even when the newest
// version is in the memtable, and a turn reads three records (issue 13).
//
// It stays correct without knowing every writer:
//   - every write transaction drops the whole cache after it commits
//     (update), except the few hot ones that are known to leave these
//     records alone or keep the cache themselves (updateNoTurns): the
//     turn's own save writes its session and cart through, PlaceOrder and
//     SaveCustomer drop their customer;
//   - a value read from Badger is cached only if nothing was dropped or
//     written through for that customer since before the read (token), so
//     a read that raced a write never caches the older value;
//   - a writer updates or drops after its commit and before it returns.
type turnCache struct {
	mu      sync.Mutex
	epoch   uint64      // bumped when the whole cache is dropped
	stripes [256]uint64 // bumped when a customer of the stripe is dropped or written through
	items   map[shop.CustomerID]*cachedTurn
	// addrs maps chat addresses to their customers (CustomerID). Only
	// writes that go through update change addresses (a new customer, a
	// merge, an unlink): dropAll clears it.
	addrs map[string]shop.CustomerID
	seed  maphash.Seed
}

// cachedTurn is what Badger holds for a customer: nil for a record that is
// absent (no session, an empty cart). The slices are never changed.
type cachedTurn struct {
	cust, session, cart []byte
}

// maxCachedTurns bounds the cache: about 1.5 KB a customer.
const maxCachedTurns = 2048

// turnToken is the state of the cache for one customer before a read or
// a write.
type turnToken struct{ epoch, stripe uint64 }

func (c *turnCache) stripe(id shop.CustomerID) *uint64 {
	return &c.stripes[maphash.String(c.seed, string(id))%uint64(len(c.stripes))]
}

// get returns the cached records of id.
func (c *turnCache) get(id shop.CustomerID) (cachedTurn, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.items[id]
	if !ok {
		return cachedTurn{}, false
	}
	return *t, true
}

// token is taken before reading or writing id's records.
func (c *turnCache) token(id shop.CustomerID) turnToken {
	c.mu.Lock()
	defer c.mu.Unlock()
	return turnToken{c.epoch, *c.stripe(id)}
}

// fill caches records read after tok was taken, unless something was
// dropped or written through for id since.
func (c *turnCache) fill(id shop.CustomerID, tok turnToken, t cachedTurn) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if tok != (turnToken{c.epoch, *c.stripe(id)}) {
		return
	}
	if c.items == nil {
		c.items = map[shop.CustomerID]*cachedTurn{}
	}
	if len(c.items) >= maxCachedTurns {
		for k := range c.items { // map order: a random customer makes room
			delete(c.items, k)
			break
		}
	}
	c.items[id] = &t
}

// writeThrough records what a writer that took tok before its
// transaction just committed for id: set changes a copy of the cached
// records. When anything happened to id's records since tok, the entry is
// dropped instead: of two racing writers neither can leave the older value
// behind.
func (c *turnCache) writeThrough(id shop.CustomerID, tok turnToken, set func(*cachedTurn)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.stripe(id)
	if t, ok := c.items[id]; ok {
		if tok == (turnToken{c.epoch, *s}) {
			n := *t
			set(&n)
			c.items[id] = &n
		} else {
			delete(c.items, id)
		}
	}
	*s++
}

// drop forgets id's records: a writer changed them.
func (c *turnCache) drop(id shop.CustomerID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.items, id)
	*c.stripe(id)++
}

// dropAll forgets every customer's records and addresses: a writer may
// have changed any.
func (c *turnCache) dropAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.items)
	clear(c.addrs)
	c.epoch++
}

// addr returns the cached customer of addr, and the epoch to fill it with
// when it is not cached.
func (c *turnCache) addr(addr string) (shop.CustomerID, bool, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	id, ok := c.addrs[addr]
	return id, ok, c.epoch
}

// fillAddr caches addr's customer as read after epoch was taken, unless
// the cache was dropped since.
func (c *turnCache) fillAddr(addr string, id shop.CustomerID, epoch uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if epoch != c.epoch {
		return
	}
	if c.addrs == nil {
		c.addrs = map[string]shop.CustomerID{}
	}
	if len(c.addrs) >= maxCachedTurns {
		for k := range c.addrs {
			delete(c.addrs, k)
			break
		}
	}
	c.addrs[addr] = id
}
