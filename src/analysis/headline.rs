//! The line a class reads first: the best run's speedup with the spread of
//! its repetitions, against the ideal, with its verdict; and, where a run
//! was much slower (a comparison), that one too.

use std::fmt;

use super::Analysis;
use crate::experiment::{Experiment, RunRecord};

/// A speedup as the median of the repetitions and their range.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Spread {
    /// The median repetition's speedup.
    pub median: f64,
    /// The slowest repetition's speedup.
    pub low: f64,
    /// The fastest repetition's speedup.
    pub high: f64,
}

impl Spread {
    /// The speedup of `run` against a reference of `baseline_s` seconds,
    /// from the median and the extremes of its timed repetitions.
    pub fn of(run: &RunRecord, baseline_s: f64) -> Self {
        let s = |t: f64| if t > 0.0 { baseline_s / t } else { 0.0 };
        Spread { median: s(run.median_s), low: s(run.max_s), high: s(run.min_s) }
    }
}

impl fmt::Display for Spread {
    /// `1.94x (1.90-1.97)`; the median alone when the repetitions agree to
    /// the shown digits or there was one.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Two significant digits below 0.1: a 20,000x loss reads 0.000047x, not 0.000x.
        let d = if self.median >= 0.1 || self.median <= 0.0 { 2 } else { ((-self.median.log10()).floor() as usize + 2).min(6) };
        let (m, lo, hi) = (format!("{:.d$}", self.median), format!("{:.d$}", self.low), format!("{:.d$}", self.high));
        if lo == hi { write!(f, "{m}x") } else { write!(f, "{m}x ({lo}-{hi})") }
    }
}

/// One headline: which run, its speedup against the ideal, and why.
#[derive(Clone, Debug, PartialEq)]
pub struct Headline {
    /// The run, for people: `auto, 2 threads`.
    pub run: String,
    /// Its threads.
    pub threads: usize,
    /// Its speedup and spread.
    pub speedup: Spread,
    /// The machine's logical cores.
    pub cores: usize,
    /// The diagnosis' headline for this run.
    pub verdict: String,
    /// The design fixes the thread count (one thread per aggregate): no
    /// ideal to measure against, only the plain loop.
    pub fixed_threads: bool,
}

impl Headline {
    /// The numbers in one line: `auto, 2 threads: 1.94x (1.90-1.97) of an ideal 2x`.
    pub fn numbers(&self) -> String {
        if self.fixed_threads {
            return format!("{}: {} the plain loop's speed (the design fixes the threads)", self.run, self.speedup);
        }
        let ideal = if self.threads > self.cores && self.cores > 0 {
            format!("on {} cores (ideal {}x for CPU work)", self.cores, self.cores)
        } else {
            format!("of an ideal {}x", self.threads)
        };
        format!("{}: {} {ideal}", self.run, self.speedup)
    }
}

/// A ratio below which the slowest run is headlined too: the other side
/// of a comparison (a chunk size, a design, the GIL) that lost a quarter
/// or more of the best one's speedup.
const CONTRAST: f64 = 0.75;

