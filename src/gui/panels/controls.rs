//! The left panel: workload, parameters, feeder, threads, chunk, GIL, and
//! the buttons that start, cancel, open and save.

use eframe::egui::{self, Color32, RichText};

use crate::engine::{FeederKind, MAX_CHUNK};
use std::collections::BTreeMap;

use super::Action;
use crate::gui::files::FilePaths;
use crate::gui::files::SaveFormat;
use crate::gui::state::{JobKind, Settings, ThreadSteps};
use crate::workloads::WorkloadKind;

/// What the controls read and edit.
pub struct Controls<'a> {
    /// The values set (persisted).
    pub settings: &'a mut Settings,
    /// The typed path of each file action.
    pub paths: &'a mut FilePaths,
    /// The text typed in each parameter field, by "workload/param".
    pub param_text: &'a mut BTreeMap<String, String>,
    /// This machine's logical cores.
    pub cores: usize,
    /// Whether a job runs (the start buttons are off).
    pub running: bool,
}

/// Draws the controls; pushes what the user asked for into `actions`.
pub fn ui(ui: &mut egui::Ui, app: Controls<'_>, actions: &mut Vec<Action>) {
    let mut app = app;
    let running = app.running;
    let cores = app.cores.max(1);

    ui.heading("Workload");
    let mut kind = app.settings.workload;
    // Tall enough for every workload: none hides below a scroll.
    egui::ComboBox::from_label("workload").selected_text(kind.name()).height(f32::INFINITY).show_ui(ui, |ui| {
        for k in WorkloadKind::ALL {
            ui.selectable_value(&mut kind, k, k.name());
        }
    });
    if kind != app.settings.workload {
        app.settings.workload = kind;
        app.settings.view = kind;
    }
    let info = kind.info();
    ui.label(RichText::new(info.description).small());
    let problem = params(ui, &mut app);
    if let Some(current) = app.settings.spec().variant() {
        let mut chosen = current;
        egui::ComboBox::from_label("variant").selected_text(chosen.name()).show_ui(ui, |ui| {
            for &v in info.design.variants() {
                ui.selectable_value(&mut chosen, v, v.name()).on_hover_text(v.help());
            }
        });
        if chosen != current {
            app.settings.spec_mut().variant = Some(chosen);
        }
        ui.label(RichText::new(chosen.help()).small());
    }
    if info.takes_file {
        egui::Grid::new("text-path").num_columns(2).show(ui, |ui| {
            path_row(ui, "text file", &mut app.paths.text, |ui| {
                if ui.button("Open text...").clicked() {
                    actions.push(Action::PickText);
                }
            });
        });
        ui.horizontal(|ui| {
            let spec = app.settings.spec();
            match &spec.file {
                Some(f) => {
                    ui.label(RichText::new(f.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned())).monospace());
                    if ui.small_button("use generator").clicked() {
                        app.settings.spec_mut().file = None;
                    }
                }
                None => {
                    ui.label(RichText::new("built-in generator").weak());
                }
            }
        });
    }

    ui.separator();
    ui.heading("Engine");
    let own_design = !info.design.takes_feeder();
    if own_design {
        ui.label(RichText::new("This workload runs its own design (pick it as the variant): the feeder and the GIL do not apply.").small());
    } else {
        egui::ComboBox::from_label("feeder").selected_text(app.settings.feeder.name()).show_ui(ui, |ui| {
            for f in FeederKind::ALL {
                ui.selectable_value(&mut app.settings.feeder, f, f.name()).on_hover_text(f.explain());
            }
        });
        ui.label(RichText::new(app.settings.feeder.explain()).small());
    }

    if let Some(param) = info.design.threads_param() {
        ui.label(RichText::new(format!("threads: one per aggregate ({param} = {})", app.settings.spec().get(param))).small());
    } else {
        let slider = clamped_slider(ui, &mut app.settings.threads, 1..=4 * cores, "threads", false, actions);
        core_marker(ui, slider.rect, cores, 4 * cores);
    }

    let mut auto = app.settings.chunk.is_none();
    ui.checkbox(&mut auto, "auto chunk size");
    if auto {
        app.settings.chunk = None;
    } else {
        let mut c = app.settings.chunk.unwrap_or(1000);
        clamped_slider(ui, &mut c, 1..=MAX_CHUNK, "chunk size", true, actions);
        app.settings.chunk = Some(c.max(1));
    }
    if !own_design {
        ui.checkbox(&mut app.settings.gil, "simulate a GIL")
            .on_hover_text("Hold one process-wide lock around every map call, as CPython's global interpreter lock does.");
    }

    ui.collapsing("Measurement", |ui| {
        clamped_slider(ui, &mut app.settings.reps, 1..=20, "repetitions", false, actions);
        clamped_slider(ui, &mut app.settings.warmup, 0..=5, "warm-up runs", false, actions);
        ui.checkbox(&mut app.settings.quiet, "quiet: draw between runs only, from the first repetition on").on_hover_text(
            "Drawing the live plots takes CPU (a lot with software rendering); on a machine with few cores that is taken from the run.",
        );
        ui.horizontal(|ui| {
            ui.label("thread sweep:");
            ui.radio_value(&mut app.settings.steps, ThreadSteps::Doubling, "1, 2, 4, ...");
            ui.radio_value(&mut app.settings.steps, ThreadSteps::EveryOne, "every count");
        });
    });

    ui.separator();
    if let Some(why) = &problem {
        ui.label(
            RichText::new(format!("The buttons are off until the field above is fixed ({why})."))
                .color(Color32::from_rgb(220, 60, 60))
                .small(),
        );
    }
    ui.add_enabled_ui(!running && problem.is_none(), |ui| {
        ui.horizontal_wrapped(|ui| {
            if ui.button("Run").on_hover_text("One configuration, against the sequential reference").clicked() {
                actions.push(Action::Start(JobKind::Once));
            }
            if !info.design.variants().is_empty()
                && ui.button("Compare variants").on_hover_text("every variant at these settings").clicked()
            {
                actions.push(Action::Start(JobKind::Variants));
            }
            if info.design.threads_param().is_none()
                && ui.button("Sweep threads").on_hover_text(format!("threads {:?}", app.settings.thread_list())).clicked()
            {
                actions.push(Action::Start(JobKind::Threads));
            }
            if crate::experiment::weak::check(&app.settings.spec()).is_ok()
                && ui
                    .button("Weak scaling")
                    .on_hover_text(format!("threads {:?}, and each count again with n grown with it", app.settings.thread_list()))
                    .clicked()
            {
                actions.push(Action::Start(JobKind::Weak));
            }
            if ui.button("Sweep chunks").on_hover_text("chunk 1, 10, ..., 1,000,000 and auto").clicked() {
                actions.push(Action::Start(JobKind::Chunks));
            }
            let compare = app.settings.compare_threads(cores);
            if !own_design && ui.button("Compare feeders").on_hover_text(format!("every feeder at {compare} threads")).clicked() {
                actions.push(Action::Start(JobKind::Feeders));
            }
            if !own_design && ui.button("GIL off vs on").on_hover_text(format!("threads up to {compare}, GIL off and on")).clicked() {
                actions.push(Action::Start(JobKind::Gil));
            }
        });
        if !own_design && app.settings.threads > cores {
            let at = app.settings.compare_threads(cores);
            let note = if app.settings.compare_oversubscribed {
                format!("Compare feeders and GIL off vs on run at {at} threads, past the {cores} cores: oversubscribed.")
            } else {
                format!(
                    "Compare feeders and GIL off vs on run at {at} threads (the core count), not the slider's {}.",
                    app.settings.threads
                )
            };
            ui.label(RichText::new(note).small().weak());
            ui.checkbox(&mut app.settings.compare_oversubscribed, "compare at the slider's thread count");
        }
        if !info.design.variants().is_empty()
            && let Some(why) = app.settings.compare_variants().1
        {
            ui.label(RichText::new(why).small().weak());
        }
    });
    let cancel = ui.add_enabled(
        running,
        egui::Button::new(RichText::new("Cancel").color(if running { Color32::from_rgb(230, 90, 70) } else { Color32::GRAY })),
    );
    if cancel.clicked() {
        actions.push(Action::Cancel);
    }

    ui.separator();
    ui.heading("Results files");
    ui.label(RichText::new("Each button has its own path; leave it empty to pick in a file dialog.").small().weak());
    egui::Grid::new("file-paths").num_columns(2).show(ui, |ui| {
        path_row(ui, "results file to open", &mut app.paths.open, |ui| {
            if ui.button("Open results...").on_hover_text("A JSON file from `scalescope sweep`, from this or another machine").clicked() {
                actions.push(Action::PickResults);
            }
        });
        path_row(ui, "save to", &mut app.paths.save, |ui| {
            if ui.button("Save JSON...").clicked() {
                actions.push(Action::Save(SaveFormat::Json));
            }
            if ui.button("Save CSV...").clicked() {
                actions.push(Action::Save(SaveFormat::Csv));
            }
        });
        path_row(ui, "PNG file", &mut app.paths.png, |ui| {
            if ui.button("Export tab PNG...").on_hover_text(format!("a picture of the {} tab", app.settings.tab.name())).clicked() {
                actions.push(Action::ExportPng);
            }
        });
    });
    if ui.button("Clear").on_hover_text("Hide every experiment from the plots (the Experiments tab shows them again)").clicked() {
        actions.push(Action::Clear);
    }
    ui.label(RichText::new("Tip: drop a results .json or a text file on the window.").small().weak());
}

