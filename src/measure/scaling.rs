//! Scale your own Rust code: a harness that measures a map-reduce of your
//! program at several thread counts, as one experiment of the library.
//!
//! ```no_run
//! use scalescope::measure::Scaling;
//!
//! fn is_prime(n: u64) -> bool {
//!     n >= 2 && (2..).take_while(|d| d * d <= n).all(|d| !n.is_multiple_of(d))
//! }
//!
//! let exp = Scaling::new("primes below 2M")
//!     .threads([1, 2, 4])
//!     .reps(5)
//!     .run(|run| run.map_reduce(0..2_000_000u64, |n| u64::from(is_prime(n)), |a, b| a + b))?;
//! for r in &exp.runs {
//!     println!("{} threads: {:.3} s, speedup {:.2}", r.threads, r.median_s, r.speedup);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # What it does
//! - The closure is called once per (thread count, repetition), and once per
//!   repetition for the sequential reference. Its handle, a [`Call`], runs
//!   one engine call ([`Call::map_reduce`] or [`Call::fold`]) at that thread
//!   count on the `auto` feeder (or the one [`Scaling::feeder`] picks), and
//!   on the `sequential` feeder for the reference; the engine's report (wall
//!   time, workers) is what is timed and kept. Each call of the closure must
//!   run exactly one map-reduce.
//! - Repetitions are interleaved across the thread counts (repetition 1 of
//!   every count, then repetition 2, ...), as every sweep is: the one loop of
//!   [`super::sweep`] runs them, so drift of the machine hits all alike.
//! - Every result is checked against the reference's with `==` (or with
//!   [`Scaling::check`], for floating point). A result that differs **stops
//!   the measurement**: the run is recorded as not verified, the experiment
//!   is kept, stopped with the error, and [`Scaling::run`] answers
//!   [`ScalingError::Mismatch`]: timing a wrong answer tells nothing.
//! - The experiment is a real [`Experiment`] of the `rust-code` workload
//!   (named as you named the job), saved in the experiments library as it
//!   grows (after every measurement, at most every
//!   [`crate::experiment::autosave::EVERY`], and at the end), exactly like a
//!   CLI sweep: `$SCALESCOPE_DATA_DIR/experiments` when that is set, else
//!   the platform's data directory, or the library [`Scaling::library`] picks.
//!   The app shows it as soon as it is saved, even while it runs; speedup,
//!   efficiency, fits, diagnoses and reports work on it as on any other.
//!
//! # From a bench
//! Criterion's convention for a bench with its own `main` works as it is:
//! in `Cargo.toml`
//!
//! ```toml
//! [[bench]]
//! name = "scaling"
//! harness = false
//! ```
//!
//! and in `benches/scaling.rs` a `fn main()` that calls [`Scaling::run`]
//! (as `examples/own_code.rs` does); `cargo bench --bench scaling` runs it
//! in release mode. Arguments cargo passes (`--bench`) can be ignored.

use std::fmt::{self, Debug};
use std::marker::PhantomData;
use std::path::PathBuf;

use super::sweep::{Subject, describe, sweep_of};
use crate::engine::{ChunkSize, Config, EngineError, FeederKind, Hooks, Outcome, Report, Run, Threads};
use crate::experiment::autosave::Autosave;
use crate::experiment::{Experiment, Library, Status, StopCause, SweepPlan};
use crate::workloads::{ResultValue, WorkloadError, WorkloadKind, WorkloadSpec};

/// How a result is compared with the reference's.
pub trait Check<R> {
    /// Whether `got` is the reference's result (`reference`) again.
    fn same(&self, reference: &R, got: &R) -> bool;
}

/// Exact equality (`==`): the default check.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Exact;

impl<R: PartialEq> Check<R> for Exact {
    fn same(&self, reference: &R, got: &R) -> bool {
        reference == got
    }
}

impl<R, F: Fn(&R, &R) -> bool> Check<R> for F {
    fn same(&self, reference: &R, got: &R) -> bool {
        self(reference, got)
    }
}

/// The harness: what to measure and how (see the [module docs](self)).
pub struct Scaling<C = Exact> {
    name: String,
    threads: Vec<usize>,
    reps: usize,
    warmup: usize,
    feeder: FeederKind,
    spans: bool,
    library: Option<Library>,
    check: C,
}

