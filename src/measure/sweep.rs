//! A sweep: the sequential reference and a list of configurations, run in
//! one process with the repetitions interleaved (rep 1 of every
//! configuration, then rep 2, ...), so drift of the machine hits all alike.
//!
//! What is measured is a [`Subject`]: the registry's workloads
//! ([`run_sweep`]), or a program's own map-reduce (the harness,
//! [`super::scaling`]); both go through this one loop.

use std::time::Instant;

use crate::engine::{CallId, Config, FeederKind, Hooks, Outcome, Report, Run};
use crate::experiment::{Baseline, Experiment, RunRecord, Status, StopCause, WorkerRecord};
use crate::experiment::{Step, SweepPlan};
use crate::machine::load::{CpuClock, CpuShare};
use crate::stats::Summary;
use crate::workloads::{self, Computed, ResultValue, WorkloadError, WorkloadSpec};

/// Progress of a sweep, for a progress bar or the app.
#[derive(Clone, Debug, PartialEq)]
pub enum SweepEvent {
    /// A run is about to start.
    Starting {
        /// Runs done so far.
        done: usize,
        /// Runs in all.
        total: usize,
        /// What is starting, in words.
        label: String,
        /// Its configuration (`None` for the sequential reference).
        config: Option<Config>,
        /// Seconds since the sweep started.
        at_s: f64,
        /// Which timed repetition this is (0-based), or `None` for a warm-up.
        rep: Option<usize>,
        /// The id every progress event of this call will carry.
        call: CallId,
    },
}

/// What a sweep measures: how it runs one configuration and the sequential
/// reference, and how a result is checked against the reference's and kept.
pub(crate) trait Subject {
    /// A run's result.
    type Value;

    /// Builds what the runs of `spec` read, before anything is timed.
    fn warm(&mut self, _spec: &WorkloadSpec) {}

    /// One pass of a probe of this machine's memory bandwidth, for a
    /// workload that reads memory.
    fn probe_memory(&mut self, _spec: &WorkloadSpec, _cores: usize) -> Option<crate::workloads::bandwidth::Bandwidth> {
        None
    }

    /// The sequential reference of `spec` under `hooks`, and its time in seconds.
    ///
    /// # Errors
    /// It could not run; the sweep stops.
    fn reference(&mut self, spec: &WorkloadSpec, hooks: &Hooks) -> Result<(Self::Value, f64), WorkloadError>;

    /// One engine call of `spec`.
    ///
    /// # Errors
    /// It could not run; the sweep stops.
    fn run(&mut self, spec: &WorkloadSpec, call: Run<'_>) -> Result<Outcome<Self::Value>, WorkloadError>;

    /// Whether `got`, a run of `spec` with `config`, reproduces `reference`.
    ///
    /// # Errors
    /// A result that must stop the sweep (recorded as not verified first).
    fn verify(&mut self, spec: &WorkloadSpec, config: &Config, reference: &Self::Value, got: &Self::Value) -> Result<bool, WorkloadError>;

    /// The result as the experiment keeps it.
    fn value(&self, v: &Self::Value) -> ResultValue;
}

/// The registry's workloads: a spec names what runs.
struct Registry;

impl Subject for Registry {
    type Value = Computed;

    fn warm(&mut self, spec: &WorkloadSpec) {
        spec.name.workload().warm(spec);
    }

    fn probe_memory(&mut self, spec: &WorkloadSpec, cores: usize) -> Option<crate::workloads::bandwidth::Bandwidth> {
        spec.name.workload().probe_memory(spec, cores)
    }

    fn reference(&mut self, spec: &WorkloadSpec, hooks: &Hooks) -> Result<(Computed, f64), WorkloadError> {
        workloads::reference_timed(spec, hooks)
    }

    fn run(&mut self, spec: &WorkloadSpec, call: Run<'_>) -> Result<Outcome<Computed>, WorkloadError> {
        workloads::run(spec, call)
    }

    /// A wrong answer is recorded as not verified; measuring goes on.
    fn verify(&mut self, spec: &WorkloadSpec, _config: &Config, reference: &Computed, got: &Computed) -> Result<bool, WorkloadError> {
        Ok(spec.name.workload().verify(reference, got))
    }

