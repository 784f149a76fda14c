//! One pass, several aggregates: [`broadcast`] runs several consumers (sum,
//! max, a histogram...) over ONE single-pass iterator at the same time, each
//! on its own thread, and hands every consumer every item.
//!
//! Design (seed 004's question, with its four answers side by side):
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

use std::num::NonZeroUsize;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread;
use std::time::Instant;

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};
use serde::{Deserialize, Serialize};

use super::error::ConfigError;
use super::progress::{self, Slot, Slots};
use super::run::panic_message;
use super::{BufferStats, EngineError, Hooks, Outcome, ProgressEvent, Report};

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

/// Items held now and at most.
#[derive(Default)]
struct Gauge {
    now: AtomicU64,
    peak: AtomicU64,
}

impl Gauge {
    fn add(&self, n: u64) {
        // Relaxed: a statistic; every update is an atomic RMW, so `peak`
        // never misses a value `now` took.
        let v = self.now.fetch_add(n, Ordering::Relaxed) + n;
        self.peak.fetch_max(v, Ordering::Relaxed);
    }
    fn sub(&self, n: u64) {
        self.now.fetch_sub(n, Ordering::Relaxed);
    }
}

/// A sealed chunk, shared by every consumer; when the last lets go it
/// leaves the gauge and its buffer goes back to the producer's pool (fresh
/// buffers of many KiB cost page faults on every chunk).
struct Chunk<T> {
    items: Vec<T>,
    gauge: Arc<Gauge>,
    pool: Sender<Vec<T>>,
}

/// The producer's end of a consumer's queue.
type ChunkTx<T> = Sender<Arc<Chunk<T>>>;

/// Spare chunk buffers.
struct Pool<T> {
    tx: Sender<Vec<T>>,
    rx: Receiver<Vec<T>>,
}

impl<T> Pool<T> {
    fn new(buffers: usize) -> Self {
        let (tx, rx) = crossbeam_channel::bounded(buffers);
        Pool { tx, rx }
    }
    fn take(&self, chunk: usize) -> Vec<T> {
        self.rx.try_recv().unwrap_or_else(|_| Vec::with_capacity(chunk))
    }
}

impl<T> Drop for Chunk<T> {
    fn drop(&mut self) {
        self.gauge.sub(self.items.len() as u64);
        let mut items = std::mem::take(&mut self.items);
        items.clear();
        let _ = self.pool.try_send(items); // a full pool frees the buffer
    }
}

/// The lock-step hand-off: one item, offered to every live consumer.
struct Step<T> {
    state: Mutex<StepState<T>>,
    to_consumers: Condvar,
    to_producer: Condvar,
}

struct StepState<T> {
    value: Option<T>,
    /// Number of the item in `value` (0: none yet).
    seq: u64,
    /// Consumers that have not yet taken item `seq`.
    pending: usize,
    /// Consumers still reading.
    live: usize,
    end: bool,
}