impl<C> Debug for Scaling<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scaling")
            .field("name", &self.name)
            .field("threads", &self.threads)
            .field("reps", &self.reps)
            .field("warmup", &self.warmup)
            .field("feeder", &self.feeder)
            .field("spans", &self.spans)
            .field("library", &self.library)
            .finish_non_exhaustive()
    }
}

/// The machine's thread ladder ([`crate::machine::MachineInfo::ladder`]).
fn default_threads() -> Vec<usize> {
    crate::machine::MachineInfo::detect().ladder().into_iter().filter(|&t| t <= crate::engine::MAX_THREADS).collect()
}

impl Scaling<Exact> {
    /// A job named `name` (the experiment's name: say which code it measures),
    /// at the machine's ladder of thread counts (1, 2, 4, ..., the cores, twice the logical CPUs), 5 timed
    /// repetitions after 1 warm-up (the CLI's defaults), results compared
    /// with `==`, saved in the default library.
    pub fn new(name: impl Into<String>) -> Self {
        Scaling {
            name: name.into(),
            threads: default_threads(),
            reps: 5,
            warmup: 1,
            feeder: FeederKind::Auto,
            spans: false,
            library: None,
            check: Exact,
        }
    }
}

impl<C> Scaling<C> {
    /// The thread counts to measure (each 1 to [`crate::engine::MAX_THREADS`]).
    #[must_use]
    pub fn threads(mut self, threads: impl IntoIterator<Item = usize>) -> Self {
        self.threads = threads.into_iter().collect();
        self
    }

    /// Timed repetitions per thread count (and of the reference); at least 1.
    #[must_use]
    pub fn reps(mut self, reps: usize) -> Self {
        self.reps = reps;
        self
    }

    /// Untimed warm-up rounds before the timed ones.
    #[must_use]
    pub fn warmup(mut self, warmup: usize) -> Self {
        self.warmup = warmup;
        self
    }

    /// The engine's feeder for the runs (`auto` unless set); the reference
    /// always runs on `sequential`.
    #[must_use]
    pub fn feeder(mut self, feeder: FeederKind) -> Self {
        self.feeder = feeder;
        self
    }

    /// Records every worker's timeline (for the app's timeline view).
    #[must_use]
    pub fn spans(mut self, on: bool) -> Self {
        self.spans = on;
        self
    }

    /// Saves into `library` instead of the default one.
    #[must_use]
    pub fn library(mut self, library: Library) -> Self {
        self.library = Some(library);
        self
    }

    /// Compares a result with the reference's with `same(reference, got)`
    /// instead of `==`: for floating point, whose sums depend on the order
    /// the threads add them in. Name the result type in the closure:
    /// `.check(|a: &Option<f64>, b: &Option<f64>| ...)`.
    pub fn check<R, F: Fn(&R, &R) -> bool>(self, same: F) -> Scaling<F> {
        let Scaling { name, threads, reps, warmup, feeder, spans, library, check: _ } = self;
        Scaling { name, threads, reps, warmup, feeder, spans, library, check: same }
    }

    /// The plan the sweep runs.
    fn plan(&self) -> Result<SweepPlan, ScalingError> {
        let setup = |why: String| ScalingError::Setup(format!("cannot measure '{}': {why}", self.name));
        if self.threads.is_empty() {
            return Err(setup("no thread counts (give some: .threads([1, 2, 4]))".into()));
        }
        if self.reps == 0 {
            return Err(setup("reps is 0: at least one timed repetition is needed".into()));
        }
        let threads = self.threads.iter().map(|&t| Threads::new(t)).collect::<Result<Vec<_>, _>>().map_err(|e| setup(e.to_string()))?;
        let workload = WorkloadSpec::new(WorkloadKind::Code);
        Ok(SweepPlan { reps: self.reps, warmup: self.warmup, spans: self.spans, ..SweepPlan::single(workload, self.feeder, &threads) })
    }

