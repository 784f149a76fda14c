//! Where parallel pays: the size `n` above which `p` threads beat the plain
//! loop, found by measuring. Each point is a small sweep at one `n` (the
//! plain loop as its reference, the dispenser at `p` threads with each
//! candidate chunk size, interleaved repetitions, medians). The search
//! grows `n` tenfold until threads win, then narrows the bracket around
//! the crossing: each step measures where a two-term model (a fixed cost
//! per call and a cost per item, through the bracket's two points) says
//! the lines cross, and the measurement, not the model, moves the bracket.

use thiserror::Error;

use crate::engine::{ChunkSize, FeederKind, Hooks, Threads};
use crate::experiment::weak::SIZE_PARAM;
use crate::experiment::{Experiment, Status, SweepPlan};
use crate::workloads::{WorkloadError, WorkloadSpec};

/// Why a search ended without an answer.
#[derive(Debug, Error)]
pub enum CrossoverError {
    /// The workload cannot be searched (no size `n`, a size it refuses).
    #[error(transparent)]
    Workload(#[from] WorkloadError),
    /// A point did not complete (cancelled, or a run failed).
    #[error("the point at n = {n} did not complete: {status}")]
    Stopped {
        /// The size.
        n: u64,
        /// What stopped it, in words.
        status: String,
    },
}

/// What to search.
#[derive(Clone, Debug)]
pub struct CrossoverPlan {
    /// The workload; its size parameter `n` is what the search sets.
    pub workload: WorkloadSpec,
    /// Threads that race the plain loop.
    pub threads: Threads,
    /// Chunk sizes tried at every point (the best one wins the point).
    pub chunks: Vec<ChunkSize>,
    /// Timed repetitions per configuration.
    pub reps: usize,
    /// The smallest and largest `n` measured.
    pub min_n: u64,
    /// See `min_n`.
    pub max_n: u64,
    /// A point whose plain loop takes longer than this, seconds, is the
    /// last the search grows to (the next would take ten times as long).
    pub max_plain_s: f64,
}

impl CrossoverPlan {
    /// The search for `workload` at `threads`: chunks auto, 64, 1024 and
    /// 16384; 5 repetitions (near the crossing a point is a fraction of a
    /// millisecond, and 3 flipped between runs); `n` from 1,000 up to 10^9, or up to where the
    /// plain loop takes a second.
    pub fn new(workload: WorkloadSpec, threads: Threads) -> Self {
        let fixed = [64, 1024, 16_384].into_iter().filter_map(|c| ChunkSize::fixed(c).ok());
        CrossoverPlan {
            workload,
            threads,
            chunks: std::iter::once(ChunkSize::Auto).chain(fixed).collect(),
            reps: 5,
            min_n: 1_000,
            max_n: 1_000_000_000,
            max_plain_s: 1.0,
        }
    }
}

/// One measured size.
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    /// The size.
    pub n: u64,
    /// The plain loop's median, seconds.
    pub plain_s: f64,
    /// The fastest threaded configuration's median, seconds.
    pub best_s: f64,
    /// Its chunk size.
    pub chunk: ChunkSize,
    /// `plain_s / best_s`.
    pub speedup: f64,
    /// Every run gave the plain loop's result.
    pub verified: bool,
}

impl Point {
    /// Whether the threads beat the plain loop here.
    pub fn wins(&self) -> bool {
        self.speedup >= 1.0
    }
}

/// What the search found.
#[derive(Clone, Debug, PartialEq)]
pub enum Answer {
    /// Threads lose at `low` and win at `high`, and the model puts the
    /// crossing at `n` between them.
    Above {
        /// The model's crossing, inside the bracket.
        n: u64,
        /// The largest size measured where the threads lost.
        low: u64,
        /// The smallest size measured where they won (and at every size above).
        high: u64,
        /// The best chunk size at `high`.
        chunk: ChunkSize,
    },
    /// Threads won at every size measured.
    Always {
        /// The smallest size measured.
        from: u64,
        /// The best chunk size there.
        chunk: ChunkSize,
    },
    /// Threads lost at every size measured.
    Never {
        /// The largest size measured.
        up_to: u64,
        /// Their best speedup anywhere (below 1).
        best: f64,
        /// The chunk size of that best.
        chunk: ChunkSize,
    },
}

/// The search's result: every point measured (by `n`) and the answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Crossover {
    /// The workload searched.
    pub workload: WorkloadSpec,
    /// Threads that raced the plain loop.
    pub threads: usize,
    /// The points, by `n`.
    pub points: Vec<Point>,
    /// The answer.
    pub answer: Answer,
}

