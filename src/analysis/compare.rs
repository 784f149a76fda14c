//! Two experiments of one workload (two machines, two builds, before and
//! after), compared point by point with the ratio and its uncertainty, the
//! way hyperfine sums up: "B is 1.32x ± 0.05 faster at 8 threads", or "no
//! significant difference" when that is what the repetitions say.
//!
//! The points are the configurations measured in both (the same feeder or
//! variant, thread count, chunk size and GIL setting), after the plain loop
//! (the sequential reference) that each experiment times for itself. Raw
//! times are compared, never speedups: each experiment has its own
//! baseline, and a ratio of speedups would mix the two.
//!
//! # Method
//!
//! Times are compared on a log scale, where a ratio is a difference and the
//! skew of timings (long right tails) matters less. At each point:
//!
//! - the ratio is A's median time over B's (how many times faster B is);
//! - Welch's t-test is run on the logarithms of the two sets of repetition
//!   times (their variances may differ), giving the p-value and a 95%
//!   interval `d ± h` of the difference of the mean logarithms, with `h` the
//!   Student-t quantile of Welch's degrees of freedom times the standard
//!   error ([`crate::stats::Welch`]);
//! - `exp(d ± h)` is a 95% interval of the ratio (of geometric means). Its
//!   relative half-width, `sinh(h)`, is applied to the median ratio: the
//!   `±` is `ratio · sinh(h)`, so `1.30x ± 0.05` spans the same share of
//!   the ratio as the interval does;
//! - the difference is significant when p < 0.05 and the test's direction
//!   agrees with the median ratio's (a median and a mean that disagree on
//!   which is faster are not a clear difference);
//! - fewer than two repetitions on a side leave no spread to test against:
//!   "too few repetitions to tell", with no p-value and an infinite `±`.
//!
//! Repetition times that are not positive and finite are left out.

use std::fmt;

use crate::experiment::{Experiment, RunRecord, workload_line};
use crate::stats::{Welch, median};
use crate::workloads::WorkloadSpec;

/// The configuration name of the sequential reference's point.
pub const PLAIN_LOOP: &str = "the plain loop (sequential reference)";

/// The confidence level of the `±`.
const LEVEL: f64 = 0.95;

/// The significance level of the test.
const ALPHA: f64 = 0.05;

/// One configuration measured in both experiments, compared.
///
/// # Examples
/// ```
/// use scalescope::analysis::compare::PointComparison;
/// let a = [1.30, 1.31, 1.29, 1.30, 1.30];
/// let b = [1.00, 1.01, 0.99, 1.00, 1.00];
/// let p = PointComparison::of("auto x8 chunk auto".into(), 8, &a, &b);
/// assert!(p.significant);
/// assert!(p.to_string().starts_with("B is 1.30x ± 0.0"));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct PointComparison {
    /// The configuration, for people: `auto x8 chunk auto` (feeder or
    /// variant, threads, chunk, ` + GIL`), the same in both; [`PLAIN_LOOP`]
    /// for the sequential reference.
    pub config: String,
    /// Its thread count (1 for the plain loop).
    pub threads: usize,
    /// Median time in A, seconds.
    pub a_median_s: f64,
    /// Median time in B, seconds.
    pub b_median_s: f64,
    /// How many times faster B is than A (A's median time / B's); below 1: B is slower.
    pub ratio: f64,
    /// The ratio's uncertainty (half-width of a 95% interval, in the
    /// ratio's units), from the repetitions; infinite with fewer than 2
    /// repetitions on a side.
    pub plus_minus: f64,
    /// Welch's t-test p-value on the logarithms of the two sets of
    /// repetition times; `None` with fewer than 2 repetitions on a side.
    pub p_value: Option<f64>,
    /// Whether the difference is significant at 5% (false with too few repetitions).
    pub significant: bool,
}

