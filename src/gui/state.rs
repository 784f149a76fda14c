//! What the user chose: persisted between launches (`#[serde(default)]`, so
//! new fields load from old state), and the plan a button makes of it.
//!
//! The thread count and the chunk size are held as [`Threads`] and
//! [`ChunkSize`], which cannot hold an invalid value: the controls turn what
//! the person typed into them once; [`Settings::plan`] hands them on as they
//! are and refuses, naming each, whatever it cannot turn into a plan.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

use crate::engine::{Chunk, ChunkSize, FeederKind, MAX_CHUNK, MAX_THREADS, Threads};
use crate::experiment::SweepPlan;
use crate::program::CommandSpec;
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
    #[serde(deserialize_with = "stored_threads")]
    pub threads: Threads,
    /// Items per chunk (or auto).
    #[serde(deserialize_with = "stored_chunk")]
    pub chunk: ChunkSize,
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
    /// The lesson on show in the lesson view (an index into the Learn
    /// tab's lessons), or `None` for the tabs.
    pub lesson: Option<usize>,
    /// The control panel is shown beside the tabs (it can be collapsed to
    /// give the plots the width).
    pub controls: bool,
    /// The control panel is shown beside a lesson view (hidden at first: a
    /// class sees the lesson).
    pub lesson_controls: bool,
    /// Before measuring, estimate the job's length and read the machine's
    /// load, and ask when the job is long or another program uses the CPU.
    pub check_first: bool,
    /// The command the person typed (or saw and confirmed) in this session.
    /// A command in the specs that is not this one came from elsewhere (an
    /// experiment's file, the settings saved last time): it is shown, and
    /// runs only once the person has seen it and said so. Never saved, so
    /// restored settings are never trusted.
    #[serde(skip)]
    pub typed_command: Option<CommandSpec>,
    /// Where the command in the specs came from when it was not typed here
    /// ("experiment #2, xz sweep"), for the mark beside it.
    #[serde(skip)]
    pub command_from: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            specs: WorkloadKind::ALL.iter().filter(|k| k.design().runs_here()).map(|&k| WorkloadSpec::new(k)).collect(),
            workload: WorkloadKind::default(),
            feeder: FeederKind::Auto,
            threads: capped_threads(num_cpus::get()),
            chunk: ChunkSize::Auto,
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
            view: WorkloadKind::default(),
            lesson: None,
            controls: true,
            lesson_controls: false,
            check_first: true,
            typed_command: None,
            command_from: None,
        }
    }
}

/// This machine's thread ladder (1, 2, 4, ..., the allowed CPUs, the
/// physical cores, the logical CPUs, twice those), read once.
fn machine_ladder() -> &'static [usize] {
    static LADDER: std::sync::OnceLock<Vec<usize>> = std::sync::OnceLock::new();
    LADDER.get_or_init(|| crate::machine::MachineInfo::detect().ladder())
}

/// `n` threads brought into 1..=[`MAX_THREADS`]: for counts the app derives
/// from the core count ("4x the cores"), never for what a person typed.
pub fn capped_threads(n: usize) -> Threads {
    Threads::new(n.clamp(1, MAX_THREADS)).unwrap_or(Threads::ONE)
}

/// A stored thread count: a number (this and older versions), brought into
/// 1..=[`MAX_THREADS`] (older versions stored 4x the cores, which a machine
/// of more than 256 cores takes past it); anything else loads as the default.
fn stored_threads<'de, D: Deserializer<'de>>(d: D) -> Result<Threads, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Stored {
        Count(usize),
        Other(serde::de::IgnoredAny),
    }
    Ok(match Stored::deserialize(d)? {
        Stored::Count(n) => capped_threads(n),
        Stored::Other(_) => capped_threads(num_cpus::get()),
    })
}

/// A stored chunk size: `"auto"` or a number (this version), `None` or
/// `Some(n)` (older versions, whose slider kept n in 1..=[`MAX_CHUNK`]). A
/// number out of range is brought into it, so a fixed size stays fixed;
/// anything else loads as auto.
fn stored_chunk<'de, D: Deserializer<'de>>(d: D) -> Result<ChunkSize, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Stored {
        Items(usize),
        Text(String),
        Old(Option<usize>),
        Other(serde::de::IgnoredAny),
    }
    let fixed = |n: usize| ChunkSize::fixed(n.clamp(1, MAX_CHUNK)).unwrap_or_default();
    Ok(match Stored::deserialize(d)? {
        Stored::Items(n) | Stored::Old(Some(n)) => fixed(n),
        Stored::Text(t) => t.parse().unwrap_or_default(),
        Stored::Old(None) | Stored::Other(_) => ChunkSize::Auto,
    })
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
    /// One configuration a what-if prediction named, run into the
    /// experiment the prediction came from ("Check it").
    Check,
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
            JobKind::Check => {
                let threads = list(plan.threads.iter().map(ToString::to_string).collect());
                format!("{name}: checking a prediction ({} x{threads})", list(plan.feeders.iter().map(ToString::to_string).collect()))
            }
        }
    }
}

