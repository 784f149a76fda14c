//! `word-count`: words counted per line of a text, read lazily line by line.
//!
//! A word is a maximal run of characters for which `char::is_alphanumeric`
//! holds, lowercased.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::source::SplitMix;
use super::{Cancel, Computed, Design, ParamInfo, Workload, WorkloadError, WorkloadInfo, WorkloadSpec};
use crate::engine::keyed::Emitter;
use crate::engine::{CancelToken, Config, FeederKind, Outcome, Run};
use crate::units::{fmt_count, human_bytes};
use crate::workloads::memory::{MemoryEstimate, feeder_buffers, heap_bytes, table_bytes};

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
    Spooled(Arc<SpooledText>),
    /// A regular file, read again for every pass, as it was at the start: a
    /// pass that finds it changed fails with "the input changed during the run".
    File {
        /// Its length then.
        len: u64,
        /// Its modification time then.
        modified: Option<std::time::SystemTime>,
    },
}

/// A text read once into memory: its lines, end to end, and where each
/// ends (a `String` per line would take 56 bytes more for each).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SpooledText {
    text: String,
    ends: Vec<usize>,
}

impl SpooledText {
    /// The text of `lines`.
    pub fn from_lines<'a>(lines: impl IntoIterator<Item = &'a str>) -> Self {
        let mut t = SpooledText::default();
        lines.into_iter().for_each(|l| t.push(l));
        t
    }

    /// Adds a line (without its newline).
    pub fn push(&mut self, line: &str) {
        self.text.push_str(line);
        self.ends.push(self.text.len());
    }

    /// Line `i`, without its newline.
    pub fn line(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        Some(&self.text[start..end])
    }

    /// The lines, from line `first`.
    pub fn lines_from(&self, first: usize) -> impl Iterator<Item = &str> {
        (first..self.ends.len()).filter_map(|i| self.line(i))
    }

    /// How many lines.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether it has no line.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Bytes of text, a newline counted for each line.
    pub fn bytes(&self) -> u64 {
        (self.text.len() + self.ends.len()) as u64
    }

    /// Bytes it holds in memory.
    pub fn held(&self) -> u64 {
        (self.text.capacity() + self.ends.capacity() * std::mem::size_of::<usize>()) as u64
    }
}

fn io_error(path: &Path, message: impl Into<String>) -> WorkloadError {
    WorkloadError::Io { path: path.to_path_buf(), message: message.into() }
}

/// Reads `path` once: a regular file is checked line by line and gives its
/// fingerprint; anything else (a pipe, FIFO, `/dev/stdin`, a device) is read
/// into memory, line by line. It cannot be cancelled: see [`prepare_cancellable`].
///
/// # Errors
/// The file cannot be read, a line is longer than `max_line` bytes, a line
/// is not UTF-8 (the text is UTF-16), or a spooled text passes [`SPOOL_LIMIT`].
pub fn prepare(path: &Path, max_line: u64) -> Result<Input, WorkloadError> {
    prepare_cancellable(path, max_line, &CancelToken::new())
}

/// The name of the thread that reads a text that is not a regular file.
pub const READER_THREAD: &str = "scalescope-read";

/// How often a wait for a text looks at the cancel token.
const POLL: Duration = Duration::from_millis(20);

/// [`prepare`], stopping when `cancel` is tripped.
///
/// A regular file is checked here, looking at `cancel` every few thousand
/// lines. Anything else is opened and read on a helper thread
/// ([`READER_THREAD`]), which only moves its bytes here in blocks: opening
/// a FIFO waits for a writer, and reading a pipe waits for its text, and
/// neither can be interrupted. This thread splits the lines, waiting for
/// each block at most 20 ms before it looks at `cancel`. On a cancel, a
/// helper still waiting for a FIFO's writer is woken by opening the FIFO
/// for writing without blocking and closing it at once: it reads the end of
/// the text and ends (joined here, within a second). A helper waiting for
/// more text from a writer that holds the FIFO or pipe open without writing
/// cannot be woken: it is left to end by itself when the writer writes or
/// closes, and this call returns at once.
///
/// # Errors
/// As [`prepare`], and [`WorkloadError::Cancelled`] when cancelled.
pub fn prepare_cancellable(path: &Path, max_line: u64, cancel: &CancelToken) -> Result<Input, WorkloadError> {
    let meta = std::fs::metadata(path).map_err(|e| io_error(path, e.to_string()))?;
    if meta.is_dir() {
        return Err(io_error(path, "is a directory, not a text file"));
    }
    if !meta.is_file() {
        use std::os::unix::fs::FileTypeExt;
        return spool_on_helper(path, max_line, cancel, meta.file_type().is_fifo());
    }
    let file = File::open(path).map_err(|e| io_error(path, e.to_string()))?;
    let mut reader = LineReader::new(file, path, max_line);
    // One pass now, so a line over the limit or one that is not text is
    // reported before anything is measured; nothing is kept.
    let mut lines = 0u64;
    while reader.next_line()?.is_some() {
        lines += 1;
        if lines.is_multiple_of(4096) && cancel.is_cancelled() {
            return Err(cancelled(path, "reading the text"));
        }
    }
    Ok(Input::File { len: meta.len(), modified: meta.modified().ok() })
}

