//! A cancellation token any thread may trip.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Shared flag; cloning shares it. Workers look at it once per chunk.
///
/// # Examples
/// ```
/// use scalescope::engine::CancelToken;
/// let token = CancelToken::new();
/// let other = token.clone();
/// other.cancel();
/// assert!(token.is_cancelled());
/// ```
#[derive(Clone, Debug, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    /// A token not yet tripped.
    pub fn new() -> Self {
        Self::default()
    }
    /// Trips the token. Workers stop within one chunk.
    pub fn cancel(&self) {
        // Relaxed: the flag carries no data; the call's join gives the happens-before.
        self.0.store(true, Ordering::Relaxed);
    }
    /// Whether [`CancelToken::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        // Relaxed: pairs with the Relaxed store in `cancel`; a late read only costs one chunk.
        self.0.load(Ordering::Relaxed)
    }
}