    fn value(&self, v: &Computed) -> ResultValue {
        v.to_value()
    }
}

struct Acc<V> {
    step: usize,
    spec: WorkloadSpec,
    config: Config,
    times: Vec<f64>,
    verified: bool,
    result: Option<V>,
    reports: Vec<Report>,
    /// Per timed repetition, whether its timeline was cut to fit the experiment's limit.
    spans_cut: Vec<bool>,
    cpu: Vec<CpuShare>,
    /// Per timed repetition, what an outside program's process tree used.
    process: Vec<crate::program::TreeUse>,
}

/// One step's sequential reference: its timed repetitions and its result.
struct Reference<V> {
    times: Vec<f64>,
    result: Option<V>,
}

/// The most per-worker spans one experiment keeps (about 40 bytes each):
/// past it, later repetitions are recorded without their timelines.
pub const MAX_SPANS_PER_EXPERIMENT: usize = 250_000;

/// Keeps the earliest `room` spans of a run (by start time, so every worker
/// keeps the start of its timeline); returns whether any were dropped.
fn cut_spans(spans: &mut Vec<crate::engine::Span>, room: usize) -> bool {
    if spans.len() <= room {
        return false;
    }
    spans.sort_by(|a, b| a.start_s.total_cmp(&b.start_s));
    spans.truncate(room);
    true
}

/// Runs the sweep into `exp` (made by [`Experiment::start`]) and returns it,
/// complete or stopped. `hooks` go to every engine call (progress, cancel);
/// `on_event` hears each run start; `on_measured` gets the experiment after
/// every timed measurement, holding everything measured so far (the place
/// to save it).
///
/// Each problem size ([`SweepPlan::steps`]) has its own sequential
/// reference, timed in the same rounds as its runs.
///
/// A cancel (through `hooks`) or a failed run does not lose what was
/// measured: the experiment comes back stopped, with every finished
/// repetition and the reason in its status.
///
/// # Errors
/// Only a plan that does not validate or an input that cannot be read, before anything runs.
pub fn run_sweep(
    plan: &SweepPlan,
    exp: Experiment,
    hooks: &Hooks,
    on_event: impl FnMut(SweepEvent),
    on_measured: impl FnMut(&Experiment),
) -> Result<Experiment, WorkloadError> {
    sweep_of(&mut Registry, plan, exp, hooks, on_event, on_measured)
}

/// [`run_sweep`] of any [`Subject`]: the one loop every sweep goes through.
///
/// # Errors
/// As [`run_sweep`].
pub(crate) fn sweep_of<S: Subject>(
    subject: &mut S,
    plan: &SweepPlan,
    exp: Experiment,
    hooks: &Hooks,
    on_event: impl FnMut(SweepEvent),
    on_measured: impl FnMut(&Experiment),
) -> Result<Experiment, WorkloadError> {
    plan.validate()?;
    // A text that cannot be read twice is read once, here; a file is fingerprinted.
    let plan = &SweepPlan { workload: plan.workload.prepare_cancellable(&hooks.cancel.clone().unwrap_or_default())?, ..plan.clone() };
    let mut sweep = Sweep::new(subject, plan, exp, hooks, on_event, on_measured);
    let outcome = (0..plan.warmup + plan.reps).try_for_each(|round| sweep.round(round));
    Ok(sweep.finish(outcome))
}

/// A sweep under way: what it has measured so far and where it is.
struct Sweep<'p, S: Subject, E, M> {
    subject: &'p mut S,
    plan: &'p SweepPlan,
    hooks: &'p Hooks,
    steps: Vec<Step>,
    refs: Vec<Reference<S::Value>>,
    accs: Vec<Acc<S::Value>>,
    exp: Experiment,
    on_event: E,
    on_measured: M,
    /// Engine calls made (warm-ups included).
    done: usize,
    /// Timed measurements finished.
    measured: usize,
    spans_held: usize,
    origin: Instant,
}

