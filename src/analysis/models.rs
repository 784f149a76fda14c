//! Scaling models fitted to a thread sweep by least squares: Amdahl's law
//! (parallel fraction f) and the Universal Scalability Law (contention
//! sigma, coherency kappa). Both are fitted in a linearised form:
//!
//! - Amdahl: `1/S(p) = (1 - f) + f/p` is a line in `1/p`;
//! - USL: `p/S(p) = a + b (p - 1) + c p (p - 1)` with `lambda = 1/a`,
//!   `sigma = b/a`, `kappa = c/a`, all kept non-negative.

use serde::{Deserialize, Serialize};

/// Amdahl's law with parallel fraction `f`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Amdahl {
    /// The parallel fraction, 0..=1.
    pub f: f64,
}

impl Amdahl {
    /// Predicted speedup at `p` threads.
    pub fn speedup(&self, p: f64) -> f64 {
        1.0 / ((1.0 - self.f) + self.f / p.max(1.0))
    }
    /// The ceiling `1 / (1 - f)` (infinite for f = 1).
    pub fn ceiling(&self) -> f64 {
        if self.f >= 1.0 { f64::INFINITY } else { 1.0 / (1.0 - self.f) }
    }
}

/// The Universal Scalability Law.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Usl {
    /// Speedup of one thread relative to the sequential reference.
    pub lambda: f64,
    /// Contention (serialisation), >= 0.
    pub sigma: f64,
    /// Coherency (crosstalk), >= 0; > 0 gives a peak and retrograde scaling.
    pub kappa: f64,
}

impl Usl {
    /// Predicted speedup at `p` threads.
    pub fn speedup(&self, p: f64) -> f64 {
        self.lambda * p / (1.0 + self.sigma * (p - 1.0) + self.kappa * p * (p - 1.0))
    }
    /// The thread count of the peak, `sqrt((1 - sigma) / kappa)`; `None` when it never peaks.
    pub fn peak(&self) -> Option<f64> {
        (self.kappa > 0.0 && self.sigma < 1.0).then(|| ((1.0 - self.sigma) / self.kappa).sqrt())
    }
}

/// Both fits and their quality.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Fits {
    /// Amdahl's law.
    pub amdahl: Amdahl,
    /// The USL (`None` with fewer than 3 thread counts).
    pub usl: Option<Usl>,
    /// Root mean square error of the Amdahl fit, in speedup units.
    pub amdahl_rmse: f64,
    /// Root mean square error of the USL fit.
    pub usl_rmse: Option<f64>,
    /// How well Amdahl fits and predicts.
    pub amdahl_quality: Quality,
    /// How well the USL fits and predicts.
    pub usl_quality: Option<Quality>,
}

/// How well a model fits its points, and how well it predicts a point it
/// did not see. Each measure is `None` where the points are too few for it
/// to mean anything (the reason is [`Quality::missing`]).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Quality {
    /// Points fitted.
    pub points: usize,
    /// The model's free parameters (Amdahl 1, USL 3).
    pub params: usize,
    /// R^2 adjusted for the parameters: `1 - (1 - R^2)(n - 1)/(n - k - 1)`;
    /// needs more points than parameters + 1, and points that differ.
    pub adj_r2: Option<f64>,
    /// Symmetric mean absolute percentage error of the fit, percent
    /// (`mean |fit - measured| / ((|fit| + |measured|) / 2)`).
    pub smape_pct: Option<f64>,
    /// Leave-one-out cross-validated RMSE, speedup units: each point
    /// predicted by the model fitted to the others (what Extra-P ranks
    /// models by); needs a point more than the fit itself.
    pub loo_rmse: Option<f64>,
}

impl Quality {
    /// Why some measure is missing, for people; `None` when all are there.
    pub fn missing(&self) -> Option<String> {
        (self.adj_r2.is_none() || self.loo_rmse.is_none()).then(|| {
            format!(
                "{} points for {} parameter{}: adjusted R^2 needs {}, cross-validation {}",
                self.points,
                self.params,
                if self.params == 1 { "" } else { "s" },
                self.params + 2,
                self.params + 2
            )
        })
    }
    /// One line: `adj R^2 0.98, SMAPE 1.2%, LOO rmse 0.05`, with n/a where missing.
    pub fn line(&self) -> String {
        let or_na = |v: Option<String>| v.unwrap_or_else(|| "n/a".into());
        format!(
            "adj R^2 {}, SMAPE {}, LOO rmse {}",
            or_na(self.adj_r2.map(|v| format!("{v:.3}"))),
            or_na(self.smape_pct.map(|v| format!("{v:.1}%"))),
            or_na(self.loo_rmse.map(|v| format!("{v:.3}")))
        )
    }
}

