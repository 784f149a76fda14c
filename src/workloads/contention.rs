//! `contention`: count how often each key occurs, two ways. `locked-map`:
//! every worker adds each item to ONE shared map behind a lock, so the
//! workers take turns at it on every item. `local-merge`: each worker counts
//! into tables of its own and the tables are merged at the end (the keyed
//! map-reduce, with its shuffle). Same counts; the diagnosis names the
//! shared state from the local twin's time.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use super::source::Counter;
use super::{Cancel, Computed, Design, ParamInfo, Variant, Workload, WorkloadError, WorkloadInfo, WorkloadSpec};
use crate::engine::{Config, FeederKind, Outcome, Run};
use crate::units::{fmt_count, human_bytes};
use crate::workloads::memory::{MemoryEstimate, feeder_buffers, heap_bytes, table_bytes};

/// Description and parameters.
pub static INFO: WorkloadInfo = WorkloadInfo {
    name: "contention",
    summary: "counting keys in one locked map, or in local tables merged at the end",
    description: "Counts how often each of `keys` keys occurs among n items (a key is a hash of \
        the item). locked-map: every worker adds every item to one shared map behind a mutex, so \
        the workers queue at the lock on every item and more threads make it slower. local-merge: \
        each worker counts into its own tables, one per partition, and one reducer per partition \
        merges them at the end (the keyed map-reduce's shuffle), so the hot path takes no lock. \
        Same counts; compare the two variants at 2 threads or more.",
    params: &[
        ParamInfo { name: "n", help: "items", default: 2_000_000, min: 0, max: 10_000_000_000 },
        ParamInfo { name: "keys", help: "distinct keys", default: 1024, min: 1, max: 10_000_000 },
    ],
    takes_file: false,
    design: Design::SharedState,
};

