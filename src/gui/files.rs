//! The files the app reads and writes. Each action has its own typed path
//! (or a file dialog); a save never destroys a file that is not of its kind
//! and asks before replacing one that is; where no file dialog can open, the
//! app says so and points at the typed path.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::export::outputs::{self, Output, OutputKind};

/// A typed path per action: what one button reads or writes never leaks
/// into another's.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FilePaths {
    /// The word-count text to open.
    pub text: String,
    /// A results file to open.
    pub open: String,
    /// Where Save JSON / Save CSV write.
    pub save: String,
    /// Where Export PNG writes.
    pub png: String,
    /// Where Save report writes (an HTML page).
    pub report: String,
}

/// The outcome of asking for a path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Picked {
    /// This path.
    Path(PathBuf),
    /// The person closed the dialog.
    Cancelled,
    /// No dialog could open (no file-dialog portal on this desktop).
    NoDialog,
}

/// The typed path when there is one, else what `dialog` returns. A dialog
/// that comes back empty at once could not open: a person takes longer
/// than that to close one.
pub fn pick(typed: &str, dialog: impl FnOnce() -> Option<PathBuf>) -> Picked {
    let t = typed.trim();
    if !t.is_empty() {
        return Picked::Path(PathBuf::from(t));
    }
    let t0 = Instant::now();
    match dialog() {
        Some(p) => Picked::Path(p),
        None if t0.elapsed() < Duration::from_millis(150) => Picked::NoDialog,
        None => Picked::Cancelled,
    }
}

/// What a save to a path may do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SaveCheck {
    /// Nothing is there (or an empty file): write.
    Write,
    /// A file of the same kind is there: ask before replacing it.
    AskFirst,
    /// Refused, and why (a directory, a text, the input file, a missing folder...).
    Refuse(String),
}

/// Checks a save of `kind` to `path` with the rules of the CLI's outputs
/// (`crate::export::outputs`): `inputs` (the word-count text) are never
/// written over.
pub fn check_save(path: &Path, kind: OutputKind, inputs: &[&Path]) -> SaveCheck {
    let out = Output { flag: "save", path: path.to_path_buf(), kind };
    if let Err(e) = outputs::check(std::slice::from_ref(&out), inputs, false) {
        return SaveCheck::Refuse(format!("Not saved: {} {}", path.display(), e.reason));
    }
    if std::fs::metadata(path).is_ok_and(|m| m.len() > 0) { SaveCheck::AskFirst } else { SaveCheck::Write }
}

/// What a save writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SaveFormat {
    /// The experiment (JSON).
    Json,
    /// One CSV row per run.
    Csv,
    /// Extra-P's text input (threads as the parameter `p`).
    Extrap,
}

impl SaveFormat {
    /// The file name's extension, and the name a dialog proposes.
    pub fn file(self) -> (&'static str, &'static str) {
        match self {
            SaveFormat::Json => ("json", "scalescope-results.json"),
            SaveFormat::Csv => ("csv", "scalescope-results.csv"),
            SaveFormat::Extrap => ("txt", "scalescope-extrap.txt"),
        }
    }
    /// What an existing file at the path must be to be replaced.
    pub fn kind(self) -> OutputKind {
        match self {
            SaveFormat::Json => OutputKind::Json,
            SaveFormat::Csv => OutputKind::Csv,
            SaveFormat::Extrap => OutputKind::Extrap,
        }
    }
}

/// A question the app is waiting for the person to answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Pending {
    /// Replace the results file at this path, in this format.
    Replace {
        /// The file.
        path: PathBuf,
        /// What goes there.
        format: SaveFormat,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typed_path_wins_and_an_instant_empty_dialog_means_none_can_open() {
        assert_eq!(pick(" /tmp/x.json ", || panic!("no dialog when a path is typed")), Picked::Path("/tmp/x.json".into()));
        assert_eq!(pick("", || None), Picked::NoDialog);
        assert_eq!(
            pick("", || {
                std::thread::sleep(Duration::from_millis(200));
                None
            }),
            Picked::Cancelled
        );
    }

    #[test]
    fn a_save_refuses_a_text_and_asks_before_replacing_results() {
        let dir = std::env::temp_dir().join(format!("scalescope-files-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("scratch dir");
        let text = dir.join("notes.txt");
        crate::experiment::write_atomically(&text, b"mine").expect("write");
        assert!(matches!(check_save(&text, OutputKind::Json, &[]), SaveCheck::Refuse(m) if m.contains("not a scalescope results file")));
        let csv = dir.join("r.csv");
        crate::experiment::write_atomically(&csv, format!("{}\n", crate::export::csv::HEADER).as_bytes()).expect("write");
        assert_eq!(check_save(&csv, OutputKind::Csv, &[]), SaveCheck::AskFirst);
        assert!(matches!(check_save(&csv, OutputKind::Csv, &[csv.as_path()]), SaveCheck::Refuse(m) if m.contains("input file")));
        assert_eq!(check_save(&dir.join("new.json"), OutputKind::Json, &[]), SaveCheck::Write);
        assert!(matches!(check_save(&dir, OutputKind::Json, &[]), SaveCheck::Refuse(m) if m.contains("directory")));
        std::fs::remove_dir_all(&dir).expect("clean up");
    }
}