/// A labelled path field and the buttons that use it, as one grid row.
fn path_row(ui: &mut egui::Ui, label: &str, text: &mut String, buttons: impl FnOnce(&mut egui::Ui)) {
    let l = ui.label(label);
    ui.horizontal(|ui| {
        ui.add(egui::TextEdit::singleline(text).hint_text("empty: a dialog").desired_width(120.0)).labelled_by(l.id);
        buttons(ui);
    });
    ui.end_row();
}

/// The workload's parameters as text fields, checked on every edit; the
/// first problem, if any (the run buttons stay disabled until it is fixed).
fn params(ui: &mut egui::Ui, app: &mut Controls<'_>) -> Option<String> {
    let kind = app.settings.workload;
    let mut problem = None;
    egui::Grid::new("params").num_columns(2).show(ui, |ui| {
        for p in kind.info().params {
            let key = format!("{}/{}", kind.name(), p.name);
            let current = app.settings.spec().get(p.name);
            let text = app.param_text.entry(key).or_insert_with(|| current.to_string());
            let label = ui.label(p.name).on_hover_text(p.help);
            let edit = ui.add(egui::TextEdit::singleline(text).desired_width(110.0)).labelled_by(label.id).on_hover_text(p.help);
            ui.end_row();
            let cleaned = text.trim().replace(['_', ','], "");
            match cleaned.parse::<u64>() {
                Ok(v) if (p.min..=p.max).contains(&v) => {
                    if edit.changed() {
                        app.settings.spec_mut().params.set(p.name, v);
                    }
                }
                Ok(v) => problem = Some(format!("{} = {v} is out of bounds (allowed {}..={})", p.name, p.min, p.max)),
                Err(_) => problem = Some(format!("{} must be a whole number (got '{}')", p.name, text.trim())),
            }
        }
    });
    if let Some(msg) = &problem {
        ui.label(RichText::new(msg).color(Color32::from_rgb(220, 60, 60)));
    }
    problem
}

