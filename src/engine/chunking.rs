//! How big a chunk is: fixed, or sized from measured item cost so that each
//! chunk holds about [`TARGET`] of map work.
//!
//! Too small a chunk and the lock (or channel) is taken so often that workers
//! queue on it; too big and the last chunks leave workers idle, and a cancel
//! waits for a whole chunk. A chunk of ~200 us makes a contended handoff
//! (about a microsecond) noise, and still stops within a fraction of a
//! frame when cancelled.

use std::time::Duration;

use super::config::ChunkSize;

/// Map work one automatic chunk should hold.
pub(crate) const TARGET: Duration = Duration::from_micros(200);
/// Smallest automatic chunk, the first one when nothing is known yet.
pub(crate) const MIN: usize = 4;
/// Largest automatic chunk.
pub(crate) const MAX: usize = 1 << 20;

/// Chunk sizes for one worker (or the queue's producer).
#[derive(Clone, Debug)]
pub(crate) struct Chunker {
    fixed: bool,
    size: usize,
    workers: usize,
    max: usize,
}

/// Bytes of items an automatic chunk may hold: a chunk is written into a
/// buffer and read back at once, so it should stay in the L1 cache.
const MAX_BYTES: usize = 32 * 1024;

/// The largest automatic chunk of `T`s.
pub(crate) fn max_items<T>() -> usize {
    (MAX_BYTES / std::mem::size_of::<T>().max(1)).clamp(MIN, MAX)
}

impl Chunker {
    /// `first` is the first automatic size (ignored for a fixed chunk).
    /// `max` caps automatic chunks (see [`max_items`]).
    pub(crate) fn new(chunk: ChunkSize, first: usize, workers: usize, max: usize) -> Self {
        match chunk {
            ChunkSize::Fixed(n) => Chunker { fixed: true, size: n.get(), workers, max },
            ChunkSize::Auto => Chunker { fixed: false, size: first.clamp(MIN, max), workers, max },
        }
    }

    /// The size of the next chunk.
    #[inline]
    pub(crate) fn size(&self) -> usize {
        self.size
    }

    /// The size that holds [`TARGET`] of work at `ns_per_item`.
    pub(crate) fn ideal(ns_per_item: f64) -> usize {
        ((TARGET.as_nanos() as f64 / ns_per_item.max(0.05)) as usize).clamp(MIN, MAX)
    }

    /// Learns from a chunk of `items` that took `busy` to map; `remaining`
    /// is what the source says is left, when it knows.
    pub(crate) fn observe(&mut self, items: usize, busy: Duration, remaining: Option<usize>) {
        if items > 0 {
            self.learn(busy.as_nanos() as f64 / items as f64, remaining);
        }
    }

    /// Learns that an item costs `ns_per_item` to map.
    pub(crate) fn learn(&mut self, ns_per_item: f64, remaining: Option<usize>) {
        if self.fixed {
            return;
        }
        let ideal = Self::ideal(ns_per_item);
        // Grow at most 8x a step (one odd chunk must not make the next huge),
        // shrink at once (a slow item must not make the next chunks slow).
        let mut next = ideal.min(self.size.saturating_mul(8)).clamp(MIN, self.max);
        if let Some(left) = remaining {
            // Guided: never take more than a share of what is left, so the tail is split finely.
            next = next.min((left / (2 * self.workers.max(1))).max(1));
        }
        self.size = next;
    }
}
