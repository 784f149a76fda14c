//! Weak scaling (Gustafson): the problem grows with the threads.
//!
//! Strong scaling keeps `n` fixed and asks how much faster `p` threads
//! finish it. Weak scaling gives `p` threads `p` times the work (`n x p`)
//! and asks whether they finish it in the time one thread takes for `n`.
//! Each grown size has its own sequential reference, so the *scaled
//! speedup* of a run is the plain loop's time at that size over the run's
//! time at that size, and its efficiency is that over `p`.
//!
//! Gustafson's law reads the same measurements as `S(p) = p - s (p - 1)`,
//! where `s` is the share of the parallel run spent in serial work. When the
//! serial part stays fixed while the parallel part grows with `n`, `s`
//! shrinks and the scaled speedup keeps growing with `p`: Amdahl's ceiling
//! `1/(1-f)` is a statement about a fixed problem, not about the machine.

use serde::{Deserialize, Serialize};

use super::{Baseline, RunRecord};
use crate::workloads::{WorkloadError, WorkloadSpec};

/// The parameter that grows with the threads (every workload's size).
pub const SIZE_PARAM: &str = "n";

/// The weak-scaling half of an experiment: one step per thread count above
/// one. The one-thread point is the strong sweep's own one-thread run at
/// the size asked.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Weak {
    /// The parameter that grew ([`SIZE_PARAM`]).
    pub param: String,
    /// Its value at one thread (the size asked).
    pub base: u64,
    /// One step per thread count above one, in the order they were first measured.
    pub steps: Vec<WeakStep>,
}

/// One grown size: its own sequential reference and the runs at it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WeakStep {
    /// The thread count the size grew for.
    pub threads: usize,
    /// The size: [`Weak::base`] x `threads`.
    pub size: u64,
    /// The plain loop at this size, timed in the same rounds as the runs;
    /// `None` until its first timed repetition ends.
    pub baseline: Option<Baseline>,
    /// The runs at this size; their `speedup` is the scaled speedup
    /// (this step's baseline over the run), their `efficiency` that over the threads.
    pub runs: Vec<RunRecord>,
}

impl Weak {
    /// An empty weak half for `spec` (the size asked, before it grows).
    pub fn of(spec: &WorkloadSpec) -> Self {
        Weak { param: SIZE_PARAM.into(), base: spec.get(SIZE_PARAM), steps: Vec::new() }
    }
}

impl WeakStep {
    /// An empty step for `threads`, at the size of `grown` (see [`grown`]).
    pub fn new(threads: usize, grown: &WorkloadSpec) -> Self {
        WeakStep { threads, size: grown.get(SIZE_PARAM), baseline: None, runs: Vec::new() }
    }
}

/// `spec` with its size multiplied by `threads` (saturating: an absurd size
/// is refused by validation, never wrapped).
pub fn grown(spec: &WorkloadSpec, threads: usize) -> WorkloadSpec {
    let n = spec.get(SIZE_PARAM).saturating_mul(threads as u64);
    spec.clone().with(SIZE_PARAM, n)
}

/// `n = 10,000,000`.
pub fn size_words(spec: &WorkloadSpec) -> String {
    format!("{SIZE_PARAM} = {}", crate::units::fmt_count(spec.get(SIZE_PARAM)))
}

/// Whether `spec` can grow with the threads.
///
/// # Errors
/// [`WorkloadError::Weak`]: a text file (it cannot grow), a design that
/// fixes its own thread count, or a size of 0.
pub fn check(spec: &WorkloadSpec) -> Result<(), WorkloadError> {
    let why = if spec.file.is_some() {
        Some(format!(
            "{} reads the file you gave, which cannot grow with the threads; leave out --file to use the generated text",
            spec.name
        ))
    } else if let Some(k) = spec.name.design().threads_param() {
        Some(format!("{} runs one thread per aggregate ({k} = {}), so the threads cannot grow", spec.name, spec.get(k)))
    } else if spec.command.as_ref().is_some_and(|c| !c.uses_size()) {
        Some("the command has no {n} for the size to grow; put {n} where the size goes (--n sets it at 1 thread)".to_string())
    } else if spec.get(SIZE_PARAM) == 0 {
        Some(format!("{SIZE_PARAM} = 0 has nothing to grow; give --{SIZE_PARAM} 1 or more"))
    } else {
        None
    };
    why.map_or(Ok(()), |why| Err(WorkloadError::Weak(why)))
}

/// The error for a weak step whose grown size does not validate: names the
/// size asked, the threads and the limit.
pub fn too_big(spec: &WorkloadSpec, threads: Option<usize>, e: WorkloadError) -> WorkloadError {
    match (e, threads) {
        (WorkloadError::Param { name, value, max, .. }, Some(p)) if name == SIZE_PARAM => WorkloadError::Weak(format!(
            "{SIZE_PARAM} = {} x {p} threads = {} is above {SIZE_PARAM}'s limit {}; lower --{SIZE_PARAM} or the thread counts",
            spec.get(SIZE_PARAM),
            crate::units::fmt_count(value),
            crate::units::fmt_count(max)
        )),
        (e, _) => e,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grown_sizes_saturate_and_are_refused_with_the_numbers() {
        use crate::workloads::WorkloadKind;
        let spec = WorkloadSpec::new(WorkloadKind::Primes).with("n", 600_000_000);
        let big = grown(&spec, 4);
        assert_eq!(big.get("n"), 2_400_000_000);
        let e = too_big(&spec, Some(4), big.validate().expect_err("above primes' limit")).to_string();
        assert!(e.contains("600000000 x 4 threads = 2,400,000,000") && e.contains("1,000,000,000"), "{e}");
        assert_eq!(grown(&spec.clone().with("n", u64::MAX), 2).get("n"), u64::MAX);
        let text = WorkloadSpec { file: Some("words.txt".into()), ..WorkloadSpec::new(WorkloadKind::WordCount) };
        assert!(check(&text).expect_err("a file cannot grow").to_string().contains("file"));
        assert!(check(&WorkloadSpec::new(WorkloadKind::Aggregates)).is_err());
        assert!(check(&WorkloadSpec::new(WorkloadKind::Primes)).is_ok());
    }
}
