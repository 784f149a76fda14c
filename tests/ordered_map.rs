//! The ordered streaming map: input order whatever the delays, `None`
//! results kept, early drop joins the workers, panics end the stream with an
//! error, memory stays within the window over 10^7 items.
#![allow(clippy::unwrap_used, reason = "a test fails loudly where an unwrap fails")]

mod common;
use std::sync::Mutex;
use std::time::Duration;

use common::{Plain, within};
use proptest::prelude::*;
use scalescope::engine::EngineError;
use scalescope::engine::ordered::{StreamConfig, map_ordered, map_unordered};

static SERIAL: Mutex<()> = Mutex::new(());

fn stream_threads() -> usize {
    common::threads_left("scalescope-strea").len()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    #[test]
    fn order_is_kept_whatever_the_delays(delays in prop::collection::vec(0u64..300, 0..150), threads in 1usize..=8, chunk in 1usize..=9) {
        let _serial = SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let input: Vec<(usize, u64)> = delays.iter().copied().enumerate().collect();
        let out: Vec<usize> = map_ordered(Plain(input.clone().into_iter()), |(i, d)| {
            std::thread::sleep(Duration::from_micros(d));
            i * 3
        }, StreamConfig::new(threads, chunk).unwrap()).unwrap().map(Result::unwrap).collect();
        prop_assert_eq!(out, (0..input.len()).map(|i| i * 3).collect::<Vec<_>>());
    }
}

#[test]
fn none_results_do_not_end_the_stream() {
    let _serial = SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let out: Vec<Option<u32>> =
        map_ordered(0..1000u32, |x| (x % 3 != 0).then_some(x), StreamConfig::new(4, 5).unwrap()).unwrap().map(Result::unwrap).collect();
    assert_eq!(out, (0..1000u32).map(|x| (x % 3 != 0).then_some(x)).collect::<Vec<_>>());
}

#[test]
fn unordered_yields_every_result_once() {
    let _serial = SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut out: Vec<u64> = map_unordered(0..5000u64, |x| x * x, StreamConfig::new(3, 7).unwrap()).unwrap().map(Result::unwrap).collect();
    out.sort_unstable();
    assert_eq!(out, (0..5000u64).map(|x| x * x).collect::<Vec<_>>());
}

#[test]
fn empty_input_and_bad_config() {
    let _serial = SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    assert_eq!(map_ordered(std::iter::empty::<u8>(), |x| x, StreamConfig::new(2, 3).unwrap()).unwrap().count(), 0);
    assert!(StreamConfig::new(0, 3).is_err());
    assert!(StreamConfig::new(2, 0).is_err());
}

#[test]
fn early_drop_stops_and_joins_the_workers() {
    let _serial = SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    within(30, || {
        let mut s = map_ordered(
            0..u64::MAX,
            |x| {
                std::thread::sleep(Duration::from_micros(50));
                x
            },
            StreamConfig::new(6, 4).unwrap(),
        )
        .unwrap();
        let first: Vec<u64> = s.by_ref().take(25).map(Result::unwrap).collect();
        assert_eq!(first, (0..25).collect::<Vec<_>>());
        drop(s);
    });
    assert_eq!(stream_threads(), 0, "no stream worker is left after the drop");
}

#[test]
fn a_panic_in_the_map_is_an_error_not_a_hang() {
    let _serial = SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let results: Vec<Result<u64, EngineError>> = within(30, || {
        map_ordered(0..100_000u64, |x| if x == 777 { panic!("bad {x}") } else { x }, StreamConfig::new(4, 8).unwrap()).unwrap().collect()
    });
    let errors: Vec<&EngineError> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert_eq!(errors.len(), 1);
    assert!(errors[0].to_string().contains("bad 777"), "{}", errors[0]);
    assert!(results.iter().filter_map(|r| r.as_ref().ok()).count() < 100_000);
    assert_eq!(stream_threads(), 0);
}

#[test]
fn the_window_bounds_memory_over_ten_million_items() {
    let _serial = SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    for ordered in [true, false] {
        let config = StreamConfig::new(2, 64).unwrap();
        let mut s = if ordered {
            map_ordered(Plain(0..10_000_000u64), |x| x ^ 1, config)
        } else {
            map_unordered(Plain(0..10_000_000u64), |x| x ^ 1, config)
        }
        .unwrap();
        let mut count = 0u64;
        let mut sum = 0u64;
        for r in s.by_ref() {
            sum = sum.wrapping_add(r.unwrap());
            count += 1;
        }
        assert_eq!(count, 10_000_000);
        assert_eq!(sum, (0..10_000_000u64).map(|x| x ^ 1).fold(0u64, u64::wrapping_add));
        let peak = s.peak_buffered_chunks() as u64;
        assert!(peak >= 1 && peak <= config.window(), "ordered={ordered}: peak {peak} chunks, window {}", config.window());
    }
}
