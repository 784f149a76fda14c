//! `auto`: the engine's own design.
//!
//! 1. Probe: on the calling thread, pull two small batches into a buffer and
//!    fold them, timing the pull and the fold apart (the probed items count
//!    as worker 0's, nothing is pulled twice).
//!    Then time as many items fused (pulled and mapped in one loop).
//! 2. Decide: a serial source hands out items one at a time, so while one
//!    worker pulls, the pulls of all others wait: `p` workers finish at best
//!    in `N x max(pull, (pull + map) / p)`, against `N x fused` for one core.
//!    If that gain is under [`MIN_GAIN`], run fused on one core; otherwise
//!    run `ceil((pull + map) / pull)` workers (at least 2, at most
//!    `threads`): more could only queue at the source.
//! 3. Run: workers dispense chunks under one lock (the `dispenser` design)
//!    with each worker resizing its own chunk toward `chunking::TARGET` of map
//!    work, capped by the source's remaining length when it knows it (so the
//!    tail is shared out finely), and reusing one buffer.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::super::chunking::{self, Chunker};
use super::super::config::ChunkSize;
use super::super::kernel::Kernel;
use super::super::run::{Shared, execute};
use super::{Partials, fill, sequential};

/// Most items the probe takes.
const PROBE: usize = 4096;
/// Map work after which a probe batch is long enough to time.
const PROBE_TIME: Duration = Duration::from_micros(50);
/// The least gain over one fused core worth starting threads for.
const MIN_GAIN: f64 = 1.2;

pub(crate) fn run<I, K>(mut source: I, k: &K, shared: &Shared<'_>, threads: usize, chunk: ChunkSize) -> Partials<K::Acc>
where
    I: Iterator + Send,
    I::Item: Send,
    K: Kernel<I::Item>,
{
    let mut local = shared.local(0);
    if threads == 1 {
        let acc = sequential::fused(&mut source, k, shared, &mut local, k.identity());
        let plan = "1 thread asked: fused loop on one core".to_string();
        return Partials { accs: vec![acc], spans: local.into_spans(), workers: 0, used: "auto: fused".into(), plan: Some(plan) };
    }

    // 1. Probe: batches of 8, 16, 32, ... items until a batch holds enough
    // work to time (or PROBE items), so that slow items are probed quickly.
    let mut acc = k.identity();
    let mut buf = Vec::new();
    let mut per_item = (0.0f64, 0.0f64); // (pull ns, map ns)
    let mut batch = 8;
    let mut probed = 0;
    let exhausted = loop {
        let t0 = Instant::now();
        let exhausted = !fill(&mut source, &mut buf, batch);
        let t1 = Instant::now();
        let n = buf.len();
        for x in buf.drain(..) {
            acc = k.fold(acc, x);
        }
        let t2 = Instant::now();
        probed += n;
        if n > 0 {
            local.chunk(n as u64, t0, t1, t2);
            per_item = ((t1 - t0).as_nanos() as f64 / n as f64, (t2 - t1).as_nanos() as f64 / n as f64);
        }
        if exhausted || shared.should_stop() || probed >= PROBE || (t2 - t1 >= PROBE_TIME && probed >= 64) {
            break exhausted;
        }
        batch *= 2;
    };
    let (pull_ns, map_ns) = (per_item.0.max(0.05), per_item.1.max(0.05));
    // The same number of items again, fused: pull and map in one loop, as
    // one core would run them (for a cheap source, far cheaper than pull + map).
    let mut fused_ns = pull_ns + map_ns;
    let mut exhausted = exhausted;
    if !exhausted && !shared.should_stop() {
        let n = (batch / 2).clamp(64, PROBE);
        let t0 = Instant::now();
        let mut done = 0;
        while done < n {
            let Some(x) = source.next() else {
                exhausted = true;
                break;
            };
            acc = k.fold(acc, x);
            done += 1;
        }
        let t1 = Instant::now();
        if done > 0 {
            local.chunk(done as u64, t0, t0, t1);
            fused_ns = ((t1 - t0).as_nanos() as f64 / done as f64).max(0.05);
        }
    }

    // 2. Decide.
    let gain = fused_ns / pull_ns.max((pull_ns + map_ns) / threads as f64);
    let workers = if gain < MIN_GAIN { 1 } else { (((pull_ns + map_ns) / pull_ns).ceil() as usize).clamp(2, threads) };
    let evidence = format!(
        "fused {fused_ns:.1} ns/item on one core; shared: pull {pull_ns:.1} + map {map_ns:.1} ns/item, so {threads} threads could be at most {gain:.1}x faster"
    );
    if exhausted || workers == 1 {
        let why = if exhausted { "input ended during the probe".to_string() } else { evidence };
        let acc = sequential::fused(&mut source, k, shared, &mut local, acc);
        let plan = format!("fused loop on one core ({why})");
        return Partials { accs: vec![acc], spans: local.into_spans(), workers: 0, used: "auto: fused".into(), plan: Some(plan) };
    }
    let chunker = Chunker::new(chunk, Chunker::ideal(map_ns), workers, chunking::max_items::<I::Item>());
    let kind = if chunk == ChunkSize::Auto { "adaptive" } else { "fixed" };
    let plan = format!("{workers} of {threads} workers, {kind} chunks starting at {} ({evidence})", chunker.size());
    let probe_spans = local.into_spans();

    // 3. Run. Worker 0 continues the probe's counters; the probe's
    // accumulator is combined with the workers' at the end.
    let source = Mutex::new(source);
    let (mut accs, mut spans) = execute(shared, workers, None::<fn()>, |w, local| {
        if w == 0 {
            local.resume();
        }
        let mut acc = k.identity();
        let mut chunker = chunker.clone();
        let mut buf = Vec::with_capacity(chunker.size());
        loop {
            if shared.should_stop() {
                shared.abort();
                return acc;
            }
            let t0 = Instant::now();
            let remaining = match source.lock() {
                Ok(mut it) => {
                    fill(&mut *it, &mut buf, chunker.size());
                    it.size_hint().1
                }
                Err(_) => return acc, // the source panicked elsewhere; already recorded
            };
            let t1 = Instant::now();
            if buf.is_empty() {
                local.last_wait(t0, t1);
                return acc;
            }
            let n = buf.len();
            for x in buf.drain(..) {
                acc = k.fold(acc, x);
            }
            let t2 = Instant::now();
            local.chunk(n as u64, t0, t1, t2);
            chunker.observe(n, t2 - t1, remaining);
        }
    });
    accs.push(acc);
    spans.extend(probe_spans);
    Partials { accs, spans, workers, used: format!("auto: adaptive dispenser x{workers}"), plan: Some(plan) }
}
