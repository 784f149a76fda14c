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

use super::super::crew::{Failures, Mark, Stage};
use super::super::progress::{self, CallEnd, Reporter};
use super::super::{BufferStats, EngineError, Hooks, Outcome, ProgressEvent, Report};

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
    let origin = Instant::now();
    let reporter = Reporter::of(hooks);
    let slots = progress::slots(k);
    reporter.lifecycle(ProgressEvent::Started { workers: k, feeder: "cooperative".into(), plan: None });
    let slot = Rc::new(Slot { item: RefCell::new(None), seq: Cell::new(0), done: Cell::new(false) });
    let mut futures: Running<'a, R> = consumers.into_iter().map(|c| Some(c(Next { slot: slot.clone(), last: 0 }))).collect();
    let mut results: Vec<Option<R>> = (0..k).map(|_| None).collect();
    let failures = Failures::default();
    let mark = Mark::new(Stage::Source);
    let mut pulled = 0u64;
    let cancelled = || hooks.cancel.as_ref().is_some_and(|c| c.is_cancelled());
    let mut last_sample = Instant::now();
    let mut last: Vec<progress::WorkerStats> = (0..k).map(|worker| progress::WorkerStats { worker, ..Default::default() }).collect();
    let complete = failures.guard("the calling thread", &mark, || {
        let mut cx = Context::from_waker(Waker::noop());
        let mut poll_all = |futures: &mut Running<'a, R>, results: &mut Vec<Option<R>>| {
            mark.set(Stage::Consumer);
            for (f, r) in futures.iter_mut().zip(results.iter_mut()) {
                if let Some(fut) = f
                    && let Poll::Ready(v) = fut.as_mut().poll(&mut cx)
                {
                    *r = Some(v);
                    *f = None;
                }
            }
            mark.set(Stage::Source);
        };
        let mut source = input.into_iter();
        loop {
            if futures.iter().all(Option::is_none) {
                return true; // every consumer left early
            }
            let Some(x) = source.next() else { break };
            *slot.item.borrow_mut() = Some(x);
            pulled += 1;
            slot.seq.set(pulled);
            poll_all(&mut futures, &mut results);
            if pulled.is_multiple_of(BLOCK) {
                for (i, f) in futures.iter().enumerate() {
                    if f.is_some() {
                        slots[i].add(BLOCK, 1, 0);
                    }
                }
                if cancelled() {
                    return false;
                }
                if reporter.is_on() && last_sample.elapsed() >= hooks.interval() {
                    last_sample = Instant::now();
                    progress::send_changed(&reporter, &slots, &mut last, origin.elapsed());
                }
            }
        }
        for (i, f) in futures.iter().enumerate() {
            if f.is_some() {
                slots[i].add(pulled % BLOCK, 1, 0);
            }
        }
        slot.done.set(true);
        *slot.item.borrow_mut() = None;
        poll_all(&mut futures, &mut results);
        true
    });
    let workers = progress::snapshot_all(&slots);
    let finished = |end| reporter.lifecycle(ProgressEvent::Finished { elapsed: origin.elapsed(), workers: workers.clone(), end });
    if let Some(failure) = failures.take() {
        finished(CallEnd::Failed(failure.clone()));
        return Err(EngineError::Failed(failure));
    }
    let values: Option<Vec<R>> = results.into_iter().collect();
    let (Some(true), Some(values)) = (complete, values) else {
        finished(CallEnd::Cancelled);
        return Err(EngineError::Cancelled { items_done: pulled, workers });
    };
    finished(CallEnd::Completed);
    let report = Report {
        used: format!("cooperative: {k} aggregates polled in turn on the calling thread, one item at a time"),
        threads_used: 0,
        workers,
        wall_s: origin.elapsed().as_secs_f64(),
        buffer: Some(BufferStats { peak: 1, bound: Some(1), unit: "items".into() }),
        ..Report::default()
    };
    Ok(Outcome { value: values, report })
}
