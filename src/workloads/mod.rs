//! The workloads a user can run. One file each; every workload has a
//! description for people, parameters with defaults and bounds, a plain
//! sequential reference (independent of the engine) and a run on the engine.
//! A run is verified by comparing its result with the reference's.

pub mod bandwidth;
pub mod design;
pub mod memory;
mod params;
pub mod source;

use std::cell::Cell;
use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::engine::{CancelToken, Config, EngineError, Outcome, ProgressEvent, Run, WorkerStats};
use crate::workloads::memory::MemoryEstimate;

pub use design::{Design, Variant};
pub use params::{ParamInfo, Params};

/// The registry: one line per workload (its variant, and its file's module
/// and the type in it that implements [`Workload`]). It declares the
/// module and makes [`WorkloadKind`], its [`WorkloadKind::ALL`] and
/// [`WorkloadKind::workload`]: adding a workload is its own file and one
/// line here.
macro_rules! registry {
    ($($(#[$meta:meta])* $variant:ident => $module:ident::$ty:ident,)+) => {
        $(pub mod $module;)+

        /// The workloads, by name (on disk and on the command line: [`WorkloadInfo::name`]).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
        #[serde(into = "&'static str", try_from = "String")]
        pub enum WorkloadKind {
            $($(#[$meta])* $variant,)+
        }

        impl WorkloadKind {
            /// Every workload, in the order they are listed.
            pub const ALL: [WorkloadKind; [$(stringify!($variant)),+].len()] = [$(WorkloadKind::$variant),+];

            /// The workload itself.
            pub fn workload(self) -> &'static dyn Workload {
                match self {
                    $(WorkloadKind::$variant => &$module::$ty,)+
                }
            }
        }
    };
}

registry! {
    /// Count primes below n by trial division.
    #[default]
    Primes => primes::Primes,
    /// A multiply and a shift per item, summed: pure overhead.
    Trivial => trivial::Trivial,
    /// Each item sleeps and spins: blocking plus CPU work.
    SleepSpin => sleep_spin::SleepSpin,
    /// Words counted per line of a text.
    WordCount => word_count::WordCount,
    /// Mandelbrot rows: cost varies by orders of magnitude.
    Skewed => skewed::Skewed,
    /// Primes through the ordered (or unordered) streaming map.
    OrderedMap => ordered_map::OrderedMap,
    /// One pass of an iterator feeding several aggregates.
    Aggregates => aggregates::Aggregates,
    /// Per-worker counters packed in one cache line, or padded apart.
    FalseSharing => false_sharing::FalseSharing,
    /// Counting keys in one locked map, or locally and merged.
    Contention => contention::Contention,
    /// A streaming sum over a buffer larger than the caches: memory-bound.
    Stream => stream::StreamSum,
    /// A user's own program, run at each thread count.
    Command => command::Command,
    /// A Rust program's own map-reduce, measured inside that program (it
    /// does not run here: [`Design::runs_here`]).
    Code => code::OwnCode,
}

impl From<WorkloadKind> for &'static str {
    fn from(k: WorkloadKind) -> Self {
        k.name()
    }
}

impl TryFrom<String> for WorkloadKind {
    type Error = WorkloadError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

/// What a user reads about a workload.
#[derive(Debug)]
pub struct WorkloadInfo {
    /// Its name on the command line.
    pub name: &'static str,
    /// One line.
    pub summary: &'static str,
    /// A paragraph for people: what it computes and what it teaches.
    pub description: &'static str,
    /// Its numeric parameters.
    pub params: &'static [ParamInfo],
    /// Whether it reads an optional text file.
    pub takes_file: bool,
    /// The engine design it runs on (its variants, whether the feeder applies).
    pub design: Design,
}

/// A workload: what it is, its plain sequential reference, its run on the
/// engine, and how a run's result is checked against the reference.
///
/// Adding a workload is one file that implements this trait, plus its line
/// in [`WorkloadKind`] (the registry).
pub trait Workload: Sync {
    /// Its description, parameters and design.
    fn info(&self) -> &'static WorkloadInfo;

    /// The plain loop: no engine, no threads; looks at `cancel` between blocks.
    ///
    /// # Errors
    /// An unreadable input, or a cancel.
    fn reference(&self, spec: &WorkloadSpec, cancel: Cancel<'_>) -> Result<Computed, WorkloadError>;

    /// The run on the engine, with the call's configuration and hooks.
    ///
    /// # Errors
    /// An unreadable input, a wrong answer it detects itself, or the engine's error.
    fn run(&self, spec: &WorkloadSpec, call: Run<'_>) -> Result<Outcome<Computed>, WorkloadError>;

    /// Whether `got` reproduces the reference's result (exact equality).
    fn verify(&self, reference: &Computed, got: &Computed) -> bool {
        reference == got
    }

    /// Builds what a run reads (a large buffer) before anything is timed.
    fn warm(&self, _spec: &WorkloadSpec) {}

    /// The memory one run of `spec` with `config` holds at its peak (the
    /// feeder's buffers, the workload's own tables, buffers and text, its
    /// result), and the bytes of one result as a sweep keeps it
    /// ([`MemoryEstimate::kept`]). Checked against the memory budget before
    /// a sweep runs (the `measure` layer's budget), and against measured peak
    /// RSS in `tests/memory.rs`: an estimate, not a worst case, but never
    /// far below what the run takes.
    fn memory(&self, spec: &WorkloadSpec, config: &Config) -> MemoryEstimate;

    /// Seconds one call of `config` is expected to take, where the design is
    /// known to be slow enough that a long plan needs `--yes`; `None` (the
    /// default) where it is not.
    fn expected_seconds(&self, _spec: &WorkloadSpec, _config: &Config) -> Option<f64> {
        None
    }

    /// How many items the engine hands out, where `n` does not count them
    /// itself (`stream`'s `n` is MiB); by default `n`. A plan with fewer
    /// items than threads is refused.
    fn items(&self, spec: &WorkloadSpec) -> u64 {
        spec.get("n")
    }

    /// The reference run under `hooks` and its time in seconds, for a
    /// workload that times itself (an outside program, timed without its
    /// prepare and cleanup commands); `None` (the default): the caller
    /// times [`Workload::reference`].
    fn timed_reference(&self, _spec: &WorkloadSpec, _hooks: &crate::engine::Hooks) -> Option<Result<(Computed, f64), WorkloadError>> {
        None
    }

    /// Bytes of memory one run reads, where that is what the workload is
    /// about (`stream`); its runs are then compared with the machine's
    /// measured memory bandwidth.
    fn bytes_read(&self, _spec: &WorkloadSpec) -> Option<u64> {
        None
    }

    /// For a workload that [reads memory](Workload::bytes_read): one pass of
    /// a probe of this machine's memory bandwidth over the same buffer, at
    /// 1, 2, 4, ... threads up to `cores` (a sweep takes one per round).
    fn probe_memory(&self, _spec: &WorkloadSpec, _cores: usize) -> Option<crate::workloads::bandwidth::Bandwidth> {
        None
    }
}

impl WorkloadKind {
    /// Its description and parameters.
    pub fn info(self) -> &'static WorkloadInfo {
        self.workload().info()
    }

    /// The engine design it runs on.
    pub fn design(self) -> Design {
        self.info().design
    }

    /// Its name on the command line.
    pub fn name(self) -> &'static str {
        self.info().name
    }
}

impl fmt::Display for WorkloadKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for WorkloadKind {
    type Err = WorkloadError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        WorkloadKind::ALL.into_iter().find(|k| k.name() == s.trim()).ok_or_else(|| WorkloadError::Unknown(s.to_string()))
    }
}

/// A workload with its parameters: everything needed to run it again.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
pub struct WorkloadSpec {
    /// Which workload.
    pub name: WorkloadKind,
    /// Its numeric parameters (missing ones take their defaults).
    #[serde(default)]
    pub params: Params,
    /// The text file, for `word-count`; `None` uses the built-in generator.
    #[serde(default)]
    pub file: Option<PathBuf>,
    /// Which variant runs (`ordered-map`, `aggregates`); `None` = the design's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<Variant>,
    /// The longest line the text may have, bytes (`--max-line`); `None`:
    /// [`word_count::DEFAULT_MAX_LINE`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_line: Option<u64>,
    /// The `command` workload's command line and how to run it. A command
    /// read from a file is data: it runs only when a user asks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<crate::program::CommandSpec>,
    /// The text as [`WorkloadSpec::prepare`] fixed it: read once (a pipe) or
    /// fingerprinted (a file). Not saved.
    #[serde(skip)]
    pub input: Option<word_count::Input>,
}

impl WorkloadSpec {
    /// The workload with default parameters.
    pub fn new(kind: WorkloadKind) -> Self {
        WorkloadSpec { name: kind, params: Params::defaults(kind.info().params), ..WorkloadSpec::default() }
    }

    /// Sets one parameter (checked by [`WorkloadSpec::validate`]).
    pub fn with(mut self, name: &str, value: u64) -> Self {
        self.params.set(name, value);
        self
    }

    /// The same workload running `variant`.
    pub fn with_variant(mut self, variant: Variant) -> Self {
        self.variant = Some(variant);
        self
    }

    /// The variant that runs: the one set, or the design's default; `None`
    /// for designs without variants.
    pub fn variant(&self) -> Option<Variant> {
        self.variant.or_else(|| self.name.design().default_variant())
    }

    /// The longest line a text may have, bytes.
    pub fn max_line(&self) -> u64 {
        self.max_line.unwrap_or(word_count::DEFAULT_MAX_LINE)
    }

    /// The same spec with its input fixed for a whole experiment: a text that
    /// cannot be read twice (a pipe, a FIFO, `/dev/stdin`) is read once into
    /// memory; a regular file is fingerprinted, so a later pass that finds it
    /// changed says so. Without a file, the spec as it is. It cannot be
    /// cancelled: see [`WorkloadSpec::prepare_cancellable`].
    ///
    /// # Errors
    /// The text cannot be read, has a line over the limit, is not UTF-8
    /// (UTF-16 is named as such), or is too large to hold.
    pub fn prepare(&self) -> Result<Self, WorkloadError> {
        self.prepare_cancellable(&CancelToken::new())
    }

    /// [`WorkloadSpec::prepare`], stopping when `cancel` is tripped: a FIFO
    /// waiting for a writer (or a pipe waiting for more text) is read on a
    /// helper thread, and the wait ends within a fraction of a second of the
    /// cancel, the helper with it (see [`word_count::prepare_cancellable`]).
    ///
    /// # Errors
    /// As [`WorkloadSpec::prepare`], and [`WorkloadError::Cancelled`] when cancelled.
    pub fn prepare_cancellable(&self, cancel: &CancelToken) -> Result<Self, WorkloadError> {
        let mut spec = self.clone();
        if let Some(path) = &self.file
            && self.input.is_none()
        {
            spec.input = Some(word_count::prepare_cancellable(path, self.max_line(), cancel)?);
        }
        Ok(spec)
    }

    /// The thread count this workload fixes itself (one per aggregate), if
    /// any (`None` too while that parameter is out of bounds).
    pub fn fixed_threads(&self) -> Option<crate::engine::Threads> {
        self.name.design().threads_param().and_then(|p| crate::engine::Threads::new(usize::try_from(self.get(p)).ok()?).ok())
    }

    /// A parameter's value, or its default.
    pub fn get(&self, name: &str) -> u64 {
        self.params.get(name).unwrap_or_else(|| self.name.info().params.iter().find(|p| p.name == name).map_or(0, |p| p.default))
    }

    /// Checks every parameter against its bounds, and that the file can be read.
    ///
    /// # Errors
    /// [`WorkloadError::Param`] or [`WorkloadError::UnknownParam`]; [`WorkloadError::Io`] for an unreadable file.
    pub fn validate(&self) -> Result<(), WorkloadError> {
        let info = self.name.info();
        self.params.check(info.params)?;
        if let Some(v) = self.variant
            && v.design() != info.design
        {
            let names: Vec<&str> = info.design.variants().iter().map(|x| x.name()).collect();
            return Err(WorkloadError::UnknownVariant {
                workload: info.name,
                variant: v.name().to_string(),
                allowed: if names.is_empty() { "none: it runs one way".into() } else { names.join(", ") },
            });
        }
        if let Some(path) = &self.file {
            if !info.takes_file {
                return Err(WorkloadError::FileNotTaken(self.name.name()));
            }
            let io = |message: String| WorkloadError::Io { path: path.clone(), message };
            let meta = std::fs::metadata(path).map_err(|e| io(e.to_string()))?;
            if meta.is_dir() {
                return Err(io("is a directory, not a text file".into()));
            }
            // Opening a FIFO would wait for a writer: only regular files are opened here.
            if meta.is_file() {
                std::fs::File::open(path).map_err(|e| io(e.to_string()))?;
            }
        }
        command::check(self)?;
        if let Some(0) = self.max_line {
            return Err(WorkloadError::Param { name: "max-line", value: 0, min: 1, max: u64::MAX });
        }
        Ok(())
    }
}

/// A workload's result, compared exactly with the reference's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Computed {
    /// A count or a checksum.
    Number(u64),
    /// Counts by key (word-count).
    Counts(HashMap<String, u64>),
    /// Named values (aggregates: sum, max, ...).
    Named(Vec<(String, u64)>),
}

/// A result as it is written to a results file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ResultValue {
    /// A count or a checksum.
    Number(u64),
    /// A summary of counts by key.
    Keyed {
        /// Sum of all counts.
        total: u64,
        /// Number of distinct keys.
        distinct: u64,
        /// The 10 most frequent keys, ties broken by key.
        top: Vec<(String, u64)>,
    },
    /// Named values, in order (aggregates).
    Named(std::collections::BTreeMap<String, u64>),
    /// A value of a program's own code (`rust-code`) as its `Debug` text,
    /// cut to [`MAX_TEXT_CHARS`] characters.
    Text(String),
}

