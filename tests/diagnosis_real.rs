//! "Why not ideal?" on real runs: the diagnosis names the loss the run was
//! built to show. Each test times real runs, and what a run measures
//! depends on the machine (its cores, other programs, other tests' builds),
//! so they are ignored by default: run them on an idle machine with 2 cores
//! or more with `cargo test --release --test diagnosis_real -- --ignored`.
//! The rules themselves are tested on runs built by hand (the diagnosis
//! module's unit tests) and on recorded runs (`tests/diagnosis.rs`).

use scalescope::analysis::Analysis;
use scalescope::analysis::diagnosis::Verdict;
use scalescope::engine::{Chunk, ChunkSize, FeederKind, Hooks, Threads};
use scalescope::experiment::SweepPlan;
use scalescope::measure::run_sweep;
use scalescope::workloads::{Variant, WorkloadKind, WorkloadSpec};

/// One real run at a time: a run that shares the cores with another test's
/// would measure that test, not itself.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// The verdict, and the lock that keeps the next test's run waiting: held
/// until the caller's assertions are done, so a failing test's backtrace
/// (tens of milliseconds of CPU) never lands in another test's measurement.
fn verdict(
    workload: WorkloadSpec,
    feeder: FeederKind,
    chunk: ChunkSize,
    gil: bool,
) -> (Verdict, String, std::sync::MutexGuard<'static, ()>) {
    let serial = SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let plan = SweepPlan {
        workload,
        feeders: vec![feeder],
        threads: vec![Threads::new(2).expect("a valid thread count")],
        chunks: vec![chunk],
        gil: vec![gil],
        reps: 1,
        warmup: 0,
        spans: false,
        variants: vec![],
        weak: false,
    };
    let file = run_sweep(&plan, scalescope::experiment::Experiment::start(&plan, None), &Hooks::none(), |_| {}, |_| {}).expect("sweep");
    let analysis = Analysis::of(&file);
    let run = &file.runs[0];
    assert!(run.verified);
    let d = analysis.diagnoses[0].clone();
    (d.verdict, format!("{d:?} / speedup {:.2}", run.speedup), serial)
}

#[test]
#[ignore = "a timed run: needs an idle machine with 2+ cores; run with --ignored"]
fn locked_with_one_item_per_lock_waits_for_input() {
    // One core: the workers never run at once, so they never wait on each other.
    assert!(num_cpus::get() >= 2, "this test needs 2 cores or more");
    let (v, why, _serial) =
        verdict(WorkloadSpec::new(WorkloadKind::Trivial).with("n", 300_000), FeederKind::Locked, ChunkSize::Fixed(Chunk::of(1)), false);
    assert_eq!(v, Verdict::WaitingForInput, "{why}");
}

#[test]
#[ignore = "a timed run: needs an idle machine with 2+ cores; run with --ignored"]
fn a_serial_part_before_the_map_is_named() {
    // The primes below 400,000 counted on one thread first, then 200,000 numbers on two.
    let spec = WorkloadSpec::new(WorkloadKind::Primes).with("n", 200_000).with("serial", 400_000);
    let (v, why, _serial) = verdict(spec, FeederKind::Dispenser, ChunkSize::Auto, false);
    assert_eq!(v, Verdict::SerialPart, "{why}");
}

#[test]
#[ignore = "a timed run: needs an idle machine with 2+ cores; run with --ignored"]
fn one_huge_chunk_of_skewed_rows_is_load_imbalance() {
    let spec = WorkloadSpec::new(WorkloadKind::Skewed).with("n", 300).with("width", 300);
    let (v, why, _serial) = verdict(spec, FeederKind::Dispenser, ChunkSize::Fixed(Chunk::of(300)), false);
    assert_eq!(v, Verdict::LoadImbalance, "{why}");
}

#[test]
#[ignore = "a timed run: needs an idle machine with 2+ cores; run with --ignored"]
fn the_gil_is_named() {
    let (v, why, _serial) =
        verdict(WorkloadSpec::new(WorkloadKind::Primes).with("n", 300_000), FeederKind::Dispenser, ChunkSize::Auto, true);
    assert_eq!(v, Verdict::Gil, "{why}");
}

#[test]
#[ignore = "a timed run: needs an idle machine with 2+ cores; run with --ignored"]
fn with_the_gil_auto_is_named_for_the_gil_whether_or_not_it_fused() {
    let (v, why, _serial) = verdict(WorkloadSpec::new(WorkloadKind::Primes).with("n", 300_000), FeederKind::Auto, ChunkSize::Auto, true);
    assert_eq!(v, Verdict::Gil, "{why}");
}

#[test]
#[ignore = "a timed run: needs an idle machine with 2+ cores; run with --ignored"]
fn a_cheap_map_is_a_serial_source_for_auto() {
    let (v, why, _serial) =
        verdict(WorkloadSpec::new(WorkloadKind::Trivial).with("n", 20_000_000), FeederKind::Auto, ChunkSize::Auto, false);
    assert_eq!(v, Verdict::SerialSource, "{why}");
}

