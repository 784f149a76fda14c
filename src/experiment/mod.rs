//! The experiment: the project's unit of work. One button press in the app
//! or one CLI command is one experiment: what was asked, where it ran, its
//! own sequential baseline, its runs, a name, when it was made, and how it
//! ended. It is written atomically after every finished measurement, so the
//! file on disk is always a valid experiment holding everything measured so
//! far ([`file`]), kept in the experiments library ([`library`]). CSV and
//! the text table are views of it (the `export` module); what it means is
//! computed from it (the `analysis` module), never stored in it.
//!
//! May import: `engine`, `workloads`, `machine`, `stats`, `units`,
//! `untrusted`. Never `measure`, `analysis`, `export`, `cli` or `gui`.

pub mod autosave;
pub mod file;
pub mod hyperfine;
mod id;
pub mod library;
mod plan;
mod record;
pub mod weak;

use serde::{Deserialize, Serialize};

pub use file::{FileError, write_atomically};
pub use id::{ExperimentId, IdError};
pub use library::Library;
pub use plan::{Step, SweepPlan};
pub use record::{Baseline, RunRecord, WorkerRecord};

use crate::engine::{ChunkSize, FeederKind};
use crate::machine::MachineInfo;
use crate::workloads::WorkloadSpec;

/// The schema this build writes. Files of `scalescope-results/1` still open.
pub const SCHEMA: &str = "scalescope-experiment/2";

/// One experiment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Experiment {
    /// Always [`SCHEMA`] once written by this build.
    pub schema: String,
    /// Unique within a library: `20261123-201039-3fa2c01b` (UTC time, then random hex).
    pub id: ExperimentId,
    /// A name for people; the default says what was swept.
    pub name: String,
    /// When it started, RFC 3339 UTC (empty when unknown, for files of schema 1).
    pub created: String,
    /// How far it got and why it ended.
    pub status: Status,
    /// What was asked: the sweep besides the workload.
    pub asked: Asked,
    /// The lesson it was run for (the lesson's title), when the Learn
    /// tab's "Try it" started it; shown as text only, never looked up as a path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lesson: Option<String>,
    /// Where it was measured.
    pub machine: MachineInfo,
    /// What was measured.
    pub workload: WorkloadSpec,
    /// The sequential reference, timed; `None` until its first timed repetition ends.
    pub baseline: Option<Baseline>,
    /// One record per configuration with at least one timed repetition.
    pub runs: Vec<RunRecord>,
    /// Weak scaling (`--weak`): the grown sizes, each with its own reference and runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weak: Option<weak::Weak>,
    /// This machine's memory bandwidth, probed at the start of a sweep of a
    /// workload that reads memory (`stream`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bandwidth: Option<crate::workloads::bandwidth::Bandwidth>,
}

/// What a sweep asked for, besides the workload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Asked {
    /// Feeders compared.
    pub feeders: Vec<FeederKind>,
    /// Thread counts.
    pub threads: Vec<crate::engine::Threads>,
    /// Chunk sizes.
    pub chunks: Vec<ChunkSize>,
    /// Simulated GIL settings.
    pub gil: Vec<bool>,
    /// Variants compared (empty: the workload's own).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub variants: Vec<crate::workloads::Variant>,
    /// Timed repetitions per configuration.
    pub reps: usize,
    /// Untimed warm-up runs per configuration.
    pub warmup: usize,
    /// Whether per-worker spans were recorded.
    #[serde(default)]
    pub spans: bool,
    /// Whether the size also grew with the threads (weak scaling).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub weak: bool,
}

/// How far an experiment got. `done` and `total` count timed measurements
/// (one repetition of one configuration, the reference included).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum Status {
    /// Being measured by process `pid` (a file left in this state by a
    /// process that is gone was interrupted: see [`Status::describe`]).
    Running {
        /// Measurements finished.
        done: usize,
        /// Measurements planned.
        total: usize,
        /// The measuring process.
        pid: u32,
    },
    /// Every planned measurement finished.
    Complete,
    /// Stopped early.
    Stopped {
        /// Measurements finished.
        done: usize,
        /// Measurements planned.
        total: usize,
        /// Who or what stopped it.
        by: StopCause,
    },
}

/// Who or what stopped an experiment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "cause", rename_all = "kebab-case")]
pub enum StopCause {
    /// The user pressed Stop (or the app closed).
    User,
    /// A signal (SIGINT from Ctrl+C, SIGTERM, SIGHUP).
    Signal {
        /// Its name, `SIGINT`.
        name: String,
    },
    /// A run failed; the message says how.
    Error {
        /// What went wrong.
        message: String,
    },
}

