//! The chunked and tee strategies' shared chunks: a chunk is sealed once,
//! shared by every consumer through an `Arc`, counted in the [`Gauge`] while
//! alive, and its buffer goes back to the producer's [`Pool`] when the last
//! consumer lets go.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crossbeam_channel::{Receiver, Sender};

/// Items held now and at most.
#[derive(Default)]
pub(super) struct Gauge {
    pub now: AtomicU64,
    pub peak: AtomicU64,
}

impl Gauge {
    pub(crate) fn add(&self, n: u64) {
        // Relaxed: a statistic; every update is an atomic RMW, so `peak`
        // never misses a value `now` took.
        let v = self.now.fetch_add(n, Ordering::Relaxed) + n;
        self.peak.fetch_max(v, Ordering::Relaxed);
    }
    pub(crate) fn sub(&self, n: u64) {
        self.now.fetch_sub(n, Ordering::Relaxed);
    }
}

/// A sealed chunk, shared by every consumer; when the last lets go it
/// leaves the gauge and its buffer goes back to the producer's pool (fresh
/// buffers of many KiB cost page faults on every chunk).
pub(super) struct Chunk<T> {
    pub items: Vec<T>,
    pub gauge: Arc<Gauge>,
    pub pool: Sender<Vec<T>>,
}

/// The producer's end of a consumer's queue.
pub(super) type ChunkTx<T> = Sender<Arc<Chunk<T>>>;

/// Spare chunk buffers.
pub(super) struct Pool<T> {
    pub tx: Sender<Vec<T>>,
    rx: Receiver<Vec<T>>,
}

impl<T> Pool<T> {
    pub(crate) fn new(buffers: usize) -> Self {
        let (tx, rx) = crossbeam_channel::bounded(buffers);
        Pool { tx, rx }
    }
    pub(crate) fn take(&self, chunk: usize) -> Vec<T> {
        self.rx.try_recv().unwrap_or_else(|_| Vec::with_capacity(chunk))
    }
}

impl<T> Drop for Chunk<T> {
    fn drop(&mut self) {
        self.gauge.sub(self.items.len() as u64);
        let mut items = std::mem::take(&mut self.items);
        items.clear();
        let _ = self.pool.try_send(items); // a full pool frees the buffer
    }
}
