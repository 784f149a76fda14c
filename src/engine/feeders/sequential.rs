//! `sequential`: no threads. One fused loop on the calling thread, in blocks
//! of about a millisecond so that a cancel is seen and progress is sent
//! between blocks. Each block is folded by internal iteration
//! (`source.by_ref().take(block)` folded by the kernel).

use std::time::{Duration, Instant};

use super::super::Ran;
use super::super::kernel::Kernel;
use super::super::progress::{Local, ProgressEvent};
use super::super::run::Shared;
use super::Partials;

/// Work one block should hold: a clock read and a cancel check per block are
/// then invisible, and a cancel is seen within about this long.
const BLOCK_TIME: Duration = Duration::from_millis(1);
const MAX_BLOCK: usize = 1 << 16;

/// Folds the rest of `source` into `acc` on this thread, in blocks that grow
/// (or shrink) toward [`BLOCK_TIME`] of work each.
pub(crate) fn fused<I, K>(source: &mut I, k: &K, shared: &Shared<'_>, local: &mut Local<'_>, mut acc: K::Acc) -> K::Acc
where
    I: Iterator,
    K: Kernel<I::Item>,
{
    if shared.hooks.progress.is_none() && shared.hooks.cancel.is_none() && !shared.record_spans {
        // Nobody watches and nobody can cancel: one fold over the whole
        // source, the loop a plain `for` compiles to (a block bound would
        // add a second test per item: 1.25x slower on `trivial` here).
        let t0 = Instant::now();
        let (acc, n) = k.fold_many(acc, source.by_ref());
        local.chunk(n as u64, t0, t0, Instant::now());
        return acc;
    }
    let mut last_sent = Instant::now();
    let interval = shared.hooks.interval();
    let mut block = 1usize;
    loop {
        if shared.should_stop() {
            shared.abort();
            return acc;
        }
        let t0 = Instant::now();
        // Internal iteration over a block: the source's own `fold` runs
        // (with its fast paths), and the kernel folds with no per-item
        // bookkeeping beyond a count.
        let (a, n) = k.fold_many(acc, source.by_ref().take(block));
        acc = a;
        let t1 = Instant::now();
        if n > 0 {
            local.chunk(n as u64, t0, t0, t1);
        }
        if shared.hooks.progress.is_some() && t1 - last_sent >= interval {
            last_sent = t1;
            shared.snapshot(ProgressEvent::Worker { elapsed: shared.origin.elapsed(), stats: shared.slots[0].snapshot(0) });
        }
        if n < block {
            return acc;
        }
        block = next_block(block, t1 - t0);
    }
}

/// The next block size after a block of `block` items took `took`: toward
/// [`BLOCK_TIME`] of work.
pub(crate) fn next_block(block: usize, took: Duration) -> usize {
    if took < BLOCK_TIME / 2 {
        (block * 2).min(MAX_BLOCK)
    } else if took > BLOCK_TIME * 2 {
        (block / 2).max(1)
    } else {
        block
    }
}

pub(crate) fn run<I, K>(mut source: I, k: &K, shared: &Shared<'_>) -> Partials<K::Acc>
where
    I: Iterator,
    K: Kernel<I::Item>,
{
    let mut local = shared.local(0);
    let acc = fused(&mut source, k, shared, &mut local, k.identity());
    Partials { accs: vec![acc], spans: local.into_spans(), workers: 0, ran: Ran::OneCore, switches: vec![], more: 0 }
}
