//! `auto`: the engine's own design. It decides over the whole run, not
//! from a prefix.
//!
//! 1. Every worker starts as a dispenser: it takes the source's lock, pulls
//!    a chunk into its buffer, lets go, and maps the chunk, with adaptive
//!    chunk sizes (see `chunking`).
//! 2. Every worker measures as it goes: per item, the time it holds
//!    the lock to pull (`pull`), the time it maps (`map`), and, every
//!    [`FUSED_EVERY`] chunks, the time to pull and map a chunk in one fused
//!    loop under the lock (`fused`: what one core alone would take). All
//!    workers together count the items they take, so their rate is measured.
//!    The minimum of pull and map over the last few chunks (a thread that
//!    lost its core only makes a sample longer) and one of the last two
//!    fused samples go to [`decide`]: the one that favours the mode it is
//!    in (one chunk can be lucky on a heavy tail, or unlucky).
//! 3. When `workers` sharing the source would be slower than one fused loop
//!    (the source is the bottleneck), the first worker to see it switches the
//!    run to fused mode: it pulls and maps in blocks of about a millisecond
//!    under the lock and the others park. Every [`RECHECK`] it times one
//!    split chunk again and brings the others back when items became dearer.
//!
//! The probe of the first version (a few hundred items, one decision) could
//! choose one core on a prefix that did not represent the rest; here a wrong
//! guess lasts until the next measurement.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::super::chunking::{self, Chunker};
use super::super::config::ChunkSize;
use super::super::crew::Stage;
use super::super::kernel::Kernel;
use super::super::run::{Shared, execute};
use super::super::{Ran, Switch};
use super::{Partials, fill, sequential};

/// Per-item costs, nanoseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Costs {
    /// Taking an item out of the source, into a buffer (lock held).
    pub pull_ns: f64,
    /// Mapping (folding) an item from the buffer.
    pub map_ns: f64,
    /// Pulling and mapping in one fused loop, as one core alone runs.
    pub fused_ns: f64,
}

/// Whether the workers share the source, or one fused loop runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Every worker takes chunks.
    Parallel,
    /// The leader runs fused; the others are parked.
    Fused,
}

impl Mode {
    /// The mode it switches from or to.
    pub(crate) fn other(self) -> Mode {
        match self {
            Mode::Parallel => Mode::Fused,
            Mode::Fused => Mode::Parallel,
        }
    }
}

/// How much faster `workers` sharing one serial source would be than one
/// fused loop: a serial source hands out items one at a time, so `p`
/// workers finish at best in `N x max(pull, (pull + map) / p)`, against
/// `N x fused` for one core. Below 1 they would be slower.
pub(crate) fn gain(c: &Costs, workers: usize) -> f64 {
    let pull = c.pull_ns.max(0.01);
    c.fused_ns.max(0.01) / pull.max((pull + c.map_ns.max(0.0)) / workers.max(1) as f64)
}

/// Leave the workers for one fused loop when they are measured this much
/// faster at most.
const TO_FUSED: f64 = 0.9;
/// Bring the workers back when the model says they would be at least this
/// much faster (it can be optimistic about them on the cheapest maps: 1.5x
/// on `trivial` here, where they are slower).
const TO_PARALLEL: f64 = 1.6;

/// What to run next, in mode `now`: pure, so it is tested on recorded
/// measurements. While the workers run, their measured rate (`rate`, items
/// per nanosecond of all of them together) is compared with one fused core
/// (`1 / fused_ns`): the model of [`gain`] is pessimistic about the
/// workers (on the build machine two dispenser workers beat one fused core
/// even on `trivial`, where it says they are 1.5x slower) and blind to how
/// the lock behaves. In fused mode there is no rate to measure, so the
/// model says when items became dear enough to bring the workers back. The
/// two thresholds keep it from flapping when both are about as fast.
pub(crate) fn decide(now: Mode, c: &Costs, workers: usize, rate: Option<f64>) -> Mode {
    match now {
        Mode::Parallel if parallel_gain(c, workers, rate) < TO_FUSED => Mode::Fused,
        Mode::Fused if gain(c, workers) > TO_PARALLEL => Mode::Parallel,
        m => m,
    }
}

