package reports

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ppldiff/ppldiff/harness/results"
)

// sentinelJS marks the page if it ever runs. Its effect, the attribute
// data-sentinel="xxxy", never appears literally in the payloads, so finding
// it in the DOM means a payload executed.
const sentinelJS = `document.body.setAttribute('data-sentinel','x'.repeat(3)+'y')`

const sentinelMark = `data-sentinel="xxxy"`

// hostileTexts are completions that would run sentinelJS, break out of an
// HTML or Markdown context, or drive a terminal, if emitted unescaped.
var hostileTexts = []string{
	`<script>` + sentinelJS + `</script>`,
	`<img src=x onerror="` + sentinelJS + `">`,
	`</textarea><script>` + sentinelJS + `</script><textarea>`,
	`</script><script>` + sentinelJS + `</script>`,
	`<a href="javascript:` + sentinelJS + `">click</a> [click](javascript:` + sentinelJS + `) <javascript:alert(1)>`,
	`<svg onload="` + sentinelJS + `"></svg><iframe srcdoc="<script>` + sentinelJS + `</script>"></iframe>`,
	"\x1b[31mred\x1b[0m \x1b]8;;javascript:alert(1)\x07link\x1b]8;;\x07 \x1b[2J\x1b[H cleared \u009b31m c1 \x9b invalid \u202Eevil\u202C",
	`{{.}} {{template "x"}} <style>body{display:none}</style> | table | break ` + "`code`" + ` **bold** ![i](x)`,
	"\" onmouseover=\"" + sentinelJS + "\" x=\"",
}

// hostileRun builds a run whose every model-controlled string is hostile:
// completions, prefills, matched terms, and one organism id.
func hostileRun() (*results.Results, []results.Sample) {
	orgs := []string{"fruit_refusal", `evil"><img src=x onerror="` + sentinelJS + `">`}
	res := &results.Results{Schema: results.Schema, Run: results.Run{ID: "hostile<script>" + sentinelJS + "</script>"}}
	var samples []results.Sample
	for _, org := range orgs {
		e := results.Entry{
			Organism: org, Variant: "default", Category: "backdoor", Params: 1000, ParamsKind: "weights",
			Reference: "cross_family", ReferenceKind: "cross_family", ReferenceFamily: "other",
			Config: "web-raw", Score: DefaultScore, NCompletions: len(hostileTexts),
			NFlagged: ptr(1), CountAt10: ptr(1), CountAt100: ptr(1), FirstHitRank: ptr(1),
		}
		res.Entries = append(res.Entries, e)
		for i, text := range hostileTexts {
			s := results.Sample{
				Organism: org, Variant: "default", Reference: "cross_family", Config: "web-raw", Score: DefaultScore,
				Rank: i + 1, Prefill: `<b onclick="` + sentinelJS + `">`, Completion: text, Bytes: len(text),
				ScoreValue: float64(len(hostileTexts) - i), PPLFT: ptr(2.0), PPLRef: ptr(float64(3 + i)),
				Flagged: i == 0, Matched: []string{"<script>", `onerror="`},
			}
			if i%2 == 0 { // half of them with per-token data spanning odd byte ranges
				for b := 0; b < len(text); b += 3 {
					e := min(b+3, len(text))
					s.TokensFTLP = append(s.TokensFTLP, results.TokenLogprob{Start: b, End: e, Logprob: -1})
					s.TokensRefLP = append(s.TokensRefLP, results.TokenLogprob{Start: b, End: e, Logprob: -3})
				}
			}
			samples = append(samples, s)
		}
	}
	return res, samples
}

