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
        }
    }

    /// Items done by all workers.
    pub fn items(&self) -> u64 {
        self.workers.iter().map(|w| w.items).sum()
    }
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
        let run = &self.current;
        if run.workers.is_empty() {
            return;
        }
        let trace = CallTrace {
            label: run.label.clone(),
            reference: run.used == crate::workloads::REFERENCE,
            at_s: self.current_at_s,
            duration_s: run.elapsed_s,
            items: run.items(),
            rate: self.current_rate(),
        };
        self.traces.push(trace);
        if self.traces.len() > MAX_TRACES {
            self.traces.remove(0);
        }
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

    /// Whether the current call is too short to draw over time (under two bins).
    pub fn too_short(&self) -> bool {
        total_rate(&self.current.history, rate_bin(self.current.elapsed_s)).len() < 2
    }
}

/// Items per second of a whole call, once it has taken any time.
pub fn average_rate(run: &LiveRun) -> Option<f64> {
    (run.elapsed_s > 0.0 && run.items() > 0).then(|| run.items() as f64 / run.elapsed_s)
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

    fn snap(worker: usize, items: u64, busy_s: f64, wait_s: f64) -> WorkerStats {
        WorkerStats { worker, items, chunks: 1, busy_s, wait_s }
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
