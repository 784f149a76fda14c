//! Extra-P's text input format, so a sweep can be taken further there:
//! one parameter `p` (the thread count), one region per series (feeder,
//! chunk size, GIL, variant), the metric `time` in seconds, and one `DATA`
//! line per thread count holding every timed repetition.
//!
//! ```text
//! PARAMETER p
//! POINTS (1) (2) (4)
//!
//! REGION dispenser_chunk1024
//! METRIC time
//! DATA 0.70 0.69 0.71
//! DATA 0.36 0.35 0.36
//! DATA 0.19 0.19 0.20
//! ```
//!
//! Every region must have data at every point, so a series that lacks a
//! thread count the others have is left out (and named in
//! [`Extrap::left_out`]). Extra-P's modeller wants at least 5 points.

use std::collections::BTreeMap;

use crate::experiment::Experiment;

/// The points Extra-P's modeller needs at least.
pub const EXTRAP_MIN_POINTS: usize = 5;

/// The text and what did not fit in it.
#[derive(Clone, Debug, PartialEq)]
pub struct Extrap {
    /// The file's text.
    pub text: String,
    /// Regions written.
    pub regions: usize,
    /// Series left out, and why.
    pub left_out: Vec<String>,
    /// The thread counts (points).
    pub points: Vec<usize>,
}

impl Extrap {
    /// A line for people about what was written and what Extra-P will make of it.
    pub fn summary(&self) -> String {
        let mut s = format!("{} regions over thread counts {:?}", self.regions, self.points);
        if self.points.len() < EXTRAP_MIN_POINTS {
            s.push_str(&format!(
                "; Extra-P models from {EXTRAP_MIN_POINTS} points or more, this sweep has {} (sweep more thread counts)",
                self.points.len()
            ));
        }
        for l in &self.left_out {
            s.push_str(&format!("; left out {l}"));
        }
        s
    }
}

/// The experiment in Extra-P's text format.
///
/// # Errors
/// Nothing to write: no series was measured at one thread count or more.
pub fn to_extrap(file: &Experiment) -> Result<Extrap, String> {
    // region -> thread count -> repetition times
    let mut series: BTreeMap<String, BTreeMap<usize, Vec<f64>>> = BTreeMap::new();
    for r in &file.runs {
        let mut name = format!("{}_chunk{}", r.feeder, r.chunk_size);
        if let Some(v) = r.variant {
            name = format!("{}_{name}", v.name());
        }
        if r.gil {
            name.push_str("_gil");
        }
        series.entry(name).or_default().entry(r.threads).or_default().extend(&r.times_s);
    }
    let points: Vec<usize> = {
        let mut all: Vec<usize> = series.values().flat_map(|s| s.keys().copied()).collect();
        all.sort_unstable();
        all.dedup();
        all
    };
    let (full, partial): (Vec<_>, Vec<_>) = series.into_iter().partition(|(_, by_p)| points.iter().all(|p| by_p.contains_key(p)));
    if full.is_empty() {
        return Err(format!("{}: no series was measured at every thread count {points:?}", file.workload.name));
    }
    let mut text = format!("PARAMETER p\nPOINTS {}\n", points.iter().map(|p| format!("({p})")).collect::<Vec<_>>().join(" "));
    for (name, by_p) in &full {
        text.push_str(&format!("\nREGION {name}\nMETRIC time\n"));
        for times in by_p.values() {
            text.push_str(&format!("DATA {}\n", times.iter().map(|t| format!("{t:.9}")).collect::<Vec<_>>().join(" ")));
        }
    }
    let left_out =
        partial.into_iter().map(|(name, by_p)| format!("{name} (measured at {:?} only)", by_p.keys().collect::<Vec<_>>())).collect();
    Ok(Extrap { text, regions: full.len(), left_out, points })
}
