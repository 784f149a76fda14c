//! What a sweep will cost before it runs: the memory each configuration
//! needs (checked against a [`MemoryBudget`], so running out is a refusal
//! with the number, never an abort) and, where it is known to be long, the
//! time it will take.
//!
//! Each workload reckons its own memory ([`crate::workloads::Workload::memory`]:
//! the feeder's buffers, its tables, its buffer, its text), and what one of
//! its results takes; a plan adds the results the sweep keeps (the
//! references' and each configuration's last). The process's fixed cost
//! (tens of MB) is not counted.

use std::fmt;

use crate::engine::Config;
use crate::experiment::SweepPlan;
use crate::units::{human_bytes, human_duration};
use crate::workloads::WorkloadSpec;

pub use crate::workloads::memory::{MemoryBudget, MemoryEstimate, estimate, feeder_buffers, heap_bytes, table_bytes};

/// Seconds one engine call of `config` is expected to take, where the
/// workload knows its design is slow enough to need a warning
/// ([`crate::workloads::Workload::expected_seconds`]).
pub fn expected_seconds(spec: &WorkloadSpec, config: &Config) -> Option<f64> {
    spec.name.workload().expected_seconds(spec, config)
}

/// A plan refused for its cost.
#[derive(Clone, Debug, PartialEq)]
pub enum CostError {
    /// A configuration's buffers exceed the budget.
    Memory {
        /// The configuration, in words.
        label: String,
        /// The estimate.
        estimate: MemoryEstimate,
        /// The budget.
        budget: MemoryBudget,
    },
    /// The plan is expected to run long.
    Long {
        /// Expected seconds in all.
        seconds: f64,
        /// The slow configuration.
        label: String,
    },
}

impl fmt::Display for CostError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CostError::Memory { label, estimate, budget } => write!(
                f,
                "{label} needs about {} of memory ({}), more than the memory budget of {budget}; use a smaller --chunk, fewer --threads, a smaller --n (or --keys, --vocabulary, text), or raise --memory-budget",
                human_bytes(estimate.bytes),
                estimate.how
            ),
            CostError::Long { seconds, label } => write!(
                f,
                "{label} is expected to take about {} in all; pass --yes to run it anyway, or lower --n",
                human_duration(*seconds)
            ),
        }
    }
}

/// Runs past this many seconds need `--yes` on the CLI.
pub const LONG_RUN_S: f64 = 180.0;

impl SweepPlan {
    /// Every run of the plan (the grown sizes of a weak sweep included)
    /// with what it needs while it runs: its own estimate plus the results
    /// the sweep keeps meanwhile (each step's reference's, every other
    /// configuration's last, and its own previous one when it repeats).
    pub fn memory_estimates(&self) -> Vec<(String, MemoryEstimate)> {
        let runs = self.runs();
        let steps = self.steps();
        let kept = |spec: &WorkloadSpec, config: &Config| estimate(spec, config).kept;
        let references: u64 =
            steps.iter().filter_map(|step| step.configs.first().map(|c| kept(&step.workload, c))).fold(0, u64::saturating_add);
        let results: Vec<u64> = runs.iter().map(|(_, spec, config)| kept(spec, config)).collect();
        let all_results = results.iter().fold(0u64, |a, &b| a.saturating_add(b));
        runs.iter()
            .zip(&results)
            .map(|((_, spec, config), &own)| {
                let mut e = estimate(spec, config);
                let others = if self.reps > 1 { all_results } else { all_results - own };
                let held = references.saturating_add(others);
                if held > 0 {
                    let count = steps.len() + runs.len() - usize::from(self.reps <= 1);
                    let results = if count == 1 { "result" } else { "results" };
                    e.how = format!("{} + {count} {results} the sweep keeps ({})", e.how, human_bytes(held));
                    e.bytes = e.bytes.saturating_add(held);
                }
                let size = if self.weak { format!(" at {}", crate::experiment::weak::size_words(spec)) } else { String::new() };
                (format!("{} {}{size}", spec.name, super::sweep::label(spec, config)), e)
            })
            .collect()
    }

    /// The run of the plan that needs the most memory, and its estimate.
    pub fn memory_peak(&self) -> Option<(String, MemoryEstimate)> {
        self.memory_estimates().into_iter().max_by_key(|(_, e)| e.bytes)
    }

    /// Checks every configuration against `budget`.
    ///
    /// # Errors
    /// The first configuration that would not fit.
    pub fn check_memory(&self, budget: MemoryBudget) -> Result<(), CostError> {
        match self.memory_estimates().into_iter().find(|(_, e)| e.bytes > budget.get()) {
            Some((label, estimate)) => Err(CostError::Memory { label, estimate, budget }),
            None => Ok(()),
        }
    }

    /// The expected length of the whole plan when a configuration in it is
    /// known to be slow, and that configuration.
    pub fn expected_long(&self) -> Option<(f64, String)> {
        let calls = (self.reps + self.warmup) as f64;
        let mut total = 0.0;
        let mut slow = None;
        for (_, spec, config) in self.runs() {
            if let Some(s) = expected_seconds(&spec, &config) {
                total += s * calls;
                slow.get_or_insert_with(|| format!("{} {}", spec.name, super::sweep::label(&spec, &config)));
            }
        }
        slow.map(|label| (total, label))
    }

