//! The simulated global interpreter lock: one process-wide mutex held around
//! every map call of every call that asks for it, as CPython's GIL is.

use std::sync::{Mutex, MutexGuard, PoisonError};

static GIL: Mutex<()> = Mutex::new(());

/// Takes the GIL. A panic while it is held must not poison the switch for
/// later runs, so poisoning is ignored (the lock protects no data).
pub(crate) fn acquire() -> MutexGuard<'static, ()> {
    GIL.lock().unwrap_or_else(PoisonError::into_inner)
}
