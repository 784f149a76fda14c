//! What if: a model of a feeder run built from what one run measured, that
//! predicts its speedup at any thread count and under changed conditions
//! ("the source 2x faster", "no lock", "chunks of X", "no GIL", "costs
//! evenly spread"), and says which change would help most.
//!
//! The model (one serial source, `q` cores):
//!
//! ```text
//! serial   = K h                          the lock's critical sections, one at a time (h = C s + hand-off)
//! parallel = (N m + K h + K a) / q        everything the cores do, shared
//! T(p)     = max(serial, parallel) + C m (1 - 1/q) I   (the last chunk's tail)
//! S(p)     = T1 / T(p)
//! ```
//!
//! from one run's measurements: `N` items in `K` chunks of `C = N / K` on
//! average; `m` = map time per item (the workers' busy time / N); `h` = the
//! time a worker waited for a chunk (`wait / K`; with `p` workers that wait
//! queued behind up to `p - 1` others, so it is divided by `min(p, cores)`);
//! `a` = the rest of a core's time per chunk (clock reads, counters), the
//! least any worker lost per chunk: time lost once (a late start, an early
//! end, `auto`'s start on one core) is per run, `fixed_s`; `s` = the
//! serial pull per item (timed where the run timed its fills); `I` =
//! imbalance (the busiest worker's map time over the mean), which only
//! the last chunk keeps: a dynamic feeder spreads the rest. With a GIL the
//! map holds one lock too: `N m` moves into the serial term. One worker
//! alone never contends: its hand-off is an uncontended lock. The
//! `queue`'s producer pulls on a thread of its own: its critical sections
//! run beside the workers (on `min(p + 1, cores)` cores), not on their
//! cores. On this machine `q = min(p, cores)`; the what-if curves assume a
//! machine with `p` cores.
//!
//! [`check`] builds the model from one run of a series and predicts the
//! others (other thread counts, chunk sizes); its error is the model's
//! honest accuracy.
//!
//! A user's own program (the `command` workload, a hyperfine import) has
//! no items, chunks or lock to model: there is no what-if for it, and
//! [`black_box`] says why.

use serde::{Deserialize, Serialize};

use crate::engine::FeederKind;
use crate::experiment::{Experiment, RunRecord};
use crate::machine::MachineInfo;

/// A typical lock hand-off between cores, ns (an uncontended lock and a
/// cache line moving): the part of a big chunk's critical section that is
/// not the pull. Runs of small chunks measure it directly (3 to 30 ns for
/// the dispenser and `locked` on the build VM); a run of big chunks cannot
/// (see [`SMALL_CHUNK`]) and uses this.
const HAND_OFF_NS: f64 = 50.0;

/// An uncontended lock and its release, ns: a lone worker's hand-off.
const UNCONTENDED_NS: f64 = 20.0;

/// Chunks of at most this many items show their hand-off: beyond it, what
/// a worker waits beside the pull is mostly the other workers' long
/// critical sections (queueing, and `auto`'s fused samples under the lock:
/// 73 us read as a hand-off at chunk 65536, which predicted chunk 16
/// 100x too slow).
const SMALL_CHUNK: f64 = 256.0;

/// The most per-chunk overhead a core can have outside the map and the
/// lock (clock reads, counters, a wake-up), ns. A run of a few huge chunks
/// leaves time that is per run (threads starting, the first fill), not per
/// chunk: what is above this goes to [`Model::fixed_s`], so a prediction
/// for one-item chunks does not multiply it by a million.
const MAX_CHUNK_OVERHEAD_NS: f64 = 2_000.0;

/// Chunks a run must take before its per-chunk overhead is measured.
const MIN_CHUNKS_SEEN: f64 = 1_000.0;

/// The per-chunk overhead assumed for a run of fewer chunks, ns: three
/// clock reads and a few counters (measured on the build VM).
const TYPICAL_CHUNK_OVERHEAD_NS: f64 = 100.0;

/// A change to the conditions of a run.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum Change {
    /// As measured.
    AsMeasured,
    /// The source pulls items `factor` times faster.
    FasterSource {
        /// How much faster.
        factor: f64,
    },
    /// No lock: a splittable source (each worker pulls its own part).
    NoLock,
    /// Chunks of this many items.
    Chunk {
        /// Items per chunk.
        items: u64,
    },
    /// No global interpreter lock around the map.
    NoGil,
    /// Every item costs the same (no imbalance).
    EvenCosts,
    /// The once-per-run time outside the parallel map (a serial part
    /// before or after it, thread starts) shared by the cores like the map.
    NoSerialPart,
}

