//! Runs built by hand for the rules' tests.

use crate::engine::{ChunkSize, FeederKind};
use crate::experiment::{RunRecord, WorkerRecord};
use crate::machine::load::CpuShare;
use crate::workloads::ResultValue;

/// A run of `threads` threads on auto chunks, `median` s against a plain
/// loop of `base` s, with per-worker `(items, busy_s, wait_s)`.
pub(crate) fn run(feeder: FeederKind, threads: usize, median: f64, base: f64, workers: &[(u64, f64, f64)]) -> RunRecord {
    let config = crate::engine::Config {
        threads: crate::engine::Threads::new(threads).expect("threads"),
        chunk: ChunkSize::Auto,
        feeder,
        gil: false,
    };
    RunRecord {
        workers: workers.iter().map(|&(items, busy_s, wait_s)| WorkerRecord { items, chunks: 1, busy_s, wait_s, pull_s: 0.0 }).collect(),
        ..RunRecord::measured(&config, &[median], base, ResultValue::Number(0), true)
    }
}

/// A run of a program (the `command` workload) at `threads` threads,
/// `median` s against a reference of `base` s: per repetition `(wall_s,
/// cpu_s)` of its process tree (exit status 0), and per thread of the
/// median repetition `(cpu_s, rest of its life s)`.
pub(crate) fn program(threads: usize, median: f64, base: f64, reps: &[(f64, f64)], lanes: &[(f64, f64)]) -> RunRecord {
    use crate::program::{Exit, TreeUse};
    let mut r = run(FeederKind::Auto, threads, median, base, &[]);
    r.workers = lanes.iter().map(|&(busy_s, wait_s)| WorkerRecord { items: 0, chunks: 0, busy_s, wait_s, pull_s: 0.0 }).collect();
    r.process = reps
        .iter()
        .map(|&(wall_s, cpu_s)| TreeUse {
            wall_s,
            user_s: cpu_s,
            sys_s: 0.0,
            peak_rss_bytes: 0,
            threads_seen: lanes.len(),
            processes_seen: 1,
            exit: Exit::Code(0),
        })
        .collect();
    r
}

/// Outside load of one repetition: the rest of this process, other processes.
pub(crate) fn share(window: f64, others: f64) -> CpuShare {
    CpuShare { rest_of_process: window, other_processes: others }
}

/// Chunks of `n`.
pub(crate) fn fixed(n: usize) -> ChunkSize {
    ChunkSize::Fixed(crate::engine::Chunk::of(n))
}

/// A finished thread sweep of `runs` against a plain loop of 1 s, on a
/// machine of the default description.
pub(crate) fn experiment(runs: Vec<RunRecord>) -> crate::experiment::Experiment {
    let primes = crate::workloads::WorkloadSpec::new(crate::workloads::WorkloadKind::Primes);
    let plan = crate::experiment::SweepPlan::single(primes, FeederKind::Dispenser, &[crate::engine::Threads::new(2).expect("threads")]);
    crate::experiment::Experiment {
        machine: crate::machine::MachineInfo::default(),
        baseline: Some(crate::experiment::Baseline { median_s: 1.0, times_s: vec![1.0], result: ResultValue::Number(0) }),
        runs,
        ..crate::experiment::Experiment::start(&plan, None)
    }
}
