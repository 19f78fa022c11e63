package store

import (
	"encoding/binary"
	"fmt"
	"time"

	"omnicart/shop"
)

// Key schema. Every record lives under a short prefix; values are JSON
// unless noted.
//
//	c/<customerID>                 customer (shop.Customer)
//	a/<channel:chat>               customer ID as raw bytes ("telegram:123" → "c0123456789ab")
//	s/<customerID>                 session: opaque bytes owned by the flow engine; absent when empty
//	k/<customerID>                 cart (shop.Cart); absent when empty
//	o/<orderID>                    order (shop.Order)
//	oc/<customerID>/<n>/<orderID>  per-customer order index, empty value; <n> is the order
//	                               number as 16 hex digits, so the index sorts oldest first
//	n/order                        last order number (int64); absent until the first order, 1001
//	st/<item>                      live stock (int); <item> is shop.Item.Key(): "SKU" or "SKU/variant"
//	ss/<item>                      stock seed (int): the catalog value last synced
//	e/<nanos>/<rand>               event (shop.Event); <nanos> is the Unix time in nanoseconds and
//	                               <rand> a random number, both 8 bytes big-endian: time order
//	ph/<phone>                     customer ID as raw bytes, for customers whose phone is verified
//	lc/<code>                      customer ID as raw bytes: a one-time link code, 10 min TTL
//	lo/<customerID>                the customer's live link code, 10 min TTL
//	u/<key>                        seen-update marker ("telegram:update:12345"), empty value, 48 h TTL
//	ob/<id>                        outbox entry (notice waiting to be sent); <id> is 32 hex digits of
//	                               the enqueue time in nanoseconds and a random number: enqueue order
//	obk/<notice key>               what became of the notice with that idempotency key (NoticeRecord)
//	un/<nanos>/<orderID>           unpaid-order index, empty value: orders waiting for payment by
//	                               the time they have to be paid by (creation + Options.PayWithin,
//	                               8 bytes big-endian), read by the expiry job
//	du/<kind>/<nanos>/<customerID> due-time index, empty value: customers due for <kind> at <nanos>
//	                               (8 bytes big-endian); "cart": last change of a non-empty cart;
//	                               the campaigns' kinds (seen, browse, offer, delivered, bought,
//	                               warranty, reorder, birthday, cart2) are described in campaigns.go
//	dr/<kind>/<customerID>         the customer's entry in du/<kind> (its nanos), to move or drop it
//	ec/<customerID>/<nanos><rand>  per-customer event index: the key of the event in e/
//	m/<name>                       migration markers ("m/unpaid-deadline": un/ was built by deadline)
//	sl/<day>/<from>-<to>           courier window (shop.Slot.Key()): orders holding it (int), absent at 0
//	pu/<CODE>                      promo code: orders using it that are not cancelled (int)
//	pq/<customerID>/<CODE>         promo code: orders of one customer using it (int)
//	pc/<CODE>                      generated single-use promo code (shop.Promo), TTL 30 days past expiry
//	pt/<customerID>                loyalty points balance (int64), absent at 0
//	mk/<customerID>/<nanos><rand>  marketing ledger: a marketing notice enqueued (campaigns.go), for the cap
//	x/<name>                       a secret, raw bytes ("x/webchat-key": signs web chat cookies), kept
//	                               here so that backups carry it
//	ib/<id>                        inbox (inbox.go): what came from outside and is still to be acted
//	                               on ("ib/tg-payment/<charge id>": a Telegram payment to settle)
//	mg/<customerID>                the customer ID (raw bytes) a link merged this customer into
//
// The prefixes never prefix one another ("o/" vs "oc/", "s/" vs "ss/" and
// "st/"), so a prefix scan of one record type sees only that type.
const (
	prefixCustomer      = "c/"
	prefixAddr          = "a/"
	prefixSession       = "s/"
	prefixCart          = "k/"
	prefixOrder         = "o/"
	prefixCustomerOrder = "oc/"
	prefixStock         = "st/"
	prefixSeed          = "ss/"
	prefixEvent         = "e/"
	prefixSeen          = "u/"
	prefixPhone         = "ph/"
	prefixLinkCode      = "lc/"
	prefixLinkOwner     = "lo/"
	prefixOutbox        = "ob/"
	prefixNoticeKey     = "obk/"
	prefixUnpaid        = "un/"
	prefixDue           = "du/"
	prefixDueRev        = "dr/"
	prefixCustEvent     = "ec/"
	prefixSlot          = "sl/"
	prefixPromoUses     = "pu/"
	prefixPromoMine     = "pq/"
	prefixPromoCode     = "pc/"
	prefixPoints        = "pt/"
	prefixSecret        = "x/"
	prefixInbox         = "ib/"
	prefixMerged        = "mg/"

	keyUnpaidIndexBuilt = "m/unpaid-deadline"
	keyUnpaidIndexOld   = "m/unpaid-index" // un/ by creation time, before deadlines

	keyOrderSeq = "n/order"
)

