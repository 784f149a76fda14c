//! Progress arrives over crossbeam-channel as cumulative per-worker snapshots,
//! ends with `Finished`, and the totals match the input.
#![allow(clippy::unwrap_used, reason = "a test fails loudly where an unwrap fails")]

use std::time::Duration;

use scalescope::engine::{Config, FeederKind, Hooks, ProgressEvent, Run};

#[test]
fn events_start_stream_and_finish() {
    for feeder in FeederKind::ALL {
        let (tx, rx) = crossbeam_channel::unbounded();
        let config = Config::new(2).unwrap().feeder(feeder).chunk(8).unwrap();
        let hooks = Hooks { progress: Some(tx), interval: Some(Duration::from_millis(2)), ..Hooks::none() };
        let out = Run::new(&config)
            .hooks(hooks)
            .map_reduce(
                0..3000u64,
                |x| {
                    std::thread::sleep(Duration::from_micros(20));
                    x
                },
                |a, b| a + b,
            )
            .unwrap();
        let events: Vec<ProgressEvent> = rx.try_iter().map(|p| p.event).collect();
        assert!(matches!(events.first(), Some(ProgressEvent::Started { .. })), "feeder {feeder}");
        let workers = events.iter().filter(|e| matches!(e, ProgressEvent::Worker { .. })).count();
        assert!(workers > 0, "feeder {feeder}: no worker snapshots");
        match events.last() {
            Some(ProgressEvent::Finished { workers, .. }) => {
                assert_eq!(workers.iter().map(|w| w.items).sum::<u64>(), 3000, "feeder {feeder}")
            }
            other => panic!("feeder {feeder}: last event {other:?}"),
        }
        assert_eq!(out.report.items(), 3000);
    }
}

#[test]
fn auto_running_fewer_workers_than_threads_reports_progress() {
    // A cheap map: auto runs fewer workers than the 16 threads asked for,
    // while the sampler still watches all 16 slots.
    let (tx, rx) = crossbeam_channel::unbounded();
    let config = Config::new(16).unwrap().feeder(FeederKind::Auto);
    let hooks = Hooks { progress: Some(tx), interval: Some(Duration::from_millis(1)), ..Hooks::none() };
    let out = Run::new(&config)
        .hooks(hooks)
        .map_reduce(0..3_000_000u64, |x| (0..24u64).fold(x, |a, i| a.wrapping_mul(31).wrapping_add(i)) % 3, |a, b| a + b)
        .unwrap();
    assert_eq!(out.value, Some((0..3_000_000u64).map(|x| (0..24u64).fold(x, |a, i| a.wrapping_mul(31).wrapping_add(i)) % 3).sum()));
    assert!(out.report.plan().is_some());
    let finished = rx.try_iter().filter(|p| matches!(p.event, ProgressEvent::Finished { .. })).count();
    assert_eq!(finished, 1);
}
