package reports

import (
	"bytes"
	"cmp"
	"fmt"
	"hash/fnv"
	"image/color"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/ppldiff/ppldiff/harness/results"
	"github.com/ppldiff/ppldiff/metrics"
)

// figure is one rendered plot: its file stem under plots/, a caption for the
// reports, and the rendered bytes.
type figure struct {
	Name    string // file stem, e.g. "count_at_100"
	Title   string
	Caption string
	SVG     []byte
	PNG     []byte
	// W and H are the plot's size in points: report.html shows it at this
	// size (never scaled down), so its 10 pt tick labels stay >= 13 px.
	W, H vg.Length
}

// palette is the Okabe-Ito colour-blind-safe palette, in a fixed order so a
// series keeps its colour from run to run.
var palette = []color.Color{
	color.RGBA{0, 114, 178, 255},   // blue
	color.RGBA{230, 159, 0, 255},   // orange
	color.RGBA{0, 158, 115, 255},   // green
	color.RGBA{204, 121, 167, 255}, // pink
	color.RGBA{86, 180, 233, 255},  // sky
	color.RGBA{213, 94, 0, 255},    // vermillion
	color.RGBA{240, 228, 66, 255},  // yellow
	color.RGBA{0, 0, 0, 255},       // black
}

var (
	flaggedColor   = color.RGBA{213, 94, 0, 255}
	unflaggedColor = color.RGBA{140, 140, 140, 255}
)

func seriesColor(i int) color.Color { return palette[i%len(palette)] }

// render draws p at w x h to SVG and PNG. The SVG canvas does not embed
// fonts (gonum's default), which keeps the output byte-identical across
// renders and machines; viewers substitute the named font.
func render(p *plot.Plot, w, h vg.Length) (svg, png []byte, err error) {
	sc := vgsvg.NewWith(vgsvg.UseWH(w, h), vgsvg.EmbedFonts(false))
	p.Draw(draw.New(sc))
	var sb bytes.Buffer
	if _, err := sc.WriteTo(&sb); err != nil {
		return nil, nil, err
	}
	ic := vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(pngDPI))}
	p.Draw(draw.New(ic))
	var pb bytes.Buffer
	if _, err := ic.WriteTo(&pb); err != nil {
		return nil, nil, err
	}
	return sb.Bytes(), pb.Bytes(), nil
}

// pngDPI makes the PNGs sharp enough to read on a high-density screen.
const pngDPI = 144

// fractionTicks labels a [0, 1] axis in quarters and nothing above 1, so
// headroom left for the legend carries no misleading tick.
var fractionTicks = plot.ConstantTicks([]plot.Tick{{Value: 0, Label: "0"}, {Value: 0.25, Label: "0.25"}, {Value: 0.5, Label: "0.5"}, {Value: 0.75, Label: "0.75"}, {Value: 1, Label: "1"}})

func newPlot(title, x, y string) *plot.Plot {
	p := plot.New()
	p.Title.Text = oneLine(title, 0)
	p.X.Label.Text = x
	p.Y.Label.Text = y
	p.Legend.Top = true
	// gonum stacks legend lines by the font's cap height: without padding
	// the lines of a long legend touch.
	p.Legend.Padding = vg.Points(3)
	p.Add(plotter.NewGrid())
	return p
}

// logAxis makes an axis logarithmic over [lo, hi] (both > 0), widening a
// degenerate range so the scale stays defined.
func logAxis(a *plot.Axis, lo, hi float64) {
	if lo == hi {
		lo, hi = lo/2, hi*2
	}
	a.Scale = plot.LogScale{}
	a.Tick.Marker = logTicks{}
	a.Min, a.Max = lo, hi
}

// logTicks labels 1, 2 and 5 times each power of ten when the axis spans
// fewer than three decades (gonum's LogTicks labels only powers of ten,
// which leaves a short axis with one label or none), else only the powers.
type logTicks struct{}

