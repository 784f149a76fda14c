//! One pass, several aggregates: every strategy hands every consumer every
//! item in order, whatever the consumers' speeds; early leavers, panics,
//! cancels and empty input end cleanly; the chunked design stays within its
//! bound over 10^7 items.
#![allow(clippy::unwrap_used, reason = "a test fails loudly where an unwrap fails")]

mod common;
use std::time::Duration;

use common::{Plain, within};
use proptest::prelude::*;
use scalescope::engine::broadcast::{BroadcastConfig, Consumer, Strategy, broadcast};
use scalescope::engine::{CancelToken, EngineError, Hooks};

/// Tests here run one at a time, so that counting threads sees only its own.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn aggregate_threads() -> usize {
    common::threads_left("scalescope-aggr").len()
}

/// A consumer that sees every item, sleeping `delay_us` every `every` items.
fn collector(delay_us: u64, every: usize) -> Consumer<'static, u64, Vec<u64>> {
    Box::new(move |it| {
        it.enumerate()
            .map(|(i, x)| {
                if delay_us > 0 && i % every == 0 {
                    std::thread::sleep(Duration::from_micros(delay_us));
                }
                x
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    #[test]
    fn every_consumer_sees_every_item_in_order(
        input in prop::collection::vec(any::<u64>(), 0..400),
        delays in prop::collection::vec((0u64..200, 1usize..50), 1..6),
        s in 0usize..4,
        chunk in 1usize..9,
    ) {
        let _serial = serial();
        let strategy = Strategy::ALL[s];
        let mut consumers: Vec<_> = delays.iter().map(|&(d, e)| collector(d, e)).collect();
        // Whole slices, after a few single items: the same sequence.
        consumers.push(Box::new(|mut it| {
            let head: Vec<u64> = it.by_ref().take(3).collect();
            it.fold_slices(head, |mut v, s| {
                v.extend_from_slice(s);
                v
            })
        }));
        let k = consumers.len();
        let config = BroadcastConfig::new(strategy).chunk(chunk).unwrap();
        let input2 = input.clone();
        let out = within(60, move || broadcast(Plain(input2.into_iter()), consumers, &config, &Hooks::none())).unwrap();
        prop_assert_eq!(out.value.len(), k);
        for v in &out.value {
            prop_assert_eq!(v, &input);
        }
        let b = out.report.buffer.unwrap();
        if let Some(bound) = b.bound {
            prop_assert!(b.peak <= bound, "{}: peak {} > bound {}", strategy, b.peak, bound);
        }
        prop_assert!(out.report.workers.iter().all(|w| w.items == input.len() as u64), "{:?}", out.report.workers);
    }
}

#[test]
fn sum_max_min_count_mean_and_histogram_agree_with_one_loop() {
    let _serial = serial();
    let n = 100_000u64;
    let data = || (0..n).map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40);
    let (mut sum, mut max, mut min, mut hist) = (0u64, 0u64, u64::MAX, [0u64; 8]);
    for x in data() {
        sum += x;
        max = max.max(x);
        min = min.min(x);
        hist[(x >> 21) as usize & 7] += 1;
    }
    for strategy in Strategy::ALL {
        let consumers: Vec<Consumer<u64, Vec<u64>>> = vec![
            Box::new(|it| vec![it.sum()]),
            Box::new(|it| vec![it.max().unwrap()]),
            Box::new(|it| vec![it.min().unwrap()]),
            Box::new(|it| vec![it.count() as u64]),
            Box::new(|it| {
                let (s, c) = it.fold((0u64, 0u64), |(s, c), x| (s + x, c + 1));
                vec![s / c]
            }),
            Box::new(|it| {
                it.fold(vec![0u64; 8], |mut h, x| {
                    h[(x >> 21) as usize & 7] += 1;
                    h
                })
            }),
        ];
        let out = broadcast(Plain(data()), consumers, &BroadcastConfig::new(strategy).chunk(1000).unwrap(), &Hooks::none()).unwrap();
        assert_eq!(out.value, vec![vec![sum], vec![max], vec![min], vec![n], vec![sum / n], hist.to_vec()], "{strategy}");
    }
}

#[test]
fn empty_input_and_no_consumers() {
    let _serial = serial();
    for strategy in Strategy::ALL {
        let consumers: Vec<Consumer<u64, Option<u64>>> = vec![Box::new(|it| it.max()), Box::new(|it| Some(it.sum()))];
        let out = broadcast(std::iter::empty(), consumers, &BroadcastConfig::new(strategy), &Hooks::none()).unwrap();
        assert_eq!(out.value, vec![None, Some(0)], "{strategy}");
        let none: Vec<Consumer<u64, u64>> = vec![];
        assert!(broadcast(0..10u64, none, &BroadcastConfig::new(strategy), &Hooks::none()).unwrap().value.is_empty());
    }
}

#[test]
fn a_consumer_that_stops_early_is_not_waited_for() {
    let _serial = serial();
    for strategy in Strategy::ALL {
        let consumers: Vec<Consumer<u64, u64>> = vec![Box::new(|it| it.take(3).sum()), Box::new(|it| it.sum())];
        let out = within(60, move || {
            broadcast(Plain(0..50_000u64), consumers, &BroadcastConfig::new(strategy).chunk(64).unwrap(), &Hooks::none())
        })
        .unwrap();
        assert_eq!(out.value, vec![3, (0..50_000u64).sum()], "{strategy}");
    }
}

#[test]
fn panics_in_a_consumer_or_the_source_are_errors_never_hangs() {
    let _serial = serial();
    for strategy in Strategy::ALL {
        let consumers: Vec<Consumer<u64, u64>> = vec![
            Box::new(|it| it.sum()),
            Box::new(|it| {
                it.inspect(|&x| {
                    assert!(x != 5000, "aggregate failed at {x}");
                })
                .max()
                .unwrap_or(0)
            }),
        ];
        let r = within(60, move || {
            broadcast(Plain(0..1_000_000u64), consumers, &BroadcastConfig::new(strategy).chunk(100).unwrap(), &Hooks::none())
        });
        match r {
            Err(EngineError::Failed(f)) => {
                assert!(f.message.contains("aggregate failed at 5000"), "{strategy}: {f}");
                assert_eq!((f.thread.as_str(), f.stage), ("scalescope-aggregate-1", scalescope::engine::Stage::Consumer));
            }
            other => panic!("{strategy}: expected a panic error, got {other:?}"),
        }
        let consumers: Vec<Consumer<u64, u64>> = vec![Box::new(|it| it.sum()), Box::new(|it| it.count() as u64)];
        let source = (0..1_000_000u64).inspect(|&x| {
            assert!(x != 777, "source failed at {x}");
        });
        let r = within(60, move || broadcast(source, consumers, &BroadcastConfig::new(strategy).chunk(100).unwrap(), &Hooks::none()));
        match r {
            Err(EngineError::Failed(f)) => {
                assert!(f.message.contains("source failed at 777"), "{strategy}: {f}");
                assert_eq!(f.stage, scalescope::engine::Stage::Source, "{strategy}: {f}");
            }
            other => panic!("{strategy}: expected a panic error, got {other:?}"),
        }
    }
    assert_eq!(aggregate_threads(), 0, "an aggregate thread outlived its call");
}

#[test]
fn a_cancel_stops_every_strategy() {
    let _serial = serial();
    for strategy in Strategy::ALL {
        let token = CancelToken::new();
        let t = token.clone();
        let canceller = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(30));
            t.cancel();
        });
        let consumers: Vec<Consumer<u64, u64>> = vec![Box::new(|it| it.sum()), Box::new(|it| it.max().unwrap_or(0))];
        let hooks = Hooks { cancel: Some(token), ..Hooks::none() };
        // An endless source: only the cancel can end it (buffer-all would
        // otherwise collect forever).
        let r = within(60, move || broadcast(Plain(0..u64::MAX), consumers, &BroadcastConfig::new(strategy).chunk(256).unwrap(), &hooks));
        canceller.join().unwrap();
        assert!(matches!(r, Err(EngineError::Cancelled { items_done, .. }) if items_done > 0), "{strategy}: {r:?}");
    }
}

