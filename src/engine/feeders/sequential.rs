//! `sequential`: no threads. One fused loop on the calling thread, in blocks
//! of about a millisecond so that a cancel is seen and progress is sent
//! between blocks. Each block is the kernel's [`Kernel::fold_block`]: the
//! block's bound tested before each `next()`, which the compiler folds
//! with the source's own end test into one trip count.
//!
//! The source is held by value in [`fused`], never behind a reference into
//! the caller: the compiler then keeps its state in registers and the
//! block's loop is the plain `for` loop's, vectorised where that one is.
//! Behind a `&mut` it stored the iterator's state back to memory after
//! every item, and the two exits (block end, source end) kept the loop
//! scalar: 2x slower than a plain loop on `trivial`.
//! `auto` runs the same loop on the calling thread first (its heartbeat).

use std::ops::ControlFlow;
use std::time::{Duration, Instant};

use super::super::Ran;
use super::super::kernel::Kernel;
use super::super::progress::{Local, ProgressEvent};
use super::super::run::Shared;
use super::Partials;

/// Work one block should hold: a clock read and a cancel check per block are
/// then invisible, and a cancel is seen within about this long.
const BLOCK_TIME: Duration = Duration::from_millis(1);
/// The most items a block takes: a block sized for cheap items runs on
/// for as long as the items stay dear when costs jump (2^16 items of 200
/// steps took 15 ms on `step`, and a cancel or `auto`'s next check waited
/// for its end). 2^14 of the cheapest items take about 5 µs: a clock read
/// per block is still under 1% of it.
const MAX_BLOCK: usize = 1 << 14;

/// A block the loop has just folded: its items, and when it began and ended.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Block {
    pub items: usize,
    pub t0: Instant,
    pub t1: Instant,
}

/// How a fused run on the calling thread ended.
pub(crate) enum Fused<I, A> {
    /// The source ended, or the call stopped (cancel, failure): the accumulator.
    Done(A),
    /// `between` handed the rest over: the source as it is, and the accumulator so far.
    Handed(I, A),
}

/// Folds `source` into `acc` on this thread, in blocks that grow (or
/// shrink) toward [`BLOCK_TIME`] of work each. After every full block,
/// `between` sees the source, the block and the accumulator; it may fold
/// more items itself (and then sets its flag, so the next block's clock
/// starts after it), and `Break` hands the rest of the source back.
pub(crate) fn fused<I, K, B>(
    mut source: I,
    k: &K,
    shared: &Shared<'_>,
    local: &mut Local<'_>,
    mut acc: K::Acc,
    mut between: B,
) -> Fused<I, K::Acc>
where
    I: Iterator,
    K: Kernel<I::Item>,
    B: FnMut(&mut I, &mut Local<'_>, K::Acc, Block, &mut bool) -> ControlFlow<K::Acc, K::Acc>,
{
    // The call's start stands for the first block's (one clock read less).
    let mut t0 = shared.origin;
    let mut last_sent = t0;
    let interval = shared.hooks.interval();
    let mut block = 1usize;
    loop {
        if shared.should_stop() {
            shared.abort();
            return Fused::Done(acc);
        }
        let (s, a, n) = fold_block(source, k, acc, block);
        (source, acc) = (s, a);
        let t1 = Instant::now();
        if n > 0 {
            local.chunk(n as u64, t0, t0, t1);
        }
        if shared.hooks.progress.is_some() && t1 - last_sent >= interval {
            last_sent = t1;
            shared.snapshot(ProgressEvent::Worker { elapsed: shared.origin.elapsed(), stats: shared.slots[0].snapshot(0) });
        }
        if n < block {
            return Fused::Done(acc);
        }
        let mut between_ran = false;
        acc = match between(&mut source, local, acc, Block { items: n, t0, t1 }, &mut between_ran) {
            ControlFlow::Continue(a) => a,
            ControlFlow::Break(a) => return Fused::Handed(source, a),
        };
        block = next_block(block, t1 - t0);
        // One clock read per block: this block's end is the next one's start,
        // unless `between` did work of its own.
        t0 = if between_ran { Instant::now() } else { t1 };
    }
}

/// Folds up to `block` items of `source` into `acc` by internal iteration;
/// the source back, the accumulator, and the items taken. The source is
/// this function's own local (moved in, moved out), so nothing outside
/// can see it while the loop runs (inlined, the compiler merged it with
/// the caller's, whose address `between` sees).
#[inline(never)]
fn fold_block<I, K>(source: I, k: &K, acc: K::Acc, block: usize) -> (I, K::Acc, usize)
where
    I: Iterator,
    K: Kernel<I::Item>,
{
    let mut it = source;
    let (acc, n) = k.fold_block(acc, &mut it, block);
    (it, acc, n)
}

/// The next block size after a block of `block` items took `took`: toward
/// [`BLOCK_TIME`] of work, 64x or 16x at a time while far below it (a
/// small job then reads the clock a few times, not once per doubling; a
/// block never grows past half of [`BLOCK_TIME`] at the cost it read).
pub(crate) fn next_block(block: usize, took: Duration) -> usize {
    if took < BLOCK_TIME / 128 {
        (block * 64).min(MAX_BLOCK)
    } else if took < BLOCK_TIME / 32 {
        (block * 16).min(MAX_BLOCK)
    } else if took < BLOCK_TIME / 2 {
        (block * 2).min(MAX_BLOCK)
    } else if took > BLOCK_TIME * 2 {
        (block / 2).max(1)
    } else {
        block
    }
}

/// The fused loop with nothing between blocks, to the source's end.
pub(crate) fn to_the_end<I, K>(source: I, k: &K, shared: &Shared<'_>, local: &mut Local<'_>) -> K::Acc
where
    I: Iterator,
    K: Kernel<I::Item>,
{
    match fused(source, k, shared, local, k.identity(), |_, _, acc, _, _| ControlFlow::Continue(acc)) {
        Fused::Done(acc) | Fused::Handed(_, acc) => acc,
    }
}

pub(crate) fn run<I, K>(source: I, k: &K, shared: &Shared<'_>) -> Partials<K::Acc>
where
    I: Iterator,
    K: Kernel<I::Item>,
{
    let mut local = shared.local(0);
    let acc = to_the_end(source, k, shared, &mut local);
    Partials { accs: vec![acc], spans: local.into_spans(), workers: 0, ran: Ran::OneCore, switches: vec![], more: 0 }
}