impl Change {
    /// What it says, for people.
    pub fn label(self) -> String {
        match self {
            Change::AsMeasured => "as measured".into(),
            Change::FasterSource { factor } => format!("the source {factor}x faster"),
            Change::NoLock => "no lock (a splittable source)".into(),
            Change::Chunk { items } => format!("chunks of {items}"),
            Change::NoGil => "no GIL".into(),
            Change::EvenCosts => "costs evenly spread".into(),
            Change::NoSerialPart => "the serial part parallel".into(),
        }
    }
}

/// The model of one run.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Model {
    /// Items.
    pub n: f64,
    /// Chunks taken.
    pub chunks: f64,
    /// Map time per item, ns.
    pub map_ns: f64,
    /// Serial pull per item, ns.
    pub pull_ns: f64,
    /// The lock's critical section per chunk, ns (the pull of the chunk and the hand-off).
    pub critical_ns: f64,
    /// Of the critical section, what each chunk costs whatever its size,
    /// ns: taking the lock (or the queue), the cache lines moving, a
    /// wake-up. A chunk of `c` items holds the lock `hand_off + c x pull`.
    #[serde(default)]
    pub hand_off_ns: f64,
    /// The other per-chunk time of a core, ns (at most [`MAX_CHUNK_OVERHEAD_NS`]).
    pub chunk_overhead_ns: f64,
    /// What is left once per run (thread starts, the first chunk's fill), s.
    #[serde(default)]
    pub fixed_s: f64,
    /// The busiest worker's map time over the mean (>= 1).
    pub imbalance: f64,
    /// Whether the map held a GIL.
    pub gil: bool,
    /// Whether a thread of its own pulls the chunks (the `queue`'s
    /// producer): its critical sections then run beside the workers' maps,
    /// not on their cores.
    #[serde(default)]
    pub producer: bool,
    /// The sequential reference's time, s.
    pub t1_s: f64,
    /// Logical cores of the machine that measured it.
    pub cores: usize,
}

impl Model {
    /// The model of `run`, against the sequential reference's `t1_s`, on
    /// `machine` (its cores; its clock's cost, which each timed pull holds once). `None` for runs without per-worker counts (the
    /// sequential feeder, a keyed or one-pass design) or without items.
    pub fn of(run: &RunRecord, t1_s: f64, machine: &MachineInfo) -> Option<Model> {
        let cores = machine.logical_cores;
        // A fused loop on one core (`sequential`, `auto` fused) has no lock to model.
        let one_core = run.ran.is_some_and(|r| r.mostly_one_core());
        let program = !run.process.is_empty();
        if run.feeder == FeederKind::Sequential || one_core || program || run.variant.is_some() || run.workers.is_empty() || t1_s <= 0.0 {
            return None;
        }
        let n = run.workers.iter().map(|w| w.items).sum::<u64>() as f64;
        let chunks = run.workers.iter().map(|w| w.chunks).sum::<u64>().max(1) as f64;
        if n < 1.0 {
            return None;
        }
        let cores = cores.max(1);
        let producer = run.feeder == FeederKind::Queue;
        let q = run.threads.min(cores).max(1) as f64;
        // More threads than cores: a worker's busy and waiting time include
        // the time it waited for a core; scale them to the cores it had.
        let share = (cores as f64 / run.threads.max(1) as f64).min(1.0);
        let busy: Vec<f64> = run.workers.iter().filter(|w| w.items > 0).map(|w| w.busy_s * share).collect();
        let total_busy: f64 = busy.iter().sum();
        let total_wait: f64 = run.workers.iter().map(|w| w.wait_s * share).sum();
        let mean_busy = total_busy / busy.len().max(1) as f64;
        let imbalance = if mean_busy > 0.0 { (busy.iter().copied().fold(0.0, f64::max) / mean_busy).max(1.0) } else { 1.0 };
        let per_item_t1 = t1_s * 1e9 / n;
        // With a GIL the workers' busy time includes waiting for it: the
        // map's own cost is what the reference spends per item.
        // A worker's busy time covers its chunk's bookkeeping too (clock
        // reads, counters): with one-item chunks that is most of it. The map
        // itself costs at most twice what one fused core spends per item;
        // the rest of the busy time is per chunk.
        let map_ns = if run.gil { per_item_t1 } else { (total_busy * 1e9 / n).min(2.0 * per_item_t1) };
        let busy_overhead = (total_busy - n * map_ns / 1e9).max(0.0);
        let critical_ns = total_wait * 1e9 / chunks / q;
        let c = n / chunks;
        // Each chunk's timed pull holds one clock read: not the source's.
        let clock_s = machine.clock_read_ns.unwrap_or(0.0) * 1e-9;
        let pulled_s: f64 =
            run.workers.iter().filter(|w| w.pull_s > 0.0).map(|w| (w.pull_s - w.chunks as f64 * clock_s).max(0.0) * share).sum();
        let pull_ns = pull_per_item(pulled_s, n, c, critical_ns, per_item_t1 - map_ns);
        // A producer that shared the cores with the workers took longer per
        // chunk than its own work: the workers waited for its core too.
        let producer_share = if producer { (cores as f64 / (run.threads + 1) as f64).min(1.0) } else { 1.0 };
        let seen = (critical_ns * producer_share - pull_ns * c).max(0.0);
        let hand_off_ns = if c <= SMALL_CHUNK { seen } else { seen.min(HAND_OFF_NS) };
        // The rest of the cores' time, net of the last chunk's tail (the
        // model's own term), is per-chunk overhead.
        let tail_s = c * map_ns * (1.0 - 1.0 / q) / 1e9;
        let rest = (q * (run.median_s - tail_s) - total_busy - total_wait).max(0.0) + busy_overhead;
        // Per-chunk overhead is seen only over many chunks; a run of a few
        // huge ones gets a typical value, and its rest is per run.
        // While one core ran fused (`auto`'s start, and where it went back
        // to one core) the others stood idle: that is per run, not per chunk.
        let idle_s = (q - 1.0) * one_core_s(run);
        // Every worker pays a per-chunk cost, but only some lose time once
        // (a late start, an early end, a descheduling): the worker that lost
        // the least per chunk bounds it.
        let least = run
            .workers
            .iter()
            .filter(|w| w.chunks > 0)
            .map(|w| (share * (run.median_s - w.busy_s - w.wait_s)).max(0.0) / w.chunks as f64)
            .fold(f64::INFINITY, f64::min);
        let per_chunk_rest = ((rest - idle_s).max(0.0) / chunks).min(least + busy_overhead / chunks) * 1e9;
        let per_chunk = if chunks >= MIN_CHUNKS_SEEN {
            per_chunk_rest.min(MAX_CHUNK_OVERHEAD_NS)
        } else {
            TYPICAL_CHUNK_OVERHEAD_NS.min(per_chunk_rest)
        };
        let critical_ns = if producer { pull_ns * c + hand_off_ns } else { critical_ns };
        Some(Model {
            n,
            chunks,
            map_ns,
            pull_ns,
            critical_ns,
            hand_off_ns,
            chunk_overhead_ns: per_chunk,
            fixed_s: (rest - chunks * per_chunk / 1e9).max(0.0) / q,
            imbalance,
            gil: run.gil,
            producer,
            t1_s,
            cores,
        })
    }

