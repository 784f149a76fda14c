//! Standard output that never panics: when stdout is closed (`| head -2`)
//! the printing stops and the program goes on to save what it measured.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

static CLOSED: AtomicBool = AtomicBool::new(false);

/// Writes one line to stdout, every control character in it but the
/// newline escaped (a name from a file cannot drive the terminal); a failed
/// write (a closed pipe) silences every later one instead of panicking.
pub(crate) fn say_line(args: std::fmt::Arguments<'_>) {
    if CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let text = args.to_string();
    let mut out = std::io::stdout().lock();
    if writeln!(out, "{}", crate::untrusted::escape_keeping_lines(&text)).and_then(|()| out.flush()).is_err() {
        CLOSED.store(true, Ordering::Relaxed);
    }
}

/// Writes one line to stderr, escaped as [`say_line`] does.
pub(crate) fn tell_line(args: std::fmt::Arguments<'_>) {
    let text = args.to_string();
    let _ = writeln!(std::io::stderr().lock(), "{}", crate::untrusted::escape_keeping_lines(&text));
}

/// `println!` that survives a closed stdout: see [`say_line`].
macro_rules! say {
    ($($t:tt)*) => { $crate::cli::console::say_line(format_args!($($t)*)) };
}
pub(crate) use say;

/// `eprintln!` with [`tell_line`]'s escaping.
macro_rules! tell {
    ($($t:tt)*) => { $crate::cli::console::tell_line(format_args!($($t)*)) };
}
pub(crate) use tell;
