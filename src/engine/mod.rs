//! The engine: map-reduce over plain single-pass iterators on a pool of
//! threads, with selectable feeders, progress events, cancellation, and
//! errors that never hang. The design note is `src/engine/DESIGN.md`.

pub mod broadcast;
mod cancel;
mod chunking;
mod config;
mod crew;
mod error;
mod feeders;
mod gil;
mod kernel;
pub mod keyed;
pub mod ordered;
mod preempt;
mod progress;
mod report;
mod run;
mod sync;

use std::time::Instant;

pub use cancel::CancelToken;
pub use config::{Chunk, ChunkSize, Config, FeederKind, Hooks, MAX_CHUNK, MAX_THREADS, Threads};
pub use crew::{Failure, Stage};
pub(crate) use crew::{Failures, scope as crew_scope};
pub use error::{ConfigError, EngineError};
pub(crate) use progress::Reporter;
pub use progress::{BufferStats, CallEnd, CallId, Phase, PhaseTime, Progress, ProgressEvent, Span, SpanKind, WorkerStats};
pub use report::{MAX_SWITCHES_KEPT, Ran, Report, Shape, Switch};
pub(crate) use report::{fold_words, plan_words};

use crew::Mark;
use kernel::Ops;
use run::Shared;

/// A result and the report of the call that made it.
#[derive(Clone, Debug)]
pub struct Outcome<A> {
    /// The reduced value.
    pub value: A,
    /// How it was made.
    pub report: Report,
}

/// One engine call, with its hooks. Build it, then call [`Run::fold`] or
/// [`Run::map_reduce`].
///
/// # Examples
/// ```
/// use scalescope::engine::{Config, FeederKind, Run};
/// let config = Config::new(2)?.feeder(FeederKind::Dispenser).chunk(100)?;
/// let out = Run::new(&config).map_reduce((1..=1000u64).filter(|x| x % 3 == 0), |x| x * 2, |a, b| a + b).unwrap();
/// assert_eq!(out.value, Some((1..=1000u64).filter(|x| x % 3 == 0).map(|x| x * 2).sum()));
/// assert_eq!(out.report.items(), 333);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct Run<'c> {
    config: &'c Config,
    hooks: Hooks,
    record_spans: bool,
    /// Set by a design that wraps this call (keyed): it sends `Finished`
    /// itself, after its own phases.
    pub(crate) defer_finish: bool,
}

impl<'c> Run<'c> {
    /// A call with no progress channel and no cancel token, and a fresh [`CallId`].
    pub fn new(config: &'c Config) -> Self {
        let hooks = Hooks { call: CallId::next(), ..Hooks::none() };
        Run { config, hooks, record_spans: false, defer_finish: false }
    }
    /// Sets the progress channel, cancel token and sampling interval (the
    /// call keeps its own id).
    pub fn hooks(mut self, hooks: Hooks) -> Self {
        self.hooks = Hooks { call: self.hooks.call, ..hooks };
        self
    }
    /// The id every event of this call carries.
    pub fn id(&self) -> CallId {
        self.hooks.call
    }
    /// Records a span per chunk per worker into [`Report::spans`].
    pub fn record_spans(mut self, on: bool) -> Self {
        self.record_spans = on;
        self
    }

    /// The configuration and hooks of this call, for designs that run
    /// outside [`Run::fold`] (the ordered stream, the broadcast).
    pub fn parts(&self) -> (&'c Config, &Hooks) {
        (self.config, &self.hooks)
    }

    /// `map_reduce`: maps every item, reduces the results with an associative
    /// and commutative `reduce_fn`. `None` for empty input.
    ///
    /// # Errors
    /// See [`Run::fold`].
    pub fn map_reduce<I, T, U, M, R>(self, input: I, map_fn: M, reduce_fn: R) -> Result<Outcome<Option<U>>, EngineError>
    where
        I: IntoIterator<Item = T>,
        I::IntoIter: Send,
        T: Send,
        U: Send,
        M: Fn(T) -> U + Sync,
        R: Fn(U, U) -> U + Sync,
    {
        let gil = self.config.gil;
        self.run_kernel(input, &kernel::MapReduce { map: map_fn, reduce: reduce_fn, gil })
    }

