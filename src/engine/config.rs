//! The checked configuration of one engine call.

use std::fmt;
use std::num::NonZeroUsize;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::error::ConfigError;

/// The most worker threads one call may ask for.
pub const MAX_THREADS: usize = 1024;
/// The largest fixed chunk one call may ask for (items).
pub const MAX_CHUNK: usize = 1 << 24;

/// A thread count: at least 1, at most [`MAX_THREADS`]. Cannot hold another value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "usize", into = "usize")]
pub struct Threads(NonZeroUsize);

impl Threads {
    /// One thread.
    pub const ONE: Threads = Threads(NonZeroUsize::MIN);

    /// `n` threads.
    ///
    /// # Errors
    /// [`ConfigError::ZeroThreads`] or [`ConfigError::TooManyThreads`].
    pub fn new(n: usize) -> Result<Self, ConfigError> {
        match NonZeroUsize::new(n) {
            None => Err(ConfigError::ZeroThreads),
            Some(_) if n > MAX_THREADS => Err(ConfigError::TooManyThreads(n)),
            Some(v) => Ok(Threads(v)),
        }
    }

    /// The count.
    pub fn get(self) -> usize {
        self.0.get()
    }
}

impl FromStr for Threads {
    type Err = ConfigError;
    /// A whole number of threads, 1 to [`MAX_THREADS`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        Threads::new(s.replace('_', "").parse().map_err(|_| ConfigError::BadThreads(s.to_string()))?)
    }
}

impl TryFrom<usize> for Threads {
    type Error = ConfigError;
    fn try_from(n: usize) -> Result<Self, Self::Error> {
        Threads::new(n)
    }
}

impl From<Threads> for usize {
    fn from(t: Threads) -> usize {
        t.get()
    }
}

impl fmt::Display for Threads {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Items per fixed chunk: at least 1, at most [`MAX_CHUNK`]. Cannot hold another value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "usize", into = "usize")]
pub struct Chunk(NonZeroUsize);

impl Chunk {
    /// One item per chunk.
    pub const ONE: Chunk = Chunk(NonZeroUsize::MIN);

    /// Chunks of `n` items.
    ///
    /// # Errors
    /// [`ConfigError::ZeroChunk`] or [`ConfigError::ChunkTooLarge`].
    pub fn new(n: usize) -> Result<Self, ConfigError> {
        match NonZeroUsize::new(n) {
            None => Err(ConfigError::ZeroChunk),
            Some(_) if n > MAX_CHUNK => Err(ConfigError::ChunkTooLarge(n)),
            Some(v) => Ok(Chunk(v)),
        }
    }

    /// Chunks of `n` items, for constants: evaluated at compile time there,
    /// where an `n` out of bounds fails the build.
    ///
    /// # Panics
    /// When `n` is 0 or more than [`MAX_CHUNK`].
    pub const fn of(n: usize) -> Self {
        match NonZeroUsize::new(n) {
            Some(v) if n <= MAX_CHUNK => Chunk(v),
            _ => panic!("a chunk holds 1 to MAX_CHUNK items"),
        }
    }

    /// Items per chunk.
    pub fn get(self) -> usize {
        self.0.get()
    }
}

impl TryFrom<usize> for Chunk {
    type Error = ConfigError;
    fn try_from(n: usize) -> Result<Self, Self::Error> {
        Chunk::new(n)
    }
}

impl From<Chunk> for usize {
    fn from(c: Chunk) -> usize {
        c.get()
    }
}

impl fmt::Display for Chunk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// How many items a worker takes from the source at a time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(into = "ChunkRepr", try_from = "ChunkRepr")]
pub enum ChunkSize {
    /// Sized by the design: for the feeders, from the measured cost of an
    /// item, so each chunk holds about 200 us of map work (`dispenser`,
    /// `queue`, `auto`; the others take no chunks); each own design states
    /// its fixed automatic size.
    #[default]
    Auto,
    /// Exactly this many items per chunk (the last chunk may be shorter).
    Fixed(Chunk),
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
            ChunkSize::Fixed(n) => ChunkRepr::Fixed(n.get()),
        }
    }
}

impl TryFrom<ChunkRepr> for ChunkSize {
    type Error = ConfigError;
    fn try_from(r: ChunkRepr) -> Result<Self, Self::Error> {
        match r {
            ChunkRepr::Fixed(n) => ChunkSize::fixed(n),
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
        ChunkSize::fixed(n)
    }
}

impl ChunkSize {
    /// Chunks of exactly `n` items.
    ///
    /// # Errors
    /// [`ConfigError::ZeroChunk`] or [`ConfigError::ChunkTooLarge`].
    pub fn fixed(n: usize) -> Result<Self, ConfigError> {
        Chunk::new(n).map(ChunkSize::Fixed)
    }

