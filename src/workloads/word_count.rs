//! `word-count`: words counted per line of a text, read lazily line by line.
//!
//! A word is a maximal run of characters for which `char::is_alphanumeric`
//! holds, lowercased.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use super::source::SplitMix;
use super::{Cancel, Computed, Design, ParamInfo, Workload, WorkloadError, WorkloadInfo, WorkloadSpec};
use crate::engine::keyed::Emitter;
use crate::engine::{Outcome, Run};

/// Description and parameters.
pub static INFO: WorkloadInfo = WorkloadInfo {
    name: "word-count",
    summary: "count words per line of a text (a file, or a built-in generator)",
    description: "Reads a text lazily, one line at a time, and counts how often each word occurs \
        (a word is a run of letters and digits, lowercased). A keyed map-reduce: the map phase \
        emits (word, 1) and each worker combines them at once into its own tables, one per \
        partition of the words; then the shuffle + reduce phase gives each partition to one \
        reducer thread, which merges that partition of every worker's table. The live view \
        shows both phases advance. Reading lines is serial; counting words is the parallel part. \
        Without a file, a built-in generator writes n lines of Zipf-distributed words, the same on every machine.",
    params: &[
        ParamInfo {
            name: "n",
            help: "lines the built-in generator writes (ignored with a file)",
            default: 300_000,
            min: 0,
            max: 100_000_000,
        },
        ParamInfo { name: "vocabulary", help: "distinct words the generator draws from", default: 20_000, min: 1, max: 10_000_000 },
    ],
    takes_file: true,
    design: Design::KeyedMapReduce,
};

/// Counts of words.
pub type Counts = HashMap<String, u64>;

/// Where a file source leaves its first read error for the caller.
pub type ErrorSlot = Arc<Mutex<Option<WorkloadError>>>;

type Lines = Box<dyn Iterator<Item = String> + Send>;

/// Adds the words of `line` to `counts`.
///
/// # Examples
/// ```
/// let mut counts = Default::default();
/// scalescope::workloads::word_count::count_line(&mut counts, "To be, or not to BE: 2b!");
/// assert_eq!(counts["to"], 2);
/// assert_eq!(counts["be"], 2);
/// assert_eq!(counts["2b"], 1);
/// ```
pub fn count_line(counts: &mut Counts, line: &str) {
    for word in words(line) {
        if word.chars().any(char::is_uppercase) {
            *counts.entry(word.to_lowercase()).or_insert(0) += 1;
        } else if let Some(c) = counts.get_mut(word) {
            *c += 1;
        } else {
            counts.insert(word.to_string(), 1);
        }
    }
}

/// The words of a line, as written (not yet lowercased).
fn words(line: &str) -> impl Iterator<Item = &str> {
    line.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty())
}

/// Emits `(word, 1)` for every word of `line`: the mapper of the keyed
/// map-reduce. A word is copied only when it needs lowercasing or is new to
/// this worker.
pub fn emit_line(out: &mut Emitter<'_, String, u64>, line: &str) {
    for word in words(line) {
        if word.chars().any(char::is_uppercase) {
            out.emit(word.to_lowercase(), 1);
        } else {
            out.emit_borrowed(word, 1);
        }
    }
}

/// The longest line a text may have unless `--max-line` says otherwise: 1 MiB.
pub const DEFAULT_MAX_LINE: u64 = 1 << 20;
/// The most a text that cannot be read twice (a pipe, a FIFO, `/dev/stdin`)
/// may hold: it is read once into memory, up to this many bytes.
pub const SPOOL_LIMIT: u64 = 256 << 20;

/// The text of a `word-count` run, fixed when the experiment begins
/// ([`super::WorkloadSpec::prepare`]), so every pass reads the same text.
#[derive(Clone, Debug, PartialEq)]
pub enum Input {
    /// A pipe, FIFO or device, read once into memory (at most [`SPOOL_LIMIT`] bytes).
    Spooled(Arc<Vec<String>>),
    /// A regular file, read again for every pass, as it was at the start: a
    /// pass that finds it changed fails with "the input changed during the run".
    File {
        /// Its length then.
        len: u64,
        /// Its modification time then.
        modified: Option<std::time::SystemTime>,
    },
}

fn io_error(path: &Path, message: impl Into<String>) -> WorkloadError {
    WorkloadError::Io { path: path.to_path_buf(), message: message.into() }
}