impl<'p, S: Subject, E: FnMut(SweepEvent), M: FnMut(&Experiment)> Sweep<'p, S, E, M> {
    fn new(subject: &'p mut S, plan: &'p SweepPlan, exp: Experiment, hooks: &'p Hooks, on_event: E, on_measured: M) -> Self {
        let steps = plan.steps();
        // What the runs read is built before anything is timed (the largest size last, so it is the one kept).
        for step in &steps {
            subject.warm(&step.workload);
        }
        let refs = steps.iter().map(|_| Reference { times: vec![], result: None }).collect();
        let accs = plan
            .runs()
            .into_iter()
            .map(|(step, spec, config)| Acc {
                step,
                spec,
                config,
                times: vec![],
                verified: true,
                result: None,
                reports: vec![],
                spans_cut: vec![],
                cpu: vec![],
                process: vec![],
            })
            .collect();
        Sweep {
            subject,
            plan,
            hooks,
            steps,
            refs,
            accs,
            exp,
            on_event,
            on_measured,
            done: 0,
            measured: 0,
            spans_held: 0,
            origin: Instant::now(),
        }
    }

    /// One round: every step's reference, then its configurations in an
    /// order rotated each round, so no configuration always runs right after another.
    fn round(&mut self, round: usize) -> Result<(), WorkloadError> {
        for s in 0..self.steps.len() {
            self.reference(s, round)?;
            let mine: Vec<usize> = (0..self.accs.len()).filter(|&i| self.accs[i].step == s).collect();
            for k in 0..mine.len() {
                self.config(mine[(k + round) % mine.len()], round)?;
            }
        }
        Ok(())
    }

    /// The timed repetition of `round` (`None`: a warm-up).
    fn rep(&self, round: usize) -> Option<usize> {
        round.checked_sub(self.plan.warmup)
    }

    fn announce(&mut self, label: String, config: Option<Config>, round: usize, call: CallId) {
        let at_s = self.origin.elapsed().as_secs_f64();
        let event =
            SweepEvent::Starting { done: self.done, total: self.plan.total_runs(), label, config, at_s, rep: self.rep(round), call };
        (self.on_event)(event);
    }

    /// Step `s`'s sequential reference, timed like the runs (with a memory
    /// probe pass first for a workload that reads memory).
    fn reference(&mut self, s: usize, round: usize) -> Result<(), WorkloadError> {
        let ref_hooks = Hooks { call: CallId::next(), ..self.hooks.clone() };
        let what = match self.steps[s].grown_for {
            None => "sequential reference".to_string(),
            Some(p) => format!("sequential reference, {} for {p} threads", crate::experiment::weak::size_words(&self.steps[s].workload)),
        };
        self.announce(what, None, round, ref_hooks.call);
        if self.hooks.cancel.as_ref().is_some_and(|c| c.is_cancelled()) {
            return Err(cancel_error());
        }
        if s == 0 {
            self.probe_memory();
        }
        let (r, t) = self.subject.reference(&self.steps[s].workload, &ref_hooks)?;
        self.refs[s].result.get_or_insert(r);
        self.done += 1;
        if self.rep(round).is_some() {
            self.refs[s].times.push(t);
            self.measured_one();
        }
        Ok(())
    }

    /// A workload that reads memory: one probe pass per round, between the runs, the best kept.
    fn probe_memory(&mut self) {
        if let Some(b) = self.subject.probe_memory(&self.steps[0].workload, self.exp.machine.logical_cores) {
            match &mut self.exp.bandwidth {
                Some(held) => held.merge(&b),
                None => self.exp.bandwidth = Some(b),
            }
        }
    }

