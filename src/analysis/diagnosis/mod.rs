//! "Why not ideal?": names the dominant loss of a run, with the evidence
//! from its per-worker measurements, and what would help.
//!
//! Three steps, each in its own file: `evidence` computes the numbers
//! once from the run (efficiency, waits, the idle tail, map time against
//! the plain loop, time no worker ran, outside load and how much of the
//! gap to ideal it can explain); `rules` is a table of small rules in
//! priority order, the first that finds something names the run (and when
//! none does, the largest part of the lost time); `prose` writes the
//! headline, evidence and suggestion from the typed finding.
//!
//! | order | rule | verdict | when |
//! |---|---|---|---|
//! | 1 | `one_thread` | `OneThread` | one thread |
//! | 2 | `gil` | `Gil` | the GIL on, and efficiency < 0.75 or `auto` ran one fused core |
//! | 3 | `serial_source` | `SerialSource` | `auto` ran most items on one fused core |
//! | 4 | `scales_well` | `ScalesWell` | efficiency >= 0.9, or past the cores and > 1.05x the cores |
//! | 5 | `oversubscription` | `Oversubscription` | more threads than cores, speedup <= 1.05x the cores |
//! | 6 | `disturbed` | `Disturbed` | outside load >= [`NAMED_LOAD_CORES`] explains >= [`LOAD_EXPLAINS`] of the gap to ideal, and more of it than the waits or the idle tail |
//! | 7 | `waiting_for_input` | `WaitingForInput` | waiting > 25% of the workers' time |
//! | 8 | `load_imbalance` | `LoadImbalance` | idle tail > 15%, or a worker got nothing |
//! | 9 | `rayon_per_item` | `WaitingForInput` | rayon, map time > 1.5x the plain loop's |
//! | 10 | `serial_part` | `SerialPart` | workers timed per chunk, no worker ran > [`SERIAL_SHARE`] of the run |
//! | 11 | `overhead` | `Overhead` | map time > 1.2x the plain loop's |
//! | - | `largest_loss` | the largest part's verdict, else `Overhead` ("small losses everywhere") | no rule matched: the largest of waits, idle tail, overhead and time alone is named when it is half the lost time or more, or 10% of the workers' time or more |
//!
//! The twin verdicts (false sharing, shared state) and memory-bound runs
//! need another run or the machine's probe: [`against_twin`],
//! [`against_memory`].
//!
//! A user's own program (a run with [`RunRecord::process`]: the `command`
//! workload, a hyperfine import) is a black box with rules of its own
//! (`program`): what its process tree used, against its threads, the
//! machine's cores and the run at fewer threads ([`diagnose_runs`]). No
//! feeder, chunk or lock is ever named for it.

mod evidence;
#[cfg(test)]
pub(crate) mod fixture;
mod program;
mod prose;
mod rules;

pub use program::{CPU_GREW, IMBALANCE_OVER_FAIR, NO_GAIN, ONE_THREAD_SHARE, SERIAL_CORES};

use serde::{Deserialize, Serialize};

use crate::experiment::RunRecord;
use prose::d;

/// The dominant reason a run fell short of ideal scaling.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Within 10% of ideal (or blocking work that scaled past the cores).
    ScalesWell,
    /// One thread: nothing to lose yet.
    OneThread,
    /// The map is cheaper than taking items out of the source; auto ran fused.
    SerialSource,
    /// The simulated GIL made the threads take turns.
    Gil,
    /// Workers waited for input: a contended lock, the queue, or a slow source.
    WaitingForInput,
    /// Some workers finished long before others: an idle tail.
    LoadImbalance,
    /// More threads than cores for CPU-bound work.
    Oversubscription,
    /// The workers' map time adds up to more than the sequential time.
    Overhead,
    /// Something outside the run (the app's window, another program) took
    /// a real share of the CPU while it was measured.
    Disturbed,
    /// Per-worker data packed in one cache line: the line bounced between
    /// the cores (named from the padded twin's time).
    FalseSharing,
    /// Every worker updated one shared structure behind a lock (named from
    /// the twin that combines locally and merges at the end).
    SharedState,
    /// For a real share of the run no worker ran: work done on one thread
    /// before or after the parallel map (Amdahl's serial part).
    SerialPart,
    /// The run read memory about as fast as this machine's probe could:
    /// the memory system, not the cores, set its speed.
    MemoryBound,
    /// A program kept about one core busy (or no more than at fewer
    /// threads) and got no faster: it ran serially, or did not read the
    /// thread count it was given.
    RanSerially,
    /// A program did not exit with status 0 in a repetition: its times are
    /// not of its work.
    Failed,
    /// A program's CPU use names no single loss: what it used against the
    /// threads it was given is all that is known.
    Unexplained,
}