/// Reads `path` once: a regular file is checked line by line and gives its
/// fingerprint; anything else (a pipe, FIFO, `/dev/stdin`, a device) is read
/// into memory, line by line.
///
/// # Errors
/// The file cannot be read, a line is longer than `max_line` bytes, a line
/// is not UTF-8, or a spooled text passes [`SPOOL_LIMIT`].
pub fn prepare(path: &Path, max_line: u64) -> Result<Input, WorkloadError> {
    let meta = std::fs::metadata(path).map_err(|e| io_error(path, e.to_string()))?;
    if meta.is_dir() {
        return Err(io_error(path, "is a directory, not a text file"));
    }
    let file = File::open(path).map_err(|e| io_error(path, e.to_string()))?;
    let mut reader = LineReader::new(file, path, max_line);
    if meta.is_file() {
        // One pass now, so a line over the limit or one that is not text is
        // reported before anything is measured; nothing is kept.
        while reader.next_line()?.is_some() {}
        return Ok(Input::File { len: meta.len(), modified: meta.modified().ok() });
    }
    let mut lines = Vec::new();
    let mut bytes = 0u64;
    while let Some(line) = reader.next_line()? {
        bytes += line.len() as u64 + 1;
        if bytes > SPOOL_LIMIT {
            return Err(io_error(
                path,
                format!(
                    "is not a regular file, so it is read once into memory, and it holds more than {} MiB; save it to a file first",
                    SPOOL_LIMIT >> 20
                ),
            ));
        }
        lines.push(line);
    }
    Ok(Input::Spooled(Arc::new(lines)))
}

/// Whether the file at `path` is still as `input` found it.
///
/// # Errors
/// [`WorkloadError::InputChanged`] when it is not (or is gone).
fn unchanged(path: &Path, input: Option<&Input>) -> Result<(), WorkloadError> {
    let Some(Input::File { len, modified }) = input else {
        return Ok(());
    };
    let changed = |how: String| WorkloadError::InputChanged { path: path.to_path_buf(), how };
    let meta = std::fs::metadata(path).map_err(|e| changed(format!("it can no longer be read ({e})")))?;
    if meta.len() != *len {
        return Err(changed(format!("its length went from {len} to {} bytes", meta.len())));
    }
    if meta.modified().ok() != *modified {
        return Err(changed("it was modified".into()));
    }
    Ok(())
}

/// Reads lines of at most `max` bytes, as UTF-8, numbering them for errors.
struct LineReader {
    reader: BufReader<File>,
    buf: Vec<u8>,
    line_no: u64,
    max: u64,
    path: PathBuf,
}

impl LineReader {
    fn new(file: File, path: &Path, max: u64) -> Self {
        LineReader { reader: BufReader::with_capacity(1 << 16, file), buf: Vec::new(), line_no: 0, max, path: path.to_path_buf() }
    }

    /// The next line without its `\n` (or `\r\n`); `None` at the end.
    fn next_line(&mut self) -> Result<Option<String>, WorkloadError> {
        use std::io::Read;
        self.buf.clear();
        self.line_no += 1;
        let n = (&mut self.reader)
            .take(self.max.saturating_add(2))
            .read_until(b'\n', &mut self.buf)
            .map_err(|e| io_error(&self.path, format!("line {}: {e}", self.line_no)))?;
        if n == 0 {
            return Ok(None);
        }
        if self.buf.last() == Some(&b'\n') {
            self.buf.pop();
            if self.buf.last() == Some(&b'\r') {
                self.buf.pop();
            }
        }
        if self.buf.len() as u64 > self.max {
            return Err(io_error(
                &self.path,
                format!(
                    "line {} is longer than {} (--max-line); is this a text file?",
                    self.line_no,
                    crate::metrics::units::human_bytes(self.max)
                ),
            ));
        }
        let line = String::from_utf8(std::mem::take(&mut self.buf))
            .map_err(|_| io_error(&self.path, format!("line {} is not valid UTF-8 text", self.line_no)))?;
        Ok(Some(line))
    }
}

/// The lines of a file, stopping at the first read error, which is kept for
/// the caller (a non-UTF-8 line, a line over the limit, a disk error) so
/// that it is never mistaken for the end of the text.
pub struct FileLines {
    reader: LineReader,
    error: ErrorSlot,
}

impl FileLines {
    /// Opens `path`, refusing lines longer than `max_line` bytes.
    ///
    /// # Errors
    /// The file cannot be opened.
    pub fn open(path: &Path, max_line: u64) -> Result<(Self, ErrorSlot), WorkloadError> {
        let file = File::open(path).map_err(|e| io_error(path, e.to_string()))?;
        let error = Arc::new(Mutex::new(None));
        Ok((FileLines { reader: LineReader::new(file, path, max_line), error: error.clone() }, error))
    }
}

impl Iterator for FileLines {
    type Item = String;
    fn next(&mut self) -> Option<String> {
        match self.reader.next_line() {
            Ok(line) => line,
            Err(e) => {
                *self.error.lock().unwrap_or_else(PoisonError::into_inner) = Some(e);
                None
            }
        }
    }
}

/// The lines of a spooled text, copied out one at a time.
struct Spooled {
    lines: Arc<Vec<String>>,
    next: usize,
}

