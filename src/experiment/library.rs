//! The experiments library: every experiment the app or the CLI measured,
//! one JSON file each (`<id>.json`), in the platform's data directory
//! (`$XDG_DATA_HOME/scalescope/experiments` on Linux), or in
//! `$SCALESCOPE_DATA_DIR/experiments` when that is set.
//!
//! Two processes may write at once: each experiment has its own file, ids
//! carry 32 random bits, and every write is atomic, so neither can lose or
//! corrupt the other's.

use std::path::{Path, PathBuf};

use super::{Experiment, FileError};

/// Where experiments are kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Library {
    dir: PathBuf,
}

/// One entry of [`Library::list`].
#[derive(Debug)]
pub struct Entry {
    /// The file.
    pub path: PathBuf,
    /// The experiment, or why it could not be read.
    pub experiment: Result<Experiment, FileError>,
}

/// The environment variable that moves the library (tests, scripts).
pub const DATA_DIR_VAR: &str = "SCALESCOPE_DATA_DIR";

impl Library {
    /// The library in `dir` (created when first written).
    pub fn at(dir: impl Into<PathBuf>) -> Self {
        Library { dir: dir.into() }
    }

    /// The user's library: `$SCALESCOPE_DATA_DIR/experiments`, else the
    /// platform's data directory.
    ///
    /// # Errors
    /// No home directory to put it in.
    pub fn default_location() -> Result<Self, FileError> {
        if let Some(dir) = std::env::var_os(DATA_DIR_VAR).filter(|d| !d.is_empty()) {
            return Ok(Library::at(PathBuf::from(dir).join("experiments")));
        }
        let dirs = directories::ProjectDirs::from("org", "scalescope", "scalescope").ok_or_else(|| FileError::Io {
            path: "the data directory".into(),
            message: format!("no home directory found; set {DATA_DIR_VAR}"),
        })?;
        Ok(Library::at(dirs.data_dir().join("experiments")))
    }

    /// Its folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file of experiment `id`.
    pub fn path_of(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.json"))
    }

    /// Writes `exp` (atomically), creating the folder if needed.
    ///
    /// # Errors
    /// [`FileError::Io`].
    pub fn save(&self, exp: &Experiment) -> Result<PathBuf, FileError> {
        std::fs::create_dir_all(&self.dir).map_err(|e| FileError::Io { path: self.dir.display().to_string(), message: e.to_string() })?;
        let path = self.path_of(&exp.id);
        exp.save(&path)?;
        Ok(path)
    }

    /// Every experiment, oldest first (by creation time, then id). Files that
    /// cannot be read are listed with their error; temporary files are not.
    pub fn list(&self) -> Vec<Entry> {
        let Ok(read) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut entries: Vec<Entry> = read
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json") && !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.')))
            .map(|path| Entry { experiment: Experiment::load(&path), path })
            .collect();
        let key = |e: &Entry| match &e.experiment {
            Ok(x) => (x.created.clone(), x.id.clone()),
            Err(_) => (String::new(), e.path.display().to_string()),
        };
        entries.sort_by_key(key);
        entries
    }

    /// The experiments that read back, oldest first.
    pub fn experiments(&self) -> Vec<Experiment> {
        self.list().into_iter().filter_map(|e| e.experiment.ok()).collect()
    }

    /// The one experiment whose id is `id` or starts with it.
    ///
    /// # Errors
    /// None or several match (the message lists them), or it cannot be read.
    pub fn find(&self, id: &str) -> Result<Experiment, String> {
        let exact = self.path_of(id);
        if exact.is_file() {
            return Experiment::load(&exact).map_err(|e| e.to_string());
        }
        let matches: Vec<Experiment> = self.experiments().into_iter().filter(|x| x.id.starts_with(id)).collect();
        match matches.len() {
            1 => Ok(matches.into_iter().next().expect("one match")),
            0 => Err(format!("no experiment '{id}' in {} (see 'scalescope list')", self.dir.display())),
            _ => {
                let ids: Vec<&str> = matches.iter().map(|x| x.id.as_str()).collect();
                Err(format!("'{id}' matches several experiments: {}", ids.join(", ")))
            }
        }
    }

    /// Copies the experiment in `path` (schema 1 or 2, from any machine)
    /// into the library. An experiment already there under the same id is
    /// left alone if equal; a different one gets a fresh id.
    ///
    /// # Errors
    /// The file is not an experiment, or the library cannot be written.
    pub fn import(&self, path: &Path) -> Result<Experiment, FileError> {
        let mut exp = Experiment::load(path)?;
        let existing = self.path_of(&exp.id);
        if existing.exists() {
            if Experiment::load(&existing).is_ok_and(|x| x == exp) {
                return Ok(exp);
            }
            exp.id = format!("{}-{}", exp.id, std::process::id());
        }
        exp.schema = super::SCHEMA.into();
        self.save(&exp)?;
        Ok(exp)
    }

    /// Removes experiment `id`'s file.
    ///
    /// # Errors
    /// It cannot be removed.
    pub fn delete(&self, id: &str) -> Result<(), FileError> {
        let path = self.path_of(id);
        std::fs::remove_file(&path).map_err(|e| FileError::Io { path: path.display().to_string(), message: e.to_string() })
    }
}
