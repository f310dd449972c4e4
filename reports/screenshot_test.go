package reports

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// probeScript measures a loaded report for the test: where the headline
// ends, and which of the page's links have no target on the page. It runs
// only in a test copy of the page (whose CSP is removed), never in a
// report.
const probeScript = `<script>
(function () {
  var b = document.body;
  var hl = document.querySelector('#headline table.headline tbody tr');
  var verdict = document.querySelector('#headline .verdict');
  b.setAttribute('data-viewport', String(window.innerHeight));
  b.setAttribute('data-verdict-bottom', verdict ? String(Math.round(verdict.getBoundingClientRect().bottom)) : 'none');
  b.setAttribute('data-first-row-bottom', hl ? String(Math.round(hl.getBoundingClientRect().bottom)) : 'none');
  var links = document.querySelectorAll('a[href]'), missing = [], away = [];
  for (var i = 0; i < links.length; i++) {
    var h = links[i].getAttribute('href');
    if (h.charAt(0) === '#') {
      if (!document.getElementById(decodeURIComponent(h.slice(1)))) { missing.push(h); }
    } else {
      away.push(h);
    }
  }
  b.setAttribute('data-links', String(links.length));
  b.setAttribute('data-missing', missing.join(' '));
  b.setAttribute('data-away', away.join(' '));
})();
</script>`

// probe writes a copy of page with the probe and returns the DOM
// attributes it set, loaded at 1280 x 800.
func probe(t *testing.T, page string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	html := regexp.MustCompile(`<meta http-equiv="Content-Security-Policy"[^>]*>`).ReplaceAllString(string(b), "")
	html = strings.Replace(html, "</body>", probeScript+"</body>", 1)
	cp := filepath.Join(filepath.Dir(page), "probe-"+filepath.Base(page))
	if err := os.WriteFile(cp, []byte(html), 0o644); err != nil {
		t.Fatal(err)
	}
	dom := chromiumDOM(t, cp, "--window-size=1280,800")
	body := regexp.MustCompile(`<body[^>]*>`).FindString(dom)
	attrs := map[string]string{}
	for _, m := range regexp.MustCompile(`data-([a-z-]+)="([^"]*)"`).FindAllStringSubmatch(body, -1) {
		attrs[m[1]] = m[2]
	}
	if attrs["script"] != "ran" || attrs["links"] == "" {
		t.Fatalf("scripts did not run: body %s", body)
	}
	return attrs
}

// TestReportInChromium loads report.html of the fixture in headless
// Chromium at 1280 x 800: the headline's verdict and its table's first row
// are on the first screen, and every link of the TOC, headline and leak
// map finds its target (on the page, or on an organism page). A screenshot
// of the first screen is taken too (kept in $PPLDIFF_SCREENSHOT_DIR when
// set, to look at).
func TestReportInChromium(t *testing.T) {
	for _, split := range []bool{false, true} {
		dir := copyFixture(t)
		opts := Options{OrganismPagesOver: -1}
		if split {
			opts.OrganismPagesOver = 1
		}
		w, err := Write(dir, opts)
		if err != nil {
			t.Fatal(err)
		}
		if split != (len(w.Pages) == len(fixtureOrganisms)) {
			t.Fatalf("split=%v but %d organism pages", split, len(w.Pages))
		}
		a := probe(t, w.HTML)
		vp, _ := strconv.Atoi(a["viewport"])
		for _, k := range []string{"verdict-bottom", "first-row-bottom"} {
			v, err := strconv.Atoi(a[k])
			if err != nil || v <= 0 || v > vp {
				t.Errorf("split=%v: %s = %q, want within the first screen (%d px)", split, k, a[k], vp)
			}
		}
		if a["missing"] != "" {
			t.Errorf("split=%v: links without a target: %s", split, a["missing"])
		}
		away := strings.Fields(a["away"])
		if split != (len(away) > 0) {
			t.Errorf("split=%v: %d links to other pages", split, len(away))
		}
		for _, h := range away {
			file, id, _ := strings.Cut(h, "#")
			page, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(file)))
			if err != nil {
				t.Errorf("link %s: %v", h, err)
				continue
			}
			if id != "" && !bytes.Contains(page, []byte(`id="`+id+`"`)) {
				t.Errorf("link %s: %s has no element %s", h, file, id)
			}
		}
		if split {
			// An organism page's own links go back to the report.
			a := probe(t, w.Pages[0])
			if a["missing"] != "" || !strings.Contains(a["away"], "../report.html#headline") {
				t.Errorf("organism page links: missing %q, away %q", a["missing"], a["away"])
			}
		}
	}
	dir := copyFixture(t)
	w, err := Write(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(t.TempDir(), "report.png")
	if d := os.Getenv("PPLDIFF_SCREENSHOT_DIR"); d != "" {
		shot = filepath.Join(d, "report.png")
	}
	chromium(t, w.HTML, "--window-size=1280,800", "--hide-scrollbars", "--screenshot="+shot)
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 1280 || b.Dy() != 800 {
		t.Errorf("screenshot is %v, want 1280 x 800", b)
	}
}
