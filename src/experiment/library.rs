//! The experiments library: every experiment the app or the CLI measured,
//! one JSON file each (`<id>.json`), in the platform's data directory
//! (`$XDG_DATA_HOME/scalescope/experiments` on Linux), or in
//! `$SCALESCOPE_DATA_DIR/experiments` when that is set.
//!
//! Its files may come from anyone (`import`, a copy dropped in the folder),
//! so the library trusts nothing in them:
//! - a file name is derived from a checked [`ExperimentId`] by the library
//!   alone; nothing read from a file becomes a path;
//! - an experiment is addressed by its file: two files with one id (a backup
//!   copy) are two entries, and each is renamed or deleted on its own;
//! - only regular files of at most [`MAX_FILE_BYTES`] are read, links are
//!   not followed, and every file that cannot be read is listed with why;
//! - a new file is created only if its name is free (no check-then-write),
//!   so two processes importing one id at once keep both.

use std::io::BufReader;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::file::{Created, MAX_FILE_BYTES, create_new, remove_stale_temps};
use super::{Experiment, ExperimentId, FileError, Status};
use crate::machine::MachineInfo;
use crate::untrusted::{Links, escape, escape_path, open_regular};
use crate::workloads::WorkloadSpec;

/// Where experiments are kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Library {
    dir: PathBuf,
}

/// One file of [`Library::list`].
#[derive(Debug)]
pub struct Entry {
    /// The file.
    pub path: PathBuf,
    /// The experiment, or why it could not be read.
    pub experiment: Result<Experiment, FileError>,
}

/// What `scalescope list` shows of an experiment, read without parsing its runs.
#[derive(Clone, Debug, Deserialize)]
pub struct Header {
    /// Its schema.
    #[serde(default)]
    pub schema: String,
    /// Its id.
    pub id: ExperimentId,
    /// Its name.
    pub name: String,
    /// When it started.
    #[serde(default)]
    pub created: String,
    /// How it ended.
    pub status: Status,
    /// Where it was measured.
    pub machine: MachineInfo,
    /// What was measured.
    pub workload: WorkloadSpec,
}

/// One file of [`Library::headers`].
#[derive(Debug)]
pub struct Listed {
    /// The file.
    pub path: PathBuf,
    /// Its header, or why it could not be read.
    pub header: Result<Header, FileError>,
}

/// What [`Library::import`] did.
#[derive(Debug)]
pub struct Imported {
    /// The experiment as kept (its id may be new).
    pub experiment: Experiment,
    /// Its file in the library.
    pub path: PathBuf,
    /// What changed on the way in, for people: a new id and why; `None` when kept as it was.
    pub note: Option<String>,
    /// Whether the very same experiment was there already (nothing written).
    pub already: bool,
}

/// The environment variable that moves the library (tests, scripts).
pub const DATA_DIR_VAR: &str = "SCALESCOPE_DATA_DIR";

fn io_error(path: &Path, error: std::io::Error) -> FileError {
    FileError::Io { path: path.display().to_string(), error }
}