impl<T: Clone> Step<T> {
    fn new(consumers: usize) -> Self {
        Step {
            state: Mutex::new(StepState { value: None, seq: 0, pending: 0, live: consumers, end: false }),
            to_consumers: Condvar::new(),
            to_producer: Condvar::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, StepState<T>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Offers `x` once every consumer took the previous item; false when no consumer is left.
    fn put(&self, x: T) -> bool {
        let mut st = self.lock();
        while st.pending > 0 {
            st = self.to_producer.wait(st).unwrap_or_else(PoisonError::into_inner);
        }
        if st.live == 0 {
            return false;
        }
        st.value = Some(x);
        st.seq += 1;
        st.pending = st.live;
        self.to_consumers.notify_all();
        true
    }

    fn finish(&self) {
        self.lock().end = true;
        self.to_consumers.notify_all();
    }

    fn take(&self, last: &mut u64) -> Option<T> {
        let mut st = self.lock();
        loop {
            if st.seq > *last {
                *last = st.seq;
                st.pending -= 1;
                if st.pending == 0 {
                    self.to_producer.notify_one();
                }
                return st.value.clone();
            }
            if st.end {
                return None;
            }
            st = self.to_consumers.wait(st).unwrap_or_else(PoisonError::into_inner);
        }
    }
}

enum Src<'s, T> {
    Slice(&'s [T], usize),
    Channel(Receiver<Arc<Chunk<T>>>),
    Step(&'s Step<T>, u64),
    Done,
}

enum Seg<'s, T> {
    Empty,
    Borrowed(&'s [T]),
    Shared(Arc<Chunk<T>>),
}

impl<T> Seg<'_, T> {
    fn as_slice(&self) -> &[T] {
        match self {
            Seg::Empty => &[],
            Seg::Borrowed(s) => s,
            Seg::Shared(c) => &c.items,
        }
    }
}

/// What one consumer reads: every item of the source, in order, once.
pub struct Items<'s, T> {
    src: Src<'s, T>,
    seg: Seg<'s, T>,
    pos: usize,
    slot: &'s Slot,
    /// Lock-step items taken since the slot was last updated.
    stepped: u64,
    /// When the current segment arrived: the time until the next one is
    /// busy (the consumer's own work), the time spent in `recv` is waiting.
    /// Lock-step consumers are not timed (a clock read per item would cost
    /// more than the item).
    since: Option<Instant>,
}

impl<'s, T: Clone> Items<'s, T> {
    /// Moves to the next segment; false at the end.
    fn advance(&mut self) -> bool {
        let len = self.seg.as_slice().len() as u64;
        let now = Instant::now();
        let busy_ns = self.since.map_or(0, |t| (now - t).as_nanos() as u64);
        self.since = Some(now);
        if len > 0 || busy_ns > 0 {
            self.slot.add(len, u64::from(len > 0), busy_ns);
        }
        self.pos = 0;
        self.seg = Seg::Empty;
        match &mut self.src {
            Src::Slice(rest, chunk) => {
                if rest.is_empty() {
                    return false;
                }
                let (head, tail) = rest.split_at((*chunk).min(rest.len()));
                *rest = tail;
                self.seg = Seg::Borrowed(head);
                true
            }
            Src::Channel(rx) => match rx.recv() {
                Ok(c) => {
                    let after = Instant::now();
                    self.slot.add_wait((after - now).as_nanos() as u64);
                    self.since = Some(after);
                    self.seg = Seg::Shared(c);
                    true
                }
                Err(_) => false,
            },
            Src::Step(..) | Src::Done => false,
        }
    }
}

impl<T: Clone> Items<'_, T> {
    /// Folds whole slices of items, in order: `f(acc, slice)` once per
    /// chunk, for aggregates that run faster over a slice than item by item
    /// (several accumulators, SIMD). Lock-step hands over one-item slices.
    ///
    /// # Examples
    /// ```
    /// use scalescope::engine::broadcast::{broadcast, BroadcastConfig, Consumer, Strategy};
    /// use scalescope::engine::{Chunk, Hooks};
    /// let max: Consumer<u64, u64> = Box::new(|it| it.fold_slices(0, |m, s| s.iter().fold(m, |a, &b| a.max(b))));
    /// let out = broadcast(0..1000u64, vec![max], &BroadcastConfig::new(Strategy::Chunked).chunk_of(Chunk::of(64)), &Hooks::none()).unwrap();
    /// assert_eq!(out.value, vec![999]);
    /// ```
    pub fn fold_slices<B>(mut self, init: B, mut f: impl FnMut(B, &[T]) -> B) -> B {
        let mut acc = init;
        if matches!(self.src, Src::Step(..)) {
            for x in self.by_ref() {
                acc = f(acc, std::slice::from_ref(&x));
            }
            return acc;
        }
        loop {
            let seg = self.seg.as_slice();
            if self.pos < seg.len() {
                acc = f(acc, &seg[self.pos..]);
            }
            self.pos = self.seg.as_slice().len();
            if !self.advance() {
                return acc;
            }
        }
    }
}

impl<T: Clone> Iterator for Items<'_, T> {
    type Item = T;

    #[inline]
    fn next(&mut self) -> Option<T> {
        if let Src::Step(step, last) = &mut self.src {
            let x = step.take(last);
            self.stepped += 1;
            if self.stepped == 1024 || x.is_none() {
                self.slot.add(self.stepped - u64::from(x.is_none()), 0, 0);
                self.stepped = 0;
            }
            return x;
        }
        loop {
            if let Some(x) = self.seg.as_slice().get(self.pos) {
                self.pos += 1;
                return Some(x.clone());
            }
            if !self.advance() {
                return None;
            }
        }
    }

    fn fold<B, F: FnMut(B, T) -> B>(mut self, init: B, mut f: F) -> B {
        if matches!(self.src, Src::Step(..)) {
            let mut acc = init;
            for x in self.by_ref() {
                acc = f(acc, x);
            }
            return acc;
        }
        let mut acc = init;
        loop {
            acc = self.seg.as_slice()[self.pos..].iter().cloned().fold(acc, &mut f);
            self.pos = self.seg.as_slice().len();
            if !self.advance() {
                return acc;
            }
        }
    }
}

impl<T> Drop for Items<'_, T> {
    fn drop(&mut self) {
        if let Src::Step(step, last) = &self.src {
            // Leaving lock-step: never make the producer wait for us again.
            let mut st = step.state.lock().unwrap_or_else(PoisonError::into_inner);
            st.live -= 1;
            if st.seq > *last {
                st.pending -= 1;
            }
            step.to_producer.notify_one();
        }
        self.src = Src::Done;
    }
}