    /// Refuses a plan expected to run past [`LONG_RUN_S`] unless `yes`.
    ///
    /// # Errors
    /// [`CostError::Long`].
    pub fn check_time(&self, yes: bool) -> Result<(), CostError> {
        match self.expected_long() {
            Some((seconds, label)) if seconds > LONG_RUN_S && !yes => Err(CostError::Long { seconds, label }),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::FeederKind;
    use crate::workloads::Variant;
    use crate::workloads::WorkloadKind;

    #[test]
    fn sizes_parse_with_units() {
        assert_eq!("512M".parse::<MemoryBudget>().map(MemoryBudget::get), Ok(512 << 20));
        assert_eq!("2GiB".parse::<MemoryBudget>().map(MemoryBudget::get), Ok(2 << 30));
        assert_eq!("1000".parse::<MemoryBudget>().map(MemoryBudget::get), Ok(1000));
        assert!("0".parse::<MemoryBudget>().is_err());
        assert!("lots".parse::<MemoryBudget>().is_err());
        assert!("5X".parse::<MemoryBudget>().is_err());
    }

    #[test]
    fn big_chunks_times_threads_are_counted() {
        let spec = WorkloadSpec::new(WorkloadKind::Primes);
        let e = estimate(
            &spec,
            &Config::new(8).expect("8 threads").feeder(FeederKind::Dispenser).chunk(1 << 24).expect("a chunk at the limit"),
        );
        assert_eq!(e.bytes, 8 * (1 << 24) * 8);
        assert!(e.how.contains("chunk 16,777,216"), "{}", e.how);
    }

    #[test]
    fn a_weak_sweep_counts_its_grown_buffers() {
        use crate::engine::Threads;
        let threads = [Threads::ONE, Threads::new(4).expect("4 threads")];
        let stream = WorkloadSpec::new(WorkloadKind::Stream).with("n", 1024);
        let plan = |weak| crate::experiment::SweepPlan {
            weak,
            ..crate::experiment::SweepPlan::single(stream.clone(), FeederKind::Dispenser, &threads)
        };
        let budget: MemoryBudget = "2G".parse().expect("a budget");
        assert!(plan(false).check_memory(budget).is_ok(), "1 GiB fits in 2");
        let e = plan(true).check_memory(budget).expect_err("4 GiB at 4 threads does not").to_string();
        assert!(e.contains("n = 4,096"), "{e}");
    }

    #[test]
    fn tables_and_heap_blocks_are_sized_as_std_and_glibc_do() {
        assert_eq!(table_bytes(0, 16), 0);
        assert_eq!(table_bytes(3, 16), 4 * 17 + 16);
        assert_eq!(table_bytes(7, 16), 8 * 17 + 16);
        // 7/8 of 16 buckets hold 14 entries; the 15th needs 32.
        assert_eq!(table_bytes(14, 32), 16 * 33 + 16);
        assert_eq!(table_bytes(15, 32), 32 * 33 + 16);
        assert_eq!(table_bytes(1_000_000, 16), (1 << 21) * 17 + 16);
        assert_eq!(heap_bytes(0), 0);
        assert_eq!(heap_bytes(1), 32);
        assert_eq!(heap_bytes(24), 32);
        assert_eq!(heap_bytes(25), 48);
        assert_eq!(heap_bytes(100), 112);
    }

    #[test]
    fn a_plan_counts_the_results_its_sweep_keeps() {
        use crate::engine::Threads;
        let plan = |threads: Vec<usize>, reps| {
            let threads: Vec<Threads> = threads.into_iter().map(|t| Threads::new(t).expect("threads")).collect();
            let contention = WorkloadSpec::new(WorkloadKind::Contention).with("keys", 100_000).with("n", 1_000_000);
            crate::experiment::SweepPlan { reps, ..crate::experiment::SweepPlan::single(contention, FeederKind::Dispenser, &threads) }
        };
        let config = Config::new(1).expect("1 thread").feeder(FeederKind::Dispenser);
        let one = estimate(&plan(vec![1], 1).workload, &config);
        assert!(one.kept > 0, "a table of counts is kept");
        let peak = |p: crate::experiment::SweepPlan| p.memory_peak().expect("a run").1.bytes;
        // One run, once: the reference's result besides its own.
        assert_eq!(peak(plan(vec![1], 1)), one.bytes + one.kept);
        // Repeated: its previous result too, while the next is made.
        assert_eq!(peak(plan(vec![1], 2)), one.bytes + 2 * one.kept);
        // Three configurations: every one keeps its last result.
        assert!(peak(plan(vec![1, 2, 4], 2)) >= one.bytes + 4 * one.kept);
        let refused = plan(vec![1, 2, 4], 2).check_memory(MemoryBudget::bytes(one.bytes).expect("a budget")).expect_err("too small");
        assert!(refused.to_string().contains("4 results the sweep keeps"), "{refused}");
    }

    #[test]
    fn buffer_all_counts_every_item() {
        let spec = WorkloadSpec::new(WorkloadKind::Aggregates).with("n", 1_000_000).with_variant(Variant::BufferAll);
        assert_eq!(estimate(&spec, &Config::default()).bytes, 8_000_000);
    }
}
