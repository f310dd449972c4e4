package reports

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"hash/fnv"
	"html/template"
	"math"
	"strconv"
	"strings"
)

// filterScript is the reports' only script: it applies the organism,
// reference and flagged filters (to the headline, the leak map and the
// completion listings) and writes the number of rows shown into the page;
// when the address names a listing (a leak-map link), it opens it. The
// Content-Security-Policy allows exactly this text by its hash, so it must
// contain no comments (html/template would strip them and change the hash)
// and no template actions.
const filterScript = `(function () {
  var org = document.getElementById('f-organism');
  var ref = document.getElementById('f-reference');
  var fl = document.getElementById('f-flagged');
  function matches(el, o, r) {
    return (o === '' || el.getAttribute('data-organism') === o) && (r === '' || !el.hasAttribute('data-reference') || el.getAttribute('data-reference') === r);
  }
  function apply() {
    var o = org.value, r = ref.value, f = fl.checked, shown = 0;
    var plain = document.querySelectorAll('tr[data-organism]');
    for (var k = 0; k < plain.length; k++) {
      plain[k].hidden = !matches(plain[k], o, r);
    }
    var sections = document.querySelectorAll('section.pair');
    for (var i = 0; i < sections.length; i++) {
      var s = sections[i];
      var ok = matches(s, o, r);
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
    var out = document.getElementById('rows-shown');
    if (out) { out.textContent = String(shown); }
    document.body.setAttribute('data-rows-shown', String(shown));
  }
  function openTarget() {
    var id = decodeURIComponent(location.hash.slice(1));
    var el = id ? document.getElementById(id) : null;
    if (!el) { return; }
    el.hidden = false;
    var d = el.tagName === 'DETAILS' ? el : el.querySelector('details');
    if (d) { d.open = true; }
    el.scrollIntoView();
  }
  org.addEventListener('change', apply);
  ref.addEventListener('change', apply);
  fl.addEventListener('change', apply);
  window.addEventListener('hashchange', openTarget);
  document.body.setAttribute('data-script', 'ran');
  apply();
  openTarget();
})();
`

