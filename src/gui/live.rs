//! The live view's data: built from progress events by pure functions.

use crate::engine::{CallId, Phase, Progress, ProgressEvent, WorkerStats};

/// One engine call as it runs.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LiveRun {
    /// What is running, for people.
    pub label: String,
    /// What the engine says ran (after `auto` decided).
    pub used: String,
    /// `auto`'s plan, when it made one.
    pub plan: Option<String>,
    /// Latest snapshot per worker.
    pub workers: Vec<WorkerStats>,
    /// Per worker: (seconds since the call began, items done).
    pub history: Vec<Vec<(f64, u64)>>,
    /// Per worker: (seconds since the call began, its CPU time so far in
    /// microseconds); what a program's threads report (their items stay 0).
    pub cpu_us: Vec<Vec<(f64, u64)>>,
    /// Seconds since the call began, at the latest event.
    pub elapsed_s: f64,
    /// Whether `Finished` arrived.
    pub finished: bool,
    /// The phases of a keyed map-reduce, in the order they started.
    pub phases: Vec<PhaseProgress>,
    /// Buffer occupancy over time: (seconds, held, of which waiting for an earlier chunk).
    pub occupancy: Vec<(f64, u64, u64)>,
    /// The buffer's bound (`None`: unbounded) and unit, once reported.
    pub occupancy_bound: Option<(Option<u64>, &'static str)>,
}

/// How far one phase has come.
#[derive(Clone, Debug, PartialEq)]
pub struct PhaseProgress {
    /// Which phase.
    pub phase: Phase,
    /// Units done.
    pub done: u64,
    /// Units in all, when known.
    pub total: Option<u64>,
    /// When it was first and last reported, seconds since the call began.
    pub start_s: f64,
    /// See `start_s`.
    pub last_s: f64,
}

/// Occupancy samples kept per call (20 ms apart: about 7 minutes before thinning).
pub const MAX_OCCUPANCY_POINTS: usize = 20_000;

impl LiveRun {
    /// A new run, before any event.
    pub fn new(label: impl Into<String>) -> Self {
        LiveRun { label: label.into(), ..Default::default() }
    }

    /// Takes one event into account.
    pub fn apply(&mut self, event: &ProgressEvent) {
        match event {
            ProgressEvent::Started { workers, feeder, .. } => {
                // A keyed call reports its map phase before the engine starts.
                let label = std::mem::take(&mut self.label);
                let phases = std::mem::take(&mut self.phases);
                *self = LiveRun { phases, ..LiveRun::new(label) };
                self.used = feeder.clone();
                self.ensure(*workers);
            }
            ProgressEvent::Decided { feeder, plan } => {
                // auto decided: keep the history, name what ran.
                self.plan = Some(plan.clone());
                self.used = feeder.clone();
            }
            ProgressEvent::Worker { elapsed, stats } => {
                self.ensure(stats.worker + 1);
                self.elapsed_s = self.elapsed_s.max(elapsed.as_secs_f64());
                self.workers[stats.worker] = *stats;
                self.history[stats.worker].push((elapsed.as_secs_f64(), stats.items));
                self.cpu_us[stats.worker].push((elapsed.as_secs_f64(), micros(stats.busy_s)));
            }
            ProgressEvent::Phase { elapsed, phase, done, total } => {
                let t = elapsed.as_secs_f64();
                self.elapsed_s = self.elapsed_s.max(t);
                if *phase == Phase::Map && *done == 0 {
                    // A new keyed call begins (before its `Started`): drop the last call's phases.
                    self.phases.clear();
                }
                match self.phases.iter_mut().find(|p| p.phase == *phase) {
                    Some(p) => {
                        (p.done, p.total, p.last_s) = (*done, *total, t);
                    }
                    None => self.phases.push(PhaseProgress { phase: *phase, done: *done, total: *total, start_s: t, last_s: t }),
                }
            }
            ProgressEvent::Occupancy { elapsed, held, waiting, bound, unit } => {
                let t = elapsed.as_secs_f64();
                self.elapsed_s = self.elapsed_s.max(t);
                self.occupancy.push((t, *held, *waiting));
                if self.occupancy.len() > MAX_OCCUPANCY_POINTS {
                    // A long run: keep every other sample, so memory and drawing stay bounded.
                    let mut i = 0;
                    self.occupancy.retain(|_| {
                        i += 1;
                        i % 2 == 1
                    });
                }
                self.occupancy_bound = Some((*bound, unit));
            }
            ProgressEvent::Finished { elapsed, workers, .. } => {
                self.ensure(workers.len());
                self.elapsed_s = elapsed.as_secs_f64();
                for w in workers {
                    self.workers[w.worker] = *w;
                    self.history[w.worker].push((self.elapsed_s, w.items));
                    self.cpu_us[w.worker].push((self.elapsed_s, micros(w.busy_s)));
                }
                self.finished = true;
            }
        }
    }

    fn ensure(&mut self, n: usize) {
        while self.workers.len() < n {
            let worker = self.workers.len();
            self.workers.push(WorkerStats { worker, ..Default::default() });
            self.history.push(vec![(0.0, 0)]);
            self.cpu_us.push(vec![(0.0, 0)]);
        }
    }

    /// Items done by all workers.
    pub fn items(&self) -> u64 {
        self.workers.iter().map(|w| w.items).sum()
    }

    /// Whether it is the sequential reference: the engine's workloads name
    /// it as the feeder; a program's reference is the program, so its
    /// label (the sweep's) says it.
    pub fn is_reference(&self) -> bool {
        self.used == crate::workloads::REFERENCE || self.label.starts_with(crate::workloads::REFERENCE)
    }

    /// CPU seconds of all workers (of a program: all its threads).
    pub fn cpu_s(&self) -> f64 {
        self.workers.iter().map(|w| w.busy_s).sum()
    }

    /// Cores kept busy on average so far: CPU time over elapsed time.
    pub fn cores(&self) -> Option<f64> {
        let cpu = self.cpu_s();
        (self.elapsed_s > 0.0 && cpu > 0.0).then(|| cpu / self.elapsed_s)
    }
}

/// Seconds as whole microseconds (what the CPU histories hold).
fn micros(s: f64) -> u64 {
    (s.max(0.0) * 1e6).round() as u64
}

