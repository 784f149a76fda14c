//! Keyed map-reduce with a shuffle: the mapper emits `(key, value)` pairs,
//! values of one key are combined with an associative `combine`.
//!
//! Design (a threaded word count, done right):
//! - **Map + local combine.** Any feeder runs the map phase. Each worker's
//!   accumulator is a table per *partition* (`R` = the thread count), and a
//!   pair is combined into its partition's table at once, so a worker holds
//!   one entry per distinct key, not one per pair. A key's partition comes
//!   from one hasher shared by every worker, so all workers agree on it.
//! - **Shuffle + reduce.** Reducer `r` takes partition `r` of every worker's
//!   tables (moves, no copies) and merges them into the largest. Each key is
//!   owned by exactly one reducer, so reducers share nothing and need no lock.
//! - **Progress per phase.** [`ProgressEvent::Phase`] reports the map phase
//!   (items mapped / the source's length when it knows it) and the reduce
//!   phase (entries merged / entries in all), sampled every `interval`.
//! - Cancel and panics behave as in [`Run::fold`]: the map phase stops within
//!   a chunk; reducers look at the cancel token every 1,024 entries; a panic
//!   in `combine` stops the other reducers and comes back as an error.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::hash::{BuildHasher, Hash};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use crossbeam_utils::CachePadded;
use rustc_hash::FxBuildHasher;

use super::crew::{self, Failure, Failures, Stage};
use super::{EngineError, FeederKind, Outcome, Phase, PhaseTime, ProgressEvent, Run, Span, SpanKind};

/// Entries a reducer merges between looks at the cancel token and progress.
const BLOCK: usize = 1024;

/// One table per partition.
type Parts<K, V> = Vec<HashMap<K, V>>;

/// Where a mapper sends its pairs; they are combined into the worker's own
/// table for the key's partition at once.
pub struct Emitter<'a, K, V> {
    parts: &'a mut Parts<K, V>,
    hasher: &'a FxBuildHasher,
    combine: &'a (dyn Fn(&mut V, V) + Sync),
}

impl<K, V> std::fmt::Debug for Emitter<'_, K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emitter").field("partitions", &self.parts.len()).finish_non_exhaustive()
    }
}

impl<K: Hash + Eq, V> Emitter<'_, K, V> {
    #[inline]
    fn partition<Q: Hash + ?Sized>(&self, key: &Q) -> usize {
        partition_of(self.hasher, key, self.parts.len())
    }

    /// Emits one pair.
    pub fn emit(&mut self, key: K, value: V) {
        let p = self.partition(&key);
        match self.parts[p].entry(key) {
            Entry::Occupied(mut e) => (self.combine)(e.get_mut(), value),
            Entry::Vacant(e) => {
                e.insert(value);
            }
        }
    }

    /// Emits one pair by a borrowed key (`&str` for `String` keys); the key
    /// is copied only the first time this worker sees it.
    pub fn emit_borrowed<Q>(&mut self, key: &Q, value: V)
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ToOwned<Owned = K> + ?Sized,
    {
        // `Borrow` promises `Q` hashes like `K`, so the partition is the same.
        let p = self.partition(key);
        match self.parts[p].get_mut(key) {
            Some(v) => (self.combine)(v, value),
            None => {
                self.parts[p].insert(key.to_owned(), value);
            }
        }
    }
}

/// The partition of a key: a fast hash (not the tables' own, so a table's
/// keys do not share hash bits), its high bits scaled to `0..n`.
#[inline]
fn partition_of<Q: Hash + ?Sized>(hasher: &FxBuildHasher, key: &Q, n: usize) -> usize {
    if n == 1 {
        return 0;
    }
    let h = hasher.hash_one(key) >> 32;
    ((h * n as u64) >> 32) as usize
}

/// The result: one table per partition, each key in exactly one.
#[derive(Clone, Debug)]
pub struct KeyedMap<K, V> {
    parts: Parts<K, V>,
}

impl<K: Hash + Eq, V> KeyedMap<K, V> {
    /// Distinct keys.
    pub fn len(&self) -> usize {
        self.parts.iter().map(HashMap::len).sum()
    }
    /// Whether no key was emitted.
    pub fn is_empty(&self) -> bool {
        self.parts.iter().all(HashMap::is_empty)
    }
    /// The combined value of `key`.
    pub fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.parts[partition_of(&FxBuildHasher, key, self.parts.len())].get(key)
    }
    /// Every key and value, partition by partition.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.parts.iter().flatten()
    }
    /// The partitions, one per reducer.
    pub fn partitions(&self) -> &[HashMap<K, V>] {
        &self.parts
    }
    /// One table (the partitions are disjoint, so this only moves entries).
    pub fn into_map(self) -> HashMap<K, V> {
        let mut parts = self.parts;
        parts.sort_by_key(|m| std::cmp::Reverse(m.len()));
        let mut it = parts.into_iter();
        let mut all = it.next().unwrap_or_default();
        let rest: Vec<_> = it.collect();
        all.reserve(rest.iter().map(HashMap::len).sum());
        for m in rest {
            all.extend(m);
        }
        all
    }
}