impl Iterator for Spooled {
    type Item = String;
    fn next(&mut self) -> Option<String> {
        let line = self.lines.get(self.next)?.clone();
        self.next += 1;
        Some(line)
    }
}

/// The built-in text: `n` lines of 4 to 16 words drawn from a Zipf-like
/// distribution over `vocabulary` made-up words. Deterministic.
pub struct Generator {
    vocab: Arc<Vec<String>>,
    cdf: Arc<Vec<f64>>,
    line: u64,
    n: u64,
}

impl Generator {
    /// `n` lines over `vocabulary` words.
    pub fn new(n: u64, vocabulary: u64) -> Self {
        const SYL: [&str; 24] = [
            "ka", "lo", "mi", "ne", "ru", "sa", "te", "vo", "pa", "di", "go", "he", "ji", "ku", "la", "mo", "nu", "po", "qui", "re", "si",
            "tu", "wa", "ze",
        ];
        let vocab: Vec<String> = (0..vocabulary)
            .map(|i| {
                let mut w = String::new();
                let mut k = i;
                loop {
                    w.push_str(SYL[(k % 24) as usize]);
                    k /= 24;
                    if k == 0 {
                        break;
                    }
                }
                if i % 7 == 3 { w[..1].to_ascii_uppercase() + &w[1..] } else { w }
            })
            .collect();
        let mut acc = 0.0;
        let mut cdf: Vec<f64> = (1..=vocabulary)
            .map(|r| {
                acc += 1.0 / r as f64;
                acc
            })
            .collect();
        for c in &mut cdf {
            *c /= acc;
        }
        Generator { vocab: Arc::new(vocab), cdf: Arc::new(cdf), line: 0, n }
    }
}

impl Iterator for Generator {
    type Item = String;
    fn next(&mut self) -> Option<String> {
        if self.line >= self.n {
            return None;
        }
        let mut rng = SplitMix(self.line.wrapping_mul(0xA076_1D64_78BD_642F));
        self.line += 1;
        let words = 4 + rng.next_u64() % 13;
        let mut s = String::with_capacity(words as usize * 8);
        for i in 0..words {
            let u = rng.next_f64();
            let r = self.cdf.partition_point(|&c| c < u).min(self.vocab.len() - 1);
            if i > 0 {
                s.push_str(if i % 5 == 0 { ", " } else { " " });
            }
            s.push_str(&self.vocab[r]);
        }
        s.push('.');
        Some(s)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = usize::try_from(self.n - self.line).unwrap_or(usize::MAX);
        (left, Some(left))
    }
}

fn source(spec: &WorkloadSpec) -> Result<(Lines, Option<ErrorSlot>), WorkloadError> {
    match (&spec.file, &spec.input) {
        (Some(_), Some(Input::Spooled(lines))) => Ok((Box::new(Spooled { lines: lines.clone(), next: 0 }), None)),
        (Some(path), _) => {
            let (lines, error) = FileLines::open(path, spec.max_line())?;
            Ok((Box::new(lines), Some(error)))
        }
        (None, _) => Ok((Box::new(Generator::new(spec.get("n"), spec.get("vocabulary"))), None)),
    }
}

/// After a pass: the read error it hit, if any, then whether the file changed.
fn check(spec: &WorkloadSpec, error: Option<ErrorSlot>) -> Result<(), WorkloadError> {
    if let Some(e) = error.and_then(|e| e.lock().unwrap_or_else(PoisonError::into_inner).take()) {
        return Err(e);
    }
    match &spec.file {
        Some(path) => unchanged(path, spec.input.as_ref()),
        None => Ok(()),
    }
}

/// The `word-count` workload (see [`INFO`]).
pub struct WordCount;

impl Workload for WordCount {
    fn info(&self) -> &'static WorkloadInfo {
        &INFO
    }

    /// The plain loop.
    ///
    /// # Errors
    /// An unreadable or non-UTF-8 file.
    fn reference(&self, spec: &WorkloadSpec, cancel: Cancel<'_>) -> Result<Computed, WorkloadError> {
        let (lines, error) = source(spec)?;
        let mut counts = Counts::new();
        let mut done = 0;
        for (i, line) in lines.enumerate() {
            if i % 1024 == 0 {
                cancel.check(i as u64)?;
            }
            count_line(&mut counts, &line);
            done = i as u64 + 1;
        }
        cancel.report(done);
        check(spec, error)?;
        Ok(Computed::Counts(counts))
    }

    fn run(&self, spec: &WorkloadSpec, call: Run<'_>) -> Result<Outcome<Computed>, WorkloadError> {
        let (lines, error) = source(spec)?;
        let out = call.map_reduce_by_key(lines, |line: String, out| emit_line(out, &line), |a, b| *a += b)?;
        check(spec, error)?;
        Ok(Outcome { value: Computed::Counts(out.value.into_map()), report: out.report })
    }
}
