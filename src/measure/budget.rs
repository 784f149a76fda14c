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
use std::num::NonZeroU64;
use std::str::FromStr;

use crate::experiment::SweepPlan;
use crate::units::{fmt_count, human_bytes, human_duration};
use crate::engine::{ChunkSize, Config, FeederKind};
use crate::workloads::{Variant, WorkloadSpec};

/// The most memory one configuration's buffers may take, in bytes. Never zero.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryBudget(NonZeroU64);

/// 4 GiB: the budget where the machine's memory cannot be read.
const FALLBACK: u64 = 4 << 30;

impl MemoryBudget {
    /// Half of this machine's physical memory (4 GiB where it cannot be read).
    pub fn default_for_machine() -> Self {
        let total = std::fs::read_to_string("/proc/meminfo").ok().and_then(|t| {
            let line = t.lines().find(|l| l.starts_with("MemTotal:"))?;
            let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(kib * 1024)
        });
        MemoryBudget::bytes(total.map_or(FALLBACK, |t| t / 2)).unwrap_or(MemoryBudget(NonZeroU64::MIN))
    }

    /// Exactly `bytes` (`None` for zero).
    pub fn bytes(bytes: u64) -> Option<Self> {
        NonZeroU64::new(bytes).map(MemoryBudget)
    }

    /// Its size in bytes.
    pub fn get(self) -> u64 {
        self.0.get()
    }
}

impl FromStr for MemoryBudget {
    type Err = String;
    /// `512M`, `2G`, `1.5GiB`, `1000000` (bytes).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
        let (num, unit) = t.split_at(split);
        let x: f64 = num.parse().map_err(|_| format!("'{s}' is not a size (try 512M or 2G)"))?;
        let mult = match unit.trim().to_ascii_lowercase().trim_end_matches("ib").trim_end_matches('b') {
            "" => 1u64,
            "k" => 1 << 10,
            "m" => 1 << 20,
            "g" => 1 << 30,
            "t" => 1 << 40,
            _ => return Err(format!("'{s}': unknown unit '{unit}' (use K, M, G or T)")),
        };
        let bytes = x * mult as f64;
        if !bytes.is_finite() || !(1.0..=1e18).contains(&bytes) {
            return Err(format!("'{s}' is not a size between 1 byte and 1 EB"));
        }
        MemoryBudget::bytes(bytes as u64).ok_or_else(|| format!("'{s}' is zero"))
    }
}

impl fmt::Display for MemoryBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&human_bytes(self.get()))
    }
}

/// An estimate of the memory one configuration of a workload needs, with
/// how it was reckoned. Each workload makes its own
/// ([`crate::workloads::Workload::memory`]), beside its code; this module
/// gives the generic parts ([`feeder_buffers`], [`table_bytes`],
/// [`heap_bytes`]) and checks a plan against the budget.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemoryEstimate {
    /// Bytes at most that one run holds at its peak, its own result
    /// included (not the results the sweep keeps: see `kept`).
    pub bytes: u64,
    /// `threads 2 x chunk 16,777,216 x bytes 8 (a chunk per worker)`.
    pub how: String,
    /// Bytes of one result as the sweep keeps it: the reference's and each
    /// configuration's last (0 for a number).
    pub kept: u64,
}

impl MemoryEstimate {
    /// `bytes`, reckoned as `how`, keeping nothing.
    pub fn new(bytes: u64, how: impl Into<String>) -> Self {
        MemoryEstimate { bytes, how: how.into(), kept: 0 }
    }

    /// The product of `parts` (`threads 2 x chunk 1,024 x bytes 8 (what)`).
    pub fn product(parts: &[(&str, u64)], what: &str) -> Self {
        let bytes = parts.iter().fold(1u64, |acc, (_, v)| acc.saturating_mul(*v));
        let how: Vec<String> = parts.iter().map(|(name, v)| format!("{name} {}", fmt_count(*v))).collect();
        MemoryEstimate::new(bytes, format!("{} ({what})", how.join(" x ")))
    }

    /// Both at once: the bytes and results added, the reckonings joined.
    #[must_use]
    pub fn plus(self, other: MemoryEstimate) -> Self {
        let how = match (self.how.is_empty(), other.how.is_empty()) {
            (_, true) => self.how,
            (true, false) => other.how,
            (false, false) => format!("{} + {}", self.how, other.how),
        };
        MemoryEstimate { bytes: self.bytes.saturating_add(other.bytes), how, kept: self.kept.saturating_add(other.kept) }
    }

    /// The same, with a result of `kept` bytes that the sweep keeps.
    #[must_use]
    pub fn keeping(mut self, kept: u64) -> Self {
        self.kept = kept;
        self
    }
}

