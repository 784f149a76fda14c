//! `skewed`: Mandelbrot rows, whose cost varies by orders of magnitude.

use super::source::Counter;
use super::{Cancel, Computed, Design, ParamInfo, Workload, WorkloadError, WorkloadInfo, WorkloadSpec, number};
use crate::engine::{Config, Outcome, Run};
use crate::workloads::memory::{MemoryEstimate, feeder_buffers};

/// Description and parameters.
pub static INFO: WorkloadInfo = WorkloadInfo {
    name: "skewed",
    summary: "Mandelbrot rows: item costs vary by orders of magnitude",
    description: "Each item is one row of a Mandelbrot image; the result is the total number of \
        iterations. Rows through the middle of the set cost hundreds of times more than rows at \
        the edge. With big chunks one worker can get all the expensive rows while the others sit \
        idle: load imbalance. Small chunks share the work out evenly.",
    params: &[
        ParamInfo { name: "n", help: "rows", default: 1200, min: 0, max: 1_000_000 },
        ParamInfo { name: "width", help: "pixels per row", default: 1200, min: 1, max: 100_000 },
        ParamInfo { name: "max_iter", help: "iteration limit per pixel", default: 500, min: 1, max: 1_000_000 },
    ],
    takes_file: false,
    design: Design::MapReduce,
};

/// Iterations summed over one row `y` of a `rows x width` image of [-2, 1] x [-1.5, 1.5].
pub fn row(y: u64, rows: u64, width: u64, max_iter: u64) -> u64 {
    let ci = -1.5 + 3.0 * (y as f64 + 0.5) / rows.max(1) as f64;
    let mut total = 0;
    for x in 0..width {
        let cr = -2.0 + 3.0 * (x as f64 + 0.5) / width as f64;
        let (mut zr, mut zi, mut i) = (0.0f64, 0.0f64, 0);
        while i < max_iter && zr * zr + zi * zi <= 4.0 {
            let t = zr * zr - zi * zi + cr;
            zi = 2.0 * zr * zi + ci;
            zr = t;
            i += 1;
        }
        total += i;
    }
    total
}

fn args(spec: &WorkloadSpec) -> (u64, u64, u64) {
    (spec.get("n"), spec.get("width"), spec.get("max_iter"))
}

/// The `skewed` workload (see [`INFO`]).
#[derive(Debug)]
pub struct Skewed;

impl Workload for Skewed {
    fn info(&self) -> &'static WorkloadInfo {
        &INFO
    }

    /// The feeder's buffers of row numbers; each row is computed in
    /// registers and the result is a number.
    fn memory(&self, _spec: &WorkloadSpec, config: &Config) -> MemoryEstimate {
        feeder_buffers(config, 8, 0)
    }

    /// The plain loop.
    fn reference(&self, spec: &WorkloadSpec, cancel: Cancel<'_>) -> Result<Computed, WorkloadError> {
        let (n, w, m) = args(spec);
        let sum = cancel.blocks(n, 1, 0, |acc, block| acc + block.map(|y| row(y, n, w, m)).sum::<u64>())?;
        Ok(Computed::Number(sum))
    }

    fn run(&self, spec: &WorkloadSpec, call: Run<'_>) -> Result<Outcome<Computed>, WorkloadError> {
        let (n, w, m) = args(spec);
        let out = call.fold(Counter::new(n), || 0u64, |acc, y| acc + row(y, n, w, m), |a, b| a + b)?;
        Ok(number(out))
    }
}
