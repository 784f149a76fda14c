//! `locked`: the naive design. Every worker locks the shared iterator for
//! each single item. Correct, and slow wherever the lock is contended.

use std::sync::Mutex;
use std::time::Instant;

use super::super::kernel::Kernel;
use super::super::run::{Shared, execute};
use super::Partials;

pub(crate) fn run<I, K>(source: I, k: &K, shared: &Shared<'_>, threads: usize) -> Partials<K::Acc>
where
    I: Iterator + Send,
    I::Item: Send,
    K: Kernel<I::Item>,
{
    let source = Mutex::new(source);
    let (accs, spans) = execute(shared, threads, None::<fn()>, |_, local| {
        let mut acc = k.identity();
        loop {
            if shared.should_stop() {
                shared.abort();
                return acc;
            }
            let t0 = Instant::now();
            // A poisoned lock means the source panicked in another worker,
            // which has already recorded the failure: just leave.
            let item = match source.lock() {
                Ok(mut it) => it.next(),
                Err(_) => return acc,
            };
            let t1 = Instant::now();
            match item {
                Some(x) => {
                    acc = k.fold(acc, x);
                    local.chunk(1, t0, t1, Instant::now());
                }
                None => {
                    local.last_wait(t0, t1);
                    return acc;
                }
            }
        }
    });
    Partials { accs, spans, workers: threads, used: format!("locked x{threads}, one item per lock"), plan: None }
}