/// The quality of `fit_fn` (a fitting procedure with `params` free
/// parameters) on `points`.
///
/// # Examples
/// ```
/// use scalescope::analysis::models::{fit_amdahl, quality, Amdahl};
/// let truth = Amdahl { f: 0.9 };
/// let pts: Vec<(f64, f64)> = [1.0, 2.0, 4.0, 8.0].iter().map(|&p| (p, truth.speedup(p))).collect();
/// let q = quality(&pts, 1, |pts| fit_amdahl(pts).map(|a| move |p| a.speedup(p)));
/// assert!(q.adj_r2.unwrap() > 0.999 && q.loo_rmse.unwrap() < 1e-9 && q.smape_pct.unwrap() < 1e-9);
/// ```
pub fn quality<M: Fn(f64) -> f64>(points: &[(f64, f64)], params: usize, fit_fn: impl Fn(&[(f64, f64)]) -> Option<M>) -> Quality {
    let n = points.len();
    let mut q = Quality { points: n, params, ..Quality::default() };
    let Some(model) = fit_fn(points) else { return q };
    let fitted: Vec<f64> = points.iter().map(|&(p, _)| model(p)).collect();
    q.smape_pct = (n > 0).then(|| 100.0 * points.iter().zip(&fitted).map(|(&(_, s), &f)| smape_term(s, f)).sum::<f64>() / n as f64);
    if n > params + 1 {
        let mean = points.iter().map(|p| p.1).sum::<f64>() / n as f64;
        let ss_tot: f64 = points.iter().map(|p| (p.1 - mean).powi(2)).sum();
        let ss_res: f64 = points.iter().zip(&fitted).map(|(&(_, s), &f)| (s - f).powi(2)).sum();
        if ss_tot > 0.0 {
            let r2 = 1.0 - ss_res / ss_tot;
            q.adj_r2 = Some(1.0 - (1.0 - r2) * (n - 1) as f64 / (n - params - 1) as f64);
        }
        let mut sq = 0.0;
        let mut all = true;
        for i in 0..n {
            let rest: Vec<(f64, f64)> = points.iter().enumerate().filter(|&(j, _)| j != i).map(|(_, &pt)| pt).collect();
            match fit_fn(&rest) {
                Some(m) => sq += (m(points[i].0) - points[i].1).powi(2),
                None => all = false,
            }
        }
        q.loo_rmse = all.then(|| (sq / n as f64).sqrt());
    }
    q
}

fn smape_term(measured: f64, fitted: f64) -> f64 {
    let d = (measured.abs() + fitted.abs()) / 2.0;
    if d == 0.0 { 0.0 } else { (fitted - measured).abs() / d }
}

/// Fits Amdahl's f to (threads, speedup) points; `None` without two distinct thread counts.
///
/// # Examples
/// ```
/// use scalescope::analysis::models::{fit_amdahl, Amdahl};
/// let truth = Amdahl { f: 0.9 };
/// let pts: Vec<(f64, f64)> = [1.0, 2.0, 4.0, 8.0].iter().map(|&p| (p, truth.speedup(p))).collect();
/// assert!((fit_amdahl(&pts).unwrap().f - 0.9).abs() < 1e-9);
/// ```
pub fn fit_amdahl(points: &[(f64, f64)]) -> Option<Amdahl> {
    let pts: Vec<(f64, f64)> = points.iter().filter(|(p, s)| *p >= 1.0 && *s > 0.0).map(|(p, s)| (1.0 / p, 1.0 / s)).collect();
    // 1/S = (1 - f) + f x with x = 1/p: the slope is f. Fit the slope with the
    // intercept tied to it (a = 1 - f): minimise sum (y - 1 - f (x - 1))^2.
    if pts.iter().map(|p| p.0.to_bits()).collect::<std::collections::BTreeSet<_>>().len() < 2 {
        return None;
    }
    let num: f64 = pts.iter().map(|(x, y)| (y - 1.0) * (x - 1.0)).sum();
    let den: f64 = pts.iter().map(|(x, _)| (x - 1.0).powi(2)).sum();
    (den > 0.0).then(|| Amdahl { f: (num / den).clamp(0.0, 1.0) })
}

