//! An experiment's id: a typed value that can only hold a safe name.
//!
//! An id is never a path. It is 1 to [`ExperimentId::MAX_LEN`] ASCII letters,
//! digits, `-` and `_`, starting with a letter or a digit, so that the file
//! name the library derives from it (`<id>.json`) stays inside the library,
//! is not hidden and cannot be `.` or `..`. Every id that enters (a file, a
//! CLI argument, the app) goes through [`ExperimentId::parse`].

use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// A checked experiment id: `20261123-201039-3fa2c01b`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ExperimentId(String);

/// Why a text is not an id.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
#[error("'{}' is not an experiment id: {reason}", crate::untrusted::escape(.text))]
pub struct IdError {
    /// The text, at most its first 80 characters.
    pub text: String,
    /// Why.
    pub reason: &'static str,
}

impl ExperimentId {
    /// The longest id.
    pub const MAX_LEN: usize = 64;

    /// `text` as an id.
    ///
    /// # Errors
    /// Empty, longer than [`Self::MAX_LEN`], a character outside `A-Z a-z
    /// 0-9 - _`, or not starting with a letter or a digit.
    pub fn parse(text: &str) -> Result<Self, IdError> {
        let fail = |reason| IdError { text: text.chars().take(80).collect(), reason };
        if text.is_empty() {
            return Err(fail("it is empty"));
        }
        if text.len() > Self::MAX_LEN {
            return Err(fail("it is longer than 64 characters"));
        }
        if !text.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            return Err(fail("only letters, digits, '-' and '_' are allowed"));
        }
        if !text.starts_with(|c: char| c.is_ascii_alphanumeric()) {
            return Err(fail("it must start with a letter or a digit"));
        }
        Ok(ExperimentId(text.to_string()))
    }

    /// A fresh id for an experiment created at `created` (RFC 3339):
    /// `20261123-201039-3fa2c01b`, its time and 32 bits that differ between
    /// processes and calls.
    pub fn fresh(created: &str) -> Self {
        use std::sync::atomic::{AtomicU64, Ordering};
        static CALLS: AtomicU64 = AtomicU64::new(0);
        let stamp: String = created.chars().filter(char::is_ascii_digit).take(14).collect();
        let (date, time) = stamp.split_at(stamp.len().min(8));
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64);
        let seed =
            nanos ^ (u64::from(std::process::id()) << 32) ^ CALLS.fetch_add(1, Ordering::Relaxed).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let mix = crate::workloads::source::SplitMix(seed).next_u64();
        let text = match (date.is_empty(), time.is_empty()) {
            (true, _) => format!("x-{:08x}", mix & 0xffff_ffff),
            (false, true) => format!("{date}-{:08x}", mix & 0xffff_ffff),
            (false, false) => format!("{date}-{time}-{:08x}", mix & 0xffff_ffff),
        };
        ExperimentId(text)
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The file name the library keeps it under: `<id>.json`.
    pub fn file_name(&self) -> String {
        format!("{}.json", self.0)
    }
}

impl fmt::Display for ExperimentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
    }
}

impl TryFrom<String> for ExperimentId {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, IdError> {
        ExperimentId::parse(&s)
    }
}

impl From<ExperimentId> for String {
    fn from(id: ExperimentId) -> String {
        id.0
    }
}

impl std::str::FromStr for ExperimentId {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        ExperimentId::parse(s)
    }
}

impl PartialEq<str> for ExperimentId {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crafted_ids_are_refused() {
        let long = "a".repeat(300);
        for bad in
            ["", ".", "..", "../x", "../../evil", "/etc/passwd", "a/b", "a\\b", "-rf", "_x", "a\u{1b}[2J", "a\nb", "é", long.as_str()]
        {
            assert!(ExperimentId::parse(bad).is_err(), "{bad:?} was accepted");
        }
        for good in ["20261123-201039-3fa2c01b", "a", "v1-old_file", "A-1"] {
            assert_eq!(ExperimentId::parse(good).map(|i| i.to_string()), Ok(good.to_string()));
        }
    }

    #[test]
    fn fresh_ids_are_valid_and_differ() {
        let a = ExperimentId::fresh("2026-12-05T08:36:53Z");
        let b = ExperimentId::fresh("2026-12-05T08:36:53Z");
        assert_ne!(a, b);
        assert!(a.as_str().starts_with("20261205-083653-"), "{a}");
        assert_eq!(ExperimentId::parse(a.as_str()), Ok(a.clone()));
        assert!(ExperimentId::parse(ExperimentId::fresh("").as_str()).is_ok());
    }

    #[test]
    fn a_file_with_a_crafted_id_does_not_deserialize() {
        let r: Result<ExperimentId, _> = serde_json::from_str("\"../../evil\"");
        assert!(r.expect_err("refused").to_string().contains("not an experiment id"));
    }
}