/// One finished engine call (or reference run) of the experiment, as the
/// live view keeps it: its throughput line on the experiment's time axis.
#[derive(Clone, Debug, PartialEq)]
pub struct CallTrace {
    /// What ran.
    pub label: String,
    /// Whether it was the sequential reference.
    pub reference: bool,
    /// When it started and how long it took, seconds since the experiment began.
    pub at_s: f64,
    /// See `at_s`.
    pub duration_s: f64,
    /// Items it did.
    pub items: u64,
    /// Items per second of all its workers, x in seconds since the experiment began.
    pub rate: Vec<[f64; 2]>,
    /// Which timed repetition it was (`None`: a warm-up).
    pub rep: Option<usize>,
    /// Items done by all its workers over time: `[seconds since the call
    /// began, items]`, from `[0, 0]` to its end in [`DONE_POINTS`] steps.
    pub done: Vec<[f64; 2]>,
    /// Whether its workers kept mapping to the end (see [`steady`]): then a
    /// rate that falls during the call means its items got dearer.
    pub steady: bool,
    /// Whether it was too short to draw its rate over time (`rate` is then
    /// flat: its average).
    pub short: bool,
    /// CPU seconds its workers used (of a program: all its threads).
    pub cpu_s: f64,
    /// Cores busy over time, x in seconds since the experiment began (a
    /// call too short for two bins: its average, flat).
    pub cpu: Vec<[f64; 2]>,
}

/// Steps of [`CallTrace::done`].
pub const DONE_POINTS: usize = 40;

impl CallTrace {
    /// Items per second over the whole call, once it has taken any time.
    pub fn average_rate(&self) -> Option<f64> {
        (self.duration_s > 0.0 && self.items > 0).then(|| self.items as f64 / self.duration_s)
    }

    /// Its name for people: the label and which repetition it was.
    pub fn name(&self) -> String {
        match self.rep {
            None => format!("{} (warm-up)", self.label),
            Some(r) => format!("{} (repetition {})", self.label, r + 1),
        }
    }

    /// Its middle, seconds since the experiment began.
    pub fn mid_s(&self) -> f64 {
        self.at_s + self.duration_s / 2.0
    }

    /// Cores it kept busy on average: CPU time over its time.
    pub fn cores(&self) -> Option<f64> {
        (self.duration_s > 0.0 && self.cpu_s > 0.0).then(|| self.cpu_s / self.duration_s)
    }
}

/// Finished calls the live view keeps (the oldest go first).
pub const MAX_TRACES: usize = 2_000;

/// The whole experiment as it runs: every finished call's throughput and
/// the call running now, on one time axis from the experiment's start.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LiveExperiment {
    /// The call running now (or the last one, once the experiment is over).
    pub current: LiveRun,
    /// When `current` started, seconds since the experiment began.
    pub current_at_s: f64,
    /// Which timed repetition `current` belongs to (`None`: a warm-up).
    pub current_rep: Option<usize>,
    /// Earlier calls, oldest first.
    pub traces: Vec<CallTrace>,
    /// The call on show.
    pub current_call: Option<CallId>,
    /// Calls announced by the sweep whose events have not arrived yet: by id.
    expected: std::collections::BTreeMap<CallId, (String, f64, Option<usize>)>,
}

impl LiveExperiment {
    /// A new experiment, before its first call.
    pub fn new(label: impl Into<String>) -> Self {
        LiveExperiment { current: LiveRun::new(label), ..Default::default() }
    }

    /// The sweep announced call `call`, with its label.
    pub fn expect(&mut self, call: CallId, label: String, at_s: f64, rep: Option<usize>) {
        self.expected.insert(call, (label, at_s, rep));
    }

    /// Takes one event into account: the first event of a new call files
    /// the call before it as a trace; the call's label is the one announced
    /// for its id (no guessing from the order of events).
    pub fn apply(&mut self, p: &Progress) {
        if self.current_call != Some(p.call) {
            self.file_current();
            let (label, at_s, rep) = self.expected.remove(&p.call).unwrap_or_else(|| (String::new(), self.current_at_s, None));
            self.current = LiveRun::new(label);
            self.current_at_s = at_s;
            self.current_rep = rep;
            self.current_call = Some(p.call);
        }
        self.current.apply(&p.event);
    }

    fn file_current(&mut self) {
        if let Some(trace) = self.current_trace() {
            self.traces.push(trace);
        }
        if self.traces.len() > MAX_TRACES {
            self.traces.remove(0);
        }
    }

    /// The call on show as the trace filing it would keep (`None` before
    /// any worker reported).
    pub fn current_trace(&self) -> Option<CallTrace> {
        let run = &self.current;
        if run.workers.is_empty() {
            return None;
        }
        Some(CallTrace {
            label: run.label.clone(),
            reference: run.is_reference(),
            at_s: self.current_at_s,
            duration_s: run.elapsed_s,
            items: run.items(),
            rate: self.current_rate(),
            rep: self.current_rep,
            done: done_curve(&run.history, run.elapsed_s),
            steady: steady(run),
            short: self.too_short(),
            cpu_s: run.cpu_s(),
            cpu: self.current_cpu(),
        })
    }

    /// Every call so far, oldest first: the filed traces and the call on show.
    pub fn calls(&self) -> Vec<CallTrace> {
        self.traces.iter().cloned().chain(self.current_trace()).collect()
    }

    /// The latest sequential reference filed before the call on show: the
    /// plain loop its speedup is measured against (each round of a sweep
    /// runs its step's reference first).
    pub fn reference(&self) -> Option<&CallTrace> {
        self.traces.iter().rev().find(|t| t.reference && t.items > 0)
    }

    /// The call on show's average rate so far and its speedup so far.
    pub fn headline(&self) -> (Option<f64>, Speedup) {
        let run = &self.current;
        let rate = average_rate(run);
        if run.is_reference() {
            return (rate, Speedup::Reference);
        }
        let speedup = match self.reference() {
            None => Speedup::NotYet,
            Some(r) => speedup_so_far(r, run.items(), run.elapsed_s).map_or(Speedup::Measuring, Speedup::Times),
        };
        (rate, speedup)
    }

