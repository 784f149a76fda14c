//! A sweep: the sequential reference and a list of configurations, run in
//! one process with the repetitions interleaved (rep 1 of every
//! configuration, then rep 2, ...), so drift of the machine hits all alike.

use std::time::Instant;

use super::load::{CpuClock, CpuShare};
use super::stats::Summary;
use crate::engine::{CallId, Chunk, ChunkSize, Config, FeederKind, Hooks, Report, Run, Threads};
use crate::experiment::{Baseline, Experiment, RunRecord, Status, StopCause, WorkerRecord};
use crate::workloads::{self, Computed, Variant, WorkloadError, WorkloadSpec};

/// What to measure.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepPlan {
    /// The workload and its parameters.
    pub workload: WorkloadSpec,
    /// Feeders to compare.
    pub feeders: Vec<FeederKind>,
    /// Thread counts.
    pub threads: Vec<Threads>,
    /// Chunk sizes.
    pub chunks: Vec<ChunkSize>,
    /// GIL settings (usually just `[false]`).
    pub gil: Vec<bool>,
    /// Timed repetitions per configuration.
    pub reps: usize,
    /// Untimed warm-up runs per configuration.
    pub warmup: usize,
    /// Record per-worker spans of the median repetition.
    pub spans: bool,
    /// Variants to compare (`ordered-map`, `aggregates`); empty runs the
    /// workload's own variant (the one set, or its default).
    pub variants: Vec<Variant>,
    /// Weak scaling as well: every thread count `p` above one also runs at
    /// `n x p` against its own sequential reference at that size
    /// ([`crate::metrics::weak`]).
    pub weak: bool,
}

/// One problem size of a sweep: the workload at that size, timed against
/// its own sequential reference, and the configurations run at it.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// The workload at this size (variants are applied per run).
    pub workload: WorkloadSpec,
    /// `None` for the strong sweep at the size asked; `Some(p)` for the
    /// weak step whose size grew with `p` threads.
    pub grown_for: Option<usize>,
    /// What runs at this size.
    pub configs: Vec<Config>,
}

impl SweepPlan {
    /// One configuration per combination, without duplicates: feeders that
    /// ignore the chunk size (`locked`, `rayon`, `sequential`) run once per
    /// thread count, and `sequential` once in all.
    ///
    /// Workloads with their own design (`ordered-map`, `aggregates`) ignore
    /// the feeder and the GIL: they run once, recorded with the feeder their
    /// design resembles and no GIL. `aggregates` fixes the thread count
    /// itself (one thread per aggregate).
    pub fn configs(&self) -> Vec<Config> {
        let own = self.workload.name.design().recorded_feeder().map(|f| vec![f]);
        let feeders = own.as_ref().unwrap_or(&self.feeders);
        let fixed = self.workload.fixed_threads().map(|t| vec![t]);
        let thread_list = fixed.as_ref().unwrap_or(&self.threads);
        let gils = if own.is_some() { &[false][..] } else { &self.gil[..] };
        let mut out: Vec<Config> = Vec::new();
        for &gil in gils {
            for &feeder in feeders {
                for &threads in thread_list {
                    for &chunk in &self.chunks {
                        let (threads, chunk) = match feeder {
                            _ if own.is_some() => (threads, chunk),
                            FeederKind::Sequential => (Threads::ONE, ChunkSize::Auto),
                            FeederKind::Locked => (threads, ChunkSize::Fixed(Chunk::ONE)),
                            FeederKind::Rayon => (threads, ChunkSize::Auto),
                            _ => (threads, chunk),
                        };
                        let c = Config { threads, chunk, feeder, gil };
                        if !out.contains(&c) {
                            out.push(c);
                        }
                    }
                }
            }
        }
        out
    }

    /// The workload once per variant to run.
    pub fn specs(&self) -> Vec<WorkloadSpec> {
        if self.variants.is_empty() {
            let mut spec = self.workload.clone();
            spec.variant = spec.variant();
            return vec![spec];
        }
        self.variants.iter().map(|&v| self.workload.clone().with_variant(v)).collect()
    }

