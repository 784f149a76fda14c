//! Per-worker progress: what each worker has done, sampled and sent as events.
//!
//! The protocol: every event travels as a [`Progress`] that names its call
//! ([`CallId`]). Per call, in this order: `Started`, then `Worker`,
//! `Occupancy` and `Phase` events, then `Finished`. The lifecycle events
//! (`Started`, `Phase`, `Finished`) are never dropped: they wait while the
//! channel is full (a consumer must drain it, or drop its receiver, which
//! ends all sending). Snapshots (`Worker`, `Occupancy`) are cumulative, so
//! a full channel drops them. [`Reporter`] is the one place that sends.
//!
//! Workers never send per item. Each worker owns one [`Slot`] and publishes
//! its cumulative counters into it once per chunk (plain relaxed stores, no
//! lock, no allocation). While a call runs, the calling thread samples every
//! slot every `interval` and sends one [`ProgressEvent::Worker`] per worker
//! that moved. With no progress channel nothing is sampled or sent.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crossbeam_channel::Sender;
use crossbeam_utils::CachePadded;
use serde::{Deserialize, Serialize};

/// What one worker has done so far (cumulative).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WorkerStats {
    /// The worker's index, 0-based.
    pub worker: usize,
    /// Items mapped.
    pub items: u64,
    /// Chunks taken.
    pub chunks: u64,
    /// Seconds spent in the map (and fold) calls.
    pub busy_s: f64,
    /// Seconds spent waiting for input: the lock, the queue, or the source itself.
    pub wait_s: f64,
    /// Of the waiting, seconds the source spent filling this worker's
    /// chunks (under the lock, or in the queue's producer): the pull
    /// itself, apart from the hand-off around it. 0 where not measured.
    #[serde(default)]
    pub pull_s: f64,
}

/// What a span of a worker's time was spent on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SpanKind {
    /// Waiting for input (lock, queue, pulling from the source).
    Wait,
    /// Mapping and folding a chunk.
    Map,
    /// Combining partial results at the end.
    Reduce,
}

/// One span of one worker's time, in seconds since the call started.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Span {
    /// The worker (for `Reduce`, the calling thread is reported as worker `threads`).
    pub worker: usize,
    /// What it did.
    pub kind: SpanKind,
    /// Start, seconds since the call began.
    pub start_s: f64,
    /// End, seconds since the call began.
    pub end_s: f64,
    /// Items in the span (0 for waits).
    pub items: u64,
}

/// Which engine call an event is about: unique within the process, taken
/// when the call is made ([`super::Run::new`]), so a caller can know it
/// before any event arrives ([`super::Run::id`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CallId(pub u64);

impl CallId {
    /// A fresh id.
    pub fn next() -> CallId {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        // Relaxed: only uniqueness matters.
        CallId(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

/// One event of one call, as it travels on the progress channel.
#[derive(Clone, Debug, PartialEq)]
pub struct Progress {
    /// The call.
    pub call: CallId,
    /// What happened.
    pub event: ProgressEvent,
}

/// The one sender of a call's events (see the module's protocol).
#[derive(Clone, Debug)]
pub(crate) struct Reporter {
    tx: Option<Sender<Progress>>,
    call: CallId,
}

impl Reporter {
    /// The reporter of the call `hooks` belong to.
    pub(crate) fn of(hooks: &super::Hooks) -> Reporter {
        Reporter { tx: hooks.progress.clone(), call: hooks.call }
    }

    /// Whether anybody listens.
    pub(crate) fn is_on(&self) -> bool {
        self.tx.is_some()
    }

    /// `Started`, `Phase`, `Finished`: never dropped; waits while the channel is full.
    pub(crate) fn lifecycle(&self, event: ProgressEvent) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(Progress { call: self.call, event });
        }
    }

    /// `Worker`, `Occupancy`: cumulative, so dropped when the channel is full.
    pub(crate) fn snapshot(&self, event: ProgressEvent) {
        if let Some(tx) = &self.tx {
            let _ = tx.try_send(Progress { call: self.call, event });
        }
    }
}

/// Events of one call, in this order: `Started`, then any number of
/// `Worker`, `Occupancy` and `Phase`, then `Finished` (also after a cancel
/// or a panic). See the module's protocol for what may be dropped.
#[derive(Clone, Debug, PartialEq)]
pub enum ProgressEvent {
    /// Workers are about to start.
    Started {
        /// Worker threads that will run.
        workers: usize,
        /// The feeder actually used (after `auto` chose).
        feeder: String,
        /// Always `None` from this build: `auto`'s decision comes in [`ProgressEvent::Decided`]
        /// (kept so that code matching on it still builds).
        plan: Option<String>,
    },
    /// `auto` decided how it ran (sent once, before `Finished`, by `auto` only).
    Decided {
        /// What ran: `auto: fused` or `auto: dispenser`.
        feeder: String,
        /// The decision and its evidence.
        plan: String,
    },
    /// A cumulative snapshot of one worker.
    Worker {
        /// Time since the call began.
        elapsed: Duration,
        /// The snapshot.
        stats: WorkerStats,
    },
    /// How far a phase of a keyed map-reduce has come (`map`, then
    /// `shuffle + reduce`); sent when a phase starts, while it runs, and when it ends.
    Phase {
        /// Time since the call began.
        elapsed: Duration,
        /// Which phase.
        phase: Phase,
        /// Units done: items mapped, or entries merged.
        done: u64,
        /// Units in all, when known (a plain iterator may not know its length).
        total: Option<u64>,
    },
    /// How full a bounded buffer is: the ordered stream's reorder window, or
    /// the one-pass broadcast's buffered items.
    Occupancy {
        /// Time since the call began.
        elapsed: Duration,
        /// Held now (chunks in flight, or items buffered).
        held: u64,
        /// Of `held`, what waits only for an earlier chunk (the reorder buffer); 0 when unordered.
        waiting: u64,
        /// The most that may ever be held; `None` for an unbounded design.
        bound: Option<u64>,
        /// `chunks` or `items`.
        unit: &'static str,
    },
    /// The call is over; the exact per-worker totals and how it ended.
    Finished {
        /// Time since the call began.
        elapsed: Duration,
        /// Final totals per worker.
        workers: Vec<WorkerStats>,
        /// Completed, cancelled, or failed (and where).
        end: CallEnd,
    },
}

/// How a call ended, as its `Finished` event says.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum CallEnd {
    /// Every item was mapped and reduced.
    #[default]
    Completed,
    /// Cancelled (or dropped) before the input ended.
    Cancelled,
    /// A thread failed: the user's function, the source, or a spawn.
    Failed(super::Failure),
}

