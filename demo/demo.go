// Package demo is the demo shop that ships with Omnicart: a small coffee and
// tea shop in Moscow, used by `make run` and by tests.
package demo

import "embed"

// FS is the demo shop directory: catalog.yaml, products.csv, delivery.yaml
// and the product photos under images/.
//
//go:embed catalog.yaml products.csv delivery.yaml promos.yaml images
var FS embed.FS
