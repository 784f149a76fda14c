//! The checked configuration of one engine call.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::error::ConfigError;

/// The most worker threads one call may ask for.
pub const MAX_THREADS: usize = 1024;
/// The largest fixed chunk one call may ask for (items).
pub const MAX_CHUNK: usize = 1 << 24;

/// How many items a worker takes from the source at a time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(into = "ChunkRepr", try_from = "ChunkRepr")]
pub enum ChunkSize {
    /// Sized from the measured cost of an item: each chunk holds about 200 us
    /// of map work (`dispenser`, `queue`, `auto`; the others take no chunks).
    #[default]
    Auto,
    /// Exactly this many items per chunk (the last chunk may be shorter).
    Fixed(usize),
}

/// On disk a chunk size is a number or the string `"auto"`.
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum ChunkRepr {
    Fixed(usize),
    Named(String),
}

impl From<ChunkSize> for ChunkRepr {
    fn from(c: ChunkSize) -> Self {
        match c {
            ChunkSize::Auto => ChunkRepr::Named("auto".into()),
            ChunkSize::Fixed(n) => ChunkRepr::Fixed(n),
        }
    }
}

impl TryFrom<ChunkRepr> for ChunkSize {
    type Error = ConfigError;
    fn try_from(r: ChunkRepr) -> Result<Self, Self::Error> {
        match r {
            ChunkRepr::Fixed(n) => {
                let c = ChunkSize::Fixed(n);
                c.check()?;
                Ok(c)
            }
            ChunkRepr::Named(s) => s.parse(),
        }
    }
}

impl fmt::Display for ChunkSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChunkSize::Auto => f.write_str("auto"),
            ChunkSize::Fixed(n) => write!(f, "{n}"),
        }
    }
}

impl FromStr for ChunkSize {
    type Err = ConfigError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("auto") {
            return Ok(ChunkSize::Auto);
        }
        let n: usize = s.replace('_', "").parse().map_err(|_| ConfigError::BadChunk(s.to_string()))?;
        let chunk = ChunkSize::Fixed(n);
        chunk.check()?;
        Ok(chunk)
    }
}

impl ChunkSize {
    fn check(self) -> Result<(), ConfigError> {
        match self {
            ChunkSize::Fixed(0) => Err(ConfigError::ZeroChunk),
            ChunkSize::Fixed(n) if n > MAX_CHUNK => Err(ConfigError::ChunkTooLarge(n)),
            _ => Ok(()),
        }
    }
}

/// The feeder: how worker threads get items out of a single-pass source.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum FeederKind {
    /// No threads: one fused loop on the calling thread.
    Sequential,
    /// Workers take ONE item at a time from a mutex-guarded iterator.
    Locked,
    /// A producer thread packs chunks into a bounded channel; workers take chunks.
    Queue,
    /// A worker takes the lock and fills a whole chunk, then maps it outside the lock.
    Dispenser,
    /// rayon's `par_bridge` on the same iterator, on a pool of `threads` threads.
    Rayon,
    /// The engine's own design: measures, then runs fused or dispenses adaptive chunks.
    #[default]
    Auto,
}

impl FeederKind {
    /// Every feeder, in the order the app and the CLI list them.
    pub const ALL: [FeederKind; 6] =
        [FeederKind::Sequential, FeederKind::Locked, FeederKind::Queue, FeederKind::Dispenser, FeederKind::Rayon, FeederKind::Auto];

