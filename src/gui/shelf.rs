//! The app's experiments: the library's, this session's and the files
//! opened, which of them the plots show, and the edits (rename, delete,
//! undo) that go through to the library.
//!
//! Each experiment is addressed by its [`Key`] and kept in its own file, so
//! two files with one id (a backup copy) are shown, renamed and deleted
//! apart. Every operation answers with the line to show the person: `Ok`
//! news or `Err` trouble.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::panels::experiments::Renaming;
use crate::analysis::Analysis;
use crate::experiment::{Experiment, Library};
use crate::export::plot_data::Labelled;
use crate::machine::MachineInfo;
use crate::untrusted::escape_path;
use crate::workloads::WorkloadKind;

/// Names one experiment on the shelf for this session, whatever its id (two
/// files may carry one id: a backup copy).
pub type Key = u64;

/// Where an experiment on the shelf lives.
#[derive(Clone, Debug, PartialEq)]
pub struct Slot {
    /// Its key.
    pub key: Key,
    /// Its file in the library (`None`: not kept there, e.g. without a library).
    pub file: Option<PathBuf>,
    /// What scalescope reads out of it, computed when it joined the shelf.
    pub analysis: Analysis,
}

/// The experiments and what the plots show of them.
#[derive(Debug, Default)]
pub struct Shelf {
    /// Every experiment, in the order they came.
    pub results: Vec<Experiment>,
    /// Each experiment's key and file, in the order of `results`.
    pub slots: Vec<Slot>,
    /// The experiments hidden from the plots.
    pub hidden: BTreeSet<Key>,
    /// The experiment being renamed, and the text typed.
    pub renaming: Renaming,
    /// The experiment deleted last, where it was in the list, and its slot, for Undo.
    pub trash: Option<(usize, Experiment, Slot)>,
    /// The library every experiment is saved to (none in tests).
    pub library: Option<Library>,
    /// The library's files that could not be read, and why.
    pub unreadable: Vec<(PathBuf, String)>,
    next_key: Key,
}

/// What an answer says: news or trouble.
pub type Said = Result<String, String>;

/// What [`Shelf::open`] did with a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Opened {
    /// Added to the list; the news to show.
    Added(String),
    /// The very same experiment is listed already.
    AlreadyListed(String),
}

impl Shelf {
    /// Every experiment in `library`, reopened; and what to tell the person.
    pub fn reopen(library: Library) -> (Shelf, Option<Said>) {
        let mut shelf = Shelf::default();
        crate::experiment::file::remove_stale_temps(library.dir(), None);
        let entries = match library.list() {
            Ok(entries) => entries,
            Err(e) => {
                shelf.library = Some(library);
                return (shelf, Some(Err(format!("Cannot read the experiments library: {e}"))));
            }
        };
        for entry in entries {
            match entry.experiment {
                Ok(x) => shelf.push(x, Some(entry.path)),
                Err(e) => shelf.unreadable.push((entry.path, e.to_string())),
            }
        }
        let (n, bad) = (shelf.results.len(), shelf.unreadable.len());
        let news = (n > 0 || bad > 0).then(|| {
            let skipped = match bad {
                0 => String::new(),
                1 => " (1 file could not be read: the Experiments tab names it)".to_string(),
                _ => format!(" ({bad} files could not be read: the Experiments tab names them)"),
            };
            let word = if n == 1 { "experiment" } else { "experiments" };
            Ok(format!("Reopened {n} {word} from {}{skipped}", escape_path(library.dir())))
        });
        shelf.library = Some(library);
        (shelf, news)
    }

    /// Adds an experiment kept in `file`, with its analysis computed.
    fn push(&mut self, x: Experiment, file: Option<PathBuf>) {
        let analysis = Analysis::of(&x);
        self.results.push(x);
        self.slots.push(Slot { key: self.next_key, file, analysis });
        self.next_key += 1;
    }

    /// Adds a finished experiment, already saved by its job to `file`.
    pub fn add(&mut self, x: Experiment, file: Option<PathBuf>) {
        self.push(x, file);
    }

