//! `aggregates`: one pass of a plain iterator feeding up to six aggregates at
//! once, each on its own thread ([`crate::engine::broadcast`]).

use super::source::Counter;
use super::{Cancel, Computed, Design, ParamInfo, Variant, Workload, WorkloadError, WorkloadInfo, WorkloadSpec};
use crate::engine::broadcast::cooperative::{AsyncConsumer, broadcast_cooperative};
use crate::engine::broadcast::{BroadcastConfig, Consumer, Items, Strategy, broadcast};
use crate::engine::{Chunk, Config, Outcome, Run};
use crate::workloads::memory::MemoryEstimate;

/// Items per chunk when the chunk size is `auto`.
pub const AUTO_CHUNK: Chunk = Chunk::of(8192);
/// Histogram buckets (over the 32-bit value range).
pub const BUCKETS: usize = 8;
/// The aggregates, in the order `k` takes them.
pub const NAMES: [&str; 6] = ["sum", "max", "min", "count", "mean", "histogram"];

/// Description and parameters.
pub static INFO: WorkloadInfo = WorkloadInfo {
    name: "aggregates",
    summary: "one pass of an iterator feeding k aggregates at once",
    description: "Reads n pseudo-random 32-bit numbers from a plain iterator exactly once and \
        feeds them to k aggregates at the same time (sum, max, min, count, mean, an 8-bucket \
        histogram, in that order), each on its own thread. The variants are the ways to share \
        one pass: our chunked bounded broadcast, an unbounded tee, buffering everything, and \
        lock-step (a barrier per item). Compare their time and the most items each held at \
        once: bounded memory costs little, a barrier per item costs a lot. The reference is \
        one fused loop computing all k. Threads = k; the feeder setting does not apply.",
    params: &[
        ParamInfo { name: "n", help: "items in the one pass", default: 10_000_000, min: 0, max: 1_000_000_000 },
        ParamInfo { name: "k", help: "aggregates (and threads): sum, max, min, count, mean, histogram", default: 6, min: 1, max: 6 },
    ],
    takes_file: false,
    design: Design::Broadcast,
};

/// The `i`-th item: a 32-bit pseudo-random number (splitmix64's finaliser).
#[inline]
pub fn value(i: u64) -> u64 {
    let mut z = i.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    (z ^ (z >> 31)) >> 32
}

/// The histogram bucket of a 32-bit value.
#[inline]
fn bucket(x: u64) -> usize {
    (x >> 29) as usize & (BUCKETS - 1)
}

/// Running state of all six aggregates, as the fused loop keeps it.
#[derive(Clone, Copy)]
struct Fused {
    sum: u64,
    max: u64,
    min: u64,
    count: u64,
    hist: [u64; BUCKETS],
}

impl Fused {
    fn new() -> Self {
        Fused { sum: 0, max: 0, min: u64::MAX, count: 0, hist: [0; BUCKETS] }
    }

    /// Named results for the first `k` aggregates.
    fn named(&self, k: usize) -> Vec<(String, u64)> {
        let mut out = Vec::new();
        for name in NAMES.iter().take(k) {
            match *name {
                "sum" => out.push(("sum".into(), self.sum)),
                "max" => out.push(("max".into(), self.max)),
                "min" => out.push(("min".into(), if self.count == 0 { 0 } else { self.min })),
                "count" => out.push(("count".into(), self.count)),
                "mean" => out.push(("mean".into(), self.sum.checked_div(self.count).unwrap_or(0))),
                _ => out.extend(self.hist.iter().enumerate().map(|(b, &c)| (format!("hist{b}"), c))),
            }
        }
        out
    }
}

