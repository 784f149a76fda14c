//! An ordered, lazy, bounded parallel map: [`map_ordered`] returns an
//! iterator of results in input order, each yielded as soon as it and all
//! before it are ready; [`map_unordered`] yields in completion order.
//!
//! Design (a streaming fast_map, without the peers' two bugs):
//! - Workers share the source under one lock and take a chunk and its
//!   sequence number in the same critical section, so numbers are global and
//!   never reused (threaded_map_reduce numbered chunks per worker).
//! - A chunk is only taken while its number is below `released + window`,
//!   where `released` counts the chunks the consumer has taken in: at most
//!   `window` chunks are ever mapped-but-not-consumed, so memory is bounded
//!   whatever the input length; a slow item holds back output, never memory.
//! - Results travel as `Vec<U>` with their number; the reorder buffer is a
//!   map keyed by number, so a result equal to any "sentinel" (`None`, 0)
//!   never changes control flow (fast_map stopped at a `None` result).
//! - Dropping the iterator stops the workers (flag + wake-up) and joins them.
//! - A panic in the map or the source ends the stream with one `Err`.
//! - With [`Stream::hooks`], the consuming thread (never a worker) samples,
//!   at chunk boundaries, each worker's counters and the window's occupancy
//!   (chunks taken but not yet yielded; of those, the ones parked in the
//!   reorder buffer) and sends them as [`ProgressEvent`]s; a tripped cancel
//!   token ends the stream with one `Err(Cancelled)`.

use std::collections::BTreeMap;
use std::num::NonZeroUsize;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use super::sync::{AtomicBool, AtomicU64, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Instant;

use crossbeam_channel::{Receiver, Sender};

use super::crew::{self, Failure, Mark, Stage};
use super::error::{ConfigError, EngineError};
use super::progress::{self, Local, Slots};
use super::{Chunk, Hooks, ProgressEvent, Threads, WorkerStats};

/// How the stream runs: worker threads (may exceed the core count: blocking
/// work), items per chunk, and chunks in flight per worker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StreamConfig {
    /// Worker threads.
    pub threads: Threads,
    /// Items per chunk.
    pub chunk: Chunk,
    /// Chunks in flight per worker (the reorder window is `threads x this`).
    pub per_worker: NonZeroUsize,
}

/// Chunks in flight per worker: fewer left the workers idle whenever the
/// consuming thread was descheduled (on 2 cores, 2 a worker ran primes at
/// 0.9x the plain loop, 32 at about 1.8x).
const PER_WORKER: NonZeroUsize = NonZeroUsize::new(32).expect("32 is not zero");

impl StreamConfig {
    /// `threads` workers, chunks of `chunk`, 32 chunks in flight per worker.
    ///
    /// # Errors
    /// A thread count or chunk out of bounds.
    pub fn new(threads: usize, chunk: usize) -> Result<Self, ConfigError> {
        Ok(StreamConfig::of(Threads::new(threads)?, Chunk::new(chunk)?))
    }

    /// `threads` workers, chunks of `chunk`, 32 chunks in flight per worker.
    pub fn of(threads: Threads, chunk: Chunk) -> Self {
        StreamConfig { threads, chunk, per_worker: PER_WORKER }
    }

    /// Chunks that may be mapped but not yet consumed.
    pub fn window(&self) -> u64 {
        (self.threads.get() * self.per_worker.get()) as u64
    }
}

struct Source<I> {
    iter: I,
    next_seq: u64,
    done: bool,
}

struct Gate {
    /// Chunks the consumer has taken in.
    released: Mutex<u64>,
    wake: Condvar,
    stop: AtomicBool,
    /// Chunks taken from the source so far (numbers handed out).
    taken: AtomicU64,
}

enum Msg<U> {
    Chunk(u64, Vec<U>),
    Failed(Failure),
}