func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(lo > 0) || !(hi > lo) {
		return nil
	}
	dense := math.Log10(hi/lo) < 3
	var ticks []plot.Tick
	for e := math.Floor(math.Log10(lo)); e <= math.Ceil(math.Log10(hi)); e++ {
		pow := math.Pow(10, e)
		for m := 1; m <= 9; m++ {
			v := float64(m) * pow
			if v < lo || v > hi {
				continue
			}
			t := plot.Tick{Value: v}
			if m == 1 || dense && (m == 2 || m == 5) {
				t.Label = compactNumber(v)
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
}

// log10Ticks labels an axis whose values are log10 of the quantity, as
// logTicks labels the quantity on a log axis.
type log10Ticks struct{}

func (log10Ticks) Ticks(lo, hi float64) []plot.Tick {
	ticks := logTicks{}.Ticks(math.Pow(10, lo), math.Pow(10, hi))
	for i := range ticks {
		ticks[i].Value = math.Log10(ticks[i].Value)
	}
	return ticks
}

// seriesKey names a line of the detection and recall plots: the reference
// family, split by reference kind so that e.g. a weak and a true-base
// reference of one family are not pooled.
func seriesKey(e results.Entry) string {
	fam := e.ReferenceFamily
	if fam == "" {
		fam = e.Reference
	}
	if e.ReferenceKind != "" {
		return fam + " (" + e.ReferenceKind + ")"
	}
	return fam
}

// errPoints carries points with asymmetric Y errors for plotter.YErrorBars.
type errPoints struct {
	plotter.XYs
	plotter.YErrors
}

// detectionFigures plots the share of entries detected (count@100 >= 1)
// against model size, one line per reference family, one figure per
// params_kind: two kinds never share an axis. Entries without params or
// without counts are left out and counted in the caption.
func detectionFigures(entries []results.Entry) ([]figure, []string, error) {
	byKind := map[string][]results.Entry{}
	noParams, noCounts := 0, 0
	for _, e := range entries {
		switch {
		case e.Category == metrics.ControlCategory:
			// Controls have nothing to detect: they are the noise floor,
			// not a point on the detection curve (as in metrics.RatesBy).
		case e.Params <= 0:
			noParams++
		case e.CountAt100 == nil:
			noCounts++
		default:
			byKind[e.ParamsKind] = append(byKind[e.ParamsKind], e)
		}
	}
	kinds := sortedKeys(byKind)
	var notes []string
	if len(kinds) > 1 {
		notes = append(notes, fmt.Sprintf("detection against size: params kinds mixed (%s); one plot per kind, never two kinds on one axis", strings.Join(kinds, ", ")))
	}
	var figs []figure
	for _, kind := range kinds {
		name := "detection_vs_size"
		if len(kinds) > 1 {
			name += "_" + safeName(kind)
		}
		fig, err := detectionFigure(name, kind, byKind[kind], noParams, noCounts)
		if err != nil {
			return nil, nil, err
		}
		figs = append(figs, fig)
	}
	if len(kinds) == 0 {
		notes = append(notes, "detection against size: no entry has both params and counts; plot skipped")
	}
	return figs, notes, nil
}

func detectionFigure(name, kind string, entries []results.Entry, noParams, noCounts int) (figure, error) {
	lines := detectionCells(entries)
	xlabel := "model size (params, " + kind + ")"
	if kind == "" {
		xlabel = "model size (params, kind unknown)"
	}
	p := newPlot("Detection against model size", xlabel, "share detected (count@100 ≥ 1)")
	keys := sortedKeys(lines)
	lo, hi := math.Inf(1), math.Inf(-1)
	for i, k := range keys {
		// Offset each line slightly along x so error bars stay legible.
		shift := math.Pow(10, 0.015*(float64(i)-float64(len(keys)-1)/2))
		pts := errPoints{}
		for _, c := range lines[k] {
			r := metrics.DetectionRate(c.detected, c.n, metrics.DefaultLevel)
			x := c.params() * shift
			pts.XYs = append(pts.XYs, plotter.XY{X: x, Y: r.Rate})
			pts.YErrors = append(pts.YErrors, struct{ Low, High float64 }{r.Rate - r.CI.Lo, r.CI.Hi - r.Rate})
			lo, hi = math.Min(lo, x), math.Max(hi, x)
		}
		line, scatter, err := plotter.NewLinePoints(pts.XYs)
		if err != nil {
			return figure{}, err
		}
		line.Color, scatter.Color = seriesColor(i), seriesColor(i)
		scatter.Shape = draw.CircleGlyph{}
		bars, err := plotter.NewYErrorBars(pts)
		if err != nil {
			return figure{}, err
		}
		bars.Color = seriesColor(i)
		p.Add(line, scatter, bars)
		p.Legend.Add(oneLine(k, 40), line, scatter)
	}
	logAxis(&p.X, lo/1.3, hi*1.3)
	p.Y.Min, p.Y.Max = 0, 1+0.1*float64(len(keys)+1) // headroom for the legend
	p.Y.Tick.Marker = fractionTicks
	caption := "Share of entries (organism x variant x config x repeat, controls left out) with count@100 ≥ 1, by model size on a log axis (entries sharing a size label, e.g. a zoo n-gram order, form one point at the geometric mean of their params), one line per reference family (kind); bars are 95% Wilson intervals; lines are offset slightly along x for legibility."
	if noParams+noCounts > 0 {
		caption += fmt.Sprintf(" Left out: %d entries without params, %d without counts.", noParams, noCounts)
	}
	return finish(p, name, caption, 16*vg.Centimeter, 10*vg.Centimeter)
}

// sizeCell is one point of a detection line: the entries of one size.
type sizeCell struct {
	detected, n int
	logParams   float64 // sum of ln(params), for the geometric mean
}

func (c *sizeCell) params() float64 { return math.Exp(c.logParams / float64(c.n)) }

// detectionCells groups entries per series and size, each series' cells in
// ascending size. Entries group by their size label when they have one:
// variants of one size differ a little in params (each organism's n-gram
// model has its own entry count), and grouping by exact params made one
// point per organism, stacked at nearly the same x. Entries without a label
// group by exact params.
func detectionCells(entries []results.Entry) map[string][]*sizeCell {
	type sizeKey struct {
		label  string
		params int64
	}
	byKey := map[string]map[sizeKey]*sizeCell{}
	for _, e := range entries {
		k := seriesKey(e)
		if byKey[k] == nil {
			byKey[k] = map[sizeKey]*sizeCell{}
		}
		sk := sizeKey{label: e.Size}
		if e.Size == "" {
			sk.params = e.Params
		}
		c := byKey[k][sk]
		if c == nil {
			c = &sizeCell{}
			byKey[k][sk] = c
		}
		c.n++
		c.logParams += math.Log(float64(e.Params))
		if *e.CountAt100 >= 1 {
			c.detected++
		}
	}
	out := map[string][]*sizeCell{}
	for k, cells := range byKey {
		for _, c := range cells {
			out[k] = append(out[k], c)
		}
		// Ties on params are broken by the counts so the order never
		// depends on map iteration.
		slices.SortFunc(out[k], func(a, b *sizeCell) int {
			if c := cmp.Compare(a.params(), b.params()); c != 0 {
				return c
			}
			if c := cmp.Compare(a.n, b.n); c != 0 {
				return c
			}
			return cmp.Compare(a.detected, b.detected)
		})
	}
	return out
}

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

// recallCurves computes recallFigure's lines: per series, the mean
// cumulative recall at k = 1, 2, ...; used counts the rankings behind them.
func recallCurves(rn *run) (map[string][]float64, int) {
	type curve struct {
		counts []int // cumulative flagged count at k = 1..len
		total  int
		full   bool // the whole ranking is stored
	}
	lines := map[string][]curve{}
	used := 0
	maxK := 0
	truncMin := math.MaxInt
	for _, e := range rn.entries {
		rk := rn.rankings[rankingKey{e.Organism, e.Variant, e.Reference, e.Config, e.Repeat}]
		total := 0
		if e.NFlagged != nil {
			total = *e.NFlagged
		} else {
			for _, s := range rk {
				if s.Flagged {
					total++
				}
			}
		}
		if total == 0 || len(rk) == 0 {
			continue
		}
		used++
		c := curve{total: total, full: len(rk) >= e.NCompletions, counts: make([]int, len(rk))}
		n := 0
		for i, s := range rk {
			if s.Flagged {
				n++
			}
			c.counts[i] = n
		}
		maxK = max(maxK, len(rk))
		if !c.full {
			truncMin = min(truncMin, len(rk))
		}
		k := seriesKey(e)
		lines[k] = append(lines[k], c)
	}
	maxK = min(maxK, truncMin)
	out := map[string][]float64{}
	for key, cs := range lines {
		for k := 1; k <= maxK; k++ {
			sum := 0.0
			for _, c := range cs {
				sum += metrics.CumulativeRecall(c.counts[min(k, len(c.counts))-1], c.total)
			}
			out[key] = append(out[key], sum/float64(len(cs)))
		}
	}
	return out, used
}

// recallFigure draws the mean cumulative recall against k (log axis), one
// line per reference family (kind): the share of all of a ranking's flagged
// completions that lie in its top k, count@k / n_flagged (n_flagged from the
// entry: it counts every completion, also when samples.jsonl or an import
// keeps only the top). It never falls as k grows: every ranking counts at
// every k. A ranking stored in full (all n_completions listed) keeps its
// final count past its end; the curves stop at the shortest truncated
// ranking, beyond which a count is unknown.
func recallFigure(rn *run) (figure, bool, error) {
	curves, used := recallCurves(rn)
	if used == 0 {
		return figure{}, false, nil
	}
	maxK := 1
	for _, c := range curves {
		maxK = max(maxK, len(c))
	}
	p := newPlot("Cumulative recall@k", "k (top-k completions, log scale)", "recall@k = count@k / n_flagged (mean)")
	for i, key := range sortedKeys(curves) {
		var xys plotter.XYs
		for k, v := range curves[key] {
			xys = append(xys, plotter.XY{X: float64(k + 1), Y: v})
		}
		l, err := plotter.NewLine(xys)
		if err != nil {
			return figure{}, false, err
		}
		l.Color = seriesColor(i)
		l.Width = vg.Points(1.5)
		p.Add(l)
		p.Legend.Add(oneLine(key, 40), l)
	}
	logAxis(&p.X, 1, float64(max(2, maxK)))
	p.Y.Min, p.Y.Max = 0, 1+0.1*float64(len(curves)+1) // headroom for the legend
	p.Y.Tick.Marker = fractionTicks
	p.Legend.XOffs = -vg.Points(6)
	caption := fmt.Sprintf("Mean cumulative recall@k = count@k / n_flagged (the share of all flagged completions of a ranking found in its top k; it never falls with k) over %d rankings that have at least one flagged completion; one line per reference family (kind). Where more than k completions are flagged it cannot reach 1.", used)
	fig, err := finish(p, "recall_at_k", caption, 16*vg.Centimeter, 10*vg.Centimeter)
	return fig, true, err
}

// pplFigure plots PPL_ref against PPL_ft for every completion on log axes,
// flagged completions highlighted. Points with a null or non-positive
// perplexity cannot sit on a log axis: they are counted in the caption.
func pplFigure(rn *run) (figure, bool, string, error) {
	var plain, flagged plotter.XYs
	dropped := 0
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, rk := range sortedRankings(rn) {
		for _, s := range rk {
			if s.PPLFT == nil || s.PPLRef == nil || !(*s.PPLFT > 0) || !(*s.PPLRef > 0) || math.IsInf(*s.PPLFT, 0) || math.IsInf(*s.PPLRef, 0) {
				dropped++
				continue
			}
			pt := plotter.XY{X: *s.PPLFT, Y: *s.PPLRef}
			lo = math.Min(lo, math.Min(pt.X, pt.Y))
			hi = math.Max(hi, math.Max(pt.X, pt.Y))
			if s.Flagged {
				flagged = append(flagged, pt)
			} else {
				plain = append(plain, pt)
			}
		}
	}
	note := ""
	if dropped > 0 {
		note = fmt.Sprintf("PPL_ref against PPL_ft: %d completions without a positive perplexity left out of the log-log plot", dropped)
	}
	if len(plain)+len(flagged) == 0 {
		return figure{}, false, note, nil
	}
	p := newPlot("Perplexity under reference against finetuned", "PPL_ft (log scale)", "PPL_ref (log scale)")
	lo, hi = lo/1.2, hi*1.2
	// Plotted in log10 units on linear axes labelled as perplexities:
	// gonum centres a vertical axis label on the data midpoint, which a
	// log Scale puts near the top, and pads the plot far down for it.
	llo, lhi := math.Log10(lo), math.Log10(hi)
	diag, err := plotter.NewLine(plotter.XYs{{X: llo, Y: llo}, {X: lhi, Y: lhi}})
	if err != nil {
		return figure{}, false, note, err
	}
	diag.Color = color.Gray{120}
	diag.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
	p.Add(diag)
	p.Legend.Add("PPL_ref = PPL_ft", diag)
	allPlain := len(plain)
	plain = thinPoints(plain, maxPlainPoints)
	for _, pts := range []plotter.XYs{plain, flagged} {
		for i := range pts {
			pts[i].X, pts[i].Y = math.Log10(pts[i].X), math.Log10(pts[i].Y)
		}
	}
	if err := addPoints(p, plain, unflaggedColor, plainLabel(len(plain), allPlain)); err != nil {
		return figure{}, false, note, err
	}
	if err := addPoints(p, flagged, flaggedColor, fmt.Sprintf("flagged (%d)", len(flagged))); err != nil {
		return figure{}, false, note, err
	}
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Min, a.Max = llo, lhi
		a.Tick.Marker = log10Ticks{}
	}
	p.Legend.Top = false // the bottom-right corner lies below the diagonal: few points
	caption := "Each completion's perplexity under the reference against under the finetuned model, log axes; points above the diagonal score positive ppl_diff." + thinCaption(len(plain), allPlain)
	if dropped > 0 {
		caption += fmt.Sprintf(" %d completions without a positive perplexity are left out.", dropped)
	}
	fig, err := finish(p, "ppl_ref_vs_ft", caption, 14*vg.Centimeter, 12*vg.Centimeter)
	return fig, true, note, err
}

// scoreFigure plots each completion's score against its rank (log x).
func scoreFigure(rn *run) (figure, bool, error) {
	var plain, flagged plotter.XYs
	for _, rk := range sortedRankings(rn) {
		for _, s := range rk {
			if s.Rank < 1 || math.IsNaN(s.ScoreValue) || math.IsInf(s.ScoreValue, 0) {
				continue
			}
			pt := plotter.XY{X: float64(s.Rank), Y: s.ScoreValue}
			if s.Flagged {
				flagged = append(flagged, pt)
			} else {
				plain = append(plain, pt)
			}
		}
	}
	if len(plain)+len(flagged) == 0 {
		return figure{}, false, nil
	}
	maxRank := 1.0
	for _, pts := range []plotter.XYs{plain, flagged} {
		for _, pt := range pts {
			maxRank = math.Max(maxRank, pt.X)
		}
	}
	p := newPlot("Score against rank", "rank (log scale)", rn.score)
	allPlain := len(plain)
	plain = thinPoints(plain, maxPlainPoints)
	toSymLog(&p.Y, plain, flagged)
	if err := addPoints(p, plain, unflaggedColor, plainLabel(len(plain), allPlain)); err != nil {
		return figure{}, false, err
	}
	if err := addPoints(p, flagged, flaggedColor, fmt.Sprintf("flagged (%d)", len(flagged))); err != nil {
		return figure{}, false, err
	}
	logAxis(&p.X, 1, maxRank*1.1)
	p.Y.Label.Text = rn.score + " (symmetric log scale)"
	fig, err := finish(p, "score_vs_rank", "Every completion's "+rn.score+" against its rank within its ranking (all rankings overlaid), flagged completions highlighted. "+
		"The score axis is symmetric-logarithmic (linear within ±1, logarithmic beyond, negative scores below 0), so a few large outliers do not flatten the rest."+thinCaption(len(plain), allPlain), 16*vg.Centimeter, 10*vg.Centimeter)
	return fig, true, err
}

// symLogValue maps a score onto a symmetric log axis: sign(x) *
// log10(1 + |x|), linear near 0 and logarithmic for large |x| on either
// side, so scores of both signs and very different sizes share one
// readable axis. Points are plotted at symLogValue(y) on a linear axis
// whose ticks are labelled with the scores (gonum places a vertical axis
// label at the data midpoint, which a non-linear Scale pushes to the top).
func symLogValue(x float64) float64 {
	return math.Copysign(math.Log10(1+math.Abs(x)), x)
}

// symLogTicks labels 0 and ±1, 10, 100, ... of an axis in symLogValue
// units, with minor ticks at 2..9 times each power.
type symLogTicks struct{}

func (symLogTicks) Ticks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	add := func(v float64, label bool) {
		t := plot.Tick{Value: symLogValue(v)}
		if t.Value < lo || t.Value > hi {
			return
		}
		if label {
			t.Label = compactNumber(v)
		}
		ticks = append(ticks, t)
	}
	add(0, true)
	top := math.Pow(10, math.Max(math.Abs(lo), math.Abs(hi)))
	for pow := 1.0; pow <= top; pow *= 10 {
		for m := 1; m <= 9; m++ {
			add(float64(m)*pow, m == 1)
			add(-float64(m)*pow, m == 1)
		}
	}
	sort.Slice(ticks, func(i, j int) bool { return ticks[i].Value < ticks[j].Value })
	return ticks
}