/// How a verdict should look: good news, a loss worth a look, or a loss
/// that dominates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    /// Close to ideal, or nothing to lose yet.
    Good,
    /// Efficiency 0.6 or more lost to something nameable.
    Notice,
    /// Less than 0.6 (or one thread slower than the plain loop), or the
    /// measurement itself was disturbed.
    Bad,
}

impl Diagnosis {
    /// How bad it is, given the run it diagnoses.
    pub fn severity(&self, run: &RunRecord) -> Severity {
        match self.verdict {
            Verdict::ScalesWell => Severity::Good,
            Verdict::OneThread if run.speedup >= 0.9 => Severity::Good,
            Verdict::OneThread | Verdict::Disturbed | Verdict::Failed => Severity::Bad,
            _ if run.efficiency >= 0.6 => Severity::Notice,
            _ => Severity::Bad,
        }
    }
}

/// A verdict with its evidence and a suggestion, for people.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Diagnosis {
    /// The dominant loss.
    pub verdict: Verdict,
    /// One line.
    pub headline: String,
    /// The numbers behind it.
    pub evidence: String,
    /// What would help.
    pub suggestion: String,
}

/// How much slower than its twin (the same work laid out the better way) a
/// run must be for the twin's verdict (false sharing, shared state).
pub const TWIN_RATIO: f64 = 1.5;

/// A run against its twin: the same work, feeder, threads and chunk, with
/// one thing done the better way (`padded` for `packed`, `local-merge` for
/// `locked-map`). The verdict the twin shows, or `None` when the run is not
/// [`TWIN_RATIO`] slower (or ran on one thread, where neither loss exists).
pub fn against_twin(run: &RunRecord, twin: &RunRecord) -> Option<Diagnosis> {
    use crate::workloads::Variant;
    let ratio = run.median_s / twin.median_s.max(1e-12);
    if run.threads < 2 || ratio < TWIN_RATIO {
        return None;
    }
    let (p, a, b) = (run.threads, run.median_s, twin.median_s);
    match run.variant? {
        Variant::Packed => Some(d(
            Verdict::FalseSharing,
            "false sharing: the workers' counters share one cache line",
            format!(
                "packed {a:.3} s against {b:.3} s padded for the same work at {p} threads ({ratio:.1}x slower); every write needs the line, so it moves between the cores"
            ),
            "give each worker's data a cache line of its own (crossbeam's CachePadded), or keep it in a local and combine at the end",
        )),
        Variant::LockedMap => Some(d(
            Verdict::SharedState,
            "shared state: every worker updates one locked map",
            format!(
                "one locked map {a:.3} s against {b:.3} s counting locally and merging at the end, at {p} threads ({ratio:.1}x slower); the workers queue at the lock on every item"
            ),
            "combine into each worker's own tables and merge them at the end (the keyed map-reduce's shuffle): no lock on the hot path",
        )),
        _ => None,
    }
}

/// Efficiency below which a run at the machine's memory bandwidth is
/// named memory-bound (above it, it still scales, whatever it reads).
pub const MEMORY_FLAT: f64 = 0.85;

/// A run of a workload that reads `bytes` of memory, against this
/// machine's probe: memory-bound when it read at least
/// [`AT_PEAK`](crate::workloads::bandwidth::AT_PEAK) of the probe's peak and its
/// efficiency fell below [`MEMORY_FLAT`]; otherwise `None` (see
/// [`memory_note`] for the numbers either way).
pub fn against_memory(run: &RunRecord, bytes: u64, probe: &crate::workloads::bandwidth::Bandwidth) -> Option<Diagnosis> {
    let got = crate::workloads::bandwidth::gbs(bytes, run.median_s);
    let (at, peak) = probe.peak();
    // Past the cores the probe measured, sharing cores is the first reason (oversubscription).
    let probed = probe.points.last().map_or(0, |p| p.0);
    if run.threads < 2
        || run.threads > probed
        || peak <= 0.0
        || got < crate::workloads::bandwidth::AT_PEAK * peak
        || run.efficiency >= MEMORY_FLAT
    {
        return None;
    }
    Some(d(
        Verdict::MemoryBound,
        format!("memory-bound: {got:.1} GB/s of a measured {peak:.1} GB/s"),
        format!(
            "{p} threads read {got:.1} GB/s, {pct:.0}% of the most this machine's probe read ({peak:.1} GB/s with {at} threads; one thread {one:.1}); speedup {sp:.2}: the cores wait for memory, so more of them cannot go faster",
            p = run.threads,
            pct = 100.0 * got / peak,
            one = probe.one_thread(),
            sp = run.speedup
        ),
        "do more work per byte (fuse passes, compute while the data is in cache), read fewer bytes (smaller types, compression), or use a machine with more memory channels",
    ))
}

