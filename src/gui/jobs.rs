//! Job control: starts at most one job, takes in what it reports each frame
//! (never blocking), keeps the live picture of the experiment, and says how
//! often the window should redraw so that drawing does not disturb the
//! measurement.

use std::time::Duration;

use super::live::LiveExperiment;
use super::runner::{Job, JobEvent};
use super::state::JobKind;
use crate::experiment::SweepPlan;
use crate::experiment::{Experiment, Library};
use crate::measure::SweepEvent;
use crate::workloads::WorkloadError;

/// The job (if any) and what the live view shows of it.
#[derive(Debug, Default)]
pub struct Jobs {
    /// The running job.
    pub job: Option<Job>,
    /// The live picture of the experiment (kept after it ends, until the next).
    pub live: LiveExperiment,
    /// Engine calls of the current job finished so far.
    pub runs_done: usize,
    /// What the job is running now, in words.
    pub current: String,
    /// The timed repetition of the call announced last (`None`: a warm-up).
    pub rep: Option<usize>,
    /// The workload of the job started last (its description explains the live picture).
    pub workload: Option<crate::workloads::WorkloadKind>,
    /// The command of the job started last, when it runs a program: its
    /// lanes are the program's threads, and its CPU use is shown, not items.
    pub program: Option<crate::program::CommandSpec>,
}

/// A job that ended, as [`Jobs::poll`] reports it.
#[derive(Debug)]
pub struct Ended {
    /// The experiment, complete or stopped, or why the job could not start.
    pub result: Result<Experiment, WorkloadError>,
    /// Its file in the library (`None` where it could not be kept).
    pub file: Option<std::path::PathBuf>,
    /// Seconds it ran.
    pub elapsed_s: f64,
    /// Engine calls it meant to make, and made.
    pub total_runs: usize,
    /// See `total_runs`.
    pub runs_done: usize,
    /// Items the last (perhaps interrupted) call had mapped.
    pub items: u64,
}

/// What happened since the last frame.
#[derive(Debug, Default)]
pub struct Polled {
    /// The job ended.
    pub ended: Option<Ended>,
    /// The library could not be written (reported once per job).
    pub save_failed: Option<String>,
}

/// How often the window redraws while the first timed repetition (and any
/// warm-up) runs: the live picture is drawn at full rate.
pub const LIVE_REDRAW: Duration = Duration::from_millis(200);
/// How often it redraws on its own during later repetitions: next to
/// never. The job wakes it between calls instead (see
/// [`super::runner::SETTLE`]), so that it draws while nothing is timed.
pub const QUIET_REDRAW: Duration = Duration::from_secs(10);

impl Jobs {
    /// Whether a job runs.
    pub fn is_running(&self) -> bool {
        self.job.is_some()
    }

    /// Starts `plan` as a new experiment; `wake` asks the window to redraw.
    ///
    /// # Errors
    /// A job runs already, the plan is invalid, or no thread could start; the text says which.
    pub fn start(
        &mut self,
        kind: JobKind,
        plan: SweepPlan,
        lesson: Option<&'static str>,
        library: Option<Library>,
        quiet: bool,
        wake: impl Fn() + Send + 'static,
    ) -> Result<String, String> {
        if self.job.is_some() {
            return Err("A job is already running: cancel it first.".into());
        }
        plan.validate().map_err(|e| format!("Cannot start: {e}"))?;
        // The same memory budget as the CLI's default (the app has no flag to raise it).
        plan.check_memory(crate::measure::budget::MemoryBudget::default_for_machine()).map_err(|e| format!("Cannot start: {e}"))?;
        let label = kind.label(&plan);
        self.workload = Some(plan.workload.name);
        self.program = plan.workload.command.clone();
        let job =
            Job::start(label.clone(), lesson, plan, library, quiet, wake).map_err(|e| format!("Could not start the job's thread: {e}"))?;
        self.job = Some(job);
        self.runs_done = 0;
        self.rep = None;
        self.live = LiveExperiment::new("starting");
        Ok(label)
    }

    /// Asks the running job to stop; true when one was running.
    pub fn cancel(&self) -> bool {
        self.job.as_ref().inspect(|j| j.cancel()).is_some()
    }

    /// Takes in what the job sent since the last call. Never blocks.
    pub fn poll(&mut self) -> Polled {
        let Some(job) = &self.job else { return Polled::default() };
        // Progress first (a snapshot), then the sweep's events: every call's
        // `Starting` is sent before its first progress event, so each
        // `Started` in this snapshot finds its label announced.
        let progress = job.drain_progress();
        let mut polled = Polled::default();
        let mut done = None;
        for e in job.drain_events() {
            match e {
                JobEvent::Sweep(SweepEvent::Starting { done: d, label, at_s, rep, call, .. }) => {
                    self.runs_done = d;
                    self.current = label.clone();
                    self.rep = rep;
                    self.live.expect(call, label, at_s, rep);
                }
                JobEvent::Done(r, file) => done = Some((*r, file)),
                JobEvent::SaveFailed(e) => polled.save_failed = Some(e),
            }
        }
        for e in &progress {
            self.live.apply(e);
        }
        if let Some((result, file)) = done {
            let ended = Ended {
                result,
                file,
                elapsed_s: job.started.elapsed().as_secs_f64(),
                total_runs: job.total_runs,
                runs_done: self.runs_done,
                items: self.live.current.items(),
            };
            self.job = None; // its thread has ended: this join is immediate
            polled.ended = Some(ended);
        }
        polled
    }

    /// How soon to redraw while a job runs (`None` when none runs).
    /// With `quiet`, always rarely.
    pub fn redraw_every(&self, quiet: bool) -> Option<Duration> {
        self.job.as_ref()?;
        let later_rep = self.rep.is_some_and(|r| r > 0);
        Some(if quiet || later_rep { QUIET_REDRAW } else { LIVE_REDRAW })
    }

    /// Stops and joins the job (closing the window mid-run).
    pub fn shutdown(&mut self) {
        if let Some(job) = self.job.take() {
            job.cancel();
            drop(job); // joins the job thread, which joins every worker
        }
    }
}