/// Fits the USL to (threads, speedup) points; `None` without three distinct thread counts.
///
/// # Examples
/// ```
/// use scalescope::analysis::models::{fit_usl, Usl};
/// let truth = Usl { lambda: 0.95, sigma: 0.05, kappa: 0.002 };
/// let pts: Vec<(f64, f64)> = [1.0, 2.0, 4.0, 8.0, 16.0].iter().map(|&p| (p, truth.speedup(p))).collect();
/// let got = fit_usl(&pts).unwrap();
/// assert!((got.sigma - 0.05).abs() < 1e-6 && (got.kappa - 0.002).abs() < 1e-6 && (got.lambda - 0.95).abs() < 1e-6);
/// ```
pub fn fit_usl(points: &[(f64, f64)]) -> Option<Usl> {
    let pts: Vec<(f64, f64)> = points.iter().filter(|(p, s)| *p >= 1.0 && *s > 0.0).map(|&(p, s)| (p, p / s)).collect();
    let distinct = pts.iter().map(|p| p.0.to_bits()).collect::<std::collections::BTreeSet<_>>().len();
    if distinct < 3 {
        return None;
    }
    // y = a + b u + c v with u = p - 1, v = p (p - 1): normal equations.
    let rows: Vec<[f64; 4]> = pts.iter().map(|&(p, y)| [1.0, p - 1.0, p * (p - 1.0), y]).collect();
    let solve3 = |cols: &[usize]| -> Option<Vec<f64>> {
        let k = cols.len();
        let mut m = vec![vec![0.0; k + 1]; k];
        for r in &rows {
            for i in 0..k {
                for j in 0..k {
                    m[i][j] += r[cols[i]] * r[cols[j]];
                }
                m[i][k] += r[cols[i]] * r[3];
            }
        }
        // Gaussian elimination with partial pivoting.
        for c in 0..k {
            let piv = (c..k).max_by(|&a, &b| m[a][c].abs().total_cmp(&m[b][c].abs()))?;
            m.swap(c, piv);
            if m[c][c].abs() < 1e-12 {
                return None;
            }
            let pivot_row = m[c].clone();
            for (r, row) in m.iter_mut().enumerate() {
                if r != c {
                    let factor = row[c] / pivot_row[c];
                    for (x, p) in row.iter_mut().zip(&pivot_row).skip(c) {
                        *x -= factor * p;
                    }
                }
            }
        }
        Some((0..k).map(|i| m[i][k] / m[i][i]).collect())
    };
    let to_usl = |a: f64, b: f64, c: f64| (a > 0.0).then(|| Usl { lambda: 1.0 / a, sigma: (b / a).max(0.0), kappa: (c / a).max(0.0) });
    // The full model first; if a coefficient comes out negative, drop it (keep
    // the parameters physical) and refit the rest.
    if let Some(v) = solve3(&[0, 1, 2])
        && v[1] >= 0.0
        && v[2] >= 0.0
    {
        return to_usl(v[0], v[1], v[2]);
    }
    let candidates = [solve3(&[0, 1]).map(|v| (v[0], v[1].max(0.0), 0.0)), solve3(&[0, 2]).map(|v| (v[0], 0.0, v[1].max(0.0)))];
    candidates
        .into_iter()
        .flatten()
        .filter_map(|(a, b, c)| to_usl(a, b, c))
        .min_by(|x, y| rmse(points, |p| x.speedup(p)).total_cmp(&rmse(points, |p| y.speedup(p))))
}

/// Root mean square error of `model` over the points.
pub fn rmse(points: &[(f64, f64)], model: impl Fn(f64) -> f64) -> f64 {
    if points.is_empty() {
        return 0.0;
    }
    (points.iter().map(|&(p, s)| (model(p) - s).powi(2)).sum::<f64>() / points.len() as f64).sqrt()
}

/// Both fits for one series of (threads, speedup) points.
pub fn fit(points: &[(f64, f64)]) -> Option<Fits> {
    let amdahl = fit_amdahl(points)?;
    let usl = fit_usl(points);
    Some(Fits {
        amdahl,
        amdahl_rmse: rmse(points, |p| amdahl.speedup(p)),
        usl_rmse: usl.map(|u| rmse(points, |p| u.speedup(p))),
        usl,
        amdahl_quality: quality(points, 1, |pts| fit_amdahl(pts).map(|a| move |p| a.speedup(p))),
        usl_quality: usl.map(|_| quality(points, 3, |pts| fit_usl(pts).map(|u| move |p| u.speedup(p)))),
    })
}

