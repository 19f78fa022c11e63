package charts

import (
	"bytes"
	"image/png"
	"os"
	"testing"
)

func TestFunnelPNG(t *testing.T) {
	f := Funnel{
		Title:  "Funnel, last 7 days",
		Stages: []string{"started", "viewed", "carted", "checkout", "paid"},
		Series: []Series{
			{Name: "telegram", Values: []float64{120, 95, 40, 30, 22}},
			{Name: "whatsapp", Values: []float64{60, 41, 20, 12, 9}},
			{Name: "web", Values: []float64{30, 28, 10, 6, 3}},
		},
		YLabel: "customers",
	}
	b, err := f.PNG()
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if got := img.Bounds().Dx(); got != Size {
		t.Errorf("width %d, want %d", got, Size)
	}
	if out := os.Getenv("CHART_OUT"); out != "" {
		os.WriteFile(out, b, 0o644)
	}
	if _, err := (Funnel{}).PNG(); err == nil {
		t.Error("an empty funnel drew")
	}
	f.Series[0].Values = f.Series[0].Values[:2]
	if _, err := f.PNG(); err == nil {
		t.Error("a series with too few values drew")
	}
}