/// The stream of results; see [`map_ordered`].
pub struct Stream<U> {
    rx: Option<Receiver<Msg<U>>>,
    gate: Arc<Gate>,
    handles: Vec<JoinHandle<()>>,
    ordered: bool,
    pending: BTreeMap<u64, Vec<U>>,
    next: u64,
    current: std::vec::IntoIter<U>,
    failed: bool,
    /// How the call ended, once a failure or cancel was seen.
    end: Option<progress::CallEnd>,
    peak: usize,
    window: u64,
    slots: Arc<Slots>,
    origin: Instant,
    hooks: Hooks,
    last_sample: Option<Instant>,
    last: Vec<WorkerStats>,
    finished: bool,
}

impl<U> std::fmt::Debug for Stream<U> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stream")
            .field("ordered", &self.ordered)
            .field("window", &self.window)
            .field("next", &self.next)
            .field("pending", &self.pending.len())
            .field("failed", &self.failed)
            .finish_non_exhaustive()
    }
}

/// Maps `input` on `config.threads` workers and yields the results in input
/// order, lazily, with at most `config.window()` chunks buffered.
///
/// # Examples
/// ```
/// use scalescope::engine::ordered::{map_ordered, StreamConfig};
/// use scalescope::engine::{Chunk, Threads};
/// let config = StreamConfig::of(Threads::new(4).unwrap(), Chunk::of(7));
/// let out: Vec<u64> = map_ordered(0..1000u64, |x| x * 2, config).unwrap().map(Result::unwrap).collect();
/// assert_eq!(out, (0..1000u64).map(|x| x * 2).collect::<Vec<_>>());
/// ```
///
/// # Errors
/// A bad configuration, before any thread starts. A panic in `f` or the
/// source ends the stream with one `Err(EngineError::Failed)`.
pub fn map_ordered<I, T, U, F>(input: I, f: F, config: StreamConfig) -> Result<Stream<U>, EngineError>
where
    I: IntoIterator<Item = T>,
    I::IntoIter: Send + 'static,
    T: Send + 'static,
    U: Send + 'static,
    F: Fn(T) -> U + Send + Sync + 'static,
{
    start(input.into_iter(), f, config, true)
}

/// Like [`map_ordered`], but yields each chunk's results as soon as they are
/// ready (completion order). Same memory bound.
///
/// # Errors
/// As [`map_ordered`].
pub fn map_unordered<I, T, U, F>(input: I, f: F, config: StreamConfig) -> Result<Stream<U>, EngineError>
where
    I: IntoIterator<Item = T>,
    I::IntoIter: Send + 'static,
    T: Send + 'static,
    U: Send + 'static,
    F: Fn(T) -> U + Send + Sync + 'static,
{
    start(input.into_iter(), f, config, false)
}

fn start<I, T, U, F>(iter: I, f: F, config: StreamConfig, ordered: bool) -> Result<Stream<U>, EngineError>
where
    I: Iterator<Item = T> + Send + 'static,
    T: Send + 'static,
    U: Send + 'static,
    F: Fn(T) -> U + Send + Sync + 'static,
{
    let window = config.window();
    let gate = Arc::new(Gate::new());
    let slots = Arc::new(progress::slots(config.threads.get()));
    let origin = Instant::now();
    // The channel never holds more than `window` chunks: a chunk is only
    // taken once the consumer has released enough, so `window` slots suffice.
    let (tx, rx) = crossbeam_channel::bounded::<Msg<U>>(window as usize);
    let source = Arc::new(Mutex::new(Source { iter, next_seq: 0, done: false }));
    let template =
        Worker { w: 0, source, gate: gate.clone(), f: Arc::new(f), tx, slots: slots.clone(), origin, window, chunk: config.chunk };
    let handles = spawn_workers(&template, config.threads.get())?;
    // Only the workers hold a sender now: the channel disconnects when the last one exits.
    drop(template);
    Ok(Stream {
        rx: Some(rx),
        gate,
        handles,
        ordered,
        pending: BTreeMap::new(),
        next: 0,
        current: Vec::new().into_iter(),
        failed: false,
        end: None,
        peak: 0,
        window,
        last: vec![WorkerStats::default(); config.threads.get()],
        slots,
        origin,
        hooks: Hooks::none(),
        last_sample: None,
        finished: false,
    })
}

