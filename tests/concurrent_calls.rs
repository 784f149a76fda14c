//! Several calls may run at once from different threads.
#![allow(clippy::unwrap_used, reason = "a test fails loudly where an unwrap fails")]

use scalescope::engine::{Config, FeederKind, map_reduce};

#[test]
fn eight_calls_at_once() {
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..8u64)
            .map(|i| {
                s.spawn(move || {
                    let feeder = FeederKind::ALL[i as usize % FeederKind::ALL.len()];
                    let config = Config::new(3).unwrap().feeder(feeder).chunk(13).unwrap();
                    let got = map_reduce((0..50_000u64).map(|x| x + i), |x| x % 1000, |a, b| a + b, &config).unwrap();
                    (got, (0..50_000u64).map(|x| (x + i) % 1000).sum::<u64>())
                })
            })
            .collect();
        for h in handles {
            let (got, want) = h.join().unwrap();
            assert_eq!(got, Some(want));
        }
    });
}
