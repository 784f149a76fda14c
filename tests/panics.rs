//! A panic in the map, the reduce or the source never hangs the call: the
//! error names the thread and the message, for every feeder.
#![allow(clippy::unwrap_used, reason = "a test fails loudly where an unwrap fails")]

mod common;
use common::{Plain, within};
use scalescope::engine::{Config, EngineError, Failure, FeederKind, Run, Stage};

fn panicked(r: Result<impl std::fmt::Debug, EngineError>) -> Failure {
    match r {
        Err(EngineError::Failed(failure)) => failure,
        other => panic!("expected a panic error, got {other:?}"),
    }
}

#[test]
fn panic_in_map_names_the_worker() {
    for feeder in FeederKind::ALL {
        let Failure { thread, stage, message } = within(30, move || {
            let config = Config::new(4).unwrap().feeder(feeder).chunk(16).unwrap();
            panicked(
                Run::new(&config)
                    .map_reduce(Plain(0..100_000u64), |x| if x == 5_000 { panic!("bad item {x}") } else { x }, |a, b| a + b)
                    .map(|o| o.value),
            )
        });
        assert_eq!(message, "bad item 5000", "feeder {feeder}");
        // A fused loop (sequential, auto fused, rayon) cannot tell the map from the source.
        assert!(matches!(stage, Stage::Map | Stage::Fused), "feeder {feeder}: {stage:?}");
        assert!(thread.contains("scalescope") || thread.contains("rayon") || thread.contains("calling"), "feeder {feeder}: {thread}");
    }
}

#[test]
fn panic_in_reduce_is_reported() {
    for feeder in FeederKind::ALL {
        let Failure { stage, message, .. } = within(30, move || {
            let config = Config::new(3).unwrap().feeder(feeder).chunk(10).unwrap();
            panicked(Run::new(&config).map_reduce(Plain(0..10_000u64), |x| x, |_, _| -> u64 { panic!("reduce broke") }).map(|o| o.value))
        });
        assert_eq!(message, "reduce broke", "feeder {feeder}");
        // `map_reduce` reduces inside each worker's loop, then combines the partials.
        assert!(matches!(stage, Stage::Map | Stage::Fused | Stage::Combine), "feeder {feeder}: {stage:?}");
    }
}

struct Exploding(u64);
impl Iterator for Exploding {
    type Item = u64;
    fn next(&mut self) -> Option<u64> {
        self.0 += 1;
        assert!(self.0 < 3_000, "source failed at {}", self.0);
        Some(self.0)
    }
}

#[test]
fn panic_in_the_source_iterator_is_reported() {
    for feeder in FeederKind::ALL {
        let Failure { stage, message, .. } = within(30, move || {
            let config = Config::new(4).unwrap().feeder(feeder).chunk(8).unwrap();
            panicked(Run::new(&config).map_reduce(Exploding(0), |x| x, |a, b| a + b).map(|o| o.value))
        });
        assert_eq!(message, "source failed at 3000", "feeder {feeder}");
        assert!(matches!(stage, Stage::Source | Stage::Fused), "feeder {feeder}: {stage:?}");
    }
}

#[test]
fn a_panic_with_the_gil_held_does_not_poison_later_runs() {
    let config = Config::new(2).unwrap().feeder(FeederKind::Dispenser).chunk(4).unwrap().gil(true);
    let _ = Run::new(&config).map_reduce(0..100u64, |x| if x == 50 { panic!("under the gil") } else { x }, |a, b| a + b);
    let ok = Run::new(&config).map_reduce(0..100u64, |x| x, |a, b| a + b).unwrap();
    assert_eq!(ok.value, Some(4950));
}