impl PointComparison {
    /// `config` at `threads`, timed `a` in A and `b` in B (each
    /// repetition's time, seconds), compared by the method of the module
    /// documentation.
    pub fn of(config: String, threads: usize, a: &[f64], b: &[f64]) -> Self {
        let (a_median_s, b_median_s) = (median(a), median(b));
        let ratio = crate::stats::speedup(a_median_s, b_median_s);
        let logs = |xs: &[f64]| xs.iter().filter(|t| t.is_finite() && **t > 0.0).map(|t| t.ln()).collect::<Vec<f64>>();
        let (plus_minus, p_value, significant) = match Welch::of(&logs(a), &logs(b)) {
            Some(w) => {
                let (lo, hi) = w.interval(LEVEL);
                let plus_minus = ratio * ((hi - lo) / 2.0).sinh();
                let agrees = (w.diff > 0.0) == (ratio > 1.0);
                (plus_minus, Some(w.p_value), w.p_value < ALPHA && agrees)
            }
            None => (f64::INFINITY, None, false),
        };
        PointComparison { config, threads, a_median_s, b_median_s, ratio, plus_minus, p_value, significant }
    }

    /// Where it was measured, for a sentence: `at 8 threads (auto x8 chunk
    /// auto)`, `in the plain loop (sequential reference)`.
    fn place(&self) -> String {
        if self.config == PLAIN_LOOP {
            format!("in {PLAIN_LOOP}")
        } else {
            format!("at {} thread{} ({})", self.threads, plural(self.threads), self.config)
        }
    }
}

impl fmt::Display for PointComparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let place = self.place();
        let (r, pm) = (self.ratio, self.plus_minus);
        match (self.p_value, self.significant) {
            (None, _) => write!(f, "too few repetitions to tell {place}: {r:.2}x"),
            (Some(_), false) => write!(f, "no significant difference {place}: {r:.2}x ± {pm:.2}"),
            (Some(_), true) if r >= 1.0 => write!(f, "B is {r:.2}x ± {pm:.2} faster {place}"),
            // The interval is symmetric on a log scale: 1/ratio has the same relative half-width.
            (Some(_), true) => write!(f, "B is {:.2}x ± {:.2} slower {place}", 1.0 / r, pm / (r * r)),
        }
    }
}

/// The configurations measured in both `a` and `b` (matched by
/// feeder/variant, threads, chunk, GIL; the runs of the strong sweep,
/// `exp.runs`), compared, in A's order, after the plain loop when both
/// timed it. Empty when the workloads differ (name or parameters) or
/// nothing matches.
///
/// # Examples
/// ```
/// # fn exp() -> scalescope::experiment::Experiment {
/// #     let plan = scalescope::experiment::SweepPlan {
/// #         workload: scalescope::workloads::WorkloadSpec::new(scalescope::workloads::WorkloadKind::Primes),
/// #         feeders: vec![], threads: vec![], chunks: vec![], gil: vec![], reps: 1, warmup: 0,
/// #         spans: false, variants: vec![], weak: false,
/// #     };
/// #     scalescope::experiment::Experiment::start(&plan, None)
/// # }
/// use scalescope::analysis::compare::{compare, incomparable};
/// let (a, b) = (exp(), exp());
/// // Nothing timed yet: nothing to compare, and the reason says so.
/// assert!(compare(&a, &b).is_empty());
/// assert!(incomparable(&a, &b).is_some());
/// ```
pub fn compare(a: &Experiment, b: &Experiment) -> Vec<PointComparison> {
    if !same_workload(&a.workload, &b.workload) {
        return Vec::new();
    }
    matched(a, b).into_iter().map(|(config, threads, ta, tb)| PointComparison::of(config, threads, ta, tb)).collect()
}

/// Why two experiments cannot be compared, if they cannot: `different
/// workloads: primes n=5000000 against primes n=1000000`, or no
/// configuration measured in both; `None` when they can.
pub fn incomparable(a: &Experiment, b: &Experiment) -> Option<String> {
    if !same_workload(&a.workload, &b.workload) {
        return Some(format!("different workloads: {} against {}", workload_line(&a.workload), workload_line(&b.workload)));
    }
    matched(a, b).is_empty().then(|| {
        "nothing was measured in both: no plain loop timed in both, and no configuration \
         (feeder or variant, threads, chunk, GIL) in common"
            .to_string()
    })
}

