//! Output paths, checked before anything is measured: a results file may only
//! go where it can be written and where it destroys nothing the user had.

use std::path::{Path, PathBuf};

use thiserror::Error;

/// What kind of file an output is (what an existing file there must be).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputKind {
    /// An experiment (JSON).
    Json,
    /// The CSV view.
    Csv,
    /// A picture of the plots.
    Png,
    /// Extra-P's text input.
    Extrap,
}

/// An output the user asked for: the flag that named it and the path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Output {
    /// The flag as typed (`--json`), for messages.
    pub flag: &'static str,
    /// The path as typed.
    pub path: PathBuf,
    /// What goes there.
    pub kind: OutputKind,
}

/// Why an output path was refused. Every message names the flag and the path.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("{flag} {path}: {reason}")]
pub struct OutputError {
    /// The flag.
    pub flag: &'static str,
    /// The path as typed.
    pub path: String,
    /// Why.
    pub reason: String,
}

/// Checks every output before a run: each path must be a file (not a
/// directory, FIFO or device) in an existing, writable directory; no two
/// outputs and no input may be the same file; an existing file is
/// overwritten only if it is a scalescope results file of the same kind, or
/// with `force`; a read-only file never.
///
/// # Errors
/// The first output refused.
pub fn check(outputs: &[Output], inputs: &[&Path], force: bool) -> Result<(), OutputError> {
    let mut seen: Vec<(PathBuf, &Output)> = Vec::new();
    let inputs: Vec<PathBuf> = inputs.iter().map(|p| identity(p)).collect();
    for out in outputs {
        let fail = |reason: String| OutputError { flag: out.flag, path: out.path.display().to_string(), reason };
        check_one(out, force).map_err(fail)?;
        let id = identity(&out.path);
        if let Some((_, other)) = seen.iter().find(|(p, _)| *p == id) {
            return Err(fail(format!("the same file as {} {}", other.flag, other.path.display())));
        }
        if inputs.contains(&id) {
            return Err(fail("is the input file of this run; it would be destroyed".into()));
        }
        seen.push((id, out));
    }
    Ok(())
}

fn check_one(out: &Output, force: bool) -> Result<(), String> {
    let path = &out.path;
    if path.as_os_str().is_empty() {
        return Err("an empty path".into());
    }
    if path.as_os_str().to_string_lossy().ends_with('/') || path.is_dir() {
        return Err("is a directory; name a file in it".into());
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !dir.exists() {
        return Err(format!("the directory {} does not exist", dir.display()));
    }
    if !dir.is_dir() {
        return Err(format!("{} is not a directory", dir.display()));
    }
    if let Ok(meta) = std::fs::metadata(path) {
        if !meta.is_file() {
            return Err("exists and is not a regular file (a FIFO or a device?)".into());
        }
        if meta.permissions().readonly() {
            return Err("is read-only".into());
        }
        if !force && !is_ours(path, out.kind) {
            let what = match out.kind {
                OutputKind::Json => "a scalescope results",
                OutputKind::Csv => "a scalescope CSV",
                OutputKind::Png => "a PNG",
                OutputKind::Extrap => "an Extra-P input",
            };
            let hint = if out.flag.starts_with("--") { " (pass --force to overwrite it)" } else { "" };
            return Err(format!("exists and is not {what} file; it would be destroyed{hint}"));
        }
    }
    // A write there goes through a temporary file in the same directory.
    tempfile::Builder::new()
        .prefix(".scalescope-check.")
        .tempfile_in(&dir)
        .map(drop)
        .map_err(|e| format!("cannot write in {}: {e}", dir.display()))
}

/// Whether the existing file at `path` is a results file of `kind` (or empty).
fn is_ours(path: &Path, kind: OutputKind) -> bool {
    if std::fs::metadata(path).is_ok_and(|m| m.len() == 0) {
        return true;
    }
    match kind {
        OutputKind::Json => crate::experiment::Experiment::load(path).is_ok(),
        OutputKind::Csv => {
            use std::io::Read;
            let mut head = [0u8; 16];
            let n = std::fs::File::open(path).and_then(|mut f| f.read(&mut head)).unwrap_or(0);
            let ours = |header: &str| header.as_bytes().starts_with(&head[..n]);
            n == head.len() && (ours(crate::export::csv::HEADER) || ours(crate::export::csv::LEGACY_HEADER))
        }
        OutputKind::Extrap => {
            use std::io::Read;
            let mut head = [0u8; 12];
            std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut head)).is_ok() && head == *b"PARAMETER p\n"
        }
        OutputKind::Png => {
            use std::io::Read;
            let mut head = [0u8; 8];
            std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut head)).is_ok() && head == *b"\x89PNG\r\n\x1a\n"
        }
    }
}

/// A path's identity for comparison: its directory resolved, then its name.
fn identity(path: &Path) -> PathBuf {
    if let Ok(p) = std::fs::canonicalize(path) {
        return p;
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    path.file_name().map_or(dir.clone(), |n| dir.join(n))
}
