//! The real app, driven through its accessible labels with egui_kittest (no
//! window, no display): run, cancel, bad input, corrupt results file.
//! The tests take one lock so that the thread count check sees only its own.
#![allow(clippy::unwrap_used, reason = "a test fails loudly where an unwrap fails")]

use std::sync::Mutex;
use std::time::{Duration, Instant};

use eframe::egui::{Key, Modifiers};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use scalescope::gui::ScalescopeApp;
use scalescope::gui::state::Settings;

mod common;
use common::gui::{choose, step_until, type_into};

static SERIAL: Mutex<()> = Mutex::new(());

fn harness() -> Harness<'static, ScalescopeApp> {
    Harness::builder().with_size([1400.0, 1000.0]).build_ui_state(
        |ui, app: &mut ScalescopeApp| app.draw(ui),
        ScalescopeApp::with_settings(Settings { check_first: false, ..Settings::default() }),
    )
}

fn engine_threads() -> usize {
    common::threads_left("scalescope").len()
}

#[test]
fn run_primes_until_the_table_shows_a_verified_row() {
    let _serial = SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut h = harness();
    h.step();
    type_into(&mut h, "n", "20000");
    assert_eq!(h.state().settings.spec().get("n"), 20_000);
    h.get_by_label("Run").click();
    h.step();
    assert!(h.state().is_running() || !h.state().shelf.results.is_empty());
    step_until(&mut h, 60, |app| !app.is_running());
    let app = h.state();
    assert_eq!(app.shelf.results.len(), 1, "message: {:?}", app.message);
    let run = &app.shelf.results[0].runs[0];
    assert!(run.verified);
    assert_eq!(run.result, scalescope::workloads::ResultValue::Number(2262));
    h.get_by_label("Results").click();
    h.step();
    h.step();
    assert!(h.query_all_by_label("verified").count() >= 1, "the table shows a verified row");
    assert!(h.query_all_by_label("2262").count() >= 1, "the table shows the result");
    h.get_by_label("Scaling").click();
    h.step();
    h.step();
    assert!(h.query_by_label("Speedup vs threads").is_some());
}

#[test]
fn cancel_a_long_run_stops_it_and_joins_the_workers() {
    let _serial = SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut h = harness();
    h.step();

    // 1. Cancel while the sequential reference runs (a huge n).
    type_into(&mut h, "n", "900000000");
    h.get_by_label("Run").click();
    step_until(&mut h, 10, |app| app.jobs.job.as_ref().is_some_and(|j| j.started.elapsed() > Duration::from_millis(300)));
    h.get_by_label("Cancel").click();
    step_until(&mut h, 10, |app| !app.is_running());
    assert!(h.state().message.as_ref().unwrap().text.starts_with("Cancelled"), "{:?}", h.state().message);
    assert_eq!(engine_threads(), 0, "no engine or job thread is left");

    // 2. Cancel inside the engine: trivial on the naive locked feeder is slow
    // on purpose (one lock per item), while its reference takes milliseconds.
    choose(&mut h, "workload", "trivial");
    choose(&mut h, "feeder", "locked");
    assert_eq!(h.state().settings.feeder, scalescope::engine::FeederKind::Locked);
    h.get_by_label("Run").click();
    step_until(&mut h, 30, |app| app.jobs.runs_done >= 1 && app.jobs.live.current.items() > 0);
    // Clicks elsewhere never lose the running job.
    h.get_by_label("Learn").click();
    h.step();
    h.get_by_label("Live").click();
    h.step();
    assert!(h.state().is_running());
    let clicked = Instant::now();
    h.get_by_label("Cancel").click();
    step_until(&mut h, 10, |app| !app.is_running());
    let took = clicked.elapsed();
    let msg = h.state().message.clone().unwrap();
    assert!(msg.text.starts_with("Cancelled"), "{msg:?}");
    assert!(msg.text.contains("the interrupted run had mapped"), "{msg:?}");
    assert!(h.query_by_label_contains("Cancelled after").is_some());
    assert_eq!(engine_threads(), 0, "no engine or job thread is left");
    eprintln!("cancel took {took:?} (stepping included)");
}

#[test]
fn an_invalid_value_shows_a_message_and_nothing_starts() {
    let _serial = SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut h = harness();
    h.step();
    type_into(&mut h, "n", "0");
    assert!(h.query_all_by_label_contains("n = 0 is out of bounds").count() >= 1);
    assert_eq!(h.state().settings.spec().get("n"), 5_000_000, "the last valid value stays");
    type_into(&mut h, "n", "12x");
    assert!(h.query_all_by_label_contains("n must be a whole number").count() >= 1);
    // Run and every sweep button are disabled, and say why.
    assert!(h.query_by_label_contains("off until the field above is fixed (n must be a whole number").is_some());
    h.get_by_label("Run").click();
    h.step();
    assert!(!h.state().is_running() && h.state().shelf.results.is_empty(), "a disabled Run started a job");
    // Fixed: the stale error goes, Run works again.
    type_into(&mut h, "n", "20000");
    assert!(h.state().message.is_none(), "{:?}", h.state().message);
    assert!(h.query_by_label_contains("off until").is_none());
    h.get_by_label("Run").click();
    h.step();
    step_until(&mut h, 60, |app| !app.is_running());
    assert_eq!(h.state().shelf.results.len(), 1);
}

#[test]
fn compare_feeders_after_a_sweep_at_8_threads_runs_at_the_core_count() {
    let _serial = SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let cores = num_cpus::get();
    let mut h = harness();
    h.step();
    h.state_mut().settings.threads = scalescope::engine::Threads::new(4 * cores).unwrap();
    h.step();
    assert!(h.query_by_label_contains(&format!("run at {cores} threads (the core count)")).is_some());
    let plan = h.state().settings.plan(scalescope::gui::state::JobKind::Feeders, cores).unwrap();
    assert!(plan.threads.iter().all(|t| t.get() == cores), "{:?}", plan.threads);
    let gil = h.state().settings.plan(scalescope::gui::state::JobKind::Gil, cores).unwrap();
    assert_eq!(gil.threads.last().map(|t| t.get()), Some(cores));
    type_into(&mut h, "n", "20000");
    h.get_by_label("Compare feeders").click();
    h.step();
    step_until(&mut h, 60, |app| !app.is_running());
    let runs = &h.state().shelf.results[0].runs;
    assert!(runs.iter().all(|r| r.threads <= cores), "{:?}", runs.iter().map(|r| r.threads).collect::<Vec<_>>());
    // The comparison reads as grouped bars, one group per feeder.
    h.state_mut().settings.tab = scalescope::gui::state::Tab::Scaling;
    h.step();
    assert!(h.query_by_label_contains("Speedup by design").is_some());
    let designs = scalescope::gui::plot_data::design_bars(&[("#1", &h.state().shelf.results[0])]).expect("a feeder comparison");
    assert!(designs.groups.iter().any(|g| g == "dispenser") && designs.groups.iter().any(|g| g == "locked"), "{:?}", designs.groups);
    // Asked for, it oversubscribes, and says so.
    h.get_by_label("compare at the slider's thread count").click();
    h.step();
    h.step();
    assert!(h.state().settings.compare_oversubscribed);
    assert!(h.query_by_label_contains("oversubscribed").is_some());
    assert!(h.state().settings.plan(scalescope::gui::state::JobKind::Feeders, cores).unwrap().threads.iter().all(|t| t.get() == 4 * cores));
}

