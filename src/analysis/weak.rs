//! Weak scaling read out of an experiment: the scaled speedup of every
//! grown size, and Gustafson's law `S(p) = p - s (p - 1)` fitted per series
//! (what was measured is in `crate::experiment::weak`).

use serde::{Deserialize, Serialize};

use crate::engine::{ChunkSize, FeederKind};
use crate::experiment::{Experiment, RunRecord};
use crate::workloads::Variant;

/// One measured point of a weak series.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct WeakPoint {
    /// Threads.
    pub threads: usize,
    /// The size it ran at.
    pub size: u64,
    /// Scaled speedup: the plain loop at this size over the run.
    pub speedup: f64,
    /// Its range over the repetitions (slowest, fastest).
    pub low: f64,
    /// See `low`.
    pub high: f64,
    /// The run's time over the one-thread run's time at the size asked:
    /// 1 is perfect weak scaling (p times the work in the same time).
    pub time_ratio: f64,
}

/// Gustafson's law fitted to one series of weak points.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Gustafson {
    /// The series' feeder.
    pub feeder: FeederKind,
    /// Its chunk size.
    pub chunk_size: ChunkSize,
    /// Its GIL setting.
    pub gil: bool,
    /// Its variant, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<Variant>,
    /// The points, by threads (the one-thread point is the strong sweep's).
    pub points: Vec<WeakPoint>,
    /// The serial share `s` of the parallel run in `S(p) = p - s (p - 1)`,
    /// fitted by least squares to the points at or below the core count.
    pub serial: f64,
    /// RMS error of the fit (speedup units).
    pub rmse: f64,
    /// Thread counts the fit used.
    pub fitted: usize,
}

impl Gustafson {
    /// The law's scaled speedup at `p`.
    pub fn speedup(&self, p: f64) -> f64 {
        p - self.serial * (p - 1.0)
    }

    /// `dispenser chunk auto`, or the variant.
    pub fn series_name(&self) -> String {
        let design = self.variant.map_or_else(|| self.feeder.to_string(), |v| v.to_string());
        format!("{design} chunk {}{}", self.chunk_size, if self.gil { " + GIL" } else { "" })
    }

    /// The point with the most threads at or below `cores`, if above one.
    pub fn widest(&self, cores: usize) -> Option<&WeakPoint> {
        self.points.iter().filter(|p| p.threads > 1 && p.threads <= cores.max(1)).max_by_key(|p| p.threads)
    }

    /// The sentence that names the concept, with its numbers:
    /// `weak scaling: 2 threads at 2x n took 1.34x the time of 1 thread at n; scaled speedup 1.94 of 2 (Gustafson serial share 0.059)`
    /// (the time ratio is 1 only where an item costs the same at every n).
    pub fn headline(&self, cores: usize) -> String {
        match self.widest(cores) {
            Some(w) => format!(
                "weak scaling: {p} threads at {p}x n took {t:.2}x the time of 1 thread at n; scaled speedup {s:.2} of {p} (Gustafson serial share {a:.3})",
                p = w.threads,
                t = w.time_ratio,
                s = w.speedup,
                a = self.serial
            ),
            None => "weak scaling: no grown size at or below this machine's core count was measured".into(),
        }
    }
}

type Key = (FeederKind, ChunkSize, bool, Option<Variant>);

fn key(r: &RunRecord) -> Key {
    (r.feeder, r.chunk_size, r.gil, r.variant)
}

fn point(r: &RunRecord, size: u64, base_s: f64, one_thread_s: Option<f64>) -> WeakPoint {
    let low = if r.max_s > 0.0 { base_s / r.max_s } else { r.speedup };
    let high = if r.min_s > 0.0 { base_s / r.min_s } else { r.speedup };
    WeakPoint {
        threads: r.threads,
        size,
        speedup: r.speedup,
        low,
        high,
        time_ratio: one_thread_s.filter(|&t| t > 0.0).map_or(f64::NAN, |t| r.median_s / t),
    }
}

/// The weak series of `file`: per feeder, chunk, GIL and variant, the
/// one-thread run of the strong sweep, then the runs of each grown size, by threads.
pub fn series(file: &Experiment) -> Vec<(Key, Vec<WeakPoint>)> {
    let Some(weak) = &file.weak else { return Vec::new() };
    let mut out: Vec<(Key, Vec<WeakPoint>)> = Vec::new();
    let one = |k: Key| file.runs.iter().find(|r| r.threads == 1 && key(r) == k);
    for step in &weak.steps {
        let Some(b) = &step.baseline else { continue };
        for r in &step.runs {
            let k = key(r);
            let at = match out.iter().position(|(x, _)| *x == k) {
                Some(i) => i,
                None => {
                    let first = one(k).map(|r1| point(r1, weak.base, file.baseline_median_s(), Some(r1.median_s)));
                    out.push((k, first.into_iter().collect()));
                    out.len() - 1
                }
            };
            out[at].1.push(point(r, step.size, b.median_s, one(k).map(|r1| r1.median_s)));
        }
    }
    for (_, pts) in &mut out {
        pts.sort_by_key(|p| p.threads);
    }
    out
}