/// The best run's headline; then the slowest run's at the same thread
/// count, when it reached less than [`CONTRAST`] of the best's speedup (the
/// other side of a comparison: a chunk size, a design, the GIL). Empty
/// without a reference or runs.
pub fn headlines(exp: &Experiment, analysis: &Analysis) -> Vec<Headline> {
    let base = exp.baseline_median_s();
    if base <= 0.0 || exp.runs.is_empty() {
        return Vec::new();
    }
    let one = |i: usize| {
        let r = &exp.runs[i];
        // A user's own program is named by its program, not a feeder it never had.
        let design = match &exp.workload.command {
            Some(c) => c.program(),
            None => r.variant.map_or_else(|| r.feeder.to_string(), |v| v.to_string()),
        };
        let gil = if r.gil { " with the GIL" } else { "" };
        let chunk = match r.chunk_size {
            crate::engine::ChunkSize::Fixed(c) if r.feeder.takes_chunks() && exp.workload.command.is_none() => {
                format!(" chunk {}", crate::units::fmt_count(c.get() as u64))
            }
            _ => String::new(),
        };
        let threads = if r.threads == 1 { "1 thread".to_string() } else { format!("{} threads", r.threads) };
        Headline {
            run: format!("{design}{chunk}{gil}, {threads}"),
            threads: r.threads,
            speedup: Spread::of(r, base),
            cores: exp.machine.logical_cores,
            verdict: analysis.diagnoses.get(i).map(|d| d.headline.clone()).unwrap_or_default(),
            fixed_threads: exp.workload.name.design().threads_param().is_some(),
        }
    };
    let speedup = |i: &usize| exp.runs[*i].speedup;
    // The best; of equals, the one on fewer threads.
    let best = (0..exp.runs.len())
        .max_by(|a, b| speedup(a).total_cmp(&speedup(b)).then(exp.runs[*b].threads.cmp(&exp.runs[*a].threads)))
        .unwrap_or(0);
    // The other side of a comparison is at the same thread count (in a
    // thread sweep the one-thread run is no contrast).
    let same = |i: &usize| exp.runs[*i].threads == exp.runs[best].threads;
    let worst = (0..exp.runs.len()).filter(same).min_by(|a, b| speedup(a).total_cmp(&speedup(b))).unwrap_or(best);
    let mut out = vec![one(best)];
    if worst != best && exp.runs[worst].speedup < CONTRAST * exp.runs[best].speedup {
        out.push(one(worst));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::diagnosis::fixture::run;
    use crate::engine::FeederKind;

    #[test]
    fn the_spread_reads_as_median_and_range() {
        let mut r = run(FeederKind::Dispenser, 2, 0.5, 1.0, &[(50, 0.5, 0.0); 2]);
        (r.min_s, r.max_s) = (0.49, 0.52);
        let s = Spread::of(&r, 0.97);
        assert_eq!(s.to_string(), "1.94x (1.87-1.98)");
        (r.min_s, r.max_s) = (0.5, 0.5);
        assert_eq!(Spread::of(&r, 1.0).to_string(), "2.00x");
        r.median_s = 50.0;
        (r.min_s, r.max_s) = (49.0, 51.0);
        assert_eq!(Spread::of(&r, 1.0).to_string(), "0.020x");
        (r.median_s, r.min_s, r.max_s) = (21_400.0, 21_400.0, 21_400.0);
        assert_eq!(Spread::of(&r, 1.0).to_string(), "0.000047x");
    }

    #[test]
    fn the_best_run_leads_and_a_much_slower_one_follows_with_its_verdict() {
        let mut exp = crate::analysis::diagnosis::fixture::experiment(vec![
            run(FeederKind::Dispenser, 2, 0.52, 1.0, &[(50, 0.5, 0.0); 2]),
            run(FeederKind::Locked, 2, 50.0, 1.0, &[(50, 10.0, 39.0); 2]),
        ]);
        exp.machine.logical_cores = 2;
        let analysis = Analysis::of(&exp);
        let h = headlines(&exp, &analysis);
        assert_eq!(h.len(), 2, "{h:?}");
        assert_eq!(h[0].numbers(), "dispenser, 2 threads: 1.92x of an ideal 2x");
        assert_eq!(h[0].verdict, analysis.diagnoses[0].headline);
        assert!(h[1].numbers().starts_with("locked, 2 threads: 0.020x"), "{}", h[1].numbers());
        assert!(h[1].verdict.contains("lock"), "{}", h[1].verdict);
    }

    #[test]
    fn a_program_is_named_by_its_program_with_its_verdict() {
        use crate::analysis::diagnosis::fixture::program;
        let mut exp = crate::analysis::diagnosis::fixture::experiment(vec![
            program(1, 1.0, 1.0, &[(1.0, 1.0); 3], &[(1.0, 0.0)]),
            program(2, 0.99, 1.0, &[(0.99, 1.0); 3], &[(0.95, 0.0), (0.05, 0.9)]),
        ]);
        exp.workload = crate::workloads::WorkloadSpec {
            command: Some(crate::program::CommandSpec::new("/usr/bin/xz -T{threads} -c f")),
            ..crate::workloads::WorkloadSpec::new(crate::workloads::WorkloadKind::Command)
        };
        exp.machine.logical_cores = 2;
        let h = headlines(&exp, &Analysis::of(&exp));
        assert_eq!(h[0].numbers(), "xz, 2 threads: 1.01x of an ideal 2x");
        assert!(h[0].verdict.contains("the program ran serially"), "{}", h[0].verdict);
    }

    #[test]
    fn past_the_cores_the_ideal_is_the_cores() {
        let mut exp = crate::analysis::diagnosis::fixture::experiment(vec![run(FeederKind::Dispenser, 8, 0.5, 1.0, &[(50, 0.5, 0.0); 8])]);
        exp.machine.logical_cores = 2;
        let h = headlines(&exp, &Analysis::of(&exp));
        assert_eq!(h[0].numbers(), "dispenser, 8 threads: 2.00x on 2 cores (ideal 2x for CPU work)");
    }

    #[test]
    fn a_design_that_fixes_its_threads_is_measured_against_the_plain_loop_only() {
        let mut exp = crate::analysis::diagnosis::fixture::experiment(vec![run(FeederKind::Queue, 6, 12.5, 1.0, &[(50, 1.0, 0.0); 6])]);
        exp.workload = crate::workloads::WorkloadSpec::new(crate::workloads::WorkloadKind::Aggregates);
        exp.machine.logical_cores = 2;
        let h = headlines(&exp, &Analysis::of(&exp));
        assert_eq!(h[0].numbers(), "queue, 6 threads: 0.080x the plain loop's speed (the design fixes the threads)");
    }
}
