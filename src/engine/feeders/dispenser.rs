//! `dispenser`: the seed's final design. A worker takes the lock, fills a
//! whole chunk from the source, releases the lock, then maps the chunk.
//! With `--chunk auto` each worker sizes its chunks from its own measurements.

use std::time::Instant;

use super::super::Ran;
use super::super::chunking::{self, Chunker};
use super::super::config::ChunkSize;
use super::super::crew::Stage;
use super::super::kernel::Kernel;
use super::super::run::{Shared, execute};
use super::super::sync::Mutex;
use super::{Partials, fill};

pub(crate) fn run<I, K>(source: I, k: &K, shared: &Shared<'_>, threads: usize, chunk: ChunkSize) -> Partials<K::Acc>
where
    I: Iterator + Send,
    I::Item: Send,
    K: Kernel<I::Item>,
{
    let source = Mutex::new(source);
    let (accs, spans) = execute(shared, threads, None::<fn()>, |_, local, mark| {
        let mut acc = k.identity();
        let mut chunker = Chunker::new(chunk, chunking::MIN, threads, chunking::max_items::<I::Item>());
        let mut buf = Vec::with_capacity(chunker.size());
        loop {
            if shared.should_stop() {
                shared.abort();
                return acc;
            }
            let t0 = Instant::now();
            mark.set(Stage::Source);
            // `None`: the source panicked in another worker, which recorded it.
            let Some((remaining, held)) = take_chunk_and(&source, &mut buf, chunker.size(), Instant::now) else { return acc };
            let t1 = Instant::now();
            local.pulled(t1 - held);
            if buf.is_empty() {
                local.last_wait(t0, t1);
                return acc;
            }
            let n = buf.len() as u64;
            mark.set(Stage::Map);
            acc = k.fold_many(acc, buf.drain(..)).0;
            let t2 = Instant::now();
            local.chunk(n, t0, t1, t2);
            chunker.observe(n as usize, t2 - t1, remaining);
        }
    });
    Partials { accs, spans, workers: threads, ran: Ran::Workers, switches: vec![], more: 0 }
}

/// The hand-off: under the source's lock, fills `buf` with up to `n`
/// items, calling `held` once the lock is held and before the first item
/// is pulled (the feeders read the clock there: the pull apart from the
/// wait for the lock). Returns the source's upper size hint and what
/// `held` returned, or `None` when the lock is poisoned (the source
/// panicked in another worker). Each item goes to exactly one worker:
/// model-checked with loom below.
#[inline]
pub(crate) fn take_chunk_and<I: Iterator, R>(
    source: &Mutex<I>,
    buf: &mut Vec<I::Item>,
    n: usize,
    held: impl FnOnce() -> R,
) -> Option<(Option<usize>, R)> {
    let mut it = source.lock().ok()?;
    let r = held();
    fill(&mut *it, buf, n);
    Some((it.size_hint().1, r))
}

/// Two workers taking chunks of 2 from a source of 5: every item is taken
/// exactly once, and both see the end.
#[cfg(all(test, loom))]
mod loom_tests {
    use loom::sync::Arc;

    use super::*;

    #[test]
    fn every_item_goes_to_exactly_one_worker() {
        loom::model(|| {
            let source = Arc::new(Mutex::new(0..5u32));
            let workers: Vec<_> = (0..2)
                .map(|_| {
                    let source = source.clone();
                    loom::thread::spawn(move || {
                        let (mut buf, mut mine) = (Vec::new(), Vec::new());
                        loop {
                            take_chunk_and(&source, &mut buf, 2, || ()).expect("not poisoned");
                            if buf.is_empty() {
                                return mine;
                            }
                            mine.append(&mut buf);
                        }
                    })
                })
                .collect();
            let mut all: Vec<u32> = workers.into_iter().flat_map(|w| w.join().expect("a worker panicked")).collect();
            all.sort_unstable();
            assert_eq!(all, vec![0, 1, 2, 3, 4]);
        });
    }
}
