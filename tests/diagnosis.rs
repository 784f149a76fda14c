//! "Why not ideal?" on recorded runs: the verdicts of the four recorded
//! experiments in `tests/golden/` (and of their runs with one thing
//! changed), deterministic on any machine, and the shape of the CLI's
//! `--fit` JSON. The verdicts of real timed runs are in
//! `tests/diagnosis_real.rs` (ignored by default: they need an idle machine).

use std::path::Path;

use scalescope::analysis::Analysis;
use scalescope::analysis::diagnosis::{Diagnosis, Verdict, diagnose};
use scalescope::engine::{ChunkSize, FeederKind};
use scalescope::experiment::{Experiment, RunRecord};
use scalescope::machine::load::CpuShare;

const CASES: [&str; 4] = ["thread-sweep", "feeders", "weak", "stream"];

fn recorded(case: &str) -> Experiment {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("golden").join(format!("{case}.json"));
    Experiment::load(&path).unwrap_or_else(|e| panic!("{case}: {e}"))
}

/// The run of `exp` with this feeder, thread count and chunk size.
fn the_run(exp: &Experiment, feeder: FeederKind, threads: usize, chunk: &str) -> usize {
    exp.runs
        .iter()
        .position(|r| r.feeder == feeder && r.threads == threads && r.chunk_size.to_string() == chunk)
        .unwrap_or_else(|| panic!("no {feeder} x{threads} chunk {chunk} in {}", exp.name))
}

/// Every run of every recorded experiment with its diagnosis (weak steps included).
fn every_diagnosis() -> Vec<(RunRecord, Diagnosis)> {
    let mut out = Vec::new();
    for case in CASES {
        let exp = recorded(case);
        let analysis = Analysis::of(&exp);
        out.extend(exp.runs.iter().cloned().zip(analysis.diagnoses.iter().cloned()));
        let steps = exp.weak.iter().flat_map(|w| &w.steps);
        for (step, ds) in steps.zip(&analysis.weak_diagnoses) {
            out.extend(step.runs.iter().cloned().zip(ds.iter().cloned()));
        }
    }
    out
}

#[test]
fn outside_load_that_cannot_explain_the_loss_is_evidence_not_the_verdict() {
    // queue x2 with chunks of 64 at 0.01x, beside 0.68 of a core of other programs.
    let exp = recorded("feeders");
    let i = the_run(&exp, FeederKind::Queue, 2, "64");
    let d = &Analysis::of(&exp).diagnoses[i];
    assert_eq!(d.verdict, Verdict::WaitingForInput, "{d:?}");
    assert!(d.evidence.starts_with("waiting took 97% of the workers' time"), "{}", d.evidence);
    assert!(
        d.evidence.contains("other programs took 68% of a core while this ran: that explains less than 1% of the gap"),
        "{}",
        d.evidence
    );
}

#[test]
fn a_locked_run_at_a_fiftieth_beside_most_of_a_core_names_the_lock() {
    let exp = recorded("feeders");
    let mut run = exp.runs[the_run(&exp, FeederKind::Locked, 2, "1")].clone();
    assert!(run.speedup < 0.05, "{}", run.speedup);
    run.cpu = vec![CpuShare { rest_of_process: 0.0, other_processes: 0.91 }; 3];
    let d = diagnose(&run, exp.baseline_median_s(), exp.machine.logical_cores);
    assert_eq!(d.verdict, Verdict::WaitingForInput, "{d:?}");
    assert!(d.headline.contains("the lock"), "{}", d.headline);
    assert!(d.suggestion.starts_with("locked takes the lock once per item"), "{}", d.suggestion);
    assert!(d.evidence.contains("other programs took 91% of a core while this ran"), "{}", d.evidence);
}

#[test]
fn outside_load_that_explains_a_small_gap_is_named() {
    // stream's dispenser x2 at 1.75x: 0.3 of a core taken leaves 1.7, all of the gap.
    let mut exp = recorded("stream");
    let i = the_run(&exp, FeederKind::Dispenser, 2, "auto");
    exp.runs[i].cpu = vec![CpuShare { rest_of_process: 0.3, other_processes: 0.0 }; 3];
    let d = &Analysis::of(&exp).diagnoses[i];
    assert_eq!(d.verdict, Verdict::Disturbed, "{d:?}");
    assert_eq!(d.headline, "the window's drawing took 30% of a core while this ran; the CLI measures without it");
    assert!(d.evidence.contains("1.70 cores left for 2 threads: that explains 100% of the gap to ideal;"), "{}", d.evidence);
}

#[test]
fn with_the_gil_a_fused_auto_is_the_gils_doing() {
    // feeders' auto x2, which fused for most of its items, as if the GIL had been on.
    let exp = recorded("feeders");
    let i = the_run(&exp, FeederKind::Auto, 2, "auto");
    assert_eq!(Analysis::of(&exp).diagnoses[i].verdict, Verdict::SerialSource);
    let mut run = exp.runs[i].clone();
    run.gil = true;
    let d = diagnose(&run, exp.baseline_median_s(), exp.machine.logical_cores);
    assert_eq!(d.verdict, Verdict::Gil, "{d:?}");
    assert!(!d.headline.contains("source iterator"), "{}", d.headline);
    assert!(d.evidence.contains("ran one fused core"), "{}", d.evidence);
}

