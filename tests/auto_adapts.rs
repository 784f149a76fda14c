//! `auto` decides over the whole run: a cheap map may run on one fused
//! core, and when the items become dear further along the input, the
//! workers come back. The result is the sequential one either way. (The
//! decisions themselves are tested on recorded costs in `auto.rs`.)
#![allow(clippy::unwrap_used, reason = "a test fails loudly where an unwrap fails")]

mod common;
use common::{TRIES, spin, until_decided};
use scalescope::engine::{Config, FeederKind, Ran, Report, Run};
use scalescope::workloads::source::Counter;

#[test]
fn a_cheap_prefix_then_dear_items_gives_the_sequential_result_and_a_plan_that_reads_right() {
    let cheap = 10_000_000u64;
    let n = cheap + 200_000;
    // A long cheap prefix (a multiply), then 200,000 items of 300 steps.
    let map = move |x: u64| if x < cheap { x.wrapping_mul(2_654_435_761) >> 7 } else { spin(x, 300) };
    let expected = Counter::new(n).map(map).fold(0u64, u64::wrapping_add);
    let config = Config { feeder: FeederKind::Auto, ..Config::new(2).unwrap() };
    // Whether the two workers beat one fused core on the cheap prefix depends
    // on the machine and on how they meet at the lock (both happen on the
    // build VM), so every run is checked for the value, for switches that
    // state their reason the right way round and that the plan's words
    // list, and for dear items that never end on one core; that both
    // workers take items is a decision on measured costs (a worker that got
    // no core for a while reads as a slow one), which some run must reach.
    let once = || {
        let out = Run::new(&config).map_reduce(Counter::new(n), map, u64::wrapping_add).unwrap();
        assert_eq!(out.value, Some(expected));
        assert_eq!(out.report.items(), n, "every item once");
        check_switches(&out.report);
        out.report
    };
    let (r, decided) = until_decided(once, |r| r.workers.iter().all(|w| w.items > 0));
    assert!(decided, "a worker took no item in {TRIES} runs: {:?} {:?}", r.workers, r.plan());
}

/// Every switch gives its reason the right way round, and the plan lists it.
fn check_switches(r: &Report) {
    let plan = r.plan().unwrap_or_default();
    for s in &r.switches {
        match s.to {
            Ran::OneCore => assert!(s.reason.contains("slower"), "{s}"),
            // Items dear enough start the workers with no sample.
            _ => assert!(s.reason.contains("faster") || s.reason.contains("hand-offs are noise"), "{s}"),
        }
        assert!(plan.contains(&s.to_string()), "{plan} does not list {s}");
    }
    if r.switches.iter().any(|s| s.to == Ran::OneCore) {
        assert!(r.switches.iter().any(|s| s.to == Ran::Workers), "the dear items stayed on one core: {plan}");
    }
}

#[test]
fn dear_items_run_on_every_worker() {
    let n = 200_000u64;
    let map = |x: u64| spin(x, 200);
    let expected = Counter::new(n).map(map).fold(0u64, u64::wrapping_add);
    let config = Config { feeder: FeederKind::Auto, ..Config::new(2).unwrap() };
    // On a quiet machine auto keeps both workers to the end ("adaptive
    // dispenser x2"); on a loaded one it may rightly go fused for a while.
    let once = || {
        let out = Run::new(&config).map_reduce(Counter::new(n), map, u64::wrapping_add).unwrap();
        assert_eq!(out.value, Some(expected));
        assert_eq!(out.report.items(), n, "every item once");
        assert!(out.report.used().starts_with("auto: "), "{}", out.report.used());
        check_switches(&out.report);
        out.report
    };
    let (r, decided) = until_decided(once, |r| r.workers.iter().all(|w| w.items > 0));
    assert!(decided, "a worker took no item in {TRIES} runs: {:?} {:?}", r.workers, r.plan());
}
