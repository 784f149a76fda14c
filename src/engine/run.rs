//! What the threaded feeders share: the call's state (hooks, progress
//! slots, failures, the abort flag) and `execute`, which runs the feeder's
//! workers on the one thread crew (`crew.rs`).

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use super::config::Hooks;
use super::crew::{self, Failure, Failures, Mark, Stage};
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
    /// The first failure and the stop flag every worker reads.
    pub failures: Failures,
    /// Set when a worker left while input remained (cancel or failure).
    aborted: AtomicBool,
}

impl<'h> Shared<'h> {
    pub(crate) fn new(hooks: &'h Hooks, workers: usize, record_spans: bool) -> Self {
        Shared {
            hooks,
            reporter: Reporter::of(hooks),
            defer_finish: false,
            origin: Instant::now(),
            slots: progress::slots(workers),
            record_spans,
            failures: Failures::default(),
            aborted: AtomicBool::new(false),
        }
    }

    /// Whether a worker should leave now (cancelled, or another thread failed).
    #[inline]
    pub(crate) fn should_stop(&self) -> bool {
        self.failures.stopped() || self.hooks.cancel.as_ref().is_some_and(|c| c.is_cancelled())
    }

    /// Notes that a worker left with input remaining.
    pub(crate) fn abort(&self) {
        // Relaxed: read only after every thread is joined.
        self.aborted.store(true, Ordering::Relaxed);
    }

    /// Records the first failure and stops everyone.
    pub(crate) fn fail(&self, failure: Failure) {
        self.failures.fail(failure);
        self.abort();
    }

    pub(crate) fn local(&self, worker: usize) -> Local<'_> {
        Local::new(&self.slots[worker], worker, self.origin, self.record_spans)
    }

    /// Sends a lifecycle event (`Started`): never dropped.
    pub(crate) fn lifecycle(&self, event: ProgressEvent) {
        self.reporter.lifecycle(event);
    }

    /// Sends a snapshot (`Worker`): dropped when the channel is full.
    pub(crate) fn snapshot(&self, event: ProgressEvent) {
        self.reporter.snapshot(event);
    }

    /// Turns the end state into the call's result: the failure first, then a cancel.
    pub(crate) fn verdict(&self) -> Result<(), EngineError> {
        if let Some(failure) = self.failures.take() {
            return Err(EngineError::Failed(failure));
        }
        if self.aborted.load(Ordering::Relaxed) || self.failures.stopped() {
            let workers = progress::snapshot_all(&self.slots);
            let items_done = workers.iter().map(|w| w.items).sum();
            return Err(EngineError::Cancelled { items_done, workers });
        }
        Ok(())
    }

    pub(crate) fn finished(&self, end: CallEnd) -> Vec<WorkerStats> {
        let workers = progress::snapshot_all(&self.slots);
        if !self.defer_finish {
            self.lifecycle(ProgressEvent::Finished { elapsed: self.origin.elapsed(), workers: workers.clone(), end });
        }
        workers
    }

    /// Samples every worker's counters while a crew runs (when progress is on).
    pub(crate) fn sampler(&self) -> impl FnMut() + '_ {
        // One entry per slot: `auto` may run fewer workers than it has slots.
        let mut last: Vec<WorkerStats> = (0..self.slots.len()).map(|worker| WorkerStats { worker, ..Default::default() }).collect();
        move || progress::send_changed(&self.reporter, &self.slots, &mut last, self.origin.elapsed())
    }

    /// How often to sample: `None` when nobody listens.
    pub(crate) fn interval(&self) -> Option<std::time::Duration> {
        self.reporter.is_on().then(|| self.hooks.interval())
    }
}

/// Runs `workers` named threads of the crew (and an optional producer
/// thread), samples progress on the calling thread while they run, and
/// returns each worker's accumulator and spans. A worker sets its [`Mark`]
/// to the stage it is in (pulling, mapping) so a panic names it.
pub(crate) fn execute<A, W, P>(shared: &Shared<'_>, workers: usize, producer: Option<P>, work: W) -> (Vec<A>, Vec<Span>)
where
    A: Send,
    W: Fn(usize, &mut Local<'_>, &Mark) -> A + Sync,
    P: FnOnce() + Send,
{
    let work = &work;
    let mut partials = Vec::with_capacity(workers);
    let mut spans = Vec::new();
    crew::scope(&shared.failures, |crew| {
        let producer = producer.map(|p| crew.spawn("scalescope-producer".into(), Stage::Source, move |_| p()));
        let members: Vec<_> = (0..workers)
            .map(|w| {
                crew.spawn(format!("scalescope-worker-{w}"), Stage::Map, move |mark| {
                    let mut local = shared.local(w);
                    let acc = work(w, &mut local, mark);
                    (acc, local.into_spans())
                })
            })
            .collect();
        crew.watch(shared.interval(), shared.sampler());
        if let Some(p) = producer {
            p.join(&shared.failures);
        }
        for m in members {
            if let Some((acc, s)) = m.join(&shared.failures) {
                partials.push(acc);
                spans.extend(s);
            }
        }
    });
    if shared.failures.stopped() {
        shared.abort();
    }
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
        let (accs, _) = execute(&shared, 2, None::<fn()>, |_, local, _| {
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
