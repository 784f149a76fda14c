//! One module per feeder: how worker threads get items out of ONE
//! single-pass source. See `../DESIGN.md` for the shared contract.

pub(crate) mod auto;
pub(crate) mod dispenser;
pub(crate) mod locked;
pub(crate) mod queue;
pub(crate) mod rayon_bridge;
pub(crate) mod sequential;

use super::progress::Span;
use super::{Ran, Switch};

/// What a feeder hands back to the call: one accumulator per worker that
/// finished, the recorded spans, and what ran.
pub(crate) struct Partials<A> {
    pub accs: Vec<A>,
    pub spans: Vec<Span>,
    /// Worker threads that ran (0 for a fused loop on the calling thread).
    pub workers: usize,
    /// What ran.
    pub ran: Ran,
    /// `auto`'s switches, the first [`MAX_SWITCHES_KEPT`](crate::engine::MAX_SWITCHES_KEPT).
    pub switches: Vec<Switch>,
    /// `auto`'s switches past those.
    pub more: usize,
}

/// Fills `buf` with up to `n` items from `source`, by explicit `next()` calls.
/// Returns whether the source may have more.
#[inline]
pub(crate) fn fill<I: Iterator>(source: &mut I, buf: &mut Vec<I::Item>, n: usize) -> bool {
    for _ in 0..n {
        match source.next() {
            Some(x) => buf.push(x),
            None => return false,
        }
    }
    true
}