    /// The current call's total rate on the experiment's axis; a call too
    /// short for two bins is drawn as its average over its whole time.
    pub fn current_rate(&self) -> Vec<[f64; 2]> {
        let run = &self.current;
        let rate = total_rate(&run.history, rate_bin(run.elapsed_s));
        let at = self.current_at_s;
        if rate.len() >= 2 {
            return rate.into_iter().map(|[t, r]| [at + t, r]).collect();
        }
        match average_rate(run) {
            Some(r) => vec![[at, r], [at + run.elapsed_s, r]],
            None => vec![],
        }
    }

    /// One worker's rate on the experiment's axis, in the same bins as the total.
    pub fn worker_rate(&self, worker: usize) -> Vec<[f64; 2]> {
        let run = &self.current;
        let Some(h) = run.history.get(worker) else { return vec![] };
        total_rate(std::slice::from_ref(h), rate_bin(run.elapsed_s)).into_iter().map(|[t, r]| [self.current_at_s + t, r]).collect()
    }

    /// The latest sequential reference filed before the call on show that
    /// took any time: for a program, whose items stay 0.
    pub fn program_reference(&self) -> Option<&CallTrace> {
        self.traces.iter().rev().find(|t| t.reference && t.duration_s > 0.0)
    }

    /// The current call's cores busy over time on the experiment's axis
    /// (as [`LiveExperiment::current_rate`], of CPU time); a call too short
    /// for two bins is drawn as its average over its whole time.
    pub fn current_cpu(&self) -> Vec<[f64; 2]> {
        let run = &self.current;
        let cores = total_rate(&run.cpu_us, cpu_bin(run.elapsed_s));
        let at = self.current_at_s;
        if cores.len() >= 2 {
            return cores.into_iter().map(|[t, us]| [at + t, us / 1e6]).collect();
        }
        match run.cores() {
            Some(c) => vec![[at, c], [at + run.elapsed_s, c]],
            None => vec![],
        }
    }

    /// One worker's (a program thread's) cores busy on the experiment's axis.
    pub fn worker_cpu(&self, worker: usize) -> Vec<[f64; 2]> {
        let run = &self.current;
        let Some(h) = run.cpu_us.get(worker) else { return vec![] };
        total_rate(std::slice::from_ref(h), cpu_bin(run.elapsed_s)).into_iter().map(|[t, us]| [self.current_at_s + t, us / 1e6]).collect()
    }

    /// Whether the current call is too short to draw over time (under two bins).
    pub fn too_short(&self) -> bool {
        total_rate(&self.current.history, rate_bin(self.current.elapsed_s)).len() < 2
    }
}

/// Items per second of a whole call, once it has taken any time.
pub fn average_rate(run: &LiveRun) -> Option<f64> {
    (run.elapsed_s > 0.0 && run.items() > 0).then(|| run.items() as f64 / run.elapsed_s)
}

/// The speedup the top of the live view shows for the call on show.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Speedup {
    /// The call is the sequential reference: the plain loop itself.
    Reference,
    /// No plain loop has run yet in this experiment.
    NotYet,
    /// The plain loop has run; the call has done nothing yet.
    Measuring,
    /// How many times faster than the plain loop, over the same first items.
    Times(f64),
}

impl Speedup {
    /// The words for it, in large type; `finished`: the call has ended.
    pub fn words(self, finished: bool) -> String {
        match self {
            Speedup::Reference => "the plain loop: speedups are measured against it".to_string(),
            Speedup::NotYet => "speedup appears once the plain loop has run".to_string(),
            Speedup::Measuring => "speedup: measuring...".to_string(),
            Speedup::Times(x) => format!("{x:.2}x the plain loop{}", if finished { "" } else { " so far" }),
        }
    }
}

/// How much faster than `reference` a call is that did `items` in
/// `elapsed_s`: the time the plain loop took for its first `items` items
/// over `elapsed_s`. Items that get dearer later (bigger numbers) cost both
/// the same, so the speedup so far does not drift as the call goes on; at
/// the end it is the ratio of the two times.
pub fn speedup_so_far(reference: &CallTrace, items: u64, elapsed_s: f64) -> Option<f64> {
    if items == 0 || elapsed_s <= 0.0 {
        return None;
    }
    let t = time_to(&reference.done, items as f64).or_else(|| reference.average_rate().map(|r| items as f64 / r))?;
    (t > 0.0).then(|| t / elapsed_s)
}

/// When a cumulative `done` curve reached `items` (`None` when it never did).
fn time_to(done: &[[f64; 2]], items: f64) -> Option<f64> {
    let i = done.iter().position(|p| p[1] >= items)?;
    if i == 0 {
        return Some(done[0][0]);
    }
    let ([t0, n0], [t1, n1]) = (done[i - 1], done[i]);
    Some(if n1 > n0 { t0 + (t1 - t0) * (items - n0) / (n1 - n0) } else { t1 })
}

/// A cumulative curve's value at `t`, interpolated linearly.
fn value_at(curve: &[[f64; 2]], t: f64) -> f64 {
    match curve.iter().position(|p| p[0] > t) {
        Some(0) => curve[0][1],
        Some(i) => {
            let ([t0, v0], [t1, v1]) = (curve[i - 1], curve[i]);
            v0 + (v1 - v0) * (t - t0) / (t1 - t0)
        }
        None => curve.last().map_or(0.0, |p| p[1]),
    }
}

/// Items done by all workers at [`DONE_POINTS`] even steps from 0 to `end_s`.
pub fn done_curve(histories: &[Vec<(f64, u64)>], end_s: f64) -> Vec<[f64; 2]> {
    if end_s <= 0.0 {
        return vec![];
    }
    (0..=DONE_POINTS)
        .map(|i| {
            let t = end_s * i as f64 / DONE_POINTS as f64;
            [t, histories.iter().map(|h| count_at(h, t)).sum()]
        })
        .collect()
}

/// The least mean busy share of a steady call's workers.
pub const STEADY_BUSY: f64 = 0.7;

