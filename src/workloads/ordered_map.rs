//! `ordered-map`: primes through the ordered (or unordered) streaming map
//! ([`crate::engine::ordered`]), consumed on the calling thread.

use std::time::Instant;

use super::primes::is_prime;
use super::source::Counter;
use super::{Cancel, Computed, Design, ParamInfo, Variant, Workload, WorkloadError, WorkloadInfo, WorkloadSpec};
use crate::engine::ordered::{StreamConfig, map_ordered, map_unordered};
use crate::engine::{BufferStats, Chunk, Config, Outcome, Report, Run};
use crate::workloads::memory::MemoryEstimate;

/// Items per chunk when the chunk size is `auto`.
pub const AUTO_CHUNK: Chunk = Chunk::of(1024);

/// Description and parameters.
pub static INFO: WorkloadInfo = WorkloadInfo {
    name: "ordered-map",
    summary: "primes through the ordered streaming map, results in input order",
    description: "Tests each number below n for primality on a pool of workers and yields the \
        answers one by one, in input order, to the calling thread, as a streaming `map` would. \
        A chunk that finishes early waits in the reorder buffer until every chunk before it is \
        out; workers stop taking input when the window (threads x 32 chunks) is full, so memory \
        stays bounded however long the input. Watch the window fill and drain; compare with \
        the unordered variant, which yields chunks as they finish. The thread setting may \
        exceed the core count; the feeder setting does not apply.",
    params: &[ParamInfo { name: "n", help: "numbers to test", default: 2_000_000, min: 0, max: 1_000_000_000 }],
    takes_file: false,
    design: Design::OrderedStream,
};

/// The `ordered-map` workload (see [`INFO`]).
#[derive(Debug)]
pub struct OrderedMap;

impl Workload for OrderedMap {
    fn info(&self) -> &'static WorkloadInfo {
        &INFO
    }

    /// The reorder window (threads x 32 chunks of (number, answer) pairs,
    /// never more than the n numbers there are) and the chunk of numbers
    /// each worker maps. The result is a number.
    fn memory(&self, spec: &WorkloadSpec, config: &Config) -> MemoryEstimate {
        let n = spec.get("n");
        let chunk = config.chunk.or(AUTO_CHUNK).get() as u64;
        let p = config.threads.get() as u64;
        let stream = StreamConfig::of(config.threads, config.chunk.or(AUTO_CHUNK));
        let window = if stream.window().saturating_mul(chunk) > n {
            MemoryEstimate::product(&[("n", n), ("bytes", 16)], "the reorder window holds every answer at most")
        } else {
            let per_worker = stream.per_worker.get() as u64;
            MemoryEstimate::product(&[("threads", p), ("window chunks", per_worker), ("chunk", chunk), ("bytes", 16)], "reorder window")
        };
        let inputs =
            MemoryEstimate::product(&[("threads", p), ("chunk", chunk.min(n.max(1))), ("bytes", 8)], "a chunk of numbers per worker");
        window.plus(inputs)
    }

    /// The plain loop: the count of primes below n, as `primes` counts them.
    fn reference(&self, spec: &WorkloadSpec, cancel: Cancel<'_>) -> Result<Computed, WorkloadError> {
        super::primes::Primes.reference(spec, cancel)
    }

    /// Streams `(x, is_prime(x))` and counts the primes; the ordered variant also
    /// checks that every result arrives at its input position, and both check
    /// that every number came back exactly once.
    fn run(&self, spec: &WorkloadSpec, call: Run<'_>) -> Result<Outcome<Computed>, WorkloadError> {
        let (config, hooks) = call.parts();
        let ordered = spec.variant() != Some(Variant::Unordered);
        let chunk = config.chunk.or(AUTO_CHUNK);
        let n = spec.get("n");
        let stream_config = StreamConfig::of(config.threads, chunk);
        let t0 = Instant::now();
        let source = Counter::new(n);
        let map = |x: u64| (x, is_prime(x));
        let mut stream =
            if ordered { map_ordered(source, map, stream_config) } else { map_unordered(source, map, stream_config) }?.hooks(hooks.clone());
        let (mut primes, mut seen, mut position) = (0u64, 0u64, 0u64);
        for result in stream.by_ref() {
            let (x, p) = result?;
            if ordered && x != position {
                return Err(WorkloadError::Incorrect(format!("result for {x} arrived at position {position}: out of order")));
            }
            position += 1;
            seen = seen.wrapping_add(x);
            primes += u64::from(p);
        }
        // Every number exactly once: the count and the sum of 0..n.
        let expected = if n == 0 { 0 } else { (u128::from(n) * u128::from(n - 1) / 2) as u64 };
        if position != n || seen != expected {
            return Err(WorkloadError::Incorrect(format!("{position} results for {n} inputs (or some twice)")));
        }
        let report = Report {
            feeder: config.feeder,
            shape: crate::engine::Shape::Stream { ordered, window: stream.window() },
            chunk: crate::engine::ChunkSize::Fixed(chunk),
            switches: vec![],
            more_switches: 0,
            ran: crate::engine::Ran::Workers,
            threads_used: config.threads.get(),
            workers: stream.workers(),
            wall_s: t0.elapsed().as_secs_f64(),
            spans: vec![],
            phases: vec![],
            buffer: Some(BufferStats { peak: stream.peak_buffered_chunks() as u64, bound: Some(stream.window()), unit: "chunks".into() }),
            process: None,
        };
        Ok(Outcome { value: Computed::Number(primes), report })
    }
}
