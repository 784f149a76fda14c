//! `sequential`: no threads. One fused loop on the calling thread, in blocks
//! of about a millisecond so that a cancel is seen and progress is sent
//! between blocks.

use std::time::{Duration, Instant};

use super::super::kernel::Kernel;
use super::super::progress::{Local, ProgressEvent};
use super::super::run::Shared;
use super::Partials;

/// Work one block should hold: a clock read and a cancel check per block are
/// then invisible, and a cancel is seen within about this long.
const BLOCK_TIME: Duration = Duration::from_millis(1);
const MAX_BLOCK: usize = 1 << 16;

#[inline(always)]
fn fold_up_to<const N: usize, I: Iterator, K: Kernel<I::Item>>(source: &mut I, k: &K, mut acc: K::Acc) -> (K::Acc, usize) {
    let mut n = 0;
    while n < N {
        let Some(x) = source.next() else { break };
        acc = k.fold(acc, x);
        n += 1;
    }
    (acc, n)
}

#[inline(never)]
fn fold_n<I: Iterator, K: Kernel<I::Item>>(source: &mut I, k: &K, mut acc: K::Acc, block: usize) -> (K::Acc, usize) {
    let mut n = 0;
    while n < block {
        let Some(x) = source.next() else { break };
        acc = k.fold(acc, x);
        n += 1;
    }
    (acc, n)
}

/// Folds the rest of `source` into `acc` on this thread, in blocks that grow
/// (or shrink) toward [`BLOCK_TIME`] of work each.
pub(crate) fn fused<I, K>(source: &mut I, k: &K, shared: &Shared<'_>, local: &mut Local<'_>, mut acc: K::Acc) -> K::Acc
where
    I: Iterator,
    K: Kernel<I::Item>,
{
    let mut last_sent = Instant::now();
    let interval = shared.hooks.interval();
    let mut block = 1usize;
    loop {
        if shared.should_stop() {
            shared.abort();
            return acc;
        }
        let t0 = Instant::now();
        let (a, n) = if block == MAX_BLOCK {
            // Cheap items: a loop with a constant bound, which the compiler
            // compiles as tightly as a plain `fold` (a variable bound made
            // `trivial` 1.6x slower here).
            fold_up_to::<MAX_BLOCK, I, K>(source, k, acc)
        } else {
            fold_n(source, k, acc, block)
        };
        acc = a;
        let t1 = Instant::now();
        if n > 0 {
            local.chunk(n as u64, t0, t0, t1);
        }
        if shared.hooks.progress.is_some() && t1 - last_sent >= interval {
            last_sent = t1;
            shared.send(ProgressEvent::Worker { elapsed: shared.origin.elapsed(), stats: shared.slots[0].snapshot(0) });
        }
        if n < block {
            return acc;
        }
        let took = t1 - t0;
        block = if took < BLOCK_TIME / 2 {
            (block * 2).min(MAX_BLOCK)
        } else if took > BLOCK_TIME * 2 {
            (block / 2).max(1)
        } else {
            block
        };
    }
}

pub(crate) fn run<I, K>(mut source: I, k: &K, shared: &Shared<'_>) -> Partials<K::Acc>
where
    I: Iterator,
    K: Kernel<I::Item>,
{
    let mut local = shared.local(0);
    let acc = fused(&mut source, k, shared, &mut local, k.identity());
    Partials { accs: vec![acc], spans: local.into_spans(), workers: 0, used: "sequential (fused loop)".into(), plan: None }
}