impl Status {
    /// One line for people: `complete`, `stopped by SIGINT after 7 of 30
    /// measurements`, `interrupted after 3 of 30 measurements` (a running
    /// file whose process is gone).
    pub fn describe(&self) -> String {
        match self {
            Status::Complete => "complete".into(),
            Status::Running { done, total, pid } if !process_alive(*pid) => {
                format!("interrupted after {done} of {total} measurements (process {pid} ended)")
            }
            Status::Running { done, total, .. } => format!("running: {done} of {total} measurements"),
            Status::Stopped { done, total, by } => {
                let by = match by {
                    StopCause::User => "stopped by the user".to_string(),
                    StopCause::Signal { name } => format!("stopped by {name}"),
                    StopCause::Error { message } => format!("stopped by an error ({message})"),
                };
                format!("{by} after {done} of {total} measurements")
            }
        }
    }

    /// A one-word state: complete, running, interrupted, stopped, failed.
    pub fn word(&self) -> &'static str {
        match self {
            Status::Complete => "complete",
            Status::Running { pid, .. } if !process_alive(*pid) => "interrupted",
            Status::Running { .. } => "running",
            Status::Stopped { by: StopCause::Error { .. }, .. } => "failed",
            Status::Stopped { .. } => "stopped",
        }
    }
}

/// Whether `pid` is a live scalescope process: this one, or one running a
/// program of the same name (a pid taken over by another program, `init`
/// say, is not the measuring process any more).
fn process_alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    let proc = std::path::Path::new("/proc");
    if !proc.is_dir() {
        // Where /proc is missing we cannot tell: assume it is alive.
        return true;
    }
    let name_of = |exe: std::io::Result<std::path::PathBuf>| exe.ok().and_then(|p| p.file_name().map(|n| n.to_os_string()));
    let (Some(theirs), Some(ours)) =
        (name_of(std::fs::read_link(proc.join(pid.to_string()).join("exe"))), name_of(std::env::current_exe()))
    else {
        return false;
    };
    theirs == ours || theirs.to_string_lossy().starts_with("scalescope")
}

impl SweepPlan {
    /// What this plan asks for, besides the workload.
    pub fn asked(&self) -> Asked {
        Asked {
            feeders: self.feeders.clone(),
            threads: self.threads.clone(),
            chunks: self.chunks.clone(),
            gil: self.gil.clone(),
            variants: self.variants.clone(),
            reps: self.reps,
            warmup: self.warmup,
            spans: self.spans,
            weak: self.weak,
        }
    }
}

impl Experiment {
    /// A new, empty experiment of `plan`, named `name` (or after the plan
    /// when `None`), stamped with a fresh id, this machine and the time now.
    pub fn start(plan: &SweepPlan, name: Option<String>) -> Self {
        let now = std::time::SystemTime::now();
        let created = humantime::format_rfc3339_seconds(now).to_string();
        Experiment {
            schema: SCHEMA.into(),
            id: ExperimentId::fresh(&created),
            name: name.unwrap_or_else(|| default_name(plan)),
            created,
            status: Status::Running { done: 0, total: plan.total_measurements(), pid: std::process::id() },
            asked: plan.asked(),
            lesson: None,
            machine: MachineInfo::detect(),
            workload: plan.workload.clone(),
            baseline: None,
            runs: Vec::new(),
            weak: None,
            bandwidth: None,
        }
    }

    /// The baseline's median, seconds (0 when there is none yet).
    pub fn baseline_median_s(&self) -> f64 {
        self.baseline.as_ref().map_or(0.0, |b| b.median_s)
    }

    /// Whether every run reproduced its reference's result (weak steps included).
    pub fn all_verified(&self) -> bool {
        self.runs.iter().chain(self.weak.iter().flat_map(|w| w.steps.iter().flat_map(|s| &s.runs))).all(|r| r.verified)
    }

    /// A run's name: `xz x2` for a program, else `ordered, dispenser x4 chunk auto + GIL`.
    pub fn run_name(&self, r: &RunRecord) -> String {
        if let Some(c) = &self.workload.command {
            return format!("{} x{}", c.program(), r.threads);
        }
        let variant = r.variant.map_or_else(String::new, |v| format!("{v}, "));
        format!("{variant}{} x{} chunk {}{}", r.feeder, r.threads, r.chunk_size, if r.gil { " + GIL" } else { "" })
    }

