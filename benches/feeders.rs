//! Every workload on every feeder (and the plain sequential reference), at
//! sizes that keep a full `cargo bench` to a few minutes on 2 cores. Each
//! bench asserts its result against the reference, so a fast wrong answer
//! cannot win. Also: the cost of progress reporting on primes.
#![allow(clippy::unwrap_used, reason = "a test fails loudly where an unwrap fails")]

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use scalescope::engine::{Config, FeederKind, Hooks, Run};
use scalescope::workloads::{self, Variant, WorkloadKind, WorkloadSpec};

fn spec(kind: WorkloadKind) -> WorkloadSpec {
    let s = WorkloadSpec::new(kind);
    match kind {
        WorkloadKind::Primes => s.with("n", 1_000_000),
        WorkloadKind::Trivial => s.with("n", 10_000_000),
        WorkloadKind::SleepSpin => s.with("n", 64).with("sleep_us", 500).with("spin", 20_000),
        WorkloadKind::WordCount => s.with("n", 50_000),
        WorkloadKind::Skewed => s.with("n", 400).with("width", 400),
        WorkloadKind::OrderedMap => s.with("n", 1_000_000),
        WorkloadKind::Aggregates => s.with("n", 1_000_000),
        WorkloadKind::FalseSharing => s.with("n", 1_000_000),
        WorkloadKind::Contention => s.with("n", 1_000_000),
        WorkloadKind::Stream => s.with("n", 256).with("passes", 2),
        // Outside programs are not the engine's feeders: skipped below.
        WorkloadKind::Command | WorkloadKind::Code => s,
    }
}

fn feeders(c: &mut Criterion) {
    let threads = num_cpus::get().max(2);
    for kind in WorkloadKind::ALL.into_iter().filter(|k| k.design().runs_here() && k.design() != scalescope::workloads::Design::Program) {
        let spec = spec(kind);
        let want = workloads::reference(&spec).expect("reference");
        let mut group = c.benchmark_group(kind.name());
        group.sample_size(10).warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(3));
        group.bench_function("reference", |b| b.iter(|| assert_eq!(black_box(workloads::reference(&spec).expect("reference")), want)));
        if !kind.design().takes_feeder() {
            // Their own designs: one bench per variant (lock-step has its own, smaller one in `aggregates`).
            for &v in kind.design().variants().iter().filter(|&&v| v != Variant::LockStep) {
                let spec = spec.clone().with_variant(v);
                let config = Config::new(threads).expect("a valid configuration");
                group.bench_function(BenchmarkId::new(v.name(), threads), |b| {
                    b.iter(|| assert_eq!(workloads::run(&spec, Run::new(&config)).expect("run").value, want));
                });
            }
            group.finish();
            continue;
        }
        for feeder in FeederKind::ALL {
            // The naive per-item lock on 10M trivial items takes seconds: it is
            // shown, with fewer items, by `scalescope sweep --workload trivial`.
            if feeder == FeederKind::Locked && kind == WorkloadKind::Trivial {
                continue;
            }
            let config = Config::new(threads).expect("a valid configuration").feeder(feeder);
            group.bench_with_input(BenchmarkId::new(feeder.name(), threads), &config, |b, config| {
                b.iter(|| assert_eq!(workloads::run(&spec, Run::new(config)).expect("run").value, want));
            });
        }
        group.finish();
    }
}

fn progress_overhead(c: &mut Criterion) {
    let spec = spec(WorkloadKind::Primes);
    let want = workloads::reference(&spec).expect("reference");
    let config = Config::new(num_cpus::get().max(2)).expect("a valid configuration");
    let mut group = c.benchmark_group("progress");
    group.sample_size(10).measurement_time(Duration::from_secs(3));
    group.bench_function("off", |b| b.iter(|| assert_eq!(workloads::run(&spec, Run::new(&config)).expect("run").value, want)));
    group.bench_function("on", |b| {
        b.iter(|| {
            let (tx, rx) = crossbeam_channel::unbounded();
            let hooks = Hooks { progress: Some(tx), ..Hooks::none() };
            assert_eq!(workloads::run(&spec, Run::new(&config).hooks(hooks)).expect("run").value, want);
            drop(rx);
        });
    });
    group.bench_function("on+spans", |b| {
        b.iter(|| {
            let (tx, rx) = crossbeam_channel::unbounded();
            let hooks = Hooks { progress: Some(tx), ..Hooks::none() };
            assert_eq!(workloads::run(&spec, Run::new(&config).hooks(hooks).record_spans(true)).expect("run").value, want);
            drop(rx);
        });
    });
    group.finish();
}

/// The ordered stream against the unordered one on primes (issue #4's target: >= 0.9x).
fn stream(c: &mut Criterion) {
    use scalescope::engine::ordered::{StreamConfig, map_ordered, map_unordered};
    use scalescope::workloads::primes::is_prime;
    let n = 1_000_000u64;
    let want = (0..n).filter(|&x| is_prime(x)).count();
    let config = StreamConfig::new(num_cpus::get().max(2), 1024).expect("a valid configuration");
    let mut group = c.benchmark_group("stream-primes");
    group.sample_size(10).measurement_time(Duration::from_secs(3));
    group.bench_function("ordered", |b| {
        b.iter(|| assert_eq!(map_ordered(0..n, is_prime, config).expect("stream").filter(|r| matches!(r, Ok(true))).count(), want))
    });
    group.bench_function("unordered", |b| {
        b.iter(|| assert_eq!(map_unordered(0..n, is_prime, config).expect("stream").filter(|r| matches!(r, Ok(true))).count(), want))
    });
    group.finish();
}

/// One pass, sum + max, over 10^7 items of a plain iterator: a fused
/// single-threaded loop against each broadcast strategy (issue #4's target:
/// chunked <= 2x the fused loop). Lock-step runs 10^5 items (about 100x fewer)
/// because it exists to be slow.
fn aggregates(c: &mut Criterion) {
    use scalescope::engine::broadcast::{BroadcastConfig, Consumer, Strategy, broadcast};
    let data = |n: u64| (0..n).map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 20);
    let fused = |n: u64| {
        let (mut sum, mut max) = (0u64, 0u64);
        for x in data(n) {
            sum = sum.wrapping_add(x);
            max = max.max(x);
        }
        (sum, max)
    };
    let mut group = c.benchmark_group("one-pass");
    group.sample_size(10).measurement_time(Duration::from_secs(3));
    for n in [10_000_000u64, 100_000] {
        let want = fused(n);
        group.bench_with_input(BenchmarkId::new("fused", n), &n, |b, &n| b.iter(|| assert_eq!(black_box(fused(n)), want)));
        for strategy in Strategy::ALL {
            if (strategy == Strategy::LockStep) != (n == 100_000) {
                continue;
            }
            group.bench_with_input(BenchmarkId::new(strategy.name(), n), &n, |b, &n| {
                b.iter(|| {
                    let consumers: Vec<Consumer<u64, u64>> =
                        vec![Box::new(|it| it.fold(0u64, u64::wrapping_add)), Box::new(|it| it.max().unwrap_or(0))];
                    let out = broadcast(data(n), consumers, &BroadcastConfig::new(strategy), &Hooks::none()).expect("broadcast");
                    assert_eq!((out.value[0], out.value[1]), want);
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, feeders, progress_overhead, stream, aggregates);
criterion_main!(benches);
