//! The app watches its experiments library: an experiment that another
//! process saves there while the app is open (a CLI sweep, a program
//! measuring its own code with `scalescope::measure::Scaling`) is listed
//! without a restart, and one that grows (a sweep still running) is updated
//! in place.
//!
//! A thread (`watch-library`) waits for the folder to change (`notify`;
//! where it cannot watch, at the inotify limit or while the folder does not
//! exist yet, it looks again every [`RESCAN`]), lets a burst of writes
//! settle ([`SETTLE`]), then compares each file's size, time and inode with
//! what it saw last and reads only the files that changed, with the
//! library's own reader of untrusted files ([`Experiment::read`]: regular
//! files only, bounded, no links). The frame takes what it found without
//! waiting ([`ScalescopeApp::watch_library`]).
//!
//! What the frame does with it:
//! - a file the list holds already (this app's own job, a rename, an undo, a
//!   growing sweep) updates its entry in place, never a second entry;
//! - a new file is added once it holds a baseline (an experiment with
//!   nothing measured yet has nothing to show); while this app's own job
//!   runs, a file with the job's name waits until the job has ended and
//!   added its own (so it is not listed twice), and a file this process is
//!   still writing (running, with this process's id) is left for its next write;
//! - a file that cannot be read is named in the Experiments tab, as at launch;
//! - a file removed from the folder stays listed for this session (as an
//!   opened file does): nothing disappears from under the person.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use crossbeam_channel::{Receiver, Sender};

use super::app::{Message, ScalescopeApp};
use crate::analysis::Analysis;
use crate::experiment::{Experiment, Status};
use crate::untrusted::{Links, escape};

/// How often the folder is looked at where it cannot be watched.
pub(crate) const RESCAN: Duration = Duration::from_secs(2);
/// How long the folder must be quiet after a change before it is looked at.
pub(crate) const SETTLE: Duration = Duration::from_millis(200);
/// The longest a stream of changes delays a look.
const MOST_SETTLE: Duration = Duration::from_secs(1);
/// How often the folder is looked at anyway while it is watched (a lost event).
const SAFETY_RESCAN: Duration = Duration::from_secs(60);

/// What the watching thread found in one file.
#[derive(Debug)]
enum Found {
    /// The file's experiment, as it is now.
    Read(PathBuf, Box<Experiment>),
    /// It cannot be read, and why.
    Unreadable(PathBuf, String),
}

impl Found {
    fn path(&self) -> &Path {
        match self {
            Found::Read(p, _) | Found::Unreadable(p, _) => p,
        }
    }
}

/// The watch on one library folder: its thread, and what it found that the
/// list has not taken yet.
#[derive(Debug)]
pub(crate) struct LibraryWatch {
    dir: PathBuf,
    found: Receiver<Found>,
    /// Dropped to stop the thread.
    stop: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
    /// Found, not taken yet (by file; the latest of each).
    waiting: BTreeMap<PathBuf, Found>,
}

impl LibraryWatch {
    /// Watches `dir`. The files in `known` are on the list already: they are
    /// read again only when they change; any other file is read at once.
    /// `wake` is called when something was found (to redraw the window).
    fn start(dir: PathBuf, known: HashSet<PathBuf>, wake: impl Fn() + Send + 'static) -> Self {
        let (found_tx, found) = crossbeam_channel::unbounded();
        let (stop, stop_rx) = crossbeam_channel::bounded(1);
        let folder = dir.clone();
        let thread = std::thread::Builder::new()
            .name("watch-library".into())
            .spawn(move || Watcher { dir: folder, seen: HashMap::new(), found: found_tx, stop: stop_rx, wake }.run(known))
            .ok();
        LibraryWatch { dir, found, stop: Some(stop), thread, waiting: BTreeMap::new() }
    }
}

