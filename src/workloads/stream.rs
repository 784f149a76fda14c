//! `stream`: a streaming pass over a buffer larger than the caches, summed
//! block by block. Each item is one 64 KiB block, so the work per byte is
//! one add: the cores wait on memory, and the run measures how much memory
//! bandwidth the threads together can draw ([`crate::workloads::bandwidth`]).

use std::sync::{Arc, Mutex, PoisonError};

use super::source::Counter;
use super::{Cancel, Computed, Design, ParamInfo, Workload, WorkloadError, WorkloadInfo, WorkloadSpec, number};
use crate::engine::{Config, Outcome, Run};
use crate::workloads::memory::{MemoryEstimate, feeder_buffers};

/// Description and parameters.
pub static INFO: WorkloadInfo = WorkloadInfo {
    name: "stream",
    summary: "sum a buffer larger than the caches, 64 KiB blocks at a time",
    description: "Reads a buffer of n MiB (built once, larger than the caches) from start to end, \
        passes times, summing each 64 KiB block. One add per 8 bytes: the cores spend their time \
        waiting for memory, so the speedup stops where the memory system does, not at the core \
        count. The run's bytes per second are compared with a probe of this machine's memory \
        bandwidth, taken between the runs.",
    params: &[
        ParamInfo { name: "n", help: "MiB in the buffer", default: 512, min: 1, max: 16_384 },
        ParamInfo { name: "passes", help: "passes over the buffer", default: 4, min: 1, max: 1_000 },
    ],
    takes_file: false,
    design: Design::MapReduce,
};

/// u64s per block (64 KiB): one item of the stream.
pub const BLOCK: usize = crate::workloads::bandwidth::BLOCK;

/// u64s per MiB.
const PER_MIB: usize = (1 << 20) / 8;

/// The value at index `i` of every buffer: cheap to make, the same on every machine.
#[inline]
fn value(i: usize) -> u64 {
    (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (i as u64 >> 7)
}

/// The one buffer this process holds: the largest asked for so far (a
/// smaller one is its prefix, since every value depends on its index only).
static HELD: Mutex<Option<Arc<Vec<u64>>>> = Mutex::new(None);

/// A buffer of at least `mib` MiB, built on first use and kept for the
/// next run (building it is not part of any timed run: the sweep warms it
/// first, see [`warm`]).
pub fn buffer(mib: u64) -> Arc<Vec<u64>> {
    let want = usize::try_from(mib).unwrap_or(usize::MAX / PER_MIB).saturating_mul(PER_MIB);
    let mut held = HELD.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(b) = held.as_ref().filter(|b| b.len() >= want) {
        return Arc::clone(b);
    }
    // Free the old one before the new one is built: never both at once.
    *held = None;
    let b: Arc<Vec<u64>> = Arc::new((0..want).map(value).collect());
    *held = Some(Arc::clone(&b));
    b
}

/// Builds the buffer `spec` reads, outside any timed run.
pub fn warm(spec: &WorkloadSpec) {
    drop(buffer(spec.get("n")));
}

/// Bytes one run of `spec` reads: the buffer, `passes` times.
pub fn bytes_read(spec: &WorkloadSpec) -> u64 {
    spec.get("n").saturating_mul(1 << 20).saturating_mul(spec.get("passes"))
}

/// The sum of block `i` of the stream (blocks wrap around the buffer each pass).
#[inline]
fn block_sum(buf: &[u64], blocks: u64, i: u64) -> u64 {
    let b = (i % blocks) as usize * BLOCK;
    crate::workloads::bandwidth::sum_words(&buf[b..b + BLOCK])
}

/// The `stream` workload (see [`INFO`]).
#[derive(Debug)]
pub struct StreamSum;

impl Workload for StreamSum {
    /// The buffer's 8-byte elements: `n` MiB of them.
    fn items(&self, spec: &WorkloadSpec) -> u64 {
        spec.get("n").saturating_mul(1 << 17)
    }

    fn info(&self) -> &'static WorkloadInfo {
        &INFO
    }

    /// The buffer, held for the whole experiment (built once, before the
    /// runs), and the feeder's buffers of block numbers.
    fn memory(&self, spec: &WorkloadSpec, config: &Config) -> MemoryEstimate {
        let n = spec.get("n");
        feeder_buffers(config, 8, 0)
            .plus(MemoryEstimate::new(n.saturating_mul(1 << 20), format!("the buffer n {} MiB", crate::units::fmt_count(n))))
    }

    /// The plain loop over every block of every pass.
    fn reference(&self, spec: &WorkloadSpec, cancel: Cancel<'_>) -> Result<Computed, WorkloadError> {
        let buf = buffer(spec.get("n"));
        let blocks = spec.get("n") * (PER_MIB / BLOCK) as u64;
        let items = blocks * spec.get("passes");
        let sum = cancel.blocks(items, 256, 0, |acc, block| block.map(|i| block_sum(&buf, blocks, i)).fold(acc, u64::wrapping_add))?;
        Ok(Computed::Number(sum))
    }

    fn warm(&self, spec: &WorkloadSpec) {
        warm(spec);
    }

    fn bytes_read(&self, spec: &WorkloadSpec) -> Option<u64> {
        Some(bytes_read(spec))
    }

    fn probe_memory(&self, spec: &WorkloadSpec, cores: usize) -> Option<crate::workloads::bandwidth::Bandwidth> {
        let n = usize::try_from(spec.get("n")).ok()?.checked_mul(PER_MIB)?;
        let buf = buffer(spec.get("n"));
        Some(crate::workloads::bandwidth::probe(&buf[..n], cores, 1))
    }

    fn run(&self, spec: &WorkloadSpec, call: Run<'_>) -> Result<Outcome<Computed>, WorkloadError> {
        let buf = buffer(spec.get("n"));
        let blocks = spec.get("n") * (PER_MIB / BLOCK) as u64;
        let items = blocks * spec.get("passes");
        let out = call.fold(Counter::new(items), || 0u64, |acc, i| acc.wrapping_add(block_sum(&buf, blocks, i)), u64::wrapping_add)?;
        Ok(number(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_smaller_buffer_is_the_prefix_of_a_larger_one() {
        let small = buffer(1);
        assert_eq!(small.len(), PER_MIB);
        let big = buffer(2);
        assert!(big.len() >= 2 * PER_MIB);
        assert_eq!(&big[..PER_MIB], &small[..]);
        assert_eq!(buffer(1).len(), big.len(), "the larger one is kept and serves the smaller");
        assert_eq!(bytes_read(&WorkloadSpec::new(super::super::WorkloadKind::Stream).with("n", 3).with("passes", 2)), 6 << 20);
    }
}
