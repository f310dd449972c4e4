package reports

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"html/template"
	"strconv"
	"strings"
)

// filterScript is report.html's only script: it applies the organism,
// reference and flagged filters and writes the number of rows shown into the
// page. The Content-Security-Policy allows exactly this text by its hash,
// so it must contain no comments (html/template would strip them and change
// the hash) and no template actions.
const filterScript = `(function () {
  var org = document.getElementById('f-organism');
  var ref = document.getElementById('f-reference');
  var fl = document.getElementById('f-flagged');
  function apply() {
    var o = org.value, r = ref.value, f = fl.checked, shown = 0;
    var sections = document.querySelectorAll('section.pair');
    for (var i = 0; i < sections.length; i++) {
      var s = sections[i];
      var ok = (o === '' || s.getAttribute('data-organism') === o) && (r === '' || s.getAttribute('data-reference') === r);
      var rows = s.querySelectorAll('tr.completion');
      var n = 0;
      for (var j = 0; j < rows.length; j++) {
        var vis = ok && (!f || rows[j].getAttribute('data-flagged') === 'true');
        rows[j].hidden = !vis;
        if (vis) { n++; }
      }
      s.hidden = !ok || (f && n === 0);
      shown += n;
    }
    document.getElementById('rows-shown').textContent = String(shown);
    document.body.setAttribute('data-rows-shown', String(shown));
  }
  org.addEventListener('change', apply);
  ref.addEventListener('change', apply);
  fl.addEventListener('change', apply);
  document.body.setAttribute('data-script', 'ran');
  apply();
})();
`

