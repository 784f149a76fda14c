//! `primes`: count primes below n by trial division (the classic thread-pool benchmark).

use super::source::Counter;
use super::{Cancel, Computed, Design, ParamInfo, Workload, WorkloadError, WorkloadInfo, WorkloadSpec, number};
use crate::engine::{Config, Outcome, Run};
use crate::workloads::memory::{MemoryEstimate, feeder_buffers};

/// Description and parameters.
pub static INFO: WorkloadInfo = WorkloadInfo {
    name: "primes",
    summary: "count primes below n by trial division",
    description: "Counts the primes below n by trial division, reading the numbers from a plain \
        iterator. Each item is pure CPU work whose cost grows with the number, so it scales well \
        on real cores: the classic picture of a parallel speedup. There are 78,498 primes below \
        1,000,000 and 348,513 below 5,000,000. With serial above 0, the numbers below serial are \
        first tested on one thread, alone, and added in: a serial part that stays the same when n \
        grows (Amdahl's s, and what weak scaling outgrows).",
    params: &[
        ParamInfo { name: "n", help: "count primes below this number", default: 5_000_000, min: 1, max: 1_000_000_000 },
        ParamInfo {
            name: "serial",
            help: "first count the primes below this on one thread, alone (a serial part that does not grow with n)",
            default: 0,
            min: 0,
            max: 5_000_000,
        },
    ],
    takes_file: false,
    design: Design::MapReduce,
};

/// Whether `x` is prime, by trial division by odd numbers up to its square root.
///
/// # Examples
/// ```
/// use scalescope::workloads::primes::is_prime;
/// assert!(is_prime(2) && is_prime(97) && !is_prime(1) && !is_prime(91));
/// ```
#[inline]
pub fn is_prime(x: u64) -> bool {
    if x < 2 {
        return false;
    }
    if x < 4 {
        return true;
    }
    if x.is_multiple_of(2) {
        return false;
    }
    let mut d = 3;
    while d * d <= x {
        if x.is_multiple_of(d) {
            return false;
        }
        d += 2;
    }
    true
}

/// The primes below `below`, counted on the calling thread: the serial
/// part, the same at every n.
fn serial_part(below: u64) -> u64 {
    (0..below).filter(|&x| is_prime(x)).count() as u64
}

/// The `primes` workload (see [`INFO`]).
#[derive(Debug)]
pub struct Primes;

impl Workload for Primes {
    fn info(&self) -> &'static WorkloadInfo {
        &INFO
    }

    /// The feeder's buffers of numbers; the result is a number.
    fn memory(&self, _spec: &WorkloadSpec, config: &Config) -> MemoryEstimate {
        feeder_buffers(config, 8, 0)
    }

    /// The plain loop: the serial part, then every number below n.
    fn reference(&self, spec: &WorkloadSpec, cancel: Cancel<'_>) -> Result<Computed, WorkloadError> {
        let serial = serial_part(spec.get("serial"));
        let count = cancel.blocks(spec.get("n"), 1 << 14, 0, |acc, block| acc + block.filter(|&x| is_prime(x)).count() as u64)?;
        Ok(Computed::Number(serial + count))
    }

    /// The serial part on the calling thread, then the engine's call; the
    /// serial part's time is added to the call's wall time (the run is both).
    fn run(&self, spec: &WorkloadSpec, call: Run<'_>) -> Result<Outcome<Computed>, WorkloadError> {
        let t0 = std::time::Instant::now();
        let serial = serial_part(spec.get("serial"));
        let serial_s = t0.elapsed().as_secs_f64();
        let mut out = call.fold(Counter::new(spec.get("n")), || 0u64, |acc, x| acc + u64::from(is_prime(x)), |a, b| a + b)?;
        out.value += serial;
        out.report.wall_s += serial_s;
        Ok(number(out))
    }
}
