//! `rayon`: rayon's `par_bridge` over the same iterator, on a pool of
//! exactly `threads` threads built for this call: the outside reference.
//!
//! rayon exposes no "waiting for input" time, so a worker's `busy_s` is the
//! lifetime of its fold splits (waits included) and `wait_s` stays 0.

use std::time::{Duration, Instant};

use rayon::prelude::*;

use super::super::Ran;
use super::super::crew::{self, Mark, Stage};
use super::super::kernel::Kernel;
use super::super::run::Shared;
use super::Partials;

/// Items between two looks at the stop flag and two progress flushes.
const FLUSH: u64 = 64;

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
    let (exit_tx, exit_rx) = crossbeam_channel::unbounded::<()>();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("scalescope-rayon-{i}"))
        .exit_handler(move |_| {
            let _ = exit_tx.send(());
        })
        .build();
    let pool = match pool {
        Ok(pool) => pool,
        Err(e) => {
            shared.fail(crew::Failure { thread: "rayon's pool".into(), stage: Stage::Start, message: e.to_string() });
            return Partials {
                accs: vec![],
                spans: vec![],
                workers: 0,
                used: "rayon".into(),
                plan: None,
                ran: Ran::Workers,
                switches: vec![],
            };
        }
    };
    let slot_of = |_: ()| rayon::current_thread_index().unwrap_or(0).min(threads - 1);
    let flush = |s: &mut Split<K::Acc>, chunks: u64, busy: Duration| {
        shared.slots[slot_of(())].add(s.pending, chunks, busy.as_nanos() as u64);
        s.pending = 0;
    };
    let result = crew::scope(&shared.failures, |crew| {
        // rayon's threads are not ours to instrument, so a sampler thread of
        // the crew sends progress while the pool works.
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
        let r = shared.failures.guard("a rayon worker (scalescope-rayon-*)", &fused, || {
            pool.install(|| {
                source
                    .par_bridge()
                    .try_fold(
                        || Split { acc: k.identity(), pending: 0, born: Instant::now() },
                        |mut s, x| {
                            s.acc = k.fold(s.acc, x);
                            s.pending += 1;
                            if s.pending == FLUSH {
                                flush(&mut s, 0, Duration::ZERO);
                                if shared.should_stop() {
                                    shared.abort();
                                    return Err(());
                                }
                            }
                            Ok(s)
                        },
                    )
                    .map(|r| {
                        r.map(|mut s| {
                            let busy = s.born.elapsed();
                            flush(&mut s, 1, busy);
                            s.acc
                        })
                    })
                    .try_reduce(|| k.identity(), |a, b| Ok(k.combine(a, b)))
            })
        });
        drop(done_tx);
        if let Some(s) = sampler {
            s.join(&shared.failures);
        }
        r
    });
    drop(pool);
    // Wait for every pool thread to exit, so that none outlives the call.
    for _ in 0..threads {
        if exit_rx.recv_timeout(Duration::from_secs(10)).is_err() {
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
    Partials {
        accs,
        spans: vec![],
        workers: threads,
        used: format!("rayon par_bridge x{threads}"),
        plan: None,
        ran: Ran::Workers,
        switches: vec![],
    }
}
