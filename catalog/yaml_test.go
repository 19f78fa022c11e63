package catalog

import (
	"errors"
	"testing"

	"omnicart/ownerfile"
)

// TestYAMLSyntaxEveryFile checks that a YAML mistake in any YAML file of the
// shop directory is reported at its file and line, through ownerfile.
func TestYAMLSyntaxEveryFile(t *testing.T) {
	tests := []struct {
		name  string
		files []string
		want  string
	}{
		{"catalog/*.yaml", []string{"catalog.yaml", teaCategory, "catalog/coffee.yaml", "products:\n  - sku: A\n   name: x\n"},
			`shop/catalog/coffee.yaml:3: YAML: did not find expected '-' indicator`},
		{"delivery.yaml", []string{"catalog.yaml", teaCategory, "delivery.yaml", "courier: {price: 300}\npickup:\n  - id: center\n    name: \"Center\n"},
			`shop/delivery.yaml:4: YAML: found unexpected end of stream (is a quote or a bracket not closed?)`},
		{"did you mean", []string{"catalog.yaml", teaCategory, "delivery.yaml", "courier: {price: 300}\npikup: []\n"},
			`shop/delivery.yaml:2: unknown field "pikup" (did you mean "pickup"?)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(shopFS(tt.files...), "shop")
			var errs ownerfile.Errors
			if !errors.As(err, &errs) || err.Error() != tt.want {
				t.Errorf("Load() error:\n%v\nwant:\n%s", err, tt.want)
			}
		})
	}
}
