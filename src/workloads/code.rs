//! `rust-code`: a Rust program's own map-reduce, measured inside that
//! program by the measuring layer's harness (`scalescope::measure::Scaling`).
//! Its experiments are ordinary experiments (the same baseline, runs,
//! speedups and diagnoses); only the code is not here, so this process can
//! show them but never run them again: its run and reference say so.

use super::{Cancel, Computed, Design, Workload, WorkloadError, WorkloadInfo, WorkloadSpec};
use crate::engine::{Config, Outcome, Run};
use crate::workloads::memory::MemoryEstimate;

/// Description (no parameters: the program has its own).
pub static INFO: WorkloadInfo = WorkloadInfo {
    name: "rust-code",
    summary: "your own Rust map-reduce, measured by scalescope::measure::Scaling inside your program",
    description: "A map-reduce of your own Rust program, measured inside it: \
        scalescope::measure::Scaling runs your closure once per thread count and repetition on the \
        engine, and once on the sequential feeder for the reference, checks every result against \
        the reference's and saves the experiment in the library, where the app and the command \
        line show it like any other. The experiment's name says which code it measured; to \
        measure it again, run that program again.",
    params: &[],
    takes_file: false,
    design: Design::OwnCode,
};

/// What running such an experiment here says.
pub const NOT_HERE: &str = "this experiment measured Rust code inside another program: run that program again";

/// The `rust-code` workload (see [`INFO`]).
#[derive(Debug)]
pub struct OwnCode;

impl Workload for OwnCode {
    fn info(&self) -> &'static WorkloadInfo {
        &INFO
    }

    /// Nothing runs here.
    fn memory(&self, _spec: &WorkloadSpec, _config: &Config) -> MemoryEstimate {
        MemoryEstimate::new(0, "the code runs in its own program")
    }

    /// Items are the program's business: never fewer than the threads.
    fn items(&self, _spec: &WorkloadSpec) -> u64 {
        u64::MAX
    }

    fn reference(&self, _spec: &WorkloadSpec, _cancel: Cancel<'_>) -> Result<Computed, WorkloadError> {
        Err(WorkloadError::NotHere(NOT_HERE))
    }

    fn run(&self, _spec: &WorkloadSpec, _call: Run<'_>) -> Result<Outcome<Computed>, WorkloadError> {
        Err(WorkloadError::NotHere(NOT_HERE))
    }
}