// toSymLog moves points onto the symmetric log axis (in place) and sets
// the axis range and ticks, with a little margin at both ends.
func toSymLog(a *plot.Axis, sets ...plotter.XYs) {
	lo, hi := 0.0, symLogValue(1)
	for _, pts := range sets {
		for i := range pts {
			pts[i].Y = symLogValue(pts[i].Y)
			lo, hi = math.Min(lo, pts[i].Y), math.Max(hi, pts[i].Y)
		}
	}
	pad := 0.04 * (hi - lo)
	a.Tick.Marker = symLogTicks{}
	a.Min, a.Max = lo-pad*boolToFloat(lo < 0), hi+3*pad // room for the legend
}

func boolToFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// maxPlainPoints caps the unflagged points a scatter plot draws: a full zoo
// run has ~40k completions, which made each scatter SVG ~4 MB without
// changing what the eye reads from the cloud. Flagged points are never
// thinned.
const maxPlainPoints = 4000

// thinPoints keeps at most limit points, a uniform random subset drawn with
// a fixed seed (so reports stay byte-identical) and kept in input order. A
// random subset, not every k-th point: points come in rank order, and a
// stride would keep the same few ranks of every ranking.
func thinPoints(pts plotter.XYs, limit int) plotter.XYs {
	if len(pts) <= limit {
		return pts
	}
	rng := rand.New(rand.NewPCG(1, 2))
	keep := rng.Perm(len(pts))[:limit]
	sort.Ints(keep)
	out := make(plotter.XYs, limit)
	for i, j := range keep {
		out[i] = pts[j]
	}
	return out
}

