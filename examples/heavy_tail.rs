//! `auto` against the dispenser on a heavy tail (1 item in 1000 costs
//! 1000x, 2e6 items, the peers bench's `heavy-tail`), 2 threads, the two
//! interleaved run by run, with no other library's threads in between:
//! each one's median, and how many of `auto`'s runs ended mostly on one
//! fused core (its fused samples once missed the rare dear items and sent
//! a quarter of the runs there, 2x slower).
//!
//! ```text
//! cargo run --release --example heavy_tail [-- RUNS]
//! ```

use std::hint::black_box;
use std::time::Instant;

use scalescope::engine::{ChunkSize, Config, FeederKind, Run};
use scalescope::workloads::source::Counter;

/// `k` rounds of a linear congruential step: a cost that cannot be folded away.
fn spin(x: u64, k: u64) -> u64 {
    let mut h = x;
    for _ in 0..k {
        h = black_box(h.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407));
    }
    h >> 3
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let runs: usize = std::env::args().nth(1).map_or(Ok(15), |a| a.parse())?;
    let n = 2_000_000u64;
    let map = |x: u64| spin(x, if x.is_multiple_of(1000) { 20_000 } else { 20 });
    let expected = Counter::new(n).map(map).fold(0u64, u64::wrapping_add);
    let (mut dispenser, mut auto, mut one_core) = (Vec::new(), Vec::new(), 0);
    for _ in 0..runs {
        for feeder in [FeederKind::Dispenser, FeederKind::Auto] {
            let config = Config { feeder, chunk: ChunkSize::Auto, ..Config::new(2)? };
            let t0 = Instant::now();
            let out = Run::new(&config).map_reduce(Counter::new(n), map, u64::wrapping_add)?;
            let ms = t0.elapsed().as_secs_f64() * 1e3;
            assert_eq!(out.value, Some(expected), "{feeder} gave another result");
            if feeder == FeederKind::Auto {
                auto.push(ms);
                one_core += usize::from(out.report.ran.mostly_one_core());
            } else {
                dispenser.push(ms);
            }
        }
    }
    println!("heavy tail, 2e6 items, 2 threads, {runs} runs each, interleaved");
    println!("  dispenser: median {:.1} ms", median(dispenser));
    println!("  auto:      median {:.1} ms; {one_core} of {runs} runs mostly on one core", median(auto));
    Ok(())
}