#[test]
fn a_save_never_overwrites_a_text_and_asks_before_replacing_results() {
    let _serial = SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let dir = std::env::temp_dir().join(format!("scalescope-gui-files-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let text = dir.join("notes.txt");
    std::fs::write(&text, "the quick brown fox\n").unwrap();
    let mut h = harness();
    h.step();
    // The text is opened for word-count: its path stays in its own field.
    h.state_mut().settings.workload = scalescope::workloads::WorkloadKind::WordCount;
    h.step();
    type_into(&mut h, "text file", text.to_str().unwrap());
    h.get_by_label("Open text...").click();
    h.step();
    assert_eq!(h.state().settings.spec().file.as_deref(), Some(text.as_path()));
    assert!(h.state().paths.save.is_empty(), "the text's path leaked into Save");
    type_into(&mut h, "n", "2000");
    h.get_by_label("Run").click();
    h.step();
    assert!(
        h.state().is_running() || !h.state().shelf.results.is_empty(),
        "{:?} fix: {:?}",
        h.state().message,
        h.query_by_label_contains("Fix").map(|n| format!("{n:?}"))
    );
    step_until(&mut h, 60, |app| !app.is_running());
    assert_eq!(h.state().shelf.results.len(), 1, "{:?}", h.state().message);
    // Saving onto the text is refused, and the text is untouched.
    type_into(&mut h, "save to", text.to_str().unwrap());
    h.get_all_by_label("Save JSON...").next().unwrap().click();
    h.step();
    assert!(h.state().message.as_ref().is_some_and(|m| m.error && m.text.contains("Not saved")), "{:?}", h.state().message);
    assert_eq!(std::fs::read_to_string(&text).unwrap(), "the quick brown fox\n");
    // A results file is replaced only after asking.
    let json = dir.join("results.json");
    type_into(&mut h, "save to", json.to_str().unwrap());
    h.get_all_by_label("Save JSON...").next().unwrap().click();
    h.step();
    let first = std::fs::read(&json).unwrap_or_else(|e| panic!("{e}: {:?}", h.state().message));
    h.get_all_by_label("Save JSON...").next().unwrap().click();
    h.step();
    h.step();
    assert!(h.state().export.pending.is_some());
    h.step();
    h.get_by_label("Keep it").click();
    h.step();
    assert!(h.state().export.pending.is_none());
    assert_eq!(std::fs::read(&json).unwrap(), first);
    h.get_all_by_label("Save JSON...").next().unwrap().click();
    h.step();
    h.step();
    h.step();
    h.get_by_label("Replace it").click();
    h.step();
    assert!(h.state().message.as_ref().is_some_and(|m| m.text.starts_with("Saved")), "{:?}", h.state().message);
    scalescope::experiment::Experiment::load(&json).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_corrupt_results_file_shows_a_message() {
    let _serial = SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let dir = std::env::temp_dir().join(format!("scalescope-gui-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("corrupt.json");
    std::fs::write(&bad, "{\"machine\": 42, oops").unwrap();
    let mut h = harness();
    h.step();
    // A typed path stands in for the file dialog.
    type_into(&mut h, "results file to open", bad.to_str().unwrap());
    h.get_by_label("Open results...").click();
    h.step();
    h.step();
    assert!(h.query_by_label_contains("is not a scalescope results file").is_some());
    assert!(h.state().shelf.results.is_empty());
    type_into(&mut h, "results file to open", dir.join("missing.json").to_str().unwrap());
    h.get_by_label("Open results...").click();
    h.step();
    h.step();
    assert!(h.query_by_label_contains("cannot access").is_some());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn save_json_and_csv_then_open_them_again() {
    let _serial = SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let dir = std::env::temp_dir().join(format!("scalescope-gui-save-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut h = harness();
    h.step();
    type_into(&mut h, "n", "30000");
    h.get_by_label("Compare feeders").click();
    h.step();
    assert!(h.state().is_running(), "{:?}", h.state().message);
    step_until(&mut h, 60, |app| !app.is_running());
    assert_eq!(h.state().shelf.results.first().map(|r| r.runs.len()), Some(6), "{:?}", h.state().message);
    let json = dir.join("saved.json");
    type_into(&mut h, "save to", json.to_str().unwrap());
    h.get_all_by_label("Save JSON...").next().unwrap().click();
    h.step();
    let saved = scalescope::experiment::Experiment::load(&json).unwrap();
    assert_eq!(saved.runs.len(), 6);
    assert!(saved.runs.iter().all(|r| r.verified));
    let csv = dir.join("saved.csv");
    type_into(&mut h, "save to", csv.to_str().unwrap());
    h.get_all_by_label("Save CSV...").next().unwrap().click();
    h.step();
    assert_eq!(std::fs::read_to_string(&csv).unwrap().lines().count(), 7);
    type_into(&mut h, "results file to open", json.to_str().unwrap());
    h.get_by_label("Open results...").click();
    h.step();
    h.step();
    // It is the experiment already listed: it is not listed twice.
    assert_eq!(h.state().shelf.results.len(), 1);
    assert!(h.state().message.as_ref().is_some_and(|m| m.text.contains("already in the list")), "{:?}", h.state().message);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_results_file_from_the_cli_opens_over_the_plots() {
    let _serial = SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let dir = std::env::temp_dir().join(format!("scalescope-gui-open-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let json = dir.join("other-machine.json");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_scalescope"))
        .env("SCALESCOPE_DATA_DIR", &dir)
        .args([
            "sweep",
            "--workload",
            "primes",
            "--n",
            "20000",
            "--threads",
            "1,2",
            "--feeder",
            "auto",
            "--reps",
            "1",
            "--warmup",
            "0",
            "--json",
        ])
        .arg(&json)
        .output()
        .unwrap();
    assert!(status.status.success());
    let mut h = harness();
    h.step();
    h.state_mut().open_results(&json).unwrap();
    h.step();
    h.step();
    assert!(h.query_by_label_contains("Opened other-machine.json").is_some());
    // The plot, or the line saying why it has nothing (a speedup below 1 under load).
    assert!(h.query_by_label_contains("Karp-Flatt serial fraction").is_some());
    // What was opened is an experiment like any other: it saves again.
    assert!(h.state_mut().save_results(&dir.join("x.json"), scalescope::gui::files::SaveFormat::Json).is_ok());
    // And as Extra-P's text input, from the app as from `scalescope export --extrap`.
    let extrap = dir.join("x.extrap.txt");
    assert!(h.state_mut().save_results(&extrap, scalescope::gui::files::SaveFormat::Extrap).is_ok());
    let text = std::fs::read_to_string(&extrap).unwrap();
    assert!(text.starts_with("PARAMETER p\nPOINTS (1) (2)"), "{text}");
    assert!(text.lines().any(|l| l.starts_with("REGION ")) && text.lines().filter(|l| l.starts_with("DATA ")).count() >= 2, "{text}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn why_not_ideal_shows_diagnoses_fits_and_a_timeline() {
    let _serial = SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut h = harness();
    h.step();
    type_into(&mut h, "n", "40000");
    h.get_by_label("Sweep threads").click();
    h.step();
    step_until(&mut h, 60, |app| !app.is_running());
    let file = h.state().shelf.results[0].clone();
    assert!(file.runs.iter().all(|r| !r.spans.is_empty()));
    assert_eq!(h.state().shelf.slots[0].analysis.diagnoses.len(), file.runs.len(), "a diagnosis per run, computed on the shelf");
    h.get_all_by_label("Why not ideal?").next().unwrap().click();
    h.step();
    h.step();
    assert!(h.query_all_by_label_contains("evidence:").count() >= 1);
    if file.runs.len() >= 2 {
        assert!(h.query_by_label("Fitted scaling models").is_some());
        assert!(h.query_all_by_label_contains("Amdahl f =").count() >= 1);
    }
    assert!(h.query_by_label("Per-worker timeline").is_some());
}

#[test]
fn aggregates_compare_variants_shows_time_and_peak_per_strategy() {
    let _serial = SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut h = harness();
    h.step();
    choose(&mut h, "workload", "aggregates");
    assert!(h.query_by_label("feeder").is_none(), "the feeder does not apply to the one-pass aggregates");
    // At the default n, lock-step would take minutes: the app says so and leaves it out.
    assert!(h.query_by_label_contains("lock-step is left out").is_some());
    type_into(&mut h, "n", "3000");
    assert!(h.query_by_label_contains("lock-step is left out").is_none());
    h.get_by_label("Compare variants").click();
    h.step();
    step_until(&mut h, 120, |app| !app.is_running());
    let app = h.state();
    assert_eq!(app.shelf.results.len(), 1, "message: {:?}", app.message);
    let runs = &app.shelf.results[0].runs;
    let variants: Vec<&str> = runs.iter().map(|r| r.variant.unwrap().name()).collect();
    assert_eq!(variants, ["chunked", "tee", "buffer-all", "lock-step", "cooperative"]);
    assert!(runs.iter().all(|r| r.verified && r.buffer.is_some()));
    assert_eq!(runs[2].buffer.as_ref().unwrap().peak, 3000, "buffer-all held every item");
    assert_eq!(runs[3].buffer.as_ref().unwrap().peak, 1, "lock-step holds one item");
    assert_eq!(runs[4].buffer.as_ref().unwrap().peak, 1, "the coroutines hold one item");
    h.get_by_label("Scaling").click();
    h.step();
    h.step();
    assert!(h.query_by_label("Median time per variant").is_some());
    assert!(h.query_by_label("Most held at once").is_some());
    let (peaks, unit) = scalescope::gui::plot_data::variant_peak_groups(&[("#1", &h.state().shelf.results[0])]);
    assert_eq!(unit, "items");
    assert_eq!(peaks.groups, ["chunked", "tee", "buffer-all", "lock-step", "cooperative"], "one group per variant");
    assert!(h.query_by_label_contains("buffer-all: ").is_some(), "one line per variant with its numbers");
    assert!(h.query_all_by_label_contains("held at most 3000 items (no bound)").count() >= 1);
    h.get_by_label("Results").click();
    h.step();
    h.step();
    assert!(h.query_by_label("lock-step").is_some(), "the table names the variant");
    assert_eq!(h.query_all_by_label("1 / 1 items").count(), 2, "and what it held: lock-step and cooperative, one item");
    assert_eq!(h.query_all_by_label("3000 items (no bound)").count(), 2, "tee and buffer-all held every item");
}

#[test]
fn ordered_map_run_shows_the_reorder_window_and_word_count_its_phases() {
    let _serial = SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut h = harness();
    h.step();
    choose(&mut h, "workload", "ordered-map");
    choose(&mut h, "variant", "unordered");
    assert_eq!(h.state().settings.spec().variant.map(|v| v.name()), Some("unordered"));
    choose(&mut h, "variant", "ordered");
    type_into(&mut h, "n", "300000");
    h.get_by_label("Run").click();
    h.step();
    step_until(&mut h, 60, |app| !app.is_running());
    let app = h.state();
    assert!(app.shelf.results[0].runs[0].verified, "message: {:?}", app.message);
    assert_eq!(app.shelf.results[0].runs[0].variant.map(|v| v.name()), Some("ordered"));
    assert!(!app.jobs.live.current.occupancy.is_empty(), "the window was sampled");
    let bound = app.jobs.live.current.occupancy_bound.unwrap().0.unwrap();
    assert!(app.jobs.live.current.occupancy.iter().all(|&(_, held, waiting)| waiting <= held && held <= bound));
    h.get_by_label("Live").click();
    h.step();
    assert!(h.query_by_label("Reorder window: chunks in flight").is_some());

    choose(&mut h, "workload", "word-count");
    type_into(&mut h, "n", "20000");
    h.get_by_label("Run").click();
    h.step();
    step_until(&mut h, 60, |app| !app.is_running());
    let app = h.state();
    assert!(app.shelf.results.last().unwrap().runs[0].verified, "message: {:?}", app.message);
    let phases: Vec<(scalescope::engine::Phase, u64, Option<u64>)> =
        app.jobs.live.current.phases.iter().map(|p| (p.phase, p.done, p.total)).collect();
    assert_eq!(phases.len(), 2, "{phases:?}");
    assert_eq!(phases[0], (scalescope::engine::Phase::Map, 20_000, Some(20_000)));
    assert_eq!(phases[1].0, scalescope::engine::Phase::Reduce);
    assert_eq!(Some(phases[1].1), phases[1].2, "the reduce phase ends complete");
    // The results file records both phases.
    assert_eq!(app.shelf.results.last().unwrap().runs[0].phases.len(), 2);
    h.step();
    assert!(h.query_by_label("phases of the keyed map-reduce:").is_some());
    assert!(h.query_by_label_contains("20,000 / 20,000 items").is_some());
}

/// The app with its experiments library in a fresh directory.
fn harness_with_library(dir: &std::path::Path) -> Harness<'static, ScalescopeApp> {
    let library = scalescope::experiment::Library::at(dir);
    Harness::builder().with_size([1400.0, 1000.0]).build_ui_state(
        |ui, app: &mut ScalescopeApp| app.draw(ui),
        ScalescopeApp::with_library(Settings { check_first: false, ..Settings::default() }, library),
    )
}

#[test]
fn every_job_is_an_experiment_in_the_library_and_comes_back_at_launch() {
    use scalescope::experiment::{Experiment, Library, Status, StopCause};
    let _serial = SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let dir = std::env::temp_dir().join(format!("scalescope-gui-library-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let library = Library::at(&dir);

    // A finished run is saved, complete.
    let mut h = harness_with_library(&dir);
    h.step();
    type_into(&mut h, "n", "20000");
    h.get_by_label("Run").click();
    h.step();
    step_until(&mut h, 60, |app| !app.is_running());
    let saved = library.experiments();
    assert_eq!(saved.len(), 1);
    assert_eq!(saved[0].status, Status::Complete);
    assert!(saved[0].all_verified() && !saved[0].runs.is_empty());

    // A cancelled sweep keeps what it measured, stopped by the user.
    type_into(&mut h, "n", "3000000");
    h.get_by_label("Sweep threads").click();
    h.step();
    step_until(&mut h, 60, |_| library.experiments().iter().any(|x| matches!(x.status, Status::Running { done, .. } if done >= 2)));
    h.get_by_label("Cancel").click();
    step_until(&mut h, 60, |app| !app.is_running());
    let stopped: Vec<Experiment> = library.experiments().into_iter().filter(|x| x.id != saved[0].id).collect();
    assert_eq!(stopped.len(), 1);
    let Status::Stopped { done, by, .. } = &stopped[0].status else { panic!("{:?}", stopped[0].status) };
    assert_eq!(by, &StopCause::User);
    assert!(*done >= 2);
    assert!(stopped[0].baseline.is_some());
    drop(h);

    // A new app reopens both.
    let h = harness_with_library(&dir);
    assert_eq!(h.state().shelf.results.len(), 2);
    assert!(h.state().message.as_ref().is_some_and(|m| format!("{m:?}").contains("Reopened 2 experiments")), "{:?}", h.state().message);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_lesson_runs_with_its_own_settings_and_leaves_the_controls_alone() {
    let _serial = SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut h = harness();
    h.step();
    type_into(&mut h, "n", "12345");
    let before = h.state().settings.clone();
    h.state_mut().settings.tab = scalescope::gui::state::Tab::Learn;
    h.step();
    h.get_by_label("Try it: trivial, every feeder").click();
    h.step();
    assert!(h.state().is_running(), "{:?}", h.state().message);
    let mut after = h.state().settings.clone();
    assert!(after.lesson.is_some(), "the lesson view opened");
    (after.tab, after.lesson) = (before.tab, before.lesson);
    assert_eq!(after, before, "the lesson changed the person's settings");
    h.step(); // the frame that drew Cancel enabled
    // The lesson view has its own Cancel (the controls are folded away there).
    h.get_by_label("Cancel").click();
    step_until(&mut h, 20, |app| !app.is_running());
}

#[test]
fn the_live_plot_has_points_with_non_negative_rates_during_a_5m_primes_run() {
    use scalescope::gui::live::{rate_bin, total_rate};
    let _serial = SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut h = harness();
    h.step();
    assert_eq!(h.state().settings.spec().get("n"), 5_000_000);
    h.get_by_label("Run").click();
    h.step();
    // Step until the engine call has drawn a few tenths of a second.
    step_until(&mut h, 60, |app| {
        let span = app.jobs.live.current.history.iter().filter_map(|w| w.last().map(|s| s.0)).fold(0.0, f64::max);
        span > 0.3 || !app.is_running()
    });
    let live = &h.state().jobs.live.current;
    let span = live.history.iter().filter_map(|w| w.last().map(|s| s.0)).fold(0.0, f64::max);
    let points = total_rate(&live.history, rate_bin(span));
    assert!(points.len() >= 5, "{points:?}");
    assert!(points.iter().all(|p| p[0] >= 0.0 && p[1] >= 0.0), "{points:?}");
    assert!(points.iter().any(|p| p[1] > 0.0));
    // The line reaches the latest sample.
    assert!((points.last().unwrap()[0] - span).abs() < rate_bin(span), "{points:?} span {span}");
    h.get_by_label("Cancel").click();
    step_until(&mut h, 30, |app| !app.is_running());
}

#[test]
fn the_legend_of_a_plot_with_20_series_does_not_cover_its_data() {
    use scalescope::engine::{FeederKind, Hooks, Threads};
    use scalescope::experiment::Experiment;
    use scalescope::experiment::SweepPlan;
    use scalescope::measure::run_sweep;
    use scalescope::workloads::{WorkloadKind, WorkloadSpec};
    let _serial = SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let dir = std::env::temp_dir().join(format!("scalescope-gui-legend-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let plan = SweepPlan {
        workload: WorkloadSpec::new(WorkloadKind::Primes),
        feeders: vec![FeederKind::Dispenser],
        threads: vec![Threads::new(1).unwrap(), Threads::new(2).unwrap()],
        chunks: vec![scalescope::engine::ChunkSize::Auto],
        gil: vec![false],
        reps: 1,
        warmup: 0,
        spans: false,
        variants: vec![],
        weak: false,
    };
    let plan = SweepPlan { workload: plan.workload.clone().with("n", 3000), ..plan };
    let exp = run_sweep(&plan, Experiment::start(&plan, None), &Hooks::none(), |_| {}, |_| {}).unwrap();
    let mut h = harness();
    h.step();
    // 20 files from "other machines": 20 series on every thread plot.
    for i in 0..20 {
        let path = dir.join(format!("machine-{i:02}.json"));
        let mut other = exp.clone();
        other.id = format!("other-{i:02}").parse().unwrap();
        other.machine.cpu_model = format!("machine-{i:02}");
        other.save(&path).unwrap();
        h.state_mut().open_results(&path).unwrap();
    }
    h.state_mut().settings.tab = scalescope::gui::state::Tab::Scaling;
    h.step();
    h.step();
    let title = h.get_by_label("Speedup vs threads").rect();
    let entries: Vec<_> = h.query_all_by_label_contains("(machine-").collect();
    assert!(entries.len() >= 20, "{} legend entries", entries.len());
    for e in entries {
        assert!(e.rect().max.y <= title.min.y, "a legend entry at {:?} reaches into the plots below {:?}", e.rect(), title);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn hide_rename_delete_and_undo_an_experiment() {
    use scalescope::experiment::Library;
    let _serial = SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let dir = std::env::temp_dir().join(format!("scalescope-gui-list-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let library = Library::at(&dir);
    let mut h = harness_with_library(&dir);
    h.step();
    type_into(&mut h, "n", "20000");
    for _ in 0..2 {
        h.get_by_label("Run").click();
        h.step();
        step_until(&mut h, 60, |app| !app.is_running());
    }
    assert_eq!(h.state().shelf.results.len(), 2);
    let (first, second) = (h.state().shelf.results[0].id.clone(), h.state().shelf.results[1].id.clone());
    h.state_mut().settings.tab = scalescope::gui::state::Tab::Scaling;
    h.step();
    assert!(h.query_by_label_contains("#1: auto").is_some() && h.query_by_label_contains("#2: auto").is_some());

    // Hide #1: the plots name only #2.
    h.state_mut().settings.tab = scalescope::gui::state::Tab::Experiments;
    h.step();
    h.get_by_label("#1").click();
    h.step();
    assert!(h.state().shelf.hidden.contains(&h.state().shelf.slots[0].key));
    h.state_mut().settings.tab = scalescope::gui::state::Tab::Scaling;
    h.step();
    assert!(h.query_by_label_contains("#1: auto").is_none());
    assert!(h.query_by_label_contains("#2: auto").is_some());

    // Rename #2, in the list and in the library.
    h.state_mut().settings.tab = scalescope::gui::state::Tab::Experiments;
    h.step();
    h.get_all_by_label("Rename").nth(1).unwrap().click();
    h.step();
    h.state_mut().shelf.renaming.as_mut().unwrap().1 = "two threads, small n".into();
    h.step();
    h.step();
    h.step();
    h.get_by_label("OK").click();
    h.step();
    h.step();
    assert_eq!(h.state().shelf.results[1].name, "two threads, small n", "{:?} {:?}", h.state().message, h.state().shelf.renaming);
    assert!(h.query_all_by_label_contains("two threads, small n").count() >= 2, "the list and the message line name it");
    assert_eq!(library.find(second.as_str()).unwrap().1.name, "two threads, small n");

    // Delete #1, then undo.
    h.get_all_by_label("Delete").next().unwrap().click();
    h.step();
    h.step();
    assert_eq!(h.state().shelf.results.len(), 1);
    assert!(library.find(first.as_str()).is_err(), "deleted from the library too");
    h.get_by_label("Undo delete").click();
    h.step();
    assert_eq!(h.state().shelf.results.iter().map(|x| x.id.clone()).collect::<Vec<_>>(), vec![first.clone(), second]);
    assert!(library.find(first.as_str()).is_ok(), "restored to the library");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_live_view_covers_the_reference_and_every_repetition_and_says_when_a_run_is_too_short() {
    let _serial = SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut h = harness();
    h.step();
    type_into(&mut h, "n", "1500000");
    h.state_mut().settings.reps = 2;
    h.get_by_label("Run").click();
    h.step();
    // While the reference runs, it shows progress like any run: one worker, items climbing.
    step_until(&mut h, 60, |app| {
        let live = &app.jobs.live.current;
        (live.used == scalescope::workloads::REFERENCE && live.items() > 0) || !app.is_running()
    });
    assert!(h.state().jobs.live.current.items() > 0, "the reference reported no progress");
    assert!(h.query_by_label_contains("The sequential reference").is_some());
    step_until(&mut h, 120, |app| !app.is_running());
    // Reference, run, reference: three calls filed on the experiment's time
    // axis, the last run on show; each starts after the one before.
    let live = &h.state().jobs.live;
    assert_eq!(live.traces.len(), 3, "{:?}", live.traces.iter().map(|t| &t.label).collect::<Vec<_>>());
    assert_eq!(live.traces.iter().filter(|t| t.reference).count(), 2);
    assert!(live.traces.iter().all(|t| t.items == 1_500_000), "every call did every item");
    assert!(live.traces.windows(2).all(|w| w[1].at_s >= w[0].at_s + w[0].duration_s * 0.9));
    assert!(live.current_at_s >= live.traces[2].at_s);
    assert!(live.traces.iter().all(|t| !t.rate.is_empty() && t.rate.iter().all(|p| p[1] >= 0.0)));

    // A run far too short to draw over time says so, with its numbers.
    type_into(&mut h, "n", "2000");
    h.state_mut().settings.reps = 1;
    h.get_by_label("Run").click();
    h.step();
    step_until(&mut h, 60, |app| !app.is_running());
    assert!(h.query_by_label_contains("too short to draw its rate over time").is_some());
}

#[test]
fn a_value_out_of_range_is_clamped_and_says_so() {
    let _serial = SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let cores = num_cpus::get();
    let mut h = harness();
    h.step();
    // As typed into the slider's field (or left by an older version's settings).
    h.state_mut().settings.threads = scalescope::engine::Threads::new(1000).unwrap();
    h.step();
    h.step();
    assert_eq!(h.state().settings.threads.get(), 4 * cores);
    let message = h.state().message.clone().expect("a message");
    assert!(message.text.contains("threads: 1000 is outside") && message.text.contains(&format!("set to {}", 4 * cores)), "{message:?}");
    h.state_mut().settings.reps = 0;
    h.get_by_label("Measurement").click();
    h.step();
    h.step();
    h.step();
    assert_eq!(h.state().settings.reps, 1);
    assert!(h.state().message.as_ref().is_some_and(|m| m.text.starts_with("repetitions: 0 is outside")));
}

#[test]
fn after_a_lesson_on_another_workload_the_plots_show_what_it_ran() {
    use scalescope::gui::panels::Action;
    use scalescope::gui::state::{JobKind, Tab};
    use scalescope::workloads::WorkloadKind;
    let _serial = SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut h = harness();
    h.step();
    assert_eq!(h.state().settings.workload, WorkloadKind::Primes);
    // A lesson's own settings: trivial, every feeder (small, so the test is quick).
    let mut lesson = Settings { workload: WorkloadKind::Trivial, reps: 1, ..Settings::default() };
    lesson.spec_mut().params.set("n", 20_000);
    let trivial = scalescope::gui::panels::learn::LESSONS.iter().position(|l| l.title == "When no parallel design can win").unwrap();
    h.state_mut().act(Action::Try(trivial, Box::new(lesson), JobKind::Feeders));
    // A lesson's run opens its lesson view; back to the tabs.
    assert_eq!(h.state().settings.lesson, Some(trivial));
    h.state_mut().act(Action::Lesson(None));
    h.step();
    step_until(&mut h, 60, |app| !app.is_running());
    assert_eq!(h.state().settings.workload, WorkloadKind::Primes, "the controls keep the person's workload");
    assert_eq!(h.state().settings.view, WorkloadKind::Trivial);
    h.state_mut().settings.tab = Tab::Scaling;
    h.step();
    h.step();
    assert!(h.query_by_label_contains("Shown: #1: trivial n=20k").is_some());
    assert!(h.query_by_label_contains("the controls are set to primes").is_some());
    assert!(h.query_by_label_contains("Speedup by design").is_some());
}

#[test]
fn weak_scaling_draws_the_strong_and_the_weak_view_side_by_side() {
    use scalescope::gui::state::Tab;
    let _serial = SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut h = harness();
    h.step();
    type_into(&mut h, "n", "30000");
    type_into(&mut h, "serial", "30000");
    h.state_mut().settings.reps = 1;
    h.step();
    h.get_by_label("Weak scaling").click();
    h.step();
    step_until(&mut h, 60, |app| !app.is_running());
    let file = h.state().shelf.results[0].clone();
    let weak = file.weak.as_ref().expect("the weak half");
    assert!(!weak.steps.is_empty() && weak.steps.iter().all(|s| s.baseline.is_some() && s.runs.iter().all(|r| r.verified)));
    assert!(!h.state().shelf.slots[0].analysis.gustafson.is_empty(), "analysed on the shelf: Gustafson fitted");
    h.state_mut().settings.tab = Tab::Scaling;
    h.step();
    h.step();
    assert!(h.query_by_label("Strong scaling: speedup vs threads, n fixed").is_some());
    assert!(h.query_by_label("Weak scaling: scaled speedup vs threads, n grows with them").is_some());
    assert!(h.query_by_label_contains("dashed: Gustafson, s =").is_some());
    h.state_mut().settings.tab = Tab::Why;
    h.step();
    h.step();
    assert!(h.query_by_label_contains("weak scaling: 2 threads at 2x n took").is_some());
    // The Results tab lists the grown size with its own reference.
    h.state_mut().settings.tab = Tab::Results;
    h.step();
    h.step();
    assert!(h.query_all_by_label("primes, n = 60,000").count() >= 2, "the reference and the run at the grown size");
}

#[test]
fn a_stream_is_plotted_against_the_memory_probe() {
    use scalescope::gui::state::Tab;
    let _serial = SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut h = harness();
    h.step();
    // The last workload in the list: the dropdown shows every one without a scroll.
    choose(&mut h, "workload", "stream");
    type_into(&mut h, "n", "32");
    h.state_mut().settings.reps = 1;
    h.step();
    h.get_by_label("Sweep threads").click();
    h.step();
    step_until(&mut h, 60, |app| !app.is_running());
    let file = h.state().shelf.results[0].clone();
    assert!(file.bandwidth.is_some() && file.all_verified(), "{:?} {:?}", h.state().message, file.status);
    h.state_mut().settings.tab = Tab::Scaling;
    h.step();
    h.step();
    assert!(h.query_by_label("Memory read vs threads, against this machine's probe").is_some());
    assert!(h.query_by_label_contains("memory probe (the machine)").is_some());
    h.state_mut().settings.tab = Tab::Why;
    h.step();
    h.step();
    assert!(h.query_all_by_label_contains("GB/s of a measured").count() >= 1);
}

/// A valid experiment measured now by the app's own code path (trivial, small).
fn measured_experiment() -> scalescope::experiment::Experiment {
    use scalescope::engine::{ChunkSize, FeederKind, Hooks, Threads};
    use scalescope::workloads::{WorkloadKind, WorkloadSpec};
    let plan = scalescope::experiment::SweepPlan {
        workload: WorkloadSpec::new(WorkloadKind::Trivial).with("n", 1000),
        feeders: vec![FeederKind::Auto],
        threads: vec![Threads::ONE],
        chunks: vec![ChunkSize::Auto],
        gil: vec![false],
        reps: 1,
        warmup: 0,
        spans: false,
        variants: vec![],
        weak: false,
    };
    let start = scalescope::experiment::Experiment::start(&plan, Some("original".into()));
    scalescope::measure::run_sweep(&plan, start, &Hooks::none(), |_| {}, |_| {}).unwrap()
}

#[test]
fn two_files_with_one_id_are_renamed_and_deleted_apart() {
    let _serial = SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let dir = std::env::temp_dir().join(format!("scalescope-gui-dup-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let x = measured_experiment();
    let original = dir.join(x.id.file_name());
    let copy = dir.join("backup-copy.json");
    x.save(&original).unwrap();
    let mut y = x.clone();
    y.name = "the copy".into();
    y.save(&copy).unwrap();
    let mut h = harness_with_library(&dir);
    h.state_mut().settings.tab = scalescope::gui::state::Tab::Experiments;
    h.step();
    assert_eq!(h.state().shelf.results.len(), 2);
    assert_eq!(h.query_all_by_label_contains("same id as #").count(), 2, "a duplicate id is shown as such, on both rows");
    let copy_row = h.state().shelf.results.iter().position(|r| r.name == "the copy").unwrap();
    let original_row = 1 - copy_row;

    // Rename the original: only its own file changes.
    let copy_bytes = std::fs::read(&copy).unwrap();
    h.get_all_by_label("Rename").nth(original_row).unwrap().click();
    h.step();
    h.state_mut().shelf.renaming.as_mut().unwrap().1 = "renamed original".into();
    h.step();
    h.step();
    h.get_by_label("OK").click();
    h.step();
    h.step();
    assert_eq!(scalescope::experiment::Experiment::load(&original).unwrap().name, "renamed original", "{:?}", h.state().message);
    assert_eq!(std::fs::read(&copy).unwrap(), copy_bytes, "the copy's file was written");

    // Delete the copy: its file goes, the original's stays.
    h.get_all_by_label("Delete").nth(copy_row).unwrap().click();
    h.step();
    h.step();
    assert!(!copy.exists(), "the copy's file is still there; {:?}", h.state().message);
    assert!(original.exists(), "the original's file was deleted");
    assert_eq!(h.state().shelf.results.len(), 1);
    assert_eq!(h.state().shelf.results[0].name, "renamed original");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_library_with_a_fifo_a_device_and_a_huge_file_opens_and_names_them() {
    let _serial = SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let dir = std::env::temp_dir().join(format!("scalescope-gui-fifo-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let x = measured_experiment();
    x.save(&dir.join(x.id.file_name())).unwrap();
    assert!(std::process::Command::new("mkfifo").arg(dir.join("pipe.json")).status().unwrap().success());
    std::os::unix::fs::symlink("/dev/zero", dir.join("zero.json")).unwrap();
    std::fs::File::create(dir.join("huge.json")).unwrap().set_len(300 << 20).unwrap();
    // Opening the app must not block on the FIFO nor read the device.
    let (tx, rx) = std::sync::mpsc::channel();
    let d = dir.clone();
    std::thread::spawn(move || {
        let shelf = scalescope::gui::shelf::Shelf::reopen(scalescope::experiment::Library::at(d));
        let _ = tx.send((shelf.0.results.len(), shelf.0.unreadable.len()));
    });
    let (good, bad) = rx.recv_timeout(Duration::from_secs(20)).expect("the library's reopening hung");
    assert_eq!((good, bad), (1, 3));
    let mut h = harness_with_library(&dir);
    h.state_mut().settings.tab = scalescope::gui::state::Tab::Experiments;
    h.step();
    h.get_by_label_contains("3 files in the library could not be read").click();
    h.step();
    h.step();
    for name in ["pipe.json: ", "zero.json: ", "huge.json: "] {
        assert!(h.query_by_label_contains(name).is_some(), "{name} not named");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_crafted_id_opened_in_the_app_never_touches_a_file_outside_the_library() {
    let _serial = SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let root = std::env::temp_dir().join(format!("scalescope-gui-crafted-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let (library_dir, outside) = (root.join("lib").join("experiments"), root.join("outside"));
    std::fs::create_dir_all(&library_dir).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    for victim in ["package.json", "tsconfig.json", "evil.json"] {
        std::fs::write(root.join(victim), "victim").unwrap();
        std::fs::write(root.join("lib").join(victim), "victim").unwrap();
    }
    let mut h = harness_with_library(&library_dir);
    h.state_mut().settings.tab = scalescope::gui::state::Tab::Experiments;
    let base = serde_json::to_value(measured_experiment()).unwrap();
    let crafted = ["../../evil", "../package", "../../tsconfig", "", ".", "..", "/tmp/evil", "a\u{1b}[2J"];
    for (k, id) in crafted.iter().enumerate() {
        let mut v = base.clone();
        v["id"] = serde_json::Value::String((*id).to_string());
        let file = outside.join(format!("crafted-{k}.json"));
        std::fs::write(&file, v.to_string()).unwrap();
        h.state_mut().open_results(&file).unwrap();
        h.step();
        assert!(format!("{:?}", h.state().message).contains("not a valid experiment id"), "{id:?}: {:?}", h.state().message);
    }
    h.state_mut().settings.tab = scalescope::gui::state::Tab::Experiments;
    h.step();
    // Rename every one, then delete every one: only the library's own files change.
    for i in 0..crafted.len() {
        h.get_all_by_label("Rename").nth(i).unwrap().click();
        h.step();
        h.state_mut().shelf.renaming.as_mut().unwrap().1 = format!("renamed {i}");
        h.step();
        h.step();
        h.get_by_label("OK").click();
        h.step();
        h.step();
    }
    let in_library = std::fs::read_dir(&library_dir).unwrap().count();
    assert_eq!(in_library, crafted.len());
    for _ in 0..crafted.len() {
        h.get_all_by_label("Delete").next().unwrap().click();
        h.step();
        h.step();
    }
    assert_eq!(std::fs::read_dir(&library_dir).unwrap().count(), 0, "{:?}", h.state().message);
    for victim in ["package.json", "tsconfig.json", "evil.json"] {
        assert_eq!(std::fs::read_to_string(root.join(victim)).unwrap(), "victim");
        assert_eq!(std::fs::read_to_string(root.join("lib").join(victim)).unwrap(), "victim");
    }
    assert!(!std::path::Path::new("/tmp/evil.json").exists());
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn a_typed_chunk_of_0_or_abc_shows_its_error_and_is_not_run_as_auto() {
    use scalescope::engine::{ChunkSize, FeederKind};
    let _serial = SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut h = harness();
    h.step();
    h.state_mut().settings.feeder = FeederKind::Dispenser;
    type_into(&mut h, "n", "20000");
    assert_eq!(h.state().settings.chunk, ChunkSize::Auto);
    // From auto: a mistake stays a mistake, never auto.
    type_into(&mut h, "chunk size", "abc");
    assert!(h.query_all_by_label_contains("chunk size 'abc' is neither a whole number nor 'auto'").count() >= 1);
    assert!(h.query_by_label_contains("off until the field above is fixed (chunk size 'abc'").is_some());
    h.get_by_label("Run").click();
    h.step();
    assert!(!h.state().is_running() && h.state().shelf.results.is_empty(), "a chunk of 'abc' started a job");
    type_into(&mut h, "chunk size", "500");
    assert_eq!(h.state().settings.chunk, ChunkSize::fixed(500).unwrap());
    assert!(h.query_by_label_contains("off until").is_none());
    // 0 and too large: the error next to the field, the last valid size kept.
    type_into(&mut h, "chunk size", "0");
    assert!(h.query_all_by_label_contains("chunk size must be at least 1 item (got 0)").count() >= 1);
    assert_eq!(h.state().settings.chunk, ChunkSize::fixed(500).unwrap(), "the last valid size stays");
    h.get_by_label("Run").click();
    h.step();
    assert!(!h.state().is_running() && h.state().shelf.results.is_empty(), "a chunk of 0 started a job");
    type_into(&mut h, "chunk size", "99999999");
    assert!(h.query_all_by_label_contains("chunk size 99999999 is too large").count() >= 1);
    assert_eq!(h.state().settings.chunk, ChunkSize::fixed(500).unwrap());
    // Fixed: it runs at the size typed.
    type_into(&mut h, "chunk size", "1_000");
    assert_eq!(h.state().settings.chunk, ChunkSize::fixed(1000).unwrap());
    h.get_by_label("Run").click();
    h.step();
    step_until(&mut h, 60, |app| !app.is_running());
    let runs = &h.state().shelf.results[0].runs;
    assert!(!runs.is_empty() && runs.iter().all(|r| r.chunk_size == ChunkSize::fixed(1000).unwrap()), "{runs:?}");
    // Typed, auto is auto; set elsewhere, the field follows.
    type_into(&mut h, "chunk size", "auto");
    assert_eq!(h.state().settings.chunk, ChunkSize::Auto);
    h.state_mut().settings.chunk = ChunkSize::fixed(64).unwrap();
    h.step();
    h.step();
    assert_eq!(h.get_by_label("chunk size").value().as_deref(), Some("64"));
    assert_eq!(h.state().settings.chunk, ChunkSize::fixed(64).unwrap());
}

#[test]
fn settings_plan_refuses_a_bad_thread_list_naming_it() {
    use scalescope::gui::state::{JobKind, PlanError};
    let settings = Settings::default();
    // No cores: "Compare feeders" and "GIL off vs on" would run at 0 threads.
    let gil: PlanError = settings.plan(JobKind::Gil, 0).unwrap_err();
    assert!(gil.names("threads list"), "{gil}");
    assert!(gil.to_string().contains("threads list: '0' is not a thread count (1..=1024)"), "{gil}");
    // Every rejected field is named, none dropped.
    let none = Settings { reps: 0, ..Settings::default() };
    let both = none.plan(JobKind::Feeders, 0).unwrap_err();
    assert!(both.names("threads list") && both.names("repetitions"), "{both}");
    assert_eq!(both.0.len(), 2, "{both}");
    // The same settings on a machine with cores: the typed values go in as they are.
    let plan = settings.plan(JobKind::Gil, 2).unwrap();
    assert_eq!(plan.threads.last().map(|t| t.get()), Some(settings.threads.get().min(2)));
    assert_eq!(plan.chunks, [settings.chunk]);
    let chunks = settings.plan(JobKind::Chunks, 2).unwrap().chunks;
    assert_eq!(chunks.len(), 8, "seven fixed sizes and auto: {chunks:?}");
}

#[test]
fn the_app_shows_a_plan_error_as_its_message_and_starts_nothing() {
    let _serial = SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut h = harness();
    h.step();
    h.state_mut().settings.reps = 0;
    h.state_mut().start(scalescope::gui::state::JobKind::Once);
    let message = h.state().message.clone().expect("a message");
    assert!(message.error && message.text == "Cannot start: repetitions: 0 is not a repetition count (at least 1)", "{message:?}");
    assert!(!h.state().is_running());
}

/// A storage in memory, as eframe's (RON) would hold the app's state.
#[derive(Default)]
struct Stored(std::collections::HashMap<String, String>);

impl eframe::Storage for Stored {
    fn get_string(&self, key: &str) -> Option<String> {
        self.0.get(key).cloned()
    }
    fn set_string(&mut self, key: &str, value: String) {
        self.0.insert(key.to_string(), value);
    }
    fn remove_string(&mut self, key: &str) {
        self.0.remove(key);
    }
    fn flush(&mut self) {}
}

#[test]
fn settings_stored_by_an_older_version_still_load() {
    use scalescope::engine::ChunkSize;
    /// The fields as an older version stored them (`threads: usize`, `chunk: Option<usize>`).
    #[derive(serde::Serialize)]
    struct Old {
        workload: &'static str,
        threads: usize,
        chunk: Option<usize>,
        reps: usize,
    }
    let load = |old: &Old| {
        let mut storage = Stored::default();
        eframe::set_value(&mut storage, eframe::APP_KEY, old);
        eframe::get_value::<Settings>(&storage, eframe::APP_KEY).expect("old settings load")
    };
    let fixed = load(&Old { workload: "trivial", threads: 6, chunk: Some(2048), reps: 4 });
    assert_eq!((fixed.threads.get(), fixed.chunk, fixed.reps), (6, ChunkSize::fixed(2048).unwrap(), 4));
    assert_eq!(fixed.workload, scalescope::workloads::WorkloadKind::Trivial);
    let auto = load(&Old { workload: "primes", threads: 2, chunk: None, reps: 3 });
    assert_eq!(auto.chunk, ChunkSize::Auto);
    // 4x the cores of a big machine, past the engine's limit: brought to it; a fixed chunk stays fixed.
    let big = load(&Old { workload: "primes", threads: 5000, chunk: Some(0), reps: 3 });
    assert_eq!((big.threads.get(), big.chunk), (scalescope::engine::MAX_THREADS, ChunkSize::fixed(1).unwrap()));
    // This version's settings come back as they were.
    let now =
        Settings { chunk: ChunkSize::fixed(777).unwrap(), threads: scalescope::engine::Threads::new(3).unwrap(), ..Settings::default() };
    let mut storage = Stored::default();
    eframe::set_value(&mut storage, eframe::APP_KEY, &now);
    assert_eq!(eframe::get_value::<Settings>(&storage, eframe::APP_KEY), Some(now.clone()));
    let auto_now = Settings { chunk: ChunkSize::Auto, ..now };
    eframe::set_value(&mut storage, eframe::APP_KEY, &auto_now);
    assert_eq!(eframe::get_value::<Settings>(&storage, eframe::APP_KEY), Some(auto_now));
}

/// Types `text` into the number field of the slider labelled `label`, as a person does: click, select all, type, Enter.
fn type_into_slider(h: &mut Harness<'_, ScalescopeApp>, label: &str, text: &str) {
    use eframe::egui::accesskit::Role;
    h.get_by_role_and_label(Role::SpinButton, label).click();
    h.step();
    h.step();
    h.key_press_modifiers(Modifiers::COMMAND, Key::A);
    h.step();
    h.get_by_role_and_label(Role::SpinButton, label).type_text(text);
    h.step();
    h.key_press(Key::Enter);
    h.step();
    h.step();
}

#[test]
fn a_typed_thread_count_that_is_not_one_shows_its_error_and_keeps_the_last() {
    let _serial = SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut h = harness();
    h.step();
    type_into_slider(&mut h, "threads", "1");
    assert_eq!(h.state().settings.threads.get(), 1);
    type_into_slider(&mut h, "threads", "0");
    assert!(h.query_by_label_contains("threads: thread count must be at least 1 (got 0); kept 1").is_some());
    assert_eq!(h.state().settings.threads.get(), 1, "the last valid count stays");
    type_into_slider(&mut h, "threads", "5000");
    assert!(h.query_by_label_contains("threads: thread count 5000 is too large (at most 1024); kept 1").is_some());
    assert_eq!(h.state().settings.threads.get(), 1);
    // A valid count clears the error.
    type_into_slider(&mut h, "threads", "2");
    assert_eq!(h.state().settings.threads.get(), 2);
    assert!(h.query_by_label_contains("kept").is_none());
}
