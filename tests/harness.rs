//! Scale your own Rust code: `scalescope::measure::Scaling` measures a real
//! map-reduce into a library as one experiment (verified against the
//! sequential reference, repetitions interleaved), stops with a clear error
//! on a wrong answer or a misused closure, honours `SCALESCOPE_DATA_DIR`,
//! and an app open on that library lists what it saved without a restart.
//! Timings are never asserted.
#![allow(clippy::unwrap_used, reason = "a test fails loudly where an unwrap fails")]

mod common;

use std::path::PathBuf;
use std::sync::Mutex;

use common::Plain;
use scalescope::engine::{Config, Run};
use scalescope::experiment::{Library, Status, StopCause};
use scalescope::measure::Scaling;
use scalescope::measure::scaling::ScalingError;
use scalescope::workloads::{self, ResultValue, WorkloadKind, WorkloadSpec};

/// One measurement at a time: two would take each other's cores.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A fresh, empty folder for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("scalescope-harness-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// A little work per item: a few rounds of a 64-bit mix.
fn mix(x: u64) -> u64 {
    (0..16).fold(x, |h, i| (h ^ (h >> 29) ^ i).wrapping_mul(0xbf58_476d_1ce4_e5b9))
}

const N: u64 = 200_000;

fn expected() -> u64 {
    (0..N).map(mix).fold(0, u64::wrapping_add)
}