#[test]
fn a_zero_chunk_is_refused() {
    let _serial = serial();
    // It cannot even be built: the engine never sees it.
    assert_eq!(BroadcastConfig::new(Strategy::Chunked).chunk(0).unwrap_err(), scalescope::engine::ConfigError::ZeroChunk);
}

#[test]
fn chunked_stays_within_its_bound_over_ten_million_items_and_tee_does_not_need_to() {
    let _serial = serial();
    let n = 10_000_000u64;
    // One fast and one slow consumer: the slow one sets the pace.
    let make = || -> Vec<Consumer<u64, u64>> {
        vec![
            Box::new(|it| it.fold(0u64, u64::wrapping_add)),
            Box::new(|it| it.fold(0u64, |a, x| a.wrapping_mul(31).wrapping_add(x.rotate_left(7) ^ 0x5555))),
        ]
    };
    let config = BroadcastConfig::new(Strategy::Chunked).chunk(4096).unwrap();
    let out = within(120, move || broadcast(Plain(0..n), make(), &config, &Hooks::none())).unwrap();
    let b = out.report.buffer.unwrap();
    assert_eq!(b.bound, Some(6 * 4096));
    assert!(b.peak <= 6 * 4096, "chunked held {} items", b.peak);
    assert!(b.peak >= 4096, "at least one chunk is held: {}", b.peak);
    assert_eq!(out.value[0], (0..n).fold(0u64, u64::wrapping_add));

    let out = within(120, move || broadcast(Plain(0..n), make(), &BroadcastConfig::new(Strategy::BufferAll), &Hooks::none())).unwrap();
    assert_eq!(out.report.buffer.unwrap().peak, n, "buffer-all holds everything");
}