    /// Predicted wall time, seconds, at `p` threads under `change`, on this
    /// machine (`q = min(p, cores)`) when `here`, else on one with `p` cores.
    pub fn time_on(&self, p: usize, change: Change, here: bool) -> f64 {
        let on = |threads: usize| if here { threads.min(self.cores) } else { threads }.max(1) as f64;
        let q = on(p);
        let n = self.n;
        let mut chunks = self.chunks;
        // One worker has no other to be out of balance with.
        let mut imbalance = if q > 1.0 { self.imbalance } else { 1.0 };
        // One worker never waits for another's critical section nor moves
        // the lock between cores: its hand-off is an uncontended lock.
        let hand_off = if p == 1 && !self.producer { self.hand_off_ns.min(UNCONTENDED_NS) } else { self.hand_off_ns };
        let mut critical = self.critical_ns - self.hand_off_ns + hand_off;
        let mut lock = true;
        let mut gil = self.gil;
        let hand_off = self.hand_off_ns;
        match change {
            Change::AsMeasured => {}
            Change::FasterSource { factor } => critical = hand_off + self.pull_ns * n / self.chunks / factor.max(1e-9),
            Change::NoLock => lock = false,
            Change::Chunk { items } => {
                chunks = (n / items.max(1) as f64).max(1.0);
                critical = hand_off + self.pull_ns * items as f64;
            }
            Change::NoGil => gil = false,
            Change::EvenCosts => imbalance = 1.0,
            Change::NoSerialPart => {}
        }
        let fixed = if change == Change::NoSerialPart { self.fixed_s / q } else { self.fixed_s };
        let map = n * self.map_ns;
        let mut serial = if lock { chunks * critical } else { 0.0 };
        if gil {
            serial += map;
        }
        // The workers' own work: the map, and the pulls where they pull.
        // (A dynamic feeder spreads uneven items over the workers: what is
        // left uneven at the end is the tail, below; a busiest worker's
        // surplus over the whole run was mostly what the others waited.)
        let pulls = if self.producer { 0.0 } else { critical };
        let workers = (map + chunks * (pulls + self.chunk_overhead_ns)) / q;
        // A producer's pulls share the cores with the workers' maps.
        let parallel = if self.producer { workers.max((map + chunks * (critical + self.chunk_overhead_ns)) / on(p + 1)) } else { workers };
        // The last chunk runs while the other cores have nothing left; an
        // uneven run's last chunk is as much dearer as its busiest worker was.
        let tail = (n / chunks) * self.map_ns * (1.0 - 1.0 / q) * imbalance;
        (serial.max(parallel) + tail) / 1e9 + fixed
    }

