package reports

import (
	"fmt"
	"hash/fnv"
	"image/color"
	"math"
	"slices"

	"github.com/ppldiff/ppldiff/metrics"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// countFigure draws count@100 per organism (x variant) as grouped bars, one
// bar per reference kind (as in the study's reference-model chart), using
// each pair's best config. When one organism has two references of the same
// kind, bars are per reference id instead. Many organisms make the chart
// horizontal so their names stay readable.
func countFigure(best []summaryRow) (figure, bool, error) {
	type group struct{ Organism, Variant string }
	var groups []group
	seen := map[group]bool{}
	variants := map[string]map[string]bool{}
	byKind, byID := map[group]map[string]countBar{}, map[group]map[string]countBar{}
	kindClash := false
	for _, r := range best {
		g := group{r.Key.Organism, r.Key.Variant}
		if !seen[g] {
			seen[g] = true
			groups = append(groups, g)
			byKind[g], byID[g] = map[string]countBar{}, map[string]countBar{}
		}
		if variants[g.Organism] == nil {
			variants[g.Organism] = map[string]bool{}
		}
		variants[g.Organism][g.Variant] = true
		kind := r.Entry.ReferenceKind
		if kind == "" {
			kind = r.Key.Reference
		}
		bar := countBar{v: r.CountAt100.Mean(), lo: math.NaN(), hi: math.NaN()}
		// A judge-only pair has no count (NaN): it gets a cross, not a bar.
		if !math.IsNaN(bar.v) && r.Rankings != nil {
			est, err := metrics.BootstrapCountsAt(r.Rankings, []int{100}, metrics.BootstrapOptions{Seed: bootstrapSeed(r.Key)})
			if err != nil {
				return figure{}, false, err
			}
			bar.lo, bar.hi = est[0].CI.Lo, est[0].CI.Hi
		}
		if _, dup := byKind[g][kind]; dup {
			kindClash = true
		}
		byKind[g][kind], byID[g][r.Key.Reference] = bar, bar
	}
	if len(groups) == 0 {
		return figure{}, false, nil
	}
	value, legendTitle := byKind, "reference kind"
	if kindClash {
		value, legendTitle = byID, "reference"
	}
	seriesSet := map[string]bool{}
	top := 0.0
	whiskers := false
	for _, g := range groups {
		for k, b := range value[g] {
			seriesSet[k] = true
			if !math.IsNaN(b.v) {
				top = math.Max(top, b.v)
			}
			if !math.IsNaN(b.hi) {
				top = math.Max(top, b.hi)
				whiskers = whiskers || b.hi > b.lo
			}
		}
	}
	series := sortedKeys(seriesSet)
	slices.SortStableFunc(series, compareKinds)
	labels := make([]string, len(groups))
	for i, g := range groups {
		labels[i] = g.Organism
		if len(variants[g.Organism]) > 1 || g.Variant != "default" {
			labels[i] += "@" + g.Variant
		}
		labels[i] = oneLine(labels[i], 48)
	}
	horizontal := len(groups) > 12
	if horizontal {
		// The first bar sits at the bottom of a horizontal chart: reverse so
		// the chart reads top-down in the summary's order.
		for i, j := 0, len(groups)-1; i < j; i, j = i+1, j-1 {
			groups[i], groups[j] = groups[j], groups[i]
			labels[i], labels[j] = labels[j], labels[i]
		}
	}
	p := newPlot("count@100 per organism and "+legendTitle+" (best config)", "", "count@100 (mean over repeats)")
	barW := vg.Points(math.Max(3, math.Min(12, 24/float64(len(series)))))
	// A horizontal chart gives each organism a row of rowH: its bars must
	// fit in four fifths of it, or they overlap the next row's.
	rowH := vg.Length(math.Max(0.45, 0.22*float64(len(series)))) * vg.Centimeter
	if horizontal {
		barW = min(barW, rowH*0.8/vg.Length(len(series)))
	}
	marks := &zeroMarks{horizontal: horizontal}
	for i, k := range series {
		vals := make(plotter.Values, len(groups))
		w := &barWhiskers{horizontal: horizontal, cap: barW / 3}
		// Series 0 sits leftmost in a vertical chart and on top in a
		// horizontal one, so the legend (top to bottom, in series order)
		// lists the bars in the order the eye meets them.
		offset := barW * vg.Length(float64(i)-float64(len(series)-1)/2)
		if horizontal {
			offset = -offset
		}
		for j, g := range groups {
			b, ok := value[g][k]
			if !ok {
				b = countBar{v: math.NaN(), lo: math.NaN(), hi: math.NaN()}
			}
			switch {
			case math.IsNaN(b.v):
				marks.missing = append(marks.missing, barMark{pos: j, offset: offset})
				b.v = 0
			case b.v == 0:
				marks.zero = append(marks.zero, barMark{pos: j, offset: offset, color: seriesColor(i)})
			}
			vals[j] = b.v
			w.lo, w.hi = append(w.lo, b.lo), append(w.hi, b.hi)
		}
		b, err := plotter.NewBarChart(vals, barW)
		if err != nil {
			return figure{}, false, err
		}
		b.Color = seriesColor(i)
		b.LineStyle.Width = 0
		b.Offset = offset
		b.Horizontal = horizontal
		w.offset = b.Offset
		p.Add(b, w)
		p.Legend.Add(oneLine(k, 40), b)
	}
	marks.size = min(barW/2, vg.Points(3.5))
	p.Add(marks)
	if len(marks.zero) > 0 {
		p.Legend.Add("0: nothing flagged", zeroThumb{})
	}
	if len(marks.missing) > 0 {
		p.Legend.Add("no count (not run, or no detector)", missingThumb{})
	}
	nLegend := len(series) + min(1, len(marks.zero)) + min(1, len(marks.missing))
	p.Legend.Padding = vg.Points(2)
	p.Legend.XOffs = -vg.Points(6)                               // keep the thumbnails off the frame
	headroom := math.Max(1, top) * (1 + 0.08*float64(nLegend+1)) // room for the legend
	var w, h vg.Length
	if horizontal {
		p.X.Label.Text, p.Y.Label.Text = p.Y.Label.Text, ""
		p.NominalY(labels...)
		p.Y.Min, p.Y.Max = -0.6, float64(len(groups))-0.4
		p.X.Min, p.X.Max = 0, headroom
		p.Legend.Top = false
		p.Legend.YOffs = vg.Points(6)
		w = 18 * vg.Centimeter
		h = 3*vg.Centimeter + vg.Length(len(groups))*rowH
	} else {
		p.NominalX(labels...)
		p.X.Min, p.X.Max = -0.6, float64(len(groups))-0.4 // room for the outer bars
		p.X.Tick.Label.Rotation = math.Pi / 4
		p.X.Tick.Label.XAlign = draw.XRight
		p.X.Tick.Label.YAlign = draw.YCenter
		p.Y.Min, p.Y.Max = 0, headroom
		w = vg.Length(math.Min(30, math.Max(16, 4+float64(len(groups))*math.Max(1.2, 0.5*float64(len(series)))))) * vg.Centimeter
		h = 11 * vg.Centimeter
	}
	caption := "count@100 per organism (x variant) and " + legendTitle + ", for each pair's best prefill config (highest mean count@100); bars are means over repeats; variants in numeric order (w1, w4, w16)."
	if len(marks.zero) > 0 {
		caption += " A hollow circle on the axis marks a count of 0 (run, nothing flagged)."
	}
	if len(marks.missing) > 0 {
		caption += " A grey cross marks a pair without a count (not run, or an organism with no keyword detector)."
	}
	if whiskers {
		caption += fmt.Sprintf(" Whiskers: %.0f%% bootstrap intervals, prefills resampled (%d replicates), where results.json lists the flagged ranks;"+
			" they ignore that the best config was picked by this very count, so they are somewhat optimistic.",
			100*metrics.DefaultLevel, metrics.DefaultReplicates)
	}
	fig, err := finish(p, "count_at_100", caption, w, h)
	return fig, true, err
}

// countBar is one bar of the count@100 chart and its interval (NaN: none).
type countBar struct{ v, lo, hi float64 }

// bootstrapSeed derives a bar's bootstrap seed from its key, so the figure
// is the same bytes whatever else the run holds.
func bootstrapSeed(k groupKey) uint64 {
	h := fnv.New64a()
	fmt.Fprint(h, k.Organism, "\x00", k.Variant, "\x00", k.Reference, "\x00", k.Config)
	return h.Sum64()
}

// barWhiskers draws interval whiskers over one bar series, shifted by the
// bars' offset (a canvas length, which plotter.YErrorBars cannot take).
type barWhiskers struct {
	lo, hi     []float64 // per bar position; NaN draws nothing
	offset     vg.Length
	cap        vg.Length
	horizontal bool
}

func (w *barWhiskers) Plot(c draw.Canvas, plt *plot.Plot) {
	trX, trY := plt.Transforms(&c)
	style := draw.LineStyle{Color: color.RGBA{40, 40, 40, 255}, Width: vg.Points(0.8)}
	for j := range w.lo {
		if math.IsNaN(w.lo[j]) || math.IsNaN(w.hi[j]) || w.lo[j] == w.hi[j] {
			continue // no interval, or none to show (nothing flagged)
		}
		if w.horizontal {
			y := trY(float64(j)) + w.offset
			x1, x2 := trX(w.lo[j]), trX(w.hi[j])
			c.StrokeLine2(style, x1, y, x2, y)
			c.StrokeLine2(style, x1, y-w.cap, x1, y+w.cap)
			c.StrokeLine2(style, x2, y-w.cap, x2, y+w.cap)
			continue
		}
		x := trX(float64(j)) + w.offset
		y1, y2 := trY(w.lo[j]), trY(w.hi[j])
		c.StrokeLine2(style, x, y1, x, y2)
		c.StrokeLine2(style, x-w.cap, y1, x+w.cap, y1)
		c.StrokeLine2(style, x-w.cap, y2, x+w.cap, y2)
	}
}

// barMark places a marker at value 0 of one bar slot.
type barMark struct {
	pos    int
	offset vg.Length
	color  color.Color
}

// zeroMarks draws what a bar chart cannot: a hollow circle where a count is
// 0 and a grey cross where there is no count, so the two never look alike
// (both would otherwise be an empty slot).
type zeroMarks struct {
	zero, missing []barMark
	size          vg.Length
	horizontal    bool
}

var missingColor = color.RGBA{120, 120, 120, 255}

func (m *zeroMarks) Plot(c draw.Canvas, plt *plot.Plot) {
	trX, trY := plt.Transforms(&c)
	at := func(b barMark) vg.Point {
		if m.horizontal {
			return vg.Point{X: trX(0) + m.size, Y: trY(float64(b.pos)) + b.offset}
		}
		return vg.Point{X: trX(float64(b.pos)) + b.offset, Y: trY(0) + m.size}
	}
	for _, b := range m.zero {
		c.DrawGlyph(draw.GlyphStyle{Color: b.color, Radius: m.size * 0.8, Shape: draw.RingGlyph{}}, at(b))
	}
	for _, b := range m.missing {
		c.DrawGlyph(draw.GlyphStyle{Color: missingColor, Radius: m.size * 0.8, Shape: draw.CrossGlyph{}}, at(b))
	}
}

// zeroThumb and missingThumb are the legend entries of zeroMarks.
type zeroThumb struct{}

func (zeroThumb) Thumbnail(c *draw.Canvas) {
	pt := vg.Point{X: (c.Min.X + c.Max.X) / 2, Y: (c.Min.Y + c.Max.Y) / 2}
	c.DrawGlyph(draw.GlyphStyle{Color: color.Black, Radius: vg.Points(2.8), Shape: draw.RingGlyph{}}, pt)
}

type missingThumb struct{}

func (missingThumb) Thumbnail(c *draw.Canvas) {
	pt := vg.Point{X: (c.Min.X + c.Max.X) / 2, Y: (c.Min.Y + c.Max.Y) / 2}
	c.DrawGlyph(draw.GlyphStyle{Color: missingColor, Radius: vg.Points(2.8), Shape: draw.CrossGlyph{}}, pt)
}
