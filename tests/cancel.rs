//! A cancel at any moment stops the call with `Cancelled` and the partial
//! counts; it never hangs, for every feeder.
#![allow(clippy::unwrap_used, reason = "a test fails loudly where an unwrap fails")]

mod common;
use std::time::Duration;

use common::{Plain, within};
use scalescope::engine::{CancelToken, Config, EngineError, FeederKind, Hooks, Run};

fn slow_run(feeder: FeederKind, token: CancelToken) -> Result<Option<u64>, EngineError> {
    let config = Config::new(3).unwrap().feeder(feeder).chunk(4).unwrap();
    let hooks = Hooks { cancel: Some(token), ..Hooks::none() };
    Run::new(&config)
        .hooks(hooks)
        .map_reduce(
            Plain(0..1_000_000u64),
            |x| {
                std::thread::sleep(Duration::from_micros(200));
                x
            },
            |a, b| a + b,
        )
        .map(|o| o.value)
}

#[test]
fn cancel_mid_run_returns_partial_counts() {
    for feeder in FeederKind::ALL {
        let token = CancelToken::new();
        let trip = token.clone();
        let canceller = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(60));
            trip.cancel();
        });
        let r = within(60, move || slow_run(feeder, token));
        canceller.join().unwrap();
        match r {
            Err(EngineError::Cancelled { items_done, workers }) => {
                assert!(items_done < 1_000_000, "feeder {feeder}");
                assert_eq!(workers.iter().map(|w| w.items).sum::<u64>(), items_done);
            }
            other => panic!("feeder {feeder}: expected Cancelled, got {other:?}"),
        }
    }
}

#[test]
fn cancel_before_start() {
    for feeder in FeederKind::ALL {
        let token = CancelToken::new();
        token.cancel();
        let r = within(30, move || slow_run(feeder, token));
        assert!(matches!(r, Err(EngineError::Cancelled { .. })), "feeder {feeder}: {r:?}");
    }
}

#[test]
fn cancel_at_many_moments_never_hangs_or_miscounts() {
    // Trip the token at a spread of moments, including after the end: the
    // call either finishes with the full answer or reports a cancel.
    for (i, feeder) in FeederKind::ALL.into_iter().cycle().take(24).enumerate() {
        let token = CancelToken::new();
        let trip = token.clone();
        let delay = Duration::from_micros(250 * i as u64 * i as u64);
        let t = std::thread::spawn(move || {
            std::thread::sleep(delay);
            trip.cancel();
        });
        let r = within(60, move || {
            let config = Config::new(2).unwrap().feeder(feeder).chunk(64).unwrap();
            Run::new(&config).hooks(Hooks { cancel: Some(token), ..Hooks::none() }).map_reduce(
                Plain(0..200_000u64),
                |x| x % 7,
                |a, b| a + b,
            )
        });
        t.join().unwrap();
        match r {
            Ok(out) => assert_eq!(out.value, Some((0..200_000u64).map(|x| x % 7).sum())),
            Err(EngineError::Cancelled { items_done, .. }) => assert!(items_done <= 200_000),
            Err(e) => panic!("feeder {feeder}: {e}"),
        }
    }
}