    /// Predicted wall time, seconds, on a machine with `p` cores.
    pub fn time_s(&self, p: usize, change: Change) -> f64 {
        self.time_on(p, change, false)
    }

    /// Predicted speedup over the sequential reference, on a machine with `p` cores.
    pub fn speedup(&self, p: usize, change: Change) -> f64 {
        self.t1_s / self.time_s(p, change).max(1e-12)
    }

    /// What the model was built from, in one line: `measured: map 72.9
    /// ns/item, serial pull 0.7 ns/item, the lock's critical section 2036 ns
    /// and other overhead 100 ns per chunk of 164 items, imbalance 1.01, and
    /// 73.2 ms once per run outside the map`.
    pub fn measured(&self) -> String {
        let once =
            if self.fixed_s > 0.0005 { format!(", and {:.1} ms once per run outside the map", self.fixed_s * 1e3) } else { String::new() };
        format!(
            "measured: map {:.1} ns/item, serial pull {:.2} ns/item, the lock's critical section {:.0} ns (a hand-off of {:.0} ns and the pull) and other overhead {:.0} ns per chunk of {:.0} items, imbalance {:.2}{once}",
            self.map_ns,
            self.pull_ns,
            self.critical_ns,
            self.hand_off_ns,
            self.chunk_overhead_ns,
            self.n / self.chunks,
            self.imbalance
        )
    }

    /// The changes worth asking about for a run of `feeder`: another chunk
    /// size only where the feeder has a chunk setting (not rayon's
    /// `par_bridge`, not `locked`).
    pub fn changes(&self, feeder: FeederKind) -> Vec<Change> {
        let c = (self.n / self.chunks).round().max(1.0) as u64;
        let mut v = vec![Change::AsMeasured, Change::FasterSource { factor: 2.0 }, Change::NoLock];
        if feeder.takes_chunks() {
            v.push(Change::Chunk { items: if c >= 1024 { (c / 16).max(1) } else { (c * 16).min(1 << 16) } });
        }
        if self.gil {
            v.push(Change::NoGil);
        }
        if self.imbalance > 1.02 {
            v.push(Change::EvenCosts);
        }
        // A once-per-run part worth naming: 5% or more of the sequential time.
        if self.fixed_s > 0.05 * self.t1_s {
            v.push(Change::NoSerialPart);
        }
        v
    }
}

/// Seconds `run` spent on one fused core: `auto` starts so, and may go
/// back to it; its switches say when.
fn one_core_s(run: &RunRecord) -> f64 {
    if run.feeder != FeederKind::Auto {
        return 0.0;
    }
    let mut since = Some(0.0);
    let mut total = 0.0;
    for s in &run.switches {
        match (s.to, since) {
            (crate::engine::Ran::OneCore, None) => since = Some(s.at_s),
            (crate::engine::Ran::OneCore, Some(_)) => {}
            (_, Some(t)) => {
                total += s.at_s - t;
                since = None;
            }
            (_, None) => {}
        }
    }
    total + since.map_or(0.0, |t| (run.median_s - t).max(0.0))
}

/// The serial pull per item, ns. Measured where the run timed its fills
/// (`pulled_s` over `n` items; at most the critical section's share).
/// Otherwise inferred: chunks of many items (`c`) tell the pull apart,
/// what is left above a typical hand-off; one-item chunks cannot, so it
/// is what one fused core spends per item beyond the map (`fused_extra`).
fn pull_per_item(pulled_s: f64, n: f64, c: f64, critical_ns: f64, fused_extra: f64) -> f64 {
    if pulled_s > 0.0 {
        (pulled_s * 1e9 / n).min(critical_ns / c)
    } else if c >= 16.0 {
        ((critical_ns - HAND_OFF_NS.min(critical_ns)) / c).max(0.0)
    } else {
        fused_extra.max(0.0).min(critical_ns / c)
    }
}

/// One scenario's predicted curve.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Scenario {
    /// The change.
    pub change: Change,
    /// (threads, predicted speedup).
    pub curve: Vec<(usize, f64)>,
}

/// The what-if answers for one series (a feeder, chunk size and GIL).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WhatIf {
    /// The run the model was built from (its feeder, threads, chunk size).
    pub from: String,
    /// The model.
    pub model: Model,
    /// Every change's curve; the first is "as measured".
    pub scenarios: Vec<Scenario>,
    /// The change that helps most at `at_threads`, and by how much (x).
    pub best: Option<(Change, f64)>,
    /// The thread count the changes are ranked at.
    pub at_threads: usize,
    /// In words.
    pub summary: String,
}