impl Crossover {
    /// The answer in one sentence.
    pub fn words(&self) -> String {
        let p = self.threads;
        let count = crate::units::fmt_count;
        match &self.answer {
            Answer::Above { n, low, high, chunk } => format!(
                "{p} threads beat the plain loop above n ≈ {} ({}-{}); the best chunk there is {chunk}",
                count(*n),
                count(*low),
                count(*high)
            ),
            Answer::Always { from, chunk } => {
                format!("{p} threads beat the plain loop at every n measured, from {}; the best chunk there is {chunk}", count(*from))
            }
            Answer::Never { up_to, best, chunk } => format!(
                "{p} threads never beat the plain loop up to n = {} (their best: {best:.2}x, chunk {chunk}); parallel does not pay for this workload here",
                count(*up_to)
            ),
        }
    }
}

/// Refinements of the bracket after the tenfold growth.
const REFINE: usize = 3;

/// Searches where `plan.threads` beat the plain loop; `on_point` hears
/// each point as it is measured. A cancel through `hooks` ends it.
///
/// # Errors
/// A workload without a size `n`, a size it refuses, a run that failed,
/// or a cancel.
pub fn find(plan: &CrossoverPlan, hooks: &Hooks, mut on_point: impl FnMut(&Point)) -> Result<Crossover, CrossoverError> {
    crate::experiment::weak::check(&plan.workload)?;
    let mut points: Vec<Point> = Vec::new();
    let mut measure = |n: u64, points: &mut Vec<Point>| -> Result<(), CrossoverError> {
        let p = point(plan, n, hooks)?;
        on_point(&p);
        points.push(p);
        points.sort_by_key(|p| p.n);
        Ok(())
    };
    let mut n = plan.min_n.max(1);
    loop {
        measure(n, &mut points)?;
        let last = &points[points.len() - 1];
        let won_twice = points.len() >= 2 && points[points.len() - 2].wins() && last.wins();
        if won_twice || (last.wins() && points.len() == 1) || n >= plan.max_n || last.plain_s > plan.max_plain_s {
            break;
        }
        n = n.saturating_mul(10).min(plan.max_n);
    }
    for _ in 0..REFINE {
        let Some((lo, hi)) = bracket(&points) else { break };
        let Some(next) = probe_between(&points[lo], &points[hi]) else { break };
        measure(next, &mut points)?;
    }
    let answer = answer(&points);
    Ok(Crossover { workload: plan.workload.clone(), threads: plan.threads.get(), points, answer })
}

/// One point: a small sweep at size `n`.
fn point(plan: &CrossoverPlan, n: u64, hooks: &Hooks) -> Result<Point, CrossoverError> {
    let workload = plan.workload.clone().with(SIZE_PARAM, n);
    let sweep = SweepPlan {
        workload,
        feeders: vec![FeederKind::Dispenser],
        threads: vec![plan.threads],
        chunks: plan.chunks.clone(),
        gil: vec![false],
        reps: plan.reps.max(1),
        warmup: 1,
        spans: false,
        variants: Vec::new(),
        weak: false,
    };
    let exp = super::run_sweep(&sweep, Experiment::start(&sweep, None), hooks, |_| {}, |_| {})?;
    let stopped = || CrossoverError::Stopped { n, status: exp.status.describe() };
    if exp.status != Status::Complete {
        return Err(stopped());
    }
    let plain_s = exp.baseline_median_s();
    let best = exp.runs.iter().min_by(|a, b| a.median_s.total_cmp(&b.median_s)).ok_or_else(stopped)?;
    Ok(Point {
        n,
        plain_s,
        best_s: best.median_s,
        chunk: best.chunk_size,
        speedup: plain_s / best.median_s.max(1e-12),
        verified: exp.all_verified(),
    })
}

/// The bracket around the crossing: the largest losing point below the
/// first win after which every point wins (indices into `points`).
fn bracket(points: &[Point]) -> Option<(usize, usize)> {
    let hi = (0..points.len()).find(|&i| points[i..].iter().all(Point::wins))?;
    (hi > 0).then_some((hi - 1, hi))
}

