//! The peer comparison: scalescope's `auto` and `dispenser` against the
//! crates a user would pick instead (rayon's `par_bridge`, orx-parallel's
//! `iter_into_par`, pariter's `parallel_map`), all over the same plain
//! iterator with no size hint, and the one-core path against a plain `for`
//! loop. Every contender's result is asserted against the plain loop's.
//!
//! Repetitions are interleaved (rep 1 of every contender, then rep 2, with
//! the order rotated), and the table reports medians and ratios from this
//! one run: a number holds only against its own run.
//!
//! `cargo bench --bench peers` (options after `--`: `--threads N`,
//! `--reps N`, `--only NAME`, `--quick` for scalescope and the plain loop only).

use std::hint::black_box;
use std::time::Instant;

use orx_parallel::{IterIntoParIter, Par};
use pariter::IteratorExt;
use rayon::iter::{ParallelBridge, ParallelIterator};
use scalescope::engine::{CancelToken, ChunkSize, Config, FeederKind, Hooks, Run};
use scalescope::workloads::source::Counter;

/// One workload: `n` numbers of a plain counter, each mapped by its map,
/// the results summed with wrapping adds. `run` is [`run_with`] for this
/// case's map: each map is its own type, so every contender (the plain loop
/// too) gets it inlined, as a user's closure would be.
struct Case {
    name: &'static str,
    what: &'static str,
    n: u64,
    run: Runner,
}

/// Runs one contender on `n` items with `threads`, a batch of times; the
/// sum, the seconds of one run and what auto said.
type Runner = fn(Who, u64, usize, &rayon::ThreadPool, u32) -> (u64, f64, String);

/// A case whose map is the closure or function `$map` (monomorphised into its runner).
macro_rules! case {
    ($name:expr, $what:expr, $n:expr, $map:expr) => {
        Case { name: $name, what: $what, n: $n, run: |who, n, threads, pool, batch| run_with(who, n, threads, pool, batch, $map) }
    };
}

fn is_prime(x: u64) -> bool {
    scalescope::workloads::primes::is_prime(x)
}

/// `k` rounds of a linear congruential step: a cost that cannot be folded away.
#[inline(always)]
fn spin(x: u64, k: u64) -> u64 {
    let mut h = x;
    for _ in 0..k {
        h = black_box(h.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407));
    }
    h >> 3
}

/// MiB the `stream` case reads, 4 passes: larger than the caches.
const STREAM_MIB: u64 = 256;
const STREAM_BLOCKS: u64 = STREAM_MIB * 16;

/// The stream's buffer (the `stream` workload's own, built before any timing).
fn stream_buffer() -> &'static [u64] {
    static HELD: std::sync::OnceLock<std::sync::Arc<Vec<u64>>> = std::sync::OnceLock::new();
    HELD.get_or_init(|| scalescope::workloads::stream::buffer(STREAM_MIB))
}

/// Item `i`: the sum of 64 KiB block `i` (wrapping round the buffer).
fn stream_block(i: u64) -> u64 {
    use scalescope::workloads::bandwidth::{BLOCK, sum_words};
    let at = (i % STREAM_BLOCKS) as usize * BLOCK;
    sum_words(&stream_buffer()[at..at + BLOCK])
}

const N_HEAVY: u64 = 2_000_000;
const N_RAMP: u64 = 1_000_000;
const N_STEP: u64 = 4_000_000;

/// The sizes at which `trivial` is run too: auto must start like the plain
/// loop on small jobs and still win on large ones.
const TRIVIAL_SIZES: [(&str, u64); 5] = [
    ("trivial-1e4", 10_000),
    ("trivial-1e5", 100_000),
    ("trivial-1e6", 1_000_000),
    ("trivial-1e7", 10_000_000),
    ("trivial-1e8", 100_000_000),
];