#[test]
fn a_real_map_reduce_is_measured_into_the_library_and_verified() {
    let _one = serial();
    let dir = scratch("measured");
    let library = Library::at(&dir);
    let mut calls: Vec<(bool, usize)> = Vec::new();
    let exp = Scaling::new("sum of mixes")
        .threads([1, 2])
        .reps(2)
        .warmup(0)
        .library(library.clone())
        .run(|run| {
            calls.push((run.is_reference(), run.threads()));
            run.map_reduce(Plain(0..N), mix, u64::wrapping_add)
        })
        .unwrap();

    // The closure ran once per (configuration, repetition), the reference
    // included, every configuration's first repetition before any second.
    assert_eq!(calls.len(), 6, "{calls:?}");
    let (first, second) = calls.split_at(3);
    for round in [first, second] {
        assert_eq!(round[0], (true, 1), "the reference first in each round: {calls:?}");
        let mut threads: Vec<usize> = round[1..].iter().map(|&(r, t)| if r { 0 } else { t }).collect();
        threads.sort_unstable();
        assert_eq!(threads, [1, 2], "every thread count once per round: {calls:?}");
    }

    // A real experiment of the rust-code workload, named as asked, complete.
    assert_eq!(exp.status, Status::Complete);
    assert_eq!(exp.workload.name, WorkloadKind::Code);
    assert_eq!(exp.name, "sum of mixes");
    let want = ResultValue::Text(format!("{:?}", Some(expected())));
    let baseline = exp.baseline.as_ref().unwrap();
    assert_eq!(baseline.result, want, "the reference's result");
    assert_eq!(baseline.times_s.len(), 2);
    assert_eq!(exp.runs.iter().map(|r| r.threads).collect::<Vec<_>>(), [1, 2]);
    for r in &exp.runs {
        assert!(r.verified, "{} threads not verified", r.threads);
        assert_eq!(r.result, want, "{} threads", r.threads);
        assert_eq!(r.times_s.len(), 2);
        assert!(!r.workers.is_empty() && r.workers.iter().map(|w| w.items).sum::<u64>() == N, "{:?}", r.workers);
        assert!(r.speedup > 0.0 && r.speedup.is_finite());
    }
    assert!(exp.all_verified());

    // Saved in the library, as it was returned.
    assert!(library.path_of(&exp.id).is_file());
    let saved = library.experiments();
    assert_eq!(saved.len(), 1);
    assert_eq!(saved[0], exp);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_different_answer_at_two_threads_stops_the_measurement_with_a_mismatch() {
    let _one = serial();
    let dir = scratch("mismatch");
    let library = Library::at(&dir);
    let err = Scaling::new("off by one at two threads")
        .threads([1, 2])
        .reps(3)
        .warmup(0)
        .library(library.clone())
        .run(|run| {
            let sum = run.map_reduce(Plain(0..10_000u64), mix, u64::wrapping_add)?;
            Ok(if run.threads() == 2 { sum.map(|s| s.wrapping_add(1)) } else { sum })
        })
        .unwrap_err();
    let ScalingError::Mismatch { message, experiment, file } = &err else { panic!("a mismatch expected: {err}") };
    assert!(message.contains("auto x2") && message.contains("differs from the sequential reference"), "{message}");
    assert!(err.to_string().contains("gave a wrong answer"), "{err}");
    // Stopped at the first wrong answer, which is recorded as not verified.
    let Status::Stopped { done, total, by: StopCause::Error { message: why } } = &experiment.status else {
        panic!("{:?}", experiment.status)
    };
    assert!(done < total && why == message, "{done} of {total}: {why}");
    let two = experiment.runs.iter().find(|r| r.threads == 2).unwrap();
    assert!(!two.verified);
    assert!(!experiment.all_verified());
    // The library holds it as it stopped.
    let file = file.as_ref().unwrap();
    let saved = scalescope::experiment::Experiment::load(file).unwrap();
    assert_eq!(saved.status, experiment.status);
    assert!(!saved.all_verified());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn floats_are_compared_with_the_check_given() {
    let _one = serial();
    let dir = scratch("floats");
    let exp = Scaling::new("sum of square roots")
        .threads([1, 2])
        .reps(1)
        .warmup(0)
        .library(Library::at(&dir))
        .check(|a: &Option<f64>, b: &Option<f64>| match (a, b) {
            (Some(a), Some(b)) => (a - b).abs() <= 1e-9 * a.abs(),
            _ => a == b,
        })
        .run(|run| run.map_reduce(Plain(0..50_000u64), |x| (x as f64).sqrt(), |a, b| a + b))
        .unwrap();
    assert!(exp.all_verified() && exp.status == Status::Complete);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_closure_that_runs_no_map_reduce_or_panics_fails_clearly() {
    let _one = serial();
    let dir = scratch("misuse");
    let err = Scaling::new("no engine call").threads([1]).reps(1).warmup(0).library(Library::at(&dir)).run(|_run| Ok(7u64)).unwrap_err();
    assert!(matches!(err, ScalingError::Failed { .. }), "{err}");
    assert!(err.to_string().contains("exactly one map-reduce"), "{err}");

    let err = Scaling::new("a panic in the map")
        .threads([2])
        .reps(1)
        .warmup(0)
        .library(Library::at(&dir))
        .run(|run| run.map_reduce(Plain(0..1000u64), |x| if x == 500 { panic!("item 500 is bad") } else { x }, |a, b| a + b))
        .unwrap_err();
    assert!(matches!(err, ScalingError::Failed { .. }), "{err}");
    assert!(err.to_string().contains("item 500 is bad"), "{err}");

    let err = Scaling::new("no threads").threads(Vec::new()).library(Library::at(&dir)).run(|_run| Ok(0)).unwrap_err();
    assert!(matches!(err, ScalingError::Setup(_)) && err.experiment().is_none(), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Run by [`the_default_library_is_where_scalescope_data_dir_says`] in a
/// child process with `SCALESCOPE_DATA_DIR` set (a test cannot set it in its own process).
#[test]
#[ignore = "run in a child process by the_default_library_is_where_scalescope_data_dir_says"]
fn child_measures_into_the_default_library() {
    assert!(std::env::var_os("SCALESCOPE_DATA_DIR").is_some(), "only for a child with SCALESCOPE_DATA_DIR set");
    Scaling::new("child").threads([1]).reps(1).warmup(0).run(|run| run.map_reduce(Plain(0..1000u64), mix, u64::wrapping_add)).unwrap();
}

#[test]
fn the_default_library_is_where_scalescope_data_dir_says() {
    let _one = serial();
    let dir = scratch("data-dir");
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["child_measures_into_the_default_library", "--exact", "--ignored", "--test-threads=1"])
        .env("SCALESCOPE_DATA_DIR", &dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let saved = Library::at(dir.join("experiments")).experiments();
    assert_eq!(saved.iter().map(|x| x.name.as_str()).collect::<Vec<_>>(), ["child"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn rust_code_never_runs_here_and_the_cli_refuses_it() {
    let spec = WorkloadSpec::new(WorkloadKind::Code);
    assert!(!WorkloadKind::Code.design().runs_here());
    let e = workloads::reference(&spec).unwrap_err();
    assert!(e.to_string().contains("run that program again"), "{e}");
    let e = workloads::run(&spec, Run::new(&Config::new(2).unwrap())).unwrap_err();
    assert!(e.to_string().contains("run that program again"), "{e}");

    let bin = env!("CARGO_BIN_EXE_scalescope");
    let out = std::process::Command::new(bin)
        .args(["run", "--workload", "rust-code"])
        .env("SCALESCOPE_DATA_DIR", scratch("cli"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot run from the command line") && stderr.contains("scalescope::measure::Scaling"), "{stderr}");
    let out = std::process::Command::new(bin).arg("workloads").output().unwrap();
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(listed.contains("primes") && !listed.contains("rust-code"), "{listed}");
}

/// The app open on a library lists what the harness saves in it meanwhile.
#[cfg(feature = "gui")]
mod app {
    use std::time::{Duration, Instant};

    use egui_kittest::Harness;
    use egui_kittest::kittest::Queryable;
    use scalescope::experiment::Library;
    use scalescope::gui::ScalescopeApp;
    use scalescope::gui::state::{Settings, Tab};
    use scalescope::measure::Scaling;

    use super::{Plain, mix, scratch, serial};

    fn app_on(dir: &std::path::Path) -> Harness<'static, ScalescopeApp> {
        let settings = Settings { check_first: false, tab: Tab::Experiments, ..Settings::default() };
        Harness::builder()
            .with_size([1400.0, 1000.0])
            .build_ui_state(|ui, app: &mut ScalescopeApp| app.draw(ui), ScalescopeApp::with_library(settings, Library::at(dir)))
    }

    /// Frames in real time until `done` (the watch works on its own thread).
    fn step_until(h: &mut Harness<'_, ScalescopeApp>, secs: u64, done: impl Fn(&ScalescopeApp) -> bool) {
        let until = Instant::now() + Duration::from_secs(secs);
        while !done(h.state()) {
            assert!(
                Instant::now() < until,
                "timed out; the list: {:?}",
                h.state().shelf.results.iter().map(|x| &x.name).collect::<Vec<_>>()
            );
            h.step();
            std::thread::sleep(Duration::from_millis(20));
        }
        h.step();
    }

    fn measure_into(dir: &std::path::Path, name: &str) -> scalescope::experiment::Experiment {
        Scaling::new(name)
            .threads([1, 2])
            .reps(1)
            .warmup(0)
            .library(Library::at(dir))
            .run(|run| run.map_reduce(Plain(0..20_000u64), mix, u64::wrapping_add))
            .unwrap()
    }

    fn shows_once(h: &mut Harness<'_, ScalescopeApp>, exp: &scalescope::experiment::Experiment) {
        step_until(h, 30, |app| app.shelf.results.iter().any(|x| x.id == exp.id));
        h.step();
        assert!(h.query_by_label(&exp.name).is_some(), "the Experiments tab names it");
        let message = format!("{:?}", h.state().message);
        assert!(message.contains("another program saved it"), "{message}");
        // More frames, more time: still listed once.
        std::thread::sleep(Duration::from_millis(600));
        for _ in 0..3 {
            h.step();
        }
        assert_eq!(h.state().shelf.results.iter().filter(|x| x.id == exp.id).count(), 1);
        assert_eq!(h.state().shelf.results.iter().find(|x| x.id == exp.id), Some(exp), "as saved, complete");
    }

    #[test]
    fn an_experiment_the_harness_saves_shows_in_the_open_app() {
        let _one = serial();
        let dir = scratch("app-watch");
        std::fs::create_dir_all(&dir).unwrap();
        let mut h = app_on(&dir);
        for _ in 0..3 {
            h.step();
        }
        assert!(h.state().shelf.results.is_empty());
        let exp = measure_into(&dir, "measured while the app is open");
        shows_once(&mut h, &exp);
        drop(h);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_library_folder_made_after_the_app_opened_is_watched_too() {
        let _one = serial();
        let dir = scratch("app-late-folder");
        let mut h = app_on(&dir);
        for _ in 0..3 {
            h.step();
        }
        let exp = measure_into(&dir, "the first experiment of a new library");
        shows_once(&mut h, &exp);
        drop(h);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
