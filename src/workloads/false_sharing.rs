//! `false-sharing`: every item adds to its worker's own counter, many
//! times. The counters are either packed side by side (8 of them in one
//! 64-byte cache line) or padded apart (one line each): the same work, the
//! same result, and no two workers ever touch the same counter. Packed,
//! every add needs the line to itself, so the cores pass it back and forth:
//! false sharing. The diagnosis names it from the padded twin's time.

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use crossbeam_utils::CachePadded;

use super::source::Counter;
use super::{Cancel, Computed, Design, ParamInfo, Variant, Workload, WorkloadError, WorkloadInfo, WorkloadSpec};
use crate::engine::{Config, Outcome, Run};
use crate::workloads::memory::{MemoryEstimate, feeder_buffers};

/// Description and parameters.
pub static INFO: WorkloadInfo = WorkloadInfo {
    name: "false-sharing",
    summary: "per-worker counters packed in one cache line, or padded apart",
    description: "Every item adds 1 to its worker's own counter `adds` times (a per-thread \
        statistic, a histogram bucket). No two workers share a counter, so nothing is shared, in \
        principle. Packed, the counters sit side by side in one 64-byte cache line, and a core must \
        own the whole line to write its counter: the line bounces between the cores on every add \
        (false sharing). Padded, each counter has a line of its own. Same work, same result; \
        compare the two variants at 2 threads or more.",
    params: &[
        ParamInfo { name: "n", help: "items", default: 2_000_000, min: 0, max: 10_000_000_000 },
        ParamInfo { name: "adds", help: "adds to the worker's counter per item", default: 16, min: 1, max: 1_000_000 },
    ],
    takes_file: false,
    design: Design::SharedCounters,
};

/// Counter slots: threads beyond this share slots (and really share).
const SLOTS: usize = 8;

/// 8 counters in exactly one 64-byte cache line (aligned, so they never
/// straddle two).
#[repr(align(64))]
struct Line([AtomicU64; SLOTS]);

/// The per-worker counters, laid out as the variant says.
enum Counters {
    /// Side by side: 8 x 8 bytes, one cache line.
    Packed(Box<Line>),
    /// One cache line each.
    Padded(Box<[CachePadded<AtomicU64>; SLOTS]>),
}

impl Counters {
    fn new(padded: bool) -> Self {
        if padded {
            Counters::Padded(Box::new(std::array::from_fn(|_| CachePadded::new(AtomicU64::new(0)))))
        } else {
            Counters::Packed(Box::new(Line(std::array::from_fn(|_| AtomicU64::new(0)))))
        }
    }
    #[inline]
    fn slot(&self, i: usize) -> &AtomicU64 {
        match self {
            Counters::Packed(c) => &c.0[i],
            Counters::Padded(c) => &c[i],
        }
    }
    fn total(&self) -> u64 {
        (0..SLOTS).map(|i| self.slot(i).load(Ordering::Relaxed)).sum()
    }
}

/// Slots handed out to threads, in turn.
static NEXT_SLOT: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// This thread's slot, taken on its first item.
    static SLOT: Cell<Option<usize>> = const { Cell::new(None) };
}

/// This thread's counter slot: consecutive threads get neighbouring slots.
fn my_slot() -> usize {
    SLOT.with(|s| {
        s.get().unwrap_or_else(|| {
            // Relaxed: only needs distinct values.
            let slot = NEXT_SLOT.fetch_add(1, Ordering::Relaxed) % SLOTS;
            s.set(Some(slot));
            slot
        })
    })
}

/// The map: `adds` adds to this worker's counter, then the item itself.
#[inline]
fn map(x: u64, adds: u64, counters: &Counters) -> u64 {
    let c = counters.slot(my_slot());
    for _ in 0..adds {
        // Relaxed: a count; what matters is that the write needs the line.
        c.fetch_add(1, Ordering::Relaxed);
    }
    x
}

/// The `false-sharing` workload (see [`INFO`]).
#[derive(Debug)]
pub struct FalseSharing;

impl Workload for FalseSharing {
    fn info(&self) -> &'static WorkloadInfo {
        &INFO
    }

    /// The feeder's buffers of numbers; the counters are one or eight cache
    /// lines and the result is a number.
    fn memory(&self, _spec: &WorkloadSpec, config: &Config) -> MemoryEstimate {
        feeder_buffers(config, 8, 0)
    }

    /// The plain loop: one thread, one counter, the same adds.
    fn reference(&self, spec: &WorkloadSpec, cancel: Cancel<'_>) -> Result<Computed, WorkloadError> {
        let (n, adds) = (spec.get("n"), spec.get("adds"));
        let counters = Counters::new(spec.variant() == Some(Variant::Padded));
        let sum = cancel.blocks(n, 1 << 16, 0, |acc, block| block.map(|x| map(x, adds, &counters)).fold(acc, u64::wrapping_add))?;
        check(&counters, n, adds)?;
        Ok(Computed::Number(sum))
    }

    fn run(&self, spec: &WorkloadSpec, call: Run<'_>) -> Result<Outcome<Computed>, WorkloadError> {
        let (n, adds) = (spec.get("n"), spec.get("adds"));
        let counters = Counters::new(spec.variant() == Some(Variant::Padded));
        let out = call.fold(Counter::new(n), || 0u64, |acc, x| acc.wrapping_add(map(x, adds, &counters)), u64::wrapping_add)?;
        // A cancelled call returned above; a finished one did every add exactly once.
        check(&counters, n, adds)?;
        Ok(Outcome { value: Computed::Number(out.value), report: out.report })
    }
}

/// Every item added `adds` to some counter: the counters sum to `n x adds`.
fn check(counters: &Counters, n: u64, adds: u64) -> Result<(), WorkloadError> {
    let total = counters.total();
    let expected = n.wrapping_mul(adds);
    if total == expected { Ok(()) } else { Err(WorkloadError::Incorrect(format!("the counters hold {total} adds, {expected} were made"))) }
}
