package metrics

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"
)

// syntheticRun draws one run from the coverage generator: prefills prefills,
// each the cluster of perPrefill completions. A prefill has a latent
// u ~ N(0,1) that both raises its completions' chance to be flagged
// (logistic(-1.5 + 1.2u)) and their score (score = flag + 0.8u + N(0,1)),
// so flags are correlated within a cluster and with the rank, as in real
// runs where some prefills lead the finetune to its objective. The ranking
// is by score descending.
func syntheticRun(rng *rand.Rand, prefills, perPrefill int) Ranking {
	type completion struct {
		score   float64
		flagged bool
		cluster string
	}
	cs := make([]completion, 0, prefills*perPrefill)
	for p := range prefills {
		u := rng.NormFloat64()
		for range perPrefill {
			f := rng.Float64() < 1/(1+math.Exp(1.5-1.2*u))
			s := 0.8*u + rng.NormFloat64()
			if f {
				s++
			}
			cs = append(cs, completion{s, f, clusterName(p)})
		}
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].score > cs[j].score })
	var r Ranking
	for _, c := range cs {
		r.Flagged = append(r.Flagged, c.flagged)
		r.Cluster = append(r.Cluster, c.cluster)
	}
	return r
}

func clusterName(p int) string { return string(rune('A'+p/26)) + string(rune('a'+p%26)) }

// TestClusteredBootstrapCoverage checks that the 95% clustered percentile
// interval of count@k covers its estimand in 92-98% of replications.
//
// Estimand: the expected count@10 of a run of 40 prefills x 3 completions
// from syntheticRun, computed by Monte Carlo over 20,000 independent runs
// (its standard error, about 0.015, is small next to the intervals' width of
// several units). Replications: 1,000 runs on another seed, each with its
// own interval. B is 400 here, not 2000: the coverage of a percentile
// interval barely depends on B beyond a few hundred (B only adds Monte Carlo
// noise to the endpoints), and B=2000 would make this test five times
// slower on the shared 2-core machine.
func TestClusteredBootstrapCoverage(t *testing.T) {
	const (
		prefills, perPrefill, k = 40, 3, 10
		truthRuns               = 20000
		replications            = 1000
	)
	truthRNG := rand.New(rand.NewPCG(2024, 1))
	var sum float64
	for range truthRuns {
		sum += float64(CountAt(syntheticRun(truthRNG, prefills, perPrefill).Flagged, k))
	}
	truth := sum / truthRuns

	rng := rand.New(rand.NewPCG(7, 7))
	covered := 0
	for rep := range replications {
		r := syntheticRun(rng, prefills, perPrefill)
		e, err := BootstrapCountAt([]Ranking{r}, k, BootstrapOptions{Replicates: 400, Seed: uint64(rep)})
		if err != nil {
			t.Fatal(err)
		}
		if e.CI.Contains(truth) {
			covered++
		}
	}
	coverage := float64(covered) / replications
	t.Logf("estimand E[count@%d] = %.3f; coverage of the 95%% interval: %.3f over %d replications", k, truth, coverage, replications)
	if coverage < 0.92 || coverage > 0.98 {
		t.Errorf("coverage %.3f outside [0.92, 0.98]", coverage)
	}
}