/// A fused sample holds at least this much work: a chunk of the cheapest
/// items (32 KiB of them, a few microseconds) timed alone read anywhere
/// from 1.4 to 2.7 ns/item on `trivial`.
const FUSED_SAMPLE: Duration = Duration::from_micros(50);

/// Items in a fused sample: a chunk, or [`FUSED_SAMPLE`] of work at the
/// split costs measured so far, whichever is more (at most 2^18).
fn fused_sample_items(chunk: usize, c: &Costs) -> usize {
    let per_item = c.pull_ns + c.map_ns;
    if per_item.is_finite() && per_item > 0.0 {
        let by_time = (FUSED_SAMPLE.as_nanos() as f64 / per_item) as usize;
        chunk.max(by_time.min(1 << 18))
    } else {
        chunk
    }
}

/// A split sample whose map cost is this many times the kept minimum starts
/// the map window afresh.
const JUMP: f64 = 4.0;

/// The most items a fused block takes under the lock: a block sized for
/// cheap items runs on for as long as the items stay dear when costs jump
/// (65,536 items of 200 steps held the lock for 15 ms on `step`), and the
/// checks for dearer items wait for its end.
const FUSED_BLOCK_MAX: usize = 1 << 14;

/// How much dearer an item must have become, against the map cost at
/// which the workers last lost to one core, before the model may bring
/// them back: the model is optimistic about the workers on the cheapest
/// maps (it does not see the source's cache line moving between cores),
/// and without this `auto` flapped on `trivial` every few milliseconds.
const DEARER: f64 = 2.0;

/// Whether items are dear enough to try the workers again: never lost
/// yet, or the map now costs [`DEARER`] times what it did when they lost.
pub(crate) fn dearer_than_when_lost(now: &Costs, lost_at_map_ns: Option<f64>) -> bool {
    lost_at_map_ns.is_none_or(|m| now.map_ns > DEARER * m)
}

/// How much faster the workers are than one fused core: measured when a
/// rate is known, else modelled.
fn parallel_gain(c: &Costs, workers: usize, rate: Option<f64>) -> f64 {
    rate.map_or_else(|| gain(c, workers), |r| r * c.fused_ns)
}

/// The reasoning of a decision, for people.
pub(crate) fn reason(c: &Costs, workers: usize, rate: Option<f64>) -> String {
    let g = parallel_gain(c, workers, rate);
    let x = |g: f64| if g >= 1.0 { format!("about {g:.1}x faster") } else { format!("about {:.1}x slower", 1.0 / g) };
    match rate {
        Some(r) => format!(
            "{workers} threads ran {:.1} ns/item together, one fused core {:.1} ns/item: {workers} threads are {}",
            1.0 / r.max(1e-12),
            c.fused_ns,
            x(g)
        ),
        None => format!(
            "pull {:.1} + map {:.1} ns/item shared, fused {:.1} ns/item on one core: {workers} threads would be {}",
            c.pull_ns,
            c.map_ns,
            c.fused_ns,
            x(g)
        ),
    }
}

/// The shortest stretch over which the workers' rate is measured.
const RATE_SPAN: Duration = Duration::from_millis(2);

/// Every how many parallel chunks a worker times one fused (the others
/// wait for the lock meanwhile, so not often).
const FUSED_EVERY: u64 = 64;
/// Workers measured this much faster than one fused core time a fused
/// chunk 4x less often.
const FAR_AHEAD: f64 = 1.5;
/// How often the leader in fused mode checks whether items became dearer.
const RECHECK: Duration = Duration::from_millis(3);
/// How long a parked worker sleeps before looking again.
const PARK: Duration = Duration::from_micros(500);
/// Decisions recorded in the plan (past them, only a count).
const MAX_LOGGED: usize = 6;

/// The fewest items a timed chunk must hold to count: two clock reads
/// (tens of nanoseconds) spread over fewer items would read as a cost.
const MIN_TIMED_ITEMS: usize = 256;

/// Fused samples kept: the estimate is the dearer (see [`Estimate`]).
const FUSED_KEPT: usize = 2;

/// Samples of each cost kept: the estimate is their minimum.
const WINDOW: usize = 8;