    /// The problem sizes: the strong sweep first, then with [`SweepPlan::weak`]
    /// one step per thread count above one, its size parameter multiplied
    /// by the threads and only that thread count's configurations in it.
    /// A weak step whose size would not validate is still listed;
    /// [`SweepPlan::validate`] refuses it.
    pub fn steps(&self) -> Vec<Step> {
        let configs = self.configs();
        let mut out = vec![Step { workload: self.workload.clone(), grown_for: None, configs: configs.clone() }];
        if self.weak {
            let mut counts: Vec<usize> = configs.iter().map(|c| c.threads.get()).filter(|&p| p > 1).collect();
            counts.sort_unstable();
            counts.dedup();
            for p in counts {
                out.push(Step {
                    workload: super::weak::grown(&self.workload, p),
                    grown_for: Some(p),
                    configs: configs.iter().copied().filter(|c| c.threads.get() == p).collect(),
                });
            }
        }
        out
    }

    /// Every run of the sweep but the references: (step index, the workload
    /// with its variant at that step's size, configuration).
    pub fn runs(&self) -> Vec<(usize, WorkloadSpec, Config)> {
        let variants = self.specs();
        let mut out = Vec::new();
        for (i, step) in self.steps().into_iter().enumerate() {
            for v in &variants {
                let spec = WorkloadSpec { variant: v.variant, ..step.workload.clone() };
                out.extend(step.configs.iter().map(|&c| (i, spec.clone(), c)));
            }
        }
        out
    }

    /// Engine calls the sweep makes, reference runs included.
    pub fn total_runs(&self) -> usize {
        (self.runs().len() + self.steps().len()) * (self.reps + self.warmup)
    }

    /// Timed measurements the sweep makes (one repetition of one
    /// configuration, the references included): the `total` of an
    /// experiment's status.
    pub fn total_measurements(&self) -> usize {
        (self.runs().len() + self.steps().len()) * self.reps
    }

    /// Checks every configuration and the workload before anything runs.
    ///
    /// # Errors
    /// The first bad configuration or parameter.
    pub fn validate(&self) -> Result<(), WorkloadError> {
        if self.reps == 0 {
            return Err(WorkloadError::Param { name: "reps", value: 0, min: 1, max: 1000 });
        }
        for (empty, what) in [
            (self.feeders.is_empty(), "feeders"),
            (self.threads.is_empty(), "thread counts"),
            (self.chunks.is_empty(), "chunk sizes"),
            (self.gil.is_empty(), "GIL settings"),
        ] {
            if empty {
                return Err(WorkloadError::EmptyList(what));
            }
        }
        for spec in self.specs() {
            spec.validate()?;
        }
        self.workload.validate()?;
        // An empty input runs (the engine handles it), but there is nothing to time.
        if self.workload.file.is_none() && self.workload.params.get("n") == Some(0) {
            let max = self.workload.name.info().params.iter().find(|p| p.name == "n").map_or(u64::MAX, |p| p.max);
            return Err(WorkloadError::Param { name: "n", value: 0, min: 1, max });
        }
        if self.weak {
            super::weak::check(&self.workload)?;
            for step in self.steps() {
                step.workload.validate().map_err(|e| super::weak::too_big(&self.workload, step.grown_for, e))?;
            }
        }
        Ok(())
    }
}

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

struct Acc {
    step: usize,
    spec: WorkloadSpec,
    config: Config,
    times: Vec<f64>,
    verified: bool,
    result: Option<Computed>,
    reports: Vec<Report>,
    /// Per timed repetition, whether its timeline was cut to fit the experiment's limit.
    spans_cut: Vec<bool>,
    cpu: Vec<CpuShare>,
}