/// What the consumers share with the producer.
struct Shared<'h> {
    hooks: &'h Hooks,
    origin: Instant,
    slots: Slots,
    gauge: Arc<Gauge>,
    bound: Option<u64>,
    failed: AtomicBool,
    failure: Mutex<Option<(String, String)>>,
}

impl Shared<'_> {
    fn fail(&self, thread: String, message: String) {
        self.failure.lock().unwrap_or_else(PoisonError::into_inner).get_or_insert((thread, message));
        // Relaxed: the flag guards no data; the producer sees it within a chunk.
        self.failed.store(true, Ordering::Relaxed);
    }

    fn stop(&self) -> bool {
        self.failed.load(Ordering::Relaxed) || self.hooks.cancel.as_ref().is_some_and(|c| c.is_cancelled())
    }

    /// Sends a lifecycle event: never dropped.
    fn send(&self, event: ProgressEvent) {
        progress::Reporter::of(self.hooks).lifecycle(event);
    }

    /// Sends every consumer's count and the occupancy.
    fn sample(&self, last: &mut [super::WorkerStats]) {
        let reporter = progress::Reporter::of(self.hooks);
        if reporter.is_on() {
            let elapsed = self.origin.elapsed();
            progress::send_changed(&reporter, &self.slots, last, elapsed);
            // Relaxed: a progress snapshot.
            let held = self.gauge.now.load(Ordering::Relaxed);
            reporter.snapshot(ProgressEvent::Occupancy { elapsed, held, waiting: 0, bound: self.bound, unit: "items" });
        }
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
    let shared = Shared {
        hooks,
        origin: Instant::now(),
        slots: progress::slots(k),
        gauge: Arc::default(),
        bound: config.bound(),
        failed: AtomicBool::new(false),
        failure: Mutex::new(None),
    };
    shared.send(ProgressEvent::Started { workers: k, feeder: config.strategy.name().into(), plan: None });
    let mut source = input.into_iter();
    let mut pulled = 0u64;
    let mut complete = false;
    let results: Vec<Option<R>> = match config.strategy {
        Strategy::BufferAll => {
            let mut all = Vec::new();
            let r = catch_unwind(AssertUnwindSafe(|| {
                loop {
                    let before = all.len();
                    all.extend(source.by_ref().take(config.chunk.get()));
                    if all.len() == before {
                        return true;
                    }
                    shared.gauge.add((all.len() - before) as u64);
                    if shared.stop() {
                        return false;
                    }
                }
            }));
            pulled = all.len() as u64;
            complete = source_ended(&shared, r);
            let srcs = if complete { (0..k).map(|_| Src::Slice(&all[..], config.chunk.get())).collect() } else { vec![] };
            let out = run_consumers(&shared, consumers, srcs, |_| {});
            shared.gauge.sub(all.len() as u64);
            out
        }
        Strategy::Tee | Strategy::Chunked => {
            let pool = Pool::new(config.queue.get() + 2);
            // Chunked: a short queue per consumer. Tee: no bound.
            let (txs, srcs): (Vec<ChunkTx<T>>, Vec<Src<'_, T>>) = (0..k)
                .map(|_| {
                    let (tx, rx) = match config.strategy {
                        Strategy::Tee => crossbeam_channel::unbounded(),
                        _ => crossbeam_channel::bounded(config.queue.get()),
                    };
                    (tx, Src::Channel(rx))
                })
                .unzip();
            run_consumers(&shared, consumers, srcs, |last| {
                let mut live: Vec<bool> = vec![true; k];
                let mut t_sample = Instant::now();
                let r = catch_unwind(AssertUnwindSafe(|| {
                    loop {
                        let mut items = pool.take(config.chunk.get());
                        items.extend(source.by_ref().take(config.chunk.get()));
                        if items.is_empty() {
                            return true;
                        }
                        pulled += items.len() as u64;
                        shared.gauge.add(items.len() as u64);
                        let chunk = Arc::new(Chunk { items, gauge: shared.gauge.clone(), pool: pool.tx.clone() });
                        for (tx, live) in txs.iter().zip(&mut live) {
                            // A consumer that left (done early, or failed) gets no more.
                            if *live && tx.send(chunk.clone()).is_err() {
                                *live = false;
                            }
                        }
                        drop(chunk);
                        let all_left = !live.contains(&true);
                        if all_left || shared.stop() {
                            return all_left && !shared.stop();
                        }
                        if t_sample.elapsed() >= hooks.interval() {
                            t_sample = Instant::now();
                            shared.sample(last);
                        }
                    }
                }));
                drop(txs); // the consumers see the end
                complete = source_ended(&shared, r);
            })
        }
        Strategy::LockStep => {
            let step = Step::new(k);
            let srcs = (0..k).map(|_| Src::Step(&step, 0)).collect();
            run_consumers(&shared, consumers, srcs, |last| {
                let mut t_sample = Instant::now();
                let r = catch_unwind(AssertUnwindSafe(|| {
                    shared.gauge.add(1);
                    for x in source.by_ref() {
                        pulled += 1;
                        if !step.put(x) {
                            return true; // every consumer left
                        }
                        if pulled.is_multiple_of(1024) {
                            if shared.stop() {
                                return false;
                            }
                            if t_sample.elapsed() >= hooks.interval() {
                                t_sample = Instant::now();
                                shared.sample(last);
                            }
                        }
                    }
                    true
                }));
                step.finish();
                shared.gauge.sub(1);
                complete = source_ended(&shared, r);
            })
        }
    };
    let workers = progress::snapshot_all(&shared.slots);
    let finished = |end| shared.send(ProgressEvent::Finished { elapsed: shared.origin.elapsed(), workers: workers.clone(), end });
    if let Some((thread, message)) = shared.failure.lock().unwrap_or_else(PoisonError::into_inner).take() {
        finished(progress::CallEnd::Failed { thread: thread.clone(), message: message.clone() });
        return Err(EngineError::Panicked { thread, message });
    }
    let values: Option<Vec<R>> = results.into_iter().collect();
    let (true, Some(values)) = (complete, values) else {
        finished(progress::CallEnd::Cancelled);
        return Err(EngineError::Cancelled { items_done: pulled, workers });
    };
    finished(progress::CallEnd::Completed);
    let report = Report {
        used: format!("{}: {k} aggregate threads, the calling thread reads", config.strategy),
        threads_used: k,
        workers,
        wall_s: shared.origin.elapsed().as_secs_f64(),
        buffer: Some(BufferStats { peak: shared.gauge.peak.load(Ordering::Relaxed), bound: config.bound(), unit: "items".into() }),
        ..Report::default()
    };
    Ok(Outcome { value: values, report })
}

/// Whether the producer saw the whole source; records a source panic.
fn source_ended(shared: &Shared<'_>, r: std::thread::Result<bool>) -> bool {
    match r {
        Ok(done) => done,
        Err(p) => {
            shared.fail("the source iterator (calling thread)".into(), panic_message(&*p));
            false
        }
    }
}

/// Starts one named scoped thread per consumer, runs `produce` on the
/// calling thread, then samples progress until every consumer is done.
fn run_consumers<'s, T, R>(
    shared: &'s Shared<'_>,
    consumers: Vec<Consumer<'_, T, R>>,
    srcs: Vec<Src<'s, T>>,
    produce: impl FnOnce(&mut Vec<super::WorkerStats>),
) -> Vec<Option<R>>
where
    T: Clone + Send + Sync,
    R: Send,
{
    let mut last: Vec<super::WorkerStats> =
        (0..shared.slots.len()).map(|worker| super::WorkerStats { worker, ..Default::default() }).collect();
    if srcs.len() != consumers.len() {
        // Nothing to read (the buffer was not completed).
        return consumers.iter().map(|_| None).collect();
    }
    thread::scope(|scope| {
        let (alive_tx, alive_rx) = crossbeam_channel::bounded::<()>(0);
        let mut handles = Vec::with_capacity(consumers.len());
        for (i, (consumer, src)) in consumers.into_iter().zip(srcs).enumerate() {
            let alive = alive_tx.clone();
            let name = format!("scalescope-aggregate-{i}");
            let thread_name = name.clone();
            let items = Items { src, seg: Seg::Empty, pos: 0, slot: &shared.slots[i], stepped: 0, since: None };
            let spawned = thread::Builder::new().name(name.clone()).spawn_scoped(scope, move || {
                let _alive = alive;
                match catch_unwind(AssertUnwindSafe(move || consumer(items))) {
                    Ok(r) => Some(r),
                    Err(p) => {
                        shared.fail(thread_name, panic_message(&*p));
                        None
                    }
                }
            });
            match spawned {
                Ok(h) => handles.push(Some(h)),
                Err(e) => {
                    // The closure (and its `Items`) was dropped, so it left the lock-step.
                    shared.fail(name, format!("could not start: {e}"));
                    handles.push(None);
                }
            }
        }
        drop(alive_tx);
        produce(&mut last);
        if shared.hooks.progress.is_some() {
            while let Err(RecvTimeoutError::Timeout) = alive_rx.recv_timeout(shared.hooks.interval()) {
                shared.sample(&mut last);
            }
        }
        handles
            .into_iter()
            .map(|h| match h.map(|h| h.join()) {
                Some(Ok(r)) => r,
                Some(Err(p)) => {
                    shared.fail("an aggregate thread".into(), panic_message(&*p));
                    None
                }
                None => None,
            })
            .collect()
    })
}
