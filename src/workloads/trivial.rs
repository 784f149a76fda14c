//! `trivial`: a multiply and a shift per item, summed. Pure overhead.

use super::source::Counter;
use super::{Cancel, Computed, Design, ParamInfo, Workload, WorkloadError, WorkloadInfo, WorkloadSpec, number};
use crate::engine::{Config, Outcome, Run};
use crate::workloads::memory::{MemoryEstimate, feeder_buffers};

/// Description and parameters.
pub static INFO: WorkloadInfo = WorkloadInfo {
    name: "trivial",
    summary: "a multiply and a shift per item, summed",
    description: "Maps each number of a plain iterator with one multiply and one shift, and sums \
        the results. The map costs less than taking an item out of the iterator, so the serial \
        source is the bottleneck: no parallel design can beat the fused single-core loop, and how \
        items are handed out (one per lock, or chunks) decides how much slower it gets.",
    params: &[ParamInfo { name: "n", help: "items", default: 50_000_000, min: 0, max: 100_000_000_000 }],
    takes_file: false,
    design: Design::MapReduce,
};

/// The map: one multiply, one shift.
#[inline(always)]
pub fn map(x: u64) -> u64 {
    x.wrapping_mul(2_654_435_761) >> 7
}

/// The `trivial` workload (see [`INFO`]).
#[derive(Debug)]
pub struct Trivial;

impl Workload for Trivial {
    fn info(&self) -> &'static WorkloadInfo {
        &INFO
    }

    /// The feeder's buffers of numbers; the result is a number.
    fn memory(&self, _spec: &WorkloadSpec, config: &Config) -> MemoryEstimate {
        feeder_buffers(config, 8, 0)
    }

    /// The plain loop.
    fn reference(&self, spec: &WorkloadSpec, cancel: Cancel<'_>) -> Result<Computed, WorkloadError> {
        let sum = cancel.blocks(spec.get("n"), 1 << 22, 0, |acc, block| block.map(map).fold(acc, u64::wrapping_add))?;
        Ok(Computed::Number(sum))
    }

    fn run(&self, spec: &WorkloadSpec, call: Run<'_>) -> Result<Outcome<Computed>, WorkloadError> {
        let out = call.fold(Counter::new(spec.get("n")), || 0u64, |acc, x| acc.wrapping_add(map(x)), u64::wrapping_add)?;
        Ok(number(out))
    }
}
