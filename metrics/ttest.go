package metrics

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

// WelchDiff compares two samples (e.g. per-repeat counts) by Welch's
// t-test: Delta = mean(b) - mean(a), its standard error
// sqrt(var(a)/n_a + var(b)/n_b) with unbiased variances, a two-sided
// p-value and a t interval at level, with the Welch-Satterthwaite degrees
// of freedom. Both samples need at least two values. Without any spread
// the interval is the point and P is 0 for a change, 1 for none.
func WelchDiff(a, b []float64, level float64) Difference {
	ma, va := stat.MeanVariance(a, nil)
	mb, vb := stat.MeanVariance(b, nil)
	na, nb := float64(len(a)), float64(len(b))
	qa, qb := va/na, vb/nb
	se := math.Sqrt(qa + qb)
	d := Difference{A: ma, B: mb, Delta: mb - ma, SE: se, Level: level}
	if se == 0 {
		d.CI = Interval{Lo: d.Delta, Hi: d.Delta}
		d.P = 1
		if d.Delta != 0 {
			d.P = 0
		}
		d.Warnings = append(d.Warnings, "no spread over repeats")
		return d
	}
	df := (qa + qb) * (qa + qb) / (qa*qa/(na-1) + qb*qb/(nb-1))
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}
	q := t.Quantile(1 - (1-level)/2)
	d.CI = Interval{Lo: d.Delta - q*se, Hi: d.Delta + q*se}
	d.P = 2 * t.CDF(-math.Abs(d.Delta)/se)
	if len(a) < 5 || len(b) < 5 {
		d.Warnings = append(d.Warnings, fmt.Sprintf("only %d and %d repeats", len(a), len(b)))
	}
	return d
}

// TInterval is the standard error of the mean of x (sample standard
// deviation / sqrt(n)) and its Student t interval at level, n-1 degrees of
// freedom. x needs at least two values.
func TInterval(x []float64, level float64) (se float64, ci Interval) {
	n := float64(len(x))
	mean, sd := stat.MeanStdDev(x, nil)
	se = sd / math.Sqrt(n)
	q := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: n - 1}.Quantile(1 - (1-level)/2)
	return se, Interval{Lo: mean - q*se, Hi: mean + q*se}
}

// CountSide is one side of a count@k comparison: the mean count over its
// repeats, the number of repeats, and the estimated standard error of the
// mean (a bootstrap's or the repeats' spread), nil when there is none.
type CountSide struct {
	Mean    float64
	Repeats int
	SE      *float64
}

// PooledCountSE is the standard error of b.Mean - a.Mean when both sides
// draw from one distribution (the null hypothesis of a change test),
// quasi-binomial: a side's variance is phi * k p (1-p) / R at the pooled
// rate p (the repeat-weighted mean of the sides' count/k), where R is its
// number of repeats and phi the ratio of the sides' estimated variances
// (SE^2) to their binomial variances at their own rates (1 when no side has
// an estimate carrying information). A side with no flags within k has a
// bootstrap SE of 0; here it still gets the variance of the pooled rate.
func PooledCountSE(k int, a, b CountSide) float64 {
	kf := float64(k)
	binomial := func(mean float64, repeats int) float64 {
		p := min(max(mean/kf, 0), 1)
		return kf * p * (1 - p) / float64(max(repeats, 1))
	}
	var estimated, model float64
	for _, s := range []CountSide{a, b} {
		if s.SE != nil {
			estimated += *s.SE * *s.SE
			model += binomial(s.Mean, s.Repeats)
		}
	}
	phi := 1.0
	if estimated > 0 && model > 0 {
		phi = estimated / model
	}
	ra, rb := float64(a.Repeats), float64(b.Repeats)
	pooled := a.Mean
	if ra+rb > 0 {
		pooled = (ra*a.Mean + rb*b.Mean) / (ra + rb)
	}
	return math.Sqrt(phi * (binomial(pooled, a.Repeats) + binomial(pooled, b.Repeats)))
}

// NormalUpperTail is P(Z >= z) for a standard normal Z: the one-sided
// p-value of a z statistic (double it, at |z|, for a two-sided one).
func NormalUpperTail(z float64) float64 { return distuv.UnitNormal.Survival(z) }
