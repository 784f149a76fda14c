//! The one thread crew every design runs on: named threads, each under one
//! panic guard that records the call's first [`Failure`] and raises the stop
//! flag, a sampler on the calling thread while they run, and the join.
//!
//! - [`scope`] runs a crew of scoped threads: none outlives the call, on
//!   every path (the feeders, the keyed reducers, the broadcast's aggregates,
//!   rayon's sampler).
//! - [`spawn_owned`] starts one owned thread under the same guard, for the
//!   ordered stream, whose workers outlive the call that made the stream
//!   (the stream joins them when it is dropped).
//! - [`Failures`] keeps the first failure of a call ("first failure wins")
//!   and the stop flag every worker reads between chunks.
//! - A worker says what it is doing in its [`Mark`] (pulling the source,
//!   mapping), so a panic is reported with the [`Stage`] that failed.

use std::any::Any;
use std::cell::Cell;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};
use std::thread::{self, JoinHandle, Scope, ScopedJoinHandle};
use std::time::Duration;

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};

/// What was running when a thread failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Stage {
    /// Pulling the source iterator.
    Source,
    /// The map and reduce (or fold) functions, on a chunk of items.
    Map,
    /// One fused loop that pulls and maps item by item (`sequential`,
    /// `auto` fused, rayon): the source, the map or the reduce.
    Fused,
    /// Combining the workers' partial results.
    Combine,
    /// A keyed reducer merging its partition (the user's `combine`).
    Reduce,
    /// A consumer of the one-pass broadcast (an aggregate).
    Consumer,
    /// Starting the thread.
    Start,
}

impl Stage {
    /// What failed, for people.
    pub fn label(self) -> &'static str {
        match self {
            Stage::Source => "the source iterator",
            // map_reduce folds `reduce(acc, map(x))` item by item: telling the
            // two apart would cost a mark per item on the hot path.
            Stage::Map => "the map or reduce function",
            Stage::Fused => "the source, the map or the reduce (one fused loop)",
            Stage::Combine => "the combine of partial results",
            Stage::Reduce => "the combine function in the reduce phase",
            Stage::Consumer => "an aggregate",
            Stage::Start => "starting a thread",
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A thread's failure: which thread, what it was doing, what it said.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// The thread's name, e.g. `scalescope-worker-3`, or `the calling thread`.
    pub thread: String,
    /// What failed.
    pub stage: Stage,
    /// The panic message (or why the thread could not start).
    pub message: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.stage {
            Stage::Start => write!(f, "{} could not start: {}", self.thread, self.message),
            stage => write!(f, "{stage} panicked in {}: {}", self.thread, self.message),
        }
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

/// A call's first failure and its stop flag.
#[derive(Debug, Default)]
pub(crate) struct Failures {
    stop: AtomicBool,
    first: Mutex<Option<Failure>>,
}

impl Failures {
    /// Records `failure` unless one came first, and raises the stop flag.
    pub(crate) fn fail(&self, failure: Failure) {
        self.first.lock().unwrap_or_else(PoisonError::into_inner).get_or_insert(failure);
        // Relaxed: the flag guards no data (the failure is read under its
        // lock after the join); a worker may see it one chunk late.
        self.stop.store(true, Ordering::Relaxed);
    }

    /// Whether any thread failed.
    #[inline]
    pub(crate) fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// The first failure, taken out.
    pub(crate) fn take(&self) -> Option<Failure> {
        self.first.lock().unwrap_or_else(PoisonError::into_inner).take()
    }

    /// Runs `f`; a panic becomes a recorded failure of `thread` at the
    /// stage `mark` held when it panicked, and `None`.
    pub(crate) fn guard<T>(&self, thread: &str, mark: &Mark, f: impl FnOnce() -> T) -> Option<T> {
        match catch_unwind(AssertUnwindSafe(f)) {
            Ok(v) => Some(v),
            Err(p) => {
                self.fail(Failure { thread: thread.to_string(), stage: mark.get(), message: panic_message(&*p) });
                None
            }
        }
    }

    /// Records that `thread` could not start.
    pub(crate) fn could_not_start(&self, thread: String, error: &std::io::Error) {
        self.fail(Failure { thread, stage: Stage::Start, message: error.to_string() });
    }
}

/// What a thread is doing now, read if it panics. Set once per chunk, so it
/// costs nothing next to the chunk's work.
#[derive(Debug)]
pub(crate) struct Mark(Cell<Stage>);

impl Mark {
    pub(crate) fn new(stage: Stage) -> Self {
        Mark(Cell::new(stage))
    }
    #[inline]
    pub(crate) fn set(&self, stage: Stage) {
        self.0.set(stage);
    }
    pub(crate) fn get(&self) -> Stage {
        self.0.get()
    }
}

/// A crew of scoped threads; made by [`scope`].
pub(crate) struct Crew<'scope, 'env: 'scope> {
    scope: &'scope Scope<'scope, 'env>,
    failures: &'env Failures,
    /// Each member holds a clone; when all are gone the watcher's receive
    /// fails with `Disconnected`.
    alive: Option<Sender<()>>,
    all_done: Receiver<()>,
}

/// A member of a crew, to join.
pub(crate) struct Member<'scope, T> {
    handle: Option<ScopedJoinHandle<'scope, Option<T>>>,
    name: String,
}