impl Drop for LibraryWatch {
    fn drop(&mut self) {
        self.stop.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A file's size, modification time and inode: a write (a rename over it,
/// as every save is) changes one of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: Option<SystemTime>,
    inode: u64,
}

impl Stamp {
    fn of(meta: &std::fs::Metadata) -> Self {
        #[cfg(unix)]
        let inode = std::os::unix::fs::MetadataExt::ino(meta);
        #[cfg(not(unix))]
        let inode = 0;
        Stamp { len: meta.len(), modified: meta.modified().ok(), inode }
    }
}

/// Whether `path` names an experiment of the library: a visible `.json`
/// file (a save's temporary file starts with a dot).
fn is_experiment_file(path: &Path) -> bool {
    path.extension().is_some_and(|x| x == "json") && path.file_name().is_some_and(|n| !n.to_string_lossy().starts_with('.'))
}

/// The watching thread.
struct Watcher<W> {
    dir: PathBuf,
    seen: HashMap<PathBuf, Stamp>,
    found: Sender<Found>,
    stop: Receiver<()>,
    wake: W,
}

/// How a look at the folder went.
enum Look {
    Done,
    /// The folder cannot be read (not there yet, or gone).
    NoFolder,
    /// Nobody takes what is found: the app is gone.
    AppGone,
}

impl<W: Fn()> Watcher<W> {
    fn run(mut self, known: HashSet<PathBuf>) {
        let (changed_tx, changed) = crossbeam_channel::unbounded::<()>();
        let mut watching: Option<notify::RecommendedWatcher> = None;
        let mut known = Some(known);
        loop {
            // Watched first, then looked at: no change falls between the two.
            if watching.is_none() {
                watching = watch(&self.dir, changed_tx.clone());
            }
            match self.look(known.as_ref()) {
                Look::AppGone => return,
                Look::NoFolder => watching = None,
                Look::Done => known = None,
            }
            let wait = if watching.is_some() { SAFETY_RESCAN } else { RESCAN };
            crossbeam_channel::select! {
                recv(self.stop) -> _ => return,
                recv(changed) -> _ => {
                    if !self.settle(&changed) {
                        return;
                    }
                }
                default(wait) => {}
            }
        }
    }

    /// Waits until no change came for [`SETTLE`] (at most [`MOST_SETTLE`]);
    /// false when the app is gone.
    fn settle(&self, changed: &Receiver<()>) -> bool {
        let until = Instant::now() + MOST_SETTLE;
        loop {
            let quiet = SETTLE.min(until.saturating_duration_since(Instant::now()));
            if quiet.is_zero() {
                return true;
            }
            crossbeam_channel::select! {
                recv(self.stop) -> _ => return false,
                recv(changed) -> _ => {}
                default(quiet) => return true,
            }
        }
    }

