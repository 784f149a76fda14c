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

/// The plain loop timed at small sizes, fitted as a fixed cost (a serial
/// part, a setup) plus a cost that grows as `n^exponent` (1: linear; primes
/// grow faster, as a bigger number takes longer to test).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Probe {
    /// The largest size probed.
    pub n: u64,
    /// Its plain loop's time, seconds.
    pub seconds: f64,
    /// The time that does not grow with n, seconds.
    pub fixed_s: f64,
    /// How the rest grows with n.
    pub exponent: f64,
}

impl Probe {
    /// Fitted through the last three sizes probed, each four times the one
    /// before (`(n, seconds)`, smallest first); through the last two, or
    /// the last alone, when there are fewer.
    fn fit(points: &[(u64, f64)]) -> Option<Self> {
        let &(n, seconds) = points.last()?;
        let growth = match points {
            [.., (_, t0), (_, t1), (_, t2)] if t1 > t0 && t2 > t1 => ((t2 - t1) / (t1 - t0)).log(4.0),
            _ => 1.0,
        };
        let exponent = growth.clamp(1.0, 2.0);
        // The fixed part: what the last two times share beyond their growth.
        let fixed = match points {
            [.., (n1, t1), (n2, t2)] if n2 > n1 => {
                let r = (*n2 as f64 / *n1 as f64).powf(exponent);
                ((r * t1 - t2) / (r - 1.0)).clamp(0.0, *t2)
            }
            _ => 0.0,
        };
        Some(Probe { n, seconds, fixed_s: fixed, exponent })
    }