    /// The fixed size, or `auto` for [`ChunkSize::Auto`].
    pub fn or(self, auto: Chunk) -> Chunk {
        match self {
            ChunkSize::Fixed(c) => c,
            ChunkSize::Auto => auto,
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
            FeederKind::Sequential => {
                "No threads: the engine's own loop on one core, with its progress and cancel checks. Speedups are measured against the plain loop (the sequential reference), which has neither."
            }
            FeederKind::Locked => {
                "Naive: every worker locks the iterator for EACH item. The lock is taken once per item, so workers queue on it."
            }
            FeederKind::Queue => "A producer thread packs chunks into a bounded channel; workers take whole chunks from it.",
            FeederKind::Dispenser => "A worker takes the lock, fills a whole chunk, releases it, then maps the chunk. One lock per chunk.",
            FeederKind::Rayon => {
                "rayon's par_bridge on the same iterator: an outside reference (one locked next() per item, work stealing)."
            }
            FeederKind::Auto => {
                "scalescope's own: starts as a plain loop on the calling thread, starts workers on adaptive chunks only when the measured costs say they pay, then measures their rate against one fused core and switches to one core (or back) whenever that is faster."
            }
        }
    }
}

impl FeederKind {
    /// Whether it hands out chunks whose size a person can set: `locked`
    /// takes one item per lock, rayon's `par_bridge` has no chunk setting,
    /// `sequential` is one loop.
    pub fn takes_chunks(self) -> bool {
        matches!(self, FeederKind::Dispenser | FeederKind::Queue | FeederKind::Auto)
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

/// What one engine call should do. Its fields are typed so that it cannot
/// hold an invalid configuration: the checks happen once, where a number
/// becomes a [`Threads`] or a [`Chunk`].
///
/// # Examples
/// ```
/// use scalescope::engine::{Config, ConfigError, FeederKind};
/// let config = Config::new(2)?.feeder(FeederKind::Dispenser).chunk(500)?;
/// assert_eq!(config.threads.get(), 2);
/// assert_eq!(Config::new(0), Err(ConfigError::ZeroThreads));
/// assert_eq!(Config::new(2)?.chunk(0), Err(ConfigError::ZeroChunk));
/// # Ok::<(), ConfigError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Config {
    /// Worker threads (the `sequential` feeder ignores it).
    pub threads: Threads,
    /// Items per chunk.
    pub chunk: ChunkSize,
    /// How workers get items.
    pub feeder: FeederKind,
    /// Hold one process-wide lock around every map call (a simulated GIL).
    pub gil: bool,
}

impl Default for Config {
    /// One thread per logical core (capped at [`MAX_THREADS`]), automatic chunk, the `auto` feeder, no GIL.
    fn default() -> Self {
        // Read once: counting the cores reads /proc and the cgroup (a few
        // microseconds, more than a small job's whole run).
        static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
        let cores = *CORES.get_or_init(|| num_cpus::get().clamp(1, MAX_THREADS));
        Config::with_threads(Threads::new(cores).unwrap_or(Threads::ONE))
    }
}

impl Config {
    /// `threads` workers, automatic chunk, the `auto` feeder, no GIL.
    ///
    /// # Errors
    /// Zero or more than [`MAX_THREADS`] threads.
    pub fn new(threads: usize) -> Result<Self, ConfigError> {
        Ok(Config::with_threads(Threads::new(threads)?))
    }
    /// `threads` workers, automatic chunk, the `auto` feeder, no GIL.
    pub fn with_threads(threads: Threads) -> Self {
        Config { threads, chunk: ChunkSize::Auto, feeder: FeederKind::Auto, gil: false }
    }
    /// Sets the feeder.
    pub fn feeder(mut self, feeder: FeederKind) -> Self {
        self.feeder = feeder;
        self
    }
    /// Sets a fixed chunk of `chunk` items.
    ///
    /// # Errors
    /// A zero or too large chunk.
    pub fn chunk(self, chunk: usize) -> Result<Self, ConfigError> {
        Ok(self.chunk_size(ChunkSize::fixed(chunk)?))
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
}

/// Runtime hooks of one call: where progress goes and who may cancel it.
#[derive(Clone, Debug, Default)]
pub struct Hooks {
    /// Receives the call's events (see [`super::progress`]'s protocol);
    /// `None` turns reporting off (and costs nothing).
    pub progress: Option<crossbeam_channel::Sender<super::Progress>>,
    /// The call the events are about: [`super::Run::hooks`] sets it to the
    /// call's own id; a design run outside [`super::Run`] sets it itself.
    pub call: super::CallId,
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
