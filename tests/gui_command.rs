//! The `command` workload in the app, driven headless with egui_kittest:
//! a command the person types runs when they press Run, its threads fill
//! the live lanes and the experiment is kept; a command that came from a
//! file (an experiment's, the saved settings) runs only after the person
//! has seen all of it and pressed "Run it".
#![allow(clippy::unwrap_used, reason = "a test fails loudly where an unwrap fails")]

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use scalescope::engine::{FeederKind, Threads};
use scalescope::experiment::{Experiment, Library, Status, SweepPlan};
use scalescope::gui::ScalescopeApp;
use scalescope::gui::state::{Settings, Tab};
use scalescope::program::CommandSpec;
use scalescope::workloads::{WorkloadKind, WorkloadSpec};

mod common;
use common::gui::{choose, step_until, type_into};

/// One job at a time: a second one would take the cores the first is timed on.
static SERIAL: Mutex<()> = Mutex::new(());

/// A real command that takes a moment (a shell loop) and says where the thread count goes.
const LOOP: &str = "sh -c 'i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done; : {threads}'";

/// A fresh directory for this test's library and files.
fn fresh_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("scalescope-gui-command-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The app with its experiments library in `dir/library`, no question before measuring.
fn harness(dir: &Path, settings: Settings) -> Harness<'static, ScalescopeApp> {
    Harness::builder().with_size([1400.0, 1000.0]).build_ui_state(
        |ui, app: &mut ScalescopeApp| app.draw(ui),
        ScalescopeApp::with_library(Settings { check_first: false, ..settings }, Library::at(dir.join("library"))),
    )
}

/// Whether the job has ended and the list holds `n` experiments, the last complete.
fn ended_with(app: &ScalescopeApp, n: usize) -> bool {
    !app.is_running() && app.shelf.results.len() == n && app.shelf.results.last().is_some_and(|x| x.status == Status::Complete)
}

/// Whether some node of the last frame has `text` in its label.
fn shows(h: &Harness<'_, ScalescopeApp>, text: &str) -> bool {
    h.query_all_by_label_contains(text).next().is_some()
}

/// The question's Cancel (the job's Cancel is off while nothing runs).
fn dialog_cancel<'h>(h: &'h Harness<'_, ScalescopeApp>) -> egui_kittest::Node<'h> {
    h.query_all_by_label("Cancel").find(|n| !n.accesskit_node().is_disabled()).expect("the question shows Cancel")
}