/// `memory: 11.2 GB/s of a measured 22.5 GB/s peak (1 thread 11.4, 2 threads 22.5 GB/s)`,
/// and, for a run at the peak on a machine whose probe still scaled with
/// its threads, why that is not (yet) a memory limit.
pub fn memory_note(run: &RunRecord, bytes: u64, probe: &crate::workloads::bandwidth::Bandwidth) -> String {
    let got = crate::workloads::bandwidth::gbs(bytes, run.median_s);
    let (at, peak) = probe.peak();
    // Against the probe at the run's own thread count where it was probed, and the peak.
    let same = probe.points.iter().find(|p| p.0 == run.threads).filter(|p| p.0 != at);
    let mut note = match same {
        Some(&(t, g)) => format!(
            "memory: {got:.1} GB/s of a measured {g:.1} GB/s with {t} thread{} (peak {peak:.1} GB/s with {at}; {})",
            if t == 1 { "" } else { "s" },
            probe.line()
        ),
        None => format!("memory: {got:.1} GB/s of a measured {peak:.1} GB/s peak ({})", probe.line()),
    };
    let keeps_up = probe.scaling() >= 0.75 * at as f64;
    if at > 1 && got >= crate::workloads::bandwidth::AT_PEAK * peak && keeps_up {
        note.push_str(&format!(
            "; the probe grew {:.1}x from 1 to {at} threads along with the run: so far the cores, not the memory, set the limit (finding where the memory stops takes a machine with more cores)",
            probe.scaling()
        ));
    }
    note
}

/// Outside load, in cores (median over the repetitions), from which it is
/// named: as the verdict when it explains most of the gap to ideal, else in
/// the evidence of the verdict that does.
pub const NAMED_LOAD_CORES: f64 = 0.1;

/// The share of the gap to ideal (in time) that outside load must be able
/// to explain for the run to be called [`Verdict::Disturbed`]: one core of
/// load on a 2-core machine explains a 2-thread run at 1.1x, never one at
/// 0.02x.
pub const LOAD_EXPLAINS: f64 = 0.5;

/// The share of a run in which no worker ran above which the serial part
/// is named.
pub const SERIAL_SHARE: f64 = 0.2;

/// Diagnoses one run measured against a sequential reference of `baseline_s`
/// seconds on a machine with `cores` logical cores. Outside load that does
/// not explain the loss, and repetitions it disturbed, are counted in the
/// evidence whatever the verdict.
///
/// A program's run (one with [`RunRecord::process`]) is read by the
/// program's rules, without a run at fewer threads to compare its CPU time
/// with: [`diagnose_runs`] has one. `cores` 0 is a machine not known (an
/// import): no verdict then depends on it.
pub fn diagnose(run: &RunRecord, baseline_s: f64, cores: usize) -> Diagnosis {
    if !run.process.is_empty() {
        return program::diagnose(run, None, baseline_s, cores);
    }
    let e = evidence::Evidence::of(run, baseline_s, cores);
    prose::describe(&rules::first(&e), &e)
}