/// Starts `threads` workers like `template` (numbered from 0); if one
/// cannot start, stops and joins those that did.
fn spawn_workers<I, T, U, F>(template: &Worker<I, F, U>, threads: usize) -> Result<Vec<JoinHandle<()>>, EngineError>
where
    I: Iterator<Item = T> + Send + 'static,
    T: Send + 'static,
    U: Send + 'static,
    F: Fn(T) -> U + Send + Sync + 'static,
{
    let mut handles = Vec::with_capacity(threads);
    for w in 0..threads {
        let worker = template.numbered(w);
        let on_failure = worker.on_failure();
        match crew::spawn_owned(format!("scalescope-stream-{w}"), Stage::Map, move |mark| worker.run(mark), on_failure) {
            Ok(h) => handles.push(h),
            Err(e) => {
                template.gate.halt_if(true);
                for h in handles {
                    let _ = h.join();
                }
                return Err(EngineError::Failed(e));
            }
        }
    }
    Ok(handles)
}

/// One stream worker: its number, and its handles on what the workers share.
struct Worker<I, F, U> {
    w: usize,
    source: Arc<Mutex<Source<I>>>,
    gate: Arc<Gate>,
    f: Arc<F>,
    tx: Sender<Msg<U>>,
    slots: Arc<Slots>,
    origin: Instant,
    window: u64,
    chunk: Chunk,
}

impl<I, T, U, F> Worker<I, F, U>
where
    I: Iterator<Item = T>,
    F: Fn(T) -> U,
{
    /// Worker `w`, sharing everything else with this one.
    fn numbered(&self, w: usize) -> Self {
        let (source, gate, f, tx, slots) = (self.source.clone(), self.gate.clone(), self.f.clone(), self.tx.clone(), self.slots.clone());
        Worker { w, source, gate, f, tx, slots, origin: self.origin, window: self.window, chunk: self.chunk }
    }

    /// What a panic of this worker does: stop everyone (the source mutex
    /// may be poisoned, which the others ignore because `stop` is checked
    /// first) and send the failure to the consumer.
    fn on_failure(&self) -> impl FnOnce(Failure) + use<I, T, U, F> {
        let (halt, failed) = (self.gate.clone(), self.tx.clone());
        move |failure| {
            halt.halt_if(true);
            let _ = failed.send(Msg::Failed(failure));
        }
    }

    /// Takes chunks and maps them until the source is done, the stream
    /// stops, or the consumer is gone.
    fn run(self, mark: &Mark) {
        let mut local = Local::new(&self.slots[self.w], self.w, self.origin, false);
        loop {
            let t0 = Instant::now();
            let Some((seq, items)) = self.take(mark) else { return };
            let t1 = Instant::now();
            let n = items.len() as u64;
            mark.set(Stage::Map);
            let results: Vec<U> = items.into_iter().map(|x| (self.f)(x)).collect();
            local.chunk(n, t0, t1, Instant::now());
            if self.tx.send(Msg::Chunk(seq, results)).is_err() {
                return; // the consumer is gone
            }
        }
    }

    /// Waits until the window allows another chunk, then takes the chunk
    /// and its number under the source lock; `None` when stopped or when
    /// the source is done (then it wakes the others to leave too).
    fn take(&self, mark: &Mark) -> Option<(u64, Vec<T>)> {
        let mut src = self.gate.admit(&self.source, self.window)?;
        mark.set(Stage::Source);
        let items: Vec<T> = src.iter.by_ref().take(self.chunk.get()).collect();
        if items.is_empty() {
            src.done = true;
            drop(src);
            self.gate.halt_if(false);
            return None;
        }
        let seq = src.next_seq;
        src.next_seq += 1;
        // Relaxed: a progress counter, read only for occupancy samples.
        self.gate.taken.store(src.next_seq, Ordering::Relaxed);
        Some((seq, items))
    }
}

impl Gate {
    fn new() -> Self {
        Gate { released: Mutex::new(0), wake: Condvar::new(), stop: AtomicBool::new(false), taken: AtomicU64::new(0) }
    }

