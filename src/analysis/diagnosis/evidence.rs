//! The numbers a verdict is read from, computed once per run: no rule and
//! no sentence does arithmetic on a [`RunRecord`] of its own.

use crate::engine::{ChunkSize, FeederKind};
use crate::experiment::RunRecord;
use crate::machine::load::CpuShare;

/// The chunk setting a run's feeder offers, and what the run chose.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Chunking {
    /// No chunk setting: one item at a time (`locked`, rayon's
    /// `par_bridge`) or one plain loop (`sequential`).
    None,
    /// Chunks sized by the design (the run asked for `auto`).
    Auto,
    /// Chunks of a fixed size (the run asked for one).
    Fixed,
}

impl Chunking {
    fn of(feeder: FeederKind, chunk: ChunkSize) -> Self {
        match chunk {
            _ if !feeder.takes_chunks() => Chunking::None,
            ChunkSize::Auto => Chunking::Auto,
            ChunkSize::Fixed(_) => Chunking::Fixed,
        }
    }
}

/// The workers' own clocks, summed over the workers that mapped anything.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct WorkerTimes {
    /// Workers recorded, those that got nothing included.
    pub(crate) all: usize,
    /// Workers that mapped anything.
    pub(crate) active: usize,
    /// Seconds in the map, summed.
    pub(crate) busy_s: f64,
    /// Seconds waiting for input, summed.
    pub(crate) wait_s: f64,
    /// The shortest and the longest of one active worker's busy + wait.
    pub(crate) min_s: f64,
    pub(crate) max_s: f64,
}

impl WorkerTimes {
    fn of(run: &RunRecord) -> Self {
        let active: Vec<_> = run.workers.iter().filter(|w| w.items > 0 || w.busy_s > 0.0).collect();
        let each = || active.iter().map(|w| w.busy_s + w.wait_s);
        let min_s = each().fold(f64::INFINITY, f64::min);
        WorkerTimes {
            all: run.workers.len(),
            active: active.len(),
            busy_s: active.iter().map(|w| w.busy_s).sum(),
            wait_s: active.iter().map(|w| w.wait_s).sum(),
            min_s: if min_s.is_finite() { min_s } else { 0.0 },
            max_s: each().fold(0.0, f64::max),
        }
    }

    /// Workers that got no items at all.
    pub(crate) fn idle(&self) -> usize {
        self.all.saturating_sub(self.active)
    }
}

/// The worker time lost to ideal (threads x wall - the sequential time),
/// split by where it went, each part as a share of all of it. The parts
/// add up to the loss when none is clamped at zero.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Losses {
    /// Waiting for input.
    pub(crate) wait: f64,
    /// The idle tail: workers done (or given nothing) before the last one.
    pub(crate) tail: f64,
    /// Map time beyond the sequential time.
    pub(crate) overhead: f64,
    /// No worker ran: before the first or after the last (read only where
    /// the workers are timed per chunk; zero elsewhere).
    pub(crate) serial: f64,
    /// All of the lost time as a share of the worker time (threads x wall):
    /// a part's share of the workers' time is its share times this.
    pub(crate) of_capacity: f64,
}

/// Everything the rules read, for one run.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Evidence {
    /// Threads asked for (at least 1) and the machine's logical cores (at least 1).
    pub(crate) threads: usize,
    pub(crate) cores: usize,
    pub(crate) feeder: FeederKind,
    pub(crate) chunk: ChunkSize,
    pub(crate) chunking: Chunking,
    /// The simulated GIL was on.
    pub(crate) gil: bool,
    /// The run's median and the plain loop's, seconds.
    pub(crate) median_s: f64,
    pub(crate) baseline_s: f64,
    pub(crate) speedup: f64,
    pub(crate) efficiency: f64,
    pub(crate) workers: WorkerTimes,
    /// Waiting, as a share of the active workers' wall time.
    pub(crate) wait_share: f64,
    /// Busy, as a share of the active workers' wall time.
    pub(crate) busy_share: f64,
    /// The idle tail, as a share of every worker's time up to the last one's end.
    pub(crate) imbalance: f64,
    /// The workers' map time over the sequential time (1 without a baseline).
    pub(crate) inflation: f64,
    /// The share of the wall time in which, on average, a worker did not run.
    pub(crate) serial_share: f64,
    /// Whether the workers are timed per chunk, so that `serial_share` is
    /// time outside the map (not rayon's pool, a keyed run's phases, or a
    /// design of its own).
    pub(crate) timed_workers: bool,
    /// `auto` ran most of the input on one fused core.
    pub(crate) one_core: bool,
    /// `auto`'s plan (or, in old files, what ran), in words.
    pub(crate) plan: String,
    /// Median outside load over the repetitions, and the share of the gap
    /// to ideal it can explain (0 to 1).
    pub(crate) load: Option<CpuShare>,
    pub(crate) load_explains: f64,
    /// The cores the run had at most beside that load, one per thread at most.
    pub(crate) cores_left: f64,
    /// Repetitions measured with a CPU reading, and those disturbed.
    pub(crate) reps: usize,
    pub(crate) disturbed_reps: usize,
    pub(crate) losses: Losses,
}