/// The most characters a [`ResultValue::Text`] keeps.
pub const MAX_TEXT_CHARS: usize = 200;

impl ResultValue {
    /// `value`'s `Debug` text as a result: a whole number as a number, else
    /// the text, cut to [`MAX_TEXT_CHARS`] characters (the cut marked `...`).
    pub fn of_debug(value: &impl fmt::Debug) -> Self {
        let text = format!("{value:?}");
        if let Ok(n) = text.parse::<u64>() {
            return ResultValue::Number(n);
        }
        match text.char_indices().nth(MAX_TEXT_CHARS) {
            Some((cut, _)) => ResultValue::Text(format!("{}...", &text[..cut])),
            None => ResultValue::Text(text),
        }
    }
}

impl fmt::Display for ResultValue {
    /// A one-line summary: the number, the word totals and top 3, or the named values.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResultValue::Number(n) => write!(f, "{n}"),
            ResultValue::Keyed { total, distinct, top } => {
                let top: Vec<String> = top.iter().take(3).map(|(w, c)| format!("{w} {c}")).collect();
                write!(f, "{total} words, {distinct} distinct, top: {}", top.join(", "))
            }
            ResultValue::Named(map) => {
                let parts: Vec<String> = map.iter().filter(|(k, _)| !k.starts_with("hist")).map(|(k, v)| format!("{k} {v}")).collect();
                let hist = map.keys().filter(|k| k.starts_with("hist")).count();
                let hist = if hist > 0 { format!(", histogram of {hist} buckets") } else { String::new() };
                write!(f, "{}{hist}", parts.join(", "))
            }
            // From a file: escaped, so it shows as one line of visible characters.
            ResultValue::Text(text) => f.write_str(&crate::untrusted::escape(text)),
        }
    }
}