/// A one-line summary over all points: `B is faster at 3 of 4 points
/// (1.05x-1.40x), no significant difference at 1`.
///
/// # Examples
/// ```
/// use scalescope::analysis::compare::{PointComparison, summary};
/// let tight = [1.00, 1.01, 0.99, 1.00];
/// let p = PointComparison::of("auto x2 chunk auto".into(), 2, &[2.0, 2.02, 1.98, 2.0], &tight);
/// assert_eq!(summary(&[p]), "B is faster at 1 of 1 point (2.00x)");
/// ```
pub fn summary(points: &[PointComparison]) -> String {
    let n = points.len();
    if n == 0 {
        return "nothing measured in both to compare".to_string();
    }
    let faster: Vec<f64> = points.iter().filter(|p| p.significant && p.ratio >= 1.0).map(|p| p.ratio).collect();
    let slower: Vec<f64> = points.iter().filter(|p| p.significant && p.ratio < 1.0).map(|p| 1.0 / p.ratio).collect();
    let same = points.iter().filter(|p| p.p_value.is_some() && !p.significant).count();
    let few = points.iter().filter(|p| p.p_value.is_none()).count();
    let ranged = |word: &str, rs: &[f64]| (!rs.is_empty()).then(|| (word.to_string(), rs.len(), format!(" ({})", range(rs))));
    let counted = |words: &str, k: usize| (k > 0).then(|| (words.to_string(), k, String::new()));
    let kinds = [
        ranged("faster", &faster),
        ranged("slower", &slower),
        counted("no significant difference", same),
        counted("too few repetitions to tell", few),
    ];
    // The first part says out of how many; the others only count.
    let parts: Vec<String> = kinds
        .into_iter()
        .flatten()
        .enumerate()
        .map(|(i, (words, k, tail))| match i {
            0 => format!("{words} at {k} of {n} point{}{tail}", plural(n)),
            _ => format!("{words} at {k}{tail}"),
        })
        .collect();
    let lead = if faster.is_empty() && slower.is_empty() { "" } else { "B is " };
    format!("{lead}{}", parts.join(", "))
}

/// `1.05x-1.40x`, or `1.30x` for one value (or several that print alike).
fn range(ratios: &[f64]) -> String {
    let lo = ratios.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = ratios.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let (lo, hi) = (format!("{lo:.2}x"), format!("{hi:.2}x"));
    if lo == hi { lo } else { format!("{lo}-{hi}") }
}