/// Least squares for `s` in `S(p) = p - s (p - 1)` over `(p, S)`, and the
/// RMS error; `None` without a point above one thread.
pub fn fit_serial(points: &[(f64, f64)]) -> Option<(f64, f64)> {
    let (num, den) = points.iter().fold((0.0, 0.0), |(n, d), &(p, s)| (n + (p - s) * (p - 1.0), d + (p - 1.0) * (p - 1.0)));
    if den <= 0.0 {
        return None;
    }
    let serial = num / den;
    let sq: f64 = points.iter().map(|&(p, s)| (p - serial * (p - 1.0) - s).powi(2)).sum();
    Some((serial, (sq / points.len() as f64).sqrt()))
}

/// Gustafson fits for every weak series with a grown size at or below the
/// core count of the machine that measured it.
pub fn fits(file: &Experiment) -> Vec<Gustafson> {
    let cores = file.machine.logical_cores.max(1);
    series(file)
        .into_iter()
        .filter_map(|((feeder, chunk_size, gil, variant), points)| {
            let used: Vec<(f64, f64)> = points.iter().filter(|p| p.threads <= cores).map(|p| (p.threads as f64, p.speedup)).collect();
            let (serial, rmse) = fit_serial(&used)?;
            Some(Gustafson { feeder, chunk_size, gil, variant, points, serial, rmse, fitted: used.len() })
        })
        .collect()
}

/// The weak-scaling section of the CLI's `--fit` text.
pub fn describe(file: &Experiment, analysis: &super::Analysis) -> String {
    let Some(weak) = &file.weak else { return String::new() };
    let cores = file.machine.logical_cores;
    let mut out = format!(
        "\nWeak scaling ({} grows with the threads from {}; scaled speedup = the plain loop at that size / the run at that size):\n",
        weak.param,
        crate::units::fmt_count(weak.base)
    );
    let strong = |g: &Gustafson| analysis.fit_of(g.feeder, g.chunk_size, g.gil, g.variant);
    for g in &analysis.gustafson {
        out.push_str(&format!("  {}:\n", g.series_name()));
        for p in &g.points {
            out.push_str(&format!(
                "    {} threads, {} = {}: scaled speedup {:.2} ({:.2}-{:.2}), efficiency {:.2}, time {:.2}x one thread's at {}\n",
                p.threads,
                weak.param,
                crate::units::fmt_count(p.size),
                p.speedup,
                p.low,
                p.high,
                p.speedup / p.threads as f64,
                p.time_ratio,
                crate::units::fmt_count(weak.base)
            ));
        }
        out.push_str(&format!("    {}\n", g.headline(cores)));
        let at = 16.0;
        let amdahl = strong(g).map_or(String::new(), |f| {
            format!(
                "; Amdahl from the strong sweep (fixed {}): {:.1}x at {at:.0}, at most {}",
                weak.param,
                f.amdahl.speedup(at),
                f.amdahl_ceiling.map_or("unbounded".into(), |c| format!("{c:.1}x"))
            )
        });
        out.push_str(&format!(
            "    Gustafson: S(p) = p - {:.3} (p - 1), rmse {:.3} over {} thread counts: {:.1}x at {at:.0} threads if the work grows with them{amdahl}\n",
            g.serial,
            g.rmse,
            g.fitted,
            g.speedup(at)
        ));
    }
    if analysis.gustafson.is_empty() {
        out.push_str("  no grown size at or below this machine's core count was measured: nothing to fit\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_serial_share_is_recovered_from_exact_points() {
        let s = 0.1;
        let pts: Vec<(f64, f64)> = [1.0, 2.0, 4.0, 8.0].iter().map(|&p| (p, p - s * (p - 1.0))).collect();
        let (got, rmse) = fit_serial(&pts).expect("points above one thread");
        assert!((got - s).abs() < 1e-12, "{got}");
        assert!(rmse < 1e-12, "{rmse}");
        assert!(fit_serial(&[(1.0, 1.0)]).is_none(), "one thread says nothing about s");
    }
}