    /// Reads every file that changed since the last look (at the first look,
    /// every file not in `known`) and hands it to the app.
    fn look(&mut self, known: Option<&HashSet<PathBuf>>) -> Look {
        let Ok(entries) = std::fs::read_dir(&self.dir) else { return Look::NoFolder };
        let mut now = HashMap::new();
        let mut sent = false;
        for entry in entries.filter_map(Result::ok) {
            let path = entry.path();
            // The entry's own metadata: a link is not followed.
            let Some(stamp) = entry.metadata().ok().filter(|_| is_experiment_file(&path)).map(|m| Stamp::of(&m)) else { continue };
            now.insert(path.clone(), stamp);
            let first_and_listed = known.is_some_and(|k| k.contains(&path));
            if self.seen.get(&path) == Some(&stamp) || first_and_listed {
                continue;
            }
            let found = match Experiment::read(&path, Links::Refuse) {
                Ok(x) => Found::Read(path, Box::new(x)),
                Err(e) => Found::Unreadable(path, e.to_string()),
            };
            if self.found.send(found).is_err() {
                return Look::AppGone;
            }
            sent = true;
        }
        self.seen = now;
        if sent {
            (self.wake)();
        }
        Look::Done
    }
}

/// `dir` watched with `notify`, every change of an experiment's file (or
/// trouble: a lost event) sent down `changed`; `None` where it cannot be.
fn watch(dir: &Path, changed: Sender<()>) -> Option<notify::RecommendedWatcher> {
    use notify::Watcher as _;
    let handler = move |event: notify::Result<notify::Event>| {
        let relevant = match &event {
            Ok(e) => e.paths.is_empty() || e.paths.iter().any(|p| is_experiment_file(p)),
            Err(_) => true,
        };
        if relevant {
            let _ = changed.send(());
        }
    };
    let mut watcher = notify::recommended_watcher(handler).ok()?;
    watcher.watch(dir, notify::RecursiveMode::NonRecursive).ok()?;
    Some(watcher)
}

impl ScalescopeApp {
    /// Takes in what the library's watch found since the last frame (never
    /// waits), starting the watch at the first call. See the [module docs](self).
    pub(crate) fn watch_library(&mut self) {
        let Some(dir) = self.shelf.library.as_ref().map(|l| l.dir().to_path_buf()) else { return };
        if self.watch.as_ref().is_none_or(|w| w.dir != dir) {
            let shelf = &self.shelf;
            let known = shelf.slots.iter().filter_map(|s| s.file.clone()).chain(shelf.unreadable.iter().map(|(p, _)| p.clone())).collect();
            let ctx = self.ctx.clone();
            self.watch = Some(LibraryWatch::start(dir, known, move || {
                if let Some(ctx) = &ctx {
                    ctx.request_repaint();
                }
            }));
        }
        let Some(watch) = self.watch.as_mut() else { return };
        for found in watch.found.try_iter() {
            watch.waiting.insert(found.path().to_path_buf(), found);
        }
        let job = self.jobs.job.as_ref().map(|j| j.label.clone());
        let waiting = std::mem::take(&mut watch.waiting);
        let mut added = Vec::new();
        for (path, found) in waiting {
            match found {
                // This app's own job, not yet added by it: wait until it is.
                Found::Read(_, x) if job.as_deref() == Some(x.name.as_str()) && !self.on_shelf(&path) => {
                    if let Some(w) = self.watch.as_mut() {
                        w.waiting.insert(path.clone(), Found::Read(path, x));
                    }
                }
                Found::Read(_, x) => added.extend(self.take_in(path, *x)),
                Found::Unreadable(_, why) => self.unreadable(path, why),
            }
        }
        self.tell_added(&added);
    }

    /// Whether the list holds the library's file `path`.
    fn on_shelf(&self, path: &Path) -> bool {
        self.shelf.slots.iter().any(|s| s.file.as_deref() == Some(path))
    }

    /// Updates the entry of `path` to `x`, or adds `x` as a new entry;
    /// returns the kind and name of what was added.
    fn take_in(&mut self, path: PathBuf, x: Experiment) -> Option<(crate::workloads::WorkloadKind, String)> {
        let shelf = &mut self.shelf;
        if let Some(i) = shelf.slots.iter().position(|s| s.file.as_deref() == Some(path.as_path())) {
            if shelf.results[i] != x {
                shelf.slots[i].analysis = Analysis::of(&x);
                shelf.results[i] = x;
            }
            return None;
        }
        // Nothing to show yet, or still being written by this process: its next write comes.
        let ours = matches!(x.status, Status::Running { pid, .. } if pid == std::process::id());
        if x.baseline.is_none() || ours {
            return None;
        }
        shelf.unreadable.retain(|(p, _)| *p != path);
        let what = (x.workload.name, x.name.clone());
        shelf.add(x, Some(path));
        Some(what)
    }

    /// Names the library's file `path` as unreadable (unless the list holds
    /// it: its last good reading stays).
    fn unreadable(&mut self, path: PathBuf, why: String) {
        if self.on_shelf(&path) {
            return;
        }
        let list = &mut self.shelf.unreadable;
        match list.iter_mut().find(|(p, _)| *p == path) {
            Some(entry) => entry.1 = why,
            None => list.push((path, why)),
        }
    }

    /// Says what arrived; the plots turn to its workload when they show nothing of theirs.
    fn tell_added(&mut self, added: &[(crate::workloads::WorkloadKind, String)]) {
        let Some((kind, name)) = added.last() else { return };
        let view = self.settings.view;
        if self.settings.lesson.is_none() && !self.shelf.results.iter().any(|x| x.workload.name == view) {
            self.settings.view = *kind;
        }
        let text = match added.len() {
            1 => format!("Added '{}' ({kind}): another program saved it in the experiments library.", escape(name)),
            n => format!("Added {n} experiments that other programs saved in the experiments library."),
        };
        self.message = Some(Message { error: false, text });
    }
}