/// `s` unless `n` is 1.
fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Whether two specs name the same workload with the same parameters (the
/// text that was prepared at run time is not saved and not compared).
/// Same workload, same parameters; for programs, the same command run the
/// same way: what may be compared point by point (and grouped in a report).
pub fn same_workload(a: &WorkloadSpec, b: &WorkloadSpec) -> bool {
    (a.name, &a.params, &a.file, a.variant, a.max_line, &a.command) == (b.name, &b.params, &b.file, b.variant, b.max_line, &b.command)
}

/// One point measured in both: (config, threads, A's times, B's times).
type Matched<'a> = (String, usize, &'a [f64], &'a [f64]);

/// The plain loop when both timed it, then each run of `a` with a run of
/// the same configuration in `b` (the first such), each with times on both sides.
fn matched<'a>(a: &'a Experiment, b: &'a Experiment) -> Vec<Matched<'a>> {
    let key = |r: &RunRecord| (r.variant, r.feeder, r.threads, r.chunk_size, r.gil);
    let plain = a.baseline.as_ref().zip(b.baseline.as_ref()).map(|(x, y)| (PLAIN_LOOP.to_string(), 1, &x.times_s[..], &y.times_s[..]));
    let runs = a.runs.iter().filter_map(|r| {
        let twin = b.runs.iter().find(|s| key(s) == key(r))?;
        let name = if a.workload.command.is_some() { a.run_name(r) } else { config(r) };
        Some((name, r.threads, &r.times_s[..], &twin.times_s[..]))
    });
    plain.into_iter().chain(runs).filter(|(_, _, x, y)| !x.is_empty() && !y.is_empty()).collect()
}

/// `auto x8 chunk auto`, `ordered-map x4 chunk 1024 + GIL`.
fn config(r: &RunRecord) -> String {
    let who = r.variant.map_or_else(|| r.feeder.to_string(), |v| v.to_string());
    format!("{who} x{} chunk {}{}", r.threads, r.chunk_size, if r.gil { " + GIL" } else { "" })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::diagnosis::fixture::{experiment, fixed, run};
    use crate::engine::FeederKind;

    /// A dispenser run of `threads` threads on auto chunks timed `times`.
    fn timed(threads: usize, times: &[f64]) -> RunRecord {
        RunRecord { times_s: times.to_vec(), median_s: median(times), ..run(FeederKind::Dispenser, threads, 1.0, 1.0, &[]) }
    }

    /// An experiment of `runs` whose plain loop was timed `base`.
    fn exp(base: &[f64], runs: Vec<RunRecord>) -> Experiment {
        let mut e = experiment(runs);
        if let Some(b) = e.baseline.as_mut() {
            b.times_s = base.to_vec();
            b.median_s = median(base);
        }
        e
    }

    fn point(a: &[f64], b: &[f64]) -> PointComparison {
        PointComparison::of("dispenser x8 chunk auto".into(), 8, a, b)
    }

    #[test]
    fn a_clear_difference_is_significant_and_reads_faster() {
        let p = point(&[1.30, 1.31, 1.29, 1.30, 1.30], &[1.00, 1.01, 0.99, 1.00, 1.00]);
        assert!(p.significant, "{p:?}");
        assert!(p.p_value.is_some_and(|v| v < 1e-6), "{p:?}");
        assert!((p.ratio - 1.30).abs() < 1e-12);
        assert!(p.plus_minus > 0.0 && p.plus_minus < 0.03, "{p:?}");
        let text = p.to_string();
        assert!(text.starts_with("B is 1.30x ± 0.0"), "{text}");
        assert!(text.ends_with(" faster at 8 threads (dispenser x8 chunk auto)"), "{text}");
    }

    /// By hand: df = 7.18, t(0.975, 7.18) = 2.3525, ± = sinh(2.3525 se) = 0.138.
    #[test]
    fn overlapping_noise_is_no_significant_difference() {
        let p = point(&[1.00, 1.20, 0.90, 1.10, 1.05], &[1.05, 0.95, 1.15, 1.00, 1.10]);
        assert!(!p.significant);
        assert!(p.p_value.is_some_and(|v| v > 0.5), "{p:?}");
        assert_eq!(p.to_string(), "no significant difference at 8 threads (dispenser x8 chunk auto): 1.00x ± 0.14");
    }

    #[test]
    fn one_repetition_is_too_few_to_tell() {
        let p = point(&[1.1], &[1.0, 1.0, 1.0]);
        assert_eq!((p.p_value, p.significant, p.plus_minus), (None, false, f64::INFINITY));
        assert_eq!(p.to_string(), "too few repetitions to tell at 8 threads (dispenser x8 chunk auto): 1.10x");
    }

    #[test]
    fn b_slower_reads_slower_with_the_inverse_ratio() {
        let p = point(&[1.00, 1.01, 0.99, 1.00], &[1.25, 1.26, 1.24, 1.25]);
        assert!(p.significant && p.ratio < 1.0, "{p:?}");
        let text = p.to_string();
        assert!(text.starts_with("B is 1.25x ± 0.0"), "{text}");
        assert!(text.ends_with(" slower at 8 threads (dispenser x8 chunk auto)"), "{text}");
    }

    /// ln A = ln 2 ± 0.01, ln B = ± 0.01: d = ln 2, se = sqrt(0.0002), df = 2,
    /// t(0.975, 2) = 4.302653, h = 0.0608484; ratio 2, ± = 2 sinh(h) = 0.121774.
    #[test]
    fn the_plus_minus_is_the_log_welch_interval_by_hand() {
        let (u, v) = (0.01f64.exp(), (-0.01f64).exp());
        let p = point(&[2.0 * u, 2.0 * v], &[u, v]);
        assert!((p.ratio - 2.0).abs() < 1e-12, "{p:?}");
        assert!((p.plus_minus - 0.121_774).abs() < 1e-5, "{p:?}");
    }

    #[test]
    fn different_workloads_are_incomparable() {
        let a = exp(&[1.0, 1.0], vec![timed(2, &[0.5, 0.5])]);
        let mut b = a.clone();
        b.workload = b.workload.clone().with("n", 1_000_000);
        let why = incomparable(&a, &b).expect("incomparable");
        assert_eq!(why, "different workloads: primes n=5000000 serial=0 against primes n=1000000 serial=0");
        assert!(compare(&a, &b).is_empty());
        assert_eq!(incomparable(&a, &a), None);
    }

    #[test]
    fn matching_skips_configurations_in_only_one() {
        let gil = RunRecord { gil: true, ..timed(4, &[0.3, 0.3]) };
        let chunked = RunRecord { chunk_size: fixed(64), ..timed(8, &[0.2, 0.2]) };
        let a = exp(&[1.0, 1.1], vec![timed(2, &[0.6, 0.6]), timed(8, &[0.2, 0.2]), timed(4, &[0.3, 0.3])]);
        let b = exp(&[1.0, 1.1], vec![timed(4, &[0.3, 0.3]), timed(16, &[0.1, 0.1]), gil, chunked, timed(8, &[0.2, 0.2])]);
        let got: Vec<(String, usize)> = compare(&a, &b).into_iter().map(|p| (p.config, p.threads)).collect();
        let want = [(PLAIN_LOOP, 1), ("dispenser x8 chunk auto", 8), ("dispenser x4 chunk auto", 4)];
        assert_eq!(got, want.map(|(c, t)| (c.to_string(), t)));
    }

    #[test]
    fn the_plain_loop_comes_first() {
        let a = exp(&[1.30, 1.31, 1.29], vec![]);
        let b = exp(&[1.00, 1.01, 0.99], vec![]);
        let points = compare(&a, &b);
        assert_eq!(points.len(), 1);
        let text = points[0].to_string();
        assert!(text.starts_with("B is 1.30x ± "), "{text}");
        assert!(text.ends_with(" faster in the plain loop (sequential reference)"), "{text}");
    }

    #[test]
    fn nothing_in_common_is_incomparable() {
        let mut a = exp(&[1.0], vec![timed(2, &[0.5])]);
        let mut b = exp(&[1.0], vec![timed(4, &[0.3])]);
        (a.baseline, b.baseline) = (None, None);
        assert!(compare(&a, &b).is_empty());
        assert!(incomparable(&a, &b).is_some_and(|w| w.starts_with("nothing was measured in both")));
    }

    #[test]
    fn the_summary_counts_each_kind_of_point() {
        let tight = [1.00, 1.01, 0.99, 1.00];
        let scaled = |k: f64| tight.map(|t| t * k);
        let points = [
            point(&scaled(1.10), &tight),
            point(&tight, &scaled(1.25)),
            point(&scaled(1.40), &tight),
            point(&[1.0, 1.2, 0.9], &[1.05, 0.95, 1.15]),
            point(&[1.0], &tight),
        ];
        assert_eq!(
            summary(&points),
            "B is faster at 2 of 5 points (1.10x-1.40x), slower at 1 (1.25x), no significant difference at 1, \
             too few repetitions to tell at 1"
        );
        assert_eq!(summary(&points[3..4]), "no significant difference at 1 of 1 point");
        assert_eq!(summary(&[]), "nothing measured in both to compare");
    }
}
