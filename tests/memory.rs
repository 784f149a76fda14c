//! The memory budget against what runs really take. For every workload, a
//! `scalescope run` big enough to matter runs as a child process; its peak
//! resident memory (`VmHWM` in `/proc/<pid>/status`, read every
//! millisecond until it exits) less that of a tiny run of the same workload
//! (the process's fixed cost) must be within 2x of the plan's estimate
//! ([`SweepPlan::memory_peak`]) wherever it passes 50 MB. And running out
//! of the budget is a refusal with the number, never an abort.
#![allow(clippy::unwrap_used, reason = "a test fails loudly where an unwrap fails")]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use clap::Parser;
use scalescope::cli::args::{Cli, Command as Sub};
use scalescope::measure::budget::MemoryEstimate;
use scalescope::units::human_bytes;
use scalescope::workloads::WorkloadKind;

const MB: u64 = 1_000_000;

/// Runs one child at a time: they measure time-sensitive peaks on 2 cores.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn one_at_a_time() -> MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner)
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("scalescope-mem-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `VmHWM` of process `pid`, bytes (`None` once it has exited).
fn high_water(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    Some(line.split_whitespace().nth(1)?.parse::<u64>().ok()? * 1024)
}

/// Runs `scalescope args` with its library in `dir`; its peak RSS, bytes.
/// A run so short that no sample caught it loaded (a busy machine can
/// deschedule the sampler for its whole life) is run again, up to 5 times.
fn peak_rss(dir: &Path, args: &[String]) -> u64 {
    for _ in 0..4 {
        let peak = sampled_peak(dir, args);
        if peak > 2 << 20 {
            return peak;
        }
    }
    let peak = sampled_peak(dir, args);
    // The binary and its libraries alone are a few MB: less was read before they were loaded.
    assert!(peak > 2 << 20, "no VmHWM read for scalescope {} in 5 tries: {peak} B", args.join(" "));
    peak
}

/// One run of `scalescope args`: the highest `VmHWM` sampled while it lived.
fn sampled_peak(dir: &Path, args: &[String]) -> u64 {
    let mut child = Command::new(env!("CARGO_BIN_EXE_scalescope"))
        .env("SCALESCOPE_DATA_DIR", dir.join("data"))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut peak = 0;
    let started = Instant::now();
    let status = loop {
        if let Some(hwm) = high_water(child.id()) {
            peak = peak.max(hwm);
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        // Every few microseconds at first (a tiny run ends in milliseconds), then every millisecond.
        if started.elapsed() > Duration::from_millis(200) {
            std::thread::sleep(Duration::from_millis(1));
        }
    };
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert!(status.success(), "scalescope {}: {status}\n{err}", args.join(" "));
    peak
}

/// The estimate of the plan `scalescope args` would run: its largest run.
fn estimate(args: &[String]) -> MemoryEstimate {
    let cli = Cli::try_parse_from(std::iter::once("scalescope".to_string()).chain(args.iter().cloned())).unwrap();
    let Some(Sub::Run(run)) = cli.command else { panic!("a run: {args:?}") };
    scalescope::cli::run_plan(&run).unwrap().memory_peak().unwrap().1
}

/// One measured run: a workload's command line, and that of a tiny run of
/// the same workload (the baseline).
struct Case {
    what: &'static str,
    args: Vec<String>,
    tiny: Vec<String>,
    /// Whether the run passes 50 MB (then the 2x check applies).
    big: bool,
}

fn case(what: &'static str, big: bool, args: &str, tiny: &str) -> Case {
    let words = |s: &str| -> Vec<String> { format!("run --warmup 0 {s}").split_whitespace().map(String::from).collect() };
    Case { what, args: words(args), tiny: words(tiny), big }
}

/// Lines of Zipf-distributed words (rank r of a million drawn with
/// probability about 1/r, as in prose), 4 to 16 a line: 18 MB whose
/// distinct words keep growing (Heaps' law), so an estimate from 4 MiB of
/// it must extrapolate.
fn zipf_text(path: &Path, lines: u64) {
    let mut rng = scalescope::workloads::source::SplitMix(7);
    let ln_v = 1_000_000f64.ln();
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for _ in 0..lines {
        let k = 4 + rng.next_u64() % 13;
        let mut line = String::new();
        for i in 0..k {
            let mut r = ((rng.next_f64() * ln_v).exp() as u64).saturating_sub(1);
            if i > 0 {
                line.push(' ');
            }
            loop {
                line.push(char::from(b'a' + (r % 26) as u8));
                r /= 26;
                if r == 0 {
                    break;
                }
            }
        }
        line.push('\n');
        out.write_all(line.as_bytes()).unwrap();
    }
    out.flush().unwrap();
}

/// The runs that check `kind`. Every workload has at least one (the match
/// has no catch-all, so a new workload does not build until it has one).
#[allow(clippy::too_many_lines, reason = "a table: one case per workload, read as one")]
fn cases(kind: WorkloadKind, dir: &Path) -> Vec<Case> {
    match kind {
        WorkloadKind::Primes => {
            vec![case(
                "a chunk per worker",
                true,
                "-w primes --n 7500000 -t 2 -f dispenser -c 3750000 --reps 1",
                "-w primes --n 10 --reps 1",
            )]
        }
        WorkloadKind::Trivial => {
            vec![case(
                "a chunk per worker",
                true,
                "-w trivial --n 32000000 -t 2 -f dispenser -c 16000000 --reps 2",
                "-w trivial --n 10 --reps 1",
            )]
        }
        WorkloadKind::SleepSpin => vec![case(
            "a chunk per worker",
            true,
            "-w sleep-spin --n 10000000 --sleep-us 0 --spin 0 -t 2 -f dispenser -c 5000000 --reps 2",
            "-w sleep-spin --n 10 --sleep-us 0 --spin 0 --reps 1",
        )],
        WorkloadKind::WordCount => {
            let text = dir.join("zipf.txt");
            zipf_text(&text, 500_000);
            let tiny = dir.join("tiny.txt");
            std::fs::write(&tiny, "a few words\n").unwrap();
            vec![
                case(
                    "the generator's vocabulary",
                    true,
                    "-w word-count --n 250000 --vocabulary 250000 -t 2 -f dispenser --reps 1",
                    "-w word-count --n 10 --vocabulary 10 --reps 1",
                ),
                case(
                    "a text file, from 4 MiB of it",
                    true,
                    &format!("-w word-count --file {} -t 2 -f dispenser --reps 1", text.display()),
                    &format!("-w word-count --file {} --reps 1", tiny.display()),
                ),
            ]
        }
        // At most 1,000,000 rows of 8 bytes in the feeder's buffers, and a
        // number for a result: it cannot reach 50 MB.
        WorkloadKind::Skewed => vec![case(
            "a chunk per worker, at most",
            false,
            "-w skewed --n 1000000 --width 1 --max-iter 1 -t 2 -f dispenser -c 500000 --reps 1",
            "-w skewed --n 10 --width 1 --max-iter 1 --reps 1",
        )],
        WorkloadKind::OrderedMap => {
            vec![case("the reorder window", true, "-w ordered-map --n 4000000 -t 2 -c 1000000 --reps 1", "-w ordered-map --n 10 --reps 1")]
        }
        WorkloadKind::Aggregates => vec![case(
            "buffer-all holds every item",
            true,
            "-w aggregates --variant buffer-all --n 10000000 --reps 2",
            "-w aggregates --variant buffer-all --n 10 --reps 1",
        )],
        WorkloadKind::FalseSharing => vec![case(
            "a chunk per worker",
            true,
            "-w false-sharing --n 10000000 --adds 1 -t 2 -f dispenser -c 5000000 --reps 2",
            "-w false-sharing --n 10 --reps 1",
        )],
        WorkloadKind::Contention => vec![
            case(
                "locked-map: the shared table and the results",
                true,
                "-w contention --variant locked-map --keys 400000 --n 800000 -t 2 -f dispenser --reps 2",
                "-w contention --keys 10 --n 10 --reps 1",
            ),
            case(
                "local-merge: the workers' tables and the results",
                true,
                "-w contention --variant local-merge --keys 400000 --n 800000 -t 2 -f dispenser --reps 2",
                "-w contention --variant local-merge --keys 10 --n 10 --reps 1",
            ),
        ],
        WorkloadKind::Stream => {
            vec![case("the buffer", true, "-w stream --n 128 --passes 1 -t 2 -f dispenser --reps 2", "-w stream --n 1 --passes 1 --reps 1")]
        }
        // The program runs in its own process: this one holds only its output's digest.
        WorkloadKind::Command => vec![case(
            "another process",
            false,
            "-w command --cmd=true --env=T={threads} -t 2 --reps 2",
            "-w command --cmd=true --env=T={threads} --reps 1",
        )],
        // Measured inside another program (`scalescope::measure::Scaling`): no case runs here.
        WorkloadKind::Code => vec![],
    }
}

/// Measures every case of `kind` and checks its estimate.
fn check(kind: WorkloadKind) {
    let _one = one_at_a_time();
    let dir = scratch(kind.name());
    for c in cases(kind, &dir) {
        let est = estimate(&c.args);
        let base = peak_rss(&dir, &c.tiny);
        let peak = peak_rss(&dir, &c.args);
        let used = peak.saturating_sub(base);
        eprintln!(
            "| {kind} | {} | estimate {} | peak RSS {} - baseline {} = {} | ratio {:.2} |",
            c.what,
            human_bytes(est.bytes),
            human_bytes(peak),
            human_bytes(base),
            human_bytes(used),
            used as f64 / est.bytes.max(1) as f64
        );
        let line = format!("{kind}, {}: `scalescope {}`\n  estimate {} ({})", c.what, c.args.join(" "), human_bytes(est.bytes), est.how);
        if c.big {
            assert!(used > 50 * MB, "{line}\n  used only {}: make the case bigger", human_bytes(used));
            assert!(
                used <= 2 * est.bytes && est.bytes <= 2 * used,
                "{line}\n  but it used {} (peak {})",
                human_bytes(used),
                human_bytes(peak)
            );
        } else {
            assert!(est.bytes < 50 * MB, "{line}: absurd for a workload that cannot reach 50 MB");
            assert!(used < 50 * MB, "{line}\n  it used {}: then it can reach 50 MB, and the 2x check should apply", human_bytes(used));
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn primes_estimate_is_within_2x_of_peak_rss() {
    check(WorkloadKind::Primes);
}

#[test]
fn trivial_estimate_is_within_2x_of_peak_rss() {
    check(WorkloadKind::Trivial);
}

#[test]
fn sleep_spin_estimate_is_within_2x_of_peak_rss() {
    check(WorkloadKind::SleepSpin);
}

#[test]
fn word_count_estimate_is_within_2x_of_peak_rss() {
    check(WorkloadKind::WordCount);
}

#[test]
fn skewed_estimate_stays_small_as_it_cannot_reach_50_mb() {
    check(WorkloadKind::Skewed);
}

#[test]
fn ordered_map_estimate_is_within_2x_of_peak_rss() {
    check(WorkloadKind::OrderedMap);
}

#[test]
fn aggregates_estimate_is_within_2x_of_peak_rss() {
    check(WorkloadKind::Aggregates);
}

#[test]
fn false_sharing_estimate_is_within_2x_of_peak_rss() {
    check(WorkloadKind::FalseSharing);
}

#[test]
fn contention_estimate_is_within_2x_of_peak_rss() {
    check(WorkloadKind::Contention);
}

#[test]
fn stream_estimate_is_within_2x_of_peak_rss() {
    check(WorkloadKind::Stream);
}

#[test]
fn every_workload_has_a_measured_case() {
    let dir = scratch("all");
    for kind in WorkloadKind::ALL.into_iter().filter(|k| k.design().runs_here()) {
        let cases = cases(kind, &dir);
        assert!(!cases.is_empty(), "{kind} has no case");
        for c in cases {
            assert!(c.args.iter().any(|a| a == kind.name()), "{kind}: {:?}", c.args);
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `needs about 1.9 GiB` in a refusal: the number, bytes.
fn needed(stderr: &str) -> Option<f64> {
    let rest = &stderr[stderr.find("needs about ")? + "needs about ".len()..];
    let mut parts = rest.split_whitespace();
    let x: f64 = parts.next()?.parse().ok()?;
    let unit = match parts.next()? {
        "KiB" => 1024.0,
        "MiB" => 1024.0 * 1024.0,
        "GiB" => 1024.0 * 1024.0 * 1024.0,
        "TiB" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    Some(x * unit)
}

#[test]
fn contention_past_the_budget_is_refused_with_the_number_not_aborted() {
    let dir = scratch("refused");
    // The command, under a 1 GiB address-space limit: a refusal
    // before anything is allocated, never `memory allocation failed`.
    let out = Command::new("sh")
        .env("SCALESCOPE_DATA_DIR", dir.join("data"))
        .arg("-c")
        .arg("ulimit -v 1048576; exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_scalescope"))
        .args("sweep -w contention --keys 10000000 --n 20000000 -t 1,2 --memory-budget 64M".split_whitespace())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("64 MiB") && stderr.contains("--memory-budget") && stderr.contains("contention"), "{stderr}");
    // 10,000,000 keys hit by 20,000,000 items: 8.6 million keys, in a
    // shared table (16 B) and a result (32 B + a heap block of 32 B each).
    let bytes = needed(&stderr).unwrap_or_else(|| panic!("no number in: {stderr}"));
    assert!(bytes > 1e9, "{stderr}");
    assert!(out.stdout.is_empty());
    std::fs::remove_dir_all(&dir).unwrap();
}
