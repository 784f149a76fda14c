//! Results files: one serializable type ([`ResultsFile`]) feeds every exporter.

pub mod csv;
pub mod json;
pub mod table;

pub use json::{Baseline, ResultsFile, RunRecord, WorkerRecord};
