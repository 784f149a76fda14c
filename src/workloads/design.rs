//! How a workload runs on the engine: its [`Design`], and for the designs
//! that come in several ways, the [`Variant`] picked with `--variant`.
//! Everything that differs between designs (whether the feeder applies,
//! what fixes the thread count, what `auto` means) is asked of the design,
//! never of a workload's name.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::engine::FeederKind;

/// The engine design a workload runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Design {
    /// Map-reduce over the feeder the user picks (`Run::fold`).
    MapReduce,
    /// Keyed map-reduce over the feeder the user picks: map + local combine,
    /// then shuffle + reduce by partition (`Run::map_reduce_by_key`).
    KeyedMapReduce,
    /// The ordered (or unordered) streaming map (`engine::ordered`).
    OrderedStream,
    /// One pass feeding several aggregates, one thread each (`engine::broadcast`).
    Broadcast,
    /// Map-reduce over the feeder the user picks, whose map writes per-worker
    /// counters laid out as the variant says (packed in one cache line, or
    /// padded apart).
    SharedCounters,
    /// Map-reduce over the feeder the user picks, counting keys either in
    /// one locked map or in local tables merged at the end (the keyed design).
    SharedState,
    /// A user's own program, run as a black box at each thread count
    /// (`{threads}` in its command line or environment): no feeder, no chunks.
    Program,
    /// A Rust program's own map-reduce, measured inside that program by the
    /// measuring layer's harness (`Scaling`) on the feeder it picks. It runs
    /// only there: this process has not got the code.
    OwnCode,
}

impl Design {
    /// The variants of this design, the default first; empty where it runs one way.
    pub fn variants(self) -> &'static [Variant] {
        match self {
            Design::MapReduce | Design::KeyedMapReduce | Design::Program | Design::OwnCode => &[],
            Design::OrderedStream => &[Variant::Ordered, Variant::Unordered],
            Design::SharedCounters => &[Variant::Packed, Variant::Padded],
            Design::SharedState => &[Variant::LockedMap, Variant::LocalMerge],
            Design::Broadcast => &[Variant::Chunked, Variant::Tee, Variant::BufferAll, Variant::LockStep, Variant::Cooperative],
        }
    }

    /// The variant that runs when none is picked.
    pub fn default_variant(self) -> Option<Variant> {
        self.variants().first().copied()
    }

    /// Whether the feeder (and the simulated GIL) setting applies.
    pub fn takes_feeder(self) -> bool {
        matches!(self, Design::MapReduce | Design::KeyedMapReduce | Design::SharedCounters | Design::SharedState | Design::OwnCode)
    }

    /// Whether this process can run it: false for a program's own code
    /// ([`Design::OwnCode`]), which only that program can measure again.
    pub fn runs_here(self) -> bool {
        self != Design::OwnCode
    }

    /// For designs of their own, the feeder the design resembles, recorded in
    /// results in place of the feeder setting: the ordered stream's workers
    /// take chunks under one lock (`dispenser`); the broadcast sends chunks
    /// down queues (`queue`).
    pub fn recorded_feeder(self) -> Option<FeederKind> {
        match self {
            Design::MapReduce | Design::KeyedMapReduce | Design::SharedCounters | Design::SharedState | Design::OwnCode => None,
            Design::OrderedStream => Some(FeederKind::Dispenser),
            Design::Broadcast => Some(FeederKind::Queue),
            Design::Program => Some(FeederKind::Auto),
        }
    }

    /// The parameter that fixes the thread count (one thread per aggregate),
    /// where the thread setting does not apply.
    pub fn threads_param(self) -> Option<&'static str> {
        match self {
            Design::Broadcast => Some("k"),
            _ => None,
        }
    }

    /// What `auto` means for this design, in words.
    pub fn auto_means(self) -> &'static str {
        match self {
            Design::MapReduce | Design::KeyedMapReduce | Design::SharedCounters | Design::SharedState => {
                "feeder auto: measure, then run fused on one core or dispense adaptive chunks; chunk auto: about 200 us of work per chunk"
            }
            Design::OrderedStream => "chunk auto: 1,024 numbers per chunk (the feeder setting does not apply)",
            Design::Broadcast => "chunk auto: 8,192 items per shared chunk (the feeder and thread settings do not apply)",
            Design::Program => "the program decides how it splits its work (the feeder and chunk settings do not apply)",
            Design::OwnCode => {
                "as the program asked (feeder auto unless it picked another): measure, then run fused on one core or dispense adaptive chunks"
            }
        }
    }
}