fn cases() -> Vec<Case> {
    use scalescope::workloads::trivial::map as trivial;
    let mut cases = vec![
        case!("primes", "is_prime(x), x < 5e6 (cost grows with x)", 5_000_000, |x| u64::from(is_prime(x))),
        case!("trivial", "one multiply and a shift, 2e7 items", 20_000_000, trivial),
        case!("cheap", "x * x ^ x >> 3, 1e7 items", 10_000_000, |x: u64| x.wrapping_mul(x) ^ (x >> 3)),
        case!("heavy-tail", "1 item in 1000 costs 1000x, 2e6 items", N_HEAVY, |x| spin(x, if x % 1000 == 0 { 20_000 } else { 20 })),
        case!("ramp", "cost grows from 1 to 400 steps along the input, 1e6 items", N_RAMP, |x| spin(x, 1 + 400 * x / N_RAMP)),
        case!("step", "first half trivial, second half 200 steps, 4e6 items", N_STEP, |x| if x < N_STEP / 2 {
            trivial(x)
        } else {
            spin(x, 200)
        }),
        case!("stream", "sum 64 KiB blocks of a 256 MiB buffer, 4 passes (memory-bound)", 4 * STREAM_BLOCKS, stream_block),
    ];
    for (name, n) in TRIVIAL_SIZES {
        cases.push(case!(name, "trivial at this n (a job too small for threads must not pay for them)", n, trivial));
    }
    cases
}

#[derive(Clone, Copy, PartialEq)]
enum Who {
    PlainLoop,
    Sequential,
    SequentialWatched,
    Auto,
    Dispenser,
    Rayon,
    Orx,
    Pariter,
    AutoOneThread,
}

impl Who {
    fn name(self) -> &'static str {
        match self {
            Who::PlainLoop => "plain for loop (1 core)",
            Who::Sequential => "scalescope sequential feeder",
            Who::SequentialWatched => "sequential, progress and cancel on",
            Who::Auto => "scalescope auto",
            Who::Dispenser => "scalescope dispenser",
            Who::Rayon => "rayon par_bridge",
            Who::Orx => "orx-parallel iter_into_par",
            Who::Pariter => "pariter parallel_map",
            Who::AutoOneThread => "scalescope auto, 1 thread",
        }
    }
}

const ALL: [Who; 9] = [
    Who::PlainLoop,
    Who::Sequential,
    Who::SequentialWatched,
    Who::AutoOneThread,
    Who::Auto,
    Who::Dispenser,
    Who::Rayon,
    Who::Orx,
    Who::Pariter,
];

/// Runs `who` on `n` items mapped by `map`, `batch` times over (a small
/// job is timed as a batch: a single 10 µs run is all noise); the sum of
/// one run, the seconds of one run, and what scalescope said it ran.
fn run_with<M>(who: Who, n: u64, threads: usize, pool: &rayon::ThreadPool, batch: u32, map: M) -> (u64, f64, String)
where
    M: Fn(u64) -> u64 + Sync + Send + Copy + 'static,
{
    let mut said = String::new();
    let mut sum = 0;
    let t0 = Instant::now();
    for _ in 0..batch {
        sum = black_box(once(who, n, threads, pool, map, &mut said));
    }
    (sum, t0.elapsed().as_secs_f64() / batch as f64, said)
}

/// One run of `who`; what scalescope said it ran goes to `said`.
fn once<M>(who: Who, n: u64, threads: usize, pool: &rayon::ThreadPool, map: M, said: &mut String) -> u64
where
    M: Fn(u64) -> u64 + Sync + Send + Copy + 'static,
{
    let n = black_box(n);
    match who {
        Who::PlainLoop => {
            let mut acc = 0u64;
            for x in Counter::new(n) {
                acc = acc.wrapping_add(map(x));
            }
            acc
        }
        Who::Auto | Who::Dispenser | Who::AutoOneThread | Who::Sequential | Who::SequentialWatched => {
            let feeder = match who {
                Who::Dispenser => FeederKind::Dispenser,
                Who::Sequential | Who::SequentialWatched => FeederKind::Sequential,
                _ => FeederKind::Auto,
            };
            let t = if matches!(who, Who::Auto | Who::Dispenser) { threads } else { 1 };
            let config = Config { feeder, chunk: ChunkSize::Auto, ..Config::new(t).expect("threads") };
            // Watched as the app watches a run: a progress channel (nobody
            // reads it; full, it drops snapshots) and a cancel token.
            let (tx, _rx) = crossbeam_channel::bounded(64);
            let hooks = Hooks { progress: Some(tx), cancel: Some(CancelToken::new()), ..Hooks::none() };
            let run = if who == Who::SequentialWatched { Run::new(&config).hooks(hooks) } else { Run::new(&config) };
            let out = run.map_reduce(Counter::new(n), map, u64::wrapping_add).expect("no failure");
            if said.is_empty() {
                *said = format!("{}: {}", out.report.used(), out.report.plan().unwrap_or_default());
            }
            out.value.unwrap_or(0)
        }
        Who::Rayon => pool.install(|| Counter::new(n).par_bridge().map(map).reduce(|| 0, u64::wrapping_add)),
        Who::Orx => Counter::new(n).iter_into_par().num_threads(threads).map(map).reduce(u64::wrapping_add).unwrap_or(0),
        Who::Pariter => Counter::new(n).parallel_map_custom(|o| o.threads(threads), map).fold(0, u64::wrapping_add),
    }
}

