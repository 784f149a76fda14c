//! The Live tab a class can follow, driven headless with egui_kittest at a
//! projector's 1280x720: a real primes job shows its rate and its speedup
//! over the plain loop in large type while it runs, then a summary naming
//! every run and the fastest; throughput that falls because later items
//! cost more says so; the status bar stays short.
#![allow(clippy::unwrap_used, reason = "a test fails loudly where an unwrap fails")]

use std::sync::Mutex;
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use scalescope::engine::Threads;
use scalescope::gui::ScalescopeApp;
use scalescope::gui::live::{Speedup, summary, throughput_falls};
use scalescope::gui::state::{JobKind, Settings};
use scalescope::workloads::REFERENCE;

/// One job at a time: a second one would take the cores the first is timed on.
static SERIAL: Mutex<()> = Mutex::new(());

/// The app at a projector's size, set to primes below `n` on up to
/// `threads` threads, `reps` timed repetitions.
fn projector(n: u64, threads: usize, reps: usize) -> Harness<'static, ScalescopeApp> {
    let mut settings = Settings::default();
    settings.spec_mut().params.set("n", n);
    settings.threads = Threads::new(threads).unwrap();
    settings.reps = reps;
    settings.warmup = 0;
    // No question before measuring (another program's load): the job starts at once.
    settings.check_first = false;
    Harness::builder()
        .with_size([1280.0, 720.0])
        .build_ui_state(|ui, app: &mut ScalescopeApp| app.draw(ui), ScalescopeApp::with_settings(settings))
}

/// Steps in real time until `done` holds after a frame; the accessibility
/// tree is then the one of the frame that drew that state.
fn step_until(h: &mut Harness<'_, ScalescopeApp>, secs: u64, done: impl Fn(&ScalescopeApp) -> bool) {
    let until = Instant::now() + Duration::from_secs(secs);
    loop {
        h.step();
        if done(h.state()) {
            return;
        }
        assert!(Instant::now() < until, "timed out waiting; message: {:?}", h.state().message);
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Whether some node of the last frame's accessibility tree has `text` in its label.
fn shows(h: &Harness<'_, ScalescopeApp>, text: &str) -> bool {
    h.query_all_by_label_contains(text).next().is_some()
}

#[test]
fn a_running_job_shows_its_rate_and_speedup_then_a_summary_names_every_run() {
    let _serial = SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut h = projector(1_000_000, 2, 2);
    h.step();
    h.state_mut().start(JobKind::Threads);
    assert!(h.state().is_running(), "{:?}", h.state().message);

    // The plain loop runs first: its rate, and what it is for.
    step_until(&mut h, 60, |app| {
        let live = &app.jobs.live.current;
        live.used == REFERENCE && live.items() > 0 || !app.is_running()
    });
    assert!(shows(&h, "the plain loop: speedups are measured against it"));
    assert!(shows(&h, " items/s"));

    // A run after it: its speedup over the plain loop, so far.
    step_until(&mut h, 60, |app| {
        let (rate, speedup) = app.jobs.live.headline();
        rate.is_some() && matches!(speedup, Speedup::Times(_)) || !app.is_running()
    });
    assert!(h.state().is_running(), "the job ended before a run was caught going on");
    assert!(shows(&h, "x the plain loop"), "the speedup is shown");
    assert!(shows(&h, " items/s"), "the rate is shown");

    // The end: the fastest named, every configuration listed.
    step_until(&mut h, 120, |app| !app.is_running());
    h.step();
    let calls = h.state().jobs.live.calls();
    assert_eq!(calls.len(), 6, "reference, 1 and 2 threads, twice");
    let points = summary(&calls);
    assert_eq!(points.len(), 3, "{points:?}");
    assert!(shows(&h, "Fastest: "));
    assert!(shows(&h, "fastest run: "));
    for p in &points {
        assert!(shows(&h, &p.label), "{} is not named", p.label);
        if !p.reference {
            assert!(p.speedup.is_some(), "{} has no speedup", p.label);
        }
    }
    assert!(shows(&h, "The job ended: 6 runs of 3 configurations"));
}

#[test]
fn throughput_that_falls_because_later_primes_cost_more_says_so() {
    let _serial = SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    // Bigger numbers take longer to test: each run slows down as it goes.
    let mut h = projector(5_000_000, 1, 1);
    h.step();
    h.state_mut().start(JobKind::Once);
    step_until(&mut h, 120, |app| !app.is_running());
    h.step();
    let calls = h.state().jobs.live.calls();
    assert_eq!(calls.len(), 2, "the reference and one run");
    assert!(throughput_falls(&calls), "{:?}", calls.iter().map(|c| scalescope::gui::live::thirds(&c.done)).collect::<Vec<_>>());
    assert!(shows(&h, "later items cost more than early ones"));
    assert!(shows(&h, "whose cost grows with the number"), "the workload says why");
}

#[test]
fn the_status_bar_keeps_developer_numbers_out() {
    let _serial = SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut h = projector(20_000, 1, 1);
    for _ in 0..5 {
        h.step();
    }
    assert!(h.query_by_label("idle").is_some());
    assert!(!shows(&h, "frame build"), "frame times show only with SCALESCOPE_FRAME_STATS");
}
