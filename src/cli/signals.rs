//! SIGINT (Ctrl+C), SIGTERM and SIGHUP during a measurement: the first one
//! stops the sweep within a chunk, so the experiment is saved as stopped; a
//! second one ends the process at once (exit 130) — the experiment on disk
//! is then the one saved after the last finished measurement.

use std::sync::{Arc, OnceLock};

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

use crate::engine::CancelToken;

/// Exit code after a signal stopped the run (128 + SIGINT, as shells expect).
pub const EXIT_SIGNAL: i32 = 130;

/// Turns the first termination signal into a cancel.
pub(crate) struct StopOnSignal {
    token: CancelToken,
    caught: Arc<OnceLock<&'static str>>,
}

impl StopOnSignal {
    /// Installs the handlers and a thread (`scalescope-signals`) that listens.
    ///
    /// # Errors
    /// The handlers cannot be installed.
    pub(crate) fn install() -> std::io::Result<Self> {
        let token = CancelToken::new();
        let caught: Arc<OnceLock<&'static str>> = Arc::new(OnceLock::new());
        let mut signals = Signals::new([SIGINT, SIGTERM, SIGHUP])?;
        let (t, c) = (token.clone(), caught.clone());
        std::thread::Builder::new().name("scalescope-signals".into()).spawn(move || {
            for sig in signals.forever() {
                let name = match sig {
                    SIGINT => "SIGINT",
                    SIGTERM => "SIGTERM",
                    _ => "SIGHUP",
                };
                if c.set(name).is_err() {
                    eprintln!("\n{name} again: quitting now; the experiment keeps every measurement finished so far.");
                    std::process::exit(EXIT_SIGNAL);
                }
                eprintln!("\n{name}: stopping after the current chunk and saving what was measured (again to quit at once)...");
                t.cancel();
            }
        })?;
        Ok(StopOnSignal { token, caught })
    }

    /// The token the sweep's hooks should carry.
    pub(crate) fn token(&self) -> CancelToken {
        self.token.clone()
    }

    /// The signal caught, if any.
    pub(crate) fn caught(&self) -> Option<&'static str> {
        self.caught.get().copied()
    }
}