/// Chunk sizes a chunk sweep covers (checked when the crate is built).
pub const CHUNK_SWEEP: [Chunk; 7] =
    [Chunk::of(1), Chunk::of(10), Chunk::of(100), Chunk::of(1_000), Chunk::of(10_000), Chunk::of(100_000), Chunk::of(1_000_000)];

/// One setting [`Settings::plan`] refused: which, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejected {
    /// The setting, as the controls name it (`"threads list"`, `"repetitions"`).
    pub field: &'static str,
    /// Why, for the person.
    pub why: String,
}

/// Why [`Settings::plan`] made no plan: every rejected setting, none left out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanError(pub Vec<Rejected>);

impl PlanError {
    /// Whether `field` is among the rejected settings.
    pub fn names(&self, field: &str) -> bool {
        self.0.iter().any(|r| r.field == field)
    }
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(|r| format!("{}: {}", r.field, r.why)).collect();
        f.write_str(&parts.join("; "))
    }
}

impl std::error::Error for PlanError {}

/// Thread counts as [`Threads`]; each count that is not one is rejected under
/// `field`, none dropped.
fn thread_counts(field: &'static str, counts: Vec<usize>, rejected: &mut Vec<Rejected>) -> Vec<Threads> {
    let mut out = Vec::with_capacity(counts.len());
    for t in counts {
        match Threads::new(t) {
            Ok(t) => out.push(t),
            Err(_) => rejected.push(Rejected { field, why: format!("'{t}' is not a thread count (1..={MAX_THREADS})") }),
        }
    }
    out
}

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

    /// Thread counts of a sweep up to `self.threads`.
    pub fn thread_list(&self) -> Vec<usize> {
        self.thread_list_to(self.threads.get())
    }

    /// Thread counts of a sweep up to `max` (just `[0]` for a `max` of 0,
    /// which [`Settings::plan`] refuses).
    fn thread_list_to(&self, max: usize) -> Vec<usize> {
        if max == 0 {
            return vec![0];
        }
        let mut v: Vec<usize> = match self.steps {
            ThreadSteps::EveryOne => (1..=max).collect(),
            ThreadSteps::Doubling => machine_ladder().iter().copied().filter(|&t| t <= max).collect(),
        };
        if v.last() != Some(&max) {
            v.push(max);
        }
        v
    }

    /// The variants "Compare variants" runs, and why any was left out
    /// (each variant says up to which `n` it runs in reasonable time).
    pub fn compare_variants(&self) -> (Vec<Variant>, Option<String>) {
        let spec = self.spec();
        let n = spec.get("n");
        let (kept, left): (Vec<Variant>, Vec<Variant>) =
            spec.name.design().variants().iter().partition(|v| v.max_n().is_none_or(|(max, _)| n <= max));
        let why = left
            .iter()
            .filter_map(|v| v.max_n().map(|(max, why)| (v, max, why)))
            .map(|(v, max, why)| format!("{} is left out at n = {n}: {why}. Set n to at most {max} to see it.", v.name()));
        let why: Vec<String> = why.collect();
        (kept, (!why.is_empty()).then(|| why.join(" ")))
    }

    /// Whether `command` may run without asking: the person typed it, or saw
    /// it and said run it, in this session.
    pub fn command_trusted(&self, command: &CommandSpec) -> bool {
        self.typed_command.as_ref() == Some(command)
    }

    /// Whether the selected workload's command came from elsewhere than the
    /// person's typing (it is asked about before it runs).
    pub fn command_from_file(&self) -> bool {
        self.spec().command.as_ref().is_some_and(|c| !self.command_trusted(c))
    }

    /// Trusts `command`: the person typed it, or saw it and said run it.
    pub fn trust_command(&mut self, command: CommandSpec) {
        self.typed_command = Some(command);
        self.command_from = None;
    }

    /// The controls set as `x` ran: its workload with its parameters (and
    /// its command, marked as from `from`: not trusted), the most threads
    /// it asked for, its repetitions and warm-up, and its feeder, chunk
    /// size and GIL where it had one each.
    pub fn use_experiment(&mut self, x: &crate::experiment::Experiment, from: String) {
        let kind = x.workload.name;
        self.workload = kind;
        self.view = kind;
        *self.spec_mut() = WorkloadSpec { input: None, ..x.workload.clone() };
        if let Some(t) = x.asked.threads.iter().map(|t| t.get()).max() {
            self.threads = capped_threads(t);
        }
        if let [feeder] = x.asked.feeders[..] {
            self.feeder = feeder;
        }
        if let [chunk] = x.asked.chunks[..] {
            self.chunk = chunk;
        }
        if let [gil] = x.asked.gil[..] {
            self.gil = gil;
        }
        self.reps = x.asked.reps.clamp(1, 20);
        self.warmup = x.asked.warmup.min(5);
        self.command_from = self.command_from_file().then_some(from);
    }

    /// Whether the control panel is shown: beside a lesson view, or beside the tabs.
    pub fn controls_shown(&self) -> bool {
        if self.lesson.is_some() { self.lesson_controls } else { self.controls }
    }

    /// Shows or hides the control panel where it is (lesson view or tabs).
    pub fn toggle_controls(&mut self) {
        let shown = if self.lesson.is_some() { &mut self.lesson_controls } else { &mut self.controls };
        *shown = !*shown;
    }

    /// The threads "Compare feeders" and "GIL off vs on" go up to on a
    /// machine of `cores` logical cores: the slider's count, but not past the
    /// cores unless [`Settings::compare_oversubscribed`] says so.
    pub fn compare_threads(&self, cores: usize) -> usize {
        if self.compare_oversubscribed { self.threads.get() } else { self.threads.get().min(cores) }
    }

    /// The plan a button starts on a machine of `cores` logical cores. The
    /// thread count and chunk size go in as they are held; the workload's
    /// parameters are checked by [`SweepPlan::validate`] when the job starts.
    ///
    /// # Errors
    /// Every setting that cannot make a plan, each named: a thread list with
    /// a count that is not a thread count (0 when `cores` is 0), no repetitions.
    pub fn plan(&self, kind: JobKind, cores: usize) -> Result<SweepPlan, PlanError> {
        let mut rejected = Vec::new();
        let one = |feeder| vec![feeder];
        let compare = self.compare_threads(cores);
        let (feeders, threads, chunks, gil) = match kind {
            // A check's plan comes from its prediction; from the controls it is one run.
            JobKind::Once | JobKind::Variants | JobKind::Check => (one(self.feeder), vec![self.threads], vec![self.chunk], vec![self.gil]),
            JobKind::Threads | JobKind::Weak => {
                (one(self.feeder), thread_counts("threads list", self.thread_list(), &mut rejected), vec![self.chunk], vec![self.gil])
            }
            JobKind::Chunks => {
                let chunks = CHUNK_SWEEP.iter().map(|&c| ChunkSize::Fixed(c)).chain([ChunkSize::Auto]).collect();
                (one(self.feeder), vec![self.threads], chunks, vec![self.gil])
            }
            JobKind::Feeders => {
                (FeederKind::ALL.to_vec(), thread_counts("threads list", vec![compare], &mut rejected), vec![self.chunk], vec![self.gil])
            }
            JobKind::Gil => {
                let threads = thread_counts("threads list", self.thread_list_to(compare), &mut rejected);
                (one(self.feeder), threads, vec![self.chunk], vec![false, true])
            }
        };
        if self.reps == 0 {
            rejected.push(Rejected { field: "repetitions", why: "0 is not a repetition count (at least 1)".into() });
        }
        if !rejected.is_empty() {
            return Err(PlanError(rejected));
        }
        let variants = if kind == JobKind::Variants { self.compare_variants().0 } else { vec![] };
        let fixed = !self.spec().name.design().takes_feeder();
        // The GIL switch belongs to the feeders; the own designs ignore it.
        let gil = if fixed { vec![false] } else { gil };
        Ok(SweepPlan {
            workload: self.spec(),
            feeders,
            threads,
            chunks,
            gil,
            reps: self.reps,
            warmup: self.warmup,
            spans: true,
            variants,
            weak: kind == JobKind::Weak,
        })
    }
}
