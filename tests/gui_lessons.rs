//! The lesson view, as a class sees it at a projector: only the lesson's
//! own experiment, a headline that agrees with the diagnosis, and nothing
//! laid out past the window's edges at 1280x720 and 1920x1080, zoom 1.0 to 2.0.

mod common;

use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use scalescope::gui::ScalescopeApp;
use scalescope::gui::panels::Action;
use scalescope::gui::panels::learn::LESSONS;
use scalescope::gui::state::Settings;
use scalescope::workloads::WorkloadKind;

/// The app in a window of `w` x `h` physical pixels at `zoom`.
fn window(w: f32, h: f32, zoom: f32) -> Harness<'static, ScalescopeApp> {
    Harness::builder().with_size([w / zoom, h / zoom]).with_pixels_per_point(zoom).build_ui_state(
        |ui, app: &mut ScalescopeApp| app.draw(ui),
        ScalescopeApp::with_settings(Settings { check_first: false, ..Settings::default() }),
    )
}

/// A measured trivial experiment, recorded as run for `lesson` (if any).
fn experiment(lesson: Option<&str>) -> scalescope::experiment::Experiment {
    let plan = common::small_plan(WorkloadKind::Trivial, 20_000, &[1, 2], 1);
    scalescope::experiment::Experiment { lesson: lesson.map(String::from), ..common::measured(&plan) }
}

/// A node's text: a widget's label, or a label's value.
fn text_of(node: &egui_kittest::Node<'_>) -> Option<String> {
    let n = node.accesskit_node();
    n.label().or_else(|| n.value())
}

/// Every labelled node lies inside the window's width, and the first
/// lines (the navigation, the title) inside its height.
fn nothing_past_the_edges(h: &Harness<'_, ScalescopeApp>, w: f32, ht: f32, what: &str) {
    let slack = 1.0;
    let mut seen = 0;
    for node in h.root().children_recursive() {
        let Some(label) = text_of(&node) else { continue };
        if label.is_empty() {
            continue;
        }
        let r = node.rect();
        seen += 1;
        assert!(r.min.x >= -slack && r.max.x <= w + slack, "{what}: '{label}' at {r:?} is past the window's width {w}");
    }
    assert!(seen > 5, "{what}: only {seen} labelled nodes");
    for top in ["Lesson ", "Back to the tabs"] {
        let r = h.get_by_label_contains(top).rect();
        assert!(r.max.y <= ht + slack, "{what}: '{top}' at {r:?} is below the window's height {ht}");
    }
}

#[test]
fn every_lesson_view_fits_the_window_at_projector_sizes_and_zooms() {
    for (w, ht) in [(1280.0, 720.0), (1920.0, 1080.0)] {
        for zoom in [1.0, 1.5, 2.0] {
            let mut h = window(w, ht, zoom);
            for (i, lesson) in LESSONS.iter().enumerate() {
                h.state_mut().act(Action::Lesson(Some(i)));
                h.run_steps(3);
                let what = format!("lesson {} at {w}x{ht}, zoom {zoom}", i + 1);
                assert!(h.query_by_label_contains(lesson.title).is_some(), "{what}: no title");
                nothing_past_the_edges(&h, w / zoom, ht / zoom, &what);
            }
        }
    }
}

#[test]
fn a_lesson_view_shows_its_own_experiment_only_with_its_headline() {
    let trivial = LESSONS.iter().position(|l| l.title == "When no parallel design can win").unwrap();
    let mut h = window(1280.0, 720.0, 1.0);
    // Three trivial experiments: another lesson's, the person's own, and this lesson's.
    h.state_mut().shelf.add(experiment(Some(LESSONS[0].title)), None);
    h.state_mut().shelf.add(experiment(None), None);
    h.state_mut().shelf.add(experiment(Some(LESSONS[trivial].title)), None);
    h.state_mut().act(Action::Lesson(Some(trivial)));
    h.run_steps(3);
    let shown: Vec<String> = h.root().children_recursive().filter_map(|n| text_of(&n)).collect();
    assert!(shown.iter().any(|l| l.starts_with("#3")), "this lesson's experiment (#3) is shown: {shown:?}");
    assert!(!shown.iter().any(|l| l.contains("#1") || l.contains("#2")), "no other experiment: {shown:?}");
    // The headline is the best run's numbers with the diagnosis' verdict.
    let exp = &h.state().shelf.results[2];
    let analysis = scalescope::analysis::Analysis::of(exp);
    let lines = scalescope::analysis::headline::headlines(exp, &analysis);
    assert!(!lines.is_empty());
    for line in &lines {
        assert!(h.query_by_label(&line.numbers()).is_some(), "headline '{}' shown: {shown:?}", line.numbers());
        assert!(h.query_by_label(&line.verdict).is_some(), "verdict '{}' shown", line.verdict);
    }
    // Next and previous move between lessons; back returns to the tabs.
    h.get_by_label("Next >").click();
    h.run_steps(2);
    assert_eq!(h.state().settings.lesson, Some(trivial + 1));
    h.get_by_label("< Previous").click();
    h.run_steps(2);
    assert_eq!(h.state().settings.lesson, Some(trivial));
    h.get_by_label("Back to the tabs").click();
    h.run_steps(2);
    assert_eq!(h.state().settings.lesson, None);
}

#[test]
fn the_control_panel_folds_away_and_comes_back() {
    let mut h = window(1280.0, 720.0, 1.0);
    h.run_steps(2);
    assert!(h.query_by_label("Run").is_some(), "the controls are shown at first");
    h.get_by_label("<<").click();
    h.run_steps(2);
    assert!(!h.state().settings.controls);
    assert!(h.query_by_label("Run").is_none(), "the controls are folded away");
    h.get_by_label(">> controls").click();
    h.run_steps(2);
    assert!(h.state().settings.controls);
}

#[test]
fn a_long_job_is_asked_about_before_it_starts_and_not_started_on_no() {
    use scalescope::gui::Answer;
    use scalescope::gui::state::JobKind;
    let mut h = window(1280.0, 720.0, 1.0);
    h.state_mut().settings.check_first = true;
    // Primes at n = 10^8 on a thread sweep: minutes even at the ideal speedup.
    h.state_mut().settings.spec_mut().params.set("n", 100_000_000);
    h.state_mut().start(JobKind::Threads);
    h.run_steps(2);
    assert!(!h.state().is_running(), "held back for the answer");
    let questions = h.state().asking.as_ref().expect("asked").preflight.questions();
    // (Another program busy here adds a question of its own.)
    assert!(questions.iter().any(|q| q.starts_with("This job is expected to take at least about ")), "{questions:?}");
    assert!(h.query_by_label_contains("This job is expected to take").is_some());
    h.get_by_label("Don't start").click();
    h.run_steps(2);
    assert!(h.state().asking.is_none() && !h.state().is_running());
    // A small job starts at once (unless another program is busy here).
    h.state_mut().settings.spec_mut().params.set("n", 20_000);
    h.state_mut().start(JobKind::Once);
    h.run_steps(1);
    if h.state().asking.is_some() {
        h.state_mut().answer_check(Answer::Go);
    }
    assert!(h.state().is_running() || !h.state().shelf.results.is_empty(), "{:?}", h.state().message);
}