/// One pass updating exactly the first `K` aggregates (the others are
/// compiled out, so the reference does no more work than asked for).
fn fused<const K: usize>(n: u64, cancel: Cancel<'_>) -> Result<Fused, WorkloadError> {
    let mut f = Fused::new();
    let mut start = 0;
    while start < n {
        cancel.check(start)?;
        let end = n.min(start + (1 << 20));
        for x in Counter::range(start, end).map(value) {
            f.sum += x;
            if K >= 2 {
                f.max = f.max.max(x);
            }
            if K >= 3 {
                f.min = f.min.min(x);
            }
            if K >= 4 {
                f.count += 1;
            }
            if K >= 6 {
                f.hist[bucket(x)] += 1;
            }
        }
        if K < 4 {
            f.count += end - start; // what min needs to tell "no items" apart
        }
        start = end;
    }
    cancel.report(n);
    Ok(f)
}

type Named = Vec<(String, u64)>;

/// `op` over a slice with four independent accumulators: a single running
/// max is one long dependency chain (about 1 ns an item here); four chains
/// overlap (about 0.4 ns). Measured on this project's 2-core VM.
fn lanes(init: u64, s: &[u64], op: fn(u64, u64) -> u64) -> u64 {
    let mut acc = [init; 4];
    let mut quads = s.chunks_exact(4);
    for q in quads.by_ref() {
        for (a, &x) in acc.iter_mut().zip(q) {
            *a = op(*a, x);
        }
    }
    quads.remainder().iter().fold(op(op(acc[0], acc[1]), op(acc[2], acc[3])), |a, &x| op(a, x))
}

/// One consumer per aggregate, each a plain fold over its items.
fn consumers(k: usize) -> Vec<Consumer<'static, u64, Named>> {
    let one = |name: &'static str, v: u64| vec![(name.to_string(), v)];
    let all: Vec<Consumer<'static, u64, Named>> = vec![
        Box::new(move |it: Items<'_, u64>| one("sum", it.sum::<u64>())),
        Box::new(move |it: Items<'_, u64>| one("max", it.fold_slices(0, |m, s| lanes(m, s, u64::max)))),
        Box::new(move |it: Items<'_, u64>| {
            let (min, any) = it.fold_slices((u64::MAX, false), |(m, any), s| (lanes(m, s, u64::min), any || !s.is_empty()));
            one("min", if any { min } else { 0 })
        }),
        Box::new(move |it: Items<'_, u64>| one("count", it.count() as u64)),
        Box::new(move |it: Items<'_, u64>| {
            let (s, c) = it.fold((0u64, 0u64), |(s, c), x| (s + x, c + 1));
            one("mean", s.checked_div(c).unwrap_or(0))
        }),
        Box::new(|it: Items<'_, u64>| {
            let hist = it.fold([0u64; BUCKETS], |mut h, x| {
                h[bucket(x)] += 1;
                h
            });
            hist.iter().enumerate().map(|(b, &c)| (format!("hist{b}"), c)).collect()
        }),
    ];
    all.into_iter().take(k).collect()
}

/// The same aggregates as coroutines, for the cooperative variant: each an
/// `async` loop over the items.
fn async_consumers(k: usize) -> Vec<AsyncConsumer<'static, u64, Named>> {
    fn one(name: &'static str, v: u64) -> Named {
        vec![(name.to_string(), v)]
    }
    let all: Vec<AsyncConsumer<'static, u64, Named>> = vec![
        Box::new(|mut it| {
            Box::pin(async move {
                let mut s = 0u64;
                while let Some(x) = it.next().await {
                    s += x;
                }
                one("sum", s)
            })
        }),
        Box::new(|mut it| {
            Box::pin(async move {
                let mut m = 0u64;
                while let Some(x) = it.next().await {
                    m = m.max(x);
                }
                one("max", m)
            })
        }),
        Box::new(|mut it| {
            Box::pin(async move {
                let mut m: Option<u64> = None;
                while let Some(x) = it.next().await {
                    m = Some(m.map_or(x, |m| m.min(x)));
                }
                one("min", m.unwrap_or(0))
            })
        }),
        Box::new(|mut it| {
            Box::pin(async move {
                let mut c = 0u64;
                while it.next().await.is_some() {
                    c += 1;
                }
                one("count", c)
            })
        }),
        Box::new(|mut it| {
            Box::pin(async move {
                let (mut s, mut c) = (0u64, 0u64);
                while let Some(x) = it.next().await {
                    s += x;
                    c += 1;
                }
                one("mean", s.checked_div(c).unwrap_or(0))
            })
        }),
        Box::new(|mut it| {
            Box::pin(async move {
                let mut hist = [0u64; BUCKETS];
                while let Some(x) = it.next().await {
                    hist[bucket(x)] += 1;
                }
                hist.iter().enumerate().map(|(b, &c)| (format!("hist{b}"), c)).collect()
            })
        }),
    ];
    all.into_iter().take(k).collect()
}

