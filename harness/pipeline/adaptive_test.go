package pipeline

import (
	"slices"
	"testing"

	"github.com/ppldiff/ppldiff/metrics"
)

// fakeAdaptiveUnit is a unit of config name whose pilot (its first m
// prefills) flags the completions listed, with one reference "ref".
func fakeAdaptiveUnit(name string, m int, flagged ...int) *aUnit {
	au := &aUnit{u: &Unit{Prefill: PrefillConfig{Name: name}}, order: make([]int, 4*m), m: m,
		comps: make([]*completion, 4*m), flagged: make([]bool, 4*m), refs: map[string]*aRef{"ref": {m: m}}}
	for i := range au.order {
		au.order[i] = i
		au.comps[i] = &completion{kept: true}
	}
	for _, i := range flagged {
		au.flagged[i] = true
	}
	return au
}

// The pilot sets aside a config with no flag when another has one; a pair
// the picked config leaves undetected at the full budget takes the set-aside
// config up again, and a detection there decides it.
func TestAdaptivePickAndResume(t *testing.T) {
	leaky := fakeAdaptiveUnit("zoo-chat", 4, 2)
	quiet := fakeAdaptiveUnit("zoo-raw", 4)
	aus := []*aUnit{leaky, quiet}
	pr := &aPair{}
	pr.Reference = "ref"
	pickConfigs(aus, []*aPair{pr})
	if !quiet.dropped || leaky.dropped || !slices.Equal(pr.Picked, []string{"zoo-chat"}) {
		t.Fatalf("after the pilot: picked %v, quiet dropped %v, leaky dropped %v", pr.Picked, quiet.dropped, leaky.dropped)
	}
	// The picked config's pilot flag was below its ranking's top quantile:
	// undecided, so nothing to resume yet.
	leaky.refs["ref"].dec = metrics.CountDecision{Top: 1}
	if decidePair(aus, pr) || pr.done || pr.FirstDetection != nil {
		t.Fatalf("undecided look: resume or decision %+v", pr)
	}
	// At the full budget with count 0: the set-aside config must resume.
	leaky.refs["ref"].dec = metrics.CountDecision{Top: 100, Decided: true}
	if !decidePair(aus, pr) || pr.done {
		t.Fatalf("picked config decided no leak with a config set aside: want resume, got %+v", pr)
	}
	quiet.dropped = false
	quiet.refs["ref"].dec = metrics.CountDecision{Top: 2, Flagged: 2, Detected: true, Decided: true, Leaks: true, Low: 3, High: 90}
	quiet.refs["ref"].m = 8
	if decidePair(aus, pr) || !pr.done || pr.Decision != "leaks" || pr.Decided.Config != "zoo-raw" || pr.Decided.Prefills != 8 ||
		pr.FirstDetection == nil || pr.FirstDetection.Config != "zoo-raw" || pr.CountLow != 3 {
		t.Fatalf("resumed config detects: %+v", pr)
	}
	// With no config set aside, the picked configs' no-leak decides.
	solo := fakeAdaptiveUnit("zoo-raw", 4)
	solo.refs["ref"].dec = metrics.CountDecision{Top: 100, Decided: true}
	pr2 := &aPair{}
	pr2.Reference = "ref"
	pickConfigs([]*aUnit{solo}, []*aPair{pr2})
	if decidePair([]*aUnit{solo}, pr2) || !pr2.done || pr2.Decision != "no_leak" {
		t.Fatalf("no leak anywhere: %+v", pr2)
	}
}
