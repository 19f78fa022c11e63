package catalog

import (
	"testing"
	"time"
)

func TestOverridesKeepPromos(t *testing.T) {
	c, err := Load(shopFS("catalog.yaml", checkoutCatalog, "delivery.yaml", "courier: {price: 300}\n",
		"promos.yaml", "promos: [{code: KEEP, percent: 5}]\n"), "shop")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.With(nil).Promo("KEEP", time.UTC); !ok {
		t.Error("the catalog with overrides lost its promo codes")
	}
}
