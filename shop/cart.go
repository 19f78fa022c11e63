package shop

// MaxLineQty is the largest quantity of one item a cart line may hold.
const MaxLineQty = 99

// Item names one sellable unit: a product and, when it has variants, one variant.
type Item struct {
	SKU     string `json:"sku"`
	Variant string `json:"variant,omitempty"`
}

// Key returns "SKU" or "SKU/variant".
func (i Item) Key() string {
	if i.Variant == "" {
		return i.SKU
	}
	return i.SKU + "/" + i.Variant
}

// Line is one row of a cart or an order.
type Line struct {
	Item
	Qty   int   `json:"qty"`
	Price Money `json:"price"` // unit price when added or ordered
	// StockKey names the stock counter the line draws from, when it is not
	// Item.Key() (variants that share their product's stock).
	StockKey string `json:"stock_key,omitempty"`
}

// Stock returns the key of the stock counter the line draws from.
func (l Line) Stock() string {
	if l.StockKey != "" {
		return l.StockKey
	}
	return l.Key()
}

// Total is the line's price times quantity.
func (l Line) Total() Money { return l.Price.Mul(l.Qty) }

// Cart is a customer's cart.
type Cart struct {
	Lines []Line `json:"lines,omitempty"`
}

// Add puts qty of item into the cart, merging with an existing line and
// capping at MaxLineQty.
func (c *Cart) Add(item Item, qty int, price Money) {
	for i := range c.Lines {
		if c.Lines[i].Item == item {
			c.Lines[i].Qty = min(c.Lines[i].Qty+qty, MaxLineQty)
			c.Lines[i].Price = price
			return
		}
	}
	c.Lines = append(c.Lines, Line{Item: item, Qty: min(qty, MaxLineQty), Price: price})
}

// SetQty changes the quantity of item; zero or less removes the line.
func (c *Cart) SetQty(item Item, qty int) {
	for i := range c.Lines {
		if c.Lines[i].Item == item {
			if qty <= 0 {
				c.Lines = append(c.Lines[:i], c.Lines[i+1:]...)
			} else {
				c.Lines[i].Qty = min(qty, MaxLineQty)
			}
			return
		}
	}
}

// Qty returns the quantity of item in the cart.
func (c Cart) Qty(item Item) int {
	for _, l := range c.Lines {
		if l.Item == item {
			return l.Qty
		}
	}
	return 0
}

// Count is the number of units in the cart.
func (c Cart) Count() int {
	n := 0
	for _, l := range c.Lines {
		n += l.Qty
	}
	return n
}

// Total is the sum of all lines.
func (c Cart) Total() Money {
	var t Money
	for _, l := range c.Lines {
		t = t.Add(l.Total())
	}
	return t
}

// Merge adds every line of o into c (used when two profiles are linked).
func (c *Cart) Merge(o Cart) {
	for _, l := range o.Lines {
		c.Add(l.Item, l.Qty, l.Price)
	}
}
