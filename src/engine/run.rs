//! The scaffolding every threaded feeder shares: named scoped workers, panic
//! capture, the stop flag, progress sampling, and the final combine.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};
use std::thread;
use std::time::Instant;

use crossbeam_channel::RecvTimeoutError;

use super::config::Hooks;
use super::error::EngineError;
use super::progress::{self, CallEnd, Local, ProgressEvent, Reporter, Slots, Span, WorkerStats};

/// State shared by the workers of one call.
pub(crate) struct Shared<'h> {
    pub hooks: &'h Hooks,
    /// The one sender of this call's events.
    pub reporter: Reporter,
    /// `Finished` is sent by a design wrapping this call (keyed), not here.
    pub defer_finish: bool,
    pub origin: Instant,
    pub slots: Slots,
    pub record_spans: bool,
    /// Set when any thread fails; every worker stops at its next chunk.
    stop: AtomicBool,
    /// Set when a worker left while input remained (cancel or failure).
    aborted: AtomicBool,
    failure: Mutex<Option<(String, String)>>,
}

impl<'h> Shared<'h> {
    pub fn new(hooks: &'h Hooks, workers: usize, record_spans: bool) -> Self {
        Shared {
            hooks,
            reporter: Reporter::of(hooks),
            defer_finish: false,
            origin: Instant::now(),
            slots: progress::slots(workers),
            record_spans,
            stop: AtomicBool::new(false),
            aborted: AtomicBool::new(false),
            failure: Mutex::new(None),
        }
    }

    /// Whether a worker should leave now (cancelled, or another thread failed).
    #[inline]
    pub fn should_stop(&self) -> bool {
        // Relaxed: pairs with the Relaxed store in `fail`; the flag guards no
        // data, and seeing it one chunk late is allowed by the contract.
        self.stop.load(Ordering::Relaxed) || self.hooks.cancel.as_ref().is_some_and(|c| c.is_cancelled())
    }

    /// Notes that a worker left with input remaining.
    pub fn abort(&self) {
        // Relaxed: read only after every thread is joined.
        self.aborted.store(true, Ordering::Relaxed);
    }

    /// Records the first failure and stops everyone.
    pub fn fail(&self, thread: &str, message: String) {
        let mut slot = self.failure.lock().unwrap_or_else(PoisonError::into_inner);
        if slot.is_none() {
            *slot = Some((thread.to_string(), message));
        }
        // Relaxed: see `should_stop`.
        self.stop.store(true, Ordering::Relaxed);
        self.aborted.store(true, Ordering::Relaxed);
    }

    pub fn local(&self, worker: usize) -> Local<'_> {
        Local::new(&self.slots[worker], worker, self.origin, self.record_spans)
    }

    /// Sends a lifecycle event (`Started`): never dropped.
    pub fn lifecycle(&self, event: ProgressEvent) {
        self.reporter.lifecycle(event);
    }

    /// Sends a snapshot (`Worker`): dropped when the channel is full.
    pub fn snapshot(&self, event: ProgressEvent) {
        self.reporter.snapshot(event);
    }

    /// Turns the end state into the call's result: the failure first, then a cancel.
    pub fn verdict(&self) -> Result<(), EngineError> {
        let failure = self.failure.lock().unwrap_or_else(PoisonError::into_inner).take();
        if let Some((thread, message)) = failure {
            return Err(EngineError::Panicked { thread, message });
        }
        if self.aborted.load(Ordering::Relaxed) {
            let workers = progress::snapshot_all(&self.slots);
            let items_done = workers.iter().map(|w| w.items).sum();
            return Err(EngineError::Cancelled { items_done, workers });
        }
        Ok(())
    }

    pub fn finished(&self, end: CallEnd) -> Vec<WorkerStats> {
        let workers = progress::snapshot_all(&self.slots);
        if !self.defer_finish {
            self.lifecycle(ProgressEvent::Finished { elapsed: self.origin.elapsed(), workers: workers.clone(), end });
        }
        workers
    }
}

/// The text of a panic payload.
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic with a non-text payload".to_string()
    }
}