func customerKey(id shop.CustomerID) []byte  { return []byte(prefixCustomer + string(id)) }
func addrKey(addr string) []byte             { return []byte(prefixAddr + addr) }
func sessionKey(id shop.CustomerID) []byte   { return []byte(prefixSession + string(id)) }
func cartKey(id shop.CustomerID) []byte      { return []byte(prefixCart + string(id)) }
func orderKey(id string) []byte              { return []byte(prefixOrder + id) }
func stockKey(item string) []byte            { return []byte(prefixStock + item) }
func seedKey(item string) []byte             { return []byte(prefixSeed + item) }
func seenKey(key string) []byte              { return []byte(prefixSeen + key) }
func orderSeqKey() []byte                    { return []byte(keyOrderSeq) }
func phoneKey(phone string) []byte           { return []byte(prefixPhone + phone) }
func linkCodeKey(code string) []byte         { return []byte(prefixLinkCode + code) }
func linkOwnerKey(id shop.CustomerID) []byte { return []byte(prefixLinkOwner + string(id)) }
func outboxKey(id string) []byte             { return []byte(prefixOutbox + id) }
func mergedKey(id shop.CustomerID) []byte    { return []byte(prefixMerged + string(id)) }
func noticeKeyKey(key string) []byte         { return []byte(prefixNoticeKey + key) }

// unpaidKey indexes order id waiting for payment by the time it has to be
// paid by (DB.payBy).
func unpaidKey(payBy time.Time, id string) []byte {
	k := binary.BigEndian.AppendUint64([]byte(prefixUnpaid), uint64(max(payBy.UnixNano(), 0)))
	return append(append(k, '/'), id...)
}

// duePrefix is the prefix of the due-time index of kind.
func duePrefix(kind string) []byte { return []byte(prefixDue + kind + "/") }

// dueKey is the entry of customer id in the due-time index of kind at t.
func dueKey(kind string, t time.Time, id shop.CustomerID) []byte {
	k := binary.BigEndian.AppendUint64(duePrefix(kind), uint64(max(t.UnixNano(), 0)))
	return append(append(k, '/'), id...)
}

func dueRevKey(kind string, id shop.CustomerID) []byte {
	return []byte(prefixDueRev + kind + "/" + string(id))
}

// custEventKey indexes an event (its e/ key) under its customer.
func custEventKey(id shop.CustomerID, eventKey []byte) []byte {
	return append([]byte(prefixCustEvent+string(id)+"/"), eventKey[len(prefixEvent):]...)
}

// customerOrdersPrefix is the prefix of every index key of one customer.
func customerOrdersPrefix(id shop.CustomerID) []byte {
	return []byte(prefixCustomerOrder + string(id) + "/")
}

// customerOrderKey is the index key of one order of a customer.
func customerOrderKey(o shop.Order) []byte {
	return fmt.Appendf(customerOrdersPrefix(o.CustomerID), "%016x/%s", uint64(o.Number), o.ID)
}

// orderIDFromIndex returns the order ID at the end of an index key.
func orderIDFromIndex(key []byte, prefixLen int) string {
	// <number:16 hex>/<orderID>
	return string(key[prefixLen+17:])
}

// eventSeek is the first possible event key at or after t. Times before the
// Unix epoch (including the zero time) seek to the first event.
func eventSeek(t time.Time) []byte {
	var n uint64
	if t.After(time.Unix(0, 0)) {
		n = uint64(t.UnixNano())
	}
	return binary.BigEndian.AppendUint64([]byte(prefixEvent), n)
}

// eventKey is the key of an event at t with a random suffix r that keeps
// events of the same nanosecond apart.
func eventKey(t time.Time, r uint64) []byte {
	k := append(eventSeek(t), '/')
	return binary.BigEndian.AppendUint64(k, r)
}