/// Where to measure next between a losing `lo` and a winning `hi`: where
/// the model through them crosses, kept a fifth of the way (on a log
/// scale) inside the bracket; `None` when the bracket is too narrow.
fn probe_between(lo: &Point, hi: &Point) -> Option<u64> {
    if hi.n < lo.n + lo.n / 5 + 1 {
        return None;
    }
    let (l, h) = ((lo.n as f64).ln(), (hi.n as f64).ln());
    let guess = model_crossing(lo, hi).map_or((l + h) / 2.0, f64::ln);
    let x = guess.clamp(l + (h - l) / 5.0, h - (h - l) / 5.0).exp().round() as u64;
    (x > lo.n && x < hi.n).then_some(x)
}

/// Where `a + b n` (the threads) meets `c + d n` (the plain loop), both
/// lines through `lo` and `hi`; `None` where they do not cross.
fn model_crossing(lo: &Point, hi: &Point) -> Option<f64> {
    let dn = hi.n as f64 - lo.n as f64;
    let b = (hi.best_s - lo.best_s) / dn;
    let a = lo.best_s - b * lo.n as f64;
    let d = (hi.plain_s - lo.plain_s) / dn;
    let c = lo.plain_s - d * lo.n as f64;
    let n = (a - c) / (d - b);
    (d > b && n.is_finite() && n > 0.0).then_some(n)
}

/// The answer the points give.
fn answer(points: &[Point]) -> Answer {
    match bracket(points) {
        Some((lo, hi)) => {
            let (l, h) = (&points[lo], &points[hi]);
            let n = model_crossing(l, h).map_or(((l.n as f64).ln() + (h.n as f64).ln()) / 2.0, f64::ln);
            let n = n.clamp((l.n as f64).ln(), (h.n as f64).ln()).exp().round() as u64;
            Answer::Above { n, low: l.n, high: h.n, chunk: h.chunk }
        }
        None if points.iter().all(Point::wins) && !points.is_empty() => Answer::Always { from: points[0].n, chunk: points[0].chunk },
        None => {
            let best = points.iter().max_by(|a, b| a.speedup.total_cmp(&b.speedup));
            Answer::Never {
                up_to: points.last().map_or(0, |p| p.n),
                best: best.map_or(0.0, |p| p.speedup),
                chunk: best.map_or(ChunkSize::Auto, |p| p.chunk),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pt(n: u64, plain_s: f64, best_s: f64) -> Point {
        Point { n, plain_s, best_s, chunk: ChunkSize::Auto, speedup: plain_s / best_s, verified: true }
    }

    #[test]
    fn the_model_crossing_is_where_the_two_lines_meet() {
        // Threads: 100 us + 1 ns/item; plain: 3 ns/item. They meet at n = 50,000.
        let line = |n: u64| (1e-4 + 1e-9 * n as f64, 3e-9 * n as f64);
        let (a, b) = (line(10_000), line(100_000));
        let n = model_crossing(&pt(10_000, a.1, a.0), &pt(100_000, b.1, b.0)).unwrap();
        assert!((n - 50_000.0).abs() < 1.0, "{n}");
    }

    #[test]
    fn the_answer_brackets_the_crossing_with_measured_points() {
        let points = vec![pt(1_000, 1.0, 2.0), pt(10_000, 1.0, 1.5), pt(100_000, 2.0, 1.0), pt(1_000_000, 20.0, 8.0)];
        assert_eq!(bracket(&points), Some((1, 2)));
        match answer(&points) {
            Answer::Above { n, low, high, .. } => assert!((low, high) == (10_000, 100_000) && n > low && n < high, "{n}"),
            other => panic!("{other:?}"),
        }
        // A win followed by a loss is no crossing yet: the bracket starts after the last loss.
        let points = vec![pt(1_000, 1.0, 0.9), pt(10_000, 1.0, 1.5), pt(100_000, 2.0, 1.0)];
        assert_eq!(bracket(&points), Some((1, 2)));
        let never = vec![pt(1_000, 1.0, 2.0), pt(10_000, 1.0, 1.25)];
        assert!(matches!(answer(&never), Answer::Never { up_to: 10_000, best, .. } if (best - 0.8).abs() < 1e-9));
        assert!(matches!(answer(&[pt(1_000, 2.0, 1.0)]), Answer::Always { from: 1_000, .. }));
    }

    #[test]
    fn a_probe_stays_inside_the_bracket() {
        let (lo, hi) = (pt(10_000, 1.0, 1.5), pt(100_000, 2.0, 1.0));
        let x = probe_between(&lo, &hi).unwrap();
        assert!(x > 10_000 && x < 100_000, "{x}");
        assert_eq!(probe_between(&pt(100, 1.0, 2.0), &pt(110, 2.0, 1.0)), None);
    }
}