/// Thread counts the curves are drawn at.
pub fn curve_threads(cores: usize) -> Vec<usize> {
    let top = (4 * cores).max(16);
    let mut v: Vec<usize> = (1..=cores.max(1)).collect();
    let mut p = cores.max(1).next_power_of_two();
    while p <= top {
        v.push(p);
        p *= 2;
    }
    v.sort_unstable();
    v.dedup();
    v
}

/// For a workload that reads memory: what the model leaves out. The model
/// counts cores, not memory channels; the plain loop's GB/s says where a
/// machine's memory bandwidth would stop the curve.
fn memory_caveat(file: &Experiment) -> String {
    let Some(bytes) = file.workload.name.workload().bytes_read(&file.workload) else { return String::new() };
    let one = crate::workloads::bandwidth::gbs(bytes, file.baseline_median_s());
    if one <= 0.0 {
        return String::new();
    }
    let here = file.bandwidth.as_ref().map_or(String::new(), |b| {
        let peak = b.peak().1;
        format!(" (this machine's probe: {peak:.1} GB/s, {:.1}x)", peak / one)
    });
    format!(
        ". It counts no memory bandwidth: the plain loop reads {one:.1} GB/s, so on a machine whose memory gives B GB/s the speedup stops near B / {one:.1}{here}"
    )
}

/// Why a program cannot be modelled, in words.
pub const BLACK_BOX: &str = "a command is a black box: what-if needs the engine's own costs (items, chunks, the lock's waits), which a program does not report; sweep its thread count instead";

/// [`BLACK_BOX`] for an experiment of a user's own program (the `command`
/// workload, a hyperfine import), which has no what-if; `None` for the engine's workloads.
pub fn black_box(file: &Experiment) -> Option<&'static str> {
    let program = file.workload.command.is_some() || file.runs.iter().any(|r| !r.process.is_empty());
    program.then_some(BLACK_BOX)
}

/// A run's name in the what-if answers and their checks.
pub fn label(run: &RunRecord) -> String {
    format!("{} x{} chunk {}{}", run.feeder, run.threads, run.chunk_size, if run.gil { " + GIL" } else { "" })
}

/// The what-if answers for `run` of `file`; `None` where [`Model::of`] has none.
pub fn what_if(file: &Experiment, run: &RunRecord) -> Option<WhatIf> {
    let cores = file.machine.logical_cores.max(1);
    let model = Model::of(run, file.baseline_median_s(), &file.machine)?;
    let ps = curve_threads(cores);
    let scenarios: Vec<Scenario> = model
        .changes(run.feeder)
        .into_iter()
        .map(|change| Scenario { change, curve: ps.iter().map(|&p| (p, model.speedup(p, change))).collect() })
        .collect();
    // Ranked on a machine with twice the cores at least 16: where a change shows.
    let at = ps.last().copied().unwrap_or(16);
    let base = model.speedup(at, Change::AsMeasured);
    let best = scenarios
        .iter()
        .skip(1)
        .map(|s| (s.change, model.speedup(at, s.change) / base))
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .filter(|(_, gain)| *gain > 1.05);
    let from = label(run);
    let summary = match best {
        Some((change, gain)) => format!(
            "{from}: at {at} threads it would reach {:.1}x as it is; {} would help most: {:.1}x ({gain:.1}x more)",
            base,
            change.label(),
            base * gain
        ),
        None => format!("{from}: at {at} threads it would reach {base:.1}x; none of the changes helps by more than 5%"),
    };
    let summary = summary + &memory_caveat(file);
    Some(WhatIf { from, model, scenarios, best, at_threads: at, summary })
}

/// The run of each series the what-if is built from: the most threads at
/// or below the core count (the least oversubscribed picture of the most
/// parallel run), per feeder, chunk size and GIL.
pub fn series_runs(file: &Experiment) -> Vec<&RunRecord> {
    let cores = file.machine.logical_cores.max(1);
    let mut best: Vec<&RunRecord> = Vec::new();
    for r in file.runs.iter().filter(|r| Model::of(r, file.baseline_median_s(), &file.machine).is_some()) {
        let same = best.iter().position(|b| b.feeder == r.feeder && b.chunk_size == r.chunk_size && b.gil == r.gil);
        let better = |b: &RunRecord| {
            let fits = |x: &RunRecord| x.threads <= cores;
            (fits(r), r.threads) > (fits(b), b.threads) && (fits(r) || !fits(b))
        };
        match same {
            Some(i) if better(best[i]) => best[i] = r,
            Some(_) => {}
            None => best.push(r),
        }
    }
    best
}

