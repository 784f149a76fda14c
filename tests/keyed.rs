//! The keyed map-reduce: every feeder and thread count gives exactly the
//! sequential counts, each key lives in one partition, both phases report
//! progress, and panics, cancels and empty input end cleanly.
#![allow(clippy::unwrap_used, reason = "a test fails loudly where an unwrap fails")]

mod common;
use std::collections::HashMap;

use common::{Plain, all_configs, within};
use proptest::prelude::*;
use scalescope::engine::{CancelToken, Config, EngineError, FeederKind, Hooks, Phase, ProgressEvent, Run};

/// The plain loop the engine must agree with.
fn sequential(lines: &[Vec<u8>]) -> HashMap<u8, u64> {
    let mut m = HashMap::new();
    for line in lines {
        for &k in line {
            *m.entry(k).or_insert(0) += 1;
        }
    }
    m
}

fn keyed(
    lines: Vec<Vec<u8>>,
    config: &Config,
) -> Result<scalescope::engine::Outcome<scalescope::engine::keyed::KeyedMap<u8, u64>>, EngineError> {
    Run::new(config).map_reduce_by_key(
        Plain(lines.into_iter()),
        |line: Vec<u8>, out| {
            for k in line {
                out.emit(k, 1u64);
            }
        },
        |a, b| *a += b,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn counts_equal_the_sequential_ones(lines in prop::collection::vec(prop::collection::vec(0u8..40, 0..12), 0..300), pick in 0usize..10_000) {
        let configs = all_configs();
        let config = &configs[pick % configs.len()];
        let expected = sequential(&lines);
        let out = keyed(lines.clone(), config).unwrap();
        let map = out.value;
        // Each key in exactly one partition: the partitions' sizes add up to the distinct keys.
        let in_parts: usize = map.partitions().iter().map(HashMap::len).sum();
        prop_assert_eq!(in_parts, expected.len());
        for (k, v) in &expected {
            prop_assert_eq!(map.get(k), Some(v), "key {} with {:?}", k, config);
        }
        prop_assert_eq!(map.into_map(), expected);
        prop_assert_eq!(out.report.items(), lines.len() as u64);
    }
}

#[test]
fn one_partition_per_thread_and_disjoint() {
    let lines: Vec<Vec<u8>> = (0..2000u32).map(|i| vec![(i % 251) as u8, (i % 13) as u8]).collect();
    for threads in [1, 2, 3, 8] {
        let config = Config::new(threads).unwrap().feeder(FeederKind::Dispenser).chunk(16).unwrap();
        let map = keyed(lines.clone(), &config).unwrap().value;
        assert_eq!(map.partitions().len(), threads);
        let mut seen = std::collections::HashSet::new();
        for part in map.partitions() {
            for k in part.keys() {
                assert!(seen.insert(*k), "key {k} in two partitions");
            }
        }
        if threads > 1 {
            assert!(map.partitions().iter().filter(|p| !p.is_empty()).count() > 1, "251 keys all in one of {threads} partitions");
        }
        assert_eq!(map.into_map(), sequential(&lines));
    }
}

#[test]
fn empty_input_gives_an_empty_map() {
    for config in
        [Config::new(1).unwrap(), Config::new(4).unwrap().feeder(FeederKind::Queue), Config::new(2).unwrap().feeder(FeederKind::Sequential)]
    {
        let out = keyed(vec![], &config).unwrap();
        assert!(out.value.is_empty());
        assert_eq!(out.report.phases.len(), 2);
    }
}

#[test]
fn both_phases_report_progress_and_end_complete() {
    let (tx, rx) = crossbeam_channel::unbounded();
    let hooks = Hooks { progress: Some(tx), interval: Some(std::time::Duration::from_millis(1)), ..Hooks::none() };
    let n = 20_000u64;
    let config = Config::new(2).unwrap().feeder(FeederKind::Dispenser).chunk(64).unwrap();
    let out = Run::new(&config).hooks(hooks).map_reduce_by_key(0..n, |x: u64, out| out.emit(x % 5000, 1u64), |a, b| *a += b).unwrap();
    assert_eq!(out.value.len(), 5000);
    let events: Vec<ProgressEvent> = rx.try_iter().map(|p| p.event).collect();
    let phases: Vec<(Phase, u64, Option<u64>)> = events
        .iter()
        .filter_map(|e| match e {
            ProgressEvent::Phase { phase, done, total, .. } => Some((*phase, *done, *total)),
            _ => None,
        })
        .collect();
    // The map phase knows the range's length; it starts at 0 and ends at n.
    assert_eq!(phases.first(), Some(&(Phase::Map, 0, Some(n))));
    assert!(phases.contains(&(Phase::Map, n, Some(n))));
    let reduce: Vec<_> = phases.iter().filter(|p| p.0 == Phase::Reduce).collect();
    let (_, done, total) = reduce.last().unwrap();
    assert_eq!(Some(*done), *total, "the reduce phase ends complete");
    // Every key of every worker's table is merged once: at least the distinct keys.
    assert!(total.unwrap() >= 5000);
    // Reduce events never go backwards.
    assert!(reduce.windows(2).all(|w| w[0].1 <= w[1].1));
    let report = out.report;
    assert_eq!(report.phases.iter().map(|p| p.phase).collect::<Vec<_>>(), vec![Phase::Map, Phase::Reduce]);
    assert!(report.phases[0].end_s <= report.phases[1].start_s + 1e-9);
    assert!(report.phases[1].end_s <= report.wall_s + 1e-9);
}

#[test]
fn a_panicking_mapper_is_an_error_for_every_feeder() {
    for feeder in FeederKind::ALL {
        let config = Config::new(3).unwrap().feeder(feeder).chunk(4).unwrap();
        let r = within(30, move || {
            Run::new(&config).map_reduce_by_key(
                Plain(0..10_000u64),
                |x: u64, out| {
                    assert!(x != 4321, "mapper failed on {x}");
                    out.emit(x % 10, x);
                },
                |a, b| *a += b,
            )
        });
        match r {
            Err(EngineError::Failed(f)) => assert!(f.message.contains("mapper failed on 4321"), "{feeder}: {f}"),
            other => panic!("{feeder}: expected a panic error, got {other:?}"),
        }
    }
}

#[test]
fn a_panicking_combine_in_the_reduce_phase_is_an_error() {
    // Locally a value grows by 1 per emit; only the reduce merges two
    // tables' counts (b > 1), which is where this combine fails.
    let config = Config::new(2).unwrap().feeder(FeederKind::Dispenser).chunk(1).unwrap();
    let r = within(30, move || {
        Run::new(&config).map_reduce_by_key(
            Plain((0..20_000u64).inspect(|_| {
                // Slow enough that both workers take part.
                std::hint::black_box((0..200).sum::<u64>());
            })),
            |x: u64, out| out.emit(x % 3, 1u64),
            |a: &mut u64, b: u64| {
                assert!(b == 1, "combine refused {b}");
                *a += b;
            },
        )
    });
    match r {
        Err(EngineError::Failed(f)) => {
            assert!(f.message.contains("combine refused"), "{f}");
            assert!(f.thread.starts_with("scalescope-reducer"), "{f}");
            assert_eq!(f.stage, scalescope::engine::Stage::Reduce, "{f}");
        }
        // Only if one worker mapped every item is there nothing to merge.
        Ok(out) => assert_eq!(out.value.into_map().values().sum::<u64>(), 20_000),
        Err(e) => panic!("unexpected {e}"),
    }
}

#[test]
fn a_cancel_before_or_during_the_call_is_an_error() {
    let token = CancelToken::new();
    token.cancel();
    let config = Config::new(2).unwrap().feeder(FeederKind::Dispenser).chunk(8).unwrap();
    let r = Run::new(&config).hooks(Hooks { cancel: Some(token), ..Hooks::none() }).map_reduce_by_key(
        Plain(0..100_000u64),
        |x: u64, out| out.emit(x, 1u64),
        |a, b| *a += b,
    );
    assert!(matches!(r, Err(EngineError::Cancelled { .. })), "{r:?}");

    let token = CancelToken::new();
    let t3 = token.clone();
    let canceller = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(30));
        t3.cancel();
    });
    let r = within(30, move || {
        Run::new(&Config::new(2).unwrap().feeder(FeederKind::Dispenser).chunk(8).unwrap())
            .hooks(Hooks { cancel: Some(token), ..Hooks::none() })
            .map_reduce_by_key(Plain(0..u64::MAX), |x: u64, out| out.emit(x % 1000, 1u64), |a, b| *a += b)
    });
    canceller.join().unwrap();
    match r {
        Err(EngineError::Cancelled { items_done, .. }) => assert!(items_done > 0),
        other => panic!("expected a cancel, got {other:?}"),
    }
}

#[test]
fn a_bad_config_cannot_be_built() {
    assert_eq!(Config::new(0).unwrap_err(), scalescope::engine::ConfigError::ZeroThreads);
}