/// The fitted USL (or Amdahl, when no USL) through the slowest and the
/// fastest repetitions: a band around the fit at `p`, as (low, high).
pub fn band(lo_points: &[(f64, f64)], hi_points: &[(f64, f64)], p: f64) -> Option<(f64, f64)> {
    let at = |pts: &[(f64, f64)]| -> Option<f64> {
        match fit_usl(pts) {
            Some(u) => Some(u.speedup(p)),
            None => fit_amdahl(pts).map(|a| a.speedup(p)),
        }
    };
    let (a, b) = (at(lo_points)?, at(hi_points)?);
    Some((a.min(b), a.max(b)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(model: impl Fn(f64) -> f64, ps: &[f64]) -> Vec<(f64, f64)> {
        ps.iter().map(|&p| (p, model(p))).collect()
    }

    #[test]
    fn amdahl_recovers_known_fractions() {
        for f in [0.0, 0.5, 0.9, 0.99, 1.0] {
            let truth = Amdahl { f };
            let got = fit_amdahl(&sample(|p| truth.speedup(p), &[1.0, 2.0, 3.0, 4.0, 8.0])).unwrap();
            assert!((got.f - f).abs() < 1e-9, "{f} -> {}", got.f);
        }
        assert_eq!(Amdahl { f: 0.95 }.ceiling().round(), 20.0);
        assert!(fit_amdahl(&[(2.0, 1.8)]).is_none());
    }

    #[test]
    fn amdahl_with_noise_stays_close() {
        let truth = Amdahl { f: 0.9 };
        let noisy: Vec<(f64, f64)> =
            [1.0, 2.0, 4.0, 8.0].iter().zip([1.01, 0.99, 1.02, 0.98]).map(|(&p, k)| (p, truth.speedup(p) * k)).collect();
        assert!((fit_amdahl(&noisy).unwrap().f - 0.9).abs() < 0.03);
    }

    #[test]
    fn usl_recovers_contention_and_coherency() {
        let truth = Usl { lambda: 1.0, sigma: 0.1, kappa: 0.01 };
        let got = fit_usl(&sample(|p| truth.speedup(p), &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0])).unwrap();
        assert!((got.sigma - 0.1).abs() < 1e-6 && (got.kappa - 0.01).abs() < 1e-6);
        let peak = got.peak().unwrap();
        assert!((peak - (0.9f64 / 0.01).sqrt()).abs() < 1e-3);
    }

    #[test]
    fn usl_keeps_parameters_physical() {
        // Super-linear-looking noise must not give a negative sigma or kappa.
        let pts = [(1.0, 1.0), (2.0, 2.1), (3.0, 3.2), (4.0, 4.2)];
        let got = fit_usl(&pts).unwrap();
        assert!(got.sigma >= 0.0 && got.kappa >= 0.0);
        assert!(fit_usl(&[(1.0, 1.0), (2.0, 1.9)]).is_none());
    }

    #[test]
    fn band_brackets_the_fit() {
        let t = Usl { lambda: 1.0, sigma: 0.05, kappa: 0.001 };
        let lo = sample(|p| t.speedup(p) * 0.95, &[1.0, 2.0, 4.0, 8.0]);
        let hi = sample(|p| t.speedup(p) * 1.05, &[1.0, 2.0, 4.0, 8.0]);
        let (a, b) = band(&lo, &hi, 64.0).unwrap();
        let mid = t.speedup(64.0);
        assert!(a < mid && mid < b, "{a} {mid} {b}");
    }

    #[test]
    fn quality_needs_enough_points_and_ranks_the_right_model() {
        // Retrograde points: the USL (contention + coherency) is the truth.
        let truth = Usl { lambda: 1.0, sigma: 0.05, kappa: 0.02 };
        let pts = sample(|p| truth.speedup(p), &[1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0, 16.0]);
        let f = fit(&pts).unwrap();
        let (a, u) = (f.amdahl_quality, f.usl_quality.unwrap());
        assert!(u.loo_rmse.unwrap() < 1e-6, "{u:?}");
        assert!(a.loo_rmse.unwrap() > 0.3, "Amdahl cannot bend down: {a:?}");
        assert!(u.adj_r2.unwrap() > a.adj_r2.unwrap());
        assert!(u.smape_pct.unwrap() < a.smape_pct.unwrap());
        assert!(u.missing().is_none());
        // Two points: a fit, but no cross-validation and no adjusted R^2, and it says why.
        let two = fit(&[(1.0, 1.0), (2.0, 1.9)]).unwrap();
        assert_eq!((two.amdahl_quality.adj_r2, two.amdahl_quality.loo_rmse), (None, None));
        assert!(two.amdahl_quality.smape_pct.unwrap() < 1.0);
        assert!(two.amdahl_quality.missing().unwrap().contains("2 points"), "{:?}", two.amdahl_quality.missing());
    }

    #[test]
    fn smape_of_a_known_error() {
        // Measured 2, fitted 3: |3 - 2| / 2.5 = 40%; the other point exact.
        let q = quality(&[(1.0, 1.0), (2.0, 2.0)], 1, |_| Some(|p: f64| if p == 2.0 { 3.0 } else { 1.0 }));
        assert!((q.smape_pct.unwrap() - 20.0).abs() < 1e-9, "{q:?}");
    }
}
