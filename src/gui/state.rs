//! What the user chose: persisted between launches (`#[serde(default)]`, so
//! new fields load from old state).

use serde::{Deserialize, Serialize};

use crate::engine::{ChunkSize, FeederKind, Threads};
use crate::experiment::SweepPlan;
use crate::workloads::{Variant, WorkloadKind, WorkloadSpec};

/// How a thread sweep steps from 1 to the maximum.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum ThreadSteps {
    /// 1, 2, 4, 8, ... and the maximum.
    #[default]
    Doubling,
    /// 1, 2, 3, ... the maximum.
    EveryOne,
}

/// The central panel's tabs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Tab {
    /// The running job.
    #[default]
    Live,
    /// Speedup, efficiency, chunk and Karp-Flatt plots.
    Scaling,
    /// The results table.
    Results,
    /// Diagnoses, fitted models, timelines.
    Why,
    /// Explanations for students.
    Learn,
    /// Every experiment: show, hide, rename, delete.
    Experiments,
}

impl Tab {
    /// Every tab, in the order of the tab bar.
    pub const ALL: [Tab; 6] = [Tab::Live, Tab::Scaling, Tab::Why, Tab::Results, Tab::Experiments, Tab::Learn];

    /// Its name on the tab bar.
    pub fn name(self) -> &'static str {
        match self {
            Tab::Live => "Live",
            Tab::Scaling => "Scaling",
            Tab::Why => "Why not ideal?",
            Tab::Results => "Results",
            Tab::Learn => "Learn",
            Tab::Experiments => "Experiments",
        }
    }
}

/// Everything the controls set.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// One spec per workload, so switching back keeps what was set.
    pub specs: Vec<WorkloadSpec>,
    /// The selected workload.
    pub workload: WorkloadKind,
    /// The selected feeder.
    pub feeder: FeederKind,
    /// Threads for a single run, and the top of a thread sweep.
    pub threads: usize,
    /// `None` = auto.
    pub chunk: Option<usize>,
    /// The simulated GIL.
    pub gil: bool,
    /// Thread sweep steps.
    pub steps: ThreadSteps,
    /// Timed repetitions per configuration.
    pub reps: usize,
    /// Untimed warm-up runs per configuration.
    pub warmup: usize,
    /// The open tab.
    pub tab: Tab,
    /// Draw only between runs from the first repetition on, to leave the
    /// CPU to the run (after the first repetition the app does so anyway).
    pub quiet: bool,
    /// Run "Compare feeders" and "GIL off vs on" at the slider's thread count
    /// even past the core count (by default they stop at the core count,
    /// where the comparison is about the designs, not oversubscription).
    pub compare_oversubscribed: bool,
    /// The live plot spans the whole experiment (else only the call running now).
    pub live_whole: bool,
    /// The presenter zoom (Ctrl + / Ctrl - / Ctrl 0), 1.0 = 100%.
    pub zoom: f32,
    /// Ids of the experiments hidden from the plots.
    pub hidden: std::collections::BTreeSet<String>,
    /// The workload whose experiments the plots show: the one picked in
    /// the controls, or the one an experiment (a lesson's, a file's) ran last.
    pub view: WorkloadKind,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            specs: WorkloadKind::ALL.iter().map(|&k| WorkloadSpec::new(k)).collect(),
            workload: WorkloadKind::Primes,
            feeder: FeederKind::Auto,
            threads: num_cpus::get().max(1),
            chunk: None,
            gil: false,
            steps: ThreadSteps::Doubling,
            reps: 3,
            warmup: 0,
            tab: Tab::Live,
            quiet: false,
            compare_oversubscribed: false,
            live_whole: true,
            zoom: 1.0,
            hidden: std::collections::BTreeSet::new(),
            view: WorkloadKind::Primes,
        }
    }
}

/// Which kind of job a button starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobKind {
    /// One configuration.
    Once,
    /// Thread counts 1..=max.
    Threads,
    /// Chunk sizes.
    Chunks,
    /// Every feeder at the chosen settings.
    Feeders,
    /// The chosen settings with the GIL off and on, over thread counts.
    Gil,
    /// Every variant of the workload (`ordered-map`, `aggregates`) at the chosen settings.
    Variants,
    /// The thread sweep, and each thread count again with the size grown
    /// with it (weak scaling).
    Weak,
}

impl JobKind {
    /// What a job of this kind running `plan` is called.
    pub fn label(self, plan: &crate::experiment::SweepPlan) -> String {
        let name = plan.workload.name;
        let list = |v: Vec<String>| v.join(", ");
        match self {
            JobKind::Once => format!("{name} once"),
            JobKind::Threads => format!("{name}: thread sweep {}", list(plan.threads.iter().map(ToString::to_string).collect())),
            JobKind::Weak => format!("{name}: strong and weak scaling {}", list(plan.threads.iter().map(ToString::to_string).collect())),
            JobKind::Chunks => format!("{name}: chunk sweep"),
            JobKind::Feeders => format!("{name}: all feeders"),
            JobKind::Gil => format!("{name}: GIL off vs on"),
            JobKind::Variants => format!("{name}: variants {}", list(plan.variants.iter().map(|v| v.name().to_string()).collect())),
        }
    }
}

