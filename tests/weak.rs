//! Weak scaling (Gustafson) on real runs: every grown size has its own
//! sequential reference, each run is verified against it, the scaled
//! speedup and Gustafson's serial share follow from the measured times, and
//! what the user asks that cannot grow is refused with one line naming it.
#![allow(clippy::unwrap_used, reason = "a test fails loudly where an unwrap fails")]

use std::process::Command;

use scalescope::analysis::Analysis;
use scalescope::analysis::weak;
use scalescope::engine::{ChunkSize, FeederKind, Hooks, Threads};
use scalescope::experiment::Experiment;
use scalescope::experiment::SweepPlan;
use scalescope::experiment::weak::{self as grow, SIZE_PARAM};
use scalescope::measure::run_sweep;
use scalescope::workloads::{self, WorkloadKind, WorkloadSpec};

fn plan(workload: WorkloadSpec, threads: &[usize]) -> SweepPlan {
    SweepPlan {
        workload,
        feeders: vec![FeederKind::Dispenser, FeederKind::Auto],
        threads: threads.iter().map(|&t| Threads::new(t).unwrap()).collect(),
        chunks: vec![ChunkSize::Auto],
        gil: vec![false],
        reps: 2,
        warmup: 0,
        spans: false,
        variants: vec![],
        weak: true,
    }
}

#[test]
fn every_grown_size_runs_against_its_own_reference_and_gustafson_reads_the_times() {
    let spec = WorkloadSpec::new(WorkloadKind::Primes).with("n", 60_000).with("serial", 100_000);
    let plan = plan(spec.clone(), &[1, 2, 3]);
    let mut saved = 0;
    let exp = run_sweep(&plan, Experiment::start(&plan, None), &Hooks::none(), |_| {}, |_| saved += 1).unwrap();
    assert_eq!(saved, plan.total_measurements(), "saved after every measurement, the grown sizes' too");
    let analysis = Analysis::of(&exp);
    assert!(exp.all_verified());
    let w = exp.weak.as_ref().expect("a weak half");
    assert_eq!((w.param.as_str(), w.base), (SIZE_PARAM, 60_000));
    assert_eq!(w.steps.iter().map(|s| (s.threads, s.size)).collect::<Vec<_>>(), vec![(2, 120_000), (3, 180_000)]);
    assert_eq!(analysis.weak_diagnoses.len(), w.steps.len());
    for (step, diagnoses) in w.steps.iter().zip(&analysis.weak_diagnoses) {
        assert_eq!(diagnoses.len(), step.runs.len(), "a diagnosis per run at every size");
        // The reference at the grown size is the plain loop's answer at that size.
        let grown = grow::grown(&spec, step.threads);
        let want = workloads::reference(&grown).unwrap().to_value();
        let b = step.baseline.as_ref().expect("a reference per size");
        assert_eq!(b.result, want, "reference at {}", step.size);
        assert_eq!(step.runs.len(), 2, "both feeders at {} threads", step.threads);
        for r in &step.runs {
            assert_eq!(r.threads, step.threads, "a grown size runs only its own thread count");
            assert!(r.verified && r.result == want, "{:?}", r.result);
            assert!((r.speedup - b.median_s / r.median_s).abs() < 1e-9, "scaled speedup against the size's own reference");
        }
    }
    // Gustafson per series, read straight off the measured points.
    assert_eq!(analysis.gustafson.len(), 2, "{:?}", analysis.gustafson);
    for g in &analysis.gustafson {
        let pts: Vec<(f64, f64)> =
            g.points.iter().filter(|p| p.threads <= exp.machine.logical_cores).map(|p| (p.threads as f64, p.speedup)).collect();
        let (s, _) = weak::fit_serial(&pts).unwrap_or((f64::NAN, 0.0));
        if pts.len() > 1 {
            assert!((g.serial - s).abs() < 1e-12, "{} vs {s}", g.serial);
        }
        assert_eq!(g.points.first().map(|p| (p.threads, p.size)), Some((1, 60_000)), "the one-thread point is the strong sweep's");
        let one = exp.runs.iter().find(|r| r.threads == 1 && r.feeder == g.feeder).unwrap();
        for p in &g.points {
            let run =
                w.steps.iter().flat_map(|s| &s.runs).chain(&exp.runs).find(|r| r.threads == p.threads && r.feeder == g.feeder).unwrap();
            assert!((p.time_ratio - run.median_s / one.median_s).abs() < 1e-9);
        }
        let h = g.headline(exp.machine.logical_cores);
        assert!(h.starts_with("weak scaling:") && h.contains("Gustafson"), "{h}");
        if let Some(widest) = g.widest(exp.machine.logical_cores) {
            assert!(h.contains(&format!("scaled speedup {:.2}", widest.speedup)), "{h}");
        }
    }
    let text = scalescope::analysis::describe(&exp, &analysis);
    assert!(text.contains("Weak scaling (n grows with the threads from 60,000") && text.contains("Gustafson: S(p) = p -"), "{text}");
    let table = scalescope::export::table::to_table(&exp);
    assert!(table.contains("120,000") && table.contains("180,000"), "{table}");
    let csv = scalescope::export::csv::to_csv(&exp);
    assert_eq!(csv.lines().filter(|l| l.ends_with(",weak")).count(), 4, "{csv}");
    assert_eq!(csv.lines().filter(|l| l.ends_with(",60000,strong")).count(), exp.runs.len(), "{csv}");
    // The file round-trips.
    let back: Experiment = serde_json::from_str(&serde_json::to_string(&exp).unwrap()).unwrap();
    assert_eq!(back.weak, exp.weak);
}

