//! Scale your own Rust code: count the primes among the 10,000 numbers
//! from 10^10 up, read from a plain generator, on 1, 2 and 4 threads with
//! `scalescope::measure::Scaling` (about a millisecond per prime),
//! print the speedups, and keep the experiment in the library, where
//! `scalescope list` and the app (even one already open) show it.
//!
//! ```text
//! cargo run --release --example own_code
//! ```
//!
//! The same `main` works as a bench: `[[bench]] name = "scaling" harness = false`
//! in `Cargo.toml`, this file as `benches/scaling.rs`, then
//! `cargo bench --bench scaling`.

use scalescope::experiment::Library;
use scalescope::measure::Scaling;

/// Whether `n` is prime, by trial division: the cost grows with `n`.
fn is_prime(n: u64) -> bool {
    if n < 2 {
        return false;
    }
    let mut d = 2;
    while d * d <= n {
        if n.is_multiple_of(d) {
            return false;
        }
        d += 1;
    }
    true
}

/// `count` numbers from `from` up, one at a time, from a generator that
/// hides its length (as a reader of a file or a socket would).
fn numbers(from: u64, count: u64) -> impl Iterator<Item = u64> {
    let mut next = from;
    std::iter::from_fn(move || {
        let n = next;
        next += 1;
        (n < from + count).then_some(n)
    })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (from, count) = (10_000_000_000, 10_000);
    let exp = Scaling::new(format!("own code: primes among {count} numbers from {from}"))
        .threads([1, 2, 4])
        .reps(3)
        .run(|run| run.map_reduce(numbers(from, count), |n| u64::from(is_prime(n)), |a, b| a + b))?;

    let baseline = exp.baseline.as_ref().map_or(0.0, |b| b.median_s);
    println!(
        "{}: {} (sequential reference {baseline:.3} s)",
        exp.name,
        exp.baseline.as_ref().map_or(String::new(), |b| b.result.to_string())
    );
    println!("{:>8} {:>10} {:>8} {:>11} {:>9}", "threads", "median s", "speedup", "efficiency", "verified");
    for r in &exp.runs {
        println!("{:>8} {:>10.3} {:>8.2} {:>10.0}% {:>9}", r.threads, r.median_s, r.speedup, r.efficiency * 100.0, r.verified);
    }
    let file = Library::default_location()?.path_of(&exp.id);
    println!("kept as {} in {}", exp.id, file.display());
    println!("see it: scalescope list; scalescope report {} --html report.html; or the app", exp.id);
    Ok(())
}