/// See [`Run::map_reduce_by_key`]: the map phase, the shuffle, the reduce phase.
pub(crate) fn run<I, T, K, V, M, C>(mut call: Run<'_>, input: I, mapper: M, combine: C) -> Result<Outcome<KeyedMap<K, V>>, EngineError>
where
    I: IntoIterator<Item = T>,
    I::IntoIter: Send,
    T: Send,
    K: Hash + Eq + Send,
    V: Send,
    M: Fn(T, &mut Emitter<'_, K, V>) + Sync,
    C: Fn(&mut V, V) + Sync,
{
    let origin = Instant::now();
    let since = |t: Instant| (t - origin).as_secs_f64();
    let hooks = call.hooks.clone();
    // Phases are lifecycle events: never dropped. The map phase's engine
    // call leaves `Finished` to this function, which sends it last.
    let reporter = super::progress::Reporter::of(&hooks);
    let reducers = if call.config.feeder == FeederKind::Sequential { 1 } else { call.config.threads.get() };
    let record_spans = call.record_spans;
    let source = input.into_iter();
    let total_items = match source.size_hint() {
        (lo, Some(hi)) if lo == hi => Some(lo as u64),
        _ => None,
    };
    reporter.lifecycle(ProgressEvent::Phase { elapsed: origin.elapsed(), phase: Phase::Map, done: 0, total: total_items });
    // `Finished` goes last, on every way out (after the reduce phase, or an error).
    let mut finish = FinishOnDrop { reporter: &reporter, origin, workers: Vec::new(), end: super::CallEnd::Cancelled };
    call.defer_finish = true;

    let mapped = match map_phase(call, source, reducers, &mapper, &combine) {
        Ok(m) => m,
        Err(e) => {
            finish.end = super::CallEnd::of::<()>(&Err(e.clone()));
            return Err(e);
        }
    };
    let items = mapped.report.items();
    finish.workers.clone_from(&mapped.report.workers);
    let t_map = Instant::now();
    reporter.lifecycle(ProgressEvent::Phase { elapsed: origin.elapsed(), phase: Phase::Map, done: items, total: Some(items) });

    let columns = shuffle(mapped.value, reducers);
    let total: u64 = columns.iter().flatten().map(|t| t.len() as u64).sum();
    reporter.lifecycle(ProgressEvent::Phase { elapsed: origin.elapsed(), phase: Phase::Reduce, done: 0, total: Some(total) });

    let sample =
        |done: u64| reporter.lifecycle(ProgressEvent::Phase { elapsed: origin.elapsed(), phase: Phase::Reduce, done, total: Some(total) });
    let reduced = reduce_phase(columns, &combine, &hooks, since, sample);
    let t_end = Instant::now();
    let (merged, spans) = match reduced {
        Ok(r) => r,
        Err(failure) => {
            finish.end = super::CallEnd::Failed(failure.clone());
            return Err(EngineError::Failed(failure));
        }
    };
    let Some(parts) = merged else {
        return Err(EngineError::Cancelled { items_done: items, workers: mapped.report.workers });
    };
    finish.end = super::CallEnd::Completed;
    let mut report = mapped.report;
    report.wall_s = since(t_end);
    report.phases = vec![
        PhaseTime { phase: Phase::Map, start_s: 0.0, end_s: since(t_map), units: items },
        PhaseTime { phase: Phase::Reduce, start_s: since(t_map), end_s: since(t_end), units: total },
    ];
    if record_spans {
        report.spans.extend(spans);
    }
    Ok(Outcome { value: KeyedMap { parts }, report })
}

/// Map phase: any feeder runs the mapper; every accumulator is a list of
/// partitioned tables (one per fold state; rayon may make several a
/// thread), concatenated at the end.
fn map_phase<I, T, K, V, M, C>(
    call: Run<'_>,
    source: I,
    reducers: usize,
    mapper: &M,
    combine: &C,
) -> Result<Outcome<Vec<Parts<K, V>>>, EngineError>
where
    I: Iterator<Item = T> + Send,
    T: Send,
    K: Hash + Eq + Send,
    V: Send,
    M: Fn(T, &mut Emitter<'_, K, V>) + Sync,
    C: Fn(&mut V, V) + Sync,
{
    let hasher = FxBuildHasher;
    let fresh = || -> Parts<K, V> { (0..reducers).map(|_| HashMap::new()).collect() };
    let combine_dyn: &(dyn Fn(&mut V, V) + Sync) = combine;
    call.fold(
        source,
        || vec![fresh()],
        |mut acc: Vec<Parts<K, V>>, item| {
            if let Some(parts) = acc.last_mut() {
                mapper(item, &mut Emitter { parts, hasher: &hasher, combine: combine_dyn });
            }
            acc
        },
        |mut a, b| {
            a.extend(b);
            a
        },
    )
}

/// Shuffle: reducer `r` gets partition `r` of every table (moved, not copied).
fn shuffle<K, V>(mapped: Vec<Parts<K, V>>, reducers: usize) -> Vec<Vec<HashMap<K, V>>> {
    let mut columns: Vec<Vec<HashMap<K, V>>> = (0..reducers).map(|_| Vec::new()).collect();
    for parts in mapped {
        for (r, table) in parts.into_iter().enumerate() {
            if !table.is_empty() {
                columns[r].push(table);
            }
        }
    }
    columns
}

/// The merged partitions (`None` when cancelled) and the reducers' spans.
type Reduced<K, V> = (Option<Parts<K, V>>, Vec<Span>);

/// Reduce phase: one crew thread per partition merges its column; the
/// calling thread sends `sample(entries merged)` every interval.
fn reduce_phase<K, V, C>(
    columns: Vec<Vec<HashMap<K, V>>>,
    combine: &C,
    hooks: &super::Hooks,
    since: impl Fn(Instant) -> f64 + Sync,
    sample: impl Fn(u64),
) -> Result<Reduced<K, V>, Failure>
where
    K: Hash + Eq + Send,
    V: Send,
    C: Fn(&mut V, V) + Sync,
{
    let done: Vec<CachePadded<AtomicU64>> = (0..columns.len()).map(|_| CachePadded::new(AtomicU64::new(0))).collect();
    let merged_now = || -> u64 { done.iter().map(|d| d.load(Ordering::Relaxed)).sum() };
    let failures = Failures::default();
    let cancelled = || hooks.cancel.as_ref().is_some_and(|c| c.is_cancelled());
    let (merged, spans) = crew::scope(&failures, |crew| {
        let members: Vec<_> = columns
            .into_iter()
            .enumerate()
            .map(|(r, column)| {
                let (done, failures, since, cancelled) = (&done[r], &failures, &since, &cancelled);
                crew.spawn(format!("scalescope-reducer-{r}"), Stage::Reduce, move |_| {
                    let t0 = Instant::now();
                    let stop = || failures.stopped() || cancelled();
                    // Relaxed: a progress counter, read exactly after the join.
                    let table = reduce_column(column, combine, done, stop);
                    let span = Span {
                        worker: r,
                        kind: SpanKind::Reduce,
                        start_s: since(t0),
                        end_s: since(Instant::now()),
                        items: done.load(Ordering::Relaxed),
                    };
                    (table, span)
                })
            })
            .collect();
        let mut last = u64::MAX;
        crew.watch(hooks.progress.as_ref().map(|_| hooks.interval()), || {
            let now = merged_now();
            if now != last {
                last = now;
                sample(now);
            }
        });
        let mut merged: Vec<Option<HashMap<K, V>>> = Vec::with_capacity(members.len());
        let mut spans = Vec::with_capacity(members.len());
        for m in members {
            let (table, span) = m.join(&failures).unzip();
            merged.push(table.flatten());
            spans.extend(span);
        }
        (merged, spans)
    });
    sample(merged_now());
    if let Some(failure) = failures.take() {
        return Err(failure);
    }
    Ok((merged.into_iter().collect(), spans))
}

/// Sends the keyed call's `Finished` when dropped: after its last phase, or
/// on an early return.
struct FinishOnDrop<'a> {
    reporter: &'a super::progress::Reporter,
    origin: Instant,
    workers: Vec<super::WorkerStats>,
    /// How the call ended; set on every way out.
    end: super::CallEnd,
}

impl Drop for FinishOnDrop<'_> {
    fn drop(&mut self) {
        let end = std::mem::take(&mut self.end);
        self.reporter.lifecycle(ProgressEvent::Finished {
            elapsed: self.origin.elapsed(),
            workers: std::mem::take(&mut self.workers),
            end,
        });
    }
}

/// Merges a partition's tables into the largest; `None` when stopped.
fn reduce_column<K: Hash + Eq, V>(
    mut column: Vec<HashMap<K, V>>,
    combine: &impl Fn(&mut V, V),
    done: &AtomicU64,
    stop: impl Fn() -> bool,
) -> Option<HashMap<K, V>> {
    column.sort_by_key(|t| std::cmp::Reverse(t.len()));
    let mut tables = column.into_iter();
    let mut base = tables.next().unwrap_or_default();
    // Relaxed: `done` is a progress counter, read exactly after the join.
    done.fetch_add(base.len() as u64, Ordering::Relaxed);
    for table in tables {
        let mut n = 0;
        for (k, v) in table {
            match base.entry(k) {
                Entry::Occupied(mut e) => combine(e.get_mut(), v),
                Entry::Vacant(e) => {
                    e.insert(v);
                }
            }
            n += 1;
            if n == BLOCK {
                done.fetch_add(n as u64, Ordering::Relaxed);
                n = 0;
                if stop() {
                    return None;
                }
            }
        }
        done.fetch_add(n as u64, Ordering::Relaxed);
        if stop() {
            return None;
        }
    }
    Some(base)
}