/// Bytes of the buffers the feeder of `config` holds: each item takes
/// `size_of` bytes in a buffer and owns `owned` bytes more on the heap (a
/// line's text). A fixed chunk is reserved whole by each worker; `auto`
/// chunks are at most 32 KiB of items (as the engine sizes them).
pub fn feeder_buffers(config: &Config, size_of: u64, owned: u64) -> MemoryEstimate {
    let item = size_of.max(1).saturating_add(owned);
    let chunk = match config.chunk {
        ChunkSize::Fixed(c) => c.get() as u64,
        ChunkSize::Auto => (32 * 1024 / size_of.max(1)).clamp(4, 1 << 20),
    };
    let p = config.threads.get() as u64;
    match config.feeder {
        FeederKind::Sequential => MemoryEstimate::product(&[("bytes", item)], "one item at a time"),
        FeederKind::Locked | FeederKind::Rayon => MemoryEstimate::product(&[("threads", p), ("bytes", item)], "one item per worker"),
        FeederKind::Queue => {
            MemoryEstimate::product(&[("chunks", 3 * p + 1), ("chunk", chunk), ("bytes", item)], "the queue and a chunk per worker")
        }
        FeederKind::Dispenser | FeederKind::Auto => {
            MemoryEstimate::product(&[("threads", p), ("chunk", chunk), ("bytes", item)], "a chunk per worker")
        }
    }
}

/// Bytes of a hash table (std's `HashMap`, a SwissTable) holding `entries`
/// entries of `entry` bytes each, sized for them at once (by `reserve` or
/// `collect`): a power of two of buckets, at most 7/8 full, each the entry
/// plus one control byte. A table that grew one insert at a time has the
/// same size, and held half as much again while it last grew.
pub fn table_bytes(entries: u64, entry: u64) -> u64 {
    if entries == 0 {
        return 0;
    }
    let buckets = match entries {
        0..4 => 4,
        4..8 => 8,
        _ => (entries.saturating_mul(8) / 7).checked_next_power_of_two().unwrap_or(u64::MAX),
    };
    buckets.saturating_mul(entry + 1).saturating_add(16)
}

/// Bytes the allocator gives a heap block of `len` bytes (a `String`'s
/// text): 8 bytes of header, rounded up to 16, at least 32 (glibc).
pub fn heap_bytes(len: u64) -> u64 {
    if len == 0 {
        return 0;
    }
    (len.saturating_add(8).saturating_add(15) & !15).max(32)
}

/// The memory one run of `config` of `spec` needs, as the workload reckons it.
pub fn estimate(spec: &WorkloadSpec, config: &Config) -> MemoryEstimate {
    spec.name.workload().memory(spec, config)
}

/// Seconds one engine call of `config` is expected to take, where a design
/// is known to be slow enough to need a warning (lock-step: one barrier per
/// item, about 60 us an item on the machines measured).
pub fn expected_seconds(spec: &WorkloadSpec, _config: &Config) -> Option<f64> {
    match spec.variant() {
        Some(Variant::LockStep) => Some(spec.params.get("n").unwrap_or(0) as f64 * 60e-6),
        _ => None,
    }
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
        let kept = |spec: &WorkloadSpec, config: &Config| estimate(spec, config).kept;
        let references: u64 =
            self.steps().iter().filter_map(|step| step.configs.first().map(|c| kept(&step.workload, c))).fold(0, u64::saturating_add);
        let results: Vec<u64> = runs.iter().map(|(_, spec, config)| kept(spec, config)).collect();
        let all_results = results.iter().fold(0u64, |a, &b| a.saturating_add(b));
        runs.iter()
            .zip(&results)
            .map(|((_, spec, config), &own)| {
                let mut e = estimate(spec, config);
                let others = if self.reps > 1 { all_results } else { all_results - own };
                let held = references.saturating_add(others);
                if held > 0 {
                    let count = self.steps().len() + runs.len() - usize::from(self.reps <= 1);
                    e.how = format!("{} + {} results kept ({})", e.how, count, human_bytes(held));
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
        use crate::engine::{ChunkSize, Threads};
        let plan = |weak| crate::experiment::SweepPlan {
            workload: WorkloadSpec::new(WorkloadKind::Stream).with("n", 1024),
            feeders: vec![FeederKind::Dispenser],
            threads: vec![Threads::ONE, Threads::new(4).expect("4 threads")],
            chunks: vec![ChunkSize::Auto],
            gil: vec![false],
            reps: 1,
            warmup: 0,
            spans: false,
            variants: vec![],
            weak,
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
        use crate::engine::{ChunkSize, Threads};
        let plan = |threads: Vec<usize>, reps| crate::experiment::SweepPlan {
            workload: WorkloadSpec::new(WorkloadKind::Contention).with("keys", 100_000).with("n", 1_000_000),
            feeders: vec![FeederKind::Dispenser],
            threads: threads.into_iter().map(|t| Threads::new(t).expect("threads")).collect(),
            chunks: vec![ChunkSize::Auto],
            gil: vec![false],
            reps,
            warmup: 0,
            spans: false,
            variants: vec![],
            weak: false,
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
        assert!(refused.to_string().contains("results kept"), "{refused}");
    }

    #[test]
    fn buffer_all_counts_every_item() {
        let spec = WorkloadSpec::new(WorkloadKind::Aggregates).with("n", 1_000_000).with_variant(Variant::BufferAll);
        assert_eq!(estimate(&spec, &Config::default()).bytes, 8_000_000);
    }
}
