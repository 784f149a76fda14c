//! Keeping a running experiment on disk, for the CLI and the app alike: it
//! is created in the library first (a new file, never over another), then
//! rewritten atomically as it grows, at most every [`EVERY`] and at every
//! [`Autosave::flush`] (the end, a stop, an error). A run of many short
//! measurements so writes O(file size) every couple of seconds, not at every
//! measurement; `kill -9` loses at most the last [`EVERY`] of measurements.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::{Experiment, FileError, Library, write_atomically};

/// The longest a measurement waits to be written.
pub const EVERY: Duration = Duration::from_secs(2);

/// One destination: the library's file or another (`--json`).
#[derive(Debug)]
struct Target {
    path: PathBuf,
    in_library: bool,
    failed: Option<String>,
}

/// Saves one experiment to its destinations.
#[derive(Debug)]
pub struct Autosave {
    library: Option<Library>,
    targets: Vec<Target>,
    last: Option<Instant>,
    dirty: bool,
}

impl Autosave {
    /// Creates `exp`'s file in `library` (a fresh id if its own is taken) and
    /// writes `extra` files beside it. A destination that fails is reported
    /// by [`Self::failures`]; the others go on.
    ///
    /// # Errors
    /// The library's file cannot be created.
    pub fn start(exp: &mut Experiment, library: Option<Library>, extra: Vec<PathBuf>) -> Result<Self, FileError> {
        let mut targets = Vec::new();
        if let Some(lib) = &library {
            targets.push(Target { path: lib.create(exp)?, in_library: true, failed: None });
        }
        targets.extend(extra.into_iter().map(|path| Target { path, in_library: false, failed: None }));
        let mut saver = Autosave { library, targets, last: None, dirty: true };
        saver.flush(exp);
        Ok(saver)
    }

    /// Writes `exp` if the last write is [`EVERY`] old; else remembers to.
    /// Returns the first failure of a destination, once.
    pub fn save(&mut self, exp: &Experiment) -> Option<String> {
        self.dirty = true;
        if self.last.is_some_and(|t| t.elapsed() < EVERY) {
            return None;
        }
        self.flush(exp)
    }

    /// Writes `exp` now to every destination. Returns a destination's first
    /// failure, once.
    pub fn flush(&mut self, exp: &Experiment) -> Option<String> {
        let json = exp.to_json();
        let mut news = None;
        for t in &mut self.targets {
            let written = match (&self.library, t.in_library) {
                (Some(lib), true) => lib.write(&t.path, exp),
                _ => write_atomically(&t.path, json.as_bytes()),
            };
            match written {
                Ok(()) => t.failed = None,
                Err(e) => {
                    if t.failed.is_none() {
                        news = Some(e.to_string());
                    }
                    t.failed = Some(e.to_string());
                }
            }
        }
        self.last = Some(Instant::now());
        self.dirty = false;
        news
    }

    /// Whether something measured is not written yet.
    pub fn is_dirty(&self) -> bool {
        self.dirty
    }

    /// The experiment's file in the library.
    pub fn library_file(&self) -> Option<&Path> {
        self.targets.iter().find(|t| t.in_library).map(|t| t.path.as_path())
    }

    /// Whether the last write to `path` succeeded.
    pub fn saved(&self, path: &Path) -> bool {
        self.targets.iter().any(|t| t.path == path && t.failed.is_none())
    }

    /// The destinations whose last write failed, with why.
    pub fn failures(&self) -> Vec<&str> {
        self.targets.iter().filter_map(|t| t.failed.as_deref()).collect()
    }
}