/// An error the library found itself (not the system), as an I/O error naming `path`.
fn refused(path: &Path, why: String) -> FileError {
    io_error(path, std::io::Error::other(why))
}

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
            error: std::io::Error::other(format!("no home directory found; set {DATA_DIR_VAR}")),
        })?;
        Ok(Library::at(dirs.data_dir().join("experiments")))
    }

    /// Its folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file the library keeps experiment `id` in.
    pub fn path_of(&self, id: &ExperimentId) -> PathBuf {
        self.dir.join(id.file_name())
    }

    /// Creates the folder if needed and checks that a file can be written in
    /// it (before anything is measured: read-only, a full disk, not a
    /// folder); removes temporary files that a killed process left there.
    ///
    /// # Errors
    /// The folder cannot be created, is not a folder, or cannot be written.
    pub fn ensure_writable(&self) -> Result<(), FileError> {
        std::fs::create_dir_all(&self.dir).map_err(|e| io_error(&self.dir, e))?;
        // A few KiB written through to the disk, so a full disk shows now too.
        let probe = || -> std::io::Result<()> {
            use std::io::Write;
            let mut f = tempfile::Builder::new().prefix(".scalescope-check.").tempfile_in(&self.dir)?;
            f.write_all(&[0u8; 64 << 10])?;
            f.as_file().sync_data()
        };
        probe().map_err(|e| io_error(&self.dir, e))?;
        remove_stale_temps(&self.dir, None);
        Ok(())
    }

    /// Writes `exp` to a new file, never over another: when its id's file is
    /// taken, the experiment gets a fresh id. Returns the file.
    ///
    /// # Errors
    /// [`FileError::Io`].
    pub fn create(&self, exp: &mut Experiment) -> Result<PathBuf, FileError> {
        std::fs::create_dir_all(&self.dir).map_err(|e| io_error(&self.dir, e))?;
        for _ in 0..16 {
            let path = self.path_of(&exp.id);
            if create_new(&path, exp.to_json().as_bytes())? == Created::Written {
                return Ok(path);
            }
            exp.id = ExperimentId::fresh(&exp.created);
        }
        Err(refused(&self.dir, "no free file name after 16 fresh ids".into()))
    }

    /// Writes `exp` over the library's file `path` (atomically): a rename,
    /// an undo, the next measurement of a running experiment.
    ///
    /// # Errors
    /// `path` is not a file of this library, or it cannot be written.
    pub fn write(&self, path: &Path, exp: &Experiment) -> Result<(), FileError> {
        self.check_own(path)?;
        super::write_atomically(path, exp.to_json().as_bytes())
    }

    /// Puts a deleted experiment back in its file `path` when that is still
    /// free, else in a new file ([`Self::create`]). Returns the file.
    ///
    /// # Errors
    /// `path` is not a file of this library, or nothing can be written.
    pub fn restore(&self, path: Option<&Path>, exp: &mut Experiment) -> Result<PathBuf, FileError> {
        if let Some(path) = path {
            self.check_own(path)?;
            if create_new(path, exp.to_json().as_bytes())? == Created::Written {
                return Ok(path.to_path_buf());
            }
        }
        self.create(exp)
    }

    /// Removes the library's file `path`.
    ///
    /// # Errors
    /// `path` is not a file of this library, or it cannot be removed.
    pub fn delete(&self, path: &Path) -> Result<(), FileError> {
        self.check_own(path)?;
        std::fs::remove_file(path).map_err(|e| io_error(path, e))
    }

    /// Refuses a path that is not a visible `.json` file directly in the folder.
    fn check_own(&self, path: &Path) -> Result<(), FileError> {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let inside = path.parent() == Some(self.dir.as_path()) && name.ends_with(".json") && !name.starts_with('.');
        if inside { Ok(()) } else { Err(refused(path, format!("not a file of the library {}", escape_path(&self.dir)))) }
    }

    /// The library's `.json` files, by name; `Ok(empty)` when the folder does
    /// not exist yet.
    ///
    /// # Errors
    /// The folder exists but cannot be read, or is not a folder.
    fn files(&self) -> Result<Vec<PathBuf>, FileError> {
        let read = match std::fs::read_dir(&self.dir) {
            Ok(r) => r,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(refused(&self.dir, format!("the experiments library cannot be read: {e}"))),
        };
        let mut files: Vec<PathBuf> = read
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json") && !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.')))
            .collect();
        files.sort();
        Ok(files)
    }

    /// Every experiment, oldest first (by creation time, then id), each
    /// with its file. Files that cannot be read are listed with their error.
    ///
    /// # Errors
    /// The folder cannot be read.
    pub fn list(&self) -> Result<Vec<Entry>, FileError> {
        let mut entries: Vec<Entry> =
            self.files()?.into_iter().map(|path| Entry { experiment: Experiment::read(&path, Links::Refuse), path }).collect();
        entries.sort_by_key(|e| match &e.experiment {
            Ok(x) => (false, x.created.clone(), x.id.to_string()),
            Err(_) => (true, String::new(), e.path.display().to_string()),
        });
        Ok(entries)
    }

    /// The experiments that read back, oldest first (none where the folder cannot be read).
    pub fn experiments(&self) -> Vec<Experiment> {
        self.list().unwrap_or_default().into_iter().filter_map(|e| e.experiment.ok()).collect()
    }

    /// Every experiment's header, oldest first: what `list` shows, read
    /// without holding a file's runs in memory.
    ///
    /// # Errors
    /// The folder cannot be read.
    pub fn headers(&self) -> Result<Vec<Listed>, FileError> {
        let mut listed: Vec<Listed> = self.files()?.into_iter().map(|path| Listed { header: read_header(&path), path }).collect();
        listed.sort_by_key(|e| match &e.header {
            Ok(h) => (false, h.created.clone(), h.id.to_string()),
            Err(_) => (true, String::new(), e.path.display().to_string()),
        });
        Ok(listed)
    }

    /// The one experiment whose id is `id` or starts with it, and its file.
    ///
    /// # Errors
    /// `id` is not an id, none or several match (the message lists them), or it cannot be read.
    pub fn find(&self, id: &str) -> Result<(PathBuf, Experiment), String> {
        if let (false, Err(e)) = (id.is_empty(), ExperimentId::parse(id)) {
            return Err(e.to_string());
        }
        let listed = self.headers().map_err(|e| e.to_string())?;
        let exact: Vec<&Listed> = listed.iter().filter(|l| l.header.as_ref().is_ok_and(|h| h.id == *id)).collect();
        let matches: Vec<&Listed> = if exact.is_empty() {
            listed.iter().filter(|l| l.header.as_ref().is_ok_and(|h| !id.is_empty() && h.id.as_str().starts_with(id))).collect()
        } else {
            exact
        };
        match matches[..] {
            [one] => Experiment::read(&one.path, Links::Refuse).map(|x| (one.path.clone(), x)).map_err(|e| e.to_string()),
            [] => Err(format!("no experiment '{}' in {} (see 'scalescope list')", escape(id), escape_path(&self.dir))),
            _ => {
                let files: Vec<String> = matches.iter().map(|l| escape_path(&l.path)).collect();
                Err(format!("'{}' matches several experiments: {}", escape(id), files.join(", ")))
            }
        }
    }

    /// Copies the experiment in `path` (schema 1 or 2, from any machine)
    /// into the library. An invalid id is replaced by a fresh one; an
    /// experiment already there under the same id is left alone if equal, and
    /// a different one gets a fresh id. Never writes over a file.
    ///
    /// # Errors
    /// The file is not an experiment (or not a regular file, or too large), or
    /// the library cannot be written.
    pub fn import(&self, path: &Path) -> Result<Imported, FileError> {
        let (exp, note) = read_untrusted(path)?;
        self.keep(exp, note)
    }

    /// Copies an experiment built elsewhere (a hyperfine scan, see
    /// [`super::hyperfine`]) into the library as [`Self::import`] does: left
    /// alone if the very same one is there under its id, given a fresh id
    /// if another holds it. Never writes over a file.
    ///
    /// # Errors
    /// Its measured values are out of bounds, or the library cannot be written.
    pub fn import_built(&self, exp: Experiment) -> Result<Imported, FileError> {
        exp.check_values().map_err(|message| FileError::Corrupt { path: exp.name.clone(), message })?;
        self.keep(exp, None)
    }

    /// Keeps `exp` (read or built), with `note` on what changed on the way in.
    fn keep(&self, mut exp: Experiment, mut note: Option<String>) -> Result<Imported, FileError> {
        let existing = self.path_of(&exp.id);
        if Experiment::read(&existing, Links::Refuse).is_ok_and(|x| x == exp) {
            return Ok(Imported { experiment: exp, path: existing, note, already: true });
        }
        let asked = exp.id.clone();
        exp.schema = super::SCHEMA.into();
        let written = self.create(&mut exp)?;
        if exp.id != asked && note.is_none() {
            note = Some(format!("its id {asked} is taken by another experiment here, so it is kept as {}", exp.id));
        }
        Ok(Imported { experiment: exp, path: written, note, already: false })
    }
}

