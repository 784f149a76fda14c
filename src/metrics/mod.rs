//! Measurement: statistics over repetitions, scaling metrics, and sweeps.

pub mod analysis;
pub mod bandwidth;
pub mod budget;
pub mod diagnosis;
pub mod fit;
pub mod load;
pub mod scaling;
pub mod stats;
pub mod sweep;
pub mod units;
pub mod weak;
pub mod whatif;

pub use scaling::{efficiency, karp_flatt, speedup};
pub use stats::Summary;
pub use sweep::{SweepEvent, SweepPlan, describe, run_sweep};
