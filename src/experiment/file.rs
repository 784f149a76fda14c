//! An experiment on disk: JSON, written atomically (a temporary file beside
//! the target, flushed to disk, then renamed over it), so a reader, a crash
//! or `kill -9` at any moment finds either the previous file or the new one,
//! never half of one. Files of schema 1 (`scalescope-results/1`) still open.

use std::io::Write;
use std::path::Path;

use serde::Deserialize;
use thiserror::Error;

use super::{Asked, Baseline, Experiment, ExperimentId, RunRecord, SCHEMA, Status};
use crate::machine::MachineInfo;
use crate::workloads::WorkloadSpec;

/// Why an experiment could not be read or written.
#[derive(Debug, Error)]
pub enum FileError {
    /// The file could not be read or written.
    #[error("cannot access {path}: {error}")]
    Io {
        /// The file.
        path: String,
        /// Why, as the system said it (or as the reader found it: not a regular file, too large).
        #[source]
        error: std::io::Error,
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

/// The largest experiment file read (larger ones are named and left alone).
pub const MAX_FILE_BYTES: u64 = 256 << 20;

/// Writes `bytes` to `path` atomically: into a temporary file in the same
/// directory, flushed to disk, then renamed over `path`. On any error the
/// temporary file is removed and `path` is untouched. A new file gets the
/// usual mode less the umask (0600 under `umask 077`); a file it replaces
/// keeps its mode. The temporary file is named `.<name>.<pid>.<random>.tmp`,
/// so [`remove_stale_temps`] can tell one left by a process that is gone.
///
/// # Errors
/// [`FileError::Io`] naming `path`: a missing directory, no permission, a full disk.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), FileError> {
    let io = |e: std::io::Error| FileError::Io { path: path.display().to_string(), error: e };
    let tmp = temp_with(path, bytes).map_err(io)?;
    #[cfg(unix)]
    if let Ok(meta) = std::fs::metadata(path) {
        tmp.as_file().set_permissions(meta.permissions()).map_err(io)?;
    }
    tmp.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}

/// What [`create_new`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Created {
    /// The file was written.
    Written,
    /// A file was there already: nothing was written.
    Exists,
}

/// Writes `bytes` to `path` only if nothing is there, atomically and without
/// a race: two processes creating one path at once never both succeed.
///
/// # Errors
/// [`FileError::Io`] naming `path`.
pub fn create_new(path: &Path, bytes: &[u8]) -> Result<Created, FileError> {
    let io = |e: std::io::Error| FileError::Io { path: path.display().to_string(), error: e };
    let tmp = temp_with(path, bytes).map_err(io)?;
    match tmp.persist_noclobber(path) {
        Ok(_) => Ok(Created::Written),
        Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => Ok(Created::Exists),
        Err(e) => Err(io(e.error)),
    }
}

/// A temporary file beside `path` holding `bytes`, flushed to disk.
fn temp_with(path: &Path, bytes: &[u8]) -> std::io::Result<tempfile::NamedTempFile> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path.file_name().map_or_else(|| "scalescope".into(), |n| n.to_string_lossy().into_owned());
    let prefix = format!(".{name}.{}.", std::process::id());
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(TEMP_SUFFIX);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // Created with this mode less the umask, as `open(2)` would.
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut tmp = builder.tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    Ok(tmp)
}

const TEMP_SUFFIX: &str = ".tmp";

