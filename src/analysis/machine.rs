//! What the machine did to an experiment, read from what it recorded of
//! itself (its CPU set, cgroup quota, SMT siblings, core types, governor)
//! against the runs: a run past the CPUs this process may use is
//! oversubscribed, a quota throttles, threads past the physical cores share
//! them, efficiency cores slow the threads that land on them, and a
//! governor other than `performance` may change the clock mid-run.

use crate::experiment::{Experiment, RunRecord};
use crate::units::count_of;

/// One thing the machine did to the runs.
#[derive(Clone, Debug, PartialEq)]
pub struct Note {
    /// What, in one line.
    pub headline: String,
    /// From which numbers.
    pub evidence: String,
}

/// Every note on `exp`'s machine, in the order a reader needs them.
pub fn notes(exp: &Experiment) -> Vec<Note> {
    let most = exp.runs.iter().map(|r| r.threads).max().unwrap_or(1);
    [cpu_set(exp, most), quota(exp, most), smt(exp), core_types(exp, most), governor(exp)].into_iter().flatten().collect()
}

/// The fastest run at `threads` (its median, seconds).
fn fastest(runs: &[RunRecord], threads: usize) -> Option<&RunRecord> {
    runs.iter().filter(|r| r.threads == threads).min_by(|a, b| a.median_s.total_cmp(&b.median_s))
}

/// The speeds of the fastest runs at `a` and at `b` threads, as a ratio (b over a).
fn gain(runs: &[RunRecord], a: usize, b: usize) -> Option<f64> {
    Some(fastest(runs, a)?.median_s / fastest(runs, b)?.median_s)
}

fn cpu_set(exp: &Experiment, most: usize) -> Option<Note> {
    let a = exp.machine.allowed.as_ref()?;
    let (n, logical) = (a.cpus.len(), exp.machine.logical_cores);
    (n < logical && most > n).then(|| Note {
        headline: format!(
            "this process may run on {n} of {logical} CPUs (its CPU set: {}): every run past {} is oversubscribed",
            a.cpus,
            count_of(n, "thread")
        ),
        evidence: match gain(&exp.runs, n, most) {
            Some(g) => format!("{most} threads ran {g:.2}x as fast as {}, on the same {}", count_of(n, "thread"), count_of(n, "CPU")),
            None => format!("the affinity mask (taskset, a cgroup cpuset) allowed CPUs {} only", a.cpus),
        },
    })
}

fn quota(exp: &Experiment, most: usize) -> Option<Note> {
    let q = exp.machine.allowed.as_ref()?.quota_cpus?;
    (most as f64 > q).then(|| Note {
        headline: format!("the cgroup allows {q:.2} CPUs: runs of more threads are throttled, not parallel"),
        evidence: format!(
            "its cpu.max (or cfs quota) gives {q:.2} CPUs of time per period, whatever the threads; {most} threads were asked"
        ),
    })
}

fn smt(exp: &Experiment) -> Option<Note> {
    let t = exp.machine.topology.as_ref().filter(|t| !t.smt_siblings.is_empty())?;
    let physical = exp.machine.physical_cores;
    let past: Vec<usize> = exp.runs.iter().map(|r| r.threads).filter(|&p| p > physical && p <= exp.machine.logical_cores).collect();
    let top = past.into_iter().max()?;
    let cost = gain(&exp.runs, physical, top).map_or_else(
        || "no run at the physical core count to compare with".to_string(),
        |g| {
            format!(
                "{top} threads ran {g:.2}x as fast as {physical} (ideal for {top} separate cores: {:.2}x)",
                top as f64 / physical as f64
            )
        },
    );
    Some(Note {
        headline: format!("past the {physical} physical cores, threads run on SMT siblings that share a core's units"),
        evidence: format!("{}, e.g. CPUs {{{}}} share one core; {cost}", count_of(t.smt_siblings.len(), "sibling set"), t.smt_siblings[0]),
    })
}

fn core_types(exp: &Experiment, most: usize) -> Option<Note> {
    let t = exp.machine.topology.as_ref()?;
    let fast = t.core_types.iter().find(|c| c.kind == "performance")?;
    let slow = t.core_types.iter().find(|c| c.kind != "performance")?;
    let p = fast.cpus.len();
    (most > p).then(|| Note {
        headline: format!("the {} cores (CPUs {}) joined past {}: threads on them run slower", slow.kind, slow.cpus, count_of(p, "thread")),
        evidence: match gain(&exp.runs, p, most) {
            Some(g) => format!("{p} performance CPUs ({}); {most} threads ran {g:.2}x as fast as {p}", fast.cpus),
            None => format!("{p} performance CPUs ({}), then {} {} CPUs", fast.cpus, slow.cpus.len(), slow.kind),
        },
    })
}

fn governor(exp: &Experiment) -> Option<Note> {
    let t = exp.machine.topology.as_ref()?;
    let g = t.governor.as_deref().filter(|g| *g != "performance")?;
    let range = t.mhz.map_or(String::new(), |(lo, hi)| format!(" between {lo} and {hi} MHz"));
    Some(Note {
        headline: format!("the governor is {g}: the clock may change during the run"),
        evidence: format!("cpufreq's scaling_governor is {g}; the CPUs may run{range}; `performance` holds the clock high"),
    })
}
