//! The app's predictions checked by measuring: "Check it" in What if? runs
//! a prediction into the same experiment, and the row then shows predicted
//! against measured; "Find the crossover" measures where threads beat the
//! plain loop.
#![cfg(feature = "gui")]
#![allow(clippy::unwrap_used, reason = "a test fails loudly where an unwrap fails")]

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use scalescope::engine::{FeederKind, Hooks, Threads};
use scalescope::experiment::{Experiment, Library, SweepPlan};
use scalescope::gui::ScalescopeApp;
use scalescope::gui::state::{Settings, Tab};
use scalescope::workloads::{WorkloadKind, WorkloadSpec};

mod common;
use common::gui::step_until;

/// One measuring test at a time: they would disturb each other's numbers.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// A dispenser sweep of primes at 1 and 2 threads, kept in a fresh library at `dir`.
fn measured_into(dir: &std::path::Path) -> Experiment {
    let threads = [Threads::ONE, Threads::new(2).unwrap()];
    let plan = SweepPlan {
        reps: 3,
        ..SweepPlan::single(WorkloadSpec::new(WorkloadKind::Primes).with("n", 300_000), FeederKind::Dispenser, &threads)
    };
    let mut exp = scalescope::measure::run_sweep(&plan, Experiment::start(&plan, None), &Hooks::none(), |_| {}, |_| {}).unwrap();
    Library::at(dir).create(&mut exp).unwrap();
    exp
}

#[test]
fn check_it_runs_the_prediction_into_its_experiment_and_shows_predicted_against_measured() {
    let _serial = SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let dir = std::env::temp_dir().join(format!("scalescope-gui-whatif-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let before = measured_into(&dir);
    let settings = Settings { check_first: false, tab: Tab::Why, view: WorkloadKind::Primes, ..Settings::default() };
    let mut h = Harness::builder()
        .with_size([1400.0, 4000.0])
        .build_ui_state(|ui, app: &mut ScalescopeApp| app.draw(ui), ScalescopeApp::with_library(settings, Library::at(&dir)));
    h.step();
    h.step();
    assert_eq!(h.state().shelf.results.len(), 1, "the library's experiment is listed");
    assert!(h.query_by_label("Check a prediction: run it here, into this experiment").is_some());
    assert!(h.query_all_by_label_contains("dispenser can change its thread count and its chunk size").next().is_some());
    let buttons = h.query_all_by_label("Check it").count();
    assert!(buttons >= 2, "another thread count and another chunk size can be run: {buttons}");
    // The measured 1-thread run is shown against its prediction already.
    let rows = h.query_all_by_label_contains(": error ").count();
    assert!(rows >= 1, "the 1-thread run's row shows its error");

    h.query_all_by_label("Check it").next().unwrap().click();
    h.step();
    assert!(h.state().is_running(), "the check started: {:?}", h.state().message);
    step_until(&mut h, 120, |app| !app.is_running());
    let app = h.state();
    let message = format!("{:?}", app.message);
    assert!(message.contains("Checked x") && message.contains("predicted") && message.contains("measured"), "{message}");
    // The run joined the same experiment (no second experiment), saved to its file.
    assert_eq!(app.shelf.results.len(), 1, "{message}");
    let after = &app.shelf.results[0];
    assert_eq!((after.id.clone(), after.runs.len()), (before.id.clone(), before.runs.len() + 1));
    let new = after.runs.iter().find(|r| !before.runs.iter().any(|b| (b.threads, b.chunk_size) == (r.threads, r.chunk_size))).unwrap();
    assert!(new.verified, "the checked run gave the reference's result");
    let saved = Library::at(&dir).find(after.id.as_str()).unwrap().1;
    assert_eq!(saved.runs.len(), after.runs.len(), "saved to the experiment's file");
    // One fewer button: the checked row now shows predicted against measured.
    h.step();
    assert_eq!(h.query_all_by_label("Check it").count(), buttons - 1);
    assert_eq!(h.query_all_by_label_contains(": error ").count(), rows + 1);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn find_the_crossover_answers_where_threads_beat_the_plain_loop() {
    let _serial = SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut settings = Settings {
        check_first: false,
        tab: Tab::Scaling,
        workload: WorkloadKind::Primes,
        view: WorkloadKind::Primes,
        ..Settings::default()
    };
    settings.threads = Threads::new(2).unwrap();
    let mut h = Harness::builder()
        .with_size([1400.0, 3000.0])
        .build_ui_state(|ui, app: &mut ScalescopeApp| app.draw(ui), ScalescopeApp::with_settings(settings));
    h.step();
    h.get_by_label("Find the crossover").click();
    h.step();
    assert!(h.state().crossover.is_running(), "{:?}", h.state().message);
    h.step();
    assert!(h.query_by_label("Cancel the search").is_some());
    step_until(&mut h, 300, |app| !app.crossover.is_running());
    let search = &h.state().crossover;
    let found = search.result.clone().unwrap().unwrap();
    assert!(found.points.iter().all(|p| p.verified), "every point gave the plain loop's result");
    assert!(found.points.len() >= 3 && found.points.windows(2).all(|w| w[0].n < w[1].n), "{:?}", found.points);
    // Primes are dear enough for 2 threads to win at some n: the answer brackets it with measured points.
    let words = found.words();
    assert!(words.starts_with("2 threads beat the plain loop"), "{words}");
    assert!(h.query_all_by_label_contains("2 threads beat the plain loop").next().is_some());
    assert!(h.query_by_label("Find the crossover").is_some(), "it can run again");
}
