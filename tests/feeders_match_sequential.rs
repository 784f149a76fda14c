//! Every feeder x threads 1..=8 x chunk sizes (1, 2, 7, 1000, auto) gives
//! exactly the sequential result, and its workers' item counts add up to the
//! input length: nothing lost, nothing seen twice.
#![allow(clippy::unwrap_used, reason = "a test fails loudly where an unwrap fails")]

mod common;
use common::{CHUNKS, Plain, all_configs};
use proptest::prelude::*;
use scalescope::engine::{Config, FeederKind, Run, Threads};

/// Folds into a sorted list of mapped items: equal lists mean every item was
/// mapped exactly once, whatever the order.
fn mapped_multiset(config: &Config, input: &[u32]) -> (Vec<u64>, u64) {
    let out = Run::new(config)
        .fold(
            Plain(input.iter().copied()),
            Vec::new,
            |mut acc: Vec<u64>, x| {
                acc.push(u64::from(x) * 3 + 1);
                acc
            },
            |mut a, b| {
                a.extend(b);
                a
            },
        )
        .unwrap();
    let mut v = out.value;
    v.sort_unstable();
    (v, out.report.items())
}

fn expected(input: &[u32]) -> Vec<u64> {
    let mut v: Vec<u64> = input.iter().map(|&x| u64::from(x) * 3 + 1).collect();
    v.sort_unstable();
    v
}

#[test]
fn exhaustive_grid_on_one_input_each() {
    let mut seed = 7u64;
    for config in all_configs() {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        let len = (seed >> 40) as usize % 3000;
        let input: Vec<u32> = (0..len).map(|i| (i as u32).wrapping_mul(2_654_435_761) ^ (seed as u32)).collect();
        let (got, items) = mapped_multiset(&config, &input);
        assert_eq!(got, expected(&input), "{config:?}");
        assert_eq!(items, input.len() as u64, "{config:?}");
    }
}

#[test]
fn map_reduce_sum_matches_for_every_config() {
    let input: Vec<u64> = (0..10_007).map(|i| i * i % 1009).collect();
    let want: u64 = input.iter().map(|x| x ^ 0x55).sum();
    for config in all_configs() {
        let out = Run::new(&config).map_reduce(Plain(input.iter().copied()), |x| x ^ 0x55, |a, b| a + b).unwrap();
        assert_eq!(out.value, Some(want), "{config:?}");
        let per_worker: u64 = out.report.workers.iter().map(|w| w.items).sum();
        assert_eq!(per_worker, input.len() as u64, "{config:?}");
    }
}

fn config_strategy() -> impl Strategy<Value = Config> {
    (0..FeederKind::ALL.len(), 1usize..=8, 0..CHUNKS.len(), any::<bool>()).prop_map(|(f, threads, c, gil)| Config {
        threads: Threads::new(threads).unwrap(),
        chunk: CHUNKS[c],
        feeder: FeederKind::ALL[f],
        gil,
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, ..ProptestConfig::default() })]

    #[test]
    fn random_inputs_match_the_sequential_result(config in config_strategy(), input in prop::collection::vec(any::<u32>(), 0..2500)) {
        let (got, items) = mapped_multiset(&config, &input);
        prop_assert_eq!(got, expected(&input));
        prop_assert_eq!(items, input.len() as u64);
    }

    #[test]
    fn empty_or_tiny_inputs(config in config_strategy(), input in prop::collection::vec(any::<u32>(), 0..4)) {
        let want = input.iter().map(|&x| u64::from(x)).reduce(|a, b| a.max(b));
        let got = Run::new(&config).map_reduce(Plain(input.clone().into_iter()), u64::from, u64::max).unwrap().value;
        prop_assert_eq!(got, want);
    }
}