fn cancelled(path: &Path, what: &'static str) -> WorkloadError {
    WorkloadError::Cancelled { path: path.to_path_buf(), what }
}

/// A block of a text, or the error that ended it.
type Block = std::io::Result<Vec<u8>>;

/// The helper thread of [`spool_on_helper`]: opens `path` (which waits for
/// a FIFO's writer), then sends its bytes in blocks of 64 KiB until the end
/// (then it drops `tx`), an error (sent), a cancel, or nobody listens.
fn pump(path: &Path, cancel: &CancelToken, opened: &AtomicBool, tx: &crossbeam_channel::Sender<Block>) {
    use std::io::Read;
    if cancel.is_cancelled() {
        return;
    }
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(e) => {
            let _ = tx.send(Err(e));
            return;
        }
    };
    opened.store(true, Ordering::Release);
    while !cancel.is_cancelled() {
        let mut block = vec![0u8; 64 * 1024];
        match file.read(&mut block) {
            Ok(0) => return,
            Ok(n) => {
                block.truncate(n);
                if tx.send(Ok(block)).is_err() {
                    return;
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                let _ = tx.send(Err(e));
                return;
            }
        }
    }
}

/// The bytes [`pump`] sends, as a reader that gives up with an error when
/// `cancel` is tripped while it waits.
struct Pumped {
    rx: crossbeam_channel::Receiver<Block>,
    block: Vec<u8>,
    at: usize,
    cancel: CancelToken,
}

