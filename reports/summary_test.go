package reports

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ppldiff/ppldiff/harness/results"
)

func TestSummarizeAggregatesRepeats(t *testing.T) {
	e := func(cfg string, rep, flagged, c10, c100 int, first *int) results.Entry {
		return results.Entry{Organism: "o", Variant: "v", Reference: "r", Config: cfg, Repeat: rep, Score: DefaultScore,
			NCompletions: 100, NFlagged: ptr(flagged), CountAt10: ptr(c10), CountAt100: ptr(c100), FirstHitRank: first}
	}
	rows := summarize([]results.Entry{
		e("web-raw", 0, 4, 1, 3, ptr(7)), e("web-raw", 1, 0, 0, 0, nil), e("web-raw", 2, 5, 2, 4, ptr(3)),
		e("web-chat", 0, 9, 5, 9, ptr(1)),
	})
	if len(rows) != 2 || rows[0].Key.Config != "web-chat" || rows[1].Repeats != 3 {
		t.Fatalf("rows %+v", rows)
	}
	// web-raw by hand: n_flagged (4+0+5)/3 = 3, count@10 1, count@100 7/3, first hit median(7,3) = 5, 2 of 3 repeats.
	_, cells := summaryCells(rows)
	got := strings.Join(cells[1][4:], ",")
	if want := "3,100,3,1,2.3,5 (2/3 repeats)"; got != want {
		t.Errorf("web-raw cells %s, want %s", got, want)
	}
	best := bestConfigs(rows)
	if len(best) != 1 || best[0].Key.Config != "web-chat" {
		t.Errorf("best config %+v, want web-chat", best)
	}
}

func TestSummaryTablePublishedAndNulls(t *testing.T) {
	res := &results.Results{Schema: results.Schema, Entries: []results.Entry{
		{Organism: "judged", Variant: "default", Reference: "r", Config: "c", Score: DefaultScore, NCompletions: 50}, // null counts
		{Organism: "leaky", Variant: "default", Reference: "r", Config: "c", Score: DefaultScore, NCompletions: 50,
			NFlagged: ptr(3), CountAt10: ptr(2), CountAt100: ptr(3), FirstHitRank: ptr(2),
			Published: &results.Published{CountAt10: ptr(4.0), CountAt100: ptr(17.5), Config: "best"}, PublishedFirstHitRank: ptr(1)},
		{Organism: "leaky", Variant: "default", Reference: "r", Config: "c", Score: "bpb_diff", NCompletions: 50},
	}}
	var b bytes.Buffer
	if err := SummaryTable(&b, res, Options{}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	lines := strings.Split(out, "\n")
	var judged, leaky string
	for _, l := range lines {
		if strings.Contains(l, "judged") {
			judged = l
		}
		if strings.Contains(l, "leaky") {
			leaky = l
		}
	}
	if strings.Count(out, "leaky") != 1 {
		t.Errorf("the bpb_diff entry leaked into the ppl_diff table:\n%s", out)
	}
	if !strings.Contains(out, "published count@100") || !strings.Contains(leaky, "17.5 (best)") {
		t.Errorf("published numbers missing:\n%s", out)
	}
	if strings.Count(judged, " - ") < 4 || strings.Contains(judged, " 0 ") {
		t.Errorf("null counts must print as -, never 0: %q", judged)
	}
	if err := SummaryTable(&b, res, Options{Score: "nope"}); err == nil {
		t.Error("unknown score: want an error")
	}
}
