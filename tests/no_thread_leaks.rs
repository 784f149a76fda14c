//! No thread outlives a call: after every kind of ending (success, cancel,
//! panic) this process has no thread named `scalescope-*` left. One test in
//! its own binary, so no other test's threads are counted.
#![allow(clippy::unwrap_used, reason = "a test fails loudly where an unwrap fails")]

mod common;
use std::time::Duration;

use common::Plain;
use scalescope::engine::{CancelToken, Config, FeederKind, Hooks, Run};

/// The engine's threads still listed after a grace period: a joined thread
/// can stay listed for a moment while the kernel tears it down, a leak stays.
fn engine_threads() -> Vec<String> {
    for _ in 0..200 {
        if listed().is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    listed()
}

fn listed() -> Vec<String> {
    let Ok(dir) = std::fs::read_dir("/proc/self/task") else { return vec![] };
    dir.filter_map(|e| std::fs::read_to_string(e.ok()?.path().join("comm")).ok())
        .map(|s| s.trim().to_string())
        .filter(|n| n.starts_with("scalescope"))
        .collect()
}

#[test]
fn no_engine_thread_survives_any_ending() {
    if !std::path::Path::new("/proc/self/task").exists() {
        eprintln!("no /proc on this OS: thread names cannot be listed; skipped");
        return;
    }
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
