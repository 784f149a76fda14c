//! Before a job: how long it will take, from a short probe of the plain
//! loop at small sizes (its cost per size, extrapolated), and whether
//! other programs use the CPU right now (as pyperf's system check does).

use std::time::{Duration, Instant};

use crate::experiment::SweepPlan;
use crate::machine::load::CpuClock;
use crate::units::human_duration;
use crate::workloads::WorkloadSpec;

/// The probe grows its size until one plain loop takes this long.
const PROBE_S: f64 = 0.03;
/// The load is read over at least this long.
const LOAD_WINDOW: Duration = Duration::from_millis(200);
/// Ask before a job expected to run longer than this.
pub const ASK_PAST_S: f64 = 120.0;
/// Warn when other programs use more than this many cores.
pub const BUSY_CORES: f64 = 0.25;

/// The plain loop timed at a small size.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Probe {
    /// The size probed.
    pub n: u64,
    /// Its plain loop's time, seconds.
    pub seconds: f64,
    /// How the time grows with n (1: linear), from the last two sizes probed.
    pub exponent: f64,
}

impl Probe {
    /// The plain loop's expected time at size `n`.
    pub fn at(&self, n: u64) -> f64 {
        self.seconds * (n as f64 / self.n.max(1) as f64).powf(self.exponent)
    }
}

/// What the check before a job found.
#[derive(Clone, Debug, PartialEq)]
pub struct Preflight {
    /// The probe, where the workload has a size to probe.
    pub probe: Option<Probe>,
    /// The whole job's expected time, at least (every configuration at its
    /// ideal speedup), seconds.
    pub expected_s: Option<f64>,
    /// Cores other programs used during the check.
    pub outside_cores: Option<f64>,
}

impl Preflight {
    /// Probes `plan`'s workload and reads the load, on a machine of `cores`.
    pub fn of(plan: &SweepPlan, cores: usize) -> Self {
        let t0 = Instant::now();
        let before = CpuClock::now();
        let probe = probe(&plan.workload);
        let rest = LOAD_WINDOW.saturating_sub(t0.elapsed());
        std::thread::sleep(rest);
        let outside_cores = before.zip(CpuClock::now()).map(|(a, b)| b.share_since(&a).other_processes);
        let from_probe = probe.map(|p| expected(plan, &p, cores));
        let known = plan.expected_long().map(|(s, _)| s);
        let expected_s = match (from_probe, known) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        Preflight { probe, expected_s, outside_cores }
    }

    /// What to ask the person before measuring, one line per point; empty
    /// when nothing needs asking.
    pub fn questions(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(s) = self.expected_s.filter(|&s| s > ASK_PAST_S) {
            let how = self.probe.map_or_else(String::new, |p| {
                format!(" (from a short probe: the plain loop took {} at n = {})", human_duration(p.seconds), p.n)
            });
            out.push(format!("This job is expected to take at least about {}{how}.", human_duration(s)));
        }
        if let Some(c) = self.outside_cores.filter(|&c| c > BUSY_CORES) {
            out.push(format!("Another program is using {c:.1} of a core: the numbers will be disturbed."));
        }
        out
    }
}

/// The cores other programs use now, read over [`LOAD_WINDOW`]; `None`
/// where `/proc` cannot be read.
pub fn outside_load() -> Option<f64> {
    let before = CpuClock::now()?;
    std::thread::sleep(LOAD_WINDOW);
    Some(CpuClock::now()?.share_since(&before).other_processes)
}

/// Times the plain loop of `spec` at growing sizes up to its own `n`,
/// until one takes [`PROBE_S`]; `None` without a size or on an error.
fn probe(spec: &WorkloadSpec) -> Option<Probe> {
    let sized = spec.file.is_none() && spec.name.info().params.iter().any(|p| p.name == "n");
    let n = Some(spec.get("n")).filter(|&n| sized && n > 0)?;
    let mut m = n.min(4096);
    let mut last: Option<(u64, f64)> = None;
    loop {
        let small = spec.clone().with("n", m);
        let t = Instant::now();
        crate::workloads::reference(&small).ok()?;
        let s = t.elapsed().as_secs_f64().max(1e-7);
        let exponent = last.map_or(1.0, |(m0, s0)| ((s / s0).ln() / (m as f64 / m0 as f64).ln()).clamp(1.0, 2.0));
        if s >= PROBE_S || m >= n {
            return Some(Probe { n: m, seconds: s, exponent });
        }
        last = Some((m, s));
        m = m.saturating_mul(4).min(n);
    }
}

/// The job's time if every configuration reached its ideal speedup: each
/// size's plain loop, plus each run at that size divided by its threads
/// (up to the cores), all repeated.
fn expected(plan: &SweepPlan, probe: &Probe, cores: usize) -> f64 {
    let calls = (plan.reps + plan.warmup) as f64;
    let runs = plan.runs();
    plan.steps()
        .iter()
        .enumerate()
        .map(|(i, step)| {
            let base = probe.at(step.workload.get("n"));
            let parallel: f64 =
                runs.iter().filter(|(s, _, _)| *s == i).map(|(_, _, c)| 1.0 / c.threads.get().min(cores.max(1)) as f64).sum();
            base * calls * (1.0 + parallel)
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_probe_extrapolates_with_its_measured_growth() {
        let p = Probe { n: 1000, seconds: 0.01, exponent: 1.5 };
        assert!((p.at(4000) - 0.08).abs() < 1e-9);
        assert!((Probe { exponent: 1.0, ..p }.at(100_000) - 1.0).abs() < 1e-9);
    }

    #[test]
    fn long_jobs_and_busy_machines_are_asked_about_and_others_are_not() {
        let p = Some(Probe { n: 1000, seconds: 0.05, exponent: 1.0 });
        let quiet = Preflight { probe: p, expected_s: Some(30.0), outside_cores: Some(0.05) };
        assert!(quiet.questions().is_empty());
        let long = Preflight { expected_s: Some(400.0), ..quiet.clone() };
        assert_eq!(
            long.questions(),
            ["This job is expected to take at least about 7 min (from a short probe: the plain loop took 50 ms at n = 1000)."]
        );
        let busy = Preflight { outside_cores: Some(0.9), ..quiet };
        assert_eq!(busy.questions(), ["Another program is using 0.9 of a core: the numbers will be disturbed."]);
    }

    #[test]
    fn the_probe_measures_a_real_plain_loop_and_stops_at_the_size_asked() {
        let spec = WorkloadSpec::new(crate::workloads::WorkloadKind::Primes).with("n", 5000);
        let p = probe(&spec).expect("primes has a size");
        assert!(p.n <= 5000 && p.seconds > 0.0 && (1.0..=2.0).contains(&p.exponent), "{p:?}");
    }
}
