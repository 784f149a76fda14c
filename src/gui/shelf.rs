//! The app's experiments: the library's, this session's and the files
//! opened, which of them the plots show, and the edits (rename, delete,
//! undo) that go through to the library.
//!
//! Every operation answers with the line to show the person: `Ok` news or
//! `Err` trouble.

use std::collections::BTreeSet;
use std::path::Path;

use super::panels::experiments::Renaming;
use super::plot_data::Labelled;
use crate::experiment::{Experiment, Library};
use crate::machine::MachineInfo;
use crate::metrics::analysis::analyse;
use crate::workloads::WorkloadKind;

/// The experiments and what the plots show of them.
#[derive(Default)]
pub struct Shelf {
    /// Every experiment, in the order they came.
    pub results: Vec<Experiment>,
    /// Ids of the experiments hidden from the plots.
    pub hidden: BTreeSet<String>,
    /// The experiment being renamed, and the text typed.
    pub renaming: Renaming,
    /// The experiment deleted last and where it was, for Undo.
    pub trash: Option<(usize, Experiment)>,
    /// The library every experiment is saved to (none in tests).
    pub library: Option<Library>,
}

/// What an answer says: news or trouble.
pub type Said = Result<String, String>;

impl Shelf {
    /// Every experiment in `library`, reopened; and what to tell the person.
    pub fn reopen(library: Library) -> (Shelf, Option<String>) {
        let mut shelf = Shelf::default();
        let mut unreadable = 0;
        for entry in library.list() {
            match entry.experiment {
                Ok(mut x) => {
                    if x.runs.iter().any(|r| r.diagnosis.is_none()) {
                        analyse(&mut x);
                    }
                    shelf.results.push(x);
                }
                Err(_) => unreadable += 1,
            }
        }
        let n = shelf.results.len();
        let news = (n > 0 || unreadable > 0).then(|| {
            let skipped = if unreadable > 0 { format!(" ({unreadable} unreadable files left alone)") } else { String::new() };
            let word = if n == 1 { "experiment" } else { "experiments" };
            format!("Reopened {n} {word} from {}{skipped}", library.dir().display())
        });
        shelf.library = Some(library);
        (shelf, news)
    }

    /// Adds a finished experiment (already saved by its job).
    pub fn add(&mut self, mut x: Experiment) {
        analyse(&mut x);
        self.results.push(x);
    }

    /// Opens a results file (from this or another machine), imports it into
    /// the library and adds it, unless the very same is listed already.
    pub fn open(&mut self, path: &Path) -> Said {
        let mut file = Experiment::load(path).map_err(|e| e.to_string())?;
        if file.fits.is_empty() || file.runs.iter().any(|r| r.diagnosis.is_none()) {
            analyse(&mut file);
        }
        let name = path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
        // Kept in the library, so it is there at the next launch too.
        if let Some(lib) = &self.library
            && let Ok(imported) = lib.import(path)
        {
            file.id = imported.id;
        }
        if self.results.iter().any(|x| x.id == file.id && *x == file) {
            return Ok(format!("{name} is already in the list."));
        }
        let news = format!(
            "Opened {name} as #{}: {} runs of {} measured on {}",
            self.results.len() + 1,
            file.runs.len(),
            file.workload.name,
            file.machine.describe()
        );
        self.results.push(file);
        Ok(news)
    }

    /// Shows or hides experiment `id` on the plots.
    pub fn set_shown(&mut self, id: String, shown: bool) {
        if shown {
            self.hidden.remove(&id);
        } else {
            self.hidden.insert(id);
        }
    }

    /// Hides every experiment from the plots.
    pub fn hide_all(&mut self) -> String {
        self.hidden = self.results.iter().map(|x| x.id.clone()).collect();
        "Hid every experiment from the plots; the Experiments tab still lists them.".into()
    }

    /// Renames experiment `id` and saves it to the library.
    pub fn rename(&mut self, id: &str, name: String) -> Said {
        if name.trim().is_empty() {
            return Err("A name cannot be empty.".into());
        }
        let Some(x) = self.results.iter_mut().find(|x| x.id == id) else { return Err(format!("No experiment {id}.")) };
        x.name = name;
        if let Some(Err(e)) = self.library.as_ref().map(|lib| lib.save(x)) {
            return Err(format!("Renamed here, but not in the library: {e}"));
        }
        Ok(format!("Renamed to '{}'.", x.name))
    }

    /// Deletes experiment `id` from the list and the library; [`Self::undo_delete`] brings it back.
    pub fn delete(&mut self, id: &str) -> Said {
        let Some(i) = self.results.iter().position(|x| x.id == id) else { return Err(format!("No experiment {id}.")) };
        let x = self.results.remove(i);
        let said = match &self.library {
            Some(lib) if lib.path_of(&x.id).exists() => match lib.delete(&x.id) {
                Ok(()) => Ok(format!("Deleted '{}'. Undo brings it back.", x.name)),
                Err(e) => Err(format!("Removed from the list, but not from the library: {e}")),
            },
            _ => Ok(format!("Deleted '{}'. Undo brings it back.", x.name)),
        };
        self.trash = Some((i, x));
        said
    }

    /// Restores the experiment deleted last, where it was, and to the library.
    pub fn undo_delete(&mut self) -> Said {
        let Some((i, x)) = self.trash.take() else { return Err("Nothing to undo.".into()) };
        let said = match self.library.as_ref().map(|lib| lib.save(&x)) {
            Some(Err(e)) => Err(format!("Restored here, but not in the library: {e}")),
            _ => Ok(format!("Restored '{}'.", x.name)),
        };
        self.results.insert(i.min(self.results.len()), x);
        said
    }

    /// The shown experiments of `kind`, merged into one (each run keeps the
    /// speedup measured against its own reference): what Save writes.
    pub fn merged(&self, kind: WorkloadKind) -> Option<Experiment> {
        let latest = self.results.iter().rev().find(|r| r.workload.name == kind && !self.hidden.contains(&r.id))?;
        let mut merged = latest.clone();
        merged.runs = self
            .results
            .iter()
            .filter(|r| r.workload == latest.workload && !self.hidden.contains(&r.id))
            .flat_map(|r| r.runs.clone())
            .collect();
        Some(merged)
    }

    /// Each experiment's short, unique label: `#3`, and the CPU where it was
    /// measured on another machine.
    pub fn labels(&self, here: &MachineInfo) -> Vec<String> {
        self.results
            .iter()
            .enumerate()
            .map(|(i, x)| if x.machine == *here { format!("#{}", i + 1) } else { format!("#{} ({})", i + 1, x.machine.cpu_model) })
            .collect()
    }

    /// The shown experiments of `kind` with their labels, borrowed (this runs every frame).
    pub fn shown<'a>(&'a self, labels: &'a [String], kind: WorkloadKind) -> Vec<Labelled<'a>> {
        self.results
            .iter()
            .zip(labels)
            .filter(|(r, _)| r.workload.name == kind && !self.hidden.contains(&r.id))
            .map(|(r, l)| (l.as_str(), r))
            .collect()
    }
}
