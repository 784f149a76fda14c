//! Progress arrives over crossbeam-channel as cumulative per-worker snapshots,
//! ends with `Finished`, and the totals match the input.

use std::time::Duration;

use scalescope::engine::{Config, FeederKind, Hooks, ProgressEvent, Run};

#[test]
fn events_start_stream_and_finish() {
    for feeder in FeederKind::ALL {
        let (tx, rx) = crossbeam_channel::unbounded();
        let config = Config::new(2).feeder(feeder).chunk(8);
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
        let events: Vec<ProgressEvent> = rx.try_iter().collect();
        assert!(matches!(events.first(), Some(ProgressEvent::Started { .. })), "feeder {feeder}");
        let workers = events.iter().filter(|e| matches!(e, ProgressEvent::Worker { .. })).count();
        assert!(workers > 0, "feeder {feeder}: no worker snapshots");
        match events.last() {
            Some(ProgressEvent::Finished { workers, .. }) => assert_eq!(workers.iter().map(|w| w.items).sum::<u64>(), 3000, "feeder {feeder}"),
            other => panic!("feeder {feeder}: last event {other:?}"),
        }
        assert_eq!(out.report.items(), 3000);
    }
}
