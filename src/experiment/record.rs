//! The measured parts of an experiment: the sequential baseline, one record
//! per configuration, one per worker.

use serde::{Deserialize, Serialize};

use crate::engine::{ChunkSize, FeederKind};
use crate::workloads::ResultValue;

/// The sequential reference run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    /// Median of `times_s`.
    pub median_s: f64,
    /// Every timed repetition, seconds.
    pub times_s: Vec<f64>,
    /// The reference result.
    pub result: ResultValue,
}

/// One configuration's repetitions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// The workload's variant that ran (`ordered-map`, `aggregates`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<crate::workloads::Variant>,
    /// The feeder asked for.
    pub feeder: FeederKind,
    /// Threads asked for.
    pub threads: usize,
    /// Chunk size asked for.
    pub chunk_size: ChunkSize,
    /// Whether the simulated GIL was on.
    pub gil: bool,
    /// Every timed repetition, seconds.
    pub times_s: Vec<f64>,
    /// Median of `times_s`.
    pub median_s: f64,
    /// Mean of `times_s`.
    #[serde(default)]
    pub mean_s: f64,
    /// Standard deviation; null for one repetition.
    #[serde(default)]
    pub stddev_s: Option<f64>,
    /// Fastest repetition.
    #[serde(default)]
    pub min_s: f64,
    /// Slowest repetition.
    #[serde(default)]
    pub max_s: f64,
    /// Baseline median / this median.
    pub speedup: f64,
    /// Speedup / threads.
    pub efficiency: f64,
    /// Karp-Flatt serial fraction; null for one thread.
    pub karp_flatt: Option<f64>,
    /// The reduced value.
    pub result: ResultValue,
    /// Whether every repetition's result equalled the reference's exactly.
    pub verified: bool,
    /// Per worker, from the median repetition.
    pub workers: Vec<WorkerRecord>,
    /// What actually ran (e.g. `auto: fused`).
    #[serde(default)]
    pub used: String,
    /// `auto`'s decision and its evidence.
    #[serde(default)]
    pub plan: Option<String>,
    /// What ran, typed (absent in files written before it was recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ran: Option<crate::engine::Ran>,
    /// `auto`'s switches in the median repetition, typed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub switches: Vec<crate::engine::Switch>,
    /// Repetitions flagged as outliers (modified Z-score), by index.
    #[serde(default)]
    pub outliers: Vec<usize>,
    /// Per-worker timeline of the median repetition (`--spans`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub spans: Vec<crate::engine::Span>,
    /// Whether `spans` was cut to fit the experiment's limit
    /// (`MAX_SPANS_PER_EXPERIMENT`): it holds the start of the run only.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub spans_cut: bool,
    /// The phases of a keyed map-reduce (`word-count`), from the median repetition.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub phases: Vec<crate::engine::PhaseTime>,
    /// The most a buffering design held at once, and its bound
    /// (`ordered-map`: chunks in the reorder buffer; `aggregates`: items), from the median repetition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buffer: Option<crate::engine::BufferStats>,
    /// Per timed repetition (in the order of `times_s`), the CPU used
    /// beside the run: the rest of this process (the app's window) and
    /// other processes. Empty where `/proc` could not be read.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cpu: Vec<crate::machine::load::CpuShare>,
    /// Per timed repetition (in the order of `times_s`), what an outside
    /// program's process tree used (the `command` workload): CPU time,
    /// peak memory, exit status. Empty for the engine's workloads.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub process: Vec<crate::program::TreeUse>,
}

impl RunRecord {
    /// The record of `config`'s timed repetitions against a reference whose
    /// median was `baseline_median_s`: statistics, speedup, efficiency and
    /// Karp-Flatt filled in; no workers, plan, spans or diagnosis yet.
    pub fn measured(config: &crate::engine::Config, times: &[f64], baseline_median_s: f64, result: ResultValue, verified: bool) -> Self {
        use crate::stats::{Summary, efficiency, karp_flatt, speedup};
        let s = Summary::of(times);
        let p = config.threads.get();
        let sp = speedup(baseline_median_s, s.median);
        RunRecord {
            variant: None,
            feeder: config.feeder,
            threads: p,
            chunk_size: config.chunk,
            gil: config.gil,
            times_s: times.to_vec(),
            median_s: s.median,
            mean_s: s.mean,
            stddev_s: s.stddev,
            min_s: s.min,
            max_s: s.max,
            speedup: sp,
            efficiency: efficiency(sp, p),
            karp_flatt: karp_flatt(sp, p),
            result,
            verified,
            workers: Vec::new(),
            used: String::new(),
            plan: None,
            ran: None,
            switches: Vec::new(),
            outliers: s.outliers,
            spans: Vec::new(),
            spans_cut: false,
            phases: Vec::new(),
            buffer: None,
            cpu: Vec::new(),
            process: Vec::new(),
        }
    }

    /// The repetitions that outside load could have slowed, by index.
    pub fn disturbed(&self) -> Vec<usize> {
        self.cpu.iter().enumerate().filter(|(_, c)| c.disturbed()).map(|(i, _)| i).collect()
    }
}

/// One worker's share of a run.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorkerRecord {
    /// Items mapped.
    pub items: u64,
    /// Chunks taken.
    pub chunks: u64,
    /// Seconds in the map.
    pub busy_s: f64,
    /// Seconds waiting for input.
    pub wait_s: f64,
    /// Of the waiting, seconds the source spent filling this worker's
    /// chunks (the pull, apart from the hand-off); 0 where not measured.
    #[serde(default)]
    pub pull_s: f64,
}