    /// The plain loop's expected time at size `n`.
    pub fn at(&self, n: u64) -> f64 {
        self.fixed_s + (self.seconds - self.fixed_s) * (n as f64 / self.n.max(1) as f64).powf(self.exponent)
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
    /// Where the plan asks for more threads than this process's CPU set or
    /// cgroup quota allows: the warning ([`crowded`]).
    pub crowded: Option<String>,
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
        let most = plan.threads.iter().map(|t| t.get()).max().unwrap_or(1);
        let crowded = crowded(&crate::machine::MachineInfo::detect(), most);
        Preflight { probe, expected_s, outside_cores, crowded }
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
        if let Some(w) = &self.crowded {
            let mut w = w.clone();
            if let Some(first) = w.get_mut(..1) {
                first.make_ascii_uppercase();
            }
            out.push(format!("{w}."));
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

/// Times the plain loop of `spec` at sizes growing four times a step up
/// to its own `n`, until one takes [`PROBE_S`], then once more at four
/// times that size; `None` without a size or on an error. A program is
/// never probed: the probe would run it, untimed, before the person's job.
fn probe(spec: &WorkloadSpec) -> Option<Probe> {
    let design = spec.name.design();
    let ours = design.runs_here() && design != crate::workloads::Design::Program;
    let sized = ours && spec.file.is_none() && spec.name.info().params.iter().any(|p| p.name == "n");
    let n = Some(spec.get("n")).filter(|&n| sized && n > 0)?;
    let time = |m: u64| -> Option<(u64, f64)> {
        let t = Instant::now();
        crate::workloads::reference(&spec.clone().with("n", m)).ok()?;
        Some((m, t.elapsed().as_secs_f64().max(1e-7)))
    };
    let mut points = vec![time(n.min(4096))?];
    let mut extra = 1;
    loop {
        let &(m, t) = points.last()?;
        if m >= n || (t >= PROBE_S && extra == 0) {
            break;
        }
        if t >= PROBE_S {
            extra -= 1;
        }
        points.push(time(m.saturating_mul(4).min(n))?);
    }
    Probe::fit(&points)
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

/// The warning before measuring `threads` threads where this process may
/// use fewer CPUs (its CPU set, or its cgroup's quota): `None` where they fit.
pub fn crowded(machine: &crate::machine::MachineInfo, threads: usize) -> Option<String> {
    let a = machine.allowed.as_ref()?;
    // More threads than the machine's CPUs is the ordinary oversubscription the diagnosis reads; this warns of a narrowed set.
    let set = (threads > a.cpus.len() && a.cpus.len() < machine.logical_cores).then(|| {
        let past = crate::units::count_of(a.cpus.len(), "thread");
        format!(
            "this process may run on {} of {} CPUs (its CPU set: {}): the runs past {past} are oversubscribed",
            a.cpus.len(),
            machine.logical_cores,
            a.cpus
        )
    });
    let quota =
        a.quota_cpus.filter(|&q| threads as f64 > q).map(|q| format!("the cgroup allows {q:.2} CPUs: runs of more threads are throttled"));
    let both: Vec<String> = set.into_iter().chain(quota).collect();
    (!both.is_empty()).then(|| both.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_probe_separates_a_fixed_cost_from_a_cost_that_grows() {
        // 66 ms of a serial part, then 1 us per item.
        let at = |n: u64| 0.066 + n as f64 * 1e-6;
        let p = Probe::fit(&[(4096, at(4096)), (16_384, at(16_384)), (65_536, at(65_536))]).unwrap();
        assert!((p.exponent - 1.0).abs() < 1e-6 && (p.fixed_s - 0.066).abs() < 1e-6, "{p:?}");
        assert!((p.at(1_000_000) - at(1_000_000)).abs() < 1e-6);
        // A cost growing as n^1.5 with no fixed part.
        let grow = |n: u64| (n as f64).powf(1.5) * 1e-9;
        let q = Probe::fit(&[(1000, grow(1000)), (4000, grow(4000)), (16_000, grow(16_000))]).unwrap();
        assert!((q.exponent - 1.5).abs() < 1e-6 && q.fixed_s.abs() < 1e-9, "{q:?}");
        assert!((q.at(1_000_000) / grow(1_000_000) - 1.0).abs() < 1e-6);
    }

    #[test]
    fn long_jobs_and_busy_machines_are_asked_about_and_others_are_not() {
        let p = Some(Probe { n: 1000, seconds: 0.05, fixed_s: 0.0, exponent: 1.0 });
        let quiet = Preflight { probe: p, expected_s: Some(30.0), outside_cores: Some(0.05), crowded: None };
        assert!(quiet.questions().is_empty());
        let long = Preflight { expected_s: Some(400.0), ..quiet.clone() };
        assert_eq!(
            long.questions(),
            ["This job is expected to take at least about 7 min (from a short probe: the plain loop took 50 ms at n = 1000)."]
        );
        let busy = Preflight { outside_cores: Some(0.9), ..quiet.clone() };
        assert_eq!(busy.questions(), ["Another program is using 0.9 of a core: the numbers will be disturbed."]);
        // The app asks this before a job that asks for more threads than the CPU set allows.
        let mut one_cpu = crate::machine::MachineInfo { logical_cores: 2, physical_cores: 2, ..Default::default() };
        one_cpu.allowed = Some(crate::machine::Allowed { cpus: "0".parse().expect("a CPU list"), quota_cpus: None, cpuset: None });
        let crowded = Preflight { crowded: crowded(&one_cpu, 2), ..quiet };
        assert_eq!(
            crowded.questions(),
            ["This process may run on 1 of 2 CPUs (its CPU set: 0): the runs past 1 thread are oversubscribed."]
        );
    }

    #[test]
    fn the_probe_measures_a_real_plain_loop_and_stops_at_the_size_asked() {
        let spec = WorkloadSpec::new(crate::workloads::WorkloadKind::Primes).with("n", 5000);
        let p = probe(&spec).expect("primes has a size");
        assert!(p.n <= 5000 && p.seconds > 0.0 && (1.0..=2.0).contains(&p.exponent) && p.fixed_s >= 0.0, "{p:?}");
    }
}
