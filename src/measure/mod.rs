//! The measuring layer: runs a checked plan as one experiment (the sweep,
//! with its references, interleaved repetitions and saves), measures a
//! program's own map-reduce the same way ([`Scaling`]), and says what a plan
//! will cost before it runs (memory, time).
//!
//! May import: `engine`, `workloads`, `experiment`, `machine`, `stats`,
//! `units`, `untrusted`. Never `analysis`, `export`, `cli` or `gui`.

pub mod budget;
pub mod crossover;
pub mod preflight;
pub mod scaling;
pub mod sweep;
pub mod thin;

pub use scaling::Scaling;
pub use sweep::{SweepEvent, describe, run_sweep};
