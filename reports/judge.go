package reports

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ppldiff/ppldiff/harness/results"
)

// judgeRow is one judged ranking as the report shows it: the judge's
// counts beside the keyword detectors' and how far the two, and the
// judge's own samples, agree.
type judgeRow struct {
	Organism, Variant, Reference, Config string
	Repeat                               int
	Model                                string
	Judged                               string // "top 100 + 50 sampled below" or "all 296"
	Count10, Count100                    string // the judge's
	Keyword100                           string // the keyword detectors' count@100, "-" without them
	RateBelow                            string // the sampled flag rate below the top, or "-"
	KeywordAgreement                     string // observed agreement and Cohen's kappa, or "-"
	RepeatAgreement                      string // observed agreement and Fleiss' kappa, or "-"
	Invalid                              int
}

// judgeRows lists every entry of the report's score that a judge read.
func judgeRows(rn *run) []judgeRow {
	var rows []judgeRow
	for _, e := range rn.entries {
		j := e.Judge
		if j == nil {
			continue
		}
		r := judgeRow{Organism: cleanText(e.Organism, false), Variant: cleanText(e.Variant, false),
			Reference: cleanText(e.Reference, false), Config: cleanText(e.Config, false), Repeat: e.Repeat,
			Model: cleanText(j.Model, false), Count10: countText(j.CountAt10), Count100: countText(j.CountAt100),
			Keyword100: "-", RateBelow: "-", Invalid: j.Invalid}
		if j.Votes > 1 {
			r.Model += fmt.Sprintf(" (majority of %d)", j.Votes)
		}
		if j.TopK >= e.NCompletions {
			r.Judged = fmt.Sprintf("all %d", e.NCompletions)
		} else {
			r.Judged = fmt.Sprintf("top %d + %d sampled below", j.TopK, j.SampleBelow)
		}
		if j.FlagRateBelow != nil {
			r.RateBelow = fmt.Sprintf("%.1f%% (%d of %d)", 100**j.FlagRateBelow, j.SampleFlagged, j.SampleBelow)
		}
		if j.KeywordAgreement != nil {
			// The entry's own counts are the keywords' when the judge's
			// are compared with them.
			r.Keyword100 = countText(e.CountAt100)
			r.KeywordAgreement = agreementText(j.KeywordAgreement, j.KeywordKappa, "Cohen")
		} else {
			r.KeywordAgreement = "-"
		}
		r.RepeatAgreement = "-"
		if j.RepeatAgreement != nil {
			r.RepeatAgreement = agreementText(j.RepeatAgreement, j.RepeatKappa, "Fleiss")
		}
		rows = append(rows, r)
	}
	return rows
}

func countText(v *int) string {
	if v == nil {
		return "-"
	}
	return strconv.Itoa(*v)
}

func agreementText(observed, kappa *float64, kind string) string {
	s := fmt.Sprintf("%.0f%% agree", 100**observed)
	if kappa != nil {
		return s + fmt.Sprintf(", %s's kappa %.2f", kind, *kappa)
	}
	return s + ", kappa undefined (one label throughout)"
}

// judgeVerdict is a listed completion's verdict: "label: reason", or ""
// when the judge did not read it. Sanitised; the caller escapes.
func judgeVerdict(s results.Sample) string {
	if s.Judge == nil {
		return ""
	}
	label := s.Judge.Label
	if label == "" {
		label = "no valid answer"
	}
	if len(s.Judge.Votes) > 1 {
		label += " (" + strings.Join(s.Judge.Votes, ", ") + ")"
	}
	if s.Judge.Reason != "" {
		label += ": " + s.Judge.Reason
	}
	return cleanText(label, false)
}

// judgeIntro says what the judge section shows (both formats).
const judgeIntro = "An LLM judge read each ranking's top k and a random sample below it. Counts are the judge's; where the organism has keyword detectors too, the agreement column compares the two over the judged completions (Cohen's kappa), and a judge that draws several samples per completion is compared with itself (Fleiss' kappa)."