/// Reads an experiment from anyone: a file whose id is not a valid id is
/// read with a fresh one, and the note says so.
fn read_untrusted(path: &Path) -> Result<(Experiment, Option<String>), FileError> {
    match Experiment::load(path) {
        Err(FileError::Corrupt { message, .. }) if message.contains("not an experiment id") => {
            let p = path.display().to_string();
            let bytes = crate::untrusted::read_regular(path, MAX_FILE_BYTES, Links::Follow).map_err(|e| io_error(path, e))?;
            let mut value: serde_json::Value =
                serde_json::from_slice(&bytes).map_err(|e| FileError::Corrupt { path: p.clone(), message: e.to_string() })?;
            let bad = value.get("id").map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string)).unwrap_or_default();
            let fresh = ExperimentId::fresh(value.get("created").and_then(serde_json::Value::as_str).unwrap_or(""));
            value["id"] = serde_json::Value::String(fresh.to_string());
            let exp = Experiment::from_json(&value.to_string(), &p)?;
            let bad: String = bad.chars().take(80).collect();
            Ok((exp, Some(format!("its id '{}' is not a valid experiment id, so it is kept as {fresh}", escape(&bad)))))
        }
        other => other.map(|x| (x, None)),
    }
}

/// The header of the library file `path`, streamed (the runs are skipped, not kept).
fn read_header(path: &Path) -> Result<Header, FileError> {
    let (file, _) = open_regular(path, MAX_FILE_BYTES, Links::Refuse).map_err(|e| io_error(path, e))?;
    match serde_json::from_reader::<_, Header>(BufReader::with_capacity(1 << 16, file)) {
        Ok(h) if h.schema == super::SCHEMA => Ok(h),
        // Another schema (schema 1 has no id), or trouble: read it whole for the full story.
        _ => Experiment::read(path, Links::Refuse).map(|x| Header {
            schema: x.schema,
            id: x.id,
            name: x.name,
            created: x.created,
            status: x.status,
            machine: x.machine,
            workload: x.workload,
        }),
    }
}