/// Whether a call's workers kept mapping to the end: on average busy for
/// [`STEADY_BUSY`] of the time, and each still gaining items in the last
/// fifth (no idle tail, no worker that ran out of work early). Only then
/// does a rate that falls during the call mean dearer items rather than
/// waiting or imbalance.
pub fn steady(run: &LiveRun) -> bool {
    let end = run.elapsed_s;
    if end <= 0.0 || run.workers.is_empty() {
        return false;
    }
    let busy = run.workers.iter().map(|w| time_split(w, end).0).sum::<f64>() / run.workers.len() as f64;
    let last_gain = |h: &Vec<(f64, u64)>| h.windows(2).filter(|w| w[1].1 > w[0].1).map(|w| w[1].0).fold(0.0, f64::max);
    busy >= STEADY_BUSY && run.history.iter().all(|h| last_gain(h) >= 0.8 * end)
}

/// A call must last this long for [`thirds`] to say anything: shorter,
/// each third holds a few samples of chunk ends only.
pub const MIN_TREND_S: f64 = 0.25;

/// Items per second in the first and in the last third of a call's time,
/// from its cumulative `done` curve (`None` for a call under [`MIN_TREND_S`]).
pub fn thirds(done: &[[f64; 2]]) -> Option<(f64, f64)> {
    let &[end, total] = done.last()?;
    if end < MIN_TREND_S {
        return None;
    }
    let third = end / 3.0;
    Some((value_at(done, third) / third, (total - value_at(done, 2.0 * third)) / third))
}

/// How much lower the last third's rate must be than the first's for a
/// call's throughput to count as falling.
pub const FALL: f64 = 0.25;

/// Whether a call's throughput fell during it while its workers stayed
/// busy: the last third's rate over [`FALL`] below the first third's.
pub fn falls(trace: &CallTrace) -> bool {
    trace.steady && thirds(&trace.done).is_some_and(|(first, last)| first > 0.0 && last < (1.0 - FALL) * first)
}

/// Whether the experiment's throughput falls during its runs: at least
/// half of the calls long and steady enough to tell (and at least one) fall.
pub fn throughput_falls(calls: &[CallTrace]) -> bool {
    let telling: Vec<&CallTrace> = calls.iter().filter(|c| c.steady && thirds(&c.done).is_some()).collect();
    let falling = telling.iter().filter(|c| falls(c)).count();
    falling > 0 && 2 * falling >= telling.len()
}

/// The clause of a workload's description that says its items' cost grows
/// ("... whose cost grows with the number"), if it has one.
pub fn cost_clause(description: &str) -> Option<&str> {
    let sentence = description.split(". ").find(|s| s.contains("cost") && (s.contains("grow") || s.contains("more than")))?;
    let end = [", so ", ": ", "; "].iter().filter_map(|cut| sentence.find(cut)).min().unwrap_or(sentence.len());
    Some(sentence[..end].trim().trim_end_matches('.'))
}

/// The line under the plot when throughput falls during the runs; the
/// workload's own `description` says why, where it can.
pub fn falling_note(description: Option<&str>) -> String {
    let base = "Throughput falls during each run while the workers stay busy: later items cost more than early ones, so each run slows down as it goes (not a slowdown of the engine).";
    match description.and_then(cost_clause) {
        Some(why) => {
            let mut chars = why.chars();
            let first: String = chars.next().map(|c| c.to_lowercase().collect()).unwrap_or_default();
            format!("{base} This workload: {first}{}.", chars.as_str())
        }
        None => base.to_string(),
    }
}

/// One configuration of the experiment, as its summary shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct SummaryPoint {
    /// What ran.
    pub label: String,
    /// Whether it is a sequential reference.
    pub reference: bool,
    /// Its mean average rate over its timed calls (over its warm-ups where
    /// it had no timed call), items per second.
    pub rate: f64,
    /// The mean of its calls' rates over the rate of the plain loop run
    /// last before each (`None` where no plain loop ran before one).
    pub speedup: Option<f64>,
    /// The middle of its last call, seconds since the experiment began.
    pub at_s: f64,
    /// Calls it averages.
    pub calls: usize,
}

/// One point per configuration (per label), in the order they first ran.
pub fn summary(calls: &[CallTrace]) -> Vec<SummaryPoint> {
    // Per label, its calls with their speedups over the plain loop run last before each.
    let mut groups: Vec<Vec<(&CallTrace, Option<f64>)>> = vec![];
    let mut plain: Option<f64> = None;
    for c in calls {
        let Some(rate) = c.average_rate() else { continue };
        if c.reference {
            plain = Some(rate);
        }
        let entry = (c, plain.map(|p| rate / p));
        match groups.iter_mut().find(|g| g[0].0.label == c.label) {
            Some(g) => g.push(entry),
            None => groups.push(vec![entry]),
        }
    }
    groups.into_iter().map(|g| summary_point(&g)).collect()
}

/// A configuration's point from its calls (never empty), each with its speedup.
fn summary_point(entries: &[(&CallTrace, Option<f64>)]) -> SummaryPoint {
    let timed: Vec<_> = entries.iter().filter(|e| e.0.rep.is_some()).collect();
    let used = if timed.is_empty() { entries.iter().collect() } else { timed };
    let n = used.len() as f64;
    let speedups: Option<Vec<f64>> = used.iter().map(|e| e.1).collect();
    SummaryPoint {
        label: entries[0].0.label.clone(),
        reference: entries[0].0.reference,
        rate: used.iter().filter_map(|e| e.0.average_rate()).sum::<f64>() / n,
        speedup: speedups.map(|s| s.iter().sum::<f64>() / n),
        at_s: entries.last().map_or(0.0, |e| e.0.mid_s()),
        calls: used.len(),
    }
}

/// The fastest configuration that is not a sequential reference.
pub fn fastest(points: &[SummaryPoint]) -> Option<&SummaryPoint> {
    points.iter().filter(|p| !p.reference).max_by(|a, b| a.rate.total_cmp(&b.rate))
}