/// The key of item `x`: a few rounds of a hash, so an item costs some work.
#[inline]
fn key(x: u64, keys: u64) -> u64 {
    let mut h = x;
    for _ in 0..4 {
        h = (h ^ (h >> 31)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
    h % keys
}

fn counts(map: HashMap<u64, u64>) -> Computed {
    Computed::Counts(map.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

/// The distinct keys `n` items are expected to hit among `keys`: the keys
/// are hashes, so `keys x (1 - e^(-n / keys))`.
fn expected_keys(n: u64, keys: u64) -> u64 {
    if keys == 0 {
        return 0;
    }
    let k = keys as f64;
    ((k * -(-(n as f64) / k).exp_m1()).ceil() as u64).min(n).min(keys)
}

/// What a run holds, by phase (see [`Workload::memory`]): the tables of
/// `u64` counts (16 bytes an entry), the result (`String` keys of up to 7
/// digits, 32 bytes an entry plus the text on the heap), and the result
/// kept. `locked-map`: one shared table, grown to every key hit, then
/// turned into the result while both exist. `local-merge`: each of `p`
/// workers has `p` tables (one per partition) of the keys its share of the
/// items hits; the reducers merge them; then one table of every key is
/// reserved while the partitions still exist, and turned into the result;
/// what the map phase frees stays with the workers' allocator arenas
/// (glibc keeps it for them), so it counts on top. The reference holds
/// what one worker of `locked-map` does.
fn memory(spec: &WorkloadSpec, config: &Config) -> MemoryEstimate {
    let (n, keys) = (spec.get("n"), spec.get("keys"));
    let d = expected_keys(n, keys);
    let digits = keys.saturating_sub(1).checked_ilog10().map_or(1, |l| u64::from(l) + 1);
    let result = table_bytes(d, 32).saturating_add(d.saturating_mul(heap_bytes(digits)));
    let counts = table_bytes(d, 16);
    let (tables, how) = if spec.variant() == Some(Variant::LocalMerge) {
        let p = if config.feeder == FeederKind::Sequential { 1 } else { config.threads.get() as u64 };
        let per_worker = expected_keys(n / p, keys);
        let map_phase = p.saturating_mul(p).saturating_mul(table_bytes(per_worker.div_ceil(p), 16));
        // One worker's table is the merged one already.
        let merge = if p > 1 { counts.saturating_add(p.saturating_mul(table_bytes(d.div_ceil(p), 16))) } else { 0 };
        let to_result = counts.saturating_add(result);
        let peak = map_phase.saturating_add(merge.max(to_result));
        (
            peak,
            format!(
                "{p} workers x {p} tables of {} keys, then one table of {} keys and its result",
                fmt_count(per_worker.div_ceil(p)),
                fmt_count(d)
            ),
        )
    } else {
        // A table held half as much again while it last grew.
        let peak = (counts + counts / 2).max(counts.saturating_add(result));
        (peak, format!("one shared table of {} keys, then its result", fmt_count(d)))
    };
    let tables = MemoryEstimate::new(tables, format!("{how}: {}", human_bytes(tables)));
    feeder_buffers(config, 8, 0).plus(tables).keeping(result)
}

/// The `contention` workload (see [`INFO`]).
#[derive(Debug)]
pub struct Contention;

impl Workload for Contention {
    fn info(&self) -> &'static WorkloadInfo {
        &INFO
    }

    fn memory(&self, spec: &WorkloadSpec, config: &Config) -> MemoryEstimate {
        memory(spec, config)
    }

    /// The plain loop: one map, no lock.
    fn reference(&self, spec: &WorkloadSpec, cancel: Cancel<'_>) -> Result<Computed, WorkloadError> {
        let (n, keys) = (spec.get("n"), spec.get("keys"));
        let map: std::cell::RefCell<HashMap<u64, u64>> = std::cell::RefCell::default();
        cancel.blocks(n, 1 << 16, 0, |acc, block| {
            let mut map = map.borrow_mut();
            for x in block {
                *map.entry(key(x, keys)).or_insert(0) += 1;
            }
            acc
        })?;
        Ok(counts(map.into_inner()))
    }

    fn run(&self, spec: &WorkloadSpec, call: Run<'_>) -> Result<Outcome<Computed>, WorkloadError> {
        let (n, keys) = (spec.get("n"), spec.get("keys"));
        if spec.variant() == Some(Variant::LocalMerge) {
            let out = call.map_reduce_by_key(Counter::new(n), |x: u64, out| out.emit(key(x, keys), 1u64), |a, b| *a += b)?;
            return Ok(Outcome { value: counts(out.value.into_map()), report: out.report });
        }
        let shared: Mutex<HashMap<u64, u64>> = Mutex::new(HashMap::new());
        let out = call.fold(
            Counter::new(n),
            || 0u64,
            |seen, x| {
                let k = key(x, keys);
                *shared.lock().unwrap_or_else(PoisonError::into_inner).entry(k).or_insert(0) += 1;
                seen + 1
            },
            |a, b| a + b,
        )?;
        if out.value != n {
            return Err(WorkloadError::Incorrect(format!("{} items counted, {n} expected", out.value)));
        }
        let map = shared.into_inner().unwrap_or_else(PoisonError::into_inner);
        Ok(Outcome { value: counts(map), report: out.report })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_keys_hit_are_as_expected() {
        for (n, keys) in [(100_000, 50_000), (100_000, 1_000_000), (1_000, 10), (0, 10)] {
            let hit: std::collections::HashSet<u64> = (0..n).map(|x| key(x, keys)).collect();
            let expected = expected_keys(n, keys);
            let (a, b) = (hit.len() as f64, expected as f64);
            assert!((a - b).abs() <= 0.02 * a.max(1.0), "n {n}, keys {keys}: {a} hit, {b} expected");
        }
    }

    #[test]
    fn the_tables_grow_with_the_keys_not_the_items() {
        let config = Config::new(2).expect("2 threads").feeder(FeederKind::Dispenser);
        let spec = |keys, n| super::super::WorkloadSpec::new(super::super::WorkloadKind::Contention).with("keys", keys).with("n", n);
        let small = memory(&spec(1_000, 100_000_000), &config);
        assert!(small.bytes < 1 << 20 && small.kept < 1 << 20, "{small:?}");
        // The case: about 8.6 million keys hit, in a table of counts
        // (16 B an entry) then a table of their names (32 B and a heap block each).
        let big = memory(&spec(10_000_000, 20_000_000), &config);
        assert!(big.kept > 500_000_000 && big.bytes > big.kept, "{big:?}");
    }
}