#[test]
fn a_cancelled_weak_sweep_keeps_what_it_measured() {
    let spec = WorkloadSpec::new(WorkloadKind::Primes).with("n", 50_000);
    let plan = plan(spec, &[1, 2]);
    let cancel = scalescope::engine::CancelToken::new();
    let hooks = Hooks { cancel: Some(cancel.clone()), ..Hooks::none() };
    let mut measured = 0;
    // Stop once the first grown size has its reference and a run.
    let exp = run_sweep(
        &plan,
        Experiment::start(&plan, None),
        &hooks,
        |_| {},
        |e| {
            measured += 1;
            if e.weak.as_ref().is_some_and(|w| w.steps.iter().any(|s| !s.runs.is_empty())) {
                cancel.cancel();
            }
        },
    )
    .unwrap();
    assert_eq!(exp.status.word(), "stopped", "{:?}", exp.status);
    let w = exp.weak.as_ref().unwrap();
    assert!(w.steps[0].baseline.is_some() && !w.steps[0].runs.is_empty());
    assert!(exp.all_verified());
    assert!(measured < plan.total_measurements());
}

fn scalescope(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_scalescope"))
        .env("SCALESCOPE_DATA_DIR", std::env::temp_dir().join(format!("scalescope-weak-data-{}", std::process::id())))
        .args(args)
        .output()
        .unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

#[test]
fn what_cannot_grow_is_one_line_naming_it() {
    let text = std::env::temp_dir().join(format!("scalescope-weak-text-{}.txt", std::process::id()));
    std::fs::write(&text, "a b c\n").unwrap();
    let text = text.to_string_lossy().to_string();
    for (args, says) in [
        (vec!["sweep", "--weak", "-w", "primes", "--n", "600000000", "-t", "1,2"], "n = 600000000 x 2 threads = 1,200,000,000"),
        (vec!["sweep", "--weak", "-w", "aggregates"], "one thread per aggregate"),
        (vec!["sweep", "--weak", "-w", "word-count", "--file", &text], "cannot grow"),
        (vec!["sweep", "--weak", "-w", "trivial", "--n", "0"], "n = 0"),
    ] {
        let (code, stdout, stderr) = scalescope(&args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.contains("--weak") && stderr.contains(says), "{args:?}: {stderr}");
        assert!(stdout.is_empty(), "{args:?}: {stdout}");
    }
}

#[test]
fn the_cli_prints_both_views_and_saves_the_weak_half() {
    let dir = std::env::temp_dir().join(format!("scalescope-weak-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let json = dir.join("weak.json");
    let (code, stdout, stderr) = scalescope(&[
        "sweep",
        "--weak",
        "-w",
        "trivial",
        "--n",
        "200000",
        "-t",
        "1,2",
        "-f",
        "dispenser",
        "--reps",
        "2",
        "--fit",
        "--json",
        json.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("Weak scaling (n grows with the threads from 200,000") && stdout.contains("400,000"), "{stdout}");
    let text = std::fs::read_to_string(&json).unwrap();
    let exp: Experiment = serde_json::from_str(&text).unwrap();
    assert!(exp.asked.weak && exp.name.contains("weak scaling"), "{}", exp.name);
    let w = exp.weak.unwrap();
    assert_eq!(w.steps.len(), 1);
    assert_eq!(w.steps[0].size, 400_000);
    // `--fit` writes Gustafson's fits under schema 2's name beside the measurements.
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert!(v["weak"]["fits"].as_array().is_some_and(|f| !f.is_empty()), "{}", v["weak"]);
}
