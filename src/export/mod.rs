//! Views of an [`Experiment`](crate::experiment::Experiment): CSV, the
//! text table, and Extra-P's text input. The experiment itself is the file (`crate::experiment`).

pub mod csv;
pub mod extrap;
pub mod outputs;
pub mod table;
