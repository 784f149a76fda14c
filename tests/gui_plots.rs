//! The Scaling tab reads on a classroom projector: at 1280x720 and
//! 1920x1080 pixels, zoom 1.0 and 1.5, every plot axis carries at least
//! three tick labels that fit, and every bar is named and shows its value
//! (egui_kittest, no window, with small experiments measured for real).
#![cfg(feature = "gui")]
#![allow(clippy::unwrap_used, reason = "a test fails loudly where an unwrap fails")]

use eframe::egui;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use scalescope::engine::{Chunk, ChunkSize, FeederKind, Hooks, Threads};
use scalescope::experiment::{Experiment, SweepPlan};
use scalescope::gui::ScalescopeApp;
use scalescope::gui::panels::axes::{self, LABEL_MIN_PX, Label};
use scalescope::gui::plot_data::{self, Grouped};
use scalescope::gui::state::{JobKind, Settings, Tab};
use scalescope::workloads::{WorkloadKind, WorkloadSpec};

/// Window sizes in pixels and zoom factors, as a projector would show them.
const SCREENS: [([f32; 2], f32); 4] = [([1280.0, 720.0], 1.0), ([1280.0, 720.0], 1.5), ([1920.0, 1080.0], 1.0), ([1920.0, 1080.0], 1.5)];

fn sweep(plan: &SweepPlan) -> Experiment {
    scalescope::measure::run_sweep(plan, Experiment::start(plan, None), &Hooks::none(), |_| {}, |_| {}).unwrap()
}

/// primes on 1 and 2 threads, two feeders, three fixed chunk sizes, 3 repetitions:
/// every strong plot, the chunk plot and the design bars have data.
fn strong_primes() -> Experiment {
    let fixed = |c| ChunkSize::Fixed(Chunk::of(c));
    sweep(&SweepPlan {
        workload: WorkloadSpec::new(WorkloadKind::Primes).with("n", 20_000),
        feeders: vec![FeederKind::Dispenser, FeederKind::Queue],
        threads: vec![Threads::ONE, Threads::new(2).unwrap()],
        chunks: vec![fixed(10), fixed(100), fixed(1000)],
        gil: vec![false],
        reps: 3,
        warmup: 0,
        spans: false,
        variants: vec![],
        weak: false,
    })
}

/// A plan the app's own settings make for `kind` of `workload` at `n`, on up to 2 threads.
fn planned(workload: WorkloadKind, n: u64, kind: JobKind) -> Experiment {
    let mut settings = Settings { workload, threads: Threads::new(2).unwrap(), reps: 3, ..Settings::default() };
    let spec = settings.spec().with("n", n);
    *settings.spec_mut() = spec;
    sweep(&settings.plan(kind, 2).unwrap())
}

/// The app at `px` pixels and `zoom`, on the Scaling tab showing `view`.
fn app_at(px: [f32; 2], zoom: f32, view: WorkloadKind, experiments: &[Experiment]) -> Harness<'static, ScalescopeApp> {
    let settings = Settings { tab: Tab::Scaling, view, zoom, ..Settings::default() };
    let mut app = ScalescopeApp::with_settings(settings);
    for x in experiments {
        app.shelf.add(x.clone(), None);
    }
    let mut h = Harness::builder()
        .with_size([px[0] / zoom, px[1] / zoom])
        .with_pixels_per_point(zoom)
        .build_ui_state(|ui, app: &mut ScalescopeApp| app.draw(ui), app);
    h.step();
    h.step();
    h
}

/// Labels for the experiments on the shelf (the groups and values of the
/// bars do not depend on them).
fn shelf_labels(h: &Harness<'_, ScalescopeApp>) -> Vec<String> {
    h.state().shelf.labels(&scalescope::machine::MachineInfo::default())
}

/// Scrolls the plot titled `title` into view, its title near the top of
/// the tab (a person scrolls to see a whole plot), and records one frame of
/// what the plots print.
fn look_at(h: &mut Harness<'_, ScalescopeApp>, title: &str) {
    h.get_by_label(title).scroll_to_me();
    h.step();
    h.step();
    // The top of the scrolled tab: below the workload picker.
    let top = h.get_by_label("workload on the plots").rect().bottom();
    for _ in 0..10 {
        if h.get_by_label(title).rect().top() - top < 100.0 {
            break;
        }
        h.get_by_label(title).scroll_down();
        h.step();
        h.step();
    }
    axes::watch(true);
    h.step();
}