    /// What the reference is: `xz at 1 thread (reference)` for a program
    /// (or its `--reference` command), else `sequential reference (plain loop)`.
    pub fn reference_name(&self) -> String {
        match &self.workload.command {
            Some(c) if c.reference.is_some() => "the reference command".into(),
            Some(c) => format!("{} at 1 thread (reference)", c.program()),
            None => "sequential reference (plain loop)".into(),
        }
    }

    /// `word-count n=300000 vocabulary=20000`, with the file and variant when set.
    pub fn workload_line(&self) -> String {
        workload_line(&self.workload)
    }

    /// Takes in the runs of `other`, a complete experiment of the same
    /// workload measured on the same machine (a prediction checked with
    /// one click): each is timed against this experiment's own reference
    /// (speedup, efficiency, Karp-Flatt again), checked against its
    /// result, and replaces a run of the same configuration; what was
    /// asked grows to include them. Returns how many runs came in.
    ///
    /// # Errors
    /// Another workload or machine, `other` incomplete, or no reference here; the text says which.
    pub fn absorb(&mut self, other: Experiment) -> Result<usize, String> {
        if other.workload != self.workload {
            return Err(format!("{} is not this experiment's workload ({})", other.workload_line(), self.workload_line()));
        }
        if !other.machine.same_as(&self.machine) {
            return Err("measured on another machine".into());
        }
        if other.status != Status::Complete {
            return Err(format!("the check did not complete: {}", other.status.describe()));
        }
        let Some(base) = self.baseline.clone() else { return Err("this experiment has no reference yet".into()) };
        let n = other.runs.len();
        for mut r in other.runs {
            let p = r.threads;
            r.speedup = crate::stats::speedup(base.median_s, r.median_s);
            r.efficiency = crate::stats::efficiency(r.speedup, p);
            r.karp_flatt = crate::stats::karp_flatt(r.speedup, p);
            r.verified = r.verified && r.result == base.result;
            self.asked.include(&r);
            let same = |x: &RunRecord| {
                (x.variant, x.feeder, x.threads, x.chunk_size, x.gil) == (r.variant, r.feeder, r.threads, r.chunk_size, r.gil)
            };
            match self.runs.iter().position(same) {
                Some(i) => self.runs[i] = r,
                None => self.runs.push(r),
            }
        }
        Ok(n)
    }
}

impl Asked {
    /// Adds `r`'s feeder, thread count, chunk size and GIL setting where missing.
    fn include(&mut self, r: &RunRecord) {
        fn add<T: PartialEq>(v: &mut Vec<T>, x: T) {
            if !v.contains(&x) {
                v.push(x);
            }
        }
        add(&mut self.feeders, r.feeder);
        if let Ok(t) = crate::engine::Threads::new(r.threads) {
            add(&mut self.threads, t);
        }
        add(&mut self.chunks, r.chunk_size);
        add(&mut self.gil, r.gil);
    }
}

/// `primes n=5000000`, with `file=...` and `variant=...` when set.
pub fn workload_line(spec: &WorkloadSpec) -> String {
    let mut s: Vec<String> = vec![spec.name.to_string()];
    s.extend(spec.params.0.iter().map(|(k, v)| format!("{k}={v}")));
    if let Some(f) = &spec.file {
        s.push(format!("file={}", f.display()));
    }
    if let Some(v) = &spec.variant {
        s.push(format!("variant={v}"));
    }
    if let Some(c) = &spec.command {
        s = vec![c.command.clone()];
        s.extend(c.env.iter().map(|e| format!("with {e}")));
    }
    s.join(" ")
}

/// `primes: threads 1,2 x feeders auto,dispenser x chunk auto`.
fn default_name(plan: &SweepPlan) -> String {
    let list = |v: Vec<String>| v.join(",");
    let threads = format!("threads {}", list(plan.threads.iter().map(ToString::to_string).collect()));
    let weak = if plan.weak { ", weak scaling" } else { "" };
    if let Some(c) = &plan.workload.command {
        return format!("{}: {threads}{weak}", c.command);
    }
    let mut parts = vec![threads];
    if plan.variants.is_empty() && plan.workload.name.design().takes_feeder() {
        parts.push(format!("feeder {}", list(plan.feeders.iter().map(ToString::to_string).collect())));
    }
    if !plan.variants.is_empty() {
        parts.push(format!("variant {}", list(plan.variants.iter().map(ToString::to_string).collect())));
    }
    parts.push(format!("chunk {}", list(plan.chunks.iter().map(ToString::to_string).collect())));
    format!("{}: {}{weak}", plan.workload.name, parts.join(" x "))
}