    /// Keyed map-reduce with a shuffle: `mapper` emits `(key, value)` pairs
    /// through the [`keyed::Emitter`]; values of one key are combined with
    /// `combine` (associative and commutative, in place). Each worker combines
    /// locally per partition, then one reducer per partition merges its part
    /// of every worker's table. Progress comes per phase
    /// ([`ProgressEvent::Phase`]); [`Report::phases`] times them.
    ///
    /// # Examples
    /// ```
    /// use scalescope::engine::{Config, Run};
    /// let text = ["a b a", "b a", "c"];
    /// let config = Config::new(2)?.chunk(1)?;
    /// let out = Run::new(&config)
    ///     .map_reduce_by_key(text, |line: &str, out| line.split(' ').for_each(|w| out.emit_borrowed(w, 1u64)), |a, b| *a += b)
    ///     .unwrap();
    /// let counts: scalescope::engine::keyed::KeyedMap<String, u64> = out.value;
    /// assert_eq!((counts.get("a"), counts.get("b"), counts.get("c"), counts.len()), (Some(&3), Some(&2), Some(&1), 3));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// As [`Run::fold`]; a panic in `combine` during the reduce phase too.
    pub fn map_reduce_by_key<I, T, K, V, M, C>(self, input: I, mapper: M, combine: C) -> Result<Outcome<keyed::KeyedMap<K, V>>, EngineError>
    where
        I: IntoIterator<Item = T>,
        I::IntoIter: Send,
        T: Send,
        K: std::hash::Hash + Eq + Send,
        V: Send,
        M: Fn(T, &mut keyed::Emitter<'_, K, V>) + Sync,
        C: Fn(&mut V, V) + Sync,
    {
        keyed::run(self, input, mapper, combine)
    }

    /// The general form: each worker folds its items into its own accumulator
    /// (starting from `identity()`), and the accumulators are combined with
    /// an associative and commutative `combine` on the calling thread.
    ///
    /// # Errors
    /// - [`EngineError::Cancelled`] when the cancel token was tripped before the input ended;
    /// - [`EngineError::Failed`] when the source, `fold` or `combine` panicked
    ///   (the [`Failure`] names the thread and the [`Stage`]);
    ///   the other workers are stopped and joined first.
    pub fn fold<I, T, A, ID, F, C>(self, input: I, identity: ID, fold: F, combine: C) -> Result<Outcome<A>, EngineError>
    where
        I: IntoIterator<Item = T>,
        I::IntoIter: Send,
        T: Send,
        A: Send,
        ID: Fn() -> A + Sync,
        F: Fn(A, T) -> A + Sync,
        C: Fn(A, A) -> A + Sync,
    {
        let gil = self.config.gil;
        self.run_kernel(input, &Ops { identity, fold, combine, gil })
    }

    /// Runs `ops` over `input` with the configured feeder: see [`Run::fold`].
    fn run_kernel<I, T, K>(self, input: I, ops: &K) -> Result<Outcome<K::Acc>, EngineError>
    where
        I: IntoIterator<Item = T>,
        I::IntoIter: Send,
        T: Send,
        K: kernel::Kernel<T>,
    {
        let config = self.config;
        let slots = if config.feeder == FeederKind::Sequential { 1 } else { config.threads.get() };
        let mut shared = Shared::new(&self.hooks, slots, self.record_spans);
        shared.defer_finish = self.defer_finish;
        let source = input.into_iter();
        shared.lifecycle(ProgressEvent::Started { workers: slots, feeder: config.feeder.name().into(), plan: None });
        let threads = config.threads.get();
        // Workers are guarded by the crew; this guards the loops that run on
        // the calling thread (`sequential`, `auto` with one thread) and rayon's pool.
        let calling = Mark::new(Stage::Fused);
        let partials = shared.failures.guard("the calling thread", &calling, || match config.feeder {
            FeederKind::Sequential => feeders::sequential::run(source, ops, &shared),
            FeederKind::Locked => feeders::locked::run(source, ops, &shared, threads),
            FeederKind::Queue => feeders::queue::run(source, ops, &shared, threads, config.chunk),
            FeederKind::Dispenser => feeders::dispenser::run(source, ops, &shared, threads, config.chunk),
            FeederKind::Rayon => feeders::rayon_bridge::run(source, ops, &shared, threads),
            FeederKind::Auto => feeders::auto::run(source, ops, &shared, threads, config.chunk),
        });
        let Some(partials) = partials else {
            let verdict = shared.verdict();
            shared.finished(progress::CallEnd::of(&verdict));
            return Err(verdict.err().unwrap_or_else(|| EngineError::Cancelled { items_done: 0, workers: vec![] }));
        };
        if config.feeder == FeederKind::Auto && shared.reporter.is_on() {
            let used = fold_words(config.feeder, config.chunk, partials.ran, partials.workers);
            let plan = plan_words(slots, partials.workers, &partials.switches, partials.more);
            shared.lifecycle(ProgressEvent::Decided { feeder: used, plan });
        }
        // `Finished` says how the call ended, so it goes after the final reduce.
        let verdict = shared.verdict();
        if verdict.is_err() {
            shared.finished(progress::CallEnd::of(&verdict));
            verdict?;
        }
        let mut spans = partials.spans;
        // Read only where the reduce is drawn (a clock read is a share of a small job).
        let t_reduce = self.record_spans.then(Instant::now);
        let combining = Mark::new(Stage::Combine);
        let combined =
            shared.failures.guard("the calling thread", &combining, || partials.accs.into_iter().reduce(|a, b| ops.combine(a, b)));
        let value = match combined {
            Some(Some(v)) => v,
            Some(None) => ops.identity(),
            None => {
                let e = shared.verdict().err().unwrap_or_else(|| EngineError::Cancelled { items_done: 0, workers: vec![] });
                shared.finished(progress::CallEnd::of::<()>(&Err(e.clone())));
                return Err(e);
            }
        };
        let workers = shared.finished(progress::CallEnd::Completed);
        if let Some(t_reduce) = t_reduce {
            let s = |t: Instant| (t - shared.origin).as_secs_f64();
            spans.push(Span { worker: slots, kind: SpanKind::Reduce, start_s: s(t_reduce), end_s: s(Instant::now()), items: 0 });
        }
        let report = Report {
            feeder: config.feeder,
            shape: Shape::Fold,
            chunk: config.chunk,
            ran: partials.ran,
            switches: partials.switches,
            more_switches: partials.more,
            threads_used: partials.workers,
            workers,
            wall_s: shared.origin.elapsed().as_secs_f64(),
            spans,
            phases: vec![],
            buffer: None,
            process: None,
        };
        Ok(Outcome { value, report })
    }
}

/// `map_reduce` with no hooks: the value only.
///
/// # Examples
/// ```
/// use scalescope::engine::{map_reduce, Config};
/// let lines = "a b\nc d e\n".lines();
/// let words = map_reduce(lines, |l| l.split_whitespace().count(), |a, b| a + b, &Config::new(2)?).unwrap();
/// assert_eq!(words, Some(5));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// See [`Run::fold`].
pub fn map_reduce<I, T, U, M, R>(input: I, map_fn: M, reduce_fn: R, config: &Config) -> Result<Option<U>, EngineError>
where
    I: IntoIterator<Item = T>,
    I::IntoIter: Send,
    T: Send,
    U: Send,
    M: Fn(T) -> U + Sync,
    R: Fn(U, U) -> U + Sync,
{
    Run::new(config).map_reduce(input, map_fn, reduce_fn).map(|o| o.value)
}

/// `map_reduce` with an identity: never `None`; empty input gives `identity()`.
///
/// # Examples
/// ```
/// use scalescope::engine::{map_reduce_with_identity, Config};
/// let total = map_reduce_with_identity(std::iter::empty::<u64>(), || 0, |x| x, |a, b| a + b, &Config::new(2)?).unwrap();
/// assert_eq!(total, 0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// See [`Run::fold`].
pub fn map_reduce_with_identity<I, T, U, ID, M, R>(
    input: I,
    identity: ID,
    map_fn: M,
    reduce_fn: R,
    config: &Config,
) -> Result<U, EngineError>
where
    I: IntoIterator<Item = T>,
    I::IntoIter: Send,
    T: Send,
    U: Send,
    ID: Fn() -> U + Sync,
    M: Fn(T) -> U + Sync,
    R: Fn(U, U) -> U + Sync,
{
    let reduce = &reduce_fn;
    Run::new(config).fold(input, identity, |acc, x| reduce(acc, map_fn(x)), reduce).map(|o| o.value)
}
