//! Statistics over repeated timings, as hyperfine reports them, and the
//! scaling metrics: speedup, efficiency and the Karp-Flatt serial fraction.
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
