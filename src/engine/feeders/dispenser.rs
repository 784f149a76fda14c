//! `dispenser`: the seed's final design. A worker takes the lock, fills a
//! whole chunk from the source, releases the lock, then maps the chunk.
//! With `--chunk auto` each worker sizes its chunks from its own measurements.

use std::sync::Mutex;
use std::time::Instant;

use super::super::Ran;
use super::super::chunking::{self, Chunker};
use super::super::config::ChunkSize;
use super::super::kernel::Kernel;
use super::super::run::{Shared, execute};
use super::{Partials, fill};

pub(crate) fn run<I, K>(source: I, k: &K, shared: &Shared<'_>, threads: usize, chunk: ChunkSize) -> Partials<K::Acc>
where
    I: Iterator + Send,
    I::Item: Send,
    K: Kernel<I::Item>,
{
    let source = Mutex::new(source);
    let (accs, spans) = execute(shared, threads, None::<fn()>, |_, local| {
        let mut acc = k.identity();
        let mut chunker = Chunker::new(chunk, chunking::MIN, threads, chunking::max_items::<I::Item>());
        let mut buf = Vec::with_capacity(chunker.size());
        loop {
            if shared.should_stop() {
                shared.abort();
                return acc;
            }
            let t0 = Instant::now();
            let remaining = match source.lock() {
                Ok(mut it) => {
                    fill(&mut *it, &mut buf, chunker.size());
                    it.size_hint().1
                }
                Err(_) => return acc, // the source panicked elsewhere; already recorded
            };
            let t1 = Instant::now();
            if buf.is_empty() {
                local.last_wait(t0, t1);
                return acc;
            }
            let n = buf.len() as u64;
            acc = k.fold_many(acc, buf.drain(..)).0;
            let t2 = Instant::now();
            local.chunk(n, t0, t1, t2);
            chunker.observe(n as usize, t2 - t1, remaining);
        }
    });
    Partials { accs, spans, workers: threads, used: format!("dispenser x{threads}, chunk {chunk}"), plan: None, ran: Ran::Workers }
}