impl CallEnd {
    /// The end a call's result stands for.
    pub fn of<T>(result: &Result<T, super::EngineError>) -> CallEnd {
        match result {
            Ok(_) => CallEnd::Completed,
            Err(super::EngineError::Cancelled { .. }) => CallEnd::Cancelled,
            Err(super::EngineError::Failed(failure)) => CallEnd::Failed(failure.clone()),
        }
    }
}

/// A phase of a keyed map-reduce.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// Each worker maps its items and combines them locally, per partition.
    Map,
    /// Each reducer merges its partition of every worker's table.
    Reduce,
}

impl Phase {
    /// Its name for people.
    pub fn label(self) -> &'static str {
        match self {
            Phase::Map => "map + local combine",
            Phase::Reduce => "shuffle + reduce",
        }
    }
}

/// When a phase ran, seconds since the call began, and the units it did.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct PhaseTime {
    /// Which phase.
    pub phase: Phase,
    /// Start.
    pub start_s: f64,
    /// End.
    pub end_s: f64,
    /// Items mapped, or entries merged.
    pub units: u64,
}

/// How much a design buffered: its peak and its bound.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BufferStats {
    /// The most held at once.
    pub peak: u64,
    /// The stated bound; `None` for an unbounded design.
    pub bound: Option<u64>,
    /// `chunks` or `items`.
    pub unit: String,
}

/// A worker's published counters. Only the owning worker stores; the sampler loads.
#[derive(Default, Debug)]
pub(crate) struct Slot {
    items: AtomicU64,
    chunks: AtomicU64,
    busy_ns: AtomicU64,
    wait_ns: AtomicU64,
    pull_ns: AtomicU64,
}

impl Slot {
    fn publish(&self, local: &Local) {
        // Relaxed: the sampler needs no ordering between fields (a snapshot may
        // mix two chunks' values); exact totals are read after the threads are
        // joined, and the join is the happens-before edge.
        self.items.store(local.items, Ordering::Relaxed);
        self.chunks.store(local.chunks, Ordering::Relaxed);
        self.busy_ns.store(local.busy_ns, Ordering::Relaxed);
        self.wait_ns.store(local.wait_ns, Ordering::Relaxed);
        self.pull_ns.store(local.pull_ns, Ordering::Relaxed);
    }

    /// Adds to the counters; for threads that may hold several partial
    /// states at once (rayon's fold splits), so plain stores would not do.
    pub(crate) fn add(&self, items: u64, chunks: u64, busy_ns: u64) {
        // Relaxed: as in `publish`.
        self.items.fetch_add(items, Ordering::Relaxed);
        self.chunks.fetch_add(chunks, Ordering::Relaxed);
        self.busy_ns.fetch_add(busy_ns, Ordering::Relaxed);
    }

    /// Adds waiting time (for threads that time their waits apart from their chunks).
    pub(crate) fn add_wait(&self, wait_ns: u64) {
        // Relaxed: as in `publish`.
        self.wait_ns.fetch_add(wait_ns, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self, worker: usize) -> WorkerStats {
        // Relaxed: pairs with the Relaxed stores in `publish`, see there.
        WorkerStats {
            worker,
            items: self.items.load(Ordering::Relaxed),
            chunks: self.chunks.load(Ordering::Relaxed),
            busy_s: self.busy_ns.load(Ordering::Relaxed) as f64 * 1e-9,
            wait_s: self.wait_ns.load(Ordering::Relaxed) as f64 * 1e-9,
            pull_s: self.pull_ns.load(Ordering::Relaxed) as f64 * 1e-9,
        }
    }
}

/// Spans kept per worker; past this the timeline is cut (and says so), so
/// that recording costs bounded memory however many chunks a run takes.
pub(crate) const MAX_SPANS_PER_WORKER: usize = 20_000;

/// A worker's own running totals, published to its slot once per chunk.
#[derive(Debug)]
pub(crate) struct Local<'a> {
    slot: &'a Slot,
    worker: usize,
    origin: Instant,
    spans: Option<Vec<Span>>,
    items: u64,
    chunks: u64,
    busy_ns: u64,
    wait_ns: u64,
    pull_ns: u64,
}