/// One step's sequential reference: its timed repetitions and its result.
#[derive(Default)]
struct Reference {
    times: Vec<f64>,
    result: Option<Computed>,
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
    mut exp: Experiment,
    hooks: &Hooks,
    mut on_event: impl FnMut(SweepEvent),
    mut on_measured: impl FnMut(&Experiment),
) -> Result<Experiment, WorkloadError> {
    plan.validate()?;
    // A text that cannot be read twice is read once, here; a file is fingerprinted.
    let plan = &SweepPlan { workload: plan.workload.prepare_cancellable(&hooks.cancel.clone().unwrap_or_default())?, ..plan.clone() };
    let steps = plan.steps();
    // What the runs read is built before anything is timed (the largest size last, so it is the one kept).
    for step in &steps {
        step.workload.name.workload().warm(&step.workload);
    }
    let total = plan.total_runs();
    let measurements = plan.total_measurements();
    let mut done = 0;
    let mut measured = 0;
    let mut refs: Vec<Reference> = steps.iter().map(|_| Reference::default()).collect();
    let mut accs: Vec<Acc> = plan
        .runs()
        .into_iter()
        .map(|(step, spec, config)| Acc { step, spec, config, times: vec![], verified: true, result: None, reports: vec![], spans_cut: vec![], cpu: vec![] })
        .collect();
    let cancelled = || hooks.cancel.as_ref().is_some_and(|c| c.is_cancelled());
    let mut spans_held = 0usize;
    let origin = Instant::now();

    let outcome: Result<(), WorkloadError> = (|| {
        for round in 0..plan.warmup + plan.reps {
            let timed = round >= plan.warmup;
            let rep = round.checked_sub(plan.warmup);
            let at = || origin.elapsed().as_secs_f64();
            for (s, step) in steps.iter().enumerate() {
                // The reference first, timed like the others.
                let ref_hooks = Hooks { call: CallId::next(), ..hooks.clone() };
                let what = match step.grown_for {
                    None => "sequential reference".to_string(),
                    Some(p) => format!("sequential reference, {} for {p} threads", super::weak::size_words(&step.workload)),
                };
                on_event(SweepEvent::Starting { done, total, label: what, config: None, at_s: at(), rep, call: ref_hooks.call });
                if cancelled() {
                    return Err(cancel_error());
                }
                // A workload that reads memory: one probe pass per round, between the runs, the best kept.
                if s == 0
                    && let Some(b) = step.workload.name.workload().probe_memory(&step.workload, exp.machine.logical_cores)
                {
                    match &mut exp.bandwidth {
                        Some(held) => held.merge(&b),
                        None => exp.bandwidth = Some(b),
                    }
                }
                let t0 = Instant::now();
                let r = workloads::reference_watched(&step.workload, &ref_hooks)?;
                let t = t0.elapsed().as_secs_f64();
                refs[s].result.get_or_insert(r);
                done += 1;
                if timed {
                    refs[s].times.push(t);
                    measured += 1;
                    fill(&mut exp, &steps, &refs, &accs, running(measured, measurements));
                    on_measured(&exp);
                }
                // Rotate the order each round so no configuration always runs right after another.
                let mine: Vec<usize> = (0..accs.len()).filter(|&i| accs[i].step == s).collect();
                let n = mine.len();
                for k in 0..n {
                    let i = mine[(k + round) % n];
                    let label = match step.grown_for {
                        None => label(&accs[i].spec, &accs[i].config),
                        Some(_) => format!("{}, {}", label(&accs[i].spec, &accs[i].config), super::weak::size_words(&step.workload)),
                    };
                    let call = Run::new(&accs[i].config).hooks(hooks.clone()).record_spans(plan.spans && timed);
                    on_event(SweepEvent::Starting { done, total, label, config: Some(accs[i].config), at_s: at(), rep, call: call.id() });
                    // /proc is read before and after, outside the timed region.
                    let clock = if timed { CpuClock::now() } else { None };
                    let mut out = workloads::run(&accs[i].spec, call)?;
                    let share = clock.and_then(|c| Some(CpuClock::now()?.share_since(&c)));
                    done += 1;
                    if !timed {
                        continue;
                    }
                    let cut = cut_spans(&mut out.report.spans, MAX_SPANS_PER_EXPERIMENT.saturating_sub(spans_held));
                    spans_held += out.report.spans.len();
                    let acc = &mut accs[i];
                    acc.times.push(out.report.wall_s);
                    acc.verified &= refs[s].result.as_ref().is_some_and(|r| acc.spec.name.workload().verify(r, &out.value));
                    acc.result = Some(out.value);
                    acc.reports.push(out.report);
                    acc.spans_cut.push(cut);
                    if let Some(share) = share
                        && acc.cpu.len() + 1 == acc.times.len()
                    {
                        acc.cpu.push(share);
                    }
                    measured += 1;
                    fill(&mut exp, &steps, &refs, &accs, running(measured, measurements));
                    on_measured(&exp);
                }
            }
        }
        Ok(())
    })();
    let status = match outcome {
        Ok(()) => Status::Complete,
        Err(WorkloadError::Engine(crate::engine::EngineError::Cancelled { .. })) => {
            Status::Stopped { done: measured, total: measurements, by: StopCause::User }
        }
        Err(e) => Status::Stopped { done: measured, total: measurements, by: StopCause::Error { message: e.to_string() } },
    };
    fill(&mut exp, &steps, &refs, &accs, status);
    Ok(exp)
}

