//! Standard output that never panics: when stdout is closed (`| head -2`)
//! the printing stops and the program goes on to save what it measured.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

static CLOSED: AtomicBool = AtomicBool::new(false);

/// Writes one line to stdout; a failed write (a closed pipe) silences every
/// later one instead of panicking.
pub fn say_line(args: std::fmt::Arguments<'_>) {
    if CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let mut out = std::io::stdout().lock();
    if writeln!(out, "{args}").and_then(|()| out.flush()).is_err() {
        CLOSED.store(true, Ordering::Relaxed);
    }
}

/// `println!` that survives a closed stdout: see [`say_line`].
macro_rules! say {
    ($($t:tt)*) => { $crate::cli::console::say_line(format_args!($($t)*)) };
}
pub(crate) use say;
