//! `locked`: the naive design. Every worker locks the shared iterator for
//! each single item. Correct, and slow wherever the lock is contended.
//! Each item counts as a chunk; wait and map times are sampled (1 in 64).

use std::sync::Mutex;
use std::time::Instant;

use super::super::Ran;
use super::super::crew::Stage;
use super::super::kernel::Kernel;
use super::super::run::{Shared, execute};
use super::Partials;

/// One item in this many has its wait and map times measured.
const SAMPLE: u64 = 64;

pub(crate) fn run<I, K>(source: I, k: &K, shared: &Shared<'_>, threads: usize) -> Partials<K::Acc>
where
    I: Iterator + Send,
    I::Item: Send,
    K: Kernel<I::Item>,
{
    let source = Mutex::new(source);
    let (accs, spans) = execute(shared, threads, None::<fn()>, |_, local, mark| {
        let mut acc = k.identity();
        // Reading the clock twice per item would cost more than the item
        // itself and swamp what is measured, so one item in SAMPLE is timed
        // and stands for the SAMPLE - 1 untimed ones before it.
        let mut untimed = 0u64;
        let born = Instant::now();
        loop {
            if shared.should_stop() {
                shared.abort();
                return acc;
            }
            let timed = untimed + 1 == SAMPLE;
            let t0 = timed.then(Instant::now);
            // A poisoned lock means the source panicked in another worker,
            // which has already recorded the failure: just leave.
            mark.set(Stage::Source);
            let item = match source.lock() {
                Ok(mut it) => it.next(),
                Err(_) => return acc,
            };
            let t1 = timed.then(Instant::now);
            match item {
                Some(x) => {
                    mark.set(Stage::Map);
                    acc = k.fold(acc, x);
                    match (t0, t1) {
                        (Some(t0), Some(t1)) => {
                            let t2 = Instant::now();
                            let (wait, busy) = ((t1 - t0).as_nanos() as u64, (t2 - t1).as_nanos() as u64);
                            local.chunk_estimated(untimed, wait * untimed, busy * untimed);
                            local.chunk(1, t0, t1, t2);
                            local.clamp_to((t2 - born).as_nanos() as u64);
                            untimed = 0;
                        }
                        _ => untimed += 1,
                    }
                }
                None => {
                    local.chunk_estimated(untimed, 0, 0);
                    let now = Instant::now();
                    local.last_wait(t0.unwrap_or(now), t1.unwrap_or(now));
                    return acc;
                }
            }
        }
    });
    Partials { accs, spans, workers: threads, ran: Ran::Workers, switches: vec![], more: 0 }
}