    /// Wakes every waiting worker (after setting `stop` when `stop` is
    /// true). Done under the `released` lock, so that a worker between its
    /// check and its wait cannot miss the wake-up.
    fn halt_if(&self, stop: bool) {
        let _held = self.released.lock().unwrap_or_else(PoisonError::into_inner);
        if stop {
            // Relaxed: read under the same mutex by the waiting workers.
            self.stop.store(true, Ordering::Relaxed);
        }
        self.wake.notify_all();
    }

    /// Waits until the window has room for another chunk, and returns the
    /// source's lock to take it under; `None` when stopped, when the source
    /// is done, or when it panicked in another worker (poisoned: that
    /// worker reports it). The `released` lock is held from the check to
    /// the wait, so a release in between cannot be missed.
    fn admit<'s, I>(&self, source: &'s Mutex<Source<I>>, window: u64) -> Option<MutexGuard<'s, Source<I>>> {
        let mut released = self.released.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            if self.stop.load(Ordering::Relaxed) {
                return None;
            }
            let src = source.lock().ok()?;
            if src.done {
                return None;
            }
            if src.next_seq < *released + window {
                return Some(src);
            }
            drop(src);
            released = self.wake.wait(released).unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// The consumer has taken in `consumed` chunks: wake the workers.
    fn release(&self, consumed: u64) {
        let mut r = self.released.lock().unwrap_or_else(PoisonError::into_inner);
        *r = consumed;
        self.wake.notify_all();
    }
}

impl<U> Stream<U> {
    /// The most chunks that were ever mapped but not yet yielded (the
    /// reorder buffer plus the chunk being yielded).
    pub fn peak_buffered_chunks(&self) -> usize {
        self.peak
    }

    /// Sends progress to `hooks.progress` (per-worker counters and the
    /// window's occupancy, sampled every `hooks.interval()` at chunk
    /// boundaries) and stops at a tripped `hooks.cancel`. Sends `Started` now.
    #[must_use]
    pub fn hooks(mut self, hooks: Hooks) -> Self {
        self.hooks = hooks;
        let feeder = if self.ordered { "ordered stream" } else { "unordered stream" };
        progress::Reporter::of(&self.hooks).lifecycle(ProgressEvent::Started {
            workers: self.slots.len(),
            feeder: feeder.into(),
            plan: None,
        });
        self
    }

    /// Chunks the reorder window allows in flight.
    pub fn window(&self) -> u64 {
        self.window
    }

    /// `(held, waiting)`: chunks taken from the source but not yet yielded,
    /// and of those the ones that are mapped and wait for an earlier chunk.
    pub fn occupancy(&self) -> (u64, u64) {
        // Relaxed: a progress sample.
        let taken = self.gate.taken.load(Ordering::Relaxed);
        let waiting = if self.ordered { self.pending.len() as u64 } else { 0 };
        (taken.saturating_sub(self.next), waiting)
    }

    /// What each worker has done so far (exact once the stream has ended).
    pub fn workers(&self) -> Vec<WorkerStats> {
        progress::snapshot_all(&self.slots)
    }

    /// At a chunk boundary: a cancel check, and a progress sample when due.
    fn tick(&mut self) -> Option<EngineError> {
        if self.hooks.cancel.as_ref().is_some_and(super::CancelToken::is_cancelled) {
            self.gate.halt_if(true);
            let workers = self.workers();
            return Some(EngineError::Cancelled { items_done: workers.iter().map(|w| w.items).sum(), workers });
        }
        // The first boundary always samples, so even a short run shows its window.
        let reporter = progress::Reporter::of(&self.hooks);
        if reporter.is_on() && self.last_sample.is_none_or(|t| t.elapsed() >= self.hooks.interval()) {
            self.last_sample = Some(Instant::now());
            let elapsed = self.origin.elapsed();
            progress::send_changed(&reporter, &self.slots, &mut self.last, elapsed);
            let (held, waiting) = self.occupancy();
            reporter.snapshot(ProgressEvent::Occupancy { elapsed, held, waiting, bound: Some(self.window), unit: "chunks" });
        }
        None
    }

