//! One pass, several aggregates: [`broadcast`] runs several consumers (sum,
//! max, a histogram...) over ONE single-pass iterator at the same time, each
//! on its own thread, and hands every consumer every item.
//!
//! Design (one pass read by several consumers, with four answers side by side):
//! - The calling thread is the producer: it alone pulls the source, so the
//!   source needs no `Send` and is pulled exactly once.
//! - A consumer is a function of an [`Items`] iterator (`|it| it.sum()`), so
//!   ordinary iterator code is an aggregate. `Items` walks slices, so
//!   `sum`/`max`/`fold` run as tight loops over a chunk.
//! - [`Strategy::Chunked`] (ours): the producer seals `chunk` items into one
//!   shared chunk (`Arc`, never copied per consumer) and sends it down a
//!   bounded queue of `queue` chunks per consumer. A full queue blocks the
//!   producer, so the slowest consumer sets the pace and at most
//!   `(queue + 2) x chunk` items are ever alive: `queue` queued, one being
//!   read by the slowest consumer, one being filled.
//! - [`Strategy::Tee`]: the same chunks down unbounded queues: nothing
//!   blocks, and memory grows with how far the slowest consumer drifts.
//! - [`Strategy::BufferAll`]: collect everything, then run the consumers
//!   over the one buffer.
//! - [`Strategy::LockStep`]: one item at a time; the producer waits until
//!   every consumer has taken the item before it offers the next (a barrier
//!   per item). One item in memory; a hand-off between threads per item.
//! - A consumer may stop early (`it.take(5)`): it leaves, and is not waited
//!   for. A consumer's panic stops the producer at its next chunk (lock-step:
//!   next item) and comes back as an error; so do a panicking source and a
//!   cancel. Threads are scoped: none outlives the call.

mod chunks;
pub mod cooperative;
mod items;
mod produce;
mod step;

use std::num::NonZeroUsize;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::crew::{Failures, Mark, Stage};
use super::error::ConfigError;
use super::progress::{self, CallEnd, Reporter, Slots};
use super::{BufferStats, EngineError, Hooks, Outcome, ProgressEvent, Report};
use chunks::Gauge;
pub use items::Items;

/// The producer's name in failures: the source is pulled on the calling thread.
const CALLING: &str = "the calling thread";

/// How the items reach the consumers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Strategy {
    /// Collect every item, then run the consumers over the buffer.
    BufferAll,
    /// Unbounded queues: the producer never waits; memory follows the drift.
    Tee,
    /// A barrier per item: one item in memory, a thread hand-off per item.
    LockStep,
    /// Shared chunks down bounded queues: bounded memory, cheap hand-offs.
    #[default]
    Chunked,
}

impl Strategy {
    /// Every strategy, the naive ones first.
    pub const ALL: [Strategy; 4] = [Strategy::BufferAll, Strategy::Tee, Strategy::LockStep, Strategy::Chunked];

    /// Its name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Strategy::BufferAll => "buffer-all",
            Strategy::Tee => "tee",
            Strategy::LockStep => "lock-step",
            Strategy::Chunked => "chunked",
        }
    }

    /// One line for people.
    pub fn explain(self) -> &'static str {
        match self {
            Strategy::BufferAll => "collect every item first, then run each aggregate over the buffer: memory grows with the input",
            Strategy::Tee => "an unbounded queue per aggregate: the reader never waits, memory grows as the slowest aggregate falls behind",
            Strategy::LockStep => {
                "a barrier per item: every aggregate takes the item before the next is read; one item in memory, very slow"
            }
            Strategy::Chunked => "shared chunks down a short queue per aggregate: the slowest sets the pace, memory stays bounded",
        }
    }
}

impl std::fmt::Display for Strategy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Strategy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Strategy::ALL
            .into_iter()
            .find(|k| k.name() == s.trim())
            .ok_or_else(|| format!("unknown strategy '{s}' (choose one of: buffer-all, tee, lock-step, chunked)"))
    }
}

/// A strategy with its sizes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BroadcastConfig {
    /// How items reach the consumers.
    pub strategy: Strategy,
    /// Items per chunk (chunked and tee).
    pub chunk: super::Chunk,
    /// Chunks queued per consumer (chunked).
    pub queue: NonZeroUsize,
}

impl BroadcastConfig {
    /// `strategy` with chunks of 8,192 items and 4 queued per consumer
    /// (smaller chunks cost a thread wake-up per few hundred items).
    pub fn new(strategy: Strategy) -> Self {
        BroadcastConfig { strategy, chunk: DEFAULT_CHUNK, queue: DEFAULT_QUEUE }
    }

    /// Sets the chunk size.
    ///
    /// # Errors
    /// A zero or too large chunk.
    pub fn chunk(self, chunk: usize) -> Result<Self, ConfigError> {
        Ok(self.chunk_of(super::Chunk::new(chunk)?))
    }

    /// Sets the chunk size.
    pub fn chunk_of(mut self, chunk: super::Chunk) -> Self {
        self.chunk = chunk;
        self
    }

    /// The most items ever held at once; `None` where it grows with the input.
    pub fn bound(&self) -> Option<u64> {
        match self.strategy {
            Strategy::Chunked => Some(((self.queue.get() + 2) * self.chunk.get()) as u64),
            Strategy::LockStep => Some(1),
            Strategy::Tee | Strategy::BufferAll => None,
        }
    }
}

const DEFAULT_CHUNK: super::Chunk = super::Chunk::of(8192);
const DEFAULT_QUEUE: NonZeroUsize = NonZeroUsize::new(4).expect("4 is not zero");

/// A consumer: any function of the items, run on its own thread.
pub type Consumer<'a, T, R> = Box<dyn FnOnce(Items<'_, T>) -> R + Send + 'a>;

