//! `rayon`: rayon's `par_bridge` over the same iterator, on a pool of
//! exactly `threads` threads built for this call: the outside reference.
//!
//! rayon exposes no "waiting for input" time, so a worker's `busy_s` is the
//! lifetime of its fold splits (waits included) and `wait_s` stays 0.

use std::time::{Duration, Instant};

use crossbeam_channel::Receiver;
use rayon::prelude::*;
use rayon::{ThreadPool, ThreadPoolBuildError};

use super::super::Ran;
use super::super::crew::{self, Mark, Stage};
use super::super::kernel::Kernel;
use super::super::run::Shared;
use super::Partials;

/// Items between two looks at the stop flag and two progress flushes.
const FLUSH: u64 = 64;

/// A fold split's state: its accumulator, and items not yet counted.
struct Split<A> {
    acc: A,
    pending: u64,
    born: Instant,
}

pub(crate) fn run<I, K>(source: I, k: &K, shared: &Shared<'_>, threads: usize) -> Partials<K::Acc>
where
    I: Iterator + Send,
    I::Item: Send,
    K: Kernel<I::Item>,
{
    let (pool, exited) = match pool(threads) {
        Ok(built) => built,
        Err(e) => {
            shared.fail(crew::Failure { thread: "rayon's pool".into(), stage: Stage::Start, message: e.to_string() });
            return partials(vec![], 0);
        }
    };
    let result = Bridge { k, shared, threads }.fold_sampled(&pool, source);
    drop(pool);
    // Wait for every pool thread to exit, so that none outlives the call.
    for _ in 0..threads {
        if exited.recv_timeout(Duration::from_secs(10)).is_err() {
            break;
        }
    }
    let accs = match result {
        Some(Ok(acc)) => vec![acc],
        Some(Err(())) => vec![],
        None => {
            shared.abort();
            vec![]
        }
    };
    partials(accs, threads)
}

/// A pool of exactly `threads` threads built for the call, and a channel
/// that receives once per pool thread that has exited.
fn pool(threads: usize) -> Result<(ThreadPool, Receiver<()>), ThreadPoolBuildError> {
    let (exit_tx, exit_rx) = crossbeam_channel::unbounded::<()>();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("scalescope-rayon-{i}"))
        .exit_handler(move |_| {
            let _ = exit_tx.send(());
        })
        .build()?;
    Ok((pool, exit_rx))
}

/// What the call gets back: rayon records no spans and makes no plan.
fn partials<A>(accs: Vec<A>, workers: usize) -> Partials<A> {
    Partials { accs, spans: vec![], workers, ran: Ran::Workers, switches: vec![], more: 0 }
}

/// One call's fold on the pool: what every fold split reads.
struct Bridge<'a, K> {
    k: &'a K,
    shared: &'a Shared<'a>,
    threads: usize,
}

impl<K> Bridge<'_, K> {
    /// Folds `source` on `pool` while a sampler thread of the crew sends
    /// progress (rayon's threads are not ours to instrument). `None`: a
    /// panic, recorded; `Some(Err)`: stopped.
    fn fold_sampled<I>(&self, pool: &ThreadPool, source: I) -> Option<Result<K::Acc, ()>>
    where
        I: Iterator + Send,
        I::Item: Send,
        K: Kernel<I::Item>,
    {
        let shared = self.shared;
        crew::scope(&shared.failures, |crew| {
            let (done_tx, done_rx) = crossbeam_channel::bounded::<()>(0);
            let sampler = shared.interval().map(|interval| {
                let mut sample = shared.sampler();
                crew.spawn("scalescope-sampler".into(), Stage::Start, move |_| {
                    while done_rx.recv_timeout(interval).is_err_and(|e| e.is_timeout()) {
                        sample();
                    }
                })
            });
            // The pool pulls and maps item by item on its own threads: a panic
            // there comes back here, from the source or the map.
            let fused = Mark::new(Stage::Fused);
            let r = shared.failures.guard("a rayon worker (scalescope-rayon-*)", &fused, || pool.install(|| self.fold(source)));
            drop(done_tx);
            if let Some(s) = sampler {
                s.join(&shared.failures);
            }
            r
        })
    }

    /// `par_bridge` folds of splits, each flushing its count every `FLUSH`
    /// items and leaving (`Err`) when the call stops, then combined.
    fn fold<I>(&self, source: I) -> Result<K::Acc, ()>
    where
        I: Iterator + Send,
        I::Item: Send,
        K: Kernel<I::Item>,
    {
        let k = self.k;
        source
            .par_bridge()
            .try_fold(
                || Split { acc: k.identity(), pending: 0, born: Instant::now() },
                |mut s, x| {
                    s.acc = k.fold(s.acc, x);
                    s.pending += 1;
                    if s.pending == FLUSH {
                        self.flush(&mut s, 0, Duration::ZERO);
                        if self.shared.should_stop() {
                            self.shared.abort();
                            return Err(());
                        }
                    }
                    Ok(s)
                },
            )
            .map(|r| {
                r.map(|mut s| {
                    let busy = s.born.elapsed();
                    self.flush(&mut s, 1, busy);
                    s.acc
                })
            })
            .try_reduce(|| k.identity(), |a, b| Ok(k.combine(a, b)))
    }

    /// Adds a split's pending items (and `chunks`, `busy`) to the slot of
    /// the pool thread it runs on.
    fn flush<A>(&self, s: &mut Split<A>, chunks: u64, busy: Duration) {
        let slot = rayon::current_thread_index().unwrap_or(0).min(self.threads - 1);
        self.shared.slots[slot].add(s.pending, chunks, busy.as_nanos() as u64);
        s.pending = 0;
    }
}
