//! Seed 004's cooperative answer, in Rust terms: the consumers are
//! coroutines (futures) polled in turn on ONE thread, the calling one. The
//! source's next item goes into one slot; every consumer still reading is
//! polled once, takes the item and awaits the next; then the slot takes the
//! following item. No threads, no queues: one item in memory, and the cost
//! of a hand-off is a function call instead of a thread's wake-up.
//!
//! A consumer is an `async` block over [`Next`]:
//! `Box::new(|mut it| Box::pin(async move { let mut s = 0; while let Some(x) = it.next().await { s += x } s }))`.
//! It may return early; it is then polled no more.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::Instant;

use super::super::crew::{Mark, Stage};
use super::super::progress::{self, WorkerStats};
use super::super::{BufferStats, EngineError, Hooks, Outcome, ProgressEvent, Report};
use super::{Fed, Shared};

/// A cooperative consumer: an async function of the items.
pub type AsyncConsumer<'a, T, R> = Box<dyn FnOnce(Next<T>) -> Pin<Box<dyn Future<Output = R> + 'a>> + 'a>;

/// The one slot the driver fills and every consumer reads.
struct Slot<T> {
    item: RefCell<Option<T>>,
    /// Number of the item in the slot (0: none yet).
    seq: Cell<u64>,
    done: Cell<bool>,
}

/// What one cooperative consumer reads: every item of the source, once, in order.
pub struct Next<T> {
    slot: Rc<Slot<T>>,
    /// The number of the last item this consumer took.
    last: u64,
}

impl<T> std::fmt::Debug for Next<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Next").field("last", &self.last).finish_non_exhaustive()
    }
}

impl<T: Clone> Next<T> {
    /// The next item, `None` at the end. Pending until the driver has put
    /// an item this consumer has not taken yet.
    #[allow(clippy::should_implement_trait, reason = "async: `it.next().await`, as a stream's next is called")]
    pub fn next(&mut self) -> impl Future<Output = Option<T>> + '_ {
        std::future::poll_fn(move |_| {
            let seq = self.slot.seq.get();
            if seq > self.last {
                self.last = seq;
                Poll::Ready(self.slot.item.borrow().clone())
            } else if self.slot.done.get() {
                Poll::Ready(None)
            } else {
                Poll::Pending
            }
        })
    }
}

/// The consumers still reading (`None` once one has returned).
type Running<'a, R> = Vec<Option<Pin<Box<dyn Future<Output = R> + 'a>>>>;

/// Items between two looks at the cancel token and two progress samples.
const BLOCK: u64 = 1024;

/// Runs every consumer over every item of `input` on the calling thread,
/// polling them in turn, one item at a time; returns their results in
/// order, and a report whose buffer peak is 1.
///
/// # Examples
/// ```
/// use scalescope::engine::broadcast::cooperative::{broadcast_cooperative, AsyncConsumer};
/// use scalescope::engine::Hooks;
/// let sum: AsyncConsumer<u64, u64> = Box::new(|mut it| Box::pin(async move {
///     let mut s = 0;
///     while let Some(x) = it.next().await { s += x }
///     s
/// }));
/// let max: AsyncConsumer<u64, u64> = Box::new(|mut it| Box::pin(async move {
///     let mut m = 0;
///     while let Some(x) = it.next().await { m = m.max(x) }
///     m
/// }));
/// let out = broadcast_cooperative(1..=1000u64, vec![sum, max], &Hooks::none()).unwrap();
/// assert_eq!(out.value, vec![500_500, 1000]);
/// assert_eq!(out.report.buffer.unwrap().peak, 1);
/// ```
///
/// # Errors
/// A panic in the source or a consumer; a cancel.
pub fn broadcast_cooperative<'a, I, T, R>(
    input: I,
    consumers: Vec<AsyncConsumer<'a, T, R>>,
    hooks: &Hooks,
) -> Result<Outcome<Vec<R>>, EngineError>
where
    I: IntoIterator<Item = T>,
    T: Clone + 'a,
    R: 'a,
{
    let k = consumers.len();
    let shared = Shared::new(hooks, k, Some(1));
    shared.send(ProgressEvent::Started { workers: k, feeder: "cooperative".into(), plan: None });
    let mut driver = Driver::new(&shared, consumers);
    let complete = shared.produce(|mark| driver.drive(mark, input.into_iter()));
    let (value, workers) = shared.conclude(driver.fed(complete))?;
    let report = Report {
        shape: crate::engine::Shape::Cooperative,
        threads_used: 0,
        workers,
        wall_s: shared.origin.elapsed().as_secs_f64(),
        buffer: Some(BufferStats { peak: 1, bound: Some(1), unit: "items".into() }),
        ..Report::default()
    };
    Ok(Outcome { value, report })
}