/// [`diagnose`] of every run of `runs` (one experiment's, or one weak
/// step's), each program run next to the same program's run at the fewest
/// threads below its own, so that the growth of its CPU time is read.
pub fn diagnose_runs(runs: &[RunRecord], baseline_s: f64, cores: usize) -> Vec<Diagnosis> {
    runs.iter()
        .map(|r| {
            if r.process.is_empty() {
                diagnose(r, baseline_s, cores)
            } else {
                program::diagnose(r, program::fewer(runs, r), baseline_s, cores)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::fixture::{run, share};
    use super::*;
    use crate::engine::FeederKind;

    #[test]
    fn near_ideal() {
        let r = run(FeederKind::Dispenser, 2, 0.52, 1.0, &[(50, 0.5, 0.01), (50, 0.5, 0.01)]);
        assert_eq!(diagnose(&r, 1.0, 2).verdict, Verdict::ScalesWell);
    }

    #[test]
    fn waiting_on_the_lock() {
        let r = run(FeederKind::Locked, 2, 4.0, 0.1, &[(50, 0.6, 3.3), (50, 0.6, 3.3)]);
        let dg = diagnose(&r, 0.1, 2);
        assert_eq!(dg.verdict, Verdict::WaitingForInput);
        assert!(dg.suggestion.contains("dispenser"));
    }

    #[test]
    fn time_no_worker_ran_is_a_serial_part() {
        // 1.0 s of wall time, the workers 0.5 s each: half the run was one thread alone.
        let r = run(FeederKind::Dispenser, 2, 1.0, 1.5, &[(50, 0.5, 0.0), (50, 0.5, 0.0)]);
        let dg = diagnose(&r, 1.5, 2);
        assert_eq!(dg.verdict, Verdict::SerialPart, "{dg:?}");
        // 0.5 s alone against the plain loop's 1.5 s: Amdahl's ceiling 3x.
        assert!(dg.evidence.contains("50% of it") && dg.evidence.contains("caps the speedup at 3.0x"), "{}", dg.evidence);
        // rayon's workers are not timed per chunk: no serial part is read off them.
        let r = run(FeederKind::Rayon, 2, 1.0, 1.5, &[(50, 0.5, 0.0), (50, 0.5, 0.0)]);
        assert_ne!(diagnose(&r, 1.5, 2).verdict, Verdict::SerialPart);
    }

    #[test]
    fn a_stream_at_the_probes_peak_that_stopped_scaling_is_memory_bound() {
        use crate::workloads::bandwidth::Bandwidth;
        // A 16-core machine's probe, recorded: the memory system flattens past 4 threads.
        let probe = Bandwidth { bytes: 1, points: vec![(1, 10.0), (2, 19.0), (4, 33.0), (8, 40.0), (16, 41.0)] };
        let bytes = 39_000_000_000; // 39 GB/s in 1 s
        let r = run(FeederKind::Dispenser, 16, 1.0, 4.0, &[(50, 1.0, 0.0); 16]);
        let dg = against_memory(&r, bytes, &probe).expect("at 95% of the peak with efficiency 0.25");
        assert_eq!(dg.verdict, Verdict::MemoryBound);
        assert_eq!(dg.headline, "memory-bound: 39.0 GB/s of a measured 41.0 GB/s");
        // Four threads at 33 GB/s still scale (efficiency 0.9): not named.
        let r4 = run(FeederKind::Dispenser, 4, 1.0, 3.6, &[(50, 1.0, 0.0); 4]);
        assert!(against_memory(&r4, 33_000_000_000, &probe).is_none());
        // Oversubscribed past the probed cores: not memory's doing.
        let r32 = run(FeederKind::Dispenser, 32, 1.0, 4.0, &[(50, 1.0, 0.0); 32]);
        assert!(against_memory(&r32, bytes, &probe).is_none());
        // A 2-core machine whose probe doubled: at the peak, scaling well, and the note says why.
        let two = Bandwidth { bytes: 1, points: vec![(1, 11.0), (2, 21.5)] };
        let r2 = run(FeederKind::Dispenser, 2, 1.0, 1.95, &[(50, 1.0, 0.0); 2]);
        assert!(against_memory(&r2, 21_000_000_000, &two).is_none());
        let note = memory_note(&r2, 21_000_000_000, &two);
        assert!(note.starts_with("memory: 21.0 GB/s of a measured 21.5 GB/s peak") && note.contains("so far the cores"), "{note}");
        // One thread is read against the probe's one thread, with the peak beside it.
        let r1 = run(FeederKind::Dispenser, 1, 1.0, 1.0, &[(50, 1.0, 0.0)]);
        let note = memory_note(&r1, 10_500_000_000, &two);
        assert!(note.starts_with("memory: 10.5 GB/s of a measured 11.0 GB/s with 1 thread (peak 21.5 GB/s with 2"), "{note}");
    }

    #[test]
    fn idle_tail() {
        let r = run(FeederKind::Dispenser, 2, 0.9, 1.0, &[(90, 0.88, 0.0), (10, 0.15, 0.0)]);
        assert_eq!(diagnose(&r, 1.0, 2).verdict, Verdict::LoadImbalance);
        let one_did_all = run(FeederKind::Dispenser, 2, 1.0, 1.0, &[(100, 0.99, 0.0), (0, 0.0, 0.0)]);
        assert_eq!(diagnose(&one_did_all, 1.0, 2).verdict, Verdict::LoadImbalance);
    }

    #[test]
    fn oversubscribed() {
        let r = run(FeederKind::Auto, 8, 0.52, 1.0, &[(12, 0.12, 0.0); 8]);
        assert_eq!(diagnose(&r, 1.0, 2).verdict, Verdict::Oversubscription);
        // Blocking work that beat the core count is not a problem.
        let blocking = run(FeederKind::Auto, 8, 0.15, 1.0, &[(12, 0.14, 0.0); 8]);
        assert_eq!(diagnose(&blocking, 1.0, 2).verdict, Verdict::ScalesWell);
    }

    #[test]
    fn gil_and_fused_and_overhead() {
        let mut g = run(FeederKind::Dispenser, 2, 1.4, 1.0, &[(50, 0.7, 0.6), (50, 0.7, 0.6)]);
        g.gil = true;
        assert_eq!(diagnose(&g, 1.0, 2).verdict, Verdict::Gil);
        let mut f = run(FeederKind::Auto, 2, 1.2, 1.0, &[(100, 1.2, 0.0), (0, 0.0, 0.0)]);
        f.used = "auto: fused".into();
        assert_eq!(diagnose(&f, 1.0, 2).verdict, Verdict::SerialSource, "an old file, in words");
        f.used = "auto: adaptive dispenser x2 (one core for 80% of the items)".into();
        f.ran = Some(crate::engine::Ran::Mixed { one_core_share: 0.8 });
        assert_eq!(diagnose(&f, 1.0, 2).verdict, Verdict::SerialSource, "typed");
        f.ran = Some(crate::engine::Ran::Mixed { one_core_share: 0.2 });
        assert_ne!(diagnose(&f, 1.0, 2).verdict, Verdict::SerialSource);
        let o = run(FeederKind::Dispenser, 2, 0.75, 1.0, &[(50, 0.74, 0.01), (50, 0.74, 0.01)]);
        assert_eq!(diagnose(&o, 1.0, 2).verdict, Verdict::Overhead);
        let one = run(FeederKind::Auto, 1, 1.0, 1.0, &[(100, 1.0, 0.0)]);
        assert_eq!(diagnose(&one, 1.0, 2).verdict, Verdict::OneThread);
    }

    #[test]
    fn outside_load_is_named_and_disturbed_repetitions_are_counted() {
        let mut r = run(FeederKind::Dispenser, 2, 0.7, 1.0, &[(50, 0.69, 0.0), (50, 0.69, 0.0)]);
        r.cpu = vec![share(0.35, 0.02), share(0.4, 0.0), share(0.3, 0.01)];
        let d = diagnose(&r, 1.0, 2);
        assert_eq!(d.verdict, Verdict::Disturbed);
        assert!(d.headline.contains("window's drawing took 35% of a core"), "{}", d.headline);
        assert_eq!(d.severity(&r), Severity::Bad);
        // Another program, named as such.
        r.cpu = vec![share(0.0, 0.5); 3];
        assert!(diagnose(&r, 1.0, 2).headline.starts_with("other programs took 50%"));
        // A good run is still good, but its disturbed repetition is flagged.
        let mut good = run(FeederKind::Dispenser, 2, 0.51, 1.0, &[(50, 0.5, 0.0), (50, 0.5, 0.0)]);
        good.cpu = vec![share(0.0, 0.0), share(0.3, 0.0), share(0.0, 0.0)];
        let d = diagnose(&good, 1.0, 2);
        assert_eq!(d.verdict, Verdict::ScalesWell);
        assert_eq!(d.severity(&good), Severity::Good);
        assert!(d.evidence.contains("1 of 3 repetitions were disturbed"), "{}", d.evidence);
        // A quiet machine: the verdict is the engine's own.
        r.cpu = vec![share(0.01, 0.02); 3];
        assert_eq!(diagnose(&r, 1.0, 2).verdict, Verdict::Overhead);
    }
}
