//! A bad configuration is a typed error with a readable message, returned
//! before any thread starts (the map is never called).
#![allow(clippy::unwrap_used, reason = "a test fails loudly where an unwrap fails")]

use std::sync::atomic::{AtomicBool, Ordering};

use scalescope::engine::{ChunkSize, Config, ConfigError, EngineError, FeederKind, MAX_CHUNK, MAX_THREADS, map_reduce};

fn refused(config: Config) -> ConfigError {
    let called = AtomicBool::new(false);
    let err = map_reduce(
        0..100u64,
        |x| {
            called.store(true, Ordering::Relaxed);
            x
        },
        |a, b| a + b,
        &config,
    )
    .unwrap_err();
    assert!(!called.load(Ordering::Relaxed), "the map ran for a refused configuration");
    match err {
        EngineError::Config(e) => e,
        other => panic!("expected a configuration error, got {other}"),
    }
}

#[test]
fn zero_threads() {
    let e = refused(Config::new(0));
    assert_eq!(e, ConfigError::ZeroThreads);
    assert!(e.to_string().contains("at least 1"));
}

#[test]
fn zero_chunk() {
    assert_eq!(refused(Config::new(2).feeder(FeederKind::Dispenser).chunk(0)), ConfigError::ZeroChunk);
}

#[test]
fn absurd_sizes() {
    assert_eq!(refused(Config::new(MAX_THREADS + 1)), ConfigError::TooManyThreads(MAX_THREADS + 1));
    assert_eq!(refused(Config::new(2).chunk(MAX_CHUNK + 1)), ConfigError::ChunkTooLarge(MAX_CHUNK + 1));
}

#[test]
fn parsing_names_and_chunks() {
    assert_eq!("AUTO".parse::<ChunkSize>().unwrap(), ChunkSize::Auto);
    assert_eq!("1_000".parse::<ChunkSize>().unwrap(), ChunkSize::Fixed(1000));
    assert!("0".parse::<ChunkSize>().is_err());
    assert!("ten".parse::<ChunkSize>().unwrap_err().to_string().contains("'ten'"));
    assert_eq!("dispenser".parse::<FeederKind>().unwrap(), FeederKind::Dispenser);
    assert!("fast".parse::<FeederKind>().unwrap_err().to_string().contains("unknown feeder 'fast'"));
}