    /// Takes `other`'s runs into the listed experiment `target` (see
    /// [`Experiment::absorb`]), saves it to its file and analyses it again.
    ///
    /// # Errors
    /// `target` is not listed, the runs do not fit it, or its file cannot be written.
    pub fn absorb(&mut self, target: &crate::experiment::ExperimentId, other: Experiment) -> Result<(), String> {
        let i = self.results.iter().position(|x| x.id == *target).ok_or("its experiment is no longer in the list")?;
        let mut x = self.results[i].clone();
        x.absorb(other)?;
        if let (Some(lib), Some(path)) = (&self.library, &self.slots[i].file) {
            lib.write(path, &x).map_err(|e| e.to_string())?;
        }
        self.slots[i].analysis = Analysis::of(&x);
        self.results[i] = x;
        Ok(())
    }

    /// Opens a results file (from this or another machine), imports it into
    /// the library and adds it, unless the very same is listed already.
    ///
    /// # Errors
    /// The file is not an experiment, or cannot be read.
    pub fn open(&mut self, path: &Path) -> Result<Opened, String> {
        let name = escape_path(path.file_name().map_or(path, Path::new));
        let (file, kept, note) = match &self.library {
            Some(lib) => {
                let imported = lib.import(path).map_err(|e| e.to_string())?;
                (imported.experiment, Some(imported.path), imported.note)
            }
            None => (Experiment::load(path).map_err(|e| e.to_string())?, None, None),
        };
        let listed = self.results.iter().zip(&self.slots).any(|(x, s)| *x == file && (kept.is_none() || s.file == kept));
        if listed {
            return Ok(Opened::AlreadyListed(format!("{name} is already in the list.")));
        }
        let note = note.map_or_else(String::new, |n| format!(" ({n})"));
        let news = format!(
            "Opened {name} as #{}: {} runs of {} measured on {}{note}",
            self.results.len() + 1,
            file.runs.len(),
            file.workload.name,
            file.machine.describe()
        );
        self.push(file, kept);
        Ok(Opened::Added(news))
    }

    /// The place in the list of the experiment with `key`.
    fn index(&self, key: Key) -> Result<usize, String> {
        self.slots.iter().position(|s| s.key == key).ok_or_else(|| "That experiment is no longer listed.".to_string())
    }

    /// Whether the experiment at `i` is shown on the plots.
    pub fn is_shown(&self, i: usize) -> bool {
        self.slots.get(i).is_some_and(|s| !self.hidden.contains(&s.key))
    }

    /// The list numbers (#k) of the other experiments with the id of the one at `i`.
    pub fn same_id(&self, i: usize) -> Vec<usize> {
        let Some(x) = self.results.get(i) else { return Vec::new() };
        self.results.iter().enumerate().filter(|(j, y)| *j != i && y.id == x.id).map(|(j, _)| j + 1).collect()
    }

    /// Shows or hides the experiment with `key` on the plots.
    pub fn set_shown(&mut self, key: Key, shown: bool) {
        if shown {
            self.hidden.remove(&key);
        } else {
            self.hidden.insert(key);
        }
    }

    /// Hides the experiments whose ids are in `ids` (the settings of the last session).
    pub fn hide_ids(&mut self, ids: &BTreeSet<String>) {
        self.hidden = self.results.iter().zip(&self.slots).filter(|(x, _)| ids.contains(x.id.as_str())).map(|(_, s)| s.key).collect();
    }

    /// The ids of the hidden experiments (what the settings keep).
    pub fn hidden_ids(&self) -> BTreeSet<String> {
        self.results.iter().zip(&self.slots).filter(|(_, s)| self.hidden.contains(&s.key)).map(|(x, _)| x.id.to_string()).collect()
    }

    /// Hides every experiment from the plots.
    pub fn hide_all(&mut self) -> String {
        self.hidden = self.slots.iter().map(|s| s.key).collect();
        "Hid every experiment from the plots; the Experiments tab still lists them.".into()
    }

    /// Renames the experiment with `key` and saves it to its own file.
    pub fn rename(&mut self, key: Key, name: String) -> Said {
        if name.trim().is_empty() {
            return Err("A name cannot be empty.".into());
        }
        let i = self.index(key)?;
        self.results[i].name = name;
        let x = &self.results[i];
        if let (Some(lib), Some(file)) = (&self.library, &self.slots[i].file)
            && let Err(e) = lib.write(file, x)
        {
            return Err(format!("Renamed here, but not in the library: {e}"));
        }
        Ok(format!("Renamed to '{}'.", x.name))
    }

