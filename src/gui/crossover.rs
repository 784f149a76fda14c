//! "Find the crossover" in the app: the search of
//! [`crate::measure::crossover`] on a named background thread, its points
//! as they are measured, and its answer. The UI never waits for it; a
//! cancel stops it within a chunk of work, and dropping it joins its thread.

use std::thread::JoinHandle;

use crossbeam_channel::Receiver;

use crate::engine::{CancelToken, Hooks, Threads};
use crate::measure::crossover::{self, Crossover, CrossoverPlan, Point};
use crate::workloads::WorkloadSpec;

/// A search under way.
#[derive(Debug)]
struct Search {
    cancel: CancelToken,
    points: Receiver<Point>,
    done: Receiver<Result<Crossover, String>>,
    handle: Option<JoinHandle<()>>,
}

impl Drop for Search {
    fn drop(&mut self) {
        self.cancel.cancel();
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

/// The search of the app: running or not, its points so far and its answer.
#[derive(Debug, Default)]
pub struct CrossoverSearch {
    search: Option<Search>,
    /// The workload searched last, in words.
    pub what: String,
    /// Its points so far, by `n`.
    pub points: Vec<Point>,
    /// The answer (or why there is none), once it ended.
    pub result: Option<Result<Crossover, String>>,
}

impl CrossoverSearch {
    /// Whether a search runs.
    pub fn is_running(&self) -> bool {
        self.search.is_some()
    }

    /// Starts the search for `workload` at `threads`; `wake` asks the window to redraw.
    ///
    /// # Errors
    /// One runs already, or its thread could not start.
    pub fn start(&mut self, workload: WorkloadSpec, threads: Threads, wake: impl Fn() + Send + 'static) -> Result<(), String> {
        if self.search.is_some() {
            return Err("A crossover search is running: cancel it first.".into());
        }
        let cancel = CancelToken::new();
        let (point_tx, points) = crossbeam_channel::unbounded();
        let (done_tx, done) = crossbeam_channel::bounded(1);
        let plan = CrossoverPlan::new(workload, threads);
        let hooks = Hooks { cancel: Some(cancel.clone()), ..Hooks::none() };
        self.what = format!("{} at {threads} threads", plan.workload.name);
        let handle = std::thread::Builder::new()
            .name("scalescope-crossover".into())
            .spawn(move || {
                let result = crossover::find(&plan, &hooks, |p| {
                    let _ = point_tx.send(p.clone());
                    wake();
                    // The window draws the new point now, before the next
                    // point is timed: a frame under software GL took both
                    // cores for tens of ms and made 2 threads read 2x slower.
                    std::thread::sleep(super::runner::SETTLE);
                });
                let _ = done_tx.send(result.map_err(|e| e.to_string()));
                wake();
            })
            .map_err(|e| format!("Could not start the search's thread: {e}"))?;
        self.points.clear();
        self.result = None;
        self.search = Some(Search { cancel, points, done, handle: Some(handle) });
        Ok(())
    }

    /// Asks the search to stop.
    pub fn cancel(&self) {
        if let Some(s) = &self.search {
            s.cancel.cancel();
        }
    }

    /// Takes in what the search sent since the last frame; true when it ended now.
    pub fn poll(&mut self) -> bool {
        let Some(s) = &self.search else { return false };
        self.points.extend(s.points.try_iter());
        self.points.sort_by_key(|p| p.n);
        let Ok(result) = s.done.try_recv() else { return false };
        self.result = Some(result);
        self.search = None;
        true
    }
}
