//! The lock-step hand-off: one item at a time, offered to every live
//! consumer; the producer waits until each has taken it (or left).
//!
//! Protocol, under one mutex with two condition variables:
//! - `put` waits on `to_producer` while `pending > 0`, then stores the item,
//!   bumps `seq`, sets `pending = live` and wakes the consumers;
//! - `take` returns the item once per `seq` (decrementing `pending`, waking
//!   the producer at zero), or `None` after `finish`;
//! - `leave` (a consumer that stops early or fails) decrements `live`, and
//!   `pending` when it had not taken the current item, so the producer never
//!   waits for a consumer that is gone.
//!
//! Model-checked with loom (`cargo test --release --lib` with `--cfg loom`,
//! see the README).

use super::super::sync::{Condvar, Mutex, MutexGuard, PoisonError};

/// The lock-step hand-off: one item, offered to every live consumer.
pub(super) struct Step<T> {
    state: Mutex<StepState<T>>,
    to_consumers: Condvar,
    to_producer: Condvar,
}

struct StepState<T> {
    value: Option<T>,
    /// Number of the item in `value` (0: none yet).
    seq: u64,
    /// Consumers that have not yet taken item `seq`.
    pending: usize,
    /// Consumers still reading.
    live: usize,
    end: bool,
}

impl<T: Clone> Step<T> {
    pub(crate) fn new(consumers: usize) -> Self {
        Step {
            state: Mutex::new(StepState { value: None, seq: 0, pending: 0, live: consumers, end: false }),
            to_consumers: Condvar::new(),
            to_producer: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, StepState<T>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Offers `x` once every consumer took the previous item; false when no consumer is left.
    pub(crate) fn put(&self, x: T) -> bool {
        let mut st = self.lock();
        while st.pending > 0 {
            st = self.to_producer.wait(st).unwrap_or_else(PoisonError::into_inner);
        }
        if st.live == 0 {
            return false;
        }
        st.value = Some(x);
        st.seq += 1;
        st.pending = st.live;
        self.to_consumers.notify_all();
        true
    }

    pub(crate) fn finish(&self) {
        self.lock().end = true;
        self.to_consumers.notify_all();
    }

    pub(crate) fn take(&self, last: &mut u64) -> Option<T> {
        let mut st = self.lock();
        loop {
            if st.seq > *last {
                *last = st.seq;
                st.pending -= 1;
                if st.pending == 0 {
                    self.to_producer.notify_one();
                }
                return st.value.clone();
            }
            if st.end {
                return None;
            }
            st = self.to_consumers.wait(st).unwrap_or_else(PoisonError::into_inner);
        }
    }
}

impl<T> Step<T> {
    /// A consumer leaves after taking item `last`: never make the producer
    /// wait for it again.
    pub(crate) fn leave(&self, last: u64) {
        let mut st = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        st.live -= 1;
        if st.seq > last {
            st.pending -= 1;
        }
        self.to_producer.notify_one();
    }
}

/// The lock-step protocol, model-checked: a producer and two consumers, one
/// of which leaves after its first item; the other gets every item in
/// order, and nobody waits forever (loom reports a deadlock).
#[cfg(all(test, loom))]
mod loom_tests {
    use loom::sync::Arc;

    use super::*;

    #[test]
    fn a_consumer_that_leaves_never_blocks_the_producer() {
        let mut model = loom::model::Builder::new();
        model.preemption_bound = Some(3);
        model.check(|| {
            let step = Arc::new(Step::new(2));
            let stays = {
                let step = step.clone();
                loom::thread::spawn(move || {
                    let (mut last, mut got) = (0, Vec::new());
                    while let Some(x) = step.take(&mut last) {
                        got.push(x);
                    }
                    step.leave(last);
                    got
                })
            };
            let leaves = {
                let step = step.clone();
                loom::thread::spawn(move || {
                    let mut last = 0;
                    let first = step.take(&mut last);
                    step.leave(last);
                    first
                })
            };
            let mut offered = 0;
            for x in 1..=3u32 {
                if !step.put(x) {
                    break;
                }
                offered += 1;
            }
            step.finish();
            assert_eq!(offered, 3, "the staying consumer is live, so every item is offered");
            assert_eq!(stays.join().unwrap(), vec![1, 2, 3]);
            assert_eq!(leaves.join().unwrap(), Some(1));
        });
    }
}