/// One prediction checked against a measured run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Check {
    /// The run the model was built from.
    pub from: String,
    /// The run predicted.
    pub run: String,
    /// Measured seconds.
    pub measured_s: f64,
    /// Predicted seconds.
    pub predicted_s: f64,
    /// |predicted - measured| / measured.
    pub error: f64,
}

/// Builds a model from each series' run (see [`series_runs`]) and predicts
/// every other run of the same feeder and GIL setting (other thread counts,
/// other chunk sizes, through [`Change::Chunk`]).
pub fn check(file: &Experiment) -> Vec<Check> {
    let t1 = file.baseline_median_s();
    let mut out = Vec::new();
    for from in series_runs(file) {
        let Some(model) = Model::of(from, t1, &file.machine) else { continue };
        for r in file.runs.iter().filter(|r| r.feeder == from.feeder && r.gil == from.gil && !std::ptr::eq(*r, from)) {
            if Model::of(r, t1, &file.machine).is_none() {
                continue;
            }
            let change = if r.chunk_size == from.chunk_size {
                Change::AsMeasured
            } else {
                let chunks = r.workers.iter().map(|w| w.chunks).sum::<u64>().max(1);
                let items = r.workers.iter().map(|w| w.items).sum::<u64>();
                Change::Chunk { items: (items / chunks).max(1) }
            };
            let predicted_s = model.time_on(r.threads, change, true);
            out.push(Check {
                from: label(from),
                run: label(r),
                measured_s: r.median_s,
                predicted_s,
                error: (predicted_s - r.median_s).abs() / r.median_s.max(1e-12),
            });
        }
    }
    out
}

/// The checks in words: the median and worst errors, and the worst cases.
pub fn describe_check(checks: &[Check]) -> String {
    if checks.is_empty() {
        return "  no other runs of the same feeders to check the model against (sweep thread counts or chunk sizes)\n".into();
    }
    let mut errs: Vec<f64> = checks.iter().map(|c| c.error).collect();
    errs.sort_by(f64::total_cmp);
    let median = errs[errs.len() / 2];
    let mut worst: Vec<&Check> = checks.iter().collect();
    worst.sort_by(|a, b| b.error.total_cmp(&a.error));
    let mut s = format!(
        "  the model's error on the other runs ({}): median {:.0}%, worst {:.0}%\n",
        checks.len(),
        median * 100.0,
        errs[errs.len() - 1] * 100.0
    );
    for c in worst.iter().take(3) {
        s.push_str(&format!(
            "    {} predicted from {}: {:.1} ms, measured {:.1} ms ({:+.0}%)\n",
            c.run,
            c.from,
            c.predicted_s * 1e3,
            c.measured_s * 1e3,
            (c.predicted_s / c.measured_s - 1.0) * 100.0
        ));
    }
    s
}