/// The calling thread's loop: the slot, the consumers still reading, what
/// the others returned, and the progress counts.
struct Driver<'a, 's, T, R> {
    shared: &'s Shared<'s>,
    slot: Rc<Slot<T>>,
    running: Running<'a, R>,
    results: Vec<Option<R>>,
    pulled: u64,
    /// When progress was last sampled.
    sampled: Instant,
    last: Vec<WorkerStats>,
}

impl<'a, 's, T: Clone + 'a, R: 'a> Driver<'a, 's, T, R> {
    /// Starts every consumer over the one slot (none is polled yet).
    fn new(shared: &'s Shared<'s>, consumers: Vec<AsyncConsumer<'a, T, R>>) -> Self {
        let slot = Rc::new(Slot { item: RefCell::new(None), seq: Cell::new(0), done: Cell::new(false) });
        let running = consumers.into_iter().map(|c| Some(c(Next { slot: slot.clone(), last: 0 }))).collect();
        let k = shared.slots.len();
        Driver {
            shared,
            slot,
            running,
            results: (0..k).map(|_| None).collect(),
            pulled: 0,
            sampled: Instant::now(),
            last: (0..k).map(|worker| WorkerStats { worker, ..Default::default() }).collect(),
        }
    }

    /// Puts item after item in the slot and polls every consumer still
    /// reading on each; true at the end of the source or once every consumer
    /// left, false when cancelled (looked at every `BLOCK` items).
    fn drive(&mut self, mark: &Mark, mut source: impl Iterator<Item = T>) -> bool {
        loop {
            if self.running.iter().all(Option::is_none) {
                return true; // every consumer left early
            }
            let Some(x) = source.next() else { break };
            *self.slot.item.borrow_mut() = Some(x);
            self.pulled += 1;
            self.slot.seq.set(self.pulled);
            self.poll_all(mark);
            if self.pulled.is_multiple_of(BLOCK) && !self.block_done() {
                return false;
            }
        }
        self.count(self.pulled % BLOCK);
        self.slot.done.set(true);
        *self.slot.item.borrow_mut() = None;
        self.poll_all(mark);
        true
    }

    /// Polls every consumer still reading once; one that returns is
    /// polled no more.
    #[inline]
    fn poll_all(&mut self, mark: &Mark) {
        let mut cx = Context::from_waker(Waker::noop());
        mark.set(Stage::Consumer);
        for (f, r) in self.running.iter_mut().zip(self.results.iter_mut()) {
            if let Some(fut) = f
                && let Poll::Ready(v) = fut.as_mut().poll(&mut cx)
            {
                *r = Some(v);
                *f = None;
            }
        }
        mark.set(Stage::Source);
    }

    /// At the end of a block: counts it for every consumer still reading,
    /// looks at the cancel token (false: cancelled), samples when due.
    fn block_done(&mut self) -> bool {
        self.count(BLOCK);
        if self.shared.stop() {
            return false;
        }
        if self.shared.due(&mut self.sampled) {
            progress::send_changed(&self.shared.reporter, &self.shared.slots, &mut self.last, self.shared.origin.elapsed());
        }
        true
    }

    /// Counts `n` items (one chunk) for every consumer still reading.
    fn count(&self, n: u64) {
        for (slot, f) in self.shared.slots.iter().zip(&self.running) {
            if f.is_some() {
                slot.add(n, 1, 0);
            }
        }
    }

    /// The values so far (the consumers that did not return stay pending).
    fn fed(&mut self, complete: bool) -> Fed<R> {
        Fed { results: std::mem::take(&mut self.results), pulled: self.pulled, complete }
    }
}