    /// The name used on the command line and in results files.
    pub fn name(self) -> &'static str {
        match self {
            FeederKind::Sequential => "sequential",
            FeederKind::Locked => "locked",
            FeederKind::Queue => "queue",
            FeederKind::Dispenser => "dispenser",
            FeederKind::Rayon => "rayon",
            FeederKind::Auto => "auto",
        }
    }

    /// One line on the design, for people.
    pub fn explain(self) -> &'static str {
        match self {
            FeederKind::Sequential => "No threads: a plain loop on one core. Every speedup is measured against this.",
            FeederKind::Locked => {
                "Naive: every worker locks the iterator for EACH item. The lock is taken once per item, so workers queue on it."
            }
            FeederKind::Queue => "A producer thread packs chunks into a bounded channel; workers take whole chunks from it.",
            FeederKind::Dispenser => "A worker takes the lock, fills a whole chunk, releases it, then maps the chunk. One lock per chunk.",
            FeederKind::Rayon => {
                "rayon's par_bridge on the same iterator: an outside reference (one locked next() per item, work stealing)."
            }
            FeederKind::Auto => {
                "scalescope's own: measures item cost vs pull cost, then runs fused on one core or dispenses chunks to as many workers as can help."
            }
        }
    }
}

impl fmt::Display for FeederKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for FeederKind {
    type Err = ConfigError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim().to_ascii_lowercase();
        FeederKind::ALL.into_iter().find(|k| k.name() == s).ok_or(ConfigError::UnknownFeeder(s))
    }
}

/// What one engine call should do. Checked by [`Config::validate`] before any
/// thread starts.
///
/// # Examples
/// ```
/// use scalescope::engine::{Config, FeederKind};
/// let config = Config::new(2).feeder(FeederKind::Dispenser).chunk(500);
/// assert!(config.validate().is_ok());
/// assert!(Config::new(0).validate().is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Config {
    /// Worker threads (the `sequential` feeder ignores it).
    pub threads: usize,
    /// Items per chunk.
    pub chunk: ChunkSize,
    /// How workers get items.
    pub feeder: FeederKind,
    /// Hold one process-wide lock around every map call (a simulated GIL).
    pub gil: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config { threads: num_cpus::get().max(1), chunk: ChunkSize::Auto, feeder: FeederKind::Auto, gil: false }
    }
}

impl Config {
    /// `threads` workers, automatic chunk, the `auto` feeder, no GIL.
    pub fn new(threads: usize) -> Self {
        Config { threads, ..Config::default() }
    }
    /// Sets the feeder.
    pub fn feeder(mut self, feeder: FeederKind) -> Self {
        self.feeder = feeder;
        self
    }
    /// Sets a fixed chunk size.
    pub fn chunk(mut self, chunk: usize) -> Self {
        self.chunk = ChunkSize::Fixed(chunk);
        self
    }
    /// Sets the chunk size.
    pub fn chunk_size(mut self, chunk: ChunkSize) -> Self {
        self.chunk = chunk;
        self
    }
    /// Turns the simulated GIL on or off.
    pub fn gil(mut self, gil: bool) -> Self {
        self.gil = gil;
        self
    }

    /// Checks the configuration.
    ///
    /// # Errors
    /// [`ConfigError`] for zero or too many threads, a zero or too large chunk.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.threads == 0 {
            return Err(ConfigError::ZeroThreads);
        }
        if self.threads > MAX_THREADS {
            return Err(ConfigError::TooManyThreads(self.threads));
        }
        self.chunk.check()
    }
}

/// Runtime hooks of one call: where progress goes and who may cancel it.
#[derive(Clone, Debug, Default)]
pub struct Hooks {
    /// Receives [`super::ProgressEvent`]s; `None` turns reporting off (and costs nothing).
    pub progress: Option<crossbeam_channel::Sender<super::ProgressEvent>>,
    /// Tripped by anyone to stop the call within one chunk.
    pub cancel: Option<super::CancelToken>,
    /// How often progress is sampled (default 20 ms, at least 1 ms).
    pub interval: Option<Duration>,
}

impl Hooks {
    /// No progress, no cancel.
    pub fn none() -> Self {
        Hooks::default()
    }
    /// The sampling interval in force.
    pub fn interval(&self) -> Duration {
        self.interval.unwrap_or(Duration::from_millis(20)).max(Duration::from_millis(1))
    }
}
