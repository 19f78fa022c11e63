package flows

// Session variables: what the built-in actions remember between messages
// of one conversation (Ctx.Vars). The values are stored in sessions, so a
// key is never renamed.
const (
	varCategory   = "cat"            // browse: the category listed
	varPage       = "page"           // browse, search: the page of a list
	varSKU        = "sku"            // browse: the product shown
	varVariant    = "variant"        // browse: the variant chosen
	varQty        = "qty"            // browse: the quantity chosen
	varQuery      = "q"              // search: the query
	varContactOK  = "contact_ok"     // checkout: name and phone confirmed ("1")
	varDelivery   = "delivery"       // checkout: shop.DeliveryCourier or shop.DeliveryPickup
	varPoint      = "point"          // checkout: the pickup point chosen
	varLat        = "lat"            // checkout: the shared location
	varLon        = "lon"            // checkout: the shared location
	varOrder      = "order"          // checkout: the order being paid
	varPayURL     = "pay_url"        // checkout: where the order is paid, while waiting
	varSlotDay    = "slot_day"       // checkout: the day chosen for the courier ("2026-11-21")
	varSlot       = "slot"           // checkout: the courier window chosen (shop.Slot.Key())
	varPromo      = "promo"          // checkout: the promo code entered (kept across checkouts)
	varUsePoints  = "use_points"     // checkout: pay with loyalty points ("1")
	varCrossSell  = "xsell"          // checkout: the SKU offered at the summary ("-": none), once per checkout
	varSummary    = "summary_total"  // checkout: the total the last summary showed, in minor units
	varLinkFails  = "link_fails"     // link: wrong codes in a row
	varLinkFailed = "link_failed_at" // link: when the last wrong code came (Unix seconds)
)