#[test]
fn a_typed_command_runs_at_each_thread_count_and_its_threads_fill_the_lanes() {
    let _serial = SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let dir = fresh_dir("typed");
    let mut h = harness(&dir, Settings { threads: Threads::new(2).unwrap(), reps: 1, warmup: 0, ..Settings::default() });
    h.step();
    choose(&mut h, "workload", "command");
    assert_eq!(h.state().settings.workload, WorkloadKind::Command);
    // No command yet: the buttons are off, and say why.
    assert!(shows(&h, "the command is empty"));
    assert!(shows(&h, "the program decides how it splits its work"), "the feeder's place says why it has none");
    assert!(h.query_by_label("Sweep chunks").is_none(), "no chunks to sweep for a program");

    type_into(&mut h, "command line", LOOP);
    h.get_by_label("through sh -c (pipes, globs, &&)").click();
    h.step();
    h.step();
    let command = h.state().settings.spec().command.unwrap();
    assert_eq!((command.command.as_str(), command.shell), (LOOP, true));
    assert!(!h.state().settings.command_from_file(), "typed here: the person's own");
    assert!(!shows(&h, "From a file"));

    h.get_by_label("Sweep threads").click();
    h.step();
    assert!(h.state().confirming.is_none(), "a typed command is not asked about");
    assert!(h.state().is_running(), "{:?}", h.state().message);
    // While it runs: the lanes are the program's threads, with their CPU time.
    let mut busiest: f64 = 0.0;
    let mut lanes_named = false;
    step_until(&mut h, 120, |app| {
        busiest = app.jobs.live.current.workers.iter().map(|w| w.busy_s).fold(busiest, f64::max);
        ended_with(app, 1)
    });
    lanes_named |= shows(&h, "threads of sh");
    let app = h.state();
    assert_eq!(app.shelf.results.len(), 1, "message: {:?}", app.message);
    let x = &app.shelf.results[0];
    assert_eq!(x.status, Status::Complete);
    assert_eq!(x.runs.iter().map(|r| r.threads).collect::<Vec<_>>(), [1, 2]);
    assert!(x.all_verified(), "{:?}", app.message);
    assert!(busiest > 0.0, "at least one lane had CPU time");
    let calls = app.jobs.live.calls();
    assert!(
        calls.iter().all(|c| c.cpu_s > 0.0),
        "every run's threads were sampled: {:?}",
        calls.iter().map(|c| c.cpu_s).collect::<Vec<_>>()
    );
    assert!(calls.iter().any(|c| c.reference), "the reference is told apart");
    // The summary speaks of time and CPU use, not of items a program never counts.
    assert!(shows(&h, "cores busy"));
    assert!(!shows(&h, "items/s"), "no item rate for a program");
    assert!(lanes_named, "the lanes say whose threads they are");
    // The results table and the plots name the program, not the feeder.
    h.state_mut().settings.tab = Tab::Results;
    h.step();
    h.step();
    assert!(h.query_all_by_label("sh").count() >= 2, "the program names its rows");
    assert!(h.query_all_by_label("verified").count() >= 2);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// An experiment file whose command creates `marker.<threads>` when it runs.
fn experiment_with_command(dir: &Path, marker: &Path) -> PathBuf {
    let command = CommandSpec { shell: true, ..CommandSpec::new(format!("sh -c 'touch {}.{{threads}}'", marker.display())) };
    let workload = WorkloadSpec { command: Some(command), ..WorkloadSpec::new(WorkloadKind::Command) };
    let plan = SweepPlan::single(workload, FeederKind::Auto, &[Threads::new(1).unwrap(), Threads::new(2).unwrap()]);
    let x = Experiment { status: Status::Complete, ..Experiment::start(&plan, Some("someone's touch".into())) };
    let path = dir.join("from-someone.json");
    x.save(&path).unwrap();
    path
}

/// The markers the command leaves, by thread count.
fn markers(marker: &Path) -> Vec<bool> {
    (1..=2).map(|t| PathBuf::from(format!("{}.{t}", marker.display())).exists()).collect()
}

#[test]
fn a_command_from_an_experiment_file_runs_only_after_the_person_has_seen_it() {
    let _serial = SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let dir = fresh_dir("file");
    let marker = dir.join("ran");
    let file = experiment_with_command(&dir, &marker);
    let mut h = harness(&dir, Settings::default());
    h.step();
    h.state_mut().open_results(&file).unwrap();
    h.state_mut().settings.tab = Tab::Experiments;
    h.step();
    h.step();
    // "Reuse" puts its command in the controls: shown, marked as from a file.
    h.get_by_label("Reuse").click();
    h.step();
    h.step();
    assert_eq!(h.state().settings.workload, WorkloadKind::Command);
    assert!(h.state().settings.command_from_file());
    assert!(shows(&h, "From a file: not typed here"));
    assert!(shows(&h, "experiment #1 (someone's touch)"));

    // Run: nothing starts; the question shows all of it.
    h.get_by_label("Sweep threads").click();
    for _ in 0..5 {
        h.step();
    }
    std::thread::sleep(Duration::from_millis(300));
    h.step();
    assert!(!h.state().is_running(), "nothing runs before the person has answered");
    assert!(h.state().confirming.is_some());
    assert!(shows(&h, "Run a command from a file?"));
    assert!(shows(&h, &format!("touch {}.{{threads}}", marker.display())), "the whole command is shown");
    assert!(shows(&h, "yes: the shell reads it"), "the shell flag is shown");
    assert!(shows(&h, "(the app's: "), "where it runs is shown");
    assert_eq!(markers(&marker), [false, false], "no process was started");

    // Cancel: still nothing; asked again at the next press.
    dialog_cancel(&h).click();
    h.step();
    h.step();
    assert!(h.state().confirming.is_none() && !h.state().is_running());
    assert_eq!(markers(&marker), [false, false]);
    h.get_by_label("Sweep threads").click();
    h.step();
    h.step();
    assert!(h.state().confirming.is_some(), "asked again: cancelling does not trust it");

    // "Run it": it runs, and the experiment is kept.
    h.get_by_label("Run it").click();
    h.step();
    step_until(&mut h, 60, |app| app.confirming.is_none() && ended_with(app, 2));
    assert_eq!(markers(&marker), [true, true], "it ran at 1 and 2 threads; message: {:?}", h.state().message);
    let app = h.state();
    assert_eq!(app.shelf.results.len(), 2, "{:?}", app.message);
    let ran = &app.shelf.results[1];
    assert_eq!(ran.status, Status::Complete);
    assert!(ran.all_verified() && ran.runs.len() == 2);
    assert!(!app.settings.command_from_file(), "seen and run: trusted from now on");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_command_in_restored_settings_is_asked_about_and_editing_it_makes_it_typed() {
    let _serial = SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let dir = fresh_dir("restored");
    let marker = dir.join("restored");
    // Settings as the app saves them, with a command the person had trusted.
    let mut saved = Settings { workload: WorkloadKind::Command, threads: Threads::new(1).unwrap(), reps: 1, ..Settings::default() };
    let command = CommandSpec { shell: true, ..CommandSpec::new(format!("touch {}.{{threads}}", marker.display())) };
    saved.spec_mut().command = Some(command.clone());
    saved.trust_command(command);
    let restored: Settings = serde_json::from_str(&serde_json::to_string(&saved).unwrap()).unwrap();
    assert_eq!(restored.typed_command, None, "trust is never saved");
    let mut h = harness(&dir, restored);
    h.step();
    h.step();
    assert!(shows(&h, "From a file: not typed here"));
    h.get_by_label("Run").click();
    h.step();
    h.step();
    assert!(h.state().confirming.is_some() && !h.state().is_running());
    // The question stays where it first showed: a button that moves under
    // the pointer takes a click meant for another place.
    let first = dialog_cancel(&h).rect();
    for _ in 0..5 {
        h.step();
        assert_eq!(dialog_cancel(&h).rect(), first, "the question moved after it showed");
    }
    dialog_cancel(&h).click();
    // The modal's hold on input ends some frames after it closes.
    for _ in 0..20 {
        h.step();
    }
    assert!(h.state().confirming.is_none() && h.query_by_label("Run it").is_none());
    // Editing the command makes it the person's: Run runs it without asking.
    // (A different line, so the edit is a change whatever the field held.)
    let typed = format!("touch {0}.{{threads}} {0}.typed", marker.display());
    type_into(&mut h, "command line", &typed);
    let field = h.get_by_label("command line").accesskit_node().value();
    assert_eq!(field.as_deref(), Some(typed.as_str()), "the field holds what was typed");
    assert!(!h.state().settings.command_from_file(), "edited: {:?}", h.state().settings.spec().command);
    assert!(!shows(&h, "From a file: not typed here"));
    h.get_by_label("Run").click();
    h.step();
    assert!(h.state().confirming.is_none());
    step_until(&mut h, 60, |app| !app.is_running());
    assert_eq!(markers(&marker), [true, false], "{:?}", h.state().message);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_long_command_from_a_file_scrolls_and_its_buttons_stay_on_a_projector_screen() {
    let _serial = SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let dir = fresh_dir("long");
    let words: Vec<String> = (0..600).map(|i| format!("word{i}")).collect();
    let line = format!("true {} {{threads}}", words.join(" "));
    let saved = Settings { workload: WorkloadKind::Command, threads: Threads::new(1).unwrap(), reps: 1, ..Settings::default() };
    let mut restored: Settings = serde_json::from_str(&serde_json::to_string(&saved).unwrap()).unwrap();
    restored.spec_mut().command = Some(CommandSpec::new(line));
    let mut h = harness(&dir, restored);
    h.set_size(eframe::egui::vec2(1280.0, 720.0));
    h.step();
    h.get_by_label("Run").click();
    for _ in 0..3 {
        h.step();
    }
    assert!(h.state().confirming.is_some(), "asked: it is not the person's own");
    let screen = eframe::egui::Rect::from_min_size(eframe::egui::Pos2::ZERO, eframe::egui::vec2(1280.0, 720.0));
    for button in ["Run it", "Cancel"] {
        let rect = h.query_all_by_label(button).find(|n| !n.accesskit_node().is_disabled()).unwrap().rect();
        assert!(screen.contains_rect(rect), "{button} is on the screen: {rect:?}");
    }
    assert!(shows(&h, "Longer than the box: scroll it to read all of it."));
    let first = dialog_cancel(&h).rect();
    for _ in 0..5 {
        h.step();
        assert_eq!(dialog_cancel(&h).rect(), first, "the question moved after it showed");
    }
    dialog_cancel(&h).click();
    h.step();
    h.step();
    assert!(h.state().confirming.is_none() && !h.state().is_running());
    std::fs::remove_dir_all(&dir).unwrap();
}