    /// Deletes the experiment with `key` from the list and its file from the
    /// library; [`Self::undo_delete`] brings it back.
    pub fn delete(&mut self, key: Key) -> Said {
        let i = self.index(key)?;
        let x = self.results.remove(i);
        let slot = self.slots.remove(i);
        let said = match (&self.library, &slot.file) {
            (Some(lib), Some(file)) if file.exists() => match lib.delete(file) {
                Ok(()) => Ok(format!("Deleted '{}'. Undo brings it back.", x.name)),
                Err(e) => Err(format!("Removed from the list, but not from the library: {e}")),
            },
            _ => Ok(format!("Deleted '{}'. Undo brings it back.", x.name)),
        };
        self.trash = Some((i, x, slot));
        said
    }

    /// Restores the experiment deleted last, where it was, and to its file
    /// (a new one if another took its place meanwhile).
    pub fn undo_delete(&mut self) -> Said {
        let Some((i, mut x, mut slot)) = self.trash.take() else { return Err("Nothing to undo.".into()) };
        let said = match &self.library {
            Some(lib) => match lib.restore(slot.file.as_deref(), &mut x) {
                Ok(path) => {
                    slot.file = Some(path);
                    Ok(format!("Restored '{}'.", x.name))
                }
                Err(e) => Err(format!("Restored here, but not in the library: {e}")),
            },
            None => Ok(format!("Restored '{}'.", x.name)),
        };
        let at = i.min(self.results.len());
        self.results.insert(at, x);
        self.slots.insert(at, slot);
        said
    }

    /// The shown experiments of `kind`, oldest first, each whole and apart
    /// (what a save writes: never merged under one id).
    pub fn shown_of(&self, kind: WorkloadKind) -> Vec<Experiment> {
        self.results.iter().enumerate().filter(|(i, x)| x.workload.name == kind && self.is_shown(*i)).map(|(_, x)| x.clone()).collect()
    }

    /// The experiment of `key`, if it is on the shelf.
    pub fn get(&self, key: Key) -> Option<&Experiment> {
        self.slots.iter().position(|s| s.key == key).map(|i| &self.results[i])
    }

    /// Each experiment's short, unique label: `#3`, and the CPU where it was
    /// measured on another machine.
    pub fn labels(&self, here: &MachineInfo) -> Vec<String> {
        self.results
            .iter()
            .enumerate()
            .map(|(i, x)| if x.machine.same_as(here) { format!("#{}", i + 1) } else { format!("#{} ({})", i + 1, x.machine.cpu_model) })
            .collect()
    }

    /// The shown experiments of `kind` with their labels and analyses, borrowed (this runs every frame).
    pub fn analysed<'a>(&'a self, labels: &'a [String], kind: WorkloadKind) -> Vec<crate::export::plot_data::Analysed<'a>> {
        self.results
            .iter()
            .zip(labels)
            .zip(&self.slots)
            .enumerate()
            .filter(|(i, ((r, _), _))| r.workload.name == kind && self.is_shown(*i))
            .map(|(_, ((r, l), s))| (l.as_str(), r, &s.analysis))
            .collect()
    }

    /// The latest experiment run for the lesson titled `lesson`, with its
    /// label and analysis, shown or hidden: a lesson view shows its own
    /// experiment and nothing else.
    pub fn of_lesson<'a>(&'a self, labels: &'a [String], lesson: &str) -> Option<(Key, crate::export::plot_data::Analysed<'a>)> {
        let i = self.results.iter().rposition(|x| x.lesson.as_deref() == Some(lesson))?;
        Some((self.slots[i].key, (labels.get(i)?.as_str(), &self.results[i], &self.slots[i].analysis)))
    }

    /// The shown experiments of `kind` with their labels, borrowed (this runs every frame).
    pub fn shown<'a>(&'a self, labels: &'a [String], kind: WorkloadKind) -> Vec<Labelled<'a>> {
        self.results
            .iter()
            .zip(labels)
            .enumerate()
            .filter(|(i, (r, _))| r.workload.name == kind && self.is_shown(*i))
            .map(|(_, (r, l))| (l.as_str(), r))
            .collect()
    }
}