/// The `aggregates` workload (see [`INFO`]).
#[derive(Debug)]
pub struct Aggregates;

impl Workload for Aggregates {
    fn info(&self) -> &'static WorkloadInfo {
        &INFO
    }

    /// What the variant holds: every item (buffer-all; tee, whose unbounded
    /// queues may), one item (lock-step, cooperative), or the shared chunks
    /// in flight (chunked: the queue's chunks and two more, reserved whole).
    /// The result is a few numbers.
    /// Lock-step pays one barrier per item, about 60 us an item on the machines measured.
    fn expected_seconds(&self, spec: &WorkloadSpec, _config: &Config) -> Option<f64> {
        (spec.variant() == Some(Variant::LockStep)).then(|| spec.get("n") as f64 * 60e-6)
    }

    fn memory(&self, spec: &WorkloadSpec, config: &Config) -> MemoryEstimate {
        let n = spec.get("n");
        let chunk = config.chunk.or(AUTO_CHUNK).get() as u64;
        match spec.variant() {
            Some(Variant::BufferAll) => MemoryEstimate::product(&[("n", n), ("bytes", 8)], "every item held"),
            Some(Variant::Tee) => MemoryEstimate::product(&[("n", n), ("bytes", 8)], "an unbounded queue may hold every item"),
            Some(Variant::LockStep | Variant::Cooperative) => MemoryEstimate::product(&[("bytes", 8)], "one item at a time"),
            _ => MemoryEstimate::product(&[("queue chunks", 6), ("chunk", chunk), ("bytes", 8)], "shared chunks in flight"),
        }
    }

    /// The plain fused loop: one pass, the first k aggregates on one thread.
    fn reference(&self, spec: &WorkloadSpec, cancel: Cancel<'_>) -> Result<Computed, WorkloadError> {
        let (n, k) = (spec.get("n"), spec.get("k") as usize);
        let f = match k {
            1 => fused::<1>(n, cancel)?,
            2 => fused::<2>(n, cancel)?,
            3 => fused::<3>(n, cancel)?,
            4 => fused::<4>(n, cancel)?,
            5 => fused::<5>(n, cancel)?,
            _ => fused::<6>(n, cancel)?,
        };
        Ok(Computed::Named(f.named(k)))
    }

    fn run(&self, spec: &WorkloadSpec, call: Run<'_>) -> Result<Outcome<Computed>, WorkloadError> {
        let (config, hooks) = call.parts();
        let (n, k) = (spec.get("n"), spec.get("k") as usize);
        if spec.variant() == Some(Variant::Cooperative) {
            let out = broadcast_cooperative(Counter::new(n).map(value), async_consumers(k), hooks)?;
            let named = out.value.into_iter().flatten().collect();
            return Ok(Outcome { value: Computed::Named(named), report: out.report });
        }
        let strategy = match spec.variant() {
            Some(Variant::Tee) => Strategy::Tee,
            Some(Variant::BufferAll) => Strategy::BufferAll,
            Some(Variant::LockStep) => Strategy::LockStep,
            _ => Strategy::Chunked,
        };
        let chunk = config.chunk.or(AUTO_CHUNK);
        let out = broadcast(Counter::new(n).map(value), consumers(k), &BroadcastConfig::new(strategy).chunk_of(chunk), hooks)?;
        let named = out.value.into_iter().flatten().collect();
        Ok(Outcome { value: Computed::Named(named), report: out.report })
    }
}