#[test]
fn no_suggestion_repeats_the_runs_own_setting_or_one_its_feeder_lacks() {
    for (r, d) in every_diagnosis() {
        let (s, what) = (&d.suggestion, format!("{} x{} chunk {}", r.feeder, r.threads, r.chunk_size));
        assert!(!s.starts_with("try"), "{what}: the CLI prints 'try: ' before it: {s}");
        if r.chunk_size == ChunkSize::Auto {
            assert!(!s.contains("auto chunks") && !s.contains("or auto, which"), "{what}: {s}");
        }
        if r.feeder == FeederKind::Auto {
            assert!(!s.contains("auto runs fused") && !s.contains("the auto feeder"), "{what}: {s}");
        }
        if matches!(r.feeder, FeederKind::Rayon | FeederKind::Locked) {
            assert!(!s.contains("bigger chunks") && !s.contains("smaller chunks"), "{what}: {s}");
        }
    }
}

#[test]
fn headlines_agree_with_their_evidence() {
    let percent_after = |text: &str, label: &str| -> Option<f64> {
        let rest = &text[text.find(label)? + label.len()..];
        rest.split('%').next()?.trim().parse().ok()
    };
    let mut seen = 0;
    for (r, d) in every_diagnosis() {
        let what = format!("{} x{} chunk {}: {d:?}", r.feeder, r.threads, r.chunk_size);
        if d.headline == "small losses everywhere" {
            seen += 1;
            // Neither loss may read as large as its own rule's threshold.
            assert!(percent_after(&d.evidence, "imbalance ").is_some_and(|p| p < 15.0), "{what}");
            assert!(percent_after(&d.evidence, "waiting ").is_some_and(|p| p < 25.0), "{what}");
        }
        if d.verdict == Verdict::Disturbed {
            let explains = percent_after(&d.evidence, "that explains ");
            assert!(explains.is_some_and(|p| p >= 50.0), "{what}");
        }
        if d.verdict == Verdict::ScalesWell && r.threads <= r.workers.len() {
            assert!(r.efficiency >= 0.9 || r.speedup > 1.0, "{what}");
        }
    }
    assert!(seen > 0, "the recorded stream runs are small losses");
}

#[test]
fn every_recorded_run_is_named_as_before_apart_from_the_outside_load() {
    use Verdict::*;
    let verdicts = |case| Analysis::of(&recorded(case)).diagnoses.iter().map(|d| d.verdict).collect::<Vec<_>>();
    assert_eq!(verdicts("thread-sweep"), [OneThread, ScalesWell, Oversubscription, Oversubscription]);
    assert_eq!(verdicts("weak"), [OneThread, SerialPart]);
    assert_eq!(verdicts("stream"), [OneThread, Overhead, OneThread, Overhead]);
    let feeders = verdicts("feeders");
    let named: Vec<_> = feeders.iter().filter(|v| **v != OneThread).copied().collect();
    // queue x2 chunk 64 was `Disturbed` before: 0.68 of a core cannot explain a 100x loss.
    assert_eq!(
        named,
        [
            WaitingForInput,
            WaitingForInput,
            WaitingForInput,
            WaitingForInput,
            WaitingForInput,
            WaitingForInput,
            WaitingForInput,
            SerialSource
        ]
    );
}

#[test]
fn fits_and_diagnoses_go_into_the_json() {
    let dir = std::env::temp_dir().join(format!("scalescope-fit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let json = dir.join("fit.json");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_scalescope"))
        .env("SCALESCOPE_DATA_DIR", &dir)
        .args([
            "sweep",
            "--workload",
            "primes",
            "--n",
            "50000",
            "--threads",
            "1,2,3",
            "--feeder",
            "dispenser",
            "--reps",
            "1",
            "--warmup",
            "0",
            "--fit",
            "--spans",
            "--json",
        ])
        .arg(&json)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(stdout.contains("Amdahl: parallel fraction f = "), "{stdout}");
    // Only points at or below the core count are fitted: the USL needs three.
    let cores = num_cpus::get();
    assert_eq!(stdout.contains("USL: lambda"), cores >= 3, "{stdout}");
    assert!(stdout.contains("Why not ideal?"), "{stdout}");
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap_or_default()).unwrap_or_default();
    let fits = v["fits"].as_array().cloned().unwrap_or_default();
    assert_eq!(fits.len(), 1);
    assert!(fits[0]["amdahl"]["f"].as_f64().is_some_and(|f| (0.0..=1.0).contains(&f)));
    // Extrapolated only from three thread counts or more.
    let expected = if cores >= 3 { 6 } else { 0 };
    assert_eq!(fits[0]["predicted"].as_array().map(Vec::len), Some(expected), "{stdout}");
    assert_eq!(stdout.contains("predicted: none (fitted from"), cores < 3, "{stdout}");
    let fitted: Vec<u64> =
        fits[0]["threads"].as_array().cloned().unwrap_or_default().iter().filter_map(serde_json::Value::as_u64).collect();
    assert_eq!(fitted, (1..=3u64).filter(|&t| t as usize <= cores).collect::<Vec<_>>(), "oversubscribed points are not fitted");
    for r in v["runs"].as_array().cloned().unwrap_or_default() {
        assert!(r["diagnosis"]["verdict"].is_string(), "{r}");
        let spans = r["spans"].as_array().cloned().unwrap_or_default();
        assert!(!spans.is_empty(), "spans recorded with --spans");
        assert!(spans.iter().all(|s| s["end_s"].as_f64() >= s["start_s"].as_f64()));
    }
    let _ = std::fs::remove_dir_all(&dir);
}