impl<'a> Local<'a> {
    /// Goes on from the totals `slot` holds: `auto`'s calling thread runs
    /// first on slot 0, and worker 0 takes it over.
    pub(crate) fn new(slot: &'a Slot, worker: usize, origin: Instant, record_spans: bool) -> Self {
        // Relaxed: the slot was last written by this thread or before the
        // thread that now owns it was spawned.
        let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
        Local {
            slot,
            worker,
            origin,
            spans: record_spans.then(Vec::new),
            items: load(&slot.items),
            chunks: load(&slot.chunks),
            busy_ns: load(&slot.busy_ns),
            wait_ns: load(&slot.wait_ns),
            pull_ns: load(&slot.pull_ns),
        }
    }

    /// Notes that filling the next recorded chunk took `d` of its wait
    /// (published with that chunk).
    #[inline]
    pub(crate) fn pulled(&mut self, d: std::time::Duration) {
        self.pull_ns += d.as_nanos() as u64;
    }

    /// Records one chunk: waited from `t0` to `t1`, mapped `items` from `t1` to `t2`.
    #[inline]
    pub(crate) fn chunk(&mut self, items: u64, t0: Instant, t1: Instant, t2: Instant) {
        self.items += items;
        self.chunks += 1;
        self.wait_ns += (t1 - t0).as_nanos() as u64;
        self.busy_ns += (t2 - t1).as_nanos() as u64;
        if let Some(spans) = &mut self.spans
            && spans.len() < MAX_SPANS_PER_WORKER
        {
            let s = |t: Instant| (t - self.origin).as_secs_f64();
            spans.push(Span { worker: self.worker, kind: SpanKind::Wait, start_s: s(t0), end_s: s(t1), items: 0 });
            spans.push(Span { worker: self.worker, kind: SpanKind::Map, start_s: s(t1), end_s: s(t2), items });
        }
        self.slot.publish(self);
    }

    /// Records `items` items in one chunk whose wait and busy times were
    /// estimated rather than measured (see the `locked` feeder's sampling).
    #[inline]
    pub(crate) fn chunk_estimated(&mut self, items: u64, wait_ns: u64, busy_ns: u64) {
        self.items += items;
        self.chunks += items;
        self.wait_ns += wait_ns;
        self.busy_ns += busy_ns;
    }

    /// Scales estimated times down so that busy + wait never exceed the
    /// `elapsed_ns` the worker has existed (sampling can overshoot).
    pub(crate) fn clamp_to(&mut self, elapsed_ns: u64) {
        let sum = self.busy_ns + self.wait_ns;
        if sum > elapsed_ns && sum > 0 {
            let k = elapsed_ns as f64 / sum as f64;
            self.busy_ns = (self.busy_ns as f64 * k) as u64;
            self.wait_ns = (self.wait_ns as f64 * k) as u64;
        }
    }

    /// Records a final wait that found no more input.
    pub(crate) fn last_wait(&mut self, t0: Instant, t1: Instant) {
        self.wait_ns += (t1 - t0).as_nanos() as u64;
        if let Some(spans) = &mut self.spans
            && spans.len() < MAX_SPANS_PER_WORKER
        {
            let s = |t: Instant| (t - self.origin).as_secs_f64();
            spans.push(Span { worker: self.worker, kind: SpanKind::Wait, start_s: s(t0), end_s: s(t1), items: 0 });
        }
        self.slot.publish(self);
    }

    pub(crate) fn into_spans(self) -> Vec<Span> {
        self.spans.unwrap_or_default()
    }
}

/// One cache line per worker, so that publishing never bounces another worker's line.
pub(crate) type Slots = Vec<CachePadded<Slot>>;

pub(crate) fn slots(n: usize) -> Slots {
    (0..n).map(|_| CachePadded::new(Slot::default())).collect()
}

pub(crate) fn snapshot_all(slots: &Slots) -> Vec<WorkerStats> {
    slots.iter().enumerate().map(|(i, s)| s.snapshot(i)).collect()
}

/// Sends the snapshots that changed since `last`. Never blocks: a full
/// channel drops the event, which loses nothing since snapshots are cumulative.
pub(crate) fn send_changed(reporter: &Reporter, slots: &Slots, last: &mut [WorkerStats], elapsed: Duration) {
    for (i, slot) in slots.iter().enumerate() {
        let now = slot.snapshot(i);
        if now != last[i] {
            last[i] = now;
            reporter.snapshot(ProgressEvent::Worker { elapsed, stats: now });
        }
    }
}