/// What the consumers share with the producer (the calling thread), for the
/// threaded strategies and the cooperative one alike.
struct Shared<'h> {
    hooks: &'h Hooks,
    /// The one sender of this call's events.
    reporter: Reporter,
    origin: Instant,
    slots: Slots,
    gauge: Arc<Gauge>,
    bound: Option<u64>,
    failures: Failures,
}

/// What the producer leaves: each consumer's value (`None`: it did not
/// return), the items pulled, and whether the source was read to its end
/// or every consumer left early (false: stopped, or the source panicked).
struct Fed<R> {
    results: Vec<Option<R>>,
    pulled: u64,
    complete: bool,
}

impl<'h> Shared<'h> {
    /// A call of `consumers` consumers that holds at most `bound` items.
    fn new(hooks: &'h Hooks, consumers: usize, bound: Option<u64>) -> Self {
        Shared {
            hooks,
            reporter: Reporter::of(hooks),
            origin: Instant::now(),
            slots: progress::slots(consumers),
            gauge: Arc::default(),
            bound,
            failures: Failures::default(),
        }
    }

    fn stop(&self) -> bool {
        self.failures.stopped() || self.hooks.cancel.as_ref().is_some_and(|c| c.is_cancelled())
    }

    /// Sends a lifecycle event: never dropped.
    fn send(&self, event: ProgressEvent) {
        self.reporter.lifecycle(event);
    }

    /// Whether a progress sample is due (never when nobody listens); if so,
    /// `at`, the time of the last one, becomes now.
    fn due(&self, at: &mut Instant) -> bool {
        let due = self.reporter.is_on() && at.elapsed() >= self.hooks.interval();
        if due {
            *at = Instant::now();
        }
        due
    }

    /// Sends every consumer's count and the occupancy.
    fn sample(&self, last: &mut [super::WorkerStats]) {
        if self.reporter.is_on() {
            let elapsed = self.origin.elapsed();
            progress::send_changed(&self.reporter, &self.slots, last, elapsed);
            // Relaxed: a progress snapshot.
            let held = self.gauge.now.load(Ordering::Relaxed);
            self.reporter.snapshot(ProgressEvent::Occupancy { elapsed, held, waiting: 0, bound: self.bound, unit: "items" });
        }
    }

    /// Runs the producer `f` on the calling thread under the panic guard,
    /// with its mark at [`Stage::Source`]; whether it completed (false: it
    /// stopped, or it panicked and the failure is recorded).
    fn produce(&self, f: impl FnOnce(&Mark) -> bool) -> bool {
        let mark = Mark::new(Stage::Source);
        self.failures.guard(CALLING, &mark, || f(&mark)).unwrap_or(false)
    }

    /// Sends `Finished` and gives the call's end: a recorded failure first,
    /// else a cancel with the items pulled, else every consumer's value and
    /// the final counts.
    fn conclude<R>(&self, fed: Fed<R>) -> Result<(Vec<R>, Vec<super::WorkerStats>), EngineError> {
        let workers = progress::snapshot_all(&self.slots);
        let finished = |end| self.send(ProgressEvent::Finished { elapsed: self.origin.elapsed(), workers: workers.clone(), end });
        if let Some(failure) = self.failures.take() {
            finished(CallEnd::Failed(failure.clone()));
            return Err(EngineError::Failed(failure));
        }
        let values: Option<Vec<R>> = fed.results.into_iter().collect();
        let (true, Some(values)) = (fed.complete, values) else {
            finished(CallEnd::Cancelled);
            return Err(EngineError::Cancelled { items_done: fed.pulled, workers });
        };
        finished(CallEnd::Completed);
        Ok((values, workers))
    }
}

/// Runs every consumer over every item of `input`, pulled once on the
/// calling thread; returns their results in the consumers' order, and a
/// report whose [`Report::buffer`] holds the peak of items held at once.
///
/// # Examples
/// ```
/// use scalescope::engine::broadcast::{broadcast, BroadcastConfig, Consumer, Strategy};
/// use scalescope::engine::{Chunk, Hooks};
/// let consumers: Vec<Consumer<u64, u64>> = vec![Box::new(|it| it.sum()), Box::new(|it| it.max().unwrap_or(0))];
/// let out = broadcast(1..=1000u64, consumers, &BroadcastConfig::new(Strategy::Chunked).chunk_of(Chunk::of(64)), &Hooks::none()).unwrap();
/// assert_eq!(out.value, vec![500_500, 1000]);
/// assert!(out.report.buffer.unwrap().peak <= 6 * 64);
/// ```
///
/// # Errors
/// A bad configuration (before any thread starts); a panic in the source or
/// a consumer; a cancel.
pub fn broadcast<I, T, R>(
    input: I,
    consumers: Vec<Consumer<'_, T, R>>,
    config: &BroadcastConfig,
    hooks: &Hooks,
) -> Result<Outcome<Vec<R>>, EngineError>
where
    I: IntoIterator<Item = T>,
    T: Clone + Send + Sync,
    R: Send,
{
    let k = consumers.len();
    let shared = Shared::new(hooks, k, config.bound());
    shared.send(ProgressEvent::Started { workers: k, feeder: config.strategy.name().into(), plan: None });
    let fed = produce::feed(&shared, input.into_iter(), consumers, config);
    let (value, workers) = shared.conclude(fed)?;
    let report = Report {
        shape: crate::engine::Shape::Broadcast { strategy: config.strategy },
        threads_used: k,
        workers,
        wall_s: shared.origin.elapsed().as_secs_f64(),
        buffer: Some(BufferStats { peak: shared.gauge.peak.load(Ordering::Relaxed), bound: config.bound(), unit: "items".into() }),
        ..Report::default()
    };
    Ok(Outcome { value, report })
}
