//! Views of an [`Experiment`](crate::experiment::Experiment): CSV and the
//! text table. The experiment itself is the file (`crate::experiment`).

pub mod csv;
pub mod table;
