//! Statistics over repeated timings, as hyperfine reports them, and the
//! scaling metrics: speedup, efficiency and the Karp-Flatt serial fraction;
//! and Welch's t-test with the Student-t distribution it needs, for
//! comparing two sets of repetitions.
//!
//! It imports nothing from the crate.

use serde::{Deserialize, Serialize};

/// Median, mean, spread and outliers of a set of timings (seconds).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
pub struct Summary {
    /// The median.
    pub median: f64,
    /// The mean.
    pub mean: f64,
    /// Sample standard deviation; `None` for a single timing.
    pub stddev: Option<f64>,
    /// Smallest.
    pub min: f64,
    /// Largest.
    pub max: f64,
    /// Indices of outliers by the modified Z-score (|Mi| > 3.5).
    pub outliers: Vec<usize>,
}

/// The median of `xs` (mean of the two middle values for an even count); 0 for none.
pub fn median(xs: &[f64]) -> f64 {
    if xs.is_empty() {
        return 0.0;
    }
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    if v.len() % 2 == 1 { v[m] } else { (v[m - 1] + v[m]) / 2.0 }
}

impl Summary {
    /// Summarises `times`.
    ///
    /// # Examples
    /// ```
    /// let s = scalescope::stats::Summary::of(&[1.0, 1.1, 0.9, 1.0, 5.0]);
    /// assert_eq!(s.median, 1.0);
    /// assert_eq!(s.outliers, vec![4]);
    /// assert!(scalescope::stats::Summary::of(&[2.0]).stddev.is_none());
    /// ```
    pub fn of(times: &[f64]) -> Self {
        if times.is_empty() {
            return Summary::default();
        }
        let n = times.len() as f64;
        let mean = times.iter().sum::<f64>() / n;
        let stddev = (times.len() > 1).then(|| (times.iter().map(|t| (t - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt());
        let med = median(times);
        let deviations: Vec<f64> = times.iter().map(|t| (t - med).abs()).collect();
        let mad = median(&deviations);
        let outliers = if mad > 0.0 {
            times.iter().enumerate().filter(|(_, t)| (0.6745 * (*t - med) / mad).abs() > 3.5).map(|(i, _)| i).collect()
        } else {
            Vec::new()
        };
        Summary {
            median: med,
            mean,
            stddev,
            min: times.iter().copied().fold(f64::INFINITY, f64::min),
            max: times.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            outliers,
        }
    }
}

/// `S(p) = T_seq / T_p`.
pub fn speedup(t_seq: f64, t_p: f64) -> f64 {
    if t_p > 0.0 { t_seq / t_p } else { 0.0 }
}

/// `E(p) = S(p) / p`.
pub fn efficiency(speedup: f64, p: usize) -> f64 {
    speedup / p.max(1) as f64
}

/// Karp-Flatt experimentally determined serial fraction,
/// `e = (1/S - 1/p) / (1 - 1/p)`; `None` for `p <= 1`.
///
/// # Examples
/// ```
/// use scalescope::stats::karp_flatt;
/// assert_eq!(karp_flatt(2.0, 2), Some(0.0));
/// assert!(karp_flatt(1.0, 1).is_none());
/// assert!((karp_flatt(1.0, 2).unwrap() - 1.0).abs() < 1e-12);
/// ```
pub fn karp_flatt(speedup: f64, p: usize) -> Option<f64> {
    if p <= 1 || speedup <= 0.0 {
        return None;
    }
    let p = p as f64;
    Some((1.0 / speedup - 1.0 / p) / (1.0 - 1.0 / p))
}

/// Welch's t-test of two samples whose variances may differ: the
/// difference of their means, its standard error, the Welch-Satterthwaite
/// degrees of freedom, the t statistic and the two-sided p-value.
///
/// Two samples that do not vary at all have a standard error of 0: equal
/// means then give p = 1, different means p = 0, and the interval is the
/// difference itself.
///
/// # Examples
/// ```
/// use scalescope::stats::Welch;
/// let w = Welch::of(&[10.0, 11.0, 12.0], &[1.0, 2.0, 3.0]).unwrap();
/// assert_eq!(w.diff, 9.0);
/// assert!(w.p_value < 0.01);
/// assert!(Welch::of(&[1.0], &[1.0, 2.0]).is_none());
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Welch {
    /// Mean of the first sample minus mean of the second.
    pub diff: f64,
    /// Standard error of `diff`.
    pub se: f64,
    /// Welch-Satterthwaite degrees of freedom.
    pub df: f64,
    /// `diff / se`.
    pub t: f64,
    /// Two-sided p-value: the chance of a |t| this large if the means were equal.
    pub p_value: f64,
}

impl Welch {
    /// Welch's test of `a` against `b`; `None` unless each has two or more values.
    pub fn of(a: &[f64], b: &[f64]) -> Option<Self> {
        if a.len() < 2 || b.len() < 2 {
            return None;
        }
        let moments = |xs: &[f64]| {
            let n = xs.len() as f64;
            let mean = xs.iter().sum::<f64>() / n;
            let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
            (mean, var / n, n)
        };
        let (ma, va, na) = moments(a);
        let (mb, vb, nb) = moments(b);
        let diff = ma - mb;
        let se2 = va + vb;
        if se2 <= 0.0 {
            let p_value = if diff == 0.0 { 1.0 } else { 0.0 };
            let t = if diff == 0.0 { 0.0 } else { diff.signum() * f64::INFINITY };
            return Some(Welch { diff, se: 0.0, df: na + nb - 2.0, t, p_value });
        }
        let df = se2 * se2 / (va * va / (na - 1.0) + vb * vb / (nb - 1.0));
        let se = se2.sqrt();
        let t = diff / se;
        Some(Welch { diff, se, df, t, p_value: student_t_two_sided(t, df) })
    }

    /// The `level` (0.95 for 95%) confidence interval of `diff`: `diff ± q·se`
    /// with `q` the Student-t quantile of `df` degrees of freedom.
    pub fn interval(&self, level: f64) -> (f64, f64) {
        if self.se == 0.0 {
            return (self.diff, self.diff);
        }
        let h = student_t_quantile(0.5 + level / 2.0, self.df) * self.se;
        (self.diff - h, self.diff + h)
    }
}

/// The Student-t distribution's CDF at `t` with `df` (> 0, not necessarily
/// whole) degrees of freedom, from the regularized incomplete beta function.
///
/// # Examples
/// ```
/// // One degree of freedom is the Cauchy distribution: 0.5 + atan(t)/pi.
/// assert!((scalescope::stats::student_t_cdf(1.0, 1.0) - 0.75).abs() < 1e-12);
/// ```
pub fn student_t_cdf(t: f64, df: f64) -> f64 {
    let tail = student_t_two_sided(t, df) / 2.0;
    if t >= 0.0 { 1.0 - tail } else { tail }
}

/// The `p`-quantile of the Student-t distribution with `df` degrees of
/// freedom: the `t` with `student_t_cdf(t, df) == p`, by bisection (to
/// about 1e-12 relative); infinite for `p` of 0 or 1.
///
/// # Examples
/// ```
/// let q = scalescope::stats::student_t_quantile(0.975, 10.0);
/// assert!((q - 2.2281).abs() < 1e-4);
/// ```
pub fn student_t_quantile(p: f64, df: f64) -> f64 {
    if p.is_nan() || df.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    if p <= 0.0 || p >= 1.0 {
        return if p <= 0.0 { f64::NEG_INFINITY } else { f64::INFINITY };
    }
    if p == 0.5 {
        return 0.0;
    }
    if p < 0.5 {
        return -student_t_quantile(1.0 - p, df);
    }
    let mut hi = 1.0;
    while student_t_cdf(hi, df) < p && hi < 1e300 {
        hi *= 2.0;
    }
    let mut lo = 0.0;
    for _ in 0..200 {
        let mid = (lo + hi) / 2.0;
        if student_t_cdf(mid, df) < p {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo <= 1e-12 * hi {
            break;
        }
    }
    (lo + hi) / 2.0
}

/// `P(|T| >= |t|)` for Student's t with `df` degrees of freedom:
/// `I_x(df/2, 1/2)` with `x = df / (df + t²)`.
fn student_t_two_sided(t: f64, df: f64) -> f64 {
    if t.is_nan() || df.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    if t.is_infinite() {
        return 0.0;
    }
    incomplete_beta(df / (df + t * t), df / 2.0, 0.5)
}

/// The regularized incomplete beta function `I_x(a, b)`, by its continued
/// fraction (Numerical Recipes' `betai`).
fn incomplete_beta(x: f64, a: f64, b: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let front = (ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln()).exp();
    if x < (a + 1.0) / (a + b + 2.0) { front * beta_fraction(x, a, b) / a } else { 1.0 - front * beta_fraction(1.0 - x, b, a) / b }
}

/// The continued fraction of the incomplete beta function, by the modified
/// Lentz method (Numerical Recipes' `betacf`).
fn beta_fraction(x: f64, a: f64, b: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let nonzero = |v: f64| if v.abs() < TINY { TINY } else { v };
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 / nonzero(1.0 - qab * x / qap);
    let mut h = d;
    for m in 1..=500 {
        let m = f64::from(m);
        let m2 = 2.0 * m;
        let even = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 / nonzero(1.0 + even * d);
        c = nonzero(1.0 + even / c);
        h *= d * c;
        let odd = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 / nonzero(1.0 + odd * d);
        c = nonzero(1.0 + odd / c);
        let step = d * c;
        h *= step;
        if (step - 1.0).abs() < 1e-15 {
            break;
        }
    }
    h
}

/// `ln Γ(x)` for `x > 0`, by the Lanczos approximation (g = 7, nine
/// coefficients; about 15 significant digits).
fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection: Γ(x) Γ(1 - x) = π / sin(πx).
        return (std::f64::consts::PI / (std::f64::consts::PI * x).sin()).abs().ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let sum = C[1..].iter().enumerate().fold(C[0], |s, (i, c)| s + c / (x + i as f64 + 1.0));
    let t = x + G + 0.5;
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(got: f64, want: f64, tol: f64) {
        assert!((got - want).abs() <= tol, "got {got}, want {want} ± {tol}");
    }

    #[test]
    fn ln_gamma_matches_known_values() {
        close(ln_gamma(0.5), std::f64::consts::PI.sqrt().ln(), 1e-12);
        close(ln_gamma(5.0), 24f64.ln(), 1e-12);
        close(ln_gamma(1.0), 0.0, 1e-12);
        close(ln_gamma(0.25), 3.625_609_908_221_908f64.ln(), 1e-10);
    }

    #[test]
    fn student_t_cdf_matches_closed_forms() {
        close(student_t_cdf(0.0, 7.3), 0.5, 1e-12);
        // One degree of freedom: Cauchy, 0.5 + atan(t)/pi.
        close(student_t_cdf(1.0, 1.0), 0.75, 1e-12);
        close(student_t_cdf(-3.0, 1.0), 0.5 + (-3f64).atan() / std::f64::consts::PI, 1e-12);
        // Two degrees of freedom: 0.5 + t / (2 sqrt(2 + t²)).
        close(student_t_cdf(1.5, 2.0), 0.5 + 1.5 / (2.0 * (2.0 + 2.25f64).sqrt()), 1e-12);
    }

    #[test]
    fn student_t_quantiles_match_the_table() {
        // Two-sided 95% critical values from any t table.
        for (df, want) in [(1.0, 12.7062), (2.0, 4.3027), (5.0, 2.5706), (10.0, 2.2281), (30.0, 2.0423), (1e7, 1.9600)] {
            close(student_t_quantile(0.975, df), want, 1e-4);
        }
        close(student_t_quantile(0.95, 5.0), 2.0150, 1e-4);
        close(student_t_quantile(0.025, 10.0), -2.2281, 1e-4);
        assert_eq!(student_t_quantile(0.5, 3.0), 0.0);
        assert!(student_t_quantile(1.0, 3.0).is_infinite());
    }

    /// R's `t.test(extra ~ group, data = sleep)`, the textbook Welch example:
    /// t = -1.8608, df = 17.776, p-value = 0.07939, 95% CI -3.3654832 0.2054832.
    #[test]
    fn welch_matches_r_on_the_sleep_data() {
        let g1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0];
        let g2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4];
        let w = Welch::of(&g1, &g2).expect("two samples");
        close(w.diff, -1.58, 1e-12);
        close(w.t, -1.8608, 1e-4);
        close(w.df, 17.776, 1e-3);
        close(w.p_value, 0.07939, 1e-5);
        let (lo, hi) = w.interval(0.95);
        close(lo, -3.365_483_2, 1e-6);
        close(hi, 0.205_483_2, 1e-6);
    }

    #[test]
    fn welch_needs_two_values_a_side() {
        assert!(Welch::of(&[1.0], &[1.0, 2.0]).is_none());
        assert!(Welch::of(&[1.0, 2.0], &[]).is_none());
    }

    #[test]
    fn welch_without_spread_is_certain() {
        let same = Welch::of(&[2.0, 2.0], &[2.0, 2.0, 2.0]).expect("two samples");
        assert_eq!((same.p_value, same.interval(0.95)), (1.0, (0.0, 0.0)));
        let apart = Welch::of(&[3.0, 3.0], &[2.0, 2.0]).expect("two samples");
        assert_eq!((apart.p_value, apart.interval(0.95)), (0.0, (1.0, 1.0)));
        // One side without spread: the other side's degrees of freedom.
        let one = Welch::of(&[3.0, 3.0, 3.0], &[1.0, 2.0, 3.0, 4.0]).expect("two samples");
        close(one.df, 3.0, 1e-12);
    }
}
