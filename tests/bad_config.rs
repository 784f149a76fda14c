//! A bad configuration cannot be built: each number becomes a typed value
//! (`Threads`, `Chunk`) once, where it is parsed, with a readable error; an
//! engine call only ever receives a valid one.
#![allow(clippy::unwrap_used, reason = "a test fails loudly where an unwrap fails")]

use scalescope::engine::broadcast::{BroadcastConfig, Strategy};
use scalescope::engine::ordered::StreamConfig;
use scalescope::engine::{Chunk, ChunkSize, Config, ConfigError, FeederKind, MAX_CHUNK, MAX_THREADS, Threads};

#[test]
fn zero_threads() {
    let e = Config::new(0).unwrap_err();
    assert_eq!(e, ConfigError::ZeroThreads);
    assert!(e.to_string().contains("at least 1"));
    assert_eq!(StreamConfig::new(0, 3).unwrap_err(), ConfigError::ZeroThreads);
    assert_eq!("0".parse::<Threads>().unwrap_err(), ConfigError::ZeroThreads);
}

#[test]
fn zero_chunk() {
    assert_eq!(Config::new(2).unwrap().feeder(FeederKind::Dispenser).chunk(0).unwrap_err(), ConfigError::ZeroChunk);
    assert_eq!(StreamConfig::new(2, 0).unwrap_err(), ConfigError::ZeroChunk);
    assert_eq!(BroadcastConfig::new(Strategy::Chunked).chunk(0).unwrap_err(), ConfigError::ZeroChunk);
    assert_eq!(ChunkSize::fixed(0).unwrap_err(), ConfigError::ZeroChunk);
}

#[test]
fn absurd_sizes() {
    assert_eq!(Config::new(MAX_THREADS + 1).unwrap_err(), ConfigError::TooManyThreads(MAX_THREADS + 1));
    assert_eq!(Config::new(2).unwrap().chunk(MAX_CHUNK + 1).unwrap_err(), ConfigError::ChunkTooLarge(MAX_CHUNK + 1));
    assert_eq!(Chunk::new(MAX_CHUNK).unwrap().get(), MAX_CHUNK);
    assert_eq!(Threads::new(MAX_THREADS).unwrap().get(), MAX_THREADS);
    // The same limits hold for values read back from a file.
    assert!(serde_json::from_str::<ChunkSize>("0").is_err());
    assert!(serde_json::from_str::<Threads>("0").is_err());
    assert!(serde_json::from_str::<Threads>(&(MAX_THREADS + 1).to_string()).is_err());
    assert_eq!(serde_json::from_str::<ChunkSize>("64").unwrap(), ChunkSize::Fixed(Chunk::of(64)));
}

#[test]
fn parsing_names_and_chunks() {
    assert_eq!("AUTO".parse::<ChunkSize>().unwrap(), ChunkSize::Auto);
    assert_eq!("1_000".parse::<ChunkSize>().unwrap(), ChunkSize::Fixed(Chunk::of(1000)));
    assert!("0".parse::<ChunkSize>().is_err());
    assert!("ten".parse::<ChunkSize>().unwrap_err().to_string().contains("'ten'"));
    assert!("two".parse::<Threads>().unwrap_err().to_string().contains("'two'"));
    assert_eq!("dispenser".parse::<FeederKind>().unwrap(), FeederKind::Dispenser);
    assert!("fast".parse::<FeederKind>().unwrap_err().to_string().contains("unknown feeder 'fast'"));
}
