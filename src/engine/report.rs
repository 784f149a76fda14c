//! What a call reports: what ran, typed, with its words derived, and how
//! each worker spent its time.

use serde::{Deserialize, Serialize};

use super::broadcast::Strategy;
use super::{BufferStats, ChunkSize, FeederKind, PhaseTime, Span, WorkerStats};

/// What ran, typed (the words are [`Report::used`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum Ran {
    /// Worker threads shared the input.
    #[default]
    Workers,
    /// One fused loop on one core (`sequential`, `auto` with one thread,
    /// or `auto` fused for 90% of the items or more).
    OneCore,
    /// `auto`: workers, with a share of the items on one fused core.
    Mixed {
        /// Items run on one core, as a share of all.
        one_core_share: f64,
    },
}

impl Ran {
    /// Whether most of the input ran on one core.
    pub fn mostly_one_core(self) -> bool {
        match self {
            Ran::OneCore => true,
            Ran::Mixed { one_core_share } => one_core_share >= 0.5,
            Ran::Workers => false,
        }
    }
}

/// One of `auto`'s switches between its workers and one fused core.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Switch {
    /// When, seconds since the call began.
    pub at_s: f64,
    /// What it switched to: [`Ran::Workers`] or [`Ran::OneCore`].
    pub to: Ran,
    /// Why, with the measured costs (e.g. "the workers did 3.1M items/s,
    /// one fused core does 9.8M/s").
    pub reason: String,
}

impl std::fmt::Display for Switch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let to = if self.to == Ran::OneCore { "one fused core" } else { "the workers" };
        write!(f, "at {:.1} ms -> {to} ({})", self.at_s * 1e3, self.reason)
    }
}

/// The kind of call a report is of: it decides how its words read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum Shape {
    /// A map-reduce through a feeder ([`Run`](super::Run)).
    #[default]
    Fold,
    /// An ordered or unordered stream with its reorder window (chunks).
    Stream {
        /// Results in input order.
        ordered: bool,
        /// Chunks the window allows in flight.
        window: u64,
    },
    /// A broadcast to aggregate threads.
    Broadcast {
        /// How the items reach the aggregates.
        strategy: Strategy,
    },
    /// A broadcast to aggregates polled in turn on the calling thread.
    Cooperative,
    /// An outside program timed as a black box ([`Report::process`] says what it used).
    Program,
}

/// What ran and how each worker spent its time. What ran is typed
/// (`feeder`, `shape`, `chunk`, `ran`, `switches`); its words
/// ([`Report::used`], [`Report::plan`]) are derived from them.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The feeder asked for.
    pub feeder: FeederKind,
    /// The kind of call.
    #[serde(default)]
    pub shape: Shape,
    /// The chunk size asked for.
    #[serde(default)]
    pub chunk: ChunkSize,
    /// What actually ran.
    #[serde(default)]
    pub ran: Ran,
    /// `auto`'s switches (the first [`MAX_SWITCHES_KEPT`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub switches: Vec<Switch>,
    /// `auto`'s switches past the kept ones.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub more_switches: usize,
    /// Worker threads that ran (0 when a fused loop ran on the calling thread).
    pub threads_used: usize,
    /// Per-worker totals; their `items` add up to the input length.
    pub workers: Vec<WorkerStats>,
    /// Wall time of the whole call, seconds.
    pub wall_s: f64,
    /// Per-worker spans, when asked for with [`Run::record_spans`](super::Run::record_spans).
    pub spans: Vec<Span>,
    /// The phases of a keyed map-reduce; empty for other calls.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub phases: Vec<PhaseTime>,
    /// What a buffering design held at most (ordered stream, broadcast).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buffer: Option<BufferStats>,
    /// For an outside program timed as a black box (the `command`
    /// workload): what its process tree used. `None` for engine calls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub process: Option<crate::program::TreeUse>,
}

/// `auto` keeps this many switches; it counts the rest.
pub const MAX_SWITCHES_KEPT: usize = 6;

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl Report {
    /// Items mapped, summed over workers.
    pub fn items(&self) -> u64 {
        self.workers.iter().map(|w| w.items).sum()
    }

    /// What ran, in words (e.g. `dispenser x2, chunk 1024`).
    pub fn used(&self) -> String {
        let k = self.threads_used;
        match self.shape {
            Shape::Fold => fold_words(self.feeder, self.chunk, self.ran, k),
            Shape::Stream { ordered, window } => {
                let order = if ordered { "ordered" } else { "unordered" };
                format!("{order} stream: {k} workers, chunk {}, window {window} chunks", self.chunk)
            }
            Shape::Broadcast { strategy } => format!("{strategy}: {k} aggregate threads, the calling thread reads"),
            Shape::Cooperative => {
                format!("cooperative: {} aggregates polled in turn on the calling thread, one item at a time", self.workers.len())
            }
            Shape::Program => match &self.process {
                Some(p) => format!(
                    "the program: {} threads in {} processes, {:.2} cores busy on average",
                    p.threads_seen,
                    p.processes_seen,
                    p.cores_used()
                ),
                None => "the program".into(),
            },
        }
    }

    /// `auto`'s decisions with their evidence, in words; `None` for other feeders.
    pub fn plan(&self) -> Option<String> {
        (self.shape == Shape::Fold && self.feeder == FeederKind::Auto)
            .then(|| plan_words(self.workers.len(), self.threads_used, &self.switches, self.more_switches))
    }
}

/// What a map-reduce through `feeder` ran, in words.
pub(crate) fn fold_words(feeder: FeederKind, chunk: ChunkSize, ran: Ran, threads: usize) -> String {
    match feeder {
        FeederKind::Sequential => "sequential (fused loop)".into(),
        FeederKind::Dispenser => format!("dispenser x{threads}, chunk {chunk}"),
        FeederKind::Queue => format!("queue x{threads} + producer, chunk {chunk}"),
        FeederKind::Locked => format!("locked x{threads}, one item per lock"),
        FeederKind::Rayon => format!("rayon par_bridge x{threads}"),
        FeederKind::Auto => match ran {
            Ran::OneCore if threads == 0 => "auto: fused".into(),
            Ran::OneCore => "auto: fused on one core (after the workers lost)".into(),
            Ran::Mixed { one_core_share } => {
                format!("auto: adaptive dispenser x{threads} (one core for {:.0}% of the items)", one_core_share * 100.0)
            }
            Ran::Workers => format!("auto: adaptive dispenser x{threads}"),
        },
    }
}

/// `auto`'s plan in words: the start, then every kept switch. `asked`
/// threads were asked for, `used` workers ran (0: the calling thread alone).
pub(crate) fn plan_words(asked: usize, used: usize, switches: &[Switch], more: usize) -> String {
    if asked <= 1 {
        return "1 thread asked: fused loop on one core".into();
    }
    if used == 0 {
        let mut plan = "ran as a plain loop on the calling thread; the workers never started".to_string();
        match switches.last() {
            Some(s) => plan.push_str(&format!(" (last check at {:.1} ms: {})", s.at_s * 1e3, s.reason)),
            None => plan.push_str(" (the job ended before the first check)"),
        }
        return plan;
    }
    let mut plan = "started as a plain loop on the calling thread".to_string();
    for s in switches {
        plan.push_str(&format!("; {s}"));
    }
    if switches.len() == 1 && more == 0 {
        plan.push_str(", and kept them: the source was never the bottleneck");
    }
    if more > 0 {
        plan.push_str(&format!("; and {more} more switches"));
    }
    plan
}
