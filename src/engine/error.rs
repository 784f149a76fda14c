//! Every error the engine returns, written for the person who reads it.

use thiserror::Error;

use super::crew::Failure;
use super::progress::WorkerStats;

/// A configuration the engine refuses before any thread starts.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ConfigError {
    /// `threads == 0`.
    #[error("thread count must be at least 1 (got 0)")]
    ZeroThreads,
    /// Far more threads than any machine needs.
    #[error("thread count {0} is too large (at most {max})", max = super::config::MAX_THREADS)]
    TooManyThreads(usize),
    /// Not a whole number.
    #[error("thread count '{0}' is not a whole number")]
    BadThreads(String),
    /// `chunk == 0`.
    #[error("chunk size must be at least 1 item (got 0)")]
    ZeroChunk,
    /// An absurd chunk.
    #[error("chunk size {0} is too large (at most {max})", max = super::config::MAX_CHUNK)]
    ChunkTooLarge(usize),
    /// Not a number nor `auto`.
    #[error("chunk size '{0}' is neither a whole number nor 'auto'")]
    BadChunk(String),
    /// Not a known feeder.
    #[error("unknown feeder '{0}' (choose one of: sequential, locked, queue, dispenser, rayon, auto)")]
    UnknownFeeder(String),
}

/// Why an engine call did not produce a result.
#[derive(Debug, Clone, Error)]
pub enum EngineError {
    /// A [`super::CancelToken`] was tripped. `items_done` items had been mapped.
    #[error("cancelled after {items_done} items")]
    Cancelled {
        /// Items mapped before the workers stopped.
        items_done: u64,
        /// What each worker had done.
        workers: Vec<WorkerStats>,
    },
    /// A thread failed: the source, the map, a combine or an aggregate
    /// panicked, or a thread could not start. The other threads were
    /// stopped and joined first.
    #[error("{0}")]
    Failed(Failure),
}