// reportStyle is the reports' only style sheet, allowed by its hash (no
// comments, for the same reason as filterScript).
const reportStyle = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 0 auto 1.5em; max-width: 1200px; padding: 0 1em; color: #222; }
[hidden] { display: none !important; }
h1 { font-size: 1.4em; margin: 0.6em 0 0.2em; }
h2 { font-size: 1.2em; margin: 1.2em 0 0.4em; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: 2px 6px; vertical-align: top; text-align: left; }
th { background: #f3f3f3; }
table.summary td { white-space: nowrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1em 0 2em; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #555; max-width: 60em; }
.bar { position: sticky; top: 0; background: #fff; padding: 0.4em 0; border-bottom: 1px solid #ddd; z-index: 1; }
.bar nav { margin-bottom: 0.3em; }
.bar nav a { margin-right: 1em; }
.bar label { margin-right: 1.5em; }
:target { scroll-margin-top: 6em; }
.verdict { font-size: 1.05em; max-width: 60em; }
table.headline td { white-space: nowrap; }
table.headline tr.first td { border-top: 2px solid #999; }
td.yes { background: #d9f0d3; font-weight: bold; } td.part { background: #fdebd3; font-weight: bold; } td.no { background: #f3f3f3; }
tr.control td { color: #666; }
.text { white-space: pre-wrap; word-break: break-word; font-family: ui-monospace, monospace; font-size: 12.5px; }
.prefill { background: #fff1a8; border-bottom: 2px solid #d4b000; }
.kw { outline: 2px solid #111; outline-offset: -1px; font-weight: bold; text-decoration: underline; }
.p1 { background: #fde0d9; } .p2 { background: #fbc0b2; } .p3 { background: #f7977f; } .p4 { background: #f06a4f; } .p5 { background: #e03a1e; color: #fff; }
.n1 { background: #dde9f7; } .n2 { background: #bcd4ef; } .n3 { background: #92b8e4; } .n4 { background: #5e95d4; } .n5 { background: #2e6fbf; color: #fff; }
tr.flagged td.flag { color: #d55e00; font-weight: bold; }
div.judge { color: #444; font-weight: normal; font-size: 0.9em; max-width: 22em; }
.legend span { padding: 0 0.4em; margin-right: 0.2em; }
.notes li { color: #555; }
table.leak td { white-space: nowrap; }
table.leak td.cell { text-align: right; font-variant-numeric: tabular-nums; }
table.leak td.cell a { color: inherit; }
.l1 { background: #fdebd3; } .l2 { background: #fbc98f; } .l3 { background: #f39a4a; } .l4 { background: #d55e00; color: #fff; }
td.none { color: #999; }
details > summary { cursor: pointer; }
details > summary h2 { display: inline; }
section.pair h3 { display: inline; font-size: 1em; }
section.pair { margin: 0.3em 0; }
ul.pages { columns: 3; }
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

// pageHead and pageBar are shared by report.html and the organism pages.
const pageHead = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{{.CSP}}">
<meta name="referrer" content="no-referrer">
<title>{{.Title}}</title>
<style>` + reportStyle + `</style>
</head>
<body>
`

const pageBar = `<div class="bar">
<nav>{{range .TOC}}<a href="{{.Href}}">{{.Text}}</a>{{end}}</nav>
<label>Organism <select id="f-organism"><option value="">all</option>{{range .Organisms}}<option value="{{.}}">{{.}}</option>{{end}}</select></label>
<label>Reference <select id="f-reference"><option value="">all</option>{{range .References}}<option value="{{.}}">{{.}}</option>{{end}}</select></label>
<label><input type="checkbox" id="f-flagged"> flagged only</label>
{{if .TotalRows}}<span>Completion rows shown: <b id="rows-shown">{{.TotalRows}}</b> of {{.TotalRows}}</span>{{end}}
</div>
`

const pairsTemplate = `{{define "pairs"}}<p class="legend">Each listing is collapsed: click it to open. Prefill: <span class="prefill">marked</span>. Keyword matches: <span class="kw">boxed in black</span>.
Token shading, logprob_ft &minus; logprob_ref per finetuned-model token (nats):
<span class="n5">&le;&minus;4</span><span class="n3">&minus;1</span><span class="n1">&minus;0.25</span>
<span class="p1">+0.25</span><span class="p3">+1</span><span class="p5">&ge;+4</span>
(runs imported without per-token data are not shaded).</p>
{{range .}}
{{if .OrgAnchor}}<div id="{{.OrgAnchor}}"></div>
{{end}}<section class="pair" id="{{.ID}}" data-organism="{{.Organism}}" data-reference="{{.Reference}}">
<details>
<summary><h3>{{.Organism}} @ {{.Variant}} against {{.Reference}}</h3>: {{.Flagged}} of {{len .Rows}} listed flagged. Config {{.Config}}: {{.Counts}}</summary>
{{if .Rows}}<table class="completions">
<thead><tr><th>rank</th><th>{{.Score}}</th><th>PPL_ft</th><th>PPL_ref</th><th>flagged</th><th>text</th></tr></thead>
<tbody>
{{range .Rows}}<tr class="completion{{if .Flagged}} flagged{{end}}" data-flagged="{{.Flagged}}">
<td class="num">{{.Rank}}</td><td class="num">{{.Score}}</td><td class="num">{{.PPLFT}}</td><td class="num">{{.PPLRef}}</td>
<td class="flag">{{if .Flagged}}yes{{if .Matched}} ({{.Matched}}){{end}}{{end}}{{if .Judge}}<div class="judge">judge: {{.Judge}}</div>{{end}}</td>
<td class="text"><span class="prefill" title="prefill">{{.Prefill}}</span>{{range .Segments}}{{if .Keyword}}<span class="kw">{{range .Parts}}{{if .Shade}}<span class="{{.Shade}}"{{if .Title}} title="{{.Title}}"{{end}}>{{.Text}}</span>{{else}}{{.Text}}{{end}}{{end}}</span>{{else}}{{range .Parts}}{{if .Shade}}<span class="{{.Shade}}"{{if .Title}} title="{{.Title}}"{{end}}>{{.Text}}</span>{{else}}{{.Text}}{{end}}{{end}}{{end}}{{end}}</td>
</tr>
{{end}}</tbody>
</table>{{else}}<p>No completions stored for this ranking.</p>{{end}}
</details>
</section>
{{end}}{{end}}`

var reportTemplate = template.Must(template.Must(template.New("report").Parse(pairsTemplate)).Parse(pageHead + pageBar + `<h1>ppldiff report: run {{.RunID}}</h1>
<p>Score: <b>{{.Score}}</b>. Entries: {{.Entries}}. Each organism variant x reference is read at its best prefill config (highest mean count@100), as the study read each model at its best.</p>

<section id="headline">
<h2>Headline</h2>
{{range .Headline.Sentences}}<p class="verdict">{{.}}</p>
{{end}}<table class="headline">
<thead><tr><th>organism</th><th>category</th><th>reference</th><th>variants detected</th><th>best first hit</th><th>best count@10 [95% CI]</th><th>best count@100 [95% CI]</th></tr></thead>
<tbody>
{{range .Headline.Rows}}<tr class="{{if .Span}}first{{end}}{{if .Control}} control{{end}}" data-organism="{{.Organism}}" data-reference="{{.Reference}}"><td><a href="{{.Href}}">{{.Organism}}</a></td><td>{{.Category}}</td><td>{{.Reference}}</td><td class="{{.Class}}">{{.DetectedText}}</td><td class="num">{{.FirstHit}}</td><td class="num">{{.Count10}}</td><td class="num">{{.Count100}}</td></tr>
{{end}}</tbody>
</table>
<p>Detected: mean count@100 &ge; 1 at the variant's best config. Best values are over the organism's variants (the variant in brackets); intervals are 95% bootstrap intervals over prefills, where results.json lists every flagged rank, and like the count@100 chart's whiskers they ignore that the best config was picked by this count. Controls show the false-positive floor.</p>
</section>

<section id="leak-map">
<h2>Leak map</h2>
<p>count@100 of each organism variant against each reference, at the pair's best config{{if .MultiRepeat}}; [min&ndash;max] over repeats when they differ{{end}}; &middot; #N is the (median) rank of the first flagged completion. Shading: <span class="l1">&ge;1</span> <span class="l2">&ge;3</span> <span class="l3">&ge;10</span> <span class="l4">&ge;30</span>. Click a cell for its completions; hover for its config.</p>
<table class="leak">
<thead><tr><th>organism</th><th>variant</th><th>category</th>{{range .Leak.References}}<th>{{.}}</th>{{end}}</tr></thead>
<tbody>
{{range .Leak.Rows}}<tr data-organism="{{.Organism}}"><td>{{.Organism}}</td><td>{{.Variant}}</td><td>{{.Category}}</td>{{range .Cells}}<td class="cell{{if not .Known}} none{{else if .Level}} l{{.Level}}{{end}}"{{if .Title}} title="{{.Title}}"{{end}}>{{if .Href}}<a href="{{.Href}}">{{.Text}}</a>{{else}}{{.Text}}{{end}}</td>{{end}}</tr>
{{end}}</tbody>
</table>
</section>

{{if .Themes}}<section id="themes">
<h2>Themes</h2>
<p>From <code>ppldiff audit</code>: the words and phrases each ranking's top k over-represents against the completions it was compared with (weighted log-odds z-score), found without the detectors; ranks are the top completions that carry each.</p>
<table class="themes">
<thead><tr><th>organism</th><th>variant</th><th>reference</th><th>config</th><th>compared with</th><th>themes</th><th>hypothesis</th></tr></thead>
<tbody>
{{range .Themes}}<tr data-organism="{{.Organism}}" data-reference="{{.Reference}}"><td>{{.Organism}}</td><td>{{.Variant}}</td><td>{{.Reference}}</td><td>{{.Config}}</td><td>{{.Comparison}}</td><td><ol>{{range .Themes}}<li>{{.}}</li>{{end}}</ol></td><td>{{.Hypothesis}}</td></tr>
{{end}}</tbody>
</table>
</section>
{{end}}
{{if .Judges}}<section id="judge">
<h2>LLM judge</h2>
<p>` + judgeIntro + `</p>
<table class="judge">
<thead><tr><th>organism</th><th>variant</th><th>reference</th><th>config</th><th>repeat</th><th>judge model</th><th>judged</th><th>count@10</th><th>count@100</th><th>keyword count@100</th><th>flag rate below</th><th>judge vs keywords</th><th>between samples</th><th>no valid answer</th></tr></thead>
<tbody>
{{range .Judges}}<tr data-organism="{{.Organism}}" data-reference="{{.Reference}}"><td>{{.Organism}}</td><td>{{.Variant}}</td><td>{{.Reference}}</td><td>{{.Config}}</td><td class="num">{{.Repeat}}</td><td>{{.Model}}</td><td>{{.Judged}}</td><td class="num">{{.Count10}}</td><td class="num">{{.Count100}}</td><td class="num">{{.Keyword100}}</td><td>{{.RateBelow}}</td><td>{{.KeywordAgreement}}</td><td>{{.RepeatAgreement}}</td><td class="num">{{.Invalid}}</td></tr>
{{end}}</tbody>
</table>
</section>
{{end}}
<section id="summary">
<details{{if .SummaryOpen}} open{{end}}>
<summary><h2>Summary</h2> ({{len .Rows}} rows: every config)</summary>
<table class="summary">
<thead><tr>{{range .Header}}<th>{{.}}</th>{{end}}</tr></thead>
<tbody>
{{range .Rows}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>
{{end}}</tbody>
</table>
</details>
</section>

{{if .Figures}}<section id="plots">
<h2>Plots</h2>
{{range .Figures}}<figure id="plot-{{.Name}}">
<img alt="{{.Title}}" src="{{.Src}}" width="{{.Width}}" height="{{.Height}}">
<figcaption>{{.Caption}}</figcaption>
</figure>
{{end}}</section>{{end}}
{{if .Notes}}<section id="notes"><h2>Notes</h2>
<ul class="notes">{{range .Notes}}<li>{{.}}</li>{{end}}</ul></section>{{end}}

<section id="completions">
<h2>Top completions</h2>
{{if .Pages}}<p>Top {{.TopK}} completions of each organism variant x reference, one page per organism (the full run is too large for one page):</p>
<ul class="pages">{{range .Pages}}<li><a href="{{.Href}}">{{.Organism}}</a>: {{.Flagged}} flagged in {{.Listings}} listings</li>{{end}}</ul>
{{else}}<p>Top {{.TopK}} completions of each organism variant x reference, from its best config.</p>
{{template "pairs" .Pairs}}{{end}}
</section>
<script>` + filterScript + `</script>
</body>
</html>
`))

// organismTemplate is one organism's page of completion listings, written
// beside report.html when the run is too large for one page.
var organismTemplate = template.Must(template.Must(template.New("organism").Parse(pairsTemplate)).Parse(pageHead + pageBar + `<h1>{{.Organism}}: top completions</h1>
<p>Run {{.RunID}}, score <b>{{.Score}}</b>. Top {{.TopK}} completions of each variant x reference of {{.Organism}}, from its best config. <a href="../report.html#headline">Back to the report</a>.</p>
{{template "pairs" .Pairs}}
<script>` + filterScript + `</script>
</body>
</html>
`))

// tocLink is one link of the bar at the top of a page.
type tocLink struct {
	Href template.URL
	Text string
}

type htmlFigure struct {
	Name, Title, Caption string
	Src                  template.URL // a data: URL of our own SVG
	Width, Height        int          // CSS px: the plot's own size
}

// htmlSegment is a run of completion text inside or outside a keyword
// match. A match is one element around all its token pieces, so its box is
// drawn once around the whole matched span, not cut at token boundaries.
type htmlSegment struct {
	Keyword bool
	Parts   []segment
}

type htmlRow struct {
	Rank                 int
	Score, PPLFT, PPLRef string
	Flagged              bool
	Matched              string
	Judge                string // the judge's verdict and reason, when it read this completion
	Prefill              string
	Segments             []htmlSegment
}

type htmlPair struct {
	ID                                          string // element id, the target of leak-map links
	OrgAnchor                                   string // the organism's anchor, on its first listing
	Organism, Variant, Reference, Config, Score string
	Repeat                                      int
	Flagged                                     int // listed rows that are flagged
	Counts                                      string
	Rows                                        []htmlRow
}

// htmlHeadlineRow is a headline row with its link and shading.
type htmlHeadlineRow struct {
	headlineRow
	Href  template.URL
	Class string // yes (every measured variant detected), part, no, or ""
}

type htmlHeadline struct {
	Sentences []string
	Rows      []htmlHeadlineRow
}

// htmlLeakCell is a leak-map cell with the link to its listing.
type htmlLeakCell struct {
	overviewCell
	Href template.URL
}

type htmlLeakRow struct {
	Organism, Variant, Category string
	Cells                       []htmlLeakCell
}

type htmlLeak struct {
	References []string
	Rows       []htmlLeakRow
}

// htmlPage links one organism's page from report.html.
type htmlPage struct {
	Organism          string
	Href              template.URL
	File              string // path relative to the run directory
	Flagged, Listings int
	Pairs             []htmlPair
}

type htmlData struct {
	CSP, Title, RunID, Score string
	Entries, TopK            int
	TOC                      []tocLink
	Headline                 htmlHeadline
	Leak                     htmlLeak
	MultiRepeat              bool
	SummaryOpen              bool
	Header                   []string
	Rows                     [][]string
	Figures                  []htmlFigure
	Themes                   []themeRow
	Judges                   []judgeRow
	Notes                    []string
	Organisms, References    []string
	Pairs                    []htmlPair // inline listings (small runs)
	Pages                    []htmlPage // one page per organism (large runs)
	TotalRows                int
	Organism                 string // on an organism page
}

// OrganismPagesDir holds the per-organism pages of a large run's report.
const OrganismPagesDir = "report-organisms"

// DefaultOrganismPagesOver is Options.OrganismPagesOver when unset: a run
// with more listings than this (the full zoo has 198) gets one page per
// organism; a single page of them passed 3 MB and 16,000 px.
const DefaultOrganismPagesOver = 60

// htmlPages renders report.html and, for a large run, one page per
// organism (paths relative to the run directory). Model text reaches the
// pages only as template data, so html/template escapes it for its
// context; control characters and ANSI escapes are removed first.
func htmlReport(rn *run, rows []summaryRow, lists []listing, figs []figure, notes []string, opts Options) ([]byte, map[string][]byte, error) {
	d := htmlData{CSP: contentSecurityPolicy(), RunID: cleanText(rn.results.Run.ID, false), Score: rn.score, Entries: len(rn.entries), TopK: opts.TopK}
	d.Title = "ppldiff report: run " + d.RunID
	var best []summaryRow
	for _, l := range lists {
		best = append(best, l.Row)
		d.MultiRepeat = d.MultiRepeat || l.Row.Repeats > 1
	}
	split := opts.OrganismPagesOver >= 0 && len(lists) > opts.OrganismPagesOver
	// Where each organism's listings live: this page, or its own page.
	pageOf := func(org string) string {
		if !split {
			return ""
		}
		return OrganismPagesDir + "/" + safeID(org) + ".html"
	}
	pairHref := func(k groupKey) template.URL {
		return template.URL(pageOf(k.Organism) + "#" + pairID(k))
	}
	hl, err := buildHeadline(best)
	if err != nil {
		return nil, nil, err
	}
	d.Headline.Sentences = hl.Sentences
	for _, r := range hl.Rows {
		hr := htmlHeadlineRow{headlineRow: r}
		hr.Organism, hr.Category, hr.Reference = cleanText(r.Organism, false), cleanText(r.Category, false), cleanText(r.Reference, false)
		hr.Href = template.URL(pageOf(r.Organism) + "#" + orgID(r.Organism))
		switch {
		case r.Measured == 0 || r.Control:
		case r.Detected == r.Measured:
			hr.Class = "yes"
		case r.Detected > 0:
			hr.Class = "part"
		default:
			hr.Class = "no"
		}
		d.Headline.Rows = append(d.Headline.Rows, hr)
	}
	ov := cleanOverview(buildOverview(best))
	d.Leak.References = ov.References
	for _, r := range ov.Rows {
		lr := htmlLeakRow{Organism: r.Organism, Variant: r.Variant, Category: r.Category}
		for i, c := range r.Cells {
			hc := htmlLeakCell{overviewCell: c}
			if c.Config != "" {
				hc.Href = pairHref(groupKey{r.Organism, r.Variant, ov.References[i], c.Config})
			}
			lr.Cells = append(lr.Cells, hc)
		}
		d.Leak.Rows = append(d.Leak.Rows, lr)
	}
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
			Src: figureDataURL(f), Width: int(math.Round(f.W.Points() * 4 / 3)), Height: int(math.Round(f.H.Points() * 4 / 3)),
		})
	}
	d.Notes = notes
	orgs, refs := map[string]bool{}, map[string]bool{}
	pages := map[string]*htmlPage{}
	var pageOrder []string
	for _, l := range lists {
		k := l.Row.Key
		orgs[k.Organism], refs[k.Reference] = true, true
		p := htmlPair{
			ID: pairID(k), Organism: k.Organism, Variant: k.Variant, Reference: k.Reference, Config: k.Config, Repeat: l.Repeat, Score: rn.score,
			Counts: "count@10 " + formatMean(l.Row.CountAt10.Mean()) + ", count@100 " + formatMean(l.Row.CountAt100.Mean()) +
				", first hit " + formatFirstHit(l.Row.FirstHit, l.Row.Repeats) + " (over " + pluralRepeats(l.Row.Repeats) + "; listed: repeat " + strconv.Itoa(l.Repeat) + ")",
		}
		for _, s := range l.Samples {
			p.Rows = append(p.Rows, htmlRow{
				Rank: s.Rank, Score: formatNumber(s.ScoreValue), PPLFT: formatFloat(s.PPLFT), PPLRef: formatFloat(s.PPLRef),
				Flagged: s.Flagged, Matched: cleanText(strings.Join(s.Matched, ", "), false), Judge: judgeVerdict(s),
				Prefill: cleanText(s.Prefill, true), Segments: htmlSegments(segments(s.Completion, s.TokensFTLP, s.TokensRefLP, s.Matched)),
			})
			if s.Flagged {
				p.Flagged++
			}
		}
		pg := pages[k.Organism]
		if pg == nil {
			pg = &htmlPage{Organism: k.Organism, File: pageOf(k.Organism), Href: template.URL(pageOf(k.Organism))}
			pages[k.Organism] = pg
			pageOrder = append(pageOrder, k.Organism)
		}
		pg.Flagged += p.Flagged
		pg.Listings++
		// The first listing of an organism carries its anchor.
		if len(pg.Pairs) == 0 {
			p.OrgAnchor = orgID(k.Organism)
		}
		pg.Pairs = append(pg.Pairs, p)
		d.TotalRows += len(p.Rows)
	}
	d.Organisms, d.References = sortedKeys(orgs), sortedKeys(refs)
	d.TOC = []tocLink{{"#headline", "Headline"}, {"#leak-map", "Leak map"}}
	if d.Themes = rn.themes; len(d.Themes) > 0 {
		d.TOC = append(d.TOC, tocLink{"#themes", "Themes"})
	}
	if d.Judges = rn.judges; len(d.Judges) > 0 {
		d.TOC = append(d.TOC, tocLink{"#judge", "LLM judge"})
	}
	d.TOC = append(d.TOC, tocLink{"#summary", "Summary"})
	if len(figs) > 0 {
		d.TOC = append(d.TOC, tocLink{"#plots", "Plots"})
	}
	if len(notes) > 0 {
		d.TOC = append(d.TOC, tocLink{"#notes", "Notes"})
	}
	d.TOC = append(d.TOC, tocLink{"#completions", "Completions"})
	extra := map[string][]byte{}
	for _, org := range pageOrder {
		pg := pages[org]
		if !split {
			d.Pairs = append(d.Pairs, pg.Pairs...)
			continue
		}
		rowsOn := 0
		for _, p := range pg.Pairs {
			rowsOn += len(p.Rows)
		}
		od := d
		od.Title = "ppldiff report: " + cleanText(org, false) + ", run " + d.RunID
		od.Organism = cleanText(org, false)
		od.Pairs, od.Pages, od.TotalRows = pg.Pairs, nil, rowsOn
		od.Organisms = []string{org} // the page holds this one
		od.TOC = []tocLink{{"../report.html#headline", "Report"}, {"../report.html#leak-map", "Leak map"}}
		var b bytes.Buffer
		if err := organismTemplate.Execute(&b, od); err != nil {
			return nil, nil, err
		}
		extra[pg.File] = b.Bytes()
		pg.Pairs = nil
		d.Pages = append(d.Pages, *pg)
	}
	if split {
		d.TotalRows = 0
	}
	var b bytes.Buffer
	if err := reportTemplate.Execute(&b, d); err != nil {
		return nil, nil, err
	}
	return b.Bytes(), extra, nil
}

// htmlSegments cleans segment text and groups it into keyword and
// non-keyword runs.
func htmlSegments(segs []segment) []htmlSegment {
	var out []htmlSegment
	for _, sg := range segs {
		sg.Text = cleanText(sg.Text, true)
		if n := len(out); n > 0 && out[n-1].Keyword == sg.Keyword {
			out[n-1].Parts = append(out[n-1].Parts, sg)
			continue
		}
		out = append(out, htmlSegment{Keyword: sg.Keyword, Parts: []segment{sg}})
	}
	return out
}

// safeID turns a run's id (organism, variant, reference: any text) into an
// element id or file name: [A-Za-z0-9_.-] kept, anything else replaced,
// and then a short hash of the original added so two ids never collide.
func safeID(s string) string {
	var b strings.Builder
	changed := s == ""
	for _, r := range s {
		if r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.') && !(b.Len() == 0 && r == '.') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
			changed = true
		}
	}
	if changed {
		h := fnv.New32a()
		h.Write([]byte(s))
		fmt.Fprintf(&b, "-%08x", h.Sum32())
	}
	return b.String()
}

// pairID is the element id of an organism variant x reference listing.
func pairID(k groupKey) string {
	return "pair-" + safeID(k.Organism) + "--" + safeID(k.Variant) + "--" + safeID(k.Reference)
}

// orgID is the element id of an organism's first listing.
func orgID(org string) string { return "org-" + safeID(org) }

// maxFigurePx is the widest plot (CSS px) the page shows at its own size;
// plots are drawn narrower, so none is scaled down below readable labels.
const maxFigurePx = 1150

// summaryOpenRows is the largest summary table report.html shows expanded;
// a bigger one (a full zoo run has ~400 rows) starts collapsed under the
// leak map, which carries the same best-config counts.
const summaryOpenRows = 60

// figureDataURL inlines a plot as its PNG, shown at the plot's own size
// (the PNG has twice the pixels, sharp on dense screens). Not the SVG: it
// names its fonts without embedding them, and a browser's substitute font
// with other metrics made legend lines overlap. Both are our own renders
// and an <img> runs no script.
func figureDataURL(f figure) template.URL {
	if len(f.PNG) > 0 {
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
