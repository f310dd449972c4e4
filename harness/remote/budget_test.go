package remote

import (
	"math/rand/v2"
	"testing"
)

func TestRetryBudget(t *testing.T) {
	const maxRate = 0.5
	// A server failing one attempt in five, at random, stays within budget
	// over 100,000 attempts.
	var b retryBudget
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 100_000 {
		b.record(rng.Float64() < 0.2)
		if !b.allow(maxRate) {
			t.Fatalf("attempt %d: 20%% failures exhausted the budget (rate %.2f)", i, b.rate())
		}
	}
	// Then it dies: the budget runs out within a few dozen attempts.
	died := 0
	for b.allow(maxRate) {
		b.record(true)
		died++
		if died > 200 {
			t.Fatalf("still retrying after %d failures in a row (rate %.2f)", died, b.rate())
		}
	}
	if died < 32 {
		t.Fatalf("gave up after %d failures: too eager", died)
	}
	// Before anything is known (warm-up), retries are allowed.
	var fresh retryBudget
	for range budgetWarmup - 1 {
		fresh.record(true)
	}
	if !fresh.allow(maxRate) {
		t.Fatal("the warm-up must allow retries")
	}
	t.Logf("a dead server is given up on after %d failed attempts", died)
}

// TestRetryBudgetSurvivesABurst: a burst of failures as long as a full
// round of requests in flight (16 per endpoint by default, twice over)
// does not stop the retries of a healthy server.
func TestRetryBudgetSurvivesABurst(t *testing.T) {
	var b retryBudget
	for range 1000 {
		b.record(false)
	}
	for range 32 {
		b.record(true)
	}
	if !b.allow(0.5) {
		t.Fatalf("32 failures after 1000 successes exhausted the budget (rate %.2f)", b.rate())
	}
}