/// The last [`WINDOW`] samples of one per-item cost. A thread that loses
/// its core for a while only makes a sample longer, never shorter, so the
/// minimum of recent samples is the cost itself, not the machine's load;
/// the window still follows costs that change along the input.
#[derive(Clone, Copy, Debug, Default)]
struct Recent {
    v: [f64; WINDOW],
    len: usize,
    next: usize,
}

impl Recent {
    fn push(&mut self, x: f64) {
        self.v[self.next] = x;
        self.next = (self.next + 1) % WINDOW;
        self.len = (self.len + 1).min(WINDOW);
    }
    fn min(&self) -> f64 {
        self.v[..self.len].iter().copied().fold(f64::INFINITY, f64::min)
    }
    fn max(&self) -> f64 {
        self.v[..self.len].iter().copied().fold(0.0, f64::max)
    }
}

/// One worker's recent per-item costs.
#[derive(Clone, Copy, Debug, Default)]
struct Estimate {
    pull: Recent,
    map: Recent,
    /// The latest [`FUSED_KEPT`] fused samples; the workers' mode reads
    /// their mean. One chunk timed fused can be lucky (on a heavy tail, a
    /// chunk with fewer of the rare dear items reads 2x cheaper than the
    /// average), and a lucky sample against the workers' measured average
    /// rate chose one core where the workers were faster; the mean of the
    /// last two is less often lucky and stays recent, so it follows costs
    /// that change along the input.
    /// Each with the split map cost when it was taken: costs that rise
    /// along the input (a ramp) make an older sample cheaper, so a sample
    /// is carried to now by adding the map cost's growth since.
    fused: [Option<(f64, f64)>; FUSED_KEPT],
    costs: Costs,
}

impl Estimate {
    /// A chunk of `items` pulled in `pull` and mapped in `map`; chunks too
    /// small to time (the clock's own cost would dominate) are left out.
    fn split(&mut self, items: usize, pull: Duration, map: Duration) {
        if items < MIN_TIMED_ITEMS {
            return;
        }
        let (pull_ns, map_ns) = (per_item(pull, items), per_item(map, items));
        if self.map.len > 0 && map_ns > JUMP * self.map.min() {
            // The items' cost jumped (the second half of `step`): the older,
            // cheaper samples no longer describe them. Without this the
            // minimum kept the old cost for 8 more samples, one every
            // RECHECK in fused mode: 30 ms on one core for dear items.
            self.map = Recent::default();
        }
        self.pull.push(pull_ns);
        self.map.push(map_ns);
        self.update();
    }
    fn fused(&mut self, items: usize, took: Duration) {
        if items < MIN_TIMED_ITEMS {
            return;
        }
        self.fused.rotate_right(1);
        self.fused[0] = Some((per_item(took, items), self.map.min()));
        self.update();
    }
    fn update(&mut self) {
        // No allocation: this runs after every timed chunk.
        let (sum, count) = self.kept().fold((0.0, 0usize), |(s, c), x| (s + x, c + 1));
        let fused_ns = if count == 0 { f64::INFINITY } else { sum / count as f64 };
        self.costs = Costs { pull_ns: self.pull.min(), map_ns: self.map.min(), fused_ns };
    }
    fn ready(&self) -> bool {
        self.pull.len >= 2 && self.fused.iter().all(Option::is_some)
    }
    /// The kept fused samples, each plus what the map cost has grown since
    /// it was taken (a fused item is a pull and a map; never less).
    fn kept(&self) -> impl Iterator<Item = f64> + '_ {
        let now = self.map.min();
        self.fused.iter().flatten().map(move |&(fused, map_then)| {
            if map_then.is_finite() && now.is_finite() && now > map_then { fused + (now - map_then) } else { fused }
        })
    }
    /// The costs a decision in mode `now` reads: the mean of the fused
    /// samples while the workers run, the cheaper while one core runs (so
    /// one dear sample does not bring the workers back).
    fn costs_in(&self, now: Mode) -> Costs {
        match now {
            Mode::Parallel => self.costs,
            Mode::Fused => {
                let cheaper = self.kept().fold(f64::INFINITY, f64::min);
                Costs { fused_ns: cheaper, ..self.costs }
            }
        }
    }
}

fn per_item(d: Duration, n: usize) -> f64 {
    d.as_nanos() as f64 / n.max(1) as f64
}

