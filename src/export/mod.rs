//! Views of an [`Experiment`](crate::experiment::Experiment): CSV, the
//! text table, Extra-P's text input, and the plot data every picture of it
//! is drawn from (the app's plots and the report's). The experiment itself
//! is the file (`crate::experiment`).

pub mod csv;
pub mod extrap;
pub mod outputs;
pub mod plot_data;
pub mod report;
pub mod table;