/// The largest `n` at which "Compare variants" includes `aggregates`'
/// lock-step: it pays a barrier per item (tens of microseconds), so a
/// million items would take minutes.
pub const LOCK_STEP_MAX_N: u64 = 50_000;

/// Chunk sizes a chunk sweep covers.
pub const CHUNK_SWEEP: [usize; 7] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000];

impl Settings {
    /// The spec of the selected workload.
    pub fn spec(&self) -> WorkloadSpec {
        self.specs.iter().find(|s| s.name == self.workload).cloned().unwrap_or_else(|| WorkloadSpec::new(self.workload))
    }

    /// The spec of the selected workload, to edit.
    pub fn spec_mut(&mut self) -> &mut WorkloadSpec {
        let kind = self.workload;
        if !self.specs.iter().any(|s| s.name == kind) {
            self.specs.push(WorkloadSpec::new(kind));
        }
        let i = self.specs.iter().position(|s| s.name == kind).unwrap_or(0);
        &mut self.specs[i]
    }

    /// The chunk size chosen.
    pub fn chunk_size(&self) -> ChunkSize {
        self.chunk.and_then(|c| ChunkSize::fixed(c).ok()).unwrap_or_default()
    }

    /// Thread counts of a sweep up to `self.threads`.
    pub fn thread_list(&self) -> Vec<usize> {
        self.thread_list_to(self.threads)
    }

    /// Thread counts of a sweep up to `max`.
    fn thread_list_to(&self, max: usize) -> Vec<usize> {
        let max = max.max(1);
        let mut v: Vec<usize> = match self.steps {
            ThreadSteps::EveryOne => (1..=max).collect(),
            ThreadSteps::Doubling => std::iter::successors(Some(1usize), |&t| (t * 2 <= max).then_some(t * 2)).collect(),
        };
        if v.last() != Some(&max) {
            v.push(max);
        }
        v
    }

    /// The variants "Compare variants" runs, and why one was left out.
    pub fn compare_variants(&self) -> (Vec<Variant>, Option<String>) {
        let spec = self.spec();
        let mut names: Vec<Variant> = spec.name.design().variants().to_vec();
        let n = spec.get("n");
        if spec.name == WorkloadKind::Aggregates && n > LOCK_STEP_MAX_N {
            names.retain(|&v| v != Variant::LockStep);
            let why = format!(
                "lock-step is left out at n = {n}: a barrier per item costs tens of microseconds, so it would take minutes. \
                 Set n to at most {LOCK_STEP_MAX_N} to see it."
            );
            return (names, Some(why));
        }
        (names, None)
    }

    /// The threads "Compare feeders" and "GIL off vs on" go up to on a
    /// machine of `cores` logical cores: the slider's count, but not past the
    /// cores unless [`Settings::compare_oversubscribed`] says so.
    pub fn compare_threads(&self, cores: usize) -> usize {
        if self.compare_oversubscribed { self.threads } else { self.threads.min(cores.max(1)) }
    }

    /// The plan a button starts on a machine of `cores` logical cores.
    pub fn plan(&self, kind: JobKind, cores: usize) -> SweepPlan {
        let one = |feeder| vec![feeder];
        let compare = self.compare_threads(cores);
        let (feeders, threads, chunks, gil) = match kind {
            JobKind::Once => (one(self.feeder), vec![self.threads], vec![self.chunk_size()], vec![self.gil]),
            JobKind::Threads | JobKind::Weak => (one(self.feeder), self.thread_list(), vec![self.chunk_size()], vec![self.gil]),
            JobKind::Chunks => {
                let mut chunks: Vec<ChunkSize> = CHUNK_SWEEP.iter().filter_map(|&c| ChunkSize::fixed(c).ok()).collect();
                chunks.push(ChunkSize::Auto);
                (one(self.feeder), vec![self.threads], chunks, vec![self.gil])
            }
            JobKind::Feeders => (FeederKind::ALL.to_vec(), vec![compare], vec![self.chunk_size()], vec![self.gil]),
            JobKind::Gil => (one(self.feeder), self.thread_list_to(compare), vec![self.chunk_size()], vec![false, true]),
            JobKind::Variants => (one(self.feeder), vec![self.threads], vec![self.chunk_size()], vec![self.gil]),
        };
        let variants = if kind == JobKind::Variants { self.compare_variants().0 } else { vec![] };
        let fixed = !self.spec().name.design().takes_feeder();
        // The GIL switch belongs to the feeders; the own designs ignore it.
        let gil = if fixed { vec![false] } else { gil };
        SweepPlan {
            workload: self.spec(),
            feeders,
            threads: threads.into_iter().filter_map(|t| Threads::new(t).ok()).collect(),
            chunks,
            gil,
            reps: self.reps.max(1),
            warmup: self.warmup,
            spans: true,
            variants,
            weak: kind == JobKind::Weak,
        }
    }
}
