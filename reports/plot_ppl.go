package reports

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

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