impl Evidence {
    /// The evidence of `run` against a plain loop of `baseline_s` seconds
    /// on a machine of `cores` logical cores.
    pub(crate) fn of(run: &RunRecord, baseline_s: f64, cores: usize) -> Self {
        let (p, cores) = (run.threads.max(1), cores.max(1));
        let wall = run.median_s.max(1e-12);
        let w = WorkerTimes::of(run);
        let n = w.active.max(1) as f64;
        let all = w.all.max(1) as f64;
        let timed_workers =
            run.feeder != FeederKind::Rayon && run.phases.is_empty() && run.variant.is_none_or(|v| v.design().takes_feeder());
        let load = CpuShare::median(&run.cpu);
        Evidence {
            threads: p,
            cores,
            feeder: run.feeder,
            chunk: run.chunk_size,
            chunking: Chunking::of(run.feeder, run.chunk_size),
            gil: run.gil,
            median_s: run.median_s,
            baseline_s,
            speedup: run.speedup,
            efficiency: run.efficiency,
            wait_share: (w.wait_s / (n * wall)).min(1.0),
            busy_share: w.busy_s / (n * wall),
            imbalance: if w.max_s > 0.0 { 1.0 - (w.busy_s + w.wait_s) / (all * w.max_s) } else { 0.0 },
            inflation: if baseline_s > 0.0 { w.busy_s / baseline_s } else { 1.0 },
            serial_share: if w.active > 0 { 1.0 - (w.busy_s + w.wait_s) / (n * wall) } else { 0.0 },
            timed_workers,
            // Files from before `ran` was recorded say it in words.
            one_core: run.ran.map_or_else(|| run.used.contains("fused"), crate::engine::Ran::mostly_one_core),
            plan: run.plan.clone().unwrap_or_else(|| run.used.clone()),
            load_explains: load.map_or(0.0, |l| load_explains(run.speedup, p, cores, l.total())),
            cores_left: cores_left(p, cores, load.map_or(0.0, |l| l.total())),
            load,
            reps: run.cpu.len(),
            disturbed_reps: run.disturbed().len(),
            losses: losses(&w, p as f64 * wall, baseline_s, timed_workers),
            workers: w,
        }
    }

    /// More threads than logical cores.
    pub(crate) fn oversubscribed(&self) -> bool {
        self.threads > self.cores
    }

    /// Past the core count and faster than the cores alone could be: the
    /// work blocks, and the extra threads cover the waits.
    pub(crate) fn beat_the_cores(&self) -> bool {
        self.oversubscribed() && self.speedup > self.cores as f64 * BEAT_THE_CORES
    }
}

/// How far past the core count a speedup must reach to count as beating it.
pub(crate) const BEAT_THE_CORES: f64 = 1.05;

/// The share of the gap to ideal (in time, `1/speedup - 1/threads`) that
/// `load` cores of outside load can explain: with the load, the run had at
/// most `cores - load` cores (and never more than one per thread), so its
/// best time was the plain loop's over that, not over `threads`. 0 when
/// there is no gap, 1 when the load explains all of it.
pub(crate) fn load_explains(speedup: f64, threads: usize, cores: usize, load: f64) -> f64 {
    let p = threads.max(1) as f64;
    if !(speedup > 0.0 && speedup < p) {
        return 0.0;
    }
    let left = cores_left(threads, cores, load);
    ((1.0 / left - 1.0 / p) / (1.0 / speedup - 1.0 / p)).clamp(0.0, 1.0)
}

