//! The job: one sweep on a named background thread. The UI never waits for
//! it; it drains two channels each frame with `try_iter`. Dropping a job
//! cancels it and joins its thread (and so every engine worker).

use std::path::PathBuf;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};

use crate::engine::{CancelToken, Hooks, Progress};
use crate::experiment::SweepPlan;
use crate::experiment::autosave::Autosave;
use crate::experiment::{Experiment, Library};
use crate::measure::{SweepEvent, run_sweep};
use crate::workloads::WorkloadError;

/// What a job reports besides the engine's progress.
#[derive(Debug)]
pub enum JobEvent {
    /// A run is starting.
    Sweep(SweepEvent),
    /// The job is over: the experiment, complete or stopped (with every
    /// measurement it finished), or why it could not start; and its file in the library.
    Done(Box<Result<Experiment, WorkloadError>>, Option<PathBuf>),
    /// The experiment could not be saved to the library (reported once).
    SaveFailed(String),
}

/// A running (or finished, not yet dropped) job.
#[derive(Debug)]
pub struct Job {
    /// What it is, for people.
    pub label: String,
    /// When it started.
    pub started: Instant,
    /// Runs in all, the reference included.
    pub total_runs: usize,
    cancel: CancelToken,
    events: Receiver<JobEvent>,
    progress: Receiver<Progress>,
    handle: Option<JoinHandle<()>>,
}

/// How long the job waits after waking the window before a quiet
/// repetition's call, so that the frame is drawn before the timing starts.
pub const SETTLE: Duration = Duration::from_millis(150);

/// Events a frame may take from the engine's channel before drawing.
const PROGRESS_CAPACITY: usize = 16_384;

impl Job {
    /// Starts `plan` as a new experiment named `label` (run for `lesson`, if
    /// a lesson started it) on a thread named
    /// `scalescope-job`, saving it to `library` after every measurement.
    /// `wake` is called before every call and when the job ends; before a
    /// call of a later timed repetition (of every one, with `quiet`) the
    /// job then waits [`SETTLE`], so the window draws while nothing is timed.
    ///
    /// # Errors
    /// The thread could not be started.
    pub fn start(
        label: String,
        lesson: Option<&'static str>,
        plan: SweepPlan,
        library: Option<Library>,
        quiet: bool,
        wake: impl Fn() + Send + 'static,
    ) -> std::io::Result<Job> {
        let cancel = CancelToken::new();
        let (event_tx, events) = crossbeam_channel::unbounded();
        let (progress_tx, progress): (Sender<Progress>, _) = crossbeam_channel::bounded(PROGRESS_CAPACITY);
        let hooks =
            Hooks { progress: Some(progress_tx), cancel: Some(cancel.clone()), interval: Some(Duration::from_millis(20)), ..Hooks::none() };
        let total_runs = plan.total_runs();
        let name = label.clone();
        let handle = std::thread::Builder::new().name("scalescope-job".into()).spawn(move || {
            let mut exp = Experiment { lesson: lesson.map(String::from), ..Experiment::start(&plan, Some(name)) };
            let mut saver = Autosave::start(&mut exp, library.clone(), Vec::new()).unwrap_or_else(|e| {
                let _ = event_tx.send(JobEvent::SaveFailed(e.to_string()));
                Autosave::start(&mut exp, None, Vec::new()).expect("no destination cannot fail")
            });
            let mut save = |x: &Experiment| {
                if let Some(e) = saver.save(x) {
                    let _ = event_tx.send(JobEvent::SaveFailed(e));
                }
            };
            let result = run_sweep(
                &plan,
                exp,
                &hooks,
                |e| {
                    // Warm-ups and the first timed repetition are drawn
                    // live. Before each call of a later repetition the
                    // window is woken and given a moment to draw, so that it
                    // is idle while the call is timed: those repetitions,
                    // whose median is reported, are measured undisturbed.
                    let SweepEvent::Starting { rep, .. } = &e;
                    let quiet = quiet || rep.is_some_and(|r| r > 0);
                    let _ = event_tx.send(JobEvent::Sweep(e));
                    wake();
                    if quiet {
                        std::thread::sleep(SETTLE);
                    }
                },
                &mut save,
            );
            if let Ok(x) = &result
                && let Some(e) = saver.flush(x)
            {
                let _ = event_tx.send(JobEvent::SaveFailed(e));
            }
            let file = saver.library_file().map(PathBuf::from);
            let _ = event_tx.send(JobEvent::Done(Box::new(result), file));
            wake();
        })?;
        Ok(Job { label, started: Instant::now(), total_runs, cancel, events, progress, handle: Some(handle) })
    }

    /// Asks the job to stop; it stops within a chunk of work.
    pub fn cancel(&self) {
        self.cancel.cancel();
    }

    /// Whether cancel was asked.
    pub fn is_cancelling(&self) -> bool {
        self.cancel.is_cancelled()
    }

    /// Engine progress received since the last call (never blocks).
    pub fn drain_progress(&self) -> Vec<Progress> {
        self.progress.try_iter().collect()
    }

    /// Job events received since the last call (never blocks).
    pub fn drain_events(&self) -> Vec<JobEvent> {
        self.events.try_iter().collect()
    }
}

impl Drop for Job {
    fn drop(&mut self) {
        self.cancel.cancel();
        // Lifecycle events wait while the channel is full: drop the
        // receiver first, so that nothing waits on it during the join.
        self.progress = crossbeam_channel::never();
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}
