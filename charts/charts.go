// Package charts draws the shop's charts as PNG images with gonum/plot
// (pure Go), sized and lettered to be read on a phone.
package charts

import (
	"bytes"
	"errors"
	"fmt"
	"image/color"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Series is one group of bars: a name for the legend and one value per
// stage.
type Series struct {
	Name   string
	Values []float64
}

// Funnel is a bar chart of a funnel: stages along the bottom, one bar per
// series at each stage, the value written over each bar.
type Funnel struct {
	Title  string
	Stages []string
	Series []Series
	// YLabel names what is counted ("customers").
	YLabel string
}

// Size is the side of the square image, in pixels: a phone screen's width.
const Size = 1080

// palette is colour-blind-safe (Okabe-Ito).
var palette = []color.Color{
	color.RGBA{0, 114, 178, 255},   // blue
	color.RGBA{230, 159, 0, 255},   // orange
	color.RGBA{0, 158, 115, 255},   // green
	color.RGBA{204, 121, 167, 255}, // purple
	color.RGBA{86, 180, 233, 255},  // sky
	color.RGBA{213, 94, 0, 255},    // vermillion
}

// PNG draws f as a Size×Size PNG image.
func (f Funnel) PNG() ([]byte, error) {
	if len(f.Stages) == 0 || len(f.Series) == 0 {
		return nil, errors.New("charts: a funnel needs stages and series")
	}
	p := plot.New()
	p.Title.Text = f.Title
	p.Title.TextStyle.Font.Size = vg.Points(26)
	p.Title.Padding = vg.Points(12)
	p.Y.Label.Text = f.YLabel
	p.Y.Label.TextStyle.Font.Size = vg.Points(20)
	p.Y.Tick.Label.Font.Size = vg.Points(18)
	p.X.Tick.Label.Font.Size = vg.Points(20)
	p.Y.Min = 0
	p.Legend.Top = true
	p.Legend.TextStyle.Font.Size = vg.Points(20)
	p.Legend.Padding = vg.Points(6)
	p.Legend.XOffs = -vg.Points(12)
	p.Add(plotter.NewGrid())

	n := len(f.Series)
	// The stages sit one unit apart on an axis from -0.5 to len-0.5; each
	// group of bars fills three quarters of its unit.
	p.X.Min, p.X.Max = -0.5, float64(len(f.Stages))-0.5
	unit := plotWidth / float64(len(f.Stages))
	width := vg.Points(0.75 * unit / float64(n))
	maxV := 0.0
	for i, s := range f.Series {
		if len(s.Values) != len(f.Stages) {
			return nil, fmt.Errorf("charts: series %q has %d values for %d stages", s.Name, len(s.Values), len(f.Stages))
		}
		bars, err := plotter.NewBarChart(plotter.Values(s.Values), width)
		if err != nil {
			return nil, fmt.Errorf("charts: %w", err)
		}
		bars.Color = palette[i%len(palette)]
		bars.LineStyle.Width = 0
		bars.Offset = width * vg.Length(float64(i)-float64(n-1)/2)
		p.Add(bars)
		p.Legend.Add(s.Name, bars)
		labels, err := valueLabels(s.Values, float64(bars.Offset.Points())/unit)
		if err != nil {
			return nil, err
		}
		p.Add(labels)
		for _, v := range s.Values {
			maxV = max(maxV, v)
		}
	}
	p.Y.Max = max(maxV*1.25, 1) // room for the labels and the legend
	p.NominalX(f.Stages...)

	c := vgimg.NewWith(vgimg.UseWH(Size*72/96, Size*72/96), vgimg.UseDPI(96), vgimg.UseBackgroundColor(color.White))
	p.Draw(draw.New(c))
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("charts: encode png: %w", err)
	}
	return buf.Bytes(), nil
}

// plotWidth is about how wide the data area is, in points: the image less
// the Y axis and its labels.
const plotWidth = Size*72/96 - 95

// valueLabels writes each value over its bar; shift is the bar's offset
// from its stage, in axis units.
func valueLabels(values []float64, shift float64) (*plotter.Labels, error) {
	xys := make(plotter.XYs, len(values))
	text := make([]string, len(values))
	for i, v := range values {
		xys[i] = plotter.XY{X: float64(i) + shift, Y: v}
		text[i] = strconv.FormatFloat(v, 'f', -1, 64)
	}
	l, err := plotter.NewLabels(plotter.XYLabels{XYs: xys, Labels: text})
	if err != nil {
		return nil, fmt.Errorf("charts: %w", err)
	}
	for i := range l.TextStyle {
		l.TextStyle[i].Font.Size = vg.Points(16)
		l.TextStyle[i].XAlign = draw.XCenter
		l.TextStyle[i].YAlign = draw.YBottom
	}
	return l, nil
}
