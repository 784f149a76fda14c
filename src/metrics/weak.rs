//! Weak scaling (Gustafson): the problem grows with the threads.
//!
//! Strong scaling keeps `n` fixed and asks how much faster `p` threads
//! finish it. Weak scaling gives `p` threads `p` times the work (`n x p`)
//! and asks whether they finish it in the time one thread takes for `n`.
//! Each grown size has its own sequential reference, so the *scaled
//! speedup* of a run is the plain loop's time at that size over the run's
//! time at that size, and its efficiency is that over `p`.
//!
//! Gustafson's law reads the same measurements as `S(p) = p - s (p - 1)`,
//! where `s` is the share of the parallel run spent in serial work. When the
//! serial part stays fixed while the parallel part grows with `n`, `s`
//! shrinks and the scaled speedup keeps growing with `p`: Amdahl's ceiling
//! `1/(1-f)` is a statement about a fixed problem, not about the machine.

use serde::{Deserialize, Serialize};

use crate::engine::{ChunkSize, FeederKind};
use crate::experiment::{Baseline, Experiment, RunRecord};
use crate::workloads::{Variant, WorkloadError, WorkloadSpec};

/// The parameter that grows with the threads (every workload's size).
pub const SIZE_PARAM: &str = "n";

/// The weak-scaling half of an experiment: one step per thread count above
/// one. The one-thread point is the strong sweep's own one-thread run at
/// the size asked.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Weak {
    /// The parameter that grew ([`SIZE_PARAM`]).
    pub param: String,
    /// Its value at one thread (the size asked).
    pub base: u64,
    /// One step per thread count above one, in the order they were first measured.
    pub steps: Vec<WeakStep>,
}

/// One grown size: its own sequential reference and the runs at it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WeakStep {
    /// The thread count the size grew for.
    pub threads: usize,
    /// The size: [`Weak::base`] x `threads`.
    pub size: u64,
    /// The plain loop at this size, timed in the same rounds as the runs;
    /// `None` until its first timed repetition ends.
    pub baseline: Option<Baseline>,
    /// The runs at this size; their `speedup` is the scaled speedup
    /// (this step's baseline over the run), their `efficiency` that over the threads.
    pub runs: Vec<RunRecord>,
}

impl Weak {
    /// An empty weak half for `spec` (the size asked, before it grows).
    pub fn of(spec: &WorkloadSpec) -> Self {
        Weak { param: SIZE_PARAM.into(), base: spec.get(SIZE_PARAM), steps: Vec::new() }
    }
}

impl WeakStep {
    /// An empty step for `threads`, at the size of `grown` (see [`grown`]).
    pub fn new(threads: usize, grown: &WorkloadSpec) -> Self {
        WeakStep { threads, size: grown.get(SIZE_PARAM), baseline: None, runs: Vec::new() }
    }
}

/// `spec` with its size multiplied by `threads` (saturating: an absurd size
/// is refused by validation, never wrapped).
pub fn grown(spec: &WorkloadSpec, threads: usize) -> WorkloadSpec {
    let n = spec.get(SIZE_PARAM).saturating_mul(threads as u64);
    spec.clone().with(SIZE_PARAM, n)
}

/// `n = 10,000,000`.
pub fn size_words(spec: &WorkloadSpec) -> String {
    format!("{SIZE_PARAM} = {}", super::units::fmt_count(spec.get(SIZE_PARAM)))
}

/// Whether `spec` can grow with the threads.
///
/// # Errors
/// [`WorkloadError::Weak`]: a text file (it cannot grow), a design that
/// fixes its own thread count, or a size of 0.
pub fn check(spec: &WorkloadSpec) -> Result<(), WorkloadError> {
    let why = if spec.file.is_some() {
        Some(format!(
            "{} reads the file you gave, which cannot grow with the threads; leave out --file to use the generated text",
            spec.name
        ))
    } else if let Some(k) = spec.name.design().threads_param() {
        Some(format!("{} runs one thread per aggregate ({k} = {}), so the threads cannot grow", spec.name, spec.get(k)))
    } else if spec.get(SIZE_PARAM) == 0 {
        Some(format!("{SIZE_PARAM} = 0 has nothing to grow; give --{SIZE_PARAM} 1 or more"))
    } else {
        None
    };
    why.map_or(Ok(()), |why| Err(WorkloadError::Weak(why)))
}

/// The error for a weak step whose grown size does not validate: names the
/// size asked, the threads and the limit.
pub fn too_big(spec: &WorkloadSpec, threads: Option<usize>, e: WorkloadError) -> WorkloadError {
    match (e, threads) {
        (WorkloadError::Param { name, value, max, .. }, Some(p)) if name == SIZE_PARAM => WorkloadError::Weak(format!(
            "{SIZE_PARAM} = {} x {p} threads = {} is above {SIZE_PARAM}'s limit {}; lower --{SIZE_PARAM} or the thread counts",
            spec.get(SIZE_PARAM),
            super::units::fmt_count(value),
            super::units::fmt_count(max)
        )),
        (e, _) => e,
    }
}

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
pub fn describe(file: &Experiment, analysis: &super::analysis::Analysis) -> String {
    let Some(weak) = &file.weak else { return String::new() };
    let cores = file.machine.logical_cores;
    let mut out = format!(
        "\nWeak scaling ({} grows with the threads from {}; scaled speedup = the plain loop at that size / the run at that size):\n",
        weak.param,
        super::units::fmt_count(weak.base)
    );
    let strong = |g: &Gustafson| analysis.fit_of(g.feeder, g.chunk_size, g.gil, g.variant);
    for g in &analysis.gustafson {
        out.push_str(&format!("  {}:\n", g.series_name()));
        for p in &g.points {
            out.push_str(&format!(
                "    {} threads, {} = {}: scaled speedup {:.2} ({:.2}-{:.2}), efficiency {:.2}, time {:.2}x one thread's at {}\n",
                p.threads,
                weak.param,
                super::units::fmt_count(p.size),
                p.speedup,
                p.low,
                p.high,
                p.speedup / p.threads as f64,
                p.time_ratio,
                super::units::fmt_count(weak.base)
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

    #[test]
    fn grown_sizes_saturate_and_are_refused_with_the_numbers() {
        use crate::workloads::WorkloadKind;
        let spec = WorkloadSpec::new(WorkloadKind::Primes).with("n", 600_000_000);
        let big = grown(&spec, 4);
        assert_eq!(big.get("n"), 2_400_000_000);
        let e = too_big(&spec, Some(4), big.validate().expect_err("above primes' limit")).to_string();
        assert!(e.contains("600000000 x 4 threads = 2,400,000,000") && e.contains("1,000,000,000"), "{e}");
        assert_eq!(grown(&spec.clone().with("n", u64::MAX), 2).get("n"), u64::MAX);
        let text = WorkloadSpec { file: Some("words.txt".into()), ..WorkloadSpec::new(WorkloadKind::WordCount) };
        assert!(check(&text).expect_err("a file cannot grow").to_string().contains("file"));
        assert!(check(&WorkloadSpec::new(WorkloadKind::Aggregates)).is_err());
        assert!(check(&WorkloadSpec::new(WorkloadKind::Primes)).is_ok());
    }
}
