//! The window's layout: the message line on top, the status bar below, the
//! controls on the left and the tabs in the middle. It hands each panel the
//! narrow data it draws and collects the [`Action`]s they ask for.

use std::time::Instant;

use eframe::egui::{self, Color32, RichText};

use super::app::{Answer, Ask, ScalescopeApp};
use super::files::Pending;
use super::panels;
use super::state::Tab;

/// Builds one frame.
pub(crate) fn frame(app: &mut ScalescopeApp, ui: &mut egui::Ui) {
    let t0 = Instant::now();
    let ctx = ui.ctx().clone();
    let was_running = app.is_running();
    begin(app, &ctx);
    let mut actions = Vec::new();

    egui::Panel::top("top").show(ui, |ui| top(ui, app));
    egui::Panel::bottom("status").show(ui, |ui| {
        panels::status::ui(ui, &app.jobs, app.frames.p95_ms(), app.settings.zoom);
    });
    if app.settings.controls_shown() {
        egui::Panel::left("controls").resizable(true).default_size(330.0).min_size(220.0).show(ui, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| controls(ui, app, &mut actions));
        });
    }
    let tab_rect = egui::CentralPanel::default().show(ui, |ui| match app.settings.lesson {
        Some(index) => lesson(ui, app, index, &mut actions),
        None => tabs(ui, app, &mut actions),
    });
    app.tab_rect = Some(tab_rect.response.rect);
    if let Some(yes) = replace_question(&ctx, app.export.pending.as_ref()) {
        app.answer(yes);
    }
    if let Some(answer) = check_question(&ctx, app.asking.as_ref()) {
        app.answer_check(answer);
    }
    for a in actions {
        app.act(a);
    }
    if let Some(every) = app.jobs.redraw_every(app.settings.quiet) {
        // Drawing costs CPU (with software GL under Xvfb, 10 frames a
        // second took 40% of a core), and every cycle the window takes is
        // one the measured run does not get: the live picture redraws 5
        // times a second in the first repetition, rarely after. Input still
        // repaints at once.
        ctx.request_repaint_after(every);
    }
    app.frames.record(t0, was_running);
}

/// Before anything is drawn: Ctrl+Q, the zoom, and what arrived since the
/// last frame (job messages, dropped files, a PNG being exported).
fn begin(app: &mut ScalescopeApp, ctx: &egui::Context) {
    if ctx.input(|i| i.modifiers.command && i.key_pressed(egui::Key::Q)) {
        ctx.send_viewport_cmd(egui::ViewportCommand::Close);
    }
    if app.ctx.is_none() {
        // The first frame: the presenter zoom the person left it at, and
        // small print that a projector still shows (egui's is 9 points).
        ctx.set_zoom_factor(app.settings.zoom.clamp(0.5, 3.0));
        ctx.all_styles_mut(|style| {
            if let Some(small) = style.text_styles.get_mut(&egui::TextStyle::Small) {
                small.size = small.size.max(12.0);
            }
        });
    }
    // Ctrl + / Ctrl - / Ctrl 0 are egui's own; the factor is kept in the settings.
    app.settings.zoom = ctx.zoom_factor();
    let first = app.ctx.is_none();
    app.ctx = Some(ctx.clone());
    if first {
        app.first_frame();
    }
    app.poll();
    app.dropped_files(ctx);
    app.finish_png(ctx.pixels_per_point());
}

/// Every fact of `machine`, one a row.
fn machine_details(ui: &mut egui::Ui, machine: &crate::machine::MachineInfo) {
    egui::Grid::new("machine-details").num_columns(2).striped(true).show(ui, |ui| {
        for (what, fact) in machine.details() {
            ui.strong(what);
            ui.label(fact);
            ui.end_row();
        }
    });
}

/// The top bar: the name, the machine, and the message line.
fn top(ui: &mut egui::Ui, app: &ScalescopeApp) {
    ui.horizontal_wrapped(|ui| {
        ui.heading("scalescope");
        // The machine panel: every fact it recorded, one a row (as `scalescope machine`).
        ui.menu_button(RichText::new(app.machine.describe()).weak(), |ui| machine_details(ui, &app.machine))
            .response
            .on_hover_text("The machine as a run sees it: click for its CPUs, SMT siblings, core types, NUMA nodes, governor and what this process may use");
    });
    if let Some(m) = &app.message {
        let color = if m.error { Color32::from_rgb(220, 60, 60) } else { ui.visuals().text_color() };
        // One line: a long message is cut, the whole of it on hover.
        ui.add(egui::Label::new(RichText::new(&m.text).color(color)).truncate()).on_hover_text(&m.text);
    }
}

/// The controls on the left, over the settings they edit.
fn controls(ui: &mut egui::Ui, app: &mut ScalescopeApp, actions: &mut Vec<panels::Action>) {
    let controls = panels::controls::Controls {
        settings: &mut app.settings,
        paths: &mut app.paths,
        param_text: &mut app.param_text,
        cores: app.machine.logical_cores,
        running: app.jobs.is_running(),
    };
    panels::controls::ui(ui, controls, actions);
}