/// Runs `workers` named scoped threads (and an optional producer thread),
/// samples progress on the calling thread while they run, and returns each
/// worker's accumulator and spans. No thread outlives this call: they are
/// scoped, so they are joined before it returns, on every path.
pub(crate) fn execute<A, W, P>(shared: &Shared<'_>, workers: usize, producer: Option<P>, work: W) -> (Vec<A>, Vec<Span>)
where
    A: Send,
    W: Fn(usize, &mut Local<'_>) -> A + Sync,
    P: FnOnce() + Send,
{
    let work = &work;
    let mut partials = Vec::with_capacity(workers);
    let mut spans = Vec::new();
    thread::scope(|scope| {
        // Each thread holds a clone of `alive_tx`; when all are dropped the
        // sampler's receive fails with Disconnected and it stops sampling.
        let (alive_tx, alive_rx) = crossbeam_channel::bounded::<()>(0);
        if let Some(producer) = producer {
            let alive = alive_tx.clone();
            let spawned = thread::Builder::new().name("scalescope-producer".into()).spawn_scoped(scope, move || {
                let _alive = alive;
                if let Err(p) = catch_unwind(AssertUnwindSafe(producer)) {
                    shared.fail("scalescope-producer (the source iterator)", panic_message(&*p));
                }
            });
            if let Err(e) = spawned {
                shared.fail("scalescope-producer", format!("could not start: {e}"));
            }
        }
        let mut handles = Vec::with_capacity(workers);
        for w in 0..workers {
            let alive = alive_tx.clone();
            let name = format!("scalescope-worker-{w}");
            let spawned = thread::Builder::new().name(name.clone()).spawn_scoped(scope, move || {
                let _alive = alive;
                let mut local = shared.local(w);
                match catch_unwind(AssertUnwindSafe(|| work(w, &mut local))) {
                    Ok(acc) => Some((acc, local.into_spans())),
                    Err(p) => {
                        shared.fail(&name, panic_message(&*p));
                        None
                    }
                }
            });
            match spawned {
                Ok(h) => handles.push(h),
                Err(e) => {
                    shared.fail(&format!("scalescope-worker-{w}"), format!("could not start: {e}"));
                    break;
                }
            }
        }
        drop(alive_tx);
        if shared.reporter.is_on() {
            // One entry per slot: `auto` may run fewer workers than it has slots.
            let mut last: Vec<WorkerStats> = (0..shared.slots.len()).map(|worker| WorkerStats { worker, ..Default::default() }).collect();
            while let Err(RecvTimeoutError::Timeout) = alive_rx.recv_timeout(shared.hooks.interval()) {
                progress::send_changed(&shared.reporter, &shared.slots, &mut last, shared.origin.elapsed());
            }
        }
        for h in handles {
            // A worker's own panic is caught inside it, so join only fails if
            // the catch itself failed; treat that as a failure too.
            match h.join() {
                Ok(Some((acc, s))) => {
                    partials.push(acc);
                    spans.extend(s);
                }
                Ok(None) => {}
                Err(p) => shared.fail("a worker", panic_message(&*p)),
            }
        }
    });
    (partials, spans)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn sampling_with_fewer_workers_than_slots() {
        // `auto` may run 2 workers while the call has a slot per thread asked for.
        let (tx, rx) = crossbeam_channel::unbounded();
        let hooks = Hooks { progress: Some(tx), interval: Some(Duration::from_millis(1)), ..Hooks::none() };
        let shared = Shared::new(&hooks, 8, false);
        let (accs, _) = execute(&shared, 2, None::<fn()>, |_, local| {
            for _ in 0..20 {
                let t = Instant::now();
                std::thread::sleep(Duration::from_millis(1));
                local.chunk(1, t, t, Instant::now());
            }
            1u64
        });
        assert_eq!(accs, vec![1, 1]);
        assert!(shared.verdict().is_ok());
        let workers: Vec<usize> = rx
            .try_iter()
            .filter_map(|e| match e.event {
                ProgressEvent::Worker { stats, .. } => Some(stats.worker),
                _ => None,
            })
            .collect();
        assert!(!workers.is_empty() && workers.iter().all(|&w| w < 2), "{workers:?}");
    }
}