    /// One call of configuration `i`; recorded when the round is timed.
    fn config(&mut self, i: usize, round: usize) -> Result<(), WorkloadError> {
        let timed = self.rep(round).is_some();
        let step = &self.steps[self.accs[i].step];
        let label = match step.grown_for {
            None => label(&self.accs[i].spec, &self.accs[i].config),
            Some(_) => {
                format!("{}, {}", label(&self.accs[i].spec, &self.accs[i].config), crate::experiment::weak::size_words(&step.workload))
            }
        };
        let config = self.accs[i].config;
        let call = Run::new(&config).hooks(self.hooks.clone()).record_spans(self.plan.spans && timed);
        self.announce(label, Some(config), round, call.id());
        // /proc is read before and after, outside the timed region.
        let clock = if timed { CpuClock::now() } else { None };
        let out = self.subject.run(&self.accs[i].spec, call)?;
        let share = clock.and_then(|c| Some(CpuClock::now()?.share_since(&c)));
        self.done += 1;
        if timed {
            let verdict = self.record(i, out, share);
            self.measured_one();
            verdict?;
        }
        Ok(())
    }

    /// Adds a timed repetition of configuration `i`: its time, result, report
    /// and CPU share. An error: the subject found a result that stops the
    /// sweep (recorded as not verified).
    fn record(&mut self, i: usize, mut out: Outcome<S::Value>, share: Option<CpuShare>) -> Result<(), WorkloadError> {
        // Neighbouring spans merged to what a picture can show, then cut to
        // what the experiment holds in memory.
        super::thin::thin(&mut out.report.spans);
        let cut = cut_spans(&mut out.report.spans, MAX_SPANS_PER_EXPERIMENT.saturating_sub(self.spans_held));
        self.spans_held += out.report.spans.len();
        let reference = self.refs[self.accs[i].step].result.as_ref();
        let verdict = match reference {
            Some(r) => self.subject.verify(&self.accs[i].spec, &self.accs[i].config, r, &out.value),
            None => Ok(false),
        };
        let acc = &mut self.accs[i];
        acc.times.push(out.report.wall_s);
        acc.verified &= matches!(verdict, Ok(true));
        acc.result = Some(out.value);
        acc.process.extend(out.report.process);
        acc.reports.push(out.report);
        acc.spans_cut.push(cut);
        if let Some(mut share) = share
            && acc.cpu.len() + 1 == acc.times.len()
        {
            // An outside program's own process tree is the run, not outside load.
            if let Some(p) = acc.process.last().filter(|_| acc.process.len() == acc.times.len()) {
                share.other_processes = (share.other_processes - p.cores_used()).max(0.0);
            }
            acc.cpu.push(share);
        }
        verdict.map(|_| ())
    }

    /// A timed measurement ended: the experiment gets it, and is handed out to be saved.
    fn measured_one(&mut self) {
        self.measured += 1;
        let status = running(self.measured, self.plan.total_measurements());
        write_into(&mut self.exp, &*self.subject, &self.steps, &self.refs, &self.accs, status);
        (self.on_measured)(&self.exp);
    }

    /// The experiment, complete or stopped with why.
    fn finish(mut self, outcome: Result<(), WorkloadError>) -> Experiment {
        let (done, total) = (self.measured, self.plan.total_measurements());
        let status = match outcome {
            Ok(()) => Status::Complete,
            Err(WorkloadError::Engine(crate::engine::EngineError::Cancelled { .. })) => {
                Status::Stopped { done, total, by: StopCause::User }
            }
            Err(e) => Status::Stopped { done, total, by: StopCause::Error { message: e.to_string() } },
        };
        write_into(&mut self.exp, &*self.subject, &self.steps, &self.refs, &self.accs, status);
        self.exp
    }
}

fn cancel_error() -> WorkloadError {
    WorkloadError::Engine(crate::engine::EngineError::Cancelled { items_done: 0, workers: vec![] })
}

/// What a run of `spec` with `c` is called: [`describe`] for the workloads
/// on the feeders, `ordered x2, chunk 1024` or `chunked, chunk 8192` for
/// those with their own design.
pub fn label(spec: &WorkloadSpec, c: &Config) -> String {
    let design = spec.name.design();
    if let Some(command) = &spec.command {
        return format!("{} x{}", command.program(), c.threads);
    }
    match spec.variant() {
        Some(v) => {
            let threads = if design.threads_param().is_some() { String::new() } else { format!(" x{}", c.threads) };
            format!("{v}{threads}, chunk {}", c.chunk)
        }
        _ => describe(c),
    }
}

