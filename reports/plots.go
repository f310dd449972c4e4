package reports

import (
	"bytes"
	"cmp"
	"fmt"
	"image/color"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/ppldiff/ppldiff/harness/results"
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
	slices.Sort(keep)
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
	keys := slices.SortedFunc(maps.Keys(rn.rankings), func(a, b rankingKey) int {
		ga, gb := groupKey{a.Organism, a.Variant, a.Reference, a.Config}, groupKey{b.Organism, b.Variant, b.Reference, b.Config}
		return cmp.Or(compareGroups(ga, gb), cmp.Compare(a.Repeat, b.Repeat))
	})
	out := make([][]results.Sample, len(keys))
	for i, k := range keys {
		out[i] = rn.rankings[k]
	}
	return out
}

func sortedKeys[K interface{ ~string | ~int64 }, V any](m map[K]V) []K {
	return slices.Sorted(maps.Keys(m))
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
