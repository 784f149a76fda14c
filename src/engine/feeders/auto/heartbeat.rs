//! `auto`'s start: the calling thread runs the first items as a plain loop
//! would (the `sequential` feeder's fused loop), and the workers start
//! only when the measured costs say they pay. This is heartbeat
//! scheduling (Spice, chili): a small job never pays for threads it does
//! not need, and a large one loses at most a beat of serial work.
//!
//! After the first [`FIRST_BEAT`] of work, and every [`RECHECK`] after it,
//! the beat times one split chunk (pulled into a buffer, then mapped) and
//! asks [`decide`] whether workers sharing the source would beat the fused
//! loop. Items dearer than [`DEAR`] need no sample: a hand-off is noise
//! beside them.

use std::ops::ControlFlow;
use std::time::{Duration, Instant};

use super::super::super::Ran;
use super::super::super::Switch;
use super::super::super::chunking;
use super::super::super::kernel::Kernel;
use super::super::super::preempt::ThreadClock;
use super::super::super::progress::Local;
use super::super::sequential::Block;
use super::{Estimate, Mode, RECHECK, decide, per_item, reason};

/// Serial work before the first check: a job shorter than this runs as a
/// plain loop, and a longer one has paid for starting the workers (tens
/// of microseconds) many times over.
pub(super) const FIRST_BEAT: Duration = Duration::from_micros(500);

/// Items at least this dear go to the workers at the first beat with no
/// sample: a hand-off (about a microsecond) is noise beside them.
const DEAR: Duration = Duration::from_micros(20);

/// A split sample holds about this much work (at the fused cost).
const SAMPLE: Duration = Duration::from_micros(50);

/// The calling thread's measurements while it runs alone.
pub(super) struct Heartbeat<'a, K, T> {
    k: &'a K,
    threads: usize,
    origin: Instant,
    /// When the next check is due.
    next: Instant,
    buf: Vec<T>,
    /// The most items a split sample takes (its buffer stays in L1).
    max_sample: usize,
    pub est: Estimate,
    /// Items run on the calling thread.
    pub items: u64,
    /// Items run in the fused blocks since the last check, and the seconds they took.
    fused_items: u64,
    fused_s: f64,
    /// The thread's account, taken once the job has run FIRST_BEAT / 4 and
    /// again after each check, with the fused items run by then: a check
    /// whose blocks were preempted reads their CPU time, not the wall time
    /// another program took.
    armed: Option<(ThreadClock, u64)>,
    /// Items run in fused blocks, all told.
    fused_total: u64,
    /// The latest check's decision, with its costs.
    pub last: Option<Switch>,
}