    /// Measures `code`: calls it once per (thread count, repetition) and per
    /// repetition of the sequential reference, each time with a [`Call`]
    /// that runs its one map-reduce; returns the experiment, complete and
    /// saved in the library.
    ///
    /// # Errors
    /// - [`ScalingError::Setup`]: nothing was measured (a setting out of
    ///   range, no library, a library that cannot be written);
    /// - [`ScalingError::Mismatch`]: a result differed from the reference's;
    /// - [`ScalingError::Failed`]: the code failed (a panic in its map or
    ///   reduce, no map-reduce in a call, or several);
    /// - [`ScalingError::NotSaved`]: measured, but the library's file could not be written.
    ///
    /// The last three hold the experiment as far as it got (saved, but for
    /// the last one).
    pub fn run<R, F>(self, mut code: F) -> Result<Experiment, ScalingError>
    where
        R: Debug,
        F: FnMut(&mut Call<'_>) -> Result<R, EngineError>,
        C: Check<R>,
    {
        let plan = self.plan()?;
        let setup = |why: String| ScalingError::Setup(format!("cannot measure '{}': {why}", self.name));
        let library = match self.library.clone() {
            Some(l) => l,
            None => Library::default_location().map_err(|e| setup(e.to_string()))?,
        };
        library.ensure_writable().map_err(|e| setup(format!("the experiments library cannot be written: {e}")))?;
        let mut exp = Experiment::start(&plan, Some(self.name.clone()));
        let mut saver = Autosave::start(&mut exp, Some(library), Vec::new())
            .map_err(|e| setup(format!("the experiments library cannot be written: {e}")))?;
        let mut own = Own { code: &mut code, check: &self.check, mismatch: false, result: PhantomData };
        let on_measured = |x: &Experiment| {
            saver.save(x);
        };
        let exp = sweep_of(&mut own, &plan, exp, &Hooks::none(), |_| {}, on_measured).map_err(|e| setup(e.to_string()))?;
        saver.flush(&exp);
        let file = saver.library_file().map(PathBuf::from);
        let unsaved = saver.failures().first().map(|e| (*e).to_string());
        let experiment = Box::new(exp);
        match (&experiment.status, unsaved) {
            (Status::Stopped { by: StopCause::Error { message }, .. }, _) => {
                let message = message.clone();
                Err(if own.mismatch {
                    ScalingError::Mismatch { message, experiment, file }
                } else {
                    ScalingError::Failed { message, experiment, file }
                })
            }
            (_, Some(message)) => Err(ScalingError::NotSaved { message, experiment }),
            _ => Ok(*experiment),
        }
    }
}

/// Why [`Scaling::run`] did not give a complete, saved experiment.
#[derive(Debug, thiserror::Error)]
pub enum ScalingError {
    /// Nothing was measured: a setting out of range, or no library to keep it in.
    #[error("{0}")]
    Setup(String),
    /// A result differed from the sequential reference's: measuring stopped
    /// there (the run is recorded as not verified).
    #[error("'{}' gave a wrong answer, so measuring stopped: {message}{}", .experiment.name, kept(.file.as_ref()))]
    Mismatch {
        /// Where and how it differed.
        message: String,
        /// The experiment, stopped with the error.
        experiment: Box<Experiment>,
        /// Its file in the library.
        file: Option<PathBuf>,
    },
    /// The code failed: a panic in its map or reduce (the engine names the
    /// thread), or a call that ran no map-reduce, or several.
    #[error("'{}' failed: {message}{}", .experiment.name, kept(.file.as_ref()))]
    Failed {
        /// What went wrong.
        message: String,
        /// The experiment, stopped with the error.
        experiment: Box<Experiment>,
        /// Its file in the library.
        file: Option<PathBuf>,
    },
    /// Measured, but the library's file could not be written.
    #[error("'{}' was measured, but could not be saved: {message}", .experiment.name)]
    NotSaved {
        /// Why.
        message: String,
        /// The complete experiment.
        experiment: Box<Experiment>,
    },
}

impl ScalingError {
    /// The experiment as far as it got (none for [`ScalingError::Setup`]).
    pub fn experiment(&self) -> Option<&Experiment> {
        match self {
            ScalingError::Setup(_) => None,
            ScalingError::Mismatch { experiment, .. }
            | ScalingError::Failed { experiment, .. }
            | ScalingError::NotSaved { experiment, .. } => Some(experiment),
        }
    }
}

/// `; what was measured is kept in <file>`.
fn kept(file: Option<&PathBuf>) -> String {
    file.map_or_else(String::new, |f| format!("; what was measured is kept in {}", crate::untrusted::escape_path(f)))
}

/// One call of the measured closure: runs its map-reduce on the engine at
/// this call's thread count (or sequentially, for the reference) and keeps
/// the engine's report.
#[derive(Debug)]
pub struct Call<'c> {
    run: Run<'c>,
    reference: bool,
    reports: Vec<Report>,
}