/// One lesson on the whole central panel, with its own experiment only.
fn lesson(ui: &mut egui::Ui, app: &mut ScalescopeApp, index: usize, actions: &mut Vec<panels::Action>) {
    let labels = app.shelf.labels(&app.machine);
    let title = panels::learn::LESSONS.get(index).map_or("", |l| l.title);
    let found = app.shelf.of_lesson(&labels, title);
    let view = panels::lesson_view::LessonView {
        index,
        key: found.as_ref().map(|(k, _)| *k),
        experiment: found.map(|(_, x)| x),
        jobs: &app.jobs,
        settings: &app.settings,
        cores: app.machine.logical_cores,
    };
    let mut whole = app.settings.live_whole;
    panels::lesson_view::ui(ui, &view, &mut whole, actions);
    app.settings.live_whole = whole;
}

/// The tab strip, the workload picker of the plot tabs, and the tab on show.
fn tabs(ui: &mut egui::Ui, app: &mut ScalescopeApp, actions: &mut Vec<panels::Action>) {
    ui.horizontal_wrapped(|ui| {
        let arrow = if app.settings.controls { "<<" } else { ">> controls" };
        if ui.button(arrow).on_hover_text("Hide or show the control panel").clicked() {
            actions.push(panels::Action::ToggleControls);
        }
        for tab in Tab::ALL {
            ui.selectable_value(&mut app.settings.tab, tab, tab.name());
        }
    });
    ui.separator();
    if matches!(app.settings.tab, Tab::Scaling | Tab::Why | Tab::Results) {
        view_picker(ui, app);
    }
    let labels = app.shelf.labels(&app.machine);
    let shown = app.shelf.shown(&labels, app.settings.view);
    let analysed = app.shelf.analysed(&labels, app.settings.view);
    let cores = app.machine.logical_cores;
    match app.settings.tab {
        Tab::Live => panels::live_view::ui(ui, &app.jobs, &mut app.settings.live_whole),
        Tab::Scaling => {
            // A small window scrolls to the lower plots.
            egui::ScrollArea::vertical().id_salt("scaling").show(ui, |ui| {
                panels::scaling::ui(ui, &analysed, app.settings.view, cores);
                ui.separator();
                panels::crossover::ui(ui, &app.crossover, app.jobs.is_running(), actions);
            });
        }
        Tab::Why => panels::why::ui(ui, &analysed, &mut app.why, app.jobs.is_running(), actions),
        Tab::Results => panels::table::ui(ui, &shown, actions),
        Tab::Learn => panels::learn::ui(ui, &app.settings, app.jobs.is_running(), actions),
        Tab::Experiments => {
            let shelf = &mut app.shelf;
            let mut renaming = shelf.renaming.take();
            panels::experiments::ui(ui, shelf, &mut renaming, actions);
            shelf.renaming = renaming;
        }
    }
}

/// Which workload's experiments the plots show, picked among those measured.
fn view_picker(ui: &mut egui::Ui, app: &mut ScalescopeApp) {
    let mut kinds: Vec<crate::workloads::WorkloadKind> = app.shelf.results.iter().map(|x| x.workload.name).collect();
    kinds.push(app.settings.view);
    kinds.sort_by_key(|k| k.name());
    kinds.dedup();
    ui.horizontal(|ui| {
        egui::ComboBox::from_label("workload on the plots").selected_text(app.settings.view.name()).show_ui(ui, |ui| {
            for k in kinds {
                ui.selectable_value(&mut app.settings.view, k, k.name());
            }
        });
        if app.settings.view != app.settings.workload {
            ui.label(RichText::new(format!("(the controls are set to {})", app.settings.workload.name())).small().weak());
        }
    });
}

/// Asks whether to replace a results file; `Some(answer)` once answered.
fn replace_question(ctx: &egui::Context, pending: Option<&Pending>) -> Option<bool> {
    let Pending::Replace { path, .. } = pending?;
    let mut answer = None;
    egui::Window::new("Replace the results file?")
        .collapsible(false)
        .resizable(false)
        .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
        .show(ctx, |ui| {
            ui.label(format!("{} is a scalescope results file already. Replace it with these results?", path.display()));
            ui.horizontal(|ui| {
                if ui.button("Replace it").clicked() {
                    answer = Some(true);
                }
                if ui.button("Keep it").clicked() {
                    answer = Some(false);
                }
            });
        });
    answer
}

/// Asks whether to measure after the check before a job found something;
/// `Some(answer)` once answered.
fn check_question(ctx: &egui::Context, asking: Option<&Ask>) -> Option<Answer> {
    let questions = asking?.preflight.questions();
    let busy = asking?.preflight.outside_cores.is_some_and(|c| c > crate::measure::preflight::BUSY_CORES);
    let mut answer = None;
    egui::Window::new("Before measuring").collapsible(false).resizable(false).anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0]).show(
        ctx,
        |ui| {
            for q in &questions {
                ui.label(q);
            }
            ui.horizontal_wrapped(|ui| {
                if ui.button("Measure anyway").clicked() {
                    answer = Some(Answer::Go);
                }
                if busy && ui.button("Check again").on_hover_text("After the other program is done").clicked() {
                    answer = Some(Answer::Again);
                }
                if ui.button("Don't start").clicked() {
                    answer = Some(Answer::Cancel);
                }
            });
        },
    );
    answer
}
