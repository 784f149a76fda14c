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
            next: Instant::now() + FIRST_BEAT,
            buf: Vec::new(),
            max_sample: chunking::max_items::<T>(),
            est: Estimate::default(),
            items: 0,
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
        self.est.fused(b.items, b.t1 - b.t0);
        if b.t1 < self.next {
            return ControlFlow::Continue(acc);
        }
        self.next = b.t1 + RECHECK;
        if per_item(b.t1 - b.t0, b.items) >= DEAR.as_nanos() as f64 {
            let why = format!("items take {:.0} us each: hand-offs are noise beside them", per_item(b.t1 - b.t0, b.items) / 1e3);
            self.note(b.t1, Mode::Parallel, why);
            return ControlFlow::Break(acc);
        }
        *worked = true;
        let (acc, whole) = self.sample(source, local, acc);
        if !whole {
            // The source ended: the next block finds it so.
            return ControlFlow::Continue(acc);
        }
        let costs = self.est.costs_in(Mode::Fused);
        let to = decide(Mode::Fused, &costs, self.threads, None);
        self.note(Instant::now(), to, reason(&costs, self.threads, None));
        if to == Mode::Parallel { ControlFlow::Break(acc) } else { ControlFlow::Continue(acc) }
    }

    /// Times one split chunk of about [`SAMPLE`] of work; the accumulator,
    /// and whether the source gave every item asked for.
    fn sample<I>(&mut self, source: &mut I, local: &mut Local<'_>, acc: K::Acc) -> (K::Acc, bool)
    where
        I: Iterator<Item = T>,
    {
        let fused_ns = self.est.costs_in(Mode::Fused).fused_ns;
        let by_time = if fused_ns.is_finite() && fused_ns > 0.0 { (SAMPLE.as_nanos() as f64 / fused_ns) as usize } else { 1 };
        let want = by_time.clamp(1, self.max_sample);
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
        self.est.split(n, t1 - t0, t2 - t1);
        (acc, n == want)
    }

    /// Keeps a check's decision.
    fn note(&mut self, at: Instant, to: Mode, reason: String) {
        let to = if to == Mode::Fused { Ran::OneCore } else { Ran::Workers };
        self.last = Some(Switch { at_s: (at - self.origin).as_secs_f64(), to, reason });
    }
}