// reportStyle is report.html's only style sheet, allowed by its hash (no
// comments, for the same reason as filterScript).
const reportStyle = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em auto; max-width: 1200px; padding: 0 1em; color: #222; }
[hidden] { display: none !important; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: 2px 6px; vertical-align: top; text-align: left; }
th { background: #f3f3f3; }
table.summary td { white-space: nowrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1em 0 2em; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #555; max-width: 60em; }
.filters { position: sticky; top: 0; background: #fff; padding: 0.5em 0; border-bottom: 1px solid #ddd; z-index: 1; }
.filters label { margin-right: 1.5em; }
.text { white-space: pre-wrap; word-break: break-word; font-family: ui-monospace, monospace; font-size: 12.5px; }
.prefill { background: #fff1a8; border-bottom: 2px solid #d4b000; }
.kw { outline: 2px solid #111; outline-offset: -1px; font-weight: bold; text-decoration: underline; }
.p1 { background: #fde0d9; } .p2 { background: #fbc0b2; } .p3 { background: #f7977f; } .p4 { background: #f06a4f; } .p5 { background: #e03a1e; color: #fff; }
.n1 { background: #dde9f7; } .n2 { background: #bcd4ef; } .n3 { background: #92b8e4; } .n4 { background: #5e95d4; } .n5 { background: #2e6fbf; color: #fff; }
tr.flagged td.flag { color: #d55e00; font-weight: bold; }
.legend span { padding: 0 0.4em; margin-right: 0.2em; }
.notes li { color: #555; }
table.leak td { white-space: nowrap; }
table.leak td.cell { text-align: right; font-variant-numeric: tabular-nums; }
.l1 { background: #fdebd3; } .l2 { background: #fbc98f; } .l3 { background: #f39a4a; } .l4 { background: #d55e00; color: #fff; }
td.none { color: #999; }
details > summary { cursor: pointer; }
details > summary h2 { display: inline; }
section.pair h3 { display: inline; font-size: 1em; }
section.pair { margin: 0.3em 0; }
`

// cspHash is the CSP source expression for an inline element's exact text.
func cspHash(text string) string {
	sum := sha256.Sum256([]byte(text))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

// contentSecurityPolicy allows nothing but the report's own script and
// style (by hash) and data: images (the plots).
func contentSecurityPolicy() string {
	return "default-src 'none'; script-src " + cspHash(filterScript) +
		"; style-src " + cspHash(reportStyle) +
		"; img-src data:; base-uri 'none'; form-action 'none'"
}

var reportTemplate = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{{.CSP}}">
<meta name="referrer" content="no-referrer">
<title>ppldiff report: run {{.RunID}}</title>
<style>` + reportStyle + `</style>
</head>
<body>
<h1>ppldiff report: run {{.RunID}}</h1>
<p>Score: <b>{{.Score}}</b>. Entries: {{.Entries}}. Completions: top {{.TopK}} per organism x variant x reference (expanded when one is flagged), from each pair's best config (highest mean count@100).</p>

<h2>Leak map</h2>
<p>count@100 of each organism variant against each reference, at the pair's best config{{if .MultiRepeat}}; [min&ndash;max] over repeats when they differ{{end}}; &middot; #N is the (median) rank of the first flagged completion. Shading: <span class="l1">&ge;1</span> <span class="l2">&ge;3</span> <span class="l3">&ge;10</span> <span class="l4">&ge;30</span>. Controls show the false-positive floor. Hover a cell for its config.</p>
<table class="leak">
<thead><tr><th>organism</th><th>variant</th><th>category</th>{{range .Leak.References}}<th>{{.}}</th>{{end}}</tr></thead>
<tbody>
{{range .Leak.Rows}}<tr><td>{{.Organism}}</td><td>{{.Variant}}</td><td>{{.Category}}</td>{{range .Cells}}<td class="cell{{if not .Known}} none{{else if .Level}} l{{.Level}}{{end}}"{{if .Title}} title="{{.Title}}"{{end}}>{{.Text}}</td>{{end}}</tr>
{{end}}</tbody>
</table>

<details{{if .SummaryOpen}} open{{end}}>
<summary><h2>Summary</h2> ({{len .Rows}} rows: every config)</summary>
<table class="summary">
<thead><tr>{{range .Header}}<th>{{.}}</th>{{end}}</tr></thead>
<tbody>
{{range .Rows}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>
{{end}}</tbody>
</table>
</details>

{{if .Figures}}<h2>Plots</h2>
{{range .Figures}}<figure id="plot-{{.Name}}">
<img alt="{{.Title}}" src="{{.Src}}">
<figcaption>{{.Caption}}</figcaption>
</figure>
{{end}}{{end}}
{{if .Notes}}<h2>Notes</h2>
<ul class="notes">{{range .Notes}}<li>{{.}}</li>{{end}}</ul>{{end}}

<h2>Top completions</h2>
<p class="legend">Prefill: <span class="prefill">marked</span>. Keyword matches: <span class="kw">boxed in black</span>.
Token shading, logprob_ft &minus; logprob_ref per finetuned-model token (nats):
<span class="n5">&le;&minus;4</span><span class="n3">&minus;1</span><span class="n1">&minus;0.25</span>
<span class="p1">+0.25</span><span class="p3">+1</span><span class="p5">&ge;+4</span>
(runs imported without per-token data are not shaded).</p>
<div class="filters">
<label>Organism <select id="f-organism"><option value="">all</option>{{range .Organisms}}<option value="{{.}}">{{.}}</option>{{end}}</select></label>
<label>Reference <select id="f-reference"><option value="">all</option>{{range .References}}<option value="{{.}}">{{.}}</option>{{end}}</select></label>
<label><input type="checkbox" id="f-flagged"> flagged only</label>
<span>Rows shown: <b id="rows-shown">{{.TotalRows}}</b> of {{.TotalRows}}</span>
</div>
{{range .Pairs}}
<section class="pair" data-organism="{{.Organism}}" data-reference="{{.Reference}}">
<details{{if .Open}} open{{end}}>
<summary><h3>{{.Organism}} @ {{.Variant}} against {{.Reference}}</h3>: {{.Flagged}} of {{len .Rows}} listed flagged. Config {{.Config}}: {{.Counts}}</summary>
{{if .Rows}}<table class="completions">
<thead><tr><th>rank</th><th>{{$.Score}}</th><th>PPL_ft</th><th>PPL_ref</th><th>flagged</th><th>text</th></tr></thead>
<tbody>
{{range .Rows}}<tr class="completion{{if .Flagged}} flagged{{end}}" data-flagged="{{.Flagged}}">
<td class="num">{{.Rank}}</td><td class="num">{{.Score}}</td><td class="num">{{.PPLFT}}</td><td class="num">{{.PPLRef}}</td>
<td class="flag">{{if .Flagged}}yes{{if .Matched}} ({{.Matched}}){{end}}{{end}}</td>
<td class="text"><span class="prefill" title="prefill">{{.Prefill}}</span>{{range .Segments}}{{if or .Shade .Keyword}}<span class="{{.Shade}}{{if .Keyword}} kw{{end}}"{{if .Title}} title="{{.Title}}"{{end}}>{{.Text}}</span>{{else}}{{.Text}}{{end}}{{end}}</td>
</tr>
{{end}}</tbody>
</table>{{else}}<p>No completions stored for this ranking.</p>{{end}}
</details>
</section>
{{end}}
<script>` + filterScript + `</script>
</body>
</html>
`))

type htmlFigure struct {
	Name, Title, Caption string
	Src                  template.URL // a data: URL of our own SVG
}

type htmlRow struct {
	Rank                 int
	Score, PPLFT, PPLRef string
	Flagged              bool
	Matched              string
	Prefill              string
	Segments             []segment
}

type htmlPair struct {
	Organism, Variant, Reference, Config string
	Repeat                               int
	Flagged                              int  // listed rows that are flagged
	Open                                 bool // expanded on load: it lists a flagged row
	Counts                               string
	Rows                                 []htmlRow
}

type htmlData struct {
	CSP, RunID, Score     string
	Entries, TopK         int
	Leak                  overview
	MultiRepeat           bool
	SummaryOpen           bool
	Header                []string
	Rows                  [][]string
	Figures               []htmlFigure
	Notes                 []string
	Organisms, References []string
	Pairs                 []htmlPair
	TotalRows             int
}

// htmlReport renders report.html. Model text reaches the page only as
// template data, so html/template escapes it for its context; control
// characters and ANSI escapes are removed first.
func htmlReport(rn *run, rows []summaryRow, lists []listing, figs []figure, notes []string, opts Options) ([]byte, error) {
	d := htmlData{CSP: contentSecurityPolicy(), RunID: cleanText(rn.results.Run.ID, false), Score: rn.score, Entries: len(rn.entries), TopK: opts.TopK}
	var best []summaryRow
	for _, l := range lists {
		best = append(best, l.Row)
		d.MultiRepeat = d.MultiRepeat || l.Row.Repeats > 1
	}
	d.Leak = cleanOverview(buildOverview(best))
	d.SummaryOpen = len(rows) <= summaryOpenRows
	header, cells := summaryCells(rows)
	d.Header = header
	for _, r := range cells {
		clean := make([]string, len(r))
		for i, c := range r {
			clean[i] = cleanText(c, false)
		}
		d.Rows = append(d.Rows, clean)
	}
	for _, f := range figs {
		d.Figures = append(d.Figures, htmlFigure{
			Name: f.Name, Title: f.Title, Caption: f.Caption,
			Src: figureDataURL(f),
		})
	}
	d.Notes = notes
	orgs, refs := map[string]bool{}, map[string]bool{}
	for _, l := range lists {
		k := l.Row.Key
		orgs[k.Organism], refs[k.Reference] = true, true
		p := htmlPair{
			Organism: k.Organism, Variant: k.Variant, Reference: k.Reference, Config: k.Config, Repeat: l.Repeat,
			Counts: "count@10 " + formatMean(l.Row.CountAt10.Mean()) + ", count@100 " + formatMean(l.Row.CountAt100.Mean()) +
				", first hit " + formatFirstHit(l.Row.FirstHit, l.Row.Repeats) + " (over " + pluralRepeats(l.Row.Repeats) + "; listed: repeat " + strconv.Itoa(l.Repeat) + ")",
		}
		for _, s := range l.Samples {
			segs := segments(s.Completion, s.TokensFTLP, s.TokensRefLP, s.Matched)
			for i := range segs {
				segs[i].Text = cleanText(segs[i].Text, true)
			}
			p.Rows = append(p.Rows, htmlRow{
				Rank: s.Rank, Score: formatNumber(s.ScoreValue), PPLFT: formatFloat(s.PPLFT), PPLRef: formatFloat(s.PPLRef),
				Flagged: s.Flagged, Matched: cleanText(strings.Join(s.Matched, ", "), false),
				Prefill: cleanText(s.Prefill, true), Segments: segs,
			})
			if s.Flagged {
				p.Flagged++
			}
		}
		p.Open = p.Flagged > 0
		d.TotalRows += len(p.Rows)
		d.Pairs = append(d.Pairs, p)
	}
	d.Organisms, d.References = sortedKeys(orgs), sortedKeys(refs)
	var b bytes.Buffer
	if err := reportTemplate.Execute(&b, d); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// maxFigurePx is the widest plot (CSS px) the page shows at its own size;
// plots are drawn narrower, so none is scaled down below readable labels.
const maxFigurePx = 1150

// summaryOpenRows is the largest summary table report.html shows expanded;
// a bigger one (a full zoo run has ~400 rows) starts collapsed under the
// leak map, which carries the same best-config counts.
const summaryOpenRows = 60

// figureDataURL inlines a plot as whichever of its SVG and PNG is smaller:
// scatter plots of many completions are far smaller as PNG, line and bar
// charts as SVG. Both are our own renders and an <img> runs no script.
func figureDataURL(f figure) template.URL {
	if len(f.PNG) > 0 && len(f.PNG) < len(f.SVG) {
		return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(f.PNG))
	}
	return template.URL("data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString(f.SVG))
}

// cleanOverview strips control characters from the ids in the leak map;
// html/template escapes them.
func cleanOverview(ov overview) overview {
	for i, r := range ov.References {
		ov.References[i] = cleanText(r, false)
	}
	for i := range ov.Rows {
		r := &ov.Rows[i]
		r.Organism, r.Variant, r.Category = cleanText(r.Organism, false), cleanText(r.Variant, false), cleanText(r.Category, false)
		for j := range r.Cells {
			r.Cells[j].Title = cleanText(r.Cells[j].Title, false)
		}
	}
	return ov
}
