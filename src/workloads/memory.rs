//! Memory: the budget a configuration must fit in, and the estimate each
//! workload makes of what it needs ([`crate::workloads::Workload::memory`]),
//! with the generic parts every workload shares (a feeder's buffers, a hash
//! table, a heap block). The plan-level checks are in the `measure` layer (`budget`).

use std::fmt;
use std::num::NonZeroU64;
use std::str::FromStr;

use crate::engine::{ChunkSize, Config, FeederKind};
use crate::units::{fmt_count, human_bytes};
use crate::workloads::WorkloadSpec;

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