/// The cores a run of `threads` threads had at most beside `load` cores of
/// outside load: what the load left, never more than one per thread.
pub(crate) fn cores_left(threads: usize, cores: usize, load: f64) -> f64 {
    (cores as f64 - load).clamp(0.1, threads.max(1) as f64)
}

/// The parts of the lost worker time (`capacity_s` = threads x wall).
fn losses(w: &WorkerTimes, capacity_s: f64, baseline_s: f64, timed_workers: bool) -> Losses {
    let ran_s = w.all.max(1) as f64 * w.max_s;
    let wait = w.wait_s;
    let tail = (ran_s - w.busy_s - w.wait_s).max(0.0);
    let overhead = if baseline_s > 0.0 { (w.busy_s - baseline_s).max(0.0) } else { 0.0 };
    let serial = if timed_workers && w.active > 0 { (capacity_s - ran_s).max(0.0) } else { 0.0 };
    let lost = (capacity_s - baseline_s).max(wait + tail + overhead + serial).max(1e-12);
    Losses {
        wait: wait / lost,
        tail: tail / lost,
        overhead: overhead / lost,
        serial: serial / lost,
        of_capacity: lost / capacity_s.max(1e-12),
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::run;
    use super::*;

    #[test]
    fn the_losses_add_up_to_the_time_lost_to_ideal() {
        // 2 threads, 1.0 s wall, plain loop 1.2 s: 0.8 s of worker time lost.
        // Worker A: 0.6 busy + 0.1 wait; worker B: 0.9 busy. Tail 0.2, no worker 0.2, overhead 0.3, wait 0.1.
        let r = run(FeederKind::Dispenser, 2, 1.0, 1.2, &[(50, 0.6, 0.1), (50, 0.9, 0.0)]);
        let e = Evidence::of(&r, 1.2, 2);
        let l = e.losses;
        let near = |a: f64, b: f64| (a - b).abs() < 1e-9;
        assert!(near(l.wait, 0.125) && near(l.tail, 0.25) && near(l.overhead, 0.375) && near(l.serial, 0.25), "{l:?}");
        assert!(near(l.wait + l.tail + l.overhead + l.serial, 1.0) && near(l.of_capacity, 0.4));
        assert!(near(e.serial_share, 0.2) && near(e.wait_share, 0.05) && near(e.inflation, 1.25), "{e:?}");
        // rayon's pool is not timed per chunk: the time no worker ran is not read off it.
        let r = run(FeederKind::Rayon, 2, 1.0, 1.2, &[(50, 0.6, 0.1), (50, 0.9, 0.0)]);
        assert_eq!(Evidence::of(&r, 1.2, 2).losses.serial, 0.0);
    }

    #[test]
    fn outside_load_explains_at_most_the_cores_it_took() {
        // 0.9 of a core beside a 2-thread run on 2 cores: 1.1 cores left, at best 1.1x.
        assert!((load_explains(1.1, 2, 2, 0.9) - 1.0).abs() < 1e-9);
        // ... which is a sliver of a 50x loss.
        assert!(load_explains(0.02, 2, 2, 0.9) < 0.01);
        // A core left over for each thread: none of it.
        assert_eq!(load_explains(1.0, 2, 4, 1.0), 0.0);
        // No gap, nothing to explain.
        assert_eq!(load_explains(2.0, 2, 2, 0.9), 0.0);
        assert_eq!(load_explains(0.0, 2, 2, 0.9), 0.0);
    }

    #[test]
    fn chunking_names_the_setting_the_feeder_offers() {
        let fixed = ChunkSize::Fixed(crate::engine::Chunk::of(64));
        assert_eq!(Chunking::of(FeederKind::Rayon, fixed), Chunking::None);
        assert_eq!(Chunking::of(FeederKind::Locked, ChunkSize::Auto), Chunking::None);
        assert_eq!(Chunking::of(FeederKind::Queue, ChunkSize::Auto), Chunking::Auto);
        assert_eq!(Chunking::of(FeederKind::Dispenser, fixed), Chunking::Fixed);
    }
}