pub(crate) fn run<I, K>(mut source: I, k: &K, shared: &Shared<'_>, threads: usize, chunk: ChunkSize) -> Partials<K::Acc>
where
    I: Iterator + Send,
    I::Item: Send,
    K: Kernel<I::Item>,
{
    if threads == 1 {
        let mut local = shared.local(0);
        let acc = sequential::fused(&mut source, k, shared, &mut local, k.identity());
        let plan = "1 thread asked: fused loop on one core".to_string();
        return Partials {
            accs: vec![acc],
            spans: local.into_spans(),
            workers: 0,
            used: "auto: fused".into(),
            plan: Some(plan),
            ran: Ran::OneCore,
            switches: vec![],
        };
    }
    let source = Mutex::new(source);
    let fused_mode = AtomicBool::new(false);
    let done = AtomicBool::new(false);
    let chunker = Chunker::new(chunk, chunking::MIN, threads, chunking::max_items::<I::Item>());
    // The plan's lines and the switches past them; the items run fused.
    let log: Mutex<(Vec<Switch>, usize)> = Mutex::new((Vec::new(), 0));
    let fused_total = AtomicU64::new(0);
    // Items the workers took in parallel mode, for their measured rate.
    let taken = AtomicU64::new(0);
    let (accs, spans) = execute(shared, threads, None::<fn()>, |_, local, mark| {
        let mut acc = k.identity();
        let mut chunker = chunker.clone();
        let mut buf = Vec::with_capacity(chunker.size());
        let mut est = Estimate::default();
        let mut mode = Mode::Parallel;
        let mut chunks = 0u64;
        let mut block = 1usize;
        let mut recheck = Instant::now() + RECHECK;
        let mut rates = Recent::default();
        // Every how many chunks this worker times one fused: seldom while
        // the workers are far ahead of one core (a fused chunk holds the
        // lock while it maps, so the others wait meanwhile).
        let mut fused_every = FUSED_EVERY;
        // The map cost per item when this worker last saw the workers lose
        // to one core: they come back only for dearer items.
        let mut lost_at: Option<f64> = None;
        // Relaxed: see where the rate is measured.
        let mut rate_mark = (Instant::now(), taken.load(Ordering::Relaxed));
        let note = |mode: Mode, est: &Estimate, rate: Option<f64>| {
            let mut log = log.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if log.0.len() < MAX_LOGGED {
                let to = if mode == Mode::Fused { Ran::OneCore } else { Ran::Workers };
                log.0.push(Switch {
                    at_s: shared.origin.elapsed().as_secs_f64(),
                    to,
                    reason: reason(&est.costs_in(mode.other()), threads, rate),
                });
            } else {
                log.1 += 1;
            }
        };
        let finish = || {
            // Release: pairs with the Acquire loads of the parked workers.
            done.store(true, Ordering::Release);
        };
        loop {
            if shared.should_stop() {
                shared.abort();
                return acc;
            }
            // Acquire: see `finish`.
            if done.load(Ordering::Acquire) {
                return acc;
            }
            // Relaxed: the flag only says where to look; the source's lock orders the items.
            if mode == Mode::Parallel && fused_mode.load(Ordering::Relaxed) {
                std::thread::sleep(PARK);
                // Back from parking: what it measured before is stale.
                est = Estimate::default();
                rates = Recent::default();
                rate_mark = (Instant::now(), taken.load(Ordering::Relaxed));
                continue;
            }
            if mode == Mode::Fused {
                // This worker alone: blocks of about a millisecond under the lock.
                let t0 = Instant::now();
                let Ok(it) = source.lock() else { return acc };
                mark.set(Stage::Fused);
                let (a, n, t1) = fused_block(it, k, acc, block);
                acc = a;
                if n == 0 {
                    local.last_wait(t0, t1);
                    finish();
                    return acc;
                }
                local.chunk(n as u64, t0, t0, t1);
                // Relaxed: a count read after the join.
                fused_total.fetch_add(n as u64, Ordering::Relaxed);
                est.fused(n, t1 - t0);
                if n < block {
                    // Fewer than asked: the source ended.
                    finish();
                    return acc;
                }
                block = sequential::next_block(block, t1 - t0).min(FUSED_BLOCK_MAX);
                if t1 >= recheck {
                    recheck = t1 + RECHECK;
                    // Time one split chunk: have the items become dearer?
                    let t0 = Instant::now();
                    let Ok(mut it) = source.lock() else { return acc };
                    let ta = Instant::now();
                    mark.set(Stage::Source);
                    let more = fill(&mut *it, &mut buf, chunker.size());
                    drop(it);
                    let t1 = Instant::now();
                    let n = buf.len();
                    mark.set(Stage::Map);
                    let (a, _) = k.fold_many(acc, buf.drain(..));
                    acc = a;
                    let t2 = Instant::now();
                    if n > 0 {
                        local.chunk(n as u64, t0, t1, t2);
                        est.split(n, t1 - ta, t2 - t1);
                        chunker.observe(n, t2 - t1, None);
                    }
                    if !more {
                        finish();
                        return acc;
                    }
                    if decide(mode, &est.costs_in(mode), threads, None) == Mode::Parallel && dearer_than_when_lost(&est.costs, lost_at) {
                        mode = Mode::Parallel;
                        note(mode, &est, None);
                        rates = Recent::default();
                        rate_mark = (Instant::now(), taken.load(Ordering::Relaxed));
                        fused_mode.store(false, Ordering::Relaxed);
                    }
                }
                continue;
            }
            // Parallel: a dispenser chunk; now and then one timed fused.
            chunks += 1;
            // Chunks 2 and 4, then every FUSED_EVERY: two samples early, so auto can decide early.
            let fused_turn = chunks % fused_every == 2 || chunks == 4;
            let t0 = Instant::now();
            let Ok(mut it) = source.lock() else { return acc };
            let ta = Instant::now();
            let n = if fused_turn {
                mark.set(Stage::Fused);
                let want = fused_sample_items(chunker.size(), &est.costs);
                let (a, n, t1) = fused_block(it, k, acc, want);
                acc = a;
                if n == 0 {
                    local.last_wait(t0, t1);
                    finish();
                    return acc;
                }
                local.chunk(n as u64, t0, ta, t1);
                est.fused(n, t1 - ta);
                if n < want {
                    finish();
                    return acc;
                }
                n
            } else {
                mark.set(Stage::Source);
                fill(&mut *it, &mut buf, chunker.size());
                let remaining = it.size_hint().1;
                drop(it);
                let t1 = Instant::now();
                if buf.is_empty() {
                    local.last_wait(t0, t1);
                    finish();
                    return acc;
                }
                let n = buf.len();
                mark.set(Stage::Map);
                let (a, _) = k.fold_many(acc, buf.drain(..));
                acc = a;
                let t2 = Instant::now();
                local.chunk(n as u64, t0, t1, t2);
                chunker.observe(n, t2 - t1, remaining);
                est.split(n, t1 - ta, t2 - t1);
                n
            };
            // The rate of all workers together, over stretches of at least
            // RATE_SPAN; the highest of the last few (a stretch in which the
            // machine was busy elsewhere only reads slower).
            // Relaxed: a count that only steers the decision.
            let total = taken.fetch_add(n as u64, Ordering::Relaxed) + n as u64;
            let now = Instant::now();
            if now - rate_mark.0 >= RATE_SPAN {
                rates.push(total.saturating_sub(rate_mark.1) as f64 / (now - rate_mark.0).as_nanos().max(1) as f64);
                rate_mark = (now, total);
            }
            let rate = (rates.len > 0).then(|| rates.max());
            if est.ready() && rate.is_some() {
                let far_ahead = parallel_gain(&est.costs, threads, rate) > FAR_AHEAD;
                fused_every = if far_ahead { FUSED_EVERY * 4 } else { FUSED_EVERY };
            }
            // Any worker may find the source to be the bottleneck; the first
            // to say so runs fused, and the others park.
            if est.ready()
                && rate.is_some()
                && decide(mode, &est.costs_in(mode), threads, rate) == Mode::Fused
                && fused_mode.compare_exchange(false, true, Ordering::Relaxed, Ordering::Relaxed).is_ok()
            {
                mode = Mode::Fused;
                note(mode, &est, rate);
                lost_at = Some(est.costs.map_ns);
                block = chunker.size().max(1);
                recheck = Instant::now() + RECHECK;
            }
        }
    });
    let (lines, more) = log.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
    let fused_items = fused_total.into_inner();
    let total: u64 = progress_items(shared);
    let share = if total > 0 { fused_items as f64 / total as f64 } else { 0.0 };
    let ran = if share > 0.9 {
        Ran::OneCore
    } else if share > 0.0 {
        Ran::Mixed { one_core_share: share }
    } else {
        Ran::Workers
    };
    let used = if share > 0.9 {
        "auto: fused on one core (after a parallel start)".to_string()
    } else if share > 0.0 {
        format!("auto: adaptive dispenser x{threads} (one core for {:.0}% of the items)", share * 100.0)
    } else {
        format!("auto: adaptive dispenser x{threads}")
    };
    let mut plan = format!("started {threads} workers on adaptive chunks");
    if lines.is_empty() {
        plan.push_str(" and kept them: the source was never the bottleneck");
    }
    for l in &lines {
        plan.push_str(&format!("; {l}"));
    }
    if more > 0 {
        plan.push_str(&format!("; and {more} more switches"));
    }
    Partials { accs, spans, workers: threads, used, plan: Some(plan), ran, switches: lines }
}

/// Pulls and maps up to `m` items in one fused loop while holding the
/// source's lock `it`, then lets go; the accumulator, the items taken (fewer
/// than `m`: the source ended) and when it finished.
fn fused_block<I, K>(mut it: MutexGuard<'_, I>, k: &K, acc: K::Acc, m: usize) -> (K::Acc, usize, Instant)
where
    I: Iterator,
    K: Kernel<I::Item>,
{
    let (acc, n) = k.fold_many(acc, it.by_ref().take(m));
    drop(it);
    (acc, n, Instant::now())
}

/// Items done by every worker, from their published counters (read after the join).
fn progress_items(shared: &Shared<'_>) -> u64 {
    super::super::progress::snapshot_all(&shared.slots).iter().map(|w| w.items).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(pull_ns: f64, map_ns: f64, fused_ns: f64) -> Costs {
        Costs { pull_ns, map_ns, fused_ns }
    }

    // Costs recorded by the leader on this project's 2-core build machine.
    #[test]
    fn a_cheap_map_goes_fused_and_says_how_much_slower_threads_would_be() {
        // `trivial`: pulling into the buffer costs more than the fused loop.
        let trivial = c(1.6, 0.5, 0.7);
        assert_eq!(decide(Mode::Parallel, &trivial, 2, None), Mode::Fused);
        assert!(reason(&trivial, 2, None).ends_with("2 threads would be about 2.3x slower"), "{}", reason(&trivial, 2, None));
        // And stays fused: nothing changed.
        assert_eq!(decide(Mode::Fused, &trivial, 2, None), Mode::Fused);
    }

    #[test]
    fn dear_items_stay_parallel_and_bring_the_workers_back() {
        let primes = c(1.5, 140.0, 141.0);
        assert_eq!(decide(Mode::Parallel, &primes, 2, None), Mode::Parallel);
        assert!(reason(&primes, 2, None).ends_with("about 2.0x faster"), "{}", reason(&primes, 2, None));
        // In fused mode, items that became dear bring the workers back.
        assert_eq!(decide(Mode::Fused, &primes, 2, None), Mode::Parallel);
        // A heavy tail: the average is what counts.
        assert_eq!(decide(Mode::Parallel, &c(1.2, 40.0, 41.0), 2, None), Mode::Parallel);
    }

    #[test]
    fn the_measured_rate_of_the_workers_overrules_the_model() {
        // `trivial` on the build machine: the model says 2 workers are
        // 2.3x slower, but they ran 1.6 ns/item together against 1.7 fused.
        let trivial = c(1.6, 0.5, 1.7);
        assert_eq!(decide(Mode::Parallel, &trivial, 2, Some(1.0 / 1.6)), Mode::Parallel);
        // A lock that thrashes: 4 ns/item together is 2.4x slower than one core.
        assert_eq!(decide(Mode::Parallel, &trivial, 2, Some(1.0 / 4.0)), Mode::Fused);
        assert!(reason(&trivial, 2, Some(0.25)).ends_with("2 threads are about 2.4x slower"), "{}", reason(&trivial, 2, Some(0.25)));
    }

    #[test]
    fn no_flapping_between_the_thresholds() {
        // Gain 1.0: neither switches.
        let even = c(1.0, 1.0, 1.0);
        assert!((gain(&even, 2) - 1.0).abs() < 1e-9);
        assert_eq!(decide(Mode::Parallel, &even, 2, None), Mode::Parallel);
        assert_eq!(decide(Mode::Fused, &even, 2, None), Mode::Fused);
    }

    #[test]
    fn more_workers_cannot_beat_the_source() {
        // The pull bounds the rate however many workers there are.
        let bound = c(10.0, 10.0, 20.0);
        assert!((gain(&bound, 64) - 2.0).abs() < 1e-9);
        assert!((gain(&bound, 2) - 2.0).abs() < 1e-9);
    }

    #[test]
    fn the_workers_come_back_only_for_dearer_items() {
        // Recorded on `trivial` in fused mode: the model says 2 threads
        // would be 2.3x faster, but they ran 2.5x slower when they lost.
        let trivial = c(1.0, 0.5, 2.4);
        assert_eq!(decide(Mode::Fused, &trivial, 2, None), Mode::Parallel);
        assert!(!dearer_than_when_lost(&trivial, Some(0.5)));
        // `step`: the second half's items cost 200 steps.
        let dear = c(1.0, 216.0, 225.0);
        assert!(dearer_than_when_lost(&dear, Some(0.5)));
        assert!(dearer_than_when_lost(&trivial, None));
    }

    #[test]
    fn a_lucky_fused_chunk_on_a_heavy_tail_does_not_send_the_run_to_one_core() {
        // Costs of the shape seen on `heavy-tail` (1 item in 1000 costs 1000x): a fused
        // chunk with one dear item read 31 ns/item, the next with three
        // 75 ns/item; the two workers ran 26 ns/item together.
        let mut est = Estimate::default();
        let ms = |x: f64| Duration::from_nanos((x * 1e6) as u64);
        est.split(4096, ms(0.004), ms(0.15));
        est.split(4096, ms(0.004), ms(0.17));
        est.fused(4096, ms(0.08192));
        assert!(!est.ready(), "one fused sample is not enough to decide");
        est.fused(4096, ms(0.307));
        assert!(est.ready());
        assert!((est.costs.fused_ns - 47.5).abs() < 0.1, "the mean of 20 and 75: {:?}", est.costs);
        let rate = 1.0 / 26.0;
        assert_eq!(decide(Mode::Parallel, &est.costs, 2, Some(rate)), Mode::Parallel);
        // The lucky sample alone would have gone fused: 20 ns/item against 26 is under 0.9x.
        let lucky = Costs { fused_ns: 20.0, ..est.costs };
        assert_eq!(decide(Mode::Parallel, &lucky, 2, Some(rate)), Mode::Fused);
        // Once one core runs, an unlucky (dear) sample does not bring the workers back: it reads the cheaper.
        assert!((est.costs_in(Mode::Fused).fused_ns - 20.0).abs() < 0.1);
    }

    #[test]
    fn costs_that_rise_or_jump_are_followed() {
        let us = |x: f64| Duration::from_nanos((x * 1e3) as u64);
        // A ramp: a fused sample of 60 ns/item taken when the map cost 50
        // is carried to now, when it costs 100: 60 + 50 = 110.
        let mut ramp = Estimate::default();
        ramp.split(1000, us(1.0), us(50.0));
        ramp.fused(1000, us(60.0));
        ramp.split(1000, us(1.0), us(100.0));
        ramp.map = Recent::default();
        ramp.split(1000, us(1.0), us(100.0));
        ramp.fused(1000, us(120.0));
        assert!((ramp.costs.fused_ns - 115.0).abs() < 0.5, "the mean of 110 and 120: {:?}", ramp.costs);
        // A step: eight cheap samples, then one 400x dearer starts afresh.
        let mut step = Estimate::default();
        for _ in 0..8 {
            step.split(4096, us(4.0), us(2.0));
        }
        step.split(4096, us(4.0), us(900.0));
        assert!(step.costs.map_ns > 200.0, "{:?}", step.costs);
    }
}