/// One configuration of a program's experiment, as its summary shows it:
/// its time rather than a rate (a program's items are its own business).
#[derive(Clone, Debug, PartialEq)]
pub struct ProgramPoint {
    /// What ran.
    pub label: String,
    /// Whether it is the sequential reference.
    pub reference: bool,
    /// Its median time over its timed calls (over its warm-ups where it
    /// had no timed call), seconds: as the experiment records it, so one
    /// disturbed run does not move it.
    pub time_s: f64,
    /// The cores its calls kept busy, on average (`None`: no CPU time seen).
    pub cores: Option<f64>,
    /// The median of the reference's time run last before each call over
    /// the call's (`None` where no reference ran before one).
    pub speedup: Option<f64>,
    /// The middle of its last call, seconds since the experiment began.
    pub at_s: f64,
    /// Calls it averages.
    pub calls: usize,
}

/// One point per configuration of a program's experiment (per label), in
/// the order they first ran.
pub fn program_summary(calls: &[CallTrace]) -> Vec<ProgramPoint> {
    let mut groups: Vec<Vec<(&CallTrace, Option<f64>)>> = vec![];
    let mut plain: Option<f64> = None;
    for c in calls.iter().filter(|c| c.duration_s > 0.0) {
        if c.reference {
            plain = Some(c.duration_s);
        }
        let entry = (c, plain.map(|p| p / c.duration_s));
        match groups.iter_mut().find(|g| g[0].0.label == c.label) {
            Some(g) => g.push(entry),
            None => groups.push(vec![entry]),
        }
    }
    groups
        .into_iter()
        .map(|g| {
            let timed: Vec<_> = g.iter().filter(|e| e.0.rep.is_some()).collect();
            let used = if timed.is_empty() { g.iter().collect() } else { timed };
            let cores: Vec<f64> = used.iter().filter_map(|e| e.0.cores()).collect();
            let speedups: Option<Vec<f64>> = used.iter().map(|e| e.1).collect();
            let times: Vec<f64> = used.iter().map(|e| e.0.duration_s).collect();
            ProgramPoint {
                label: g[0].0.label.clone(),
                reference: g[0].0.reference,
                time_s: crate::stats::median(&times),
                cores: (!cores.is_empty()).then(|| cores.iter().sum::<f64>() / cores.len() as f64),
                speedup: speedups.map(|s| crate::stats::median(&s)),
                at_s: g.last().map_or(0.0, |e| e.0.mid_s()),
                calls: used.len(),
            }
        })
        .collect()
}

/// The quickest configuration of a program that is not the reference.
pub fn quickest(points: &[ProgramPoint]) -> Option<&ProgramPoint> {
    points.iter().filter(|p| !p.reference).min_by(|a, b| a.time_s.total_cmp(&b.time_s))
}

/// The call that ran at `x` seconds since the experiment began, else the
/// nearest one within `slack_s` of it.
pub fn call_at(calls: &[CallTrace], x: f64, slack_s: f64) -> Option<&CallTrace> {
    let gap = |c: &CallTrace| (c.at_s - x).max(x - (c.at_s + c.duration_s)).max(0.0);
    calls.iter().filter(|c| gap(c) <= slack_s).min_by(|a, b| gap(a).total_cmp(&gap(b)))
}

/// A worker's item count at time `t`, interpolated linearly between samples.
fn count_at(history: &[(f64, u64)], t: f64) -> f64 {
    match history.iter().position(|s| s.0 > t) {
        Some(0) => history[0].1 as f64,
        Some(i) => {
            let (a, b) = (history[i - 1], history[i]);
            a.1 as f64 + (b.1 as f64 - a.1 as f64) * (t - a.0) / (b.0 - a.0)
        }
        None => history.last().map_or(0.0, |s| s.1 as f64),
    }
}

/// Items per second of all workers together, in bins of `bin_s` seconds,
/// from each worker's count interpolated at the bin edges; the last,
/// partial bin reaches the latest sample, so the line runs as far as the
/// workers' lines do.
pub fn total_rate(histories: &[Vec<(f64, u64)>], bin_s: f64) -> Vec<[f64; 2]> {
    let end = histories.iter().filter_map(|h| h.last().map(|s| s.0)).fold(0.0, f64::max);
    if end <= 0.0 || bin_s <= 0.0 {
        return vec![];
    }
    let total = |t: f64| -> f64 { histories.iter().map(|h| count_at(h, t)).sum() };
    let bins = (end / bin_s).floor() as usize;
    let mut out: Vec<[f64; 2]> = (1..=bins)
        .map(|i| {
            let (t0, t1) = ((i - 1) as f64 * bin_s, i as f64 * bin_s);
            [t1, (total(t1) - total(t0)).max(0.0) / bin_s]
        })
        .collect();
    let last = bins as f64 * bin_s;
    if end - last > bin_s * 0.2 {
        out.push([end, (total(end) - total(last)).max(0.0) / (end - last)]);
    }
    out
}

/// A bin for [`total_rate`] that gives about 40 points over `span_s`
/// seconds, and never less than 50 ms: the workers publish at chunk ends,
/// sampled every 20 ms, so finer bins show the sampling, not the work.
pub fn rate_bin(span_s: f64) -> f64 {
    (span_s / 40.0).clamp(0.05, 1.0)
}

/// A bin for CPU use over `span_s` seconds: about 40 points, and never
/// less than 200 ms. CPU time is read from `/proc` every 50 ms in clock
/// ticks of 10 ms: finer bins show the sampling, not the program.
pub fn cpu_bin(span_s: f64) -> f64 {
    (span_s / 40.0).clamp(0.2, 1.0)
}

/// A worker's time split: (busy, waiting for input, idle) fractions of `elapsed_s`.
pub fn time_split(w: &WorkerStats, elapsed_s: f64) -> (f64, f64, f64) {
    if elapsed_s <= 0.0 {
        return (0.0, 0.0, 0.0);
    }
    let busy = (w.busy_s / elapsed_s).clamp(0.0, 1.0);
    let wait = (w.wait_s / elapsed_s).clamp(0.0, 1.0 - busy);
    (busy, wait, (1.0 - busy - wait).max(0.0))
}

