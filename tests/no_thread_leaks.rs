//! No thread outlives a call: after every kind of ending (success, cancel,
//! panic) this process has no thread named `scalescope-*` left. One test in
//! its own binary, so no other test's threads are counted.
#![allow(clippy::unwrap_used, reason = "a test fails loudly where an unwrap fails")]

mod common;
use std::time::Duration;

use common::Plain;
use scalescope::engine::{CancelToken, Config, FeederKind, Hooks, Run};

/// The engine's threads still listed after a grace period.
fn engine_threads() -> Vec<String> {
    common::threads_left("scalescope")
}

#[test]
#[cfg_attr(not(target_os = "linux"), ignore = "needs /proc/self/task to list the threads by name")]
fn no_engine_thread_survives_any_ending() {
    for feeder in FeederKind::ALL {
        let config = Config::new(4).unwrap().feeder(feeder).chunk(5).unwrap();
        // success
        let _ = Run::new(&config).map_reduce(Plain(0..20_000u64), |x| x, |a, b| a + b).unwrap();
        assert_eq!(engine_threads(), Vec::<String>::new(), "after success, feeder {feeder}");
        // panic
        let _ = Run::new(&config).map_reduce(Plain(0..20_000u64), |x| if x == 77 { panic!("x") } else { x }, |a, b| a + b);
        assert_eq!(engine_threads(), Vec::<String>::new(), "after panic, feeder {feeder}");
        // cancel
        let token = CancelToken::new();
        let started = std::time::Instant::now();
        let trip = token.clone();
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            trip.cancel();
        });
        let _ = Run::new(&config).hooks(Hooks { cancel: Some(token), ..Hooks::none() }).map_reduce(
            Plain(0..1_000_000u64),
            |x| {
                std::thread::sleep(Duration::from_micros(100));
                x
            },
            |a, b| a + b,
        );
        t.join().unwrap();
        eprintln!("{feeder}: cancelled after {:?}", started.elapsed());
        assert_eq!(engine_threads(), Vec::<String>::new(), "after cancel, feeder {feeder}");
    }
}