/// Every text painted in the last frame.
fn painted(h: &Harness<'_, ScalescopeApp>) -> Vec<String> {
    fn walk(shape: &egui::Shape, out: &mut Vec<String>) {
        match shape {
            egui::Shape::Text(t) => out.push(t.galley.text().to_string()),
            egui::Shape::Vec(v) => v.iter().for_each(|s| walk(s, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    h.output().shapes.iter().for_each(|c| walk(&c.shape, &mut out));
    out
}

/// The size of `text` in the font egui_plot writes tick labels in.
fn text_size(h: &Harness<'_, ScalescopeApp>, text: &str) -> egui::Vec2 {
    let painter = egui::Painter::new(h.ctx.clone(), egui::LayerId::background(), egui::Rect::EVERYTHING);
    let font = egui::TextStyle::Body.resolve(&h.ctx.global_style());
    painter.layout_no_wrap(text.to_string(), font, egui::Color32::WHITE).size()
}

/// The labels egui_plot draws: apart from their neighbours by more than
/// the label spacing and than their own width (x) or height (y), and painted.
fn drawn(h: &Harness<'_, ScalescopeApp>, labels: &[Label], along: usize) -> Vec<String> {
    let texts = painted(h);
    labels
        .iter()
        .filter(|l| l.gap_px > LABEL_MIN_PX && text_size(h, &l.text)[along] <= l.gap_px && texts.contains(&l.text))
        .map(|l| l.text.clone())
        .collect()
}

/// Both axes of plot `id` show three labels or more.
fn three_labels_each(h: &Harness<'_, ScalescopeApp>, id: &str, screen: &str) {
    let seen = axes::seen(id);
    let (x, y) = (drawn(h, &seen.x, 0), drawn(h, &seen.y, 1));
    assert!(x.len() >= 3, "{screen}: the x axis of '{id}' shows {x:?} (recorded {:?})", seen.x);
    assert!(y.len() >= 3, "{screen}: the y axis of '{id}' shows {y:?} (recorded {:?})", seen.y);
}

/// Every bar of chart `id` (drawn from `data`, values written as `fmt`
/// does) is named under its group and valued above it, or named and
/// valued in one row of the chart's table, keyed by the letter under its group.
fn every_bar_named_and_valued(h: &Harness<'_, ScalescopeApp>, id: &str, data: &Grouped, fmt: &dyn Fn(f64) -> String, screen: &str) {
    let seen = axes::seen(id);
    let names = drawn(h, &seen.x, 0);
    let texts = painted(h);
    for (g, row) in data.values.iter().enumerate() {
        let under = seen.x.iter().find(|l| l.value == g as f64).map(|l| l.text.clone()).unwrap_or_default();
        assert!(names.contains(&under), "{screen}: '{id}' group {g} has no label that fits: {:?}", seen.x);
        for v in row.iter().flatten() {
            let value = fmt(v.0);
            if under.split_whitespace().collect::<Vec<_>>() == data.groups[g].split_whitespace().collect::<Vec<_>>() {
                assert!(seen.inside.contains(&value) && texts.contains(&value), "{screen}: '{id}' {} shows no {value}", data.groups[g]);
            } else {
                in_one_row(h, &[&under, &data.groups[g], &value], &format!("{screen}: '{id}' bar {g}"));
            }
        }
    }
}

/// Accessible labels with these texts, all on one line of a table.
fn in_one_row(h: &Harness<'_, ScalescopeApp>, texts: &[&str], what: &str) {
    let ys: Vec<Vec<f32>> = texts.iter().map(|t| h.query_all_by_label(t).map(|n| n.rect().center().y).collect()).collect();
    let row = ys[0].iter().any(|&y0| ys[1..].iter().all(|col| col.iter().any(|&y| (y - y0).abs() < 4.0)));
    assert!(row, "{what}: no table row with {texts:?} ({ys:?})");
}

fn ms(ms: f64) -> String {
    match ms {
        m if m >= 100.0 => format!("{m:.0} ms"),
        m if m >= 1.0 => format!("{m:.1} ms"),
        m => format!("{m:.3} ms"),
    }
}

#[test]
fn every_axis_of_the_strong_view_has_three_labels_and_every_design_bar_its_name_and_value() {
    let primes = strong_primes();
    for (px, zoom) in SCREENS {
        let screen = format!("{}x{} at zoom {zoom}", px[0], px[1]);
        let mut h = app_at(px, zoom, WorkloadKind::Primes, std::slice::from_ref(&primes));
        look_at(&mut h, "Speedup by design (Compare feeders, GIL off vs on)");
        let labels = shelf_labels(&h);
        let designs = plot_data::design_bars(&h.state().shelf.shown(&labels, WorkloadKind::Primes)).unwrap();
        three_labels_each_y(&h, "designs", &screen);
        every_bar_named_and_valued(&h, "designs", &designs, &|v| format!("{v:.2}x"), &screen);
        // Karp-Flatt is drawn only where a run beat the plain loop (under
        // load a tiny sweep may not); else a line says why, and no empty plot.
        let kf = !plot_data::karp_flatt_vs_threads(&h.state().shelf.shown(&labels, WorkloadKind::Primes)).is_empty();
        let karp_flatt = kf.then_some(("Karp-Flatt serial fraction vs threads", "karp-flatt"));
        for (title, id) in [("Speedup vs threads", "speedup"), ("Efficiency vs threads", "efficiency"), ("Time vs chunk size", "chunks")]
            .into_iter()
            .chain(karp_flatt)
        {
            look_at(&mut h, title);
            three_labels_each(&h, id, &screen);
            if id == "chunks" {
                // The chunk axis names the chunk sizes measured: powers of ten.
                let chunks = drawn(&h, &axes::seen("chunks").x, 0);
                assert!(["10", "100", "1k"].iter().all(|c| chunks.iter().any(|t| t == c)), "{screen}: chunk axis {chunks:?}");
            }
        }
        if !kf {
            assert!(h.query_by_label_contains("no serial fraction to read").is_some(), "{screen}: the empty Karp-Flatt plot says why");
        }
    }
}

/// The y axis of a bar chart shows three labels or more (its x axis names groups).
fn three_labels_each_y(h: &Harness<'_, ScalescopeApp>, id: &str, screen: &str) {
    let seen = axes::seen(id);
    let y = drawn(h, &seen.y, 1);
    assert!(y.len() >= 3, "{screen}: the y axis of '{id}' shows {y:?} (recorded {:?})", seen.y);
}

#[test]
fn every_axis_of_the_weak_view_has_three_labels() {
    let weak = planned(WorkloadKind::Trivial, 200_000, JobKind::Weak);
    assert!(weak.weak.is_some());
    for (px, zoom) in SCREENS {
        let screen = format!("{}x{} at zoom {zoom}", px[0], px[1]);
        let mut h = app_at(px, zoom, WorkloadKind::Trivial, std::slice::from_ref(&weak));
        for (title, id) in [
            ("Strong scaling: speedup vs threads, n fixed", "speedup"),
            ("Weak scaling: scaled speedup vs threads, n grows with them", "weak"),
            ("Efficiency vs threads: strong (solid), weak (dashed)", "efficiency"),
            ("Karp-Flatt serial fraction vs threads (strong)", "karp-flatt"),
        ] {
            look_at(&mut h, title);
            three_labels_each(&h, id, &screen);
        }
    }
}

#[test]
fn every_variant_bar_is_named_and_shows_its_value() {
    let aggregates = planned(WorkloadKind::Aggregates, 3000, JobKind::Variants);
    assert!(aggregates.runs.len() >= 4, "{} variants", aggregates.runs.len());
    for (px, zoom) in SCREENS {
        let screen = format!("{}x{} at zoom {zoom}", px[0], px[1]);
        let mut h = app_at(px, zoom, WorkloadKind::Aggregates, std::slice::from_ref(&aggregates));
        let labels = shelf_labels(&h);
        let shown = h.state().shelf.shown(&labels, WorkloadKind::Aggregates);
        let times = plot_data::variant_groups(&shown);
        let (peaks, _) = plot_data::variant_peak_groups(&shown);
        assert_eq!(times.groups[0], "plain loop");
        look_at(&mut h, "Median time per variant");
        three_labels_each_y(&h, "variant-time", &screen);
        every_bar_named_and_valued(&h, "variant-time", &times, &ms, &screen);
        look_at(&mut h, "Most held at once");
        three_labels_each_y(&h, "variant-peak", &screen);
        every_bar_named_and_valued(&h, "variant-peak", &peaks, &|p| format!("{p:.0}"), &screen);
    }
}