/// Removes the temporary files in `dir` that a write of this program left
/// when its process was killed (`kill -9`, a power cut): `.<name>.<pid>.<random>.tmp`
/// whose process is gone, and those of earlier builds (no pid) older than
/// ten minutes. With `name`, only the temporary files of that file. Returns
/// how many were removed.
pub fn remove_stale_temps(dir: &Path, name: Option<&str>) -> usize {
    let Ok(read) = std::fs::read_dir(dir) else { return 0 };
    let mut removed = 0;
    for entry in read.filter_map(Result::ok) {
        let file_name = entry.file_name();
        let Some(text) = file_name.to_str() else { continue };
        let Some((target, pid)) = parse_temp_name(text) else { continue };
        if name.is_some_and(|n| n != target) {
            continue;
        }
        let stale = match pid {
            Some(pid) => pid != std::process::id() && !Path::new("/proc").join(pid.to_string()).exists(),
            None => entry.metadata().and_then(|m| m.modified()).is_ok_and(|t| t.elapsed().is_ok_and(|age| age.as_secs() > 600)),
        };
        let regular = entry.file_type().is_ok_and(|t| t.is_file());
        if stale && regular && std::fs::remove_file(entry.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// `.<target>.<pid>.<random>.tmp` as (target, Some(pid)); `.<target>.<random>.tmp`
/// (earlier builds) as (target, None); anything else `None`.
fn parse_temp_name(text: &str) -> Option<(&str, Option<u32>)> {
    let inner = text.strip_prefix('.')?.strip_suffix(TEMP_SUFFIX)?;
    let (rest, random) = inner.rsplit_once('.')?;
    if random.is_empty() || !random.chars().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    match rest.rsplit_once('.') {
        Some((target, pid)) if !pid.is_empty() && pid.chars().all(|c| c.is_ascii_digit()) => Some((target, pid.parse().ok())),
        _ if rest.contains('.') => Some((rest, None)),
        _ => None,
    }
}

/// A results file of schema 1, as earlier builds wrote it.
#[derive(Deserialize)]
struct V1 {
    machine: MachineInfo,
    workload: WorkloadSpec,
    baseline: Baseline,
    runs: Vec<RunRecord>,
}

impl V1 {
    /// The experiment it records: complete, with what was asked read back from its runs.
    fn into_experiment(self, id: ExperimentId) -> Experiment {
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
            lesson: None,
            machine: self.machine,
            workload: self.workload,
            baseline: Some(self.baseline),
            runs: self.runs,
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
                let exp = v1.into_experiment(v1_id(path));
                exp.check_values().map_err(corrupt)?;
                Ok(exp)
            }
            SCHEMA => {
                let exp: Experiment = serde_json::from_value(value).map_err(|e| corrupt(e.to_string()))?;
                exp.check_values().map_err(corrupt)?;
                Ok(exp)
            }
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

    /// Reads an experiment (schema 1 or 2) from a path the person gave:
    /// a regular file of at most [`MAX_FILE_BYTES`] (a link is followed).
    ///
    /// # Errors
    /// [`FileError::Io`] (not a regular file, too large, unreadable) or [`FileError::Corrupt`].
    pub fn load(path: &Path) -> Result<Self, FileError> {
        Self::read(path, crate::untrusted::Links::Follow)
    }

    /// Reads an experiment from a regular file of at most [`MAX_FILE_BYTES`],
    /// following a symbolic link or not.
    ///
    /// # Errors
    /// See [`Experiment::load`].
    pub fn read(path: &Path, links: crate::untrusted::Links) -> Result<Self, FileError> {
        let p = path.display().to_string();
        let bytes = crate::untrusted::read_regular(path, MAX_FILE_BYTES, links).map_err(|e| FileError::Io { path: p.clone(), error: e })?;
        let text = String::from_utf8(bytes).map_err(|_| FileError::Corrupt { path: p.clone(), message: "not UTF-8 text".into() })?;
        Self::from_json(&text, &p)
    }

    /// Checks the measured values a file may hold against what a run can
    /// give: thread counts within the engine's bounds, times finite, not
    /// negative and under a year, speedups finite.
    ///
    /// # Errors
    /// The first value out of range, with its field: `runs[3].threads: 0 is not 1..=1024`.
    pub fn check_values(&self) -> Result<(), String> {
        check_baseline("baseline", self.baseline.as_ref())?;
        check_runs("runs", &self.runs)?;
        for (i, step) in self.weak.iter().flat_map(|w| w.steps.iter()).enumerate() {
            check_threads(&format!("weak.steps[{i}].threads"), step.threads)?;
            check_baseline(&format!("weak.steps[{i}].baseline"), step.baseline.as_ref())?;
            check_runs(&format!("weak.steps[{i}].runs"), &step.runs)?;
        }
        Ok(())
    }
}

/// The longest time a file may record: a year, in seconds.
const MAX_SECONDS: f64 = 366.0 * 24.0 * 3600.0;

fn check_seconds(field: &str, values: impl IntoIterator<Item = f64>) -> Result<(), String> {
    match values.into_iter().find(|s| !(0.0..=MAX_SECONDS).contains(s)) {
        Some(bad) => Err(format!("{field}: {bad:e} is not a time in seconds (0 to a year)")),
        None => Ok(()),
    }
}

fn check_threads(field: &str, threads: usize) -> Result<(), String> {
    if (1..=crate::engine::MAX_THREADS).contains(&threads) {
        Ok(())
    } else {
        Err(format!("{field}: {threads} is not a thread count (1..={})", crate::engine::MAX_THREADS))
    }
}

fn check_baseline(field: &str, baseline: Option<&Baseline>) -> Result<(), String> {
    baseline.map_or(Ok(()), |b| check_seconds(field, std::iter::once(b.median_s).chain(b.times_s.iter().copied())))
}

fn check_runs(field: &str, runs: &[RunRecord]) -> Result<(), String> {
    for (i, r) in runs.iter().enumerate() {
        check_threads(&format!("{field}[{i}].threads"), r.threads)?;
        check_seconds(&format!("{field}[{i}].times_s"), std::iter::once(r.median_s).chain(r.times_s.iter().copied()))?;
        if !(r.speedup.is_finite() && r.efficiency.is_finite()) {
            return Err(format!("{field}[{i}].speedup: not a finite number"));
        }
    }
    Ok(())
}

/// The id of a schema-1 file: `v1-` and its file stem, letters and digits
/// only (a fresh id where that is not an id).
fn v1_id(path: &str) -> ExperimentId {
    let stem = Path::new(path).file_stem().map_or_else(String::new, |s| s.to_string_lossy().into_owned());
    let clean: String = stem.chars().take(56).map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '-' }).collect();
    ExperimentId::parse(&format!("v1-{clean}")).unwrap_or_else(|_| ExperimentId::fresh(""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_names_carry_their_target_and_pid() {
        assert_eq!(parse_temp_name(".a.json.123.Xy7Q.tmp"), Some(("a.json", Some(123))));
        assert_eq!(parse_temp_name(".a.json.Xy7Qab.tmp"), Some(("a.json", None)));
        assert_eq!(parse_temp_name("a.json"), None);
        assert_eq!(parse_temp_name(".x.tmp"), None);
    }

    #[test]
    fn stale_temporary_files_are_removed_and_live_ones_kept() {
        let dir = tempfile::tempdir().expect("a scratch dir");
        let dead = dir.path().join(".a.json.4194303999.abcdef.tmp");
        let live = dir.path().join(format!(".a.json.{}.abcdef.tmp", std::process::id()));
        let other = dir.path().join(".b.json.4194303999.abcdef.tmp");
        for p in [&dead, &live, &other] {
            std::fs::write(p, b"x").expect("write");
        }
        assert_eq!(remove_stale_temps(dir.path(), Some("a.json")), 1);
        assert!(!dead.exists() && live.exists() && other.exists());
        assert_eq!(remove_stale_temps(dir.path(), None), 1);
        assert!(!other.exists());
    }

    #[cfg(unix)]
    #[test]
    fn a_new_file_honours_the_umask_and_a_replaced_one_keeps_its_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("a scratch dir");
        let new = dir.path().join("n.json");
        write_atomically(&new, b"{}").expect("write");
        let mode = std::fs::metadata(&new).expect("meta").permissions().mode() & 0o777;
        // Whatever this process's umask is, the file is never more open than 0666 less it.
        assert_eq!(mode & 0o111, 0, "{mode:o}");
        let kept = dir.path().join("k.json");
        std::fs::write(&kept, b"{}").expect("write");
        std::fs::set_permissions(&kept, std::fs::Permissions::from_mode(0o640)).expect("chmod");
        write_atomically(&kept, b"{\"a\":1}").expect("write");
        assert_eq!(std::fs::metadata(&kept).expect("meta").permissions().mode() & 0o777, 0o640);
    }

    #[test]
    fn create_new_never_overwrites() {
        let dir = tempfile::tempdir().expect("a scratch dir");
        let p = dir.path().join("x.json");
        assert_eq!(create_new(&p, b"first").expect("create"), Created::Written);
        assert_eq!(create_new(&p, b"second").expect("create"), Created::Exists);
        assert_eq!(std::fs::read(&p).expect("read"), b"first");
    }
}
