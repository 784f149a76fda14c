//! The smallest check first: every feeder sums 1..=100 from a plain iterator.
#![allow(clippy::unwrap_used, reason = "a test fails loudly where an unwrap fails")]

mod common;
use common::Plain;
use scalescope::engine::{Config, FeederKind, Run, map_reduce};

#[test]
fn every_feeder_sums_a_small_range() {
    for feeder in FeederKind::ALL {
        let config = Config::new(3).unwrap().feeder(feeder).chunk(7).unwrap();
        let got = map_reduce(Plain(1..=100u64), |x| x * 2, |a, b| a + b, &config).unwrap();
        assert_eq!(got, Some(10_100), "feeder {feeder}");
    }
}

#[test]
fn empty_input_gives_none_and_counts_nothing() {
    for feeder in FeederKind::ALL {
        let config = Config::new(4).unwrap().feeder(feeder);
        let out = Run::new(&config).map_reduce(Plain(std::iter::empty::<u64>()), |x| x, |a, b| a + b).unwrap();
        assert_eq!(out.value, None, "feeder {feeder}");
        assert_eq!(out.report.items(), 0);
    }
}