fn cancel_error() -> WorkloadError {
    WorkloadError::Engine(crate::engine::EngineError::Cancelled { items_done: 0, workers: vec![] })
}

/// What a run of `spec` with `c` is called: [`describe`] for the workloads
/// on the feeders, `ordered x2, chunk 1024` or `chunked, chunk 8192` for
/// those with their own design.
pub fn label(spec: &WorkloadSpec, c: &Config) -> String {
    let design = spec.name.design();
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
fn fill(exp: &mut Experiment, steps: &[Step], refs: &[Reference], accs: &[Acc], status: Status) {
    exp.status = status;
    for (s, step) in steps.iter().enumerate() {
        let (baseline, runs) = records(&refs[s], accs.iter().filter(|a| a.step == s));
        match step.grown_for {
            None => {
                if baseline.is_some() {
                    exp.baseline = baseline;
                    exp.runs = runs;
                }
            }
            Some(p) => {
                let weak = exp.weak.get_or_insert_with(|| super::weak::Weak::of(&steps[0].workload));
                let at = weak.steps.iter().position(|w| w.threads == p).unwrap_or_else(|| {
                    weak.steps.push(super::weak::WeakStep::new(p, &step.workload));
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
fn records<'a>(reference: &Reference, accs: impl Iterator<Item = &'a Acc>) -> (Option<Baseline>, Vec<RunRecord>) {
    let Some(result) = reference.result.as_ref().filter(|_| !reference.times.is_empty()) else {
        return (None, Vec::new());
    };
    let base = Summary::of(&reference.times);
    let baseline = Baseline { median_s: base.median, times_s: reference.times.clone(), result: result.to_value() };
    let runs = accs
        .filter(|a| !a.times.is_empty())
        .map(|a| {
            // The repetition closest to the median tells the per-worker story.
            let median = Summary::of(&a.times).median;
            let mid = a.times.iter().enumerate().min_by(|x, y| (x.1 - median).abs().total_cmp(&(y.1 - median).abs())).map_or(0, |(i, _)| i);
            let report = &a.reports[mid];
            let value = a.result.as_ref().map_or(result.to_value(), Computed::to_value);
            RunRecord {
                workers: report
                    .workers
                    .iter()
                    .map(|w| WorkerRecord { items: w.items, chunks: w.chunks, busy_s: w.busy_s, wait_s: w.wait_s })
                    .collect(),
                used: report.used.clone(),
                ran: Some(report.ran),
                plan: report.plan.clone(),
                switches: report.switches.clone(),
                spans: report.spans.clone(),
                spans_cut: a.spans_cut.get(mid).copied().unwrap_or(false),
                variant: a.spec.variant(),
                phases: report.phases.clone(),
                buffer: report.buffer.clone(),
                cpu: if a.cpu.len() == a.times.len() { a.cpu.clone() } else { Vec::new() },
                ..RunRecord::measured(&a.config, &a.times, base.median, value, a.verified)
            }
        })
        .collect();
    (Some(baseline), runs)
}