/// One way a design can run, picked with `--variant`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Variant {
    /// Ordered stream: results in input order.
    Ordered,
    /// Ordered stream's twin: results in completion order.
    Unordered,
    /// Broadcast: shared chunks down a short queue per aggregate.
    Chunked,
    /// Broadcast: an unbounded queue per aggregate.
    Tee,
    /// Broadcast: read everything into memory first.
    BufferAll,
    /// Broadcast: every aggregate takes each item in turn.
    LockStep,
    /// False sharing: per-worker counters side by side in one cache line.
    Packed,
    /// Per-worker counters one cache line apart.
    Padded,
    /// The aggregates as coroutines polled in turn on one thread.
    Cooperative,
    /// Every worker adds to one shared map behind a lock.
    LockedMap,
    /// Each worker counts locally; the tables are merged at the end.
    LocalMerge,
}

impl Variant {
    /// Every variant.
    pub const ALL: [Variant; 11] = [
        Variant::Ordered,
        Variant::Unordered,
        Variant::Chunked,
        Variant::Tee,
        Variant::BufferAll,
        Variant::LockStep,
        Variant::Cooperative,
        Variant::Packed,
        Variant::Padded,
        Variant::LockedMap,
        Variant::LocalMerge,
    ];

    /// Its name on the command line and in results files.
    pub fn name(self) -> &'static str {
        match self {
            Variant::Ordered => "ordered",
            Variant::Unordered => "unordered",
            Variant::Chunked => "chunked",
            Variant::Tee => "tee",
            Variant::BufferAll => "buffer-all",
            Variant::LockStep => "lock-step",
            Variant::Cooperative => "cooperative",
            Variant::Packed => "packed",
            Variant::Padded => "padded",
            Variant::LockedMap => "locked-map",
            Variant::LocalMerge => "local-merge",
        }
    }

    /// The largest `n` at which a comparison of all variants includes this
    /// one, and why: lock-step pays a barrier per item (tens of
    /// microseconds), so a million items would take minutes.
    pub fn max_n(self) -> Option<(u64, &'static str)> {
        match self {
            Variant::LockStep => Some((50_000, "a barrier per item costs tens of microseconds, so it would take minutes")),
            _ => None,
        }
    }

    /// One line for people.
    pub fn help(self) -> &'static str {
        match self {
            Variant::Ordered => "results in input order: a slow chunk holds back output (the reorder buffer), never memory",
            Variant::Unordered => "results in completion order: no reorder buffer, same memory bound",
            Variant::Chunked => "shared chunks down a short queue per aggregate: bounded memory (ours)",
            Variant::Tee => "an unbounded queue per aggregate: memory grows when one falls behind",
            Variant::BufferAll => "read everything into memory, then run each aggregate over it",
            Variant::LockStep => "every aggregate takes each item in turn: bounded memory, a barrier per item (slow)",
            Variant::Cooperative => {
                "every aggregate a coroutine, polled in turn on one thread for each item: no threads, one item in memory"
            }
            Variant::Packed => "the workers' counters side by side in one cache line: it bounces between the cores (false sharing)",
            Variant::Padded => "each worker's counter on a cache line of its own: the same work without the bouncing",
            Variant::LockedMap => "every worker adds every item to one shared map behind a lock: they queue at it",
            Variant::LocalMerge => {
                "each worker counts into its own tables, merged at the end by key (the shuffle): no lock on the hot path"
            }
        }
    }

    /// The design it belongs to.
    pub fn design(self) -> Design {
        match self {
            Variant::Ordered | Variant::Unordered => Design::OrderedStream,
            Variant::Packed | Variant::Padded => Design::SharedCounters,
            Variant::LockedMap | Variant::LocalMerge => Design::SharedState,
            _ => Design::Broadcast,
        }
    }
}

impl fmt::Display for Variant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Variant {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        Variant::ALL.into_iter().find(|v| v.name() == s).ok_or_else(|| {
            let names: Vec<&str> = Variant::ALL.iter().map(|v| v.name()).collect();
            format!("no variant '{s}' (variants: {})", names.join(", "))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_belongs_to_the_design_that_lists_it() {
        for v in Variant::ALL {
            assert!(v.design().variants().contains(&v), "{v}");
            assert_eq!(v.name().parse::<Variant>(), Ok(v));
            assert_eq!(serde_json::to_string(&v).ok(), Some(format!("\"{}\"", v.name())));
        }
        assert!("fastest".parse::<Variant>().is_err());
        assert!(Design::MapReduce.variants().is_empty() && Design::MapReduce.takes_feeder());
        assert_eq!(Design::Broadcast.threads_param(), Some("k"));
        assert!(!Design::OwnCode.runs_here() && Design::Program.runs_here() && Design::MapReduce.runs_here());
    }
}