func plainLabel(shown, all int) string {
	if shown == all {
		return fmt.Sprintf("not flagged (%d)", all)
	}
	return fmt.Sprintf("not flagged (%d of %d)", shown, all)
}

func thinCaption(shown, all int) string {
	if shown == all {
		return ""
	}
	return fmt.Sprintf(" For legibility and file size, %d of the %d unflagged completions are drawn (a fixed-seed random subset); every flagged one is.", shown, all)
}

func addPoints(p *plot.Plot, pts plotter.XYs, c color.Color, label string) error {
	if len(pts) == 0 {
		return nil
	}
	s, err := plotter.NewScatter(pts)
	if err != nil {
		return err
	}
	s.Color = c
	s.Shape = draw.CircleGlyph{}
	s.Radius = vg.Points(2)
	p.Add(s)
	p.Legend.Add(label, s)
	return nil
}

func finish(p *plot.Plot, name, caption string, w, h vg.Length) (figure, error) {
	svg, png, err := render(p, w, h)
	if err != nil {
		return figure{}, fmt.Errorf("plot %s: %w", name, err)
	}
	return figure{Name: name, Title: p.Title.Text, Caption: caption, SVG: svg, PNG: png, W: w, H: h}, nil
}

// sortedRankings lists the run's rankings in key order, so plots draw points
// in the same order every time.
func sortedRankings(rn *run) [][]results.Sample {
	keys := make([]rankingKey, 0, len(rn.rankings))
	for k := range rn.rankings {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if ga, gb := (groupKey{a.Organism, a.Variant, a.Reference, a.Config}), (groupKey{b.Organism, b.Variant, b.Reference, b.Config}); ga != gb {
			return lessGroup(ga, gb)
		}
		return a.Repeat < b.Repeat
	})
	out := make([][]results.Sample, len(keys))
	for i, k := range keys {
		out[i] = rn.rankings[k]
	}
	return out
}

func sortedKeys[K interface{ ~string | ~int64 }, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	return keys
}

// compactNumber prints tick values with SI-style suffixes (12k, 190k,
// 14.8B) so model sizes stay readable.
func compactNumber(v float64) string {
	for _, u := range []struct {
		div    float64
		suffix string
	}{{1e12, "T"}, {1e9, "B"}, {1e6, "M"}, {1e3, "k"}} {
		if math.Abs(v) >= u.div {
			return strconv.FormatFloat(v/u.div, 'g', 3, 64) + u.suffix
		}
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

// safeName keeps [a-z0-9_-] so a params kind can be part of a file name.
func safeName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 {
		return "unknown_" + strconv.Itoa(len(s))
	}
	return b.String()
}
