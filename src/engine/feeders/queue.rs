//! `queue`: a producer thread owns the source, packs chunks and sends them
//! on a bounded channel (2 chunks per worker); workers receive whole chunks.
//! With `--chunk auto` the producer sizes chunks from the cost the workers report.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, SendTimeoutError, Sender};

use super::super::Ran;
use super::super::chunking::{self, Chunker};
use super::super::config::ChunkSize;
use super::super::kernel::Kernel;
use super::super::progress::Local;
use super::super::run::{Shared, execute};
use super::{Partials, fill};

pub(crate) fn run<I, K>(source: I, k: &K, shared: &Shared<'_>, threads: usize, chunk: ChunkSize) -> Partials<K::Acc>
where
    I: Iterator + Send,
    I::Item: Send,
    K: Kernel<I::Item>,
{
    let (tx, rx) = crossbeam_channel::bounded::<Filled<I::Item>>(2 * threads);
    let cost = AtomicU64::new(0);
    let chunker = Chunker::new(chunk, chunking::MIN, threads, chunking::max_items::<I::Item>());
    let producer = Producer { source, tx, chunker, shared, cost: &cost };
    let (accs, spans) = execute(shared, threads, Some(move || producer.run()), |_, local, _| consume(k, shared, &rx, &cost, local));
    Partials { accs, spans, workers: threads, ran: Ran::Workers, switches: vec![], more: 0 }
}

/// The producer thread: it owns the source and packs the chunks.
/// A chunk and how long the producer took to fill it (the pull, which the
/// worker that gets it reports apart from its wait).
type Filled<T> = (Vec<T>, Duration);

struct Producer<'a, I: Iterator> {
    source: I,
    tx: Sender<Filled<I::Item>>,
    chunker: Chunker,
    shared: &'a Shared<'a>,
    /// The workers' latest map cost per item (f64 bits; 0 = not known yet),
    /// from which the producer sizes `auto` chunks.
    cost: &'a AtomicU64,
}

impl<I: Iterator> Producer<'_, I> {
    /// Packs and sends chunks until the source ends or the call stops;
    /// dropping `tx` on return tells the workers the input is over.
    fn run(mut self) {
        loop {
            // Relaxed: a hint; a stale value only sizes one chunk less well.
            let ns = f64::from_bits(self.cost.load(Ordering::Relaxed));
            if ns > 0.0 {
                self.chunker.learn(ns, None);
            }
            let chunk = self.chunker.size();
            if self.shared.should_stop() {
                self.shared.abort();
                return;
            }
            let mut buf = Vec::with_capacity(chunk);
            // The pull alone: the buffer's allocation is per chunk, not per item.
            let t0 = Instant::now();
            let more = fill(&mut self.source, &mut buf, chunk);
            if !buf.is_empty() && !self.send((buf, t0.elapsed())) {
                return;
            }
            if !more {
                return;
            }
        }
    }

    /// Sends one chunk; false when the call stopped or the workers are
    /// gone. With a timeout, so that a producer facing stopped workers
    /// (cancel, panic) notices the stop flag instead of blocking forever.
    fn send(&self, mut pending: Filled<I::Item>) -> bool {
        loop {
            match self.tx.send_timeout(pending, Duration::from_millis(5)) {
                Ok(()) => return true,
                Err(SendTimeoutError::Timeout(back)) => {
                    if self.shared.should_stop() {
                        self.shared.abort();
                        return false;
                    }
                    pending = back;
                }
                Err(SendTimeoutError::Disconnected(_)) => return false,
            }
        }
    }
}

/// A worker: folds whole chunks until the producer is done or the call
/// stops, and publishes its map cost per item for the producer.
fn consume<T, K: Kernel<T>>(k: &K, shared: &Shared<'_>, rx: &Receiver<Filled<T>>, cost: &AtomicU64, local: &mut Local<'_>) -> K::Acc {
    let mut acc = k.identity();
    loop {
        if shared.should_stop() {
            shared.abort();
            return acc;
        }
        let t0 = Instant::now();
        let Ok((buf, filling)) = rx.recv() else {
            local.last_wait(t0, Instant::now());
            return acc;
        };
        let t1 = Instant::now();
        let n = buf.len() as u64;
        acc = k.fold_many(acc, buf.into_iter()).0;
        let t2 = Instant::now();
        local.pulled(filling);
        local.chunk(n, t0, t1, t2);
        if n > 0 {
            // Relaxed: see the producer's load.
            cost.store(((t2 - t1).as_nanos() as f64 / n as f64).to_bits(), Ordering::Relaxed);
        }
    }
}