mod cooperative {
    use scalescope::engine::broadcast::cooperative::{AsyncConsumer, broadcast_cooperative};
    use scalescope::engine::{CancelToken, EngineError, Hooks, Stage};

    use super::Plain;

    fn collect() -> AsyncConsumer<'static, u64, Vec<u64>> {
        Box::new(|mut it| {
            Box::pin(async move {
                let mut v = Vec::new();
                while let Some(x) = it.next().await {
                    v.push(x);
                }
                v
            })
        })
    }

    fn first(n: usize) -> AsyncConsumer<'static, u64, Vec<u64>> {
        Box::new(move |mut it| {
            Box::pin(async move {
                let mut v = Vec::new();
                while v.len() < n {
                    match it.next().await {
                        Some(x) => v.push(x),
                        None => break,
                    }
                }
                v
            })
        })
    }

    #[test]
    fn every_consumer_sees_every_item_in_order_on_one_thread_with_one_item_held() {
        let out = broadcast_cooperative(Plain(0..10_000u64), vec![collect(), first(5), collect()], &Hooks::none()).unwrap();
        let all: Vec<u64> = (0..10_000).collect();
        assert_eq!(out.value, vec![all.clone(), vec![0, 1, 2, 3, 4], all]);
        assert_eq!(out.report.buffer.unwrap().peak, 1);
        assert_eq!(out.report.threads_used, 0);
        assert_eq!(out.report.workers[0].items, 10_000);
        // Empty input: every consumer ends at once.
        let out = broadcast_cooperative(Plain(0..0u64), vec![collect(), first(3)], &Hooks::none()).unwrap();
        assert_eq!(out.value, vec![Vec::<u64>::new(), vec![]]);
    }

    #[test]
    fn a_panicking_consumer_or_source_is_an_error_naming_its_stage() {
        let bad: AsyncConsumer<'static, u64, Vec<u64>> = Box::new(|mut it| {
            Box::pin(async move {
                while let Some(x) = it.next().await {
                    assert!(x != 700, "aggregate failed at {x}");
                }
                vec![]
            })
        });
        match broadcast_cooperative(Plain(0..10_000u64), vec![collect(), bad], &Hooks::none()) {
            Err(EngineError::Failed(f)) => {
                assert!(f.message.contains("aggregate failed at 700"), "{f}");
                assert_eq!(f.stage, Stage::Consumer, "{f}");
            }
            other => panic!("expected a failure, got {other:?}"),
        }
        let source = (0..10_000u64).inspect(|&x| assert!(x != 77, "source failed at {x}"));
        match broadcast_cooperative(source, vec![collect()], &Hooks::none()) {
            Err(EngineError::Failed(f)) => assert_eq!((f.stage, f.message.contains("source failed at 77")), (Stage::Source, true), "{f}"),
            other => panic!("expected a failure, got {other:?}"),
        }
    }

    #[test]
    fn a_cancel_stops_it() {
        let token = CancelToken::new();
        token.cancel();
        let hooks = Hooks { cancel: Some(token), ..Hooks::none() };
        match broadcast_cooperative(Plain(0..100_000u64), vec![collect()], &hooks) {
            Err(EngineError::Cancelled { items_done, .. }) => assert!(items_done <= 1024, "{items_done}"),
            other => panic!("expected a cancel, got {other:?}"),
        }
    }
}