impl Computed {
    /// The summary written to results files.
    pub fn to_value(&self) -> ResultValue {
        match self {
            Computed::Number(n) => ResultValue::Number(*n),
            Computed::Counts(map) => ResultValue::Keyed { total: map.values().sum(), distinct: map.len() as u64, top: top_k(map, 10) },
            Computed::Named(v) => ResultValue::Named(v.iter().cloned().collect()),
        }
    }
}

/// The `k` largest counts, ties broken by key.
pub fn top_k(map: &HashMap<String, u64>, k: usize) -> Vec<(String, u64)> {
    let mut all: Vec<(&String, &u64)> = map.iter().collect();
    all.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
    all.into_iter().take(k).map(|(w, c)| (w.clone(), *c)).collect()
}

/// Why a workload could not run.
#[derive(Debug, Error)]
pub enum WorkloadError {
    /// Not a known workload.
    #[error("unknown workload '{0}' (choose one of: {names})", names = WorkloadKind::ALL.iter().filter(|k| k.design().runs_here()).map(|k| k.name()).collect::<Vec<_>>().join(", "))]
    Unknown(String),
    /// A variant the workload does not have.
    #[error("workload '{workload}' has no variant '{variant}' (variants: {allowed})")]
    UnknownVariant {
        /// The workload.
        workload: &'static str,
        /// The variant asked for.
        variant: String,
        /// The variants it has.
        allowed: String,
    },
    /// A parameter out of its bounds.
    #[error("{name} = {value} is out of bounds (allowed {min}..={max})")]
    Param {
        /// The parameter.
        name: &'static str,
        /// The value given.
        value: u64,
        /// Its lower bound.
        min: u64,
        /// Its upper bound.
        max: u64,
    },
    /// Fewer items than threads: some threads would have nothing to do.
    #[error(
        "n = {n} gives fewer items than the {threads} threads asked: every thread needs at least one item (raise n or use fewer threads)"
    )]
    FewerItemsThanThreads {
        /// The items asked for.
        n: u64,
        /// The most threads asked for.
        threads: usize,
    },
    /// A list of settings with nothing in it.
    #[error("an empty list of {0}")]
    EmptyList(&'static str),
    /// A parameter this workload does not have.
    #[error("workload has no parameter '{0}'")]
    UnknownParam(String),
    /// A file given to a workload that reads none.
    #[error("workload '{0}' reads no file (only word-count does)")]
    FileNotTaken(&'static str),
    /// The file could not be read.
    #[error("cannot read {path}: {message}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The reason.
        message: String,
    },
    /// Reading the input was cancelled before it was read whole (a FIFO
    /// with no writer, a pipe that sends nothing).
    #[error("{path}: {what} was cancelled")]
    Cancelled {
        /// The file.
        path: PathBuf,
        /// What was being waited for: `the wait for a writer`, `the wait for more text`, `reading the text`.
        what: &'static str,
    },
    /// The input file changed between or during passes.
    #[error("the input changed during the run: {path}: {how}")]
    InputChanged {
        /// The file.
        path: PathBuf,
        /// What changed.
        how: String,
    },
    /// A weak-scaling sweep that cannot grow this workload.
    #[error("--weak: {0}")]
    Weak(String),
    /// A run produced a wrong or incomplete answer (out of order, items lost).
    #[error("{0}")]
    Incorrect(String),
    /// The engine failed (cancel, panic, configuration).
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// The `command` workload's command cannot run as given.
    #[error(transparent)]
    Command(#[from] crate::program::CommandError),
    /// The user's program failed: it could not start, exited with an error,
    /// ran past its timeout, or gave another output than the reference.
    #[error("{0}")]
    Program(String),
    /// A workload that cannot run in this process (`rust-code`: the code is
    /// in another program).
    #[error("{0}")]
    NotHere(&'static str),
    /// A program's own code, measured by the harness, did not run as the
    /// harness measures it (no map-reduce in a call, or several), or gave
    /// another result than the sequential reference.
    #[error("{0}")]
    OwnCode(String),
}

/// Runs `spec` on the engine with the given call.
///
/// # Errors
/// A bad parameter or file, or the engine's error.
pub fn run(spec: &WorkloadSpec, call: Run<'_>) -> Result<Outcome<Computed>, WorkloadError> {
    spec.validate()?;
    spec.name.workload().run(spec, call)
}

/// The plain sequential reference: no engine, no threads.
///
/// # Errors
/// A bad parameter or file.
pub fn reference(spec: &WorkloadSpec) -> Result<Computed, WorkloadError> {
    reference_cancellable(spec, None)
}

/// The plain sequential reference, looking at `cancel` between blocks of
/// items (the inner loops stay plain loops, so timing is unaffected).
///
/// # Errors
/// A bad parameter or file, or [`EngineError::Cancelled`] when cancelled.
pub fn reference_cancellable(spec: &WorkloadSpec, cancel: Option<&CancelToken>) -> Result<Computed, WorkloadError> {
    spec.validate()?;
    spec.name.workload().reference(spec, Cancel { token: cancel, watch: None })
}

/// The plain sequential reference under `hooks`: cancellable, and, with a
/// progress channel, reported like an engine call (with `hooks.call` as
/// its id) with one worker
/// (`Started` with the feeder `sequential reference`, `Worker` snapshots at
/// most once per interval, taken between blocks of items, then `Finished`).
///
/// # Errors
/// As [`reference_cancellable`].
pub fn reference_watched(spec: &WorkloadSpec, hooks: &crate::engine::Hooks) -> Result<Computed, WorkloadError> {
    let reporter = crate::engine::Reporter::of(hooks);
    if !reporter.is_on() {
        return reference_cancellable(spec, hooks.cancel.as_ref());
    }
    spec.validate()?;
    let watch = Watch { reporter, origin: Instant::now(), every: hooks.interval(), next: Cell::new(Duration::ZERO), items: Cell::new(0) };
    watch.reporter.lifecycle(ProgressEvent::Started { workers: 1, feeder: REFERENCE.into(), plan: None });
    let out = spec.name.workload().reference(spec, Cancel { token: hooks.cancel.as_ref(), watch: Some(&watch) });
    let elapsed = watch.origin.elapsed();
    let end = match &out {
        Ok(_) => crate::engine::CallEnd::Completed,
        Err(WorkloadError::Engine(e)) => crate::engine::CallEnd::of::<()>(&Err(e.clone())),
        Err(e) => crate::engine::CallEnd::Failed(crate::engine::Failure {
            thread: "the sequential reference".into(),
            stage: crate::engine::Stage::Fused,
            message: e.to_string(),
        }),
    };
    watch.reporter.lifecycle(ProgressEvent::Finished { elapsed, workers: vec![watch.stats(elapsed)], end });
    out
}

/// The sequential reference under `hooks` and its time, seconds: timed by
/// the workload itself where it does ([`Workload::timed_reference`]),
/// else around [`reference_watched`].
///
/// # Errors
/// As [`reference_watched`].
pub fn reference_timed(spec: &WorkloadSpec, hooks: &crate::engine::Hooks) -> Result<(Computed, f64), WorkloadError> {
    spec.validate()?;
    if let Some(timed) = spec.name.workload().timed_reference(spec, hooks) {
        return timed;
    }
    let t0 = Instant::now();
    let r = reference_watched(spec, hooks)?;
    Ok((r, t0.elapsed().as_secs_f64()))
}

/// What the sequential reference is called in progress events.
pub const REFERENCE: &str = "sequential reference";

/// A reference run's progress reporter.
#[derive(Debug)]
struct Watch {
    reporter: crate::engine::Reporter,
    origin: Instant,
    every: Duration,
    next: Cell<Duration>,
    items: Cell<u64>,
}

impl Watch {
    fn stats(&self, elapsed: Duration) -> WorkerStats {
        WorkerStats { worker: 0, items: self.items.get(), busy_s: elapsed.as_secs_f64(), ..WorkerStats::default() }
    }
}

/// A cancel check for the references, which also reports their progress
/// when watched.
#[derive(Debug, Clone, Copy)]
pub struct Cancel<'a> {
    token: Option<&'a CancelToken>,
    watch: Option<&'a Watch>,
}

impl Cancel<'_> {
    /// Called between blocks with the items done so far.
    pub(crate) fn check(self, items_done: u64) -> Result<(), WorkloadError> {
        if self.token.is_some_and(CancelToken::is_cancelled) {
            return Err(WorkloadError::Engine(EngineError::Cancelled { items_done, workers: vec![] }));
        }
        self.report(items_done);
        Ok(())
    }

    /// Records `items_done` (and sends a snapshot when one is due).
    pub(crate) fn report(self, items_done: u64) {
        if let Some(w) = self.watch {
            w.items.set(items_done);
            let elapsed = w.origin.elapsed();
            if elapsed >= w.next.get() {
                w.next.set(elapsed + w.every);
                w.reporter.snapshot(ProgressEvent::Worker { elapsed, stats: w.stats(elapsed) });
            }
        }
    }

    /// Folds `f(block)` over `0..n` in blocks of `block` numbers, checking
    /// for a cancel between blocks.
    pub(crate) fn blocks(self, n: u64, block: u64, mut acc: u64, f: impl Fn(u64, source::Counter) -> u64) -> Result<u64, WorkloadError> {
        let mut start = 0;
        while start < n {
            self.check(start)?;
            let end = n.min(start.saturating_add(block));
            acc = f(acc, source::Counter::range(start, end));
            start = end;
        }
        self.report(n);
        Ok(acc)
    }
}

/// Helper for workloads whose result is a wrapping sum of `u64`s.
pub(crate) fn number(o: Outcome<u64>) -> Outcome<Computed> {
    Outcome { value: Computed::Number(o.value), report: o.report }
}