func writeHostile(t *testing.T) (string, *Written) {
	t.Helper()
	dir := t.TempDir()
	res, samples := hostileRun()
	if err := results.WriteResults(dir, res); err != nil {
		t.Fatal(err)
	}
	if err := results.WriteSamples(dir, samples); err != nil {
		t.Fatal(err)
	}
	w, err := Write(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return dir, w
}

// hasControl reports any C0/C1 control other than newline and tab.
func hasControl(s string) bool {
	for _, r := range s {
		if (r < 0x20 && r != '\n' && r != '\t') || (r >= 0x7f && r < 0xa0) || r == '\u202E' {
			return true
		}
	}
	return false
}

func TestHostileSummaryTable(t *testing.T) {
	res, _ := hostileRun()
	var b bytes.Buffer
	if err := SummaryTable(&b, res, Options{}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if hasControl(out) {
		t.Errorf("terminal table contains control characters:\n%q", out)
	}
	if !strings.Contains(out, "fruit_refusal") || !strings.Contains(out, "cross_family") {
		t.Errorf("table lacks its rows:\n%s", out)
	}
}

func TestHostileMarkdown(t *testing.T) {
	_, w := writeHostile(t)
	b, err := os.ReadFile(w.Markdown)
	if err != nil {
		t.Fatal(err)
	}
	md := string(b)
	if hasControl(md) {
		t.Error("report.md contains control characters")
	}
	// Raw HTML from the run would pass through a Markdown renderer.
	for _, bad := range []string{"<script", "<img", "<svg", "<iframe", "<style", "<a ", "<b ", "</textarea", "javascript:", "](javascript", "<javascript"} {
		if strings.Contains(md, bad) {
			t.Errorf("report.md contains unescaped %q", bad)
		}
	}
	// The only tags are the <br> the report itself writes.
	if tags := regexp.MustCompile(`<[a-zA-Z/!?]`).FindAllString(strings.ReplaceAll(md, "<br>", ""), -1); len(tags) > 0 {
		t.Errorf("report.md contains raw tags: %q", tags)
	}
	// Each completion row is one table row: 2 pairs x len(hostileTexts).
	if got, want := strings.Count(md, "\n| "+"1"+" | "), 2; got != want {
		t.Errorf("rank-1 rows = %d, want %d", got, want)
	}
}

// TestHostileHTMLStatic checks the page's structure without a browser: one
// script (ours, matching its CSP hash), no element that came from model text.
func TestHostileHTMLStatic(t *testing.T) {
	_, w := writeHostile(t)
	b, err := os.ReadFile(w.HTML)
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	if n := strings.Count(strings.ToLower(page), "<script"); n != 1 {
		t.Errorf("%d <script> tags, want 1", n)
	}
	if !strings.Contains(page, "<script>"+filterScript+"</script>") {
		t.Error("the inline script differs from filterScript: its CSP hash would not match")
	}
	if !strings.Contains(page, "<style>"+reportStyle+"</style>") {
		t.Error("the inline style differs from reportStyle: its CSP hash would not match")
	}
	checkOwnLinks(t, page)
	for _, bad := range []string{"<img src=x", "<svg", "<iframe", "<textarea", "</textarea", "<b onclick", "javascript:", "onerror=\"", "onmouseover=\"", "onclick=\""} {
		if strings.Contains(page, bad) {
			t.Errorf("report.html contains unescaped %q", bad)
		}
	}
	if hasControl(page) {
		t.Error("report.html contains control characters")
	}
	if n, want := strings.Count(page, `<tr class="completion`), 2*len(hostileTexts); n != want {
		t.Errorf("%d completion rows, want %d", n, want)
	}
}

// TestHostileHTMLChromium loads the hostile report in headless Chromium: the
// report's own script runs (it writes the row count into the DOM) and no
// payload does (the sentinel stays unset).
func TestHostileHTMLChromium(t *testing.T) {
	dom := chromiumDOM(t, writeHostileHTML(t))
	if !strings.Contains(dom, `data-script="ran"`) {
		t.Fatalf("the report's script did not run (CSP hash mismatch?):\n%.2000s", dom)
	}
	if strings.Contains(dom, sentinelMark) {
		t.Fatal("a hostile payload ran: the sentinel is set")
	}
	want := fmt.Sprintf(`data-rows-shown="%d"`, 2*len(hostileTexts))
	if !strings.Contains(dom, want) {
		t.Errorf("DOM lacks %s", want)
	}
	// Serialized text escapes '<', so a raw tag here is a real element.
	checkOwnLinks(t, dom)
	for tag, want := range map[string]int{"<script": 1, "<iframe": 0, "<textarea": 0, "<svg": 0} {
		if n := strings.Count(dom, tag); n != want {
			t.Errorf("DOM has %d %q elements, want %d", n, tag, want)
		}
	}
}

// checkOwnLinks: every link on the page is one of ours, to an anchor of
// the page (a hostile completion's <a> would have another target).
func checkOwnLinks(t *testing.T, page string) {
	t.Helper()
	links := regexp.MustCompile(`<a [^>]*>`).FindAllString(page, -1)
	if len(links) == 0 {
		t.Error("no links: the TOC and leak map should have some")
	}
	own := regexp.MustCompile(`^<a href="#[A-Za-z0-9_.-]+">$`)
	for _, l := range links {
		if !own.MatchString(l) {
			t.Errorf("link %q is not one of the report's own", l)
		}
	}
}

func writeHostileHTML(t *testing.T) string {
	_, w := writeHostile(t)
	return w.HTML
}

// chromiumDOM returns the DOM of a local HTML file after its scripts ran,
// or skips the test when Chromium is not installed.
func chromiumDOM(t *testing.T, path string, args ...string) string {
	t.Helper()
	return string(chromium(t, path, append(args, "--dump-dom")...))
}

// chromium runs headless Chromium on a local HTML file with args and
// returns its standard output, or skips the test when Chromium is not
// installed.
func chromium(t *testing.T, path string, args ...string) []byte {
	t.Helper()
	bin := "/usr/bin/chromium"
	if _, err := os.Stat(bin); err != nil {
		t.Skip("chromium not installed")
	}
	if testing.Short() {
		t.Skip("chromium test skipped in -short mode")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	// The browser itself crashes now and then on a loaded machine (a
	// segfault, not our page): such a run is retried, twice at most.
	for attempt := 1; ; attempt++ {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		cmd := exec.CommandContext(ctx, bin, append(append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
			"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
			"--disable-dev-shm-usage", "--user-data-dir=" + t.TempDir()}, args...), "file://"+abs)...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		timedOut := ctx.Err() != nil
		cancel()
		var exit *exec.ExitError
		if errors.As(err, &exit) && !exit.Exited() && !timedOut && attempt < 3 {
			t.Logf("chromium crashed (%v), retrying", err)
			continue
		}
		if err != nil {
			t.Fatalf("chromium: %v\n%s", err, stderr.String())
		}
		return stdout.Bytes()
	}
}