/// Seconds left: the average time per finished run times the runs left,
/// or `None` before any run has finished.
pub fn eta_s(elapsed_s: f64, done_runs: usize, total_runs: usize) -> Option<f64> {
    (done_runs > 0 && total_runs >= done_runs).then(|| elapsed_s / done_runs as f64 * (total_runs - done_runs) as f64)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::workloads::REFERENCE;

    fn snap(worker: usize, items: u64, busy_s: f64, wait_s: f64) -> WorkerStats {
        WorkerStats { worker, items, chunks: 1, busy_s, wait_s, pull_s: 0.0 }
    }

    #[test]
    fn phases_and_occupancy_follow_their_call_and_a_new_keyed_call_starts_clean() {
        let ms = Duration::from_millis;
        let phase = |t, phase, done, total| ProgressEvent::Phase { elapsed: ms(t), phase, done, total: Some(total) };
        let mut live = LiveRun::new("word-count");
        // A keyed call reports its map phase before the engine's `Started`; the phase survives it.
        live.apply(&phase(0, Phase::Map, 0, 100));
        live.apply(&ProgressEvent::Started { workers: 2, feeder: "dispenser".into(), plan: None });
        assert_eq!(live.label, "word-count");
        live.apply(&phase(40, Phase::Map, 100, 100));
        live.apply(&phase(40, Phase::Reduce, 0, 10));
        live.apply(&phase(45, Phase::Reduce, 10, 10));
        let got: Vec<(Phase, u64, f64, f64)> = live.phases.iter().map(|p| (p.phase, p.done, p.start_s, p.last_s)).collect();
        assert_eq!(got, [(Phase::Map, 100, 0.0, 0.04), (Phase::Reduce, 10, 0.04, 0.045)]);
        // The next keyed call's first map event drops the finished reduce phase.
        live.apply(&phase(0, Phase::Map, 0, 100));
        assert_eq!(live.phases.len(), 1);
        assert_eq!(live.phases[0].done, 0);

        let mut live = LiveRun::new("ordered-map");
        live.apply(&ProgressEvent::Started { workers: 2, feeder: "ordered stream".into(), plan: None });
        live.apply(&ProgressEvent::Occupancy { elapsed: ms(20), held: 64, waiting: 7, bound: Some(64), unit: "chunks" });
        live.apply(&ProgressEvent::Occupancy { elapsed: ms(40), held: 30, waiting: 0, bound: Some(64), unit: "chunks" });
        assert_eq!(live.occupancy, [(0.02, 64, 7), (0.04, 30, 0)]);
        assert_eq!(live.occupancy_bound, Some((Some(64), "chunks")));
        assert!((live.elapsed_s - 0.04).abs() < 1e-12);
        // A long run is thinned, never unbounded.
        for i in 0..2 * MAX_OCCUPANCY_POINTS as u64 {
            live.apply(&ProgressEvent::Occupancy { elapsed: ms(60 + i), held: i % 64, waiting: 0, bound: Some(64), unit: "chunks" });
        }
        assert!(live.occupancy.len() <= MAX_OCCUPANCY_POINTS);
        assert!(live.occupancy.windows(2).all(|w| w[0].0 < w[1].0), "still in time order");
        // The next engine call starts a new picture.
        live.apply(&ProgressEvent::Started { workers: 2, feeder: "ordered stream".into(), plan: None });
        assert!(live.occupancy.is_empty());
    }

    /// A finished call with `items` done evenly over `dur` seconds, steady.
    fn trace(label: &str, reference: bool, at_s: f64, duration_s: f64, items: u64, rep: Option<usize>) -> CallTrace {
        let done = (0..=DONE_POINTS).map(|i| i as f64 / DONE_POINTS as f64).map(|f| [f * duration_s, f * items as f64]).collect();
        let rate = vec![[at_s, items as f64 / duration_s], [at_s + duration_s, items as f64 / duration_s]];
        CallTrace {
            label: label.into(),
            reference,
            at_s,
            duration_s,
            items,
            rate,
            rep,
            done,
            steady: true,
            short: false,
            cpu_s: 0.0,
            cpu: vec![],
        }
    }

    fn event(call: u64, event: ProgressEvent) -> Progress {
        Progress { call: CallId(call), event }
    }

    #[test]
    fn speedup_so_far_compares_the_same_first_items() {
        // The plain loop's items get dearer: 600 in its first half second, 400 in its second.
        let mut plain = trace("sequential reference", true, 0.0, 1.0, 1000, Some(0));
        plain.done = vec![[0.0, 0.0], [0.5, 600.0], [1.0, 1000.0]];
        // Twice as fast over the same items: the same 2x early and at the end.
        let early = speedup_so_far(&plain, 600, 0.25).unwrap();
        let end = speedup_so_far(&plain, 1000, 0.5).unwrap();
        assert!((early - 2.0).abs() < 1e-9 && (end - 2.0).abs() < 1e-9, "{early} {end}");
        assert_eq!(speedup_so_far(&plain, 0, 0.1), None);
        assert_eq!(Speedup::Times(1.876).words(false), "1.88x the plain loop so far");
        assert_eq!(Speedup::Times(2.0).words(true), "2.00x the plain loop");
        assert_eq!(Speedup::NotYet.words(false), "speedup appears once the plain loop has run");
    }

    #[test]
    fn the_headline_waits_for_the_plain_loop_then_gives_the_speedup() {
        let ms = Duration::from_millis;
        let mut exp = LiveExperiment::new("starting");
        // A run before any plain loop: no speedup yet.
        exp.expect(CallId(1), "dispenser x2, chunk 100".into(), 0.0, None);
        exp.apply(&event(1, ProgressEvent::Started { workers: 1, feeder: "dispenser".into(), plan: None }));
        exp.apply(&event(1, ProgressEvent::Worker { elapsed: ms(100), stats: snap(0, 50, 0.1, 0.0) }));
        assert_eq!(exp.headline().1, Speedup::NotYet);
        // The plain loop: 1000 items in 1 s.
        exp.expect(CallId(2), "sequential reference".into(), 0.2, Some(0));
        exp.apply(&event(2, ProgressEvent::Started { workers: 1, feeder: crate::workloads::REFERENCE.into(), plan: None }));
        assert_eq!(exp.headline().1, Speedup::Reference);
        exp.apply(&event(
            2,
            ProgressEvent::Finished { end: crate::engine::CallEnd::Completed, elapsed: ms(1000), workers: vec![snap(0, 1000, 1.0, 0.0)] },
        ));
        // Then a run at 4000 items/s: 4x, and its rate.
        exp.expect(CallId(3), "dispenser x2, chunk 100".into(), 1.2, Some(0));
        exp.apply(&event(3, ProgressEvent::Started { workers: 2, feeder: "dispenser".into(), plan: None }));
        assert_eq!(exp.headline().1, Speedup::Measuring);
        exp.apply(&event(3, ProgressEvent::Worker { elapsed: ms(100), stats: snap(0, 200, 0.1, 0.0) }));
        exp.apply(&event(3, ProgressEvent::Worker { elapsed: ms(100), stats: snap(1, 200, 0.1, 0.0) }));
        let (rate, speedup) = exp.headline();
        assert!((rate.unwrap() - 4000.0).abs() < 1e-6);
        let Speedup::Times(x) = speedup else { panic!("{speedup:?}") };
        assert!((x - 4.0).abs() < 1e-9, "{x}");
        // Every call so far: the two filed and the one on show.
        let names: Vec<String> = exp.calls().iter().map(CallTrace::name).collect();
        assert_eq!(
            names,
            ["dispenser x2, chunk 100 (warm-up)", "sequential reference (repetition 1)", "dispenser x2, chunk 100 (repetition 1)"]
        );
    }

    #[test]
    fn a_run_whose_items_get_dearer_falls_and_an_idle_tail_is_not_taken_for_it() {
        let mut dearer = trace("x", false, 0.0, 0.9, 900, Some(0));
        // Items done grow like the square root of time: each item costs more.
        dearer.done = (0..=DONE_POINTS).map(|i| i as f64 * 0.9 / DONE_POINTS as f64).map(|t| [t, 900.0 * (t / 0.9).sqrt()]).collect();
        let (first, last) = thirds(&dearer.done).unwrap();
        assert!(last < 0.75 * first, "{first} {last}");
        assert!(falls(&dearer));
        assert!(!falls(&trace("flat", false, 1.0, 0.9, 900, Some(0))));
        // The same curve, but the workers were not busy to the end: not a dearer item.
        let unsteady = CallTrace { steady: false, ..dearer.clone() };
        assert!(!falls(&unsteady));
        // Too short to tell.
        assert_eq!(thirds(&trace("short", false, 0.0, 0.1, 100, Some(0)).done), None);
        // Most telling calls fall: the note shows; one in three: it does not.
        let flat = trace("flat", false, 1.0, 0.9, 900, Some(0));
        assert!(throughput_falls(&[dearer.clone(), dearer.clone(), flat.clone()]));
        assert!(!throughput_falls(&[dearer, flat.clone(), flat]));
        assert!(!throughput_falls(&[]));

        // `steady`: two workers busy to the end; then one that ran out of work halfway.
        let mut run = LiveRun::new("x");
        run.apply(&ProgressEvent::Started { workers: 2, feeder: "dispenser".into(), plan: None });
        for (t, a, b) in [(250, 25, 25), (500, 50, 50), (750, 75, 50), (1000, 100, 50)] {
            run.apply(&ProgressEvent::Worker { elapsed: Duration::from_millis(t), stats: snap(0, a, t as f64 / 1e3, 0.0) });
            run.apply(&ProgressEvent::Worker { elapsed: Duration::from_millis(t), stats: snap(1, b, t as f64 / 1e3, 0.0) });
        }
        assert!(!steady(&run), "worker 1 stopped gaining at half time");
        let mut busy = LiveRun::new("x");
        busy.apply(&ProgressEvent::Started { workers: 1, feeder: "dispenser".into(), plan: None });
        for t in [250, 500, 750, 1000] {
            busy.apply(&ProgressEvent::Worker { elapsed: Duration::from_millis(t), stats: snap(0, t, t as f64 / 1e3 * 0.9, 0.0) });
        }
        assert!(steady(&busy));
        let done = done_curve(&busy.history, busy.elapsed_s);
        assert_eq!(done.len(), DONE_POINTS + 1);
        assert_eq!(done[0], [0.0, 0.0]);
        assert_eq!(done[DONE_POINTS], [1.0, 1000.0]);
    }

    #[test]
    fn the_falling_note_takes_its_reason_from_the_workload_description() {
        use crate::workloads::WorkloadKind;
        let primes = WorkloadKind::Primes.info().description;
        assert_eq!(cost_clause(primes), Some("Each item is pure CPU work whose cost grows with the number"));
        let note = falling_note(Some(primes));
        assert!(note.contains("later items cost more than early ones"), "{note}");
        assert!(note.ends_with("This workload: each item is pure CPU work whose cost grows with the number."), "{note}");
        // A workload whose description says nothing of it: the generic words only.
        assert_eq!(cost_clause("Maps each number. The map costs less than taking an item out."), None);
        assert_eq!(falling_note(None), falling_note(Some("Sums numbers.")));
    }

    #[test]
    fn the_summary_averages_each_configuration_and_names_the_fastest() {
        let calls = [
            trace("x1", false, 0.0, 1.0, 1000, None), // a warm-up: left out where timed calls exist
            trace("sequential reference", true, 1.0, 1.0, 1000, Some(0)),
            trace("x1", false, 2.0, 1.0, 900, Some(0)),
            trace("x2", false, 3.0, 0.5, 1000, Some(0)),
            trace("sequential reference", true, 3.5, 1.0, 1000, Some(1)),
            trace("x2", false, 4.5, 0.5, 800, Some(1)),
            trace("x1", false, 5.0, 1.0, 1100, Some(1)),
        ];
        let points = summary(&calls);
        let got: Vec<(&str, f64, Option<f64>, usize)> = points.iter().map(|p| (p.label.as_str(), p.rate, p.speedup, p.calls)).collect();
        assert_eq!(got.len(), 3);
        assert_eq!(got[0].0, "x1");
        assert!((got[0].1 - 1000.0).abs() < 1e-9 && got[0].3 == 2, "{got:?}");
        assert!((got[0].2.unwrap() - 1.0).abs() < 1e-9);
        assert_eq!(got[1].0, "sequential reference");
        assert!((got[2].1 - 1800.0).abs() < 1e-9 && (got[2].2.unwrap() - 1.8).abs() < 1e-9, "{got:?}");
        assert_eq!(points[2].at_s, 4.75, "labelled at its last call");
        assert_eq!(fastest(&points).map(|p| p.label.as_str()), Some("x2"));
        // No plain loop before a call: no speedup for it.
        assert_eq!(summary(&calls[..1])[0].speedup, None);
        assert_eq!(fastest(&summary(&calls[1..2])), None);
    }

    #[test]
    fn a_programs_reference_is_told_by_its_label_and_its_summary_is_of_time_and_cpu() {
        let ms = Duration::from_millis;
        let mut exp = LiveExperiment::new("starting");
        // A program names itself in `Started`, its reference too; its items stay 0.
        exp.expect(CallId(1), REFERENCE.into(), 0.0, Some(0));
        exp.apply(&event(1, ProgressEvent::Started { workers: 1, feeder: "xz".into(), plan: None }));
        exp.apply(&event(1, ProgressEvent::Worker { elapsed: ms(500), stats: snap(0, 0, 0.5, 0.0) }));
        assert!(exp.current.is_reference());
        exp.apply(&event(
            1,
            ProgressEvent::Finished { end: crate::engine::CallEnd::Completed, elapsed: ms(1000), workers: vec![snap(0, 0, 1.0, 0.0)] },
        ));
        exp.expect(CallId(2), "xz x2".into(), 1.0, Some(0));
        exp.apply(&event(2, ProgressEvent::Started { workers: 2, feeder: "xz".into(), plan: None }));
        for t in [100, 200, 300, 400, 500] {
            let busy = t as f64 / 1e3;
            exp.apply(&event(2, ProgressEvent::Worker { elapsed: ms(t), stats: snap(0, 0, busy * 0.9, busy * 0.1) }));
            exp.apply(&event(2, ProgressEvent::Worker { elapsed: ms(t), stats: snap(1, 0, busy * 0.9, busy * 0.1) }));
        }
        assert!(!exp.current.is_reference());
        assert!((exp.current.cores().unwrap() - 1.8).abs() < 1e-9);
        let cpu = exp.current_cpu();
        assert!(cpu.len() >= 2 && cpu.iter().all(|p| (p[1] - 1.8).abs() < 1e-6), "{cpu:?}");
        assert_eq!(exp.program_reference().map(|r| r.duration_s), Some(1.0));
        let points = program_summary(&exp.calls());
        assert_eq!(points.len(), 2);
        assert!(points[0].reference && (points[0].cores.unwrap() - 1.0).abs() < 1e-9);
        assert!((points[1].time_s - 0.5).abs() < 1e-9 && (points[1].speedup.unwrap() - 2.0).abs() < 1e-9, "{points:?}");
        assert_eq!(quickest(&points).map(|p| p.label.as_str()), Some("xz x2"));
        // The engine's workloads see no change: their rate, no program summary needed.
        assert_eq!(summary(&exp.calls()).len(), 0, "no items, no item rate");
    }

    #[test]
    fn call_at_names_the_call_under_the_pointer() {
        let calls = [trace("a", true, 0.0, 1.0, 10, Some(0)), trace("b", false, 1.2, 0.5, 10, Some(0))];
        assert_eq!(call_at(&calls, 0.5, 0.1).map(|c| c.label.as_str()), Some("a"));
        assert_eq!(call_at(&calls, 1.6, 0.1).map(|c| c.label.as_str()), Some("b"));
        assert_eq!(call_at(&calls, 1.15, 0.1).map(|c| c.label.as_str()), Some("b"), "the nearer of the two");
        assert_eq!(call_at(&calls, 3.0, 0.1), None);
    }

    #[test]
    fn total_rate_sums_workers_per_bin() {
        let a = vec![(0.0, 0), (1.0, 100), (2.0, 200)];
        let b = vec![(0.0, 0), (1.0, 50), (2.0, 150)];
        assert_eq!(total_rate(&[a.clone(), b], 1.0), vec![[1.0, 150.0], [2.0, 200.0]]);
        // Interpolated between samples: half-second bins see half the items.
        assert_eq!(total_rate(&[a], 0.5), vec![[0.5, 100.0], [1.0, 100.0], [1.5, 100.0], [2.0, 100.0]]);
        // A run that ends between bin edges still reaches its last sample.
        let short = vec![(0.0, 0), (0.25, 50)];
        let r = total_rate(&[short], 0.1);
        assert_eq!(r.len(), 3);
        assert_eq!(r[2][0], 0.25);
        assert!(r.iter().all(|p| (p[1] - 200.0).abs() < 1e-9), "{r:?}");
        assert!(total_rate(&[], 1.0).is_empty());
    }

    #[test]
    fn time_split_adds_to_one() {
        let (b, w, i) = time_split(&snap(0, 1, 0.6, 0.3), 1.0);
        assert!((b - 0.6).abs() < 1e-9 && (w - 0.3).abs() < 1e-9 && (i - 0.1).abs() < 1e-9);
        assert_eq!(time_split(&snap(0, 1, 2.0, 1.0), 1.0), (1.0, 0.0, 0.0));
    }

    #[test]
    fn eta_from_finished_runs() {
        assert_eq!(eta_s(10.0, 2, 6), Some(20.0));
        assert_eq!(eta_s(10.0, 0, 6), None);
    }

    #[test]
    fn apply_tracks_workers_and_resets_on_a_new_call() {
        let mut live = LiveRun::new("x");
        live.apply(&ProgressEvent::Started { workers: 2, feeder: "dispenser".into(), plan: None });
        live.apply(&ProgressEvent::Worker { elapsed: Duration::from_millis(100), stats: snap(1, 40, 0.05, 0.01) });
        live.apply(&ProgressEvent::Finished {
            end: crate::engine::CallEnd::Completed,
            elapsed: Duration::from_millis(200),
            workers: vec![snap(0, 60, 0.1, 0.0), snap(1, 40, 0.1, 0.0)],
        });
        assert_eq!(live.items(), 100);
        assert!(live.finished);
        assert_eq!(live.history[1].len(), 3);
        live.apply(&ProgressEvent::Started { workers: 4, feeder: "auto".into(), plan: None });
        assert_eq!(live.items(), 0);
        assert_eq!(live.workers.len(), 4);
        assert_eq!(live.label, "x");
    }
}