/// A slider whose typed value is kept when in `range`, and otherwise
/// brought into it with a message saying so (never silently).
fn clamped_slider(
    ui: &mut egui::Ui,
    value: &mut usize,
    range: std::ops::RangeInclusive<usize>,
    text: &str,
    log: bool,
    actions: &mut Vec<Action>,
) -> egui::Response {
    let slider = egui::Slider::new(value, range.clone()).text(text).logarithmic(log).clamping(egui::SliderClamping::Never);
    let response = ui.add(slider);
    if !range.contains(value) {
        let typed = *value;
        *value = typed.clamp(*range.start(), *range.end());
        actions.push(Action::Say(format!("{text}: {typed} is outside {}..={}, so it was set to {}.", range.start(), range.end(), *value)));
    }
    response
}

/// A tick under the threads slider where the logical core count is.
fn core_marker(ui: &mut egui::Ui, slider: egui::Rect, cores: usize, max: usize) {
    let width = ui.spacing().slider_width;
    let (rect, _) = ui.allocate_exact_size(egui::vec2(slider.width(), 14.0), egui::Sense::hover());
    let handle = ui.spacing().interact_size.y / 2.0;
    let frac = (cores.saturating_sub(1)) as f32 / (max.saturating_sub(1)).max(1) as f32;
    let x = rect.left() + handle + frac * (width - 2.0 * handle);
    let color = ui.visuals().warn_fg_color;
    ui.painter().line_segment([egui::pos2(x, rect.top()), egui::pos2(x, rect.top() + 5.0)], egui::Stroke::new(2.0, color));
    ui.painter().text(
        egui::pos2(x + 3.0, rect.top()),
        egui::Align2::LEFT_TOP,
        format!("{cores} logical cores"),
        egui::FontId::proportional(10.0),
        color,
    );
}