/// `dispenser x2, chunk 1000` and the like.
pub fn describe(c: &Config) -> String {
    let gil = if c.gil { ", GIL" } else { "" };
    match c.feeder {
        FeederKind::Sequential => format!("sequential{gil}"),
        FeederKind::Locked | FeederKind::Rayon => format!("{} x{}{gil}", c.feeder, c.threads),
        _ => format!("{} x{}, chunk {}{gil}", c.feeder, c.threads, c.chunk),
    }
}

/// The status of an experiment `done` of `total` measurements in, in this process.
fn running(done: usize, total: usize) -> Status {
    Status::Running { done, total, pid: std::process::id() }
}

/// Writes what was measured so far into `exp`, with `status`: the strong
/// step into its baseline and runs, the weak steps into [`Experiment::weak`].
fn write_into<S: Subject>(
    exp: &mut Experiment,
    subject: &S,
    steps: &[Step],
    refs: &[Reference<S::Value>],
    accs: &[Acc<S::Value>],
    status: Status,
) {
    exp.status = status;
    for (s, step) in steps.iter().enumerate() {
        let (baseline, runs) = records(subject, &refs[s], accs.iter().filter(|a| a.step == s));
        match step.grown_for {
            None => {
                if baseline.is_some() {
                    exp.baseline = baseline;
                    exp.runs = runs;
                }
            }
            Some(p) => {
                let weak = exp.weak.get_or_insert_with(|| crate::experiment::weak::Weak::of(&steps[0].workload));
                let at = weak.steps.iter().position(|w| w.threads == p).unwrap_or_else(|| {
                    weak.steps.push(crate::experiment::weak::WeakStep::new(p, &step.workload));
                    weak.steps.len() - 1
                });
                weak.steps[at].baseline = baseline;
                weak.steps[at].runs = runs;
            }
        }
    }
}

/// One step's baseline and run records, from its reference and its runs'
/// repetitions; nothing until the reference has a timed repetition.
fn records<'a, S: Subject>(
    subject: &S,
    reference: &Reference<S::Value>,
    accs: impl Iterator<Item = &'a Acc<S::Value>>,
) -> (Option<Baseline>, Vec<RunRecord>)
where
    S::Value: 'a,
{
    let Some(result) = reference.result.as_ref().filter(|_| !reference.times.is_empty()) else {
        return (None, Vec::new());
    };
    let base = Summary::of(&reference.times);
    let reference_value = subject.value(result);
    let baseline = Baseline { median_s: base.median, times_s: reference.times.clone(), result: reference_value.clone() };
    let runs = accs
        .filter(|a| !a.times.is_empty())
        .map(|a| {
            // The repetition closest to the median tells the per-worker story.
            let median = Summary::of(&a.times).median;
            let mid = a.times.iter().enumerate().min_by(|x, y| (x.1 - median).abs().total_cmp(&(y.1 - median).abs())).map_or(0, |(i, _)| i);
            let report = &a.reports[mid];
            let value = a.result.as_ref().map_or_else(|| reference_value.clone(), |v| subject.value(v));
            RunRecord {
                workers: report
                    .workers
                    .iter()
                    .map(|w| WorkerRecord { items: w.items, chunks: w.chunks, busy_s: w.busy_s, wait_s: w.wait_s, pull_s: w.pull_s })
                    .collect(),
                used: report.used(),
                ran: Some(report.ran),
                plan: report.plan(),
                switches: report.switches.clone(),
                spans: report.spans.clone(),
                spans_cut: a.spans_cut.get(mid).copied().unwrap_or(false),
                variant: a.spec.variant(),
                phases: report.phases.clone(),
                buffer: report.buffer.clone(),
                cpu: if a.cpu.len() == a.times.len() { a.cpu.clone() } else { Vec::new() },
                process: if a.process.len() == a.times.len() { a.process.clone() } else { Vec::new() },
                ..RunRecord::measured(&a.config, &a.times, base.median, value, a.verified)
            }
        })
        .collect();
    (Some(baseline), runs)
}