impl Call<'_> {
    /// Maps every item of `input` and reduces the results with an
    /// associative and commutative `reduce` (as [`Run::map_reduce`]);
    /// `None` for an empty input.
    ///
    /// # Errors
    /// The engine's: a panic in the iterator, `map` or `reduce` (named with its thread).
    pub fn map_reduce<I, T, U, M, Red>(&mut self, input: I, map: M, reduce: Red) -> Result<Option<U>, EngineError>
    where
        I: IntoIterator<Item = T>,
        I::IntoIter: Send,
        T: Send,
        U: Send,
        M: Fn(T) -> U + Sync,
        Red: Fn(U, U) -> U + Sync,
    {
        let out = self.run.clone().map_reduce(input, map, reduce)?;
        self.reports.push(out.report);
        Ok(out.value)
    }

    /// Folds every worker's items into its own accumulator (from
    /// `identity()`) and combines the accumulators (as [`Run::fold`]).
    ///
    /// # Errors
    /// As [`Call::map_reduce`].
    pub fn fold<I, T, A, Id, F, Comb>(&mut self, input: I, identity: Id, fold: F, combine: Comb) -> Result<A, EngineError>
    where
        I: IntoIterator<Item = T>,
        I::IntoIter: Send,
        T: Send,
        A: Send,
        Id: Fn() -> A + Sync,
        F: Fn(A, T) -> A + Sync,
        Comb: Fn(A, A) -> A + Sync,
    {
        let out = self.run.clone().fold(input, identity, fold, combine)?;
        self.reports.push(out.report);
        Ok(out.value)
    }

    /// The engine configuration of this call.
    pub fn config(&self) -> &Config {
        self.run.parts().0
    }

    /// The threads this call runs on (1 for the reference).
    pub fn threads(&self) -> usize {
        self.config().threads.get()
    }

    /// Whether this is the sequential reference.
    pub fn is_reference(&self) -> bool {
        self.reference
    }
}

/// A program's own code as the sweep's subject.
struct Own<'f, R, F, C> {
    code: &'f mut F,
    check: &'f C,
    /// Whether a result differed from the reference's (what stopped the sweep).
    mismatch: bool,
    result: PhantomData<fn() -> R>,
}

impl<R: Debug, F: FnMut(&mut Call<'_>) -> Result<R, EngineError>, C: Check<R>> Own<'_, R, F, C> {
    /// One call of the code with `run`; its one engine call's report.
    fn call(&mut self, run: Run<'_>, reference: bool) -> Result<Outcome<R>, WorkloadError> {
        let mut call = Call { run, reference, reports: Vec::new() };
        let value = (self.code)(&mut call)?;
        let ran = call.reports.len();
        match call.reports.pop() {
            Some(report) if ran == 1 => Ok(Outcome { value, report }),
            _ => Err(WorkloadError::OwnCode(format!(
                "each call of the measured closure must run exactly one map-reduce (run.map_reduce or run.fold); one at {} ran {ran}",
                describe(call.config())
            ))),
        }
    }
}

impl<R: Debug, F: FnMut(&mut Call<'_>) -> Result<R, EngineError>, C: Check<R>> Subject for Own<'_, R, F, C> {
    type Value = R;

    /// The code on the `sequential` feeder: one thread, the calling one.
    fn reference(&mut self, _spec: &WorkloadSpec, hooks: &Hooks) -> Result<(R, f64), WorkloadError> {
        let config = Config { threads: Threads::ONE, chunk: ChunkSize::Auto, feeder: FeederKind::Sequential, gil: false };
        // The call gets an id of its own: the harness watches no progress.
        let out = self.call(Run::new(&config).hooks(hooks.clone()), true)?;
        Ok((out.value, out.report.wall_s))
    }

    fn run(&mut self, _spec: &WorkloadSpec, call: Run<'_>) -> Result<Outcome<R>, WorkloadError> {
        self.call(call, false)
    }

    /// A result that differs stops the sweep.
    fn verify(&mut self, _spec: &WorkloadSpec, config: &Config, reference: &R, got: &R) -> Result<bool, WorkloadError> {
        if self.check.same(reference, got) {
            return Ok(true);
        }
        self.mismatch = true;
        Err(WorkloadError::OwnCode(format!(
            "at {} the result differs from the sequential reference's: {} instead of {}",
            describe(config),
            ResultValue::of_debug(got),
            ResultValue::of_debug(reference)
        )))
    }

    fn value(&self, v: &R) -> ResultValue {
        ResultValue::of_debug(v)
    }
}
