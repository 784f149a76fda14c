//! What a sweep will cost before it runs: the memory each configuration's
//! buffers need (checked against a [`MemoryBudget`], so running out is a
//! refusal with the number, never an abort) and, where it is known to be
//! long, the time it will take.
//!
//! The estimates are upper bounds of the buffers the designs hold (chunks in
//! flight, reorder windows, queues, everything for `buffer-all` and `tee`,
//! the keyed tables); the workload's own reference and the process's fixed
//! cost (tens of MB) are not counted.

use std::fmt;
use std::num::NonZeroU64;
use std::str::FromStr;

use super::SweepPlan;
use super::units::{fmt_count, human_bytes, human_duration};
use crate::engine::{ChunkSize, Config, FeederKind};
use crate::workloads::{Variant, WorkloadKind, WorkloadSpec};

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

/// An estimate of one configuration's buffers, with how it was reckoned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemoryEstimate {
    /// Bytes at most.
    pub bytes: u64,
    /// `2 threads x chunk 16,777,216 x 8 B`.
    pub how: String,
}

/// The bytes one item of `spec` takes in a buffer.
fn item_bytes(spec: &WorkloadSpec) -> u64 {
    match spec.name {
        // A `String` header plus the text of an average line.
        WorkloadKind::WordCount => 24 + spec.file.as_ref().map_or(100, |p| average_line(p)),
        // (number, answer) pairs in the reorder window.
        WorkloadKind::OrderedMap => 16,
        _ => 8,
    }
}

/// The average line length of the first 64 KiB of a regular file (100 for
/// anything else).
fn average_line(path: &std::path::Path) -> u64 {
    use std::io::Read;
    if !std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
        return 100;
    }
    let mut head = vec![0u8; 64 * 1024];
    let n = std::fs::File::open(path).and_then(|mut f| f.read(&mut head)).unwrap_or(0);
    let lines = head[..n].iter().filter(|&&b| b == b'\n').count() as u64;
    (n as u64).checked_div(lines).map_or((n as u64).max(100), |avg| avg.max(1))
}

/// Items per chunk as the design will use them (`auto` at its cap).
fn chunk_items(spec: &WorkloadSpec, chunk: ChunkSize) -> u64 {
    match chunk {
        ChunkSize::Fixed(c) => c.get() as u64,
        ChunkSize::Auto if spec.name == WorkloadKind::Aggregates => crate::workloads::aggregates::AUTO_CHUNK.get() as u64,
        ChunkSize::Auto => (32 * 1024 / item_bytes(spec)).max(4),
    }
}

/// The buffers `config` of `spec` holds at most.
pub fn estimate(spec: &WorkloadSpec, config: &Config) -> MemoryEstimate {
    let item = item_bytes(spec);
    let chunk = chunk_items(spec, config.chunk);
    let p = config.threads.get() as u64;
    let n = spec.params.get("n").unwrap_or(0);
    let times = |parts: &[(&str, u64)], what: &str| {
        let bytes = parts.iter().fold(1u64, |acc, (_, v)| acc.saturating_mul(*v));
        let how: Vec<String> = parts.iter().map(|(name, v)| format!("{name} {}", fmt_count(*v))).collect();
        MemoryEstimate { bytes, how: format!("{} ({what})", how.join(" x ")) }
    };
    let base = match (spec.name, spec.variant()) {
        (WorkloadKind::OrderedMap, _) => {
            times(&[("threads", p), ("window chunks", 32), ("chunk", chunk), ("bytes", item)], "reorder window")
        }
        (WorkloadKind::Aggregates, Some(Variant::BufferAll)) => times(&[("n", n), ("bytes", item)], "every item held"),
        (WorkloadKind::Aggregates, Some(Variant::Tee)) => times(&[("n", n), ("bytes", item)], "an unbounded queue may hold every item"),
        (WorkloadKind::Aggregates, Some(Variant::LockStep)) => times(&[("bytes", item)], "one item at a time"),
        (WorkloadKind::Aggregates, _) => times(&[("queue chunks", 6), ("chunk", chunk), ("bytes", item)], "shared chunks in flight"),
        _ => match config.feeder {
            FeederKind::Sequential => times(&[("bytes", item)], "one item at a time"),
            FeederKind::Locked | FeederKind::Rayon => times(&[("threads", p), ("bytes", item)], "one item per worker"),
            FeederKind::Queue => times(&[("chunks", 3 * p + 1), ("chunk", chunk), ("bytes", item)], "the queue and a chunk per worker"),
            FeederKind::Dispenser | FeederKind::Auto => times(&[("threads", p), ("chunk", chunk), ("bytes", item)], "a chunk per worker"),
        },
    };
    if spec.name == WorkloadKind::Stream {
        // The buffer the stream reads, held for the whole run.
        let buffer = n.saturating_mul(1 << 20);
        return MemoryEstimate {
            bytes: base.bytes.saturating_add(buffer),
            how: format!("{} + the buffer n {} MiB", base.how, fmt_count(n)),
        };
    }
    if spec.name != WorkloadKind::WordCount {
        return base;
    }
    // Keyed tables: every worker may see every distinct word.
    let distinct = match &spec.file {
        Some(path) => std::fs::metadata(path).map_or(0, |m| m.len()) / 2,
        None => spec.params.get("vocabulary").unwrap_or(0),
    };
    let tables = p.saturating_mul(distinct).saturating_mul(64);
    MemoryEstimate {
        bytes: base.bytes.saturating_add(tables),
        how: format!("{} + tables {} x {} words x 64 B", base.how, p, fmt_count(distinct)),
    }
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
                "{label} needs about {} of buffers ({}), more than the memory budget of {budget}; use a smaller --chunk, fewer --threads, a smaller --n, or raise --memory-budget",
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
    /// Checks every configuration against `budget`.
    ///
    /// # Errors
    /// The first configuration whose buffers would not fit.
    pub fn check_memory(&self, budget: MemoryBudget) -> Result<(), CostError> {
        // Every run, the grown sizes of a weak sweep included.
        for (_, spec, config) in self.runs() {
            let estimate = estimate(&spec, &config);
            if estimate.bytes > budget.get() {
                let size = if self.weak { format!(" at {}", super::weak::size_words(&spec)) } else { String::new() };
                return Err(CostError::Memory {
                    label: format!("{} {}{size}", spec.name, super::sweep::label(&spec, &config)),
                    estimate,
                    budget,
                });
            }
        }
        Ok(())
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
        let plan = |weak| crate::metrics::SweepPlan {
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
    fn buffer_all_counts_every_item() {
        let spec = WorkloadSpec::new(WorkloadKind::Aggregates).with("n", 1_000_000).with_variant(Variant::BufferAll);
        assert_eq!(estimate(&spec, &Config::default()).bytes, 8_000_000);
    }
}