impl<'scope, 'env> Crew<'scope, 'env> {
    /// Starts a thread named `name` running `f` under the guard, its mark
    /// first at `stage`. A thread that cannot start is a [`Stage::Start`]
    /// failure, and its member joins as `None`.
    pub(crate) fn spawn<T, F>(&mut self, name: String, stage: Stage, f: F) -> Member<'scope, T>
    where
        T: Send + 'scope,
        F: FnOnce(&Mark) -> T + Send + 'scope,
    {
        let alive = self.alive.clone();
        let failures = self.failures;
        let thread_name = name.clone();
        let spawned = thread::Builder::new().name(name.clone()).spawn_scoped(self.scope, move || {
            let _alive = alive;
            let mark = Mark::new(stage);
            failures.guard(&thread_name, &mark, || f(&mark))
        });
        match spawned {
            Ok(h) => Member { handle: Some(h), name },
            Err(e) => {
                self.failures.could_not_start(name.clone(), &e);
                Member { handle: None, name }
            }
        }
    }

    /// Calls `sample` every `interval` until every member has returned
    /// (at once when `interval` is `None`). Spawn no more after this.
    pub(crate) fn watch(&mut self, interval: Option<Duration>, mut sample: impl FnMut()) {
        self.alive = None;
        if let Some(interval) = interval {
            while let Err(RecvTimeoutError::Timeout) = self.all_done.recv_timeout(interval) {
                sample();
            }
        }
    }
}

impl<T> Member<'_, T> {
    /// Waits for the thread: its value, or `None` when it failed (recorded).
    pub(crate) fn join(self, failures: &Failures) -> Option<T> {
        match self.handle?.join() {
            Ok(v) => v,
            // The guard catches the thread's panics, so only a panic in the
            // guard itself lands here.
            Err(p) => {
                failures.fail(Failure { thread: self.name, stage: Stage::Start, message: panic_message(&*p) });
                None
            }
        }
    }
}

/// Runs `body` with a crew whose threads are all joined before this returns.
pub(crate) fn scope<'env, R>(failures: &'env Failures, body: impl for<'scope> FnOnce(&mut Crew<'scope, 'env>) -> R) -> R {
    thread::scope(|scope| {
        let (alive, all_done) = crossbeam_channel::bounded::<()>(0);
        let mut crew = Crew { scope, failures, alive: Some(alive), all_done };
        body(&mut crew)
    })
}

/// Starts one owned thread named `name` under the guard; its failure goes
/// to `on_failure` (the ordered stream sends it down its result channel).
///
/// # Errors
/// The thread could not start: the failure, for the caller to return.
pub(crate) fn spawn_owned<F>(
    name: String,
    stage: Stage,
    f: F,
    on_failure: impl FnOnce(Failure) + Send + 'static,
) -> Result<JoinHandle<()>, Failure>
where
    F: FnOnce(&Mark) + Send + 'static,
{
    let thread_name = name.clone();
    thread::Builder::new()
        .name(name.clone())
        .spawn(move || {
            let mark = Mark::new(stage);
            if let Err(p) = catch_unwind(AssertUnwindSafe(|| f(&mark))) {
                on_failure(Failure { thread: thread_name, stage: mark.get(), message: panic_message(&*p) });
            }
        })
        .map_err(|e| Failure { thread: name, stage: Stage::Start, message: e.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_failure_wins_and_names_its_stage() {
        let failures = Failures::default();
        let out: Vec<Option<u32>> = scope(&failures, |crew| {
            let a = crew.spawn("a".into(), Stage::Source, |mark| {
                mark.set(Stage::Map);
                panic!("boom in a")
            });
            let members = vec![a];
            crew.watch(None, || {});
            members.into_iter().map(|m| m.join(&failures)).collect()
        });
        assert_eq!(out, vec![None]);
        assert!(failures.stopped());
        let f = failures.take().expect("a failure was recorded");
        assert_eq!((f.thread.as_str(), f.stage, f.message.as_str()), ("a", Stage::Map, "boom in a"));
        failures.fail(Failure { thread: "b".into(), stage: Stage::Source, message: "later".into() });
        failures.fail(Failure { thread: "c".into(), stage: Stage::Source, message: "even later".into() });
        assert_eq!(failures.take().map(|f| f.thread), Some("b".into()));
    }

    #[test]
    fn watch_samples_until_every_member_returns() {
        let failures = Failures::default();
        let mut samples = 0;
        let sum: u32 = scope(&failures, |crew| {
            let members: Vec<_> = (0..3u32)
                .map(|i| {
                    crew.spawn(format!("w{i}"), Stage::Map, move |_| {
                        thread::sleep(Duration::from_millis(20));
                        i
                    })
                })
                .collect();
            crew.watch(Some(Duration::from_millis(1)), || samples += 1);
            members.into_iter().filter_map(|m| m.join(&failures)).sum()
        });
        assert_eq!(sum, 3);
        assert!(samples >= 1, "the watcher sampled while the members slept");
        assert!(failures.take().is_none());
    }
}
