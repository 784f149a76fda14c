//! What one consumer reads: [`Items`], an iterator over every item of the
//! source, in order, once, whatever the strategy behind it (a borrowed
//! buffer, a queue of shared chunks, the lock-step hand-off).

use std::sync::Arc;
use std::time::Instant;

use crossbeam_channel::Receiver;

use super::super::progress::Slot;
use super::chunks::Chunk;
use super::step::Step;

pub(super) enum Src<'s, T> {
    Slice(&'s [T], usize),
    Channel(Receiver<Arc<Chunk<T>>>),
    Step(&'s Step<T>, u64),
    Done,
}

pub(super) enum Seg<'s, T> {
    Empty,
    Borrowed(&'s [T]),
    Shared(Arc<Chunk<T>>),
}

impl<T> Seg<'_, T> {
    fn as_slice(&self) -> &[T] {
        match self {
            Seg::Empty => &[],
            Seg::Borrowed(s) => s,
            Seg::Shared(c) => &c.items,
        }
    }
}

/// What one consumer reads: every item of the source, in order, once.
pub struct Items<'s, T> {
    src: Src<'s, T>,
    seg: Seg<'s, T>,
    pos: usize,
    slot: &'s Slot,
    /// Lock-step items taken since the slot was last updated.
    stepped: u64,
    /// When the current segment arrived: the time until the next one is
    /// busy (the consumer's own work), the time spent in `recv` is waiting.
    /// Lock-step consumers are not timed (a clock read per item would cost
    /// more than the item).
    since: Option<Instant>,
}

impl<T> std::fmt::Debug for Items<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Items").field("pos", &self.pos).field("stepped", &self.stepped).finish_non_exhaustive()
    }
}

impl<'s, T: Clone> Items<'s, T> {
    /// Moves to the next segment; false at the end.
    fn advance(&mut self) -> bool {
        let len = self.seg.as_slice().len() as u64;
        let now = Instant::now();
        let busy_ns = self.since.map_or(0, |t| (now - t).as_nanos() as u64);
        self.since = Some(now);
        if len > 0 || busy_ns > 0 {
            self.slot.add(len, u64::from(len > 0), busy_ns);
        }
        self.pos = 0;
        self.seg = Seg::Empty;
        match &mut self.src {
            Src::Slice(rest, chunk) => {
                if rest.is_empty() {
                    return false;
                }
                let (head, tail) = rest.split_at((*chunk).min(rest.len()));
                *rest = tail;
                self.seg = Seg::Borrowed(head);
                true
            }
            Src::Channel(rx) => match rx.recv() {
                Ok(c) => {
                    let after = Instant::now();
                    self.slot.add_wait((after - now).as_nanos() as u64);
                    self.since = Some(after);
                    self.seg = Seg::Shared(c);
                    true
                }
                Err(_) => false,
            },
            Src::Step(..) | Src::Done => false,
        }
    }
}

impl<T: Clone> Items<'_, T> {
    /// Folds whole slices of items, in order: `f(acc, slice)` once per
    /// chunk, for aggregates that run faster over a slice than item by item
    /// (several accumulators, SIMD). Lock-step hands over one-item slices.
    ///
    /// # Examples
    /// ```
    /// use scalescope::engine::broadcast::{broadcast, BroadcastConfig, Consumer, Strategy};
    /// use scalescope::engine::{Chunk, Hooks};
    /// let max: Consumer<u64, u64> = Box::new(|it| it.fold_slices(0, |m, s| s.iter().fold(m, |a, &b| a.max(b))));
    /// let out = broadcast(0..1000u64, vec![max], &BroadcastConfig::new(Strategy::Chunked).chunk_of(Chunk::of(64)), &Hooks::none()).unwrap();
    /// assert_eq!(out.value, vec![999]);
    /// ```
    pub fn fold_slices<B>(mut self, init: B, mut f: impl FnMut(B, &[T]) -> B) -> B {
        let mut acc = init;
        if matches!(self.src, Src::Step(..)) {
            for x in self.by_ref() {
                acc = f(acc, std::slice::from_ref(&x));
            }
            return acc;
        }
        loop {
            let seg = self.seg.as_slice();
            if self.pos < seg.len() {
                acc = f(acc, &seg[self.pos..]);
            }
            self.pos = self.seg.as_slice().len();
            if !self.advance() {
                return acc;
            }
        }
    }
}

impl<T: Clone> Iterator for Items<'_, T> {
    type Item = T;

    #[inline]
    fn next(&mut self) -> Option<T> {
        if let Src::Step(step, last) = &mut self.src {
            let x = step.take(last);
            self.stepped += 1;
            if self.stepped == 1024 || x.is_none() {
                self.slot.add(self.stepped - u64::from(x.is_none()), 0, 0);
                self.stepped = 0;
            }
            return x;
        }
        loop {
            if let Some(x) = self.seg.as_slice().get(self.pos) {
                self.pos += 1;
                return Some(x.clone());
            }
            if !self.advance() {
                return None;
            }
        }
    }

    fn fold<B, F: FnMut(B, T) -> B>(mut self, init: B, mut f: F) -> B {
        if matches!(self.src, Src::Step(..)) {
            let mut acc = init;
            for x in self.by_ref() {
                acc = f(acc, x);
            }
            return acc;
        }
        let mut acc = init;
        loop {
            acc = self.seg.as_slice()[self.pos..].iter().cloned().fold(acc, &mut f);
            self.pos = self.seg.as_slice().len();
            if !self.advance() {
                return acc;
            }
        }
    }
}

impl<T> Drop for Items<'_, T> {
    fn drop(&mut self) {
        if let Src::Step(step, last) = &self.src {
            step.leave(*last);
        }
        self.src = Src::Done;
    }
}

impl<'s, T> Items<'s, T> {
    /// A consumer's reader over `src`, counting into `slot`.
    pub(super) fn new(src: Src<'s, T>, slot: &'s Slot) -> Self {
        Items { src, seg: Seg::Empty, pos: 0, slot, stepped: 0, since: None }
    }
}