    /// Sends `Finished` once: `end`, or the failure or cancel seen before.
    fn finish(&mut self, end: progress::CallEnd) {
        if !self.finished {
            self.finished = true;
            let end = self.end.take().unwrap_or(end);
            progress::Reporter::of(&self.hooks).lifecycle(ProgressEvent::Finished {
                elapsed: self.origin.elapsed(),
                workers: self.workers(),
                end,
            });
        }
    }

    fn release(&self, consumed: u64) {
        self.gate.release(consumed);
    }
}

impl<U> Iterator for Stream<U> {
    type Item = Result<U, EngineError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(u) = self.current.next() {
                return Some(Ok(u));
            }
            if self.failed {
                return None;
            }
            if let Some(e) = self.tick() {
                self.failed = true;
                return Some(Err(e));
            }
            if self.ordered
                && let Some(chunk) = self.pending.remove(&self.next)
            {
                self.next += 1;
                self.release(self.next);
                self.current = chunk.into_iter();
                continue;
            }
            let msg = self.rx.as_ref()?.recv();
            match msg {
                Ok(Msg::Chunk(seq, results)) => {
                    if self.ordered {
                        self.pending.insert(seq, results);
                        self.peak = self.peak.max(self.pending.len());
                    } else {
                        self.next += 1;
                        self.peak = self.peak.max(1);
                        self.release(self.next);
                        self.current = results.into_iter();
                    }
                }
                Ok(Msg::Failed(failure)) => {
                    self.failed = true;
                    self.end = Some(progress::CallEnd::Failed(failure.clone()));
                    return Some(Err(EngineError::Failed(failure)));
                }
                Err(_) => {
                    // Every worker has exited: the input is over.
                    self.finish(progress::CallEnd::Completed);
                    return None;
                }
            }
        }
    }
}

impl<U> Drop for Stream<U> {
    fn drop(&mut self) {
        self.gate.halt_if(true);
        self.rx = None; // a worker blocked in `send` now fails and leaves
        for h in self.handles.drain(..) {
            let _ = h.join();
        }
        // Dropped before the end of the input: stopped early.
        self.finish(progress::CallEnd::Cancelled);
    }
}

/// The window's protocol, model-checked: two workers and a consumer over a
/// window of one chunk; every chunk is taken once, at most `window` are
/// ever in flight, and nobody waits forever (loom reports a deadlock).
#[cfg(all(test, loom))]
mod loom_tests {
    use loom::sync::Arc;

    use super::*;

    #[test]
    fn the_window_admits_each_chunk_once_and_never_deadlocks() {
        let mut model = loom::model::Builder::new();
        model.preemption_bound = Some(3);
        model.check(|| {
            const CHUNKS: u64 = 2;
            let window = 1;
            let gate = Arc::new(Gate::new());
            let source = Arc::new(Mutex::new(Source { iter: 0..CHUNKS, next_seq: 0, done: false }));
            let (tx, rx) = loom::sync::mpsc::channel();
            let workers: Vec<_> = (0..2)
                .map(|_| {
                    let (gate, source, tx) = (gate.clone(), source.clone(), tx.clone());
                    loom::thread::spawn(move || {
                        while let Some(mut src) = gate.admit(&source, window) {
                            let Some(item) = src.iter.next() else {
                                src.done = true;
                                drop(src);
                                gate.halt_if(false);
                                return;
                            };
                            let seq = src.next_seq;
                            src.next_seq += 1;
                            drop(src);
                            tx.send((seq, item)).unwrap();
                        }
                    })
                })
                .collect();
            drop(tx);
            // The consumer: with a window of one, chunks arrive in order.
            for next in 0..CHUNKS {
                let (seq, item) = rx.recv().unwrap();
                assert_eq!((seq, item), (next, next), "chunk {next} arrives alone and carries its own item");
                assert!(source.lock().unwrap().next_seq <= next + window, "more chunks in flight than the window");
                gate.release(next + 1);
            }
            for w in workers {
                w.join().unwrap();
            }
            assert!(rx.try_recv().is_err(), "a chunk was taken twice");
        });
    }
}
