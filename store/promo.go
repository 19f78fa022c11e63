package store

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/dgraph-io/badger/v4"

	"omnicart/shop"
)

// Promo codes: how often each code was used, in all and by each customer
// (orders that are not cancelled), and the single-use codes the shop
// generates (campaign coupons). The owner's codes are in the shop
// directory; a use is counted in PlaceOrder's transaction, so a code limited
// to n uses is used by n orders however many shoppers try at once.

func promoUsesKey(code string) []byte { return []byte(prefixPromoUses + code) }
func promoMineKey(id shop.CustomerID, code string) []byte {
	return []byte(prefixPromoMine + string(id) + "/" + code)
}
func promoCodeKey(code string) []byte { return []byte(prefixPromoCode + code) }

// promoKeep is how long a generated code is kept after it expires, so a
// shopper who types it late is told it expired rather than unknown.
const promoKeep = 30 * 24 * time.Hour

// generatedCodeLen is the random part of a generated code: 31^8 codes.
const generatedCodeLen = 8

// NewPromoCode stores a single-use code with p's terms (Limit and
// PerCustomer become 1) and returns it: prefix followed by random letters
// and digits ("BACK-7KQ2M9XA"). p.Until, the expiry, is required.
func (db *DB) NewPromoCode(ctx context.Context, prefix string, p shop.Promo) (shop.Promo, error) {
	if p.Until.IsZero() {
		return shop.Promo{}, errors.New("new promo code: no expiry")
	}
	if (p.Percent <= 0 || p.Percent > 100) == (p.Amount.Minor <= 0) {
		return shop.Promo{}, errors.New("new promo code: give a percent (1-100) or an amount")
	}
	if len(prefix)+generatedCodeLen > shop.MaxCodeLen {
		return shop.Promo{}, fmt.Errorf("new promo code: prefix %q is too long", prefix)
	}
	p.Limit, p.PerCustomer = 1, 1
	err := db.update(ctx, func(txn *badger.Txn) error {
		for {
			b := make([]byte, generatedCodeLen)
			for i := range b {
				n, err := rand.Int(rand.Reader, big.NewInt(int64(len(linkAlphabet))))
				if err != nil {
					return err
				}
				b[i] = linkAlphabet[n.Int64()]
			}
			code, ok := shop.NormalizeCode(prefix + string(b))
			if !ok {
				return fmt.Errorf("prefix %q: letters, digits, - and _ only", prefix)
			}
			taken, err := exists(txn, promoCodeKey(code))
			if err != nil {
				return err
			}
			if taken {
				continue
			}
			p.Code = code
			v, err := json.Marshal(p)
			if err != nil {
				return err
			}
			ttl := p.Until.Sub(db.now()) + promoKeep
			return txn.SetEntry(badger.NewEntry(promoCodeKey(code), v).WithTTL(max(ttl, time.Minute)))
		}
	})
	if err != nil {
		return shop.Promo{}, fmt.Errorf("new promo code: %w", err)
	}
	return p, nil
}

// PromoCode returns a generated code; ok is false for a code the store
// did not generate (or forgot, long after it expired).
func (db *DB) PromoCode(ctx context.Context, code string) (shop.Promo, bool, error) {
	var p shop.Promo
	var ok bool
	err := db.view(ctx, func(txn *badger.Txn) (err error) {
		ok, err = getJSON(txn, promoCodeKey(code), &p)
		return err
	})
	if err != nil {
		return shop.Promo{}, false, fmt.Errorf("promo code %s: %w", code, err)
	}
	return p, ok, nil
}

// PromoUses returns how many orders use code, in all and of customer id.
func (db *DB) PromoUses(ctx context.Context, code string, id shop.CustomerID) (all, mine int, err error) {
	err = db.view(ctx, func(txn *badger.Txn) error {
		if _, err := getJSON(txn, promoUsesKey(code), &all); err != nil {
			return err
		}
		_, err := getJSON(txn, promoMineKey(id, code), &mine)
		return err
	})
	if err != nil {
		return 0, 0, fmt.Errorf("uses of promo code %s: %w", code, err)
	}
	return all, mine, nil
}

// takePromo counts the order's use of its promo code: a *shop.PromoError
// when the code is used up, in all or by this customer.
func takePromo(txn *badger.Txn, o shop.Order) error {
	if o.Promo == nil {
		return nil
	}
	p := o.Promo
	var all, mine int
	if _, err := getJSON(txn, promoUsesKey(p.Code), &all); err != nil {
		return err
	}
	if _, err := getJSON(txn, promoMineKey(o.CustomerID, p.Code), &mine); err != nil {
		return err
	}
	switch {
	case p.Limit > 0 && all >= p.Limit:
		return &shop.PromoError{Code: p.Code, Reason: shop.PromoUsedUp, Promo: *p}
	case p.PerCustomer > 0 && mine >= p.PerCustomer:
		return &shop.PromoError{Code: p.Code, Reason: shop.PromoUsedByYou, Promo: *p}
	}
	if err := setJSON(txn, promoUsesKey(p.Code), all+1); err != nil {
		return err
	}
	return setJSON(txn, promoMineKey(o.CustomerID, p.Code), mine+1)
}

// releasePromo gives the order's use of its promo code back.
func releasePromo(txn *badger.Txn, o shop.Order) error {
	if o.Promo == nil {
		return nil
	}
	if err := addCount(txn, promoUsesKey(o.Promo.Code), -1); err != nil {
		return err
	}
	return addCount(txn, promoMineKey(o.CustomerID, o.Promo.Code), -1)
}