/// How long a timed batch of the plain loop takes at least.
const BATCH: std::time::Duration = std::time::Duration::from_millis(5);

/// Milliseconds with four significant digits (a 1e4-item job takes microseconds).
fn millis(secs: f64) -> String {
    let ms = secs * 1e3;
    let decimals = if ms >= 100.0 {
        1
    } else if ms >= 1.0 {
        3
    } else {
        5
    };
    format!("{ms:.decimals$}")
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let opt = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let threads: usize = opt("--threads").and_then(|v| v.parse().ok()).unwrap_or_else(num_cpus::get).max(2);
    let reps: usize = opt("--reps").and_then(|v| v.parse().ok()).unwrap_or(5).max(1);
    let only = opt("--only");
    // `--quick`: scalescope and the plain loop only (the peers take minutes on cheap maps).
    let quick = args.iter().any(|a| a == "--quick");
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("a rayon pool");
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| t.lines().find(|l| l.starts_with("model name")).map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string()))
        .unwrap_or_default();
    println!("peers: {threads} threads, {reps} repetitions interleaved, medians; {cpu}, {} logical cores", num_cpus::get());
    for case in cases().iter().filter(|c| only.as_ref().is_none_or(|o| o == c.name)) {
        let (expected, plain, _) = (case.run)(Who::PlainLoop, case.n, threads, &pool, 1);
        // A job the plain loop runs in under BATCH is timed in batches of about that long.
        let batch = (BATCH.as_secs_f64() / plain.max(1e-9)).clamp(1.0, 1_000.0) as u32;
        let mut times: Vec<Vec<f64>> = vec![Vec::new(); ALL.len()];
        let mut said = vec![String::new(); ALL.len()];
        for rep in 0..reps {
            for k in 0..ALL.len() {
                let i = (k + rep) % ALL.len();
                if quick && matches!(ALL[i], Who::Rayon | Who::Orx | Who::Pariter) {
                    times[i].push(f64::NAN);
                    continue;
                }
                let (sum, secs, s) = (case.run)(ALL[i], case.n, threads, &pool, batch);
                assert_eq!(sum, expected, "{} on {} gave a wrong sum", ALL[i].name(), case.name);
                times[i].push(secs);
                if !s.is_empty() {
                    said[i] = s;
                }
            }
        }
        let med: Vec<f64> = times.iter_mut().map(|t| median(t)).collect();
        let best_parallel = [Who::Dispenser, Who::Rayon, Who::Orx]
            .iter()
            .map(|w| med[ALL.iter().position(|a| a == w).unwrap_or(0)])
            .filter(|t| !t.is_nan())
            .fold(f64::INFINITY, f64::min);
        println!("\n{} ({})", case.name, case.what);
        for (i, who) in ALL.iter().enumerate() {
            let vs = match who {
                Who::AutoOneThread | Who::Sequential | Who::SequentialWatched => format!("{:.2}x the plain loop", med[i] / med[0]),
                Who::PlainLoop => String::new(),
                Who::Auto => {
                    format!("{:.2}x the best of dispenser, rayon, orx; {:.2}x the plain loop", med[i] / best_parallel, med[i] / med[0])
                }
                _ => format!("{:.2}x the best of dispenser, rayon, orx", med[i] / best_parallel),
            };
            println!("  {:<36} {:>11} ms  {vs}", who.name(), millis(med[i]));
        }
        println!("  auto ran: {}", said[ALL.iter().position(|a| *a == Who::Auto).unwrap_or(0)]);
    }
}