/// Every series' what-if and the model's check, in words, for the CLI.
pub fn describe(analysis: &super::Analysis) -> String {
    let mut s = String::from("\nWhat if (a model built from each series' run, predicted speedup):\n");
    for w in &analysis.what_if {
        s.push_str(&format!("  {}\n", w.summary));
        s.push_str(&format!("    {}\n", w.model.measured()));
        for sc in &w.scenarios {
            let pts: Vec<String> = sc.curve.iter().filter(|(p, _)| p.is_power_of_two()).map(|(p, y)| format!("{p}: {y:.1}x")).collect();
            s.push_str(&format!("    {:<32} {}\n", sc.change.label(), pts.join(", ")));
        }
    }
    s.push_str("Checked against the measured runs:\n");
    s.push_str(&describe_check(&analysis.what_if_check));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_command_is_a_black_box_with_no_what_if() {
        use crate::analysis::diagnosis::fixture::{experiment, program};
        let mut exp = experiment(vec![
            program(1, 1.0, 1.0, &[(1.0, 1.0); 3], &[(1.0, 0.0)]),
            program(2, 0.6, 1.0, &[(0.6, 1.1); 3], &[(0.55, 0.05); 2]),
        ]);
        exp.workload = crate::workloads::WorkloadSpec {
            command: Some(crate::program::CommandSpec::new("xz -T{threads} -c f")),
            ..crate::workloads::WorkloadSpec::new(crate::workloads::WorkloadKind::Command)
        };
        assert!(exp.runs.iter().all(|r| what_if(&exp, r).is_none()));
        assert!(series_runs(&exp).is_empty() && check(&exp).is_empty());
        assert_eq!(black_box(&exp), Some(BLACK_BOX));
        assert!(BLACK_BOX.starts_with("a command is a black box: what-if needs the engine's own costs"));
        let analysis = crate::analysis::Analysis::of(&exp);
        assert!(analysis.what_if.is_empty() && analysis.what_if_check.is_empty());
        // The engine's workloads have their what-if.
        let engine = experiment(vec![crate::analysis::diagnosis::fixture::run(FeederKind::Dispenser, 2, 0.6, 1.0, &[(50, 0.5, 0.05); 2])]);
        assert_eq!(black_box(&engine), None);
    }

    #[test]
    fn the_measured_pull_leaves_out_the_clock_and_a_chunk_pays_hand_off_plus_pull() {
        use crate::analysis::diagnosis::fixture::run;
        // 2 workers, 1M items each in chunks of 16: a pull of 1.2 ns an
        // item, timed with one 28 ns clock read a chunk; 100 ns waited a chunk.
        let mut r = run(FeederKind::Dispenser, 2, 0.02, 0.03, &[(1_000_000, 0.015, 0.00625); 2]);
        for w in &mut r.workers {
            w.chunks = 62_500;
            w.pull_s = 62_500.0 * (28.0 + 16.0 * 1.2) * 1e-9;
        }
        let machine = MachineInfo { logical_cores: 2, clock_read_ns: Some(28.0), ..MachineInfo::default() };
        let m = Model::of(&r, 0.03, &machine).unwrap();
        assert!((m.pull_ns - 1.2).abs() < 1e-6, "{m:?}");
        // The hand-off is what the pull leaves of the critical section.
        assert!((m.critical_ns - 50.0).abs() < 1e-6 && (m.hand_off_ns - (50.0 - 16.0 * 1.2)).abs() < 1e-6, "{m:?}");
        // Without the clock's cost the pull reads dearer, by the clock over 16 items.
        let unknown = Model::of(&r, 0.03, &MachineInfo { clock_read_ns: None, ..machine }).unwrap();
        assert!((unknown.pull_ns - (1.2 + 28.0 / 16.0)).abs() < 1e-6, "{unknown:?}");
    }

    #[test]
    fn time_lost_once_is_per_run_and_auto_s_start_on_one_core_too() {
        use crate::analysis::diagnosis::fixture::run;
        use crate::engine::{Ran, Switch};
        // 2 workers, 0.1 s: 1M items each in 10,000 chunks, 90 ms busy and
        // 1 ms waiting; the second started 5 ms late (auto ran alone).
        let mut r = run(FeederKind::Auto, 2, 0.1, 0.18, &[(1_000_000, 0.090, 0.001), (1_000_000, 0.085, 0.001)]);
        for w in &mut r.workers {
            w.chunks = 10_000;
        }
        let machine = MachineInfo { logical_cores: 2, ..MachineInfo::default() };
        let switch = |at_s, to| Switch { at_s, to, reason: String::new() };
        r.switches = vec![switch(0.005, Ran::Workers)];
        let m = Model::of(&r, 0.18, &machine).unwrap();
        // 9 ms lost by the first over 10,000 chunks: 900 ns a chunk; the 5 ms start is per run.
        assert!((m.chunk_overhead_ns - 900.0).abs() < 1.0, "{m:?}");
        assert!(m.fixed_s > 0.002, "{m:?}");
        // Alone on one core from 5 ms to 20 ms and from 90 ms to the end.
        r.switches.extend([
            switch(0.02, Ran::OneCore),
            switch(0.03, Ran::OneCore),
            switch(0.09, Ran::Workers),
            switch(0.095, Ran::OneCore),
        ]);
        assert!((one_core_s(&r) - (0.005 + 0.07 + 0.005)).abs() < 1e-12, "{}", one_core_s(&r));
        assert_eq!(one_core_s(&RunRecord { feeder: FeederKind::Dispenser, ..r }), 0.0);
    }

    #[test]
    fn a_lone_worker_takes_an_uncontended_lock_and_a_producer_pulls_beside_the_workers() {
        let m = lock_bound();
        // One worker here: 1M x (10 ns map + 5 ns pull + 20 ns uncontended lock + 20 ns overhead).
        assert!((m.time_on(1, Change::AsMeasured, true) - 0.055).abs() < 1e-9, "{}", m.time_on(1, Change::AsMeasured, true));
        // Two contend: the measured 100 ns critical section, one at a time.
        assert!((m.time_on(2, Change::AsMeasured, true) - 0.1).abs() < 1e-6);
        // A producer pulls on its own core: one worker maps beside it, and
        // the producer's 100 ns a chunk is the bound.
        let queue = Model { producer: true, ..lock_bound() };
        assert!((queue.time_on(1, Change::AsMeasured, true) - 0.1).abs() < 1e-9);
        // Its pulls faster than the map: the worker's own 30 ms bound it.
        let fast = Model { critical_ns: 10.0, hand_off_ns: 5.0, ..queue };
        assert!((fast.time_on(1, Change::AsMeasured, true) - 0.03).abs() < 1e-9, "{}", fast.time_on(1, Change::AsMeasured, true));
    }

    /// A lock-bound run: 1M items of 10 ns map, a 100 ns critical section per one-item chunk.
    fn lock_bound() -> Model {
        Model {
            n: 1e6,
            chunks: 1e6,
            map_ns: 10.0,
            pull_ns: 5.0,
            critical_ns: 100.0,
            hand_off_ns: 95.0,
            chunk_overhead_ns: 20.0,
            fixed_s: 0.0,
            imbalance: 1.0,
            gil: false,
            producer: false,
            t1_s: 0.015,
            cores: 2,
        }
    }

    #[test]
    fn a_serial_part_caps_the_curve_and_sharing_it_frees_it() {
        // 0.1 s of map work and 0.1 s once per run outside it, no lock to speak of.
        let m = Model {
            chunks: 1e3,
            critical_ns: 0.0,
            hand_off_ns: 0.0,
            pull_ns: 0.0,
            chunk_overhead_ns: 0.0,
            fixed_s: 0.1,
            t1_s: 0.2,
            map_ns: 100.0,
            ..lock_bound()
        };
        assert!(m.changes(FeederKind::Dispenser).contains(&Change::NoSerialPart));
        // Amdahl with half the time serial: never past 2x.
        assert!(m.speedup(64, Change::AsMeasured) < 2.0);
        // Shared by 16 cores like the map: close to 16x, and never above it.
        let shared = m.speedup(16, Change::NoSerialPart);
        assert!(shared > 12.0 && shared <= 16.0, "{shared}");
        assert!(m.measured().contains("100.0 ms once per run"), "{}", m.measured());
        assert!(!lock_bound().changes(FeederKind::Dispenser).contains(&Change::NoSerialPart));
        // No chunk advice where the feeder has no chunk setting.
        for feeder in [FeederKind::Rayon, FeederKind::Locked] {
            assert!(!lock_bound().changes(feeder).iter().any(|c| matches!(c, Change::Chunk { .. })), "{feeder}");
        }
        assert!(lock_bound().changes(FeederKind::Queue).iter().any(|c| matches!(c, Change::Chunk { .. })));
    }

    #[test]
    fn a_lock_bound_run_is_capped_by_its_critical_section_and_freed_by_bigger_chunks() {
        let m = lock_bound();
        // K h = 1M x 100 ns = 0.1 s, whatever the thread count.
        assert!((m.time_s(64, Change::AsMeasured) - 0.1).abs() < 1e-3, "{}", m.time_s(64, Change::AsMeasured));
        // Chunks of 1024: the critical section is 95 ns of hand-off + 1024 x 5 ns of pull.
        let big = m.time_s(64, Change::Chunk { items: 1024 });
        assert!(big < 0.01, "{big}");
        // No lock: only the parallel term, which shrinks with the cores.
        assert!(m.time_s(16, Change::NoLock) < m.time_s(4, Change::NoLock));
        assert!(m.speedup(16, Change::NoLock) > m.speedup(16, Change::AsMeasured));
    }

    #[test]
    fn this_machine_caps_the_cores_and_a_gil_serialises_the_map() {
        let m = Model { critical_ns: 0.0, hand_off_ns: 0.0, pull_ns: 0.0, chunks: 1000.0, ..lock_bound() };
        assert!(m.time_on(8, Change::AsMeasured, true) > m.time_on(8, Change::AsMeasured, false) * 3.0);
        let gil = Model { gil: true, ..m };
        assert!(gil.time_s(16, Change::AsMeasured) >= 1e6 * 10.0 / 1e9);
        assert!(gil.time_s(16, Change::NoGil) < gil.time_s(16, Change::AsMeasured) / 4.0);
    }

    #[test]
    fn even_costs_shorten_the_last_chunk() {
        // 4 chunks of 250,000 items on 4 cores: the last chunk's tail is
        // 1.5x the mean chunk's map, and even costs bring it back to 1x.
        let m = Model { imbalance: 1.5, critical_ns: 0.0, hand_off_ns: 0.0, chunks: 4.0, chunk_overhead_ns: 0.0, ..lock_bound() };
        let (uneven, even) = (m.time_s(4, Change::AsMeasured), m.time_s(4, Change::EvenCosts));
        let tail = |i: f64| 250_000.0 * 10.0 * 0.75 * i / 1e9;
        assert!((uneven - even - (tail(1.5) - tail(1.0))).abs() < 1e-9, "{uneven} {even}");
        // One worker has no imbalance.
        assert_eq!(m.time_s(1, Change::EvenCosts), m.time_s(1, Change::AsMeasured));
    }
}
