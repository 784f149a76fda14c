//! The results file: what `scalescope run` / `sweep` write with `--json` and
//! what the app saves and opens. The schema is documented in README.md.

use std::path::Path;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::engine::{ChunkSize, FeederKind};
use crate::machine::MachineInfo;
use crate::workloads::{ResultValue, WorkloadSpec};

/// Version of the schema this build writes.
pub const SCHEMA: &str = "scalescope-results/1";

/// A whole results file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResultsFile {
    /// Always [`SCHEMA`].
    #[serde(default = "schema")]
    pub schema: String,
    /// Where it was measured.
    pub machine: MachineInfo,
    /// What was measured.
    pub workload: WorkloadSpec,
    /// The sequential reference, timed.
    pub baseline: Baseline,
    /// One record per configuration.
    pub runs: Vec<RunRecord>,
    /// Scaling models fitted per series of thread counts (`--fit`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fits: Vec<crate::metrics::analysis::FitRecord>,
}

fn schema() -> String {
    SCHEMA.to_string()
}

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
    pub variant: Option<String>,
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
    /// Repetitions flagged as outliers (modified Z-score), by index.
    #[serde(default)]
    pub outliers: Vec<usize>,
    /// Per-worker timeline of the median repetition (`--spans`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub spans: Vec<crate::engine::Span>,
    /// Why it is not ideal (`--fit`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diagnosis: Option<crate::metrics::diagnosis::Diagnosis>,
    /// The phases of a keyed map-reduce (`word-count`), from the median repetition.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub phases: Vec<crate::engine::PhaseTime>,
    /// The most a buffering design held at once, and its bound
    /// (`ordered-map`: chunks in the reorder buffer; `aggregates`: items), from the median repetition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buffer: Option<crate::engine::BufferStats>,
}

impl RunRecord {
    /// The record of `config`'s timed repetitions against a reference whose
    /// median was `baseline_median_s`: statistics, speedup, efficiency and
    /// Karp-Flatt filled in; no workers, plan, spans or diagnosis yet.
    pub fn measured(config: &crate::engine::Config, times: &[f64], baseline_median_s: f64, result: ResultValue, verified: bool) -> Self {
        use crate::metrics::{Summary, efficiency, karp_flatt, speedup};
        let s = Summary::of(times);
        let p = config.threads;
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
            outliers: s.outliers,
            spans: Vec::new(),
            diagnosis: None,
            phases: Vec::new(),
            buffer: None,
        }
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
}

/// Why a results file could not be read or written.
#[derive(Debug, Error)]
pub enum ResultsError {
    /// The file could not be read or written.
    #[error("cannot access {path}: {message}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        message: String,
    },
    /// Not a results file.
    #[error("{path} is not a scalescope results file: {message}")]
    Corrupt {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
}

impl ResultsFile {
    /// The JSON text.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }

    /// Parses a results file.
    ///
    /// # Errors
    /// [`ResultsError::Corrupt`] when it is not one.
    pub fn from_json(text: &str, path: &str) -> Result<Self, ResultsError> {
        let file: ResultsFile =
            serde_json::from_str(text).map_err(|e| ResultsError::Corrupt { path: path.into(), message: e.to_string() })?;
        if !file.schema.starts_with("scalescope-results/") {
            return Err(ResultsError::Corrupt { path: path.into(), message: format!("unknown schema '{}'", file.schema) });
        }
        Ok(file)
    }

    /// Writes the file.
    ///
    /// # Errors
    /// [`ResultsError::Io`].
    pub fn save(&self, path: &Path) -> Result<(), ResultsError> {
        std::fs::write(path, self.to_json()).map_err(|e| ResultsError::Io { path: path.display().to_string(), message: e.to_string() })
    }

    /// Reads a file.
    ///
    /// # Errors
    /// [`ResultsError::Io`] or [`ResultsError::Corrupt`].
    pub fn load(path: &Path) -> Result<Self, ResultsError> {
        let p = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| ResultsError::Io { path: p.clone(), message: e.to_string() })?;
        let text = String::from_utf8(bytes).map_err(|_| ResultsError::Corrupt { path: p.clone(), message: "not UTF-8 text".into() })?;
        Self::from_json(&text, &p)
    }
}
