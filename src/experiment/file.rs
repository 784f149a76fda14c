//! An experiment on disk: JSON, written atomically (a temporary file beside
//! the target, flushed to disk, then renamed over it), so a reader, a crash
//! or `kill -9` at any moment finds either the previous file or the new one,
//! never half of one. Files of schema 1 (`scalescope-results/1`) still open.

use std::io::Write;
use std::path::Path;

use serde::Deserialize;
use thiserror::Error;

use super::{Asked, Baseline, Experiment, RunRecord, SCHEMA, Status};
use crate::machine::MachineInfo;
use crate::workloads::WorkloadSpec;

/// Why an experiment could not be read or written.
#[derive(Debug, Error)]
pub enum FileError {
    /// The file could not be read or written.
    #[error("cannot access {path}: {message}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        message: String,
    },
    /// Not an experiment file.
    #[error("{path} is not a scalescope results file: {message}")]
    Corrupt {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
}

/// Writes `bytes` to `path` atomically: into a temporary file in the same
/// directory, flushed to disk, then renamed over `path`. On any error the
/// temporary file is removed and `path` is untouched.
///
/// # Errors
/// [`FileError::Io`] naming `path`: a missing directory, no permission, a full disk.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), FileError> {
    let io = |e: std::io::Error| FileError::Io { path: path.display().to_string(), message: e.to_string() };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path.file_name().map_or_else(|| "scalescope".into(), |n| n.to_string_lossy().into_owned());
    let mut tmp = tempfile::Builder::new().prefix(&format!(".{name}.")).suffix(".tmp").tempfile_in(dir).map_err(io)?;
    tmp.write_all(bytes).map_err(io)?;
    // A temporary file is private (0600); the file it replaces keeps its
    // permissions, a new one gets the usual 0644.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).map_or(0o644, |m| m.permissions().mode());
        tmp.as_file().set_permissions(std::fs::Permissions::from_mode(mode)).map_err(io)?;
    }
    tmp.as_file().sync_all().map_err(io)?;
    tmp.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}

/// A results file of schema 1, as earlier builds wrote it.
#[derive(Deserialize)]
struct V1 {
    machine: MachineInfo,
    workload: WorkloadSpec,
    baseline: Baseline,
    runs: Vec<RunRecord>,
    #[serde(default)]
    fits: Vec<crate::metrics::analysis::FitRecord>,
}

impl V1 {
    /// The experiment it records: complete, with what was asked read back from its runs.
    fn into_experiment(self, id: String) -> Experiment {
        fn distinct<T: PartialEq>(items: impl Iterator<Item = T>) -> Vec<T> {
            let mut out = Vec::new();
            for x in items {
                if !out.contains(&x) {
                    out.push(x);
                }
            }
            out
        }
        let asked = Asked {
            feeders: distinct(self.runs.iter().map(|r| r.feeder)),
            threads: distinct(self.runs.iter().filter_map(|r| crate::engine::Threads::new(r.threads).ok())),
            chunks: distinct(self.runs.iter().map(|r| r.chunk_size)),
            gil: distinct(self.runs.iter().map(|r| r.gil)),
            variants: distinct(self.runs.iter().filter_map(|r| r.variant)),
            reps: self.runs.iter().map(|r| r.times_s.len()).max().unwrap_or(self.baseline.times_s.len()),
            warmup: 0,
            spans: self.runs.iter().any(|r| !r.spans.is_empty()),
            weak: false,
        };
        Experiment {
            schema: SCHEMA.into(),
            name: format!("{} (schema 1)", self.workload.name),
            id,
            created: String::new(),
            status: Status::Complete,
            asked,
            machine: self.machine,
            workload: self.workload,
            baseline: Some(self.baseline),
            runs: self.runs,
            fits: self.fits,
            what_if: Vec::new(),
            what_if_check: Vec::new(),
            weak: None,
            bandwidth: None,
        }
    }
}

impl Experiment {
    /// The JSON text.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }

    /// Parses an experiment of schema 2, or a results file of schema 1
    /// (which becomes a complete experiment with an id made from `path`).
    ///
    /// # Errors
    /// [`FileError::Corrupt`] when it is neither.
    pub fn from_json(text: &str, path: &str) -> Result<Self, FileError> {
        let corrupt = |message: String| FileError::Corrupt { path: path.into(), message };
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| corrupt(e.to_string()))?;
        let schema = value.get("schema").and_then(serde_json::Value::as_str).unwrap_or("scalescope-results/1");
        match schema {
            "scalescope-results/1" => {
                let v1: V1 = serde_json::from_value(value).map_err(|e| corrupt(e.to_string()))?;
                Ok(v1.into_experiment(v1_id(path)))
            }
            SCHEMA => serde_json::from_value(value).map_err(|e| corrupt(e.to_string())),
            other => Err(corrupt(format!("unknown schema '{other}' (this build reads scalescope-results/1 and {SCHEMA})"))),
        }
    }

    /// Writes the experiment to `path` atomically ([`write_atomically`]).
    ///
    /// # Errors
    /// [`FileError::Io`].
    pub fn save(&self, path: &Path) -> Result<(), FileError> {
        write_atomically(path, self.to_json().as_bytes())
    }

    /// Reads an experiment (schema 1 or 2).
    ///
    /// # Errors
    /// [`FileError::Io`] or [`FileError::Corrupt`].
    pub fn load(path: &Path) -> Result<Self, FileError> {
        let p = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| FileError::Io { path: p.clone(), message: e.to_string() })?;
        let text = String::from_utf8(bytes).map_err(|_| FileError::Corrupt { path: p.clone(), message: "not UTF-8 text".into() })?;
        Self::from_json(&text, &p)
    }
}

/// The id of a schema-1 file: `v1-` and its file stem, letters and digits only.
fn v1_id(path: &str) -> String {
    let stem = Path::new(path).file_stem().map_or_else(String::new, |s| s.to_string_lossy().into_owned());
    let clean: String = stem.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '-' }).collect();
    format!("v1-{clean}")
}
