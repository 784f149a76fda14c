//! Helpers shared by the integration tests.
#![allow(dead_code, reason = "each test file uses a different subset")]

use std::sync::mpsc;
use std::time::Duration;

use scalescope::engine::{Chunk, ChunkSize, Config, FeederKind, Threads};

#[cfg(feature = "gui")]
pub mod gui;

/// A plain iterator: hides the length and cannot be split, like a user's generator.
pub struct Plain<I>(pub I);

impl<I: Iterator> Iterator for Plain<I> {
    type Item = I::Item;
    fn next(&mut self) -> Option<I::Item> {
        self.0.next()
    }
}

/// Every chunk size the property tests cover.
pub const CHUNKS: [ChunkSize; 5] = [
    ChunkSize::Fixed(Chunk::of(1)),
    ChunkSize::Fixed(Chunk::of(2)),
    ChunkSize::Fixed(Chunk::of(7)),
    ChunkSize::Fixed(Chunk::of(1000)),
    ChunkSize::Auto,
];

/// Every (feeder, threads, chunk) the property tests cover.
pub fn all_configs() -> Vec<Config> {
    let mut v = vec![];
    for feeder in FeederKind::ALL {
        for threads in 1..=8 {
            for chunk in CHUNKS {
                v.push(Config { threads: Threads::new(threads).expect("1 to 8 threads"), chunk, feeder, gil: false });
            }
        }
    }
    v
}

/// Runs `f` on another thread and fails the test if it has not returned
/// within `secs` (a hang detector, not a timing assertion).
pub fn within<T: Send + 'static>(secs: u64, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(secs)).expect("the call hung")
}

/// `k` rounds of a linear congruential step: a cost that cannot be folded away.
pub fn spin(x: u64, k: u64) -> u64 {
    let mut h = x;
    for _ in 0..k {
        h = std::hint::black_box(h.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407));
    }
    h >> 3
}

/// Runs a decision taken on measured costs (`auto`'s) gets to show itself.
pub const TRIES: usize = 5;

/// Runs `once` until `decided` holds of its result, at most [`TRIES`]
/// times; the last result, and whether a run decided so. A loaded machine
/// measures costs wrong now and then (CI runs the test binaries side by
/// side): every run is checked for what holds whatever was decided, and
/// a decision only as one that some run reaches.
pub fn until_decided<T>(mut once: impl FnMut() -> T, decided: impl Fn(&T) -> bool) -> (T, bool) {
    let mut last = once();
    for _ in 1..TRIES {
        if decided(&last) {
            return (last, true);
        }
        last = once();
    }
    let ok = decided(&last);
    (last, ok)
}

/// The names of this process's threads whose name starts with `prefix`, as
/// `/proc/self/task/*/comm` lists them (a name cut to 15 bytes). Empty where
/// there is no `/proc`: the tests that need it are ignored elsewhere.
pub fn threads_named(prefix: &str) -> Vec<String> {
    let Ok(dir) = std::fs::read_dir("/proc/self/task") else { return Vec::new() };
    dir.filter_map(|e| std::fs::read_to_string(e.ok()?.path().join("comm")).ok())
        .map(|s| s.trim_end().to_string())
        .filter(|n| n.starts_with(prefix))
        .collect()
}

/// [`threads_named`] after a grace period of up to 2 s: a joined thread can
/// stay listed for a moment while the kernel tears it down; a leak stays.
pub fn threads_left(prefix: &str) -> Vec<String> {
    for _ in 0..200 {
        if threads_named(prefix).is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    threads_named(prefix)
}

/// A small sweep plan: `kind` at size `n`, the `auto` feeder on auto
/// chunks at `threads`, `reps` timed repetitions, no warm-up.
pub fn small_plan(kind: scalescope::workloads::WorkloadKind, n: u64, threads: &[usize], reps: usize) -> scalescope::experiment::SweepPlan {
    let threads: Vec<Threads> = threads.iter().map(|&t| Threads::new(t).expect("a thread count in range")).collect();
    let workload = scalescope::workloads::WorkloadSpec::new(kind).with("n", n);
    scalescope::experiment::SweepPlan { reps, ..scalescope::experiment::SweepPlan::single(workload, FeederKind::Auto, &threads) }
}

/// `plan` measured for real, as one experiment.
pub fn measured(plan: &scalescope::experiment::SweepPlan) -> scalescope::experiment::Experiment {
    let start = scalescope::experiment::Experiment::start(plan, None);
    scalescope::measure::run_sweep(plan, start, &scalescope::engine::Hooks::none(), |_| {}, |_| {}).expect("a small sweep runs")
}