impl<'a, K, T> Heartbeat<'a, K, T>
where
    K: Kernel<T>,
{
    pub(super) fn new(k: &'a K, threads: usize, origin: Instant) -> Self {
        Heartbeat {
            k,
            threads,
            origin,
            next: origin + FIRST_BEAT,
            buf: Vec::new(),
            max_sample: chunking::max_items::<T>(),
            est: Estimate::default(),
            items: 0,
            fused_items: 0,
            fused_s: 0.0,
            armed: None,
            fused_total: 0,
            last: None,
        }
    }

    /// After a block of the fused loop: `Break` when the workers should
    /// start (the accumulator so far goes with it).
    /// `worked` is set when it timed a sample (the fused loop's clock restarts).
    pub(super) fn beat<I>(
        &mut self,
        source: &mut I,
        local: &mut Local<'_>,
        acc: K::Acc,
        b: Block,
        worked: &mut bool,
    ) -> ControlFlow<K::Acc, K::Acc>
    where
        I: Iterator<Item = T>,
    {
        self.items += b.items as u64;
        if b.t0 == self.origin {
            // The first block is timed from the call's start: the setup
            // before it, or a preemption of a loaded machine, would read as
            // a dear item and start the workers for a cheap map.
            return ControlFlow::Continue(acc);
        }
        self.fused_items += b.items as u64;
        self.fused_total += b.items as u64;
        self.fused_s += (b.t1 - b.t0).as_secs_f64();
        if self.armed.is_none() && b.t1 >= self.origin + FIRST_BEAT / 4 {
            // Armed once the job is long enough for two syscalls to be
            // noise; a check due now waits a block, so that none decides
            // on a stretch it could not tell was preempted.
            self.arm();
            return ControlFlow::Continue(acc);
        }
        if b.t1 < self.next {
            return ControlFlow::Continue(acc);
        }
        self.next = b.t1 + RECHECK;
        let block_ns = self.block_ns(b);
        if block_ns >= DEAR.as_nanos() as f64 {
            let why = format!("items take {:.0} us each: hand-offs are noise beside them", block_ns / 1e3);
            self.note(b.t1, Mode::Parallel, why);
            return ControlFlow::Break(acc);
        }
        *worked = true;
        let (acc, whole) = if self.buf.capacity() == 0 {
            // The first sample grows the buffer (and touches fresh pages):
            // untimed, so the pull is not read as 10x dearer than it is.
            let (acc, whole) = self.sample(source, local, acc, false);
            if !whole {
                return ControlFlow::Continue(acc);
            }
            self.sample(source, local, acc, true)
        } else {
            self.sample(source, local, acc, true)
        };
        if !whole {
            // The source ended: the next block finds it so.
            return ControlFlow::Continue(acc);
        }
        let costs = self.costs(block_ns);
        // The next check averages the blocks run after this one.
        (self.fused_items, self.fused_s) = (0, 0.0);
        self.arm();
        let to = decide(Mode::Fused, &costs, self.threads, None);
        self.note(Instant::now(), to, reason(&costs, self.threads, None));
        if to == Mode::Parallel { ControlFlow::Break(acc) } else { ControlFlow::Continue(acc) }
    }

    /// The costs a check decides on, all of now: the sampled pull, and the
    /// fused cost of the block that just ended (up to 2^14 items or a
    /// millisecond of them: a heavy tail's rare dear items are in it, where
    /// one short sample may miss them; the average since the last check
    /// lagged behind costs that grow along the input, and kept a ramp on
    /// one core for 4 ms); the map is what the fused cost leaves beyond
    /// the pull, or the sampled map when the fused cost is below the pull (a vectorised fused
    /// loop costs less than a pull into a buffer). The sampled map is
    /// not the one: mapped from a buffer after the block, it read up to
    /// 1.5x the fused cost on a ramp.
    fn costs(&self, fused_ns: f64) -> super::Costs {
        let sampled = self.est.costs;
        let map_ns = if fused_ns > sampled.pull_ns { fused_ns - sampled.pull_ns } else { sampled.map_ns };
        super::Costs { pull_ns: sampled.pull_ns, map_ns, fused_ns }
    }

    /// The fused cost per item at a check ending with block `b`, ns: the
    /// block's wall time (the blocks' since the last check where it is too
    /// short to time), or less, the CPU time of the fused items since the
    /// thread was armed where it was preempted since. A loaded machine took
    /// 4 ms from one block of a cheap map; read as 248 ns/item, it started
    /// 16 workers and kept them.
    fn block_ns(&mut self, b: Block) -> f64 {
        let wall = if b.items >= super::MIN_TIMED_ITEMS { per_item(b.t1 - b.t0, b.items) } else { self.fused_ns() };
        let Some((armed, items_then)) = self.armed.take() else { return wall };
        let items = usize::try_from(self.fused_total - items_then).unwrap_or(usize::MAX);
        match ThreadClock::now().preempted_since(&armed) {
            Some(cpu) if items > 0 => wall.min(per_item(cpu, items)),
            _ => wall,
        }
    }

    /// Takes the thread's account, with the fused items run so far.
    fn arm(&mut self) {
        self.armed = Some((ThreadClock::now(), self.fused_total));
    }

    /// The fused loop's cost per item over the blocks since the last check, ns.
    fn fused_ns(&self) -> f64 {
        self.fused_s * 1e9 / self.fused_items.max(1) as f64
    }

    /// Times one split chunk of about [`SAMPLE`] of work; the accumulator,
    /// and whether the source gave every item asked for.
    fn sample<I>(&mut self, source: &mut I, local: &mut Local<'_>, acc: K::Acc, timed: bool) -> (K::Acc, bool)
    where
        I: Iterator<Item = T>,
    {
        let fused_ns = self.fused_ns();
        let by_time = if fused_ns > 0.0 { (SAMPLE.as_nanos() as f64 / fused_ns) as usize } else { 1 };
        // At least the fewest items a timed chunk must hold (dear items
        // past `DEAR` never get here: a sample is at most 256 x 20 us).
        let want = by_time.clamp(super::MIN_TIMED_ITEMS, self.max_sample.max(super::MIN_TIMED_ITEMS));
        let t0 = Instant::now();
        self.buf.extend(source.by_ref().take(want));
        let t1 = Instant::now();
        let n = self.buf.len();
        let (acc, _) = self.k.fold_many(acc, self.buf.drain(..));
        let t2 = Instant::now();
        if n > 0 {
            local.chunk(n as u64, t0, t0, t2);
            self.items += n as u64;
        }
        if timed {
            self.est.split(n, t1 - t0, t2 - t1);
        }
        (acc, n == want)
    }

    /// Keeps a check's decision.
    fn note(&mut self, at: Instant, to: Mode, reason: String) {
        let to = if to == Mode::Fused { Ran::OneCore } else { Ran::Workers };
        self.last = Some(Switch { at_s: (at - self.origin).as_secs_f64(), to, reason });
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::super::kernel::MapReduce;
    use super::*;

    /// A heartbeat whose split samples read `pull` and `map` ns per item.
    fn sampled<K: Kernel<u64>>(k: &K, pull: u64, map: u64) -> Heartbeat<'_, K, u64> {
        let mut h = Heartbeat::new(k, 2, Instant::now());
        h.est.split(10_000, Duration::from_nanos(10 * pull * 1_000), Duration::from_nanos(10 * map * 1_000));
        h
    }

    #[test]
    fn a_check_decides_on_the_costs_of_now() {
        let k = MapReduce { map: |x: u64| x, reduce: u64::wrapping_add, gil: false };
        // As `trivial` here: a pull into a buffer (1 ns) costs more
        // than the whole vectorised fused loop (0.3 ns): the sampled map
        // stands, and one core stays.
        let h = sampled(&k, 1, 0);
        let c = h.costs(0.3);
        assert!((c.fused_ns - 0.3).abs() < 0.01 && c.map_ns == h.est.costs.map_ns, "{c:?}");
        assert_eq!(decide(Mode::Fused, &c, 2, None), Mode::Fused);
        // A ramp: the block just run says 16 ns/item, dearer than its pull:
        // the map is what is left (15 ns), and the workers start.
        let c = h.costs(16.0);
        assert!((c.map_ns - 15.0).abs() < 0.01, "{c:?}");
        assert_eq!(decide(Mode::Fused, &c, 2, None), Mode::Parallel);
    }
}
