//! Saves from the app keep experiments apart: a CSV of several names each
//! row's experiment and carries its own baseline; JSON holds one experiment
//! whole, never runs merged under another's id.

mod common;

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use scalescope::experiment::Experiment;
use scalescope::gui::ScalescopeApp;
use scalescope::gui::files::SaveFormat;
use scalescope::gui::state::Settings;
use scalescope::workloads::WorkloadKind;

fn app_with(experiments: Vec<Experiment>) -> Harness<'static, ScalescopeApp> {
    let mut h = Harness::builder().with_size([1280.0, 720.0]).build_ui_state(
        |ui, app: &mut ScalescopeApp| app.draw(ui),
        ScalescopeApp::with_settings(Settings { check_first: false, ..Settings::default() }),
    );
    for x in experiments {
        h.state_mut().shelf.add(x, None);
    }
    h.state_mut().settings.view = WorkloadKind::Trivial;
    h.run_steps(2);
    h
}

#[test]
fn a_csv_of_two_experiments_keeps_each_rows_experiment_and_baseline() {
    let plan = common::small_plan(WorkloadKind::Trivial, 20_000, &[1, 2], 2);
    let (a, b) = (common::measured(&plan), common::measured(&plan));
    let mut h = app_with(vec![a.clone(), b.clone()]);
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("both.csv");
    h.state_mut().save_results(&csv, SaveFormat::Csv).unwrap();
    let text = std::fs::read_to_string(&csv).unwrap();
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let rows: Vec<Vec<&str>> = text.lines().skip(1).map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), a.runs.len() + b.runs.len());
    for x in [&a, &b] {
        let mine: Vec<&Vec<&str>> = rows.iter().filter(|r| r[col("experiment")] == x.id.to_string()).collect();
        assert_eq!(mine.len(), x.runs.len(), "{} has its own rows", x.id);
        for r in mine {
            let base: f64 = r[col("baseline_median_s")].parse().unwrap();
            assert!((base - x.baseline_median_s()).abs() < 1e-6, "each row its own baseline");
            let (median, speedup): (f64, f64) = (r[col("median_s")].parse().unwrap(), r[col("speedup")].parse().unwrap());
            assert!((base / median - speedup).abs() < 1e-3 * speedup.max(1.0), "speedup = baseline / median: {r:?}");
        }
    }
}

#[test]
fn json_holds_one_experiment_whole_and_says_so() {
    let plan = common::small_plan(WorkloadKind::Trivial, 20_000, &[1, 2], 1);
    let (a, b) = (common::measured(&plan), common::measured(&plan));
    let mut h = app_with(vec![a, b.clone()]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("one.json");
    h.state_mut().save_results(&path, SaveFormat::Json).unwrap();
    let back = Experiment::load(&path).unwrap();
    assert_eq!((back.id, back.runs.len()), (b.id, b.runs.len()), "the newest shown, whole, under its own id");
    let said = &h.state().message.as_ref().unwrap().text;
    assert!(said.contains("the newest of the 2 shown"), "{said}");
}

#[test]
fn two_experiments_of_one_workload_are_compared_point_by_point_on_the_why_tab() {
    let plan = common::small_plan(WorkloadKind::Trivial, 200_000, &[1, 2], 3);
    let (a, b) = (common::measured(&plan), common::measured(&plan));
    let points = scalescope::analysis::compare::compare(&a, &b);
    assert!(!points.is_empty());
    let mut h = app_with(vec![a, b]);
    h.state_mut().settings.tab = scalescope::gui::state::Tab::Why;
    h.run_steps(3);
    assert!(h.query_by_label("Compared").is_some());
    for p in &points {
        assert!(h.query_by_label(&p.to_string()).is_some(), "'{p}' shown");
    }
}

#[test]
fn save_report_writes_one_page_of_the_experiments_shown_and_markdown_is_copied() {
    use scalescope::gui::panels::Action;
    let plan = common::small_plan(WorkloadKind::Trivial, 200_000, &[1, 2], 2);
    let (a, b) = (common::measured(&plan), common::measured(&plan));
    let mut h = app_with(vec![a.clone(), b.clone()]);
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("r.html");
    h.state_mut().paths.report = page.to_string_lossy().into_owned();
    h.state_mut().act(Action::SaveReport(None));
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(
        html.starts_with("<!DOCTYPE html>") && html.contains(&a.id.to_string()) && html.contains(&b.id.to_string()),
        "both experiments"
    );
    assert!(html.contains("<svg"), "with its plots");
    // A file that is not a report is left alone.
    let mine = dir.path().join("mine.html");
    std::fs::write(&mine, "my own page").unwrap();
    h.state_mut().paths.report = mine.to_string_lossy().into_owned();
    h.state_mut().act(Action::SaveReport(None));
    assert_eq!(std::fs::read_to_string(&mine).unwrap(), "my own page");
    assert!(h.state().message.as_ref().is_some_and(|m| m.error && m.text.contains("not a scalescope report")));
    h.state_mut().act(Action::CopyMarkdown);
    let md = h.state().last_markdown.clone().expect("copied");
    assert!(md.contains("| ") && md.contains(&a.name), "a table: {md}");
}
