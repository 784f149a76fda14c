//! `queue`: a producer thread owns the source, packs chunks and sends them
//! on a bounded channel (2 chunks per worker); workers receive whole chunks.
//! With `--chunk auto` the producer sizes chunks from the cost the workers report.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crossbeam_channel::SendTimeoutError;

use super::super::Ran;
use super::super::chunking::{self, Chunker};
use super::super::config::ChunkSize;
use super::super::kernel::Kernel;
use super::super::run::{Shared, execute};
use super::{Partials, fill};

pub(crate) fn run<I, K>(mut source: I, k: &K, shared: &Shared<'_>, threads: usize, chunk: ChunkSize) -> Partials<K::Acc>
where
    I: Iterator + Send,
    I::Item: Send,
    K: Kernel<I::Item>,
{
    let (tx, rx) = crossbeam_channel::bounded::<Vec<I::Item>>(2 * threads);
    // The workers' latest map cost per item (f64 bits; 0 = not known yet),
    // from which the producer sizes `auto` chunks.
    let cost = AtomicU64::new(0);
    let cost = &cost;
    let producer = move || {
        let mut chunker = Chunker::new(chunk, chunking::MIN, threads, chunking::max_items::<I::Item>());
        loop {
            // Relaxed: a hint; a stale value only sizes one chunk less well.
            let ns = f64::from_bits(cost.load(Ordering::Relaxed));
            if ns > 0.0 {
                chunker.learn(ns, None);
            }
            let chunk = chunker.size();
            if shared.should_stop() {
                shared.abort();
                return;
            }
            let mut buf = Vec::with_capacity(chunk);
            let more = fill(&mut source, &mut buf, chunk);
            if !buf.is_empty() {
                // Send with a timeout so that a producer facing stopped workers
                // (cancel, panic) notices the stop flag instead of blocking forever.
                let mut pending = buf;
                loop {
                    match tx.send_timeout(pending, Duration::from_millis(5)) {
                        Ok(()) => break,
                        Err(SendTimeoutError::Timeout(back)) => {
                            if shared.should_stop() {
                                shared.abort();
                                return;
                            }
                            pending = back;
                        }
                        Err(SendTimeoutError::Disconnected(_)) => return,
                    }
                }
            }
            if !more {
                return; // dropping `tx` tells the workers the input is over
            }
        }
    };
    let rx = &rx;
    let (accs, spans) = execute(shared, threads, Some(producer), |_, local, _| {
        let mut acc = k.identity();
        loop {
            if shared.should_stop() {
                shared.abort();
                return acc;
            }
            let t0 = Instant::now();
            let Ok(buf) = rx.recv() else {
                local.last_wait(t0, Instant::now());
                return acc;
            };
            let t1 = Instant::now();
            let n = buf.len() as u64;
            acc = k.fold_many(acc, buf.into_iter()).0;
            let t2 = Instant::now();
            local.chunk(n, t0, t1, t2);
            if n > 0 {
                // Relaxed: see the producer's load.
                cost.store(((t2 - t1).as_nanos() as f64 / n as f64).to_bits(), Ordering::Relaxed);
            }
        }
    });
    Partials {
        accs,
        spans,
        workers: threads,
        used: format!("queue x{threads} + producer, chunk {chunk}"),
        plan: None,
        ran: Ran::Workers,
        switches: vec![],
    }
}