/// Runs `worse` and `better` at 2 threads (dispenser, chunks of 1,024, 3
/// repetitions) and returns the diagnoses of the two runs, and the lock.
fn twins(workload: WorkloadSpec, worse: Variant, better: Variant) -> (Verdict, Verdict, String, std::sync::MutexGuard<'static, ()>) {
    let serial = SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let plan = SweepPlan {
        workload,
        feeders: vec![FeederKind::Dispenser],
        threads: vec![Threads::new(2).expect("a valid thread count")],
        chunks: vec![ChunkSize::Fixed(Chunk::of(1024))],
        gil: vec![false],
        reps: 3,
        warmup: 1,
        spans: false,
        variants: vec![worse, better],
        weak: false,
    };
    let file = run_sweep(&plan, scalescope::experiment::Experiment::start(&plan, None), &Hooks::none(), |_| {}, |_| {}).expect("sweep");
    let analysis = Analysis::of(&file);
    assert!(file.runs.iter().all(|r| r.verified), "every run's result matches the plain loop's");
    let run = |v| file.runs.iter().position(|r| r.variant == Some(v)).expect("a run of each variant");
    let (w, b) = (run(worse), run(better));
    let dw = analysis.diagnoses[w].clone();
    let why = format!("{dw:?}: {worse} {:.3} s, {better} {:.3} s", file.runs[w].median_s, file.runs[b].median_s);
    (dw.verdict, analysis.diagnoses[b].verdict, why, serial)
}

#[test]
#[ignore = "a timed run: needs an idle machine with 2+ cores; run with --ignored"]
fn packed_counters_next_to_their_padded_twin_are_false_sharing() {
    let spec = WorkloadSpec::new(WorkloadKind::FalseSharing).with("n", 1_000_000);
    let (packed, padded, why, _serial) = twins(spec, Variant::Packed, Variant::Padded);
    if num_cpus::get() >= 2 {
        // Two cores write one line: it bounces, and the twin shows how much that costs.
        assert_eq!(packed, Verdict::FalseSharing, "{why}");
    } else {
        // One core: the two threads take turns, the line never moves, nothing to name.
        assert_ne!(packed, Verdict::FalseSharing, "{why}");
    }
    assert_ne!(padded, Verdict::FalseSharing, "{why}");
}

#[test]
#[ignore = "a timed run: needs an idle machine with 2+ cores; run with --ignored"]
fn one_locked_map_next_to_its_local_merge_twin_is_shared_state() {
    let spec = WorkloadSpec::new(WorkloadKind::Contention).with("n", 500_000);
    let (locked, local, why, _serial) = twins(spec, Variant::LockedMap, Variant::LocalMerge);
    if num_cpus::get() >= 2 {
        // Two workers queue at one lock on every item; the local twin takes none.
        assert_eq!(locked, Verdict::SharedState, "{why}");
    } else {
        assert_ne!(locked, Verdict::SharedState, "{why}");
    }
    assert_ne!(local, Verdict::SharedState, "{why}");
}

#[test]
#[ignore = "a timed run: needs an idle machine with 2+ cores; run with --ignored"]
fn a_stream_is_read_against_this_machines_probed_bandwidth() {
    let _serial = SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let cores = num_cpus::get().max(1);
    let spec = WorkloadSpec::new(WorkloadKind::Stream).with("n", 256).with("passes", 2);
    let plan = SweepPlan {
        workload: spec,
        feeders: vec![FeederKind::Dispenser],
        threads: [1, cores].iter().filter_map(|&t| Threads::new(t).ok()).collect(),
        chunks: vec![ChunkSize::Auto],
        gil: vec![false],
        reps: 2,
        warmup: 0,
        spans: false,
        variants: vec![],
        weak: false,
    };
    let file = run_sweep(&plan, scalescope::experiment::Experiment::start(&plan, None), &Hooks::none(), |_| {}, |_| {}).expect("sweep");
    let analysis = Analysis::of(&file);
    let probe = file.bandwidth.clone().expect("the probe ran before the stream");
    assert_eq!(probe.points.first().map(|p| p.0), Some(1));
    assert_eq!(probe.points.last().map(|p| p.0), Some(cores));
    let (_, peak) = probe.peak();
    assert!(peak > 0.0 && peak.is_finite(), "{probe:?}");
    for (r, d) in file.runs.iter().zip(&analysis.diagnoses) {
        assert!(r.verified);
        let got = scalescope::workloads::bandwidth::gbs(256 << 21, r.median_s);
        let bound = r.threads > 1 && r.threads <= cores && got >= scalescope::workloads::bandwidth::AT_PEAK * peak && r.efficiency < 0.85;
        // Named memory-bound exactly when the numbers say so; the GB/s against the probe either way.
        assert_eq!(d.verdict == Verdict::MemoryBound, bound, "{d:?} at {got:.1} of {peak:.1} GB/s, efficiency {:.2}", r.efficiency);
        if bound {
            assert!(d.headline.contains(&format!("{got:.1} GB/s of a measured {peak:.1} GB/s")), "{}", d.headline);
        } else {
            // Against the probe at the run's own thread count (or the peak), the peak named either way.
            let same = probe.points.iter().find(|p| p.0 == r.threads).map_or(peak, |p| p.1);
            assert!(d.evidence.contains(&format!("{got:.1} GB/s of a measured {same:.1} GB/s")), "{}", d.evidence);
            assert!(d.evidence.contains(&format!("{peak:.1} GB/s")), "{}", d.evidence);
        }
    }
    // The what-if model counts cores, not memory channels, and says so with the plain loop's GB/s.
    let one = scalescope::workloads::bandwidth::gbs(256 << 21, file.baseline_median_s());
    assert!(cores < 2 || !analysis.what_if.is_empty(), "a 2-thread run has a what-if model");
    for w in &analysis.what_if {
        assert!(w.summary.contains(&format!("counts no memory bandwidth: the plain loop reads {one:.1} GB/s")), "{}", w.summary);
    }
}
