//! A user's own program, measured as a black box: the command as typed
//! with its `{threads}` and `{n}` placeholders ([`spec`]), and one run of it
//! in a process group of its own, its process tree sampled from `/proc`
//! while it runs and its CPU time, peak memory and exit status recorded
//! ([`tree`]).
//!
//! A command is data until the user asks for it to run: this module runs
//! what it is handed and nothing else; where a command came from (typed, or
//! found in an imported file) is for the layers above to check.
//!
//! May import: `untrusted`, `units`, `stats`, `machine`. Never the engine or above.

pub mod spec;
pub mod tree;

pub use spec::{CommandError, CommandSpec, EnvVar, Invocation};
pub use tree::{Exit, Finished, Lane, RunError, Sample, TreeUse};
