//! `sleep-spin`: each item sleeps, then spins (a function that both
//! blocks and burns CPU).

use std::hint::black_box;
use std::time::Duration;

use super::source::Counter;
use super::{Cancel, Computed, Design, ParamInfo, Workload, WorkloadError, WorkloadInfo, WorkloadSpec, number};
use crate::engine::{Config, Outcome, Run};
use crate::workloads::memory::{MemoryEstimate, feeder_buffers};

/// Description and parameters.
pub static INFO: WorkloadInfo = WorkloadInfo {
    name: "sleep-spin",
    summary: "each item sleeps (blocks) and then spins (burns CPU)",
    description: "Each item sleeps for some microseconds, as a network call or a disk read would, \
        then spins for some iterations of arithmetic. While a thread sleeps its core is free, so \
        more threads than cores still help for the sleeping part; the spinning part scales only \
        up to the core count. Try threads = 4 x cores with a long sleep and a short spin.",
    params: &[
        ParamInfo { name: "n", help: "items", default: 400, min: 0, max: 10_000_000 },
        ParamInfo { name: "sleep_us", help: "microseconds each item sleeps", default: 1000, min: 0, max: 1_000_000 },
        ParamInfo { name: "spin", help: "arithmetic iterations each item spins", default: 300_000, min: 0, max: 1_000_000_000 },
    ],
    takes_file: false,
    design: Design::MapReduce,
};

/// The map: sleep, then spin; returns a checksum of the spin.
pub fn map(x: u64, sleep: Duration, spin: u64) -> u64 {
    if !sleep.is_zero() {
        std::thread::sleep(sleep);
    }
    let mut h = x;
    for _ in 0..spin {
        h = black_box(h.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407));
    }
    h >> 32
}

fn args(spec: &WorkloadSpec) -> (u64, Duration, u64) {
    (spec.get("n"), Duration::from_micros(spec.get("sleep_us")), spec.get("spin"))
}

/// The `sleep-spin` workload (see [`INFO`]).
#[derive(Debug)]
pub struct SleepSpin;

impl Workload for SleepSpin {
    fn info(&self) -> &'static WorkloadInfo {
        &INFO
    }

    /// The feeder's buffers of numbers; the result is a number.
    fn memory(&self, _spec: &WorkloadSpec, config: &Config) -> MemoryEstimate {
        feeder_buffers(config, 8, 0)
    }

    /// The plain loop.
    fn reference(&self, spec: &WorkloadSpec, cancel: Cancel<'_>) -> Result<Computed, WorkloadError> {
        let (n, sleep, spin) = args(spec);
        let sum = cancel.blocks(n, 1, 0, |acc, block| block.map(|x| map(x, sleep, spin)).fold(acc, u64::wrapping_add))?;
        Ok(Computed::Number(sum))
    }

    fn run(&self, spec: &WorkloadSpec, call: Run<'_>) -> Result<Outcome<Computed>, WorkloadError> {
        let (n, sleep, spin) = args(spec);
        let out = call.fold(Counter::new(n), || 0u64, |acc, x| acc.wrapping_add(map(x, sleep, spin)), u64::wrapping_add)?;
        Ok(number(out))
    }
}
