#![warn(missing_docs, missing_debug_implementations, unreachable_pub)]
//! scalescope: watch a parallel map-reduce scale on the machine in front of you.
//!
//! # Crate layout
//! - [`engine`]: map-reduce over plain single-pass iterators, feeders, progress, cancel.
//! - [`workloads`]: the workloads a user can run, each with a sequential reference.
//! - [`metrics`]: statistics, speedup, efficiency, Karp-Flatt, sweeps.
//! - [`experiment`]: the experiment, its file (JSON, atomic writes) and the library.
//! - [`export`]: views of an experiment: CSV and the text table.
//! - [`machine`]: what machine this is.
//! - [`untrusted`]: data from files: escaped before printing, read only from bounded regular files.
//! - [`cli`]: the headless command line (`scalescope run`, `scalescope sweep`).
//! - `gui`: the desktop app (the `gui` feature, on by default).

pub mod analysis;
pub mod cli;
pub mod engine;
pub mod experiment;
pub mod export;
#[cfg(feature = "gui")]
pub mod gui;
pub mod machine;
pub mod measure;
pub mod program;
pub mod stats;
pub mod units;
pub mod untrusted;
pub mod workloads;