impl std::io::Read for Pumped {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.at == self.block.len() {
            match self.rx.recv_timeout(POLL) {
                Ok(block) => {
                    self.block = block?;
                    self.at = 0;
                }
                // The helper is done: the end of the text.
                Err(crossbeam_channel::RecvTimeoutError::Disconnected) => return Ok(0),
                Err(crossbeam_channel::RecvTimeoutError::Timeout) if self.cancel.is_cancelled() => {
                    return Err(std::io::Error::other("cancelled"));
                }
                Err(crossbeam_channel::RecvTimeoutError::Timeout) => {}
            }
        }
        let n = buf.len().min(self.block.len() - self.at);
        buf[..n].copy_from_slice(&self.block[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// Reads a text that is not a regular file through a helper thread (see
/// [`prepare_cancellable`]); its lines are split and kept on this thread.
fn spool_on_helper(path: &Path, max_line: u64, cancel: &CancelToken, fifo: bool) -> Result<Input, WorkloadError> {
    if cancel.is_cancelled() {
        return Err(cancelled(path, "the wait for a writer"));
    }
    let (tx, rx) = crossbeam_channel::bounded(16);
    let opened = Arc::new(AtomicBool::new(false));
    let helper = {
        let (owned, token, opened) = (path.to_path_buf(), cancel.clone(), opened.clone());
        std::thread::Builder::new()
            .name(READER_THREAD.into())
            .spawn(move || pump(&owned, &token, &opened, &tx))
            .map_err(|e| io_error(path, format!("cannot start a thread to read it: {e}")))?
    };
    let pumped = Pumped { rx, block: Vec::new(), at: 0, cancel: cancel.clone() };
    let out = spool(LineReader::new(pumped, path, max_line), path, cancel);
    // The reader is gone: a helper still sending stops at its next block.
    if !cancel.is_cancelled() {
        if out.is_ok() || helper.is_finished() {
            // It ended the text (or failed): it is done, or about to be.
            let _ = helper.join();
        }
        // Otherwise (a line too long, say) it ends at the writer's next block or close.
        return out;
    }
    if opened.load(Ordering::Acquire) {
        // Reading from a writer that sends nothing: it cannot be woken.
        return Err(cancelled(path, "the wait for more text"));
    }
    if fifo {
        let deadline = Instant::now() + Duration::from_secs(1);
        while Instant::now() < deadline && !helper.is_finished() {
            if !opened.load(Ordering::Acquire) {
                wake_fifo_reader(path);
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        if helper.is_finished() {
            let _ = helper.join();
        }
    }
    Err(cancelled(path, "the wait for a writer"))
}

/// Opens the FIFO at `path` for writing without blocking, and closes it:
/// a reader waiting in `open` for a writer gets past it and, with no writer
/// left, reads the end of the text. Fails harmlessly (no reader yet) when
/// nobody waits.
fn wake_fifo_reader(path: &Path) {
    use std::os::unix::fs::OpenOptionsExt;
    let _ = std::fs::OpenOptions::new().write(true).custom_flags(libc::O_NONBLOCK).open(path);
}

/// Reads all of `reader` into memory, line by line, looking at `cancel` after every line.
fn spool(mut reader: LineReader<impl std::io::Read>, path: &Path, cancel: &CancelToken) -> Result<Input, WorkloadError> {
    let mut text = SpooledText::default();
    let mut bytes = 0u64;
    loop {
        let line = match reader.next_line() {
            Ok(Some(line)) => line,
            Ok(None) => break,
            Err(_) if cancel.is_cancelled() => return Err(cancelled(path, "reading the text")),
            Err(e) => return Err(e),
        };
        if cancel.is_cancelled() {
            return Err(cancelled(path, "reading the text"));
        }
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
        text.push(&line);
    }
    Ok(Input::Spooled(Arc::new(text)))
}

/// The encoding the start of a text looks like when it is not UTF-8:
/// UTF-16 by its byte-order mark, or by NUL bytes at most even (big-endian)
/// or odd (little-endian) positions of its first 4 KiB, as text in a Latin
/// script has; `None` for UTF-8 (or too little to tell). Returns the name
/// `iconv -f` takes and what gave it away.
pub fn looks_like_utf16(head: &[u8]) -> Option<(&'static str, &'static str)> {
    if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) {
        return Some(("UTF-16", "it starts with a UTF-16 byte-order mark"));
    }
    let head = &head[..head.len().min(4096)];
    let pairs = head.len() / 2;
    if pairs < 2 {
        return None;
    }
    let even = head.iter().step_by(2).filter(|&&b| b == 0).count();
    let odd = head.iter().skip(1).step_by(2).filter(|&&b| b == 0).count();
    // A quarter of the positions of one parity NUL, and few of the other.
    if odd * 4 >= pairs && odd > 4 * even {
        Some(("UTF-16LE", "every other byte is NUL"))
    } else if even * 4 >= pairs && even > 4 * odd {
        Some(("UTF-16BE", "every other byte is NUL"))
    } else {
        None
    }
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

/// Reads lines of at most `max` bytes, as UTF-8, numbering them for errors;
/// a text that starts like UTF-16 is refused at once.
#[derive(Debug)]
struct LineReader<R = File> {
    reader: BufReader<R>,
    buf: Vec<u8>,
    line_no: u64,
    max: u64,
    path: PathBuf,
}

impl<R: std::io::Read> LineReader<R> {
    fn new(file: R, path: &Path, max: u64) -> Self {
        LineReader { reader: BufReader::with_capacity(1 << 16, file), buf: Vec::new(), line_no: 0, max, path: path.to_path_buf() }
    }

    /// Refuses a text whose first bytes look like UTF-16: its NUL bytes and
    /// letters would otherwise be counted as words of one letter.
    fn check_encoding(&mut self) -> Result<(), WorkloadError> {
        let head = self.reader.fill_buf().map_err(|e| io_error(&self.path, e.to_string()))?;
        match looks_like_utf16(head) {
            Some((encoding, why)) => Err(io_error(
                &self.path,
                format!(
                    "it looks like {encoding} text ({why}), and word-count reads UTF-8; convert it first, e.g. iconv -f {encoding} -t UTF-8 {} > converted.txt",
                    self.path.display()
                ),
            )),
            None => Ok(()),
        }
    }

    /// The next line without its `\n` (or `\r\n`); `None` at the end.
    fn next_line(&mut self) -> Result<Option<String>, WorkloadError> {
        use std::io::Read;
        if self.line_no == 0 {
            self.check_encoding()?;
        }
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
                format!("line {} is longer than {} (--max-line); is this a text file?", self.line_no, crate::units::human_bytes(self.max)),
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
#[derive(Debug)]
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
    lines: Arc<SpooledText>,
    next: usize,
}

impl Iterator for Spooled {
    type Item = String;
    fn next(&mut self) -> Option<String> {
        let line = self.lines.line(self.next)?.to_string();
        self.next += 1;
        Some(line)
    }
}

/// The built-in text: `n` lines of 4 to 16 words drawn from a Zipf-like
/// distribution over `vocabulary` made-up words. Deterministic.
#[derive(Debug)]
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

/// Bytes of a text the memory estimate reads: 4 MiB, all of a shorter one.
const SAMPLE_BYTES: u64 = 4 << 20;
/// A longer text is read in this many pieces, spread evenly over it.
const SAMPLE_PIECES: u64 = 8;

/// What the memory estimate knows of a text: counted in [`SAMPLE_BYTES`]
/// of it (in pieces spread over it), extrapolated to its length.
#[derive(Clone, Debug, PartialEq)]
pub struct TextStats {
    /// Bytes of text.
    pub bytes: u64,
    /// Lines.
    pub lines: u64,
    /// Words.
    pub words: u64,
    /// Distinct words, lowercased (the keys of the tables).
    pub distinct: u64,
    /// Heaps' exponent: in this text, distinct words grow as words^beta.
    pub beta: f64,
    /// The average length of a distinct word, bytes.
    pub word_len: u64,
    /// Whether the whole text was read (the counts are exact).
    pub whole: bool,
}

impl TextStats {
    /// Distinct words expected in `words` words of this text (a worker's share).
    pub fn distinct_in(&self, words: u64) -> u64 {
        if words >= self.words || self.words == 0 {
            return self.distinct;
        }
        let v = self.distinct as f64 * (words as f64 / self.words as f64).powf(self.beta);
        (v.ceil() as u64).min(words)
    }

    /// The average line, bytes (without its newline).
    pub fn line_len(&self) -> u64 {
        (self.bytes / self.lines.max(1)).saturating_sub(1)
    }

    /// The statistics of `path`, from [`SAMPLE_BYTES`] of it (`None`
    /// for anything but a readable regular file: a FIFO is never opened
    /// here). Kept for the file's length and modification time, so a plan
    /// of many configurations reads it once.
    pub fn of_file(path: &Path) -> Option<TextStats> {
        /// A file's path, length and modification time, and its statistics.
        type Seen = (PathBuf, u64, Option<std::time::SystemTime>, TextStats);
        static SEEN: Mutex<Vec<Seen>> = Mutex::new(Vec::new());
        let meta = std::fs::metadata(path).ok().filter(std::fs::Metadata::is_file)?;
        let (len, modified) = (meta.len(), meta.modified().ok());
        let mut seen = SEEN.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((.., stats)) = seen.iter().find(|(p, l, m, _)| p == path && *l == len && *m == modified) {
            return Some(stats.clone());
        }
        let mut sampler = Sampler::default();
        let whole = len <= SAMPLE_BYTES;
        let mut file = File::open(path).ok()?;
        // A long text is read in pieces spread over it, so that a text
        // whose parts differ (chapters, files put together) shows it.
        let piece = if whole { len } else { SAMPLE_BYTES / SAMPLE_PIECES };
        let starts: Vec<u64> = if whole { vec![0] } else { (0..SAMPLE_PIECES).map(|i| i * (len - piece) / (SAMPLE_PIECES - 1)).collect() };
        let mut buf = Vec::new();
        for (i, start) in starts.into_iter().enumerate() {
            use std::io::{Read, Seek};
            file.seek(std::io::SeekFrom::Start(start)).ok()?;
            let mut reader = BufReader::with_capacity(1 << 16, (&file).take(piece));
            if i > 0 {
                // The rest of a line begun before the piece.
                buf.clear();
                reader.read_until(b'\n', &mut buf).ok()?;
            }
            loop {
                buf.clear();
                match reader.read_until(b'\n', &mut buf) {
                    Ok(0) => break,
                    Ok(_) => sampler.line(&String::from_utf8_lossy(&buf)),
                    Err(_) => return None,
                }
            }
        }
        let sampled = sampler.bytes;
        let stats = sampler.finish(len.max(sampled), whole);
        if seen.len() >= 8 {
            seen.remove(0);
        }
        seen.push((path.to_path_buf(), len, modified, stats.clone()));
        Some(stats)
    }

    /// The statistics of a spooled text, from [`SAMPLE_BYTES`] of it in
    /// pieces spread over it (all of a shorter one).
    pub fn of_spooled(text: &SpooledText) -> TextStats {
        let bytes = text.bytes();
        let mut sampler = Sampler::default();
        if bytes <= SAMPLE_BYTES {
            text.lines_from(0).for_each(|l| sampler.line(l));
            return sampler.finish(bytes, true);
        }
        let n = text.len() as u64;
        for i in 0..SAMPLE_PIECES {
            let end = sampler.bytes + SAMPLE_BYTES / SAMPLE_PIECES;
            let first = usize::try_from(i * n / SAMPLE_PIECES).unwrap_or(usize::MAX);
            for line in text.lines_from(first) {
                if sampler.bytes >= end {
                    break;
                }
                sampler.line(line);
            }
        }
        sampler.finish(bytes, false)
    }

    /// A text not read yet that cannot be read twice (a pipe, a FIFO):
    /// the most it may hold ([`SPOOL_LIMIT`]), with the statistics of
    /// English prose (6 bytes a word, 80 a line, Heaps' law 40 x words^0.6).
    pub fn unread() -> TextStats {
        let words = SPOOL_LIMIT / 6;
        TextStats {
            bytes: SPOOL_LIMIT,
            lines: SPOOL_LIMIT / 80,
            words,
            distinct: (40.0 * (words as f64).powf(0.6)) as u64,
            beta: 0.6,
            word_len: 8,
            whole: false,
        }
    }
}

/// Counts lines, words and distinct words, noting how many distinct words
/// had been seen each time the word count doubled (for Heaps' exponent).
#[derive(Default)]
struct Sampler {
    seen: HashSet<String>,
    bytes: u64,
    lines: u64,
    words: u64,
    word_bytes: u64,
    marks: Vec<(u64, u64)>,
}

impl Sampler {
    fn line(&mut self, line: &str) {
        self.lines += 1;
        self.bytes += line.len() as u64 + u64::from(!line.ends_with('\n'));
        for word in words(line) {
            self.words += 1;
            let key = word.to_lowercase();
            if !self.seen.contains(&key) {
                self.word_bytes += key.len() as u64;
                self.seen.insert(key);
            }
            if self.words.is_power_of_two() {
                self.marks.push((self.words, self.seen.len() as u64));
            }
        }
    }

    /// Heaps' exponent between the last mark at most a quarter of the way
    /// in and the end of the sample (0.6 with too few words to tell), then
    /// the counts extrapolated from the sample's bytes to `bytes`.
    fn finish(self, bytes: u64, whole: bool) -> TextStats {
        let (n, v) = (self.words, self.seen.len() as u64);
        let beta = self
            .marks
            .iter()
            .rev()
            .find(|&&(m, _)| m >= 1024 && m * 4 <= n)
            .map_or(0.6, |&(m, vm)| ((v as f64 / vm as f64).ln() / (n as f64 / m as f64).ln()).clamp(0.25, 1.0));
        let word_len = self.word_bytes.checked_div(v).unwrap_or(8).max(1);
        if whole || self.bytes == 0 {
            return TextStats { bytes: self.bytes, lines: self.lines, words: n, distinct: v, beta, word_len, whole: true };
        }
        let scale = bytes as f64 / self.bytes as f64;
        let words = (n as f64 * scale).ceil() as u64;
        TextStats {
            bytes,
            lines: (self.lines as f64 * scale).ceil() as u64,
            words,
            distinct: ((v as f64 * scale.powf(beta)).ceil() as u64).min(words),
            beta,
            word_len,
            whole: false,
        }
    }
}

/// Distinct words expected among `draws` words of the built-in generator
/// over `vocabulary` words: each rank r is drawn with probability
/// 1 / (r H), H the harmonic number, so rank r is seen with probability
/// 1 - e^(-draws / (r H)); summed over bands of ranks.
pub fn generator_distinct(draws: u64, vocabulary: u64) -> u64 {
    if draws == 0 || vocabulary == 0 {
        return 0;
    }
    let h = if vocabulary < 1000 {
        (1..=vocabulary).map(|r| 1.0 / r as f64).sum::<f64>()
    } else {
        (vocabulary as f64).ln() + 0.577_215_664_9 + 0.5 / vocabulary as f64
    };
    let n = draws as f64;
    let (mut total, mut r) = (0.0, 1u64);
    while r <= vocabulary {
        let end = (r + (r / 64).max(1)).min(vocabulary + 1);
        let mid = (r + end - 1) as f64 / 2.0;
        total += (end - r) as f64 * -(-n / (mid * h)).exp_m1();
        r = end;
    }
    (total.ceil() as u64).min(draws).min(vocabulary)
}

/// Syllables in the longest word of the generator's `vocabulary`.
fn syllables(vocabulary: u64) -> u64 {
    vocabulary.saturating_sub(1).checked_ilog(24).map_or(1, |l| u64::from(l) + 1)
}

/// The text a run of `spec` counts, as the estimate sees it, with the bytes
/// held besides the tables (a spooled text, the generator's vocabulary).
fn text_of(spec: &WorkloadSpec) -> (TextStats, MemoryEstimate, &'static str) {
    let sampled = |stats: &TextStats| if stats.whole { "" } else { " (extrapolated from 4 MiB of it)" };
    match (&spec.file, &spec.input) {
        (Some(_), Some(Input::Spooled(lines))) => {
            let stats = TextStats::of_spooled(lines);
            let held = lines.held();
            let basis = sampled(&stats);
            (stats, MemoryEstimate::new(held, format!("the text read into memory ({})", human_bytes(held))), basis)
        }
        (Some(path), _) => match TextStats::of_file(path) {
            Some(stats) => {
                let basis = sampled(&stats);
                (stats, MemoryEstimate::default(), basis)
            }
            None => {
                let stats = TextStats::unread();
                let held = stats.bytes.saturating_add(stats.lines.saturating_mul(8));
                let text = MemoryEstimate::new(held, format!("a text read into memory, {} at most", human_bytes(held)));
                (stats, text, " (not read yet: as many as English prose of that length has)")
            }
        },
        (None, _) => {
            let (n, vocabulary) = (spec.get("n"), spec.get("vocabulary"));
            // 4 to 16 words a line (10 on average) of at most `syllables` syllables (2 or 3 letters) each.
            let word_len = 2 * syllables(vocabulary);
            let words = n.saturating_mul(10);
            let distinct = generator_distinct(words, vocabulary);
            // How the distinct words grow from half the words to all of them.
            let half = generator_distinct(words / 2, vocabulary).max(1);
            let beta = (distinct as f64 / half as f64).log2().clamp(0.0, 1.0);
            let stats =
                TextStats { bytes: n.saturating_mul(10 * (word_len + 1) + 1), lines: n, words, distinct, beta, word_len, whole: true };
            // Its words (a `String` each) and their cumulative probabilities.
            let held = vocabulary.saturating_mul(24 + heap_bytes(word_len) + 8);
            let vocab = MemoryEstimate::new(held, format!("the generator's {} words ({})", fmt_count(vocabulary), human_bytes(held)));
            (stats, vocab, "")
        }
    }
}

/// What a run of `spec` with `config` holds (see [`Workload::memory`]).
/// Every table maps a word (a `String`: 24 bytes, its text on the heap) to
/// its count: 32 bytes an entry. In the map phase each of `p` workers has
/// `p` tables (one per partition) of the distinct words of its share of the
/// text (fewer than the whole text's: Heaps' law); in the reduce phase the
/// partitions are merged, then one table of every word is reserved while
/// they still exist: the result. What the map phase frees stays with the
/// workers' allocator arenas (glibc keeps it for them), so both phases
/// count. The reference's table grows to every word one insert at a time.
/// Besides: the feeder's buffers of lines, and the text held in memory (a
/// pipe's) or the generator's vocabulary.
pub fn memory(spec: &WorkloadSpec, config: &Config) -> MemoryEstimate {
    let (text, held, counted) = text_of(spec);
    let p = if config.feeder == FeederKind::Sequential { 1 } else { config.threads.get() as u64 };
    let key = heap_bytes(text.word_len);
    let v = text.distinct;
    let share = text.distinct_in(text.words / p).max(v.div_ceil(p));
    let map_phase =
        p.saturating_mul(p).saturating_mul(table_bytes(share.div_ceil(p), 32)).saturating_add(p.saturating_mul(share).saturating_mul(key));
    let result = table_bytes(v, 32).saturating_add(v.saturating_mul(key));
    // The words' text is the map phase's; merging adds tables: each
    // partition's grows to its share of the words, then the result's is
    // reserved. One worker's table is the result already (it grew to it).
    let merge =
        if p > 1 { table_bytes(v, 32).saturating_add(p.saturating_mul(table_bytes(v.div_ceil(p), 32))) } else { table_bytes(v, 32) / 2 };
    let reference = result.saturating_add(table_bytes(v, 32) / 2);
    let tables = map_phase.saturating_add(merge).max(reference);
    let tables = MemoryEstimate::new(
        tables,
        format!(
            "tables of {} distinct words{counted}: {p} workers x {} words, then merged into the result ({})",
            fmt_count(v),
            fmt_count(share),
            human_bytes(tables)
        ),
    );
    feeder_buffers(config, 24, heap_bytes(text.line_len())).plus(tables).plus(held).keeping(result)
}

/// The `word-count` workload (see [`INFO`]).
#[derive(Debug)]
pub struct WordCount;

impl Workload for WordCount {
    fn info(&self) -> &'static WorkloadInfo {
        &INFO
    }

    fn memory(&self, spec: &WorkloadSpec, config: &Config) -> MemoryEstimate {
        memory(spec, config)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The distinct words (lowercased) and the words of `lines`.
    fn distinct(lines: impl Iterator<Item = String>) -> (u64, u64) {
        let mut seen = HashSet::new();
        let mut n = 0;
        for line in lines {
            for w in words(&line) {
                seen.insert(w.to_lowercase());
                n += 1;
            }
        }
        (seen.len() as u64, n)
    }

    #[test]
    fn the_generators_distinct_words_are_as_expected() {
        for (n, vocabulary) in [(2_000, 50_000), (20_000, 50_000), (20_000, 1_000), (5, 10)] {
            let (seen, _) = distinct(Generator::new(n, vocabulary));
            // The estimate takes 10 words a line, the generator's average.
            let expected = generator_distinct(10 * n, vocabulary);
            let (a, b) = (seen as f64, expected as f64);
            assert!((a - b).abs() <= (0.1 * a).max(2.0), "n {n}, vocabulary {vocabulary}: {seen} seen, {expected} expected");
        }
    }

    #[test]
    fn a_short_text_is_counted_exactly() {
        let text = SpooledText::from_lines(["To be, or not to be:", "that is the question."]);
        assert_eq!((text.len(), text.line(1), text.line(2)), (2, Some("that is the question."), None));
        let stats = TextStats::of_spooled(&text);
        assert!(stats.whole);
        assert_eq!((stats.lines, stats.words, stats.distinct), (2, 10, 8));
        assert_eq!(stats.bytes, 21 + 22);
    }

    #[test]
    fn a_long_text_is_extrapolated_by_how_its_words_grow() {
        // Every word new: distinct words grow as the words do.
        let fresh: Vec<String> = (0..400_000).map(|i| format!("w{i}x w{i}y")).collect();
        let stats = TextStats::of_spooled(&SpooledText::from_lines(fresh.iter().map(String::as_str)));
        assert!(!stats.whole);
        assert!(stats.distinct >= stats.words / 2 && stats.distinct <= stats.words, "{stats:?}");
        // A short text said again and again: its words do not grow.
        let again: Vec<String> = (0..400_000).map(|i| format!("the same few words, line {}", i % 500)).collect();
        let stats = TextStats::of_spooled(&SpooledText::from_lines(again.iter().map(String::as_str)));
        let (truth, words) = distinct(again.iter().cloned());
        assert!(stats.distinct < 4 * truth && stats.words.abs_diff(words) < words / 20, "{stats:?}: {truth} distinct in fact");
    }
}
