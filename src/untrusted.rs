//! Data from files is untrusted: an experiment handed out by someone else may
//! hold any bytes in any field. This module holds the two defences every
//! layer shares:
//!
//! - [`escape`]: a string from a file is escaped before it reaches a terminal
//!   or a log line, so it cannot clear the screen, set the window title or
//!   print fake rows;
//! - [`read_regular`]: a file is read only when it is a regular file of a
//!   bounded size, opened so that a FIFO or a device cannot block or flood
//!   the reader.
//!
//! It imports nothing from the crate.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::fs::{File, Metadata};
use std::io::{self, Read};
use std::path::Path;

/// `s` with every control character (newlines and tabs included), the
/// C1 controls and the Unicode direction overrides written as `\u{..}`, so
/// that printing it shows exactly one line of visible characters.
pub fn escape(s: &str) -> Cow<'_, str> {
    if !s.chars().any(needs_escape) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if needs_escape(c) {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// [`escape`] of a path, shown as it would print.
pub fn escape_path(p: &Path) -> String {
    escape(&p.display().to_string()).into_owned()
}

/// Characters a terminal would act on or that reorder what is shown.
fn needs_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}')
}

/// [`escape`] for text that is meant to span lines (a table): every control
/// character but the newline is escaped.
pub fn escape_keeping_lines(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| c != '\n' && needs_escape(c)) {
        return Cow::Borrowed(s);
    }
    let lines: Vec<Cow<'_, str>> = s.split('\n').map(escape).collect();
    Cow::Owned(lines.join("\n"))
}

/// Whether a symbolic link at the path is followed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Links {
    /// Follow it (a path the person typed).
    Follow,
    /// Refuse it (a file found in a directory the program reads by itself).
    Refuse,
}

/// Opens `path` for reading without blocking (a FIFO with no writer does not
/// wait), then checks, on the opened file itself, that it is a regular file
/// of at most `limit` bytes.
///
/// # Errors
/// The open fails, or the file is a FIFO, a device, a directory, a link (with
/// [`Links::Refuse`]) or larger than `limit`: the message says which.
pub fn open_regular(path: &Path, limit: u64, links: Links) -> io::Result<(File, Metadata)> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut flags = libc::O_NONBLOCK | libc::O_CLOEXEC;
    if links == Links::Refuse {
        flags |= libc::O_NOFOLLOW;
    }
    let file = std::fs::OpenOptions::new().read(true).custom_flags(flags).open(path).map_err(|e| {
        if e.raw_os_error() == Some(libc::ELOOP) && links == Links::Refuse {
            io::Error::other("is a symbolic link; only regular files are read here")
        } else {
            e
        }
    })?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(io::Error::other(format!("is {}, not a regular file", kind_of(&meta))));
    }
    if meta.len() > limit {
        return Err(io::Error::other(format!("is {} MiB, more than the limit of {} MiB", meta.len() >> 20, limit >> 20)));
    }
    Ok((file, meta))
}

/// Reads the whole regular file at `path`, at most `limit` bytes ([`open_regular`]);
/// a file that grows past the limit while it is read is refused too.
///
/// # Errors
/// See [`open_regular`]; a read error.
pub fn read_regular(path: &Path, limit: u64, links: Links) -> io::Result<Vec<u8>> {
    let (file, meta) = open_regular(path, limit, links)?;
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(io::Error::other(format!("grew past the limit of {} MiB while it was read", limit >> 20)));
    }
    Ok(bytes)
}

/// What kind of file `meta` describes, for messages.
fn kind_of(meta: &Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO (a named pipe)"
    } else if t.is_char_device() || t.is_block_device() {
        "a device"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_symlink() {
        "a symbolic link"
    } else {
        "not a regular file"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_leave_one_visible_line() {
        assert_eq!(escape("plain name"), "plain name");
        assert_eq!(escape("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(escape("row\nfake row"), "row\\u{a}fake row");
        assert_eq!(escape("\u{9b}31m\u{7}"), "\\u{9b}31m\\u{7}");
        assert_eq!(escape("abc\u{202e}def"), "abc\\u{202e}def");
        assert_eq!(escape_keeping_lines("a\u{1b}]0;x\u{7}\nb"), "a\\u{1b}]0;x\\u{7}\nb");
        assert!(!escape("\u{1b}\r\t\u{7f}").chars().any(char::is_control));
    }

    #[test]
    fn only_bounded_regular_files_are_read() {
        let dir = tempfile::tempdir().expect("a scratch dir");
        let small = dir.path().join("a.json");
        std::fs::write(&small, b"{}").expect("write");
        assert_eq!(read_regular(&small, 10, Links::Refuse).expect("read"), b"{}");
        let err = read_regular(&small, 1, Links::Refuse).expect_err("over the limit");
        assert!(err.to_string().contains("limit"), "{err}");
        let link = dir.path().join("l.json");
        std::os::unix::fs::symlink(&small, &link).expect("symlink");
        assert!(read_regular(&link, 10, Links::Refuse).expect_err("a link").to_string().contains("symbolic link"));
        assert_eq!(read_regular(&link, 10, Links::Follow).expect("followed"), b"{}");
        let err = read_regular(Path::new("/dev/zero"), 1 << 20, Links::Follow).expect_err("a device");
        assert!(err.to_string().contains("device"), "{err}");
        assert!(read_regular(dir.path(), 10, Links::Follow).expect_err("a dir").to_string().contains("directory"));
    }

    #[test]
    fn a_fifo_without_a_writer_is_refused_at_once() {
        let dir = tempfile::tempdir().expect("a scratch dir");
        let fifo = dir.path().join("f.json");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status().expect("mkfifo runs");
        assert!(made.success());
        let err = read_regular(&fifo, 10, Links::Refuse).expect_err("a FIFO");
        assert!(err.to_string().contains("FIFO"), "{err}");
    }
}
