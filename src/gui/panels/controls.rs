//! The left panel: workload, parameters, feeder, threads, chunk, GIL, and
//! the buttons that start, cancel, open and save. One function per group of
//! controls, top to bottom.
//!
//! What the person types for the thread count and the chunk size becomes a
//! [`Threads`] or a [`ChunkSize`] here, once; a value that is not one shows
//! its error next to its field and the settings keep the last valid one.

use eframe::egui::{self, Color32, RichText};

use crate::engine::{ChunkSize, FeederKind, Threads};
use std::collections::BTreeMap;

use super::Action;
use crate::gui::files::FilePaths;
use crate::gui::files::SaveFormat;
use crate::gui::state::{JobKind, Settings, ThreadSteps, capped_threads};
use crate::workloads::{Design, WorkloadInfo, WorkloadKind};

/// What the controls read and edit.
#[derive(Debug)]
pub struct Controls<'a> {
    /// The values set (persisted).
    pub settings: &'a mut Settings,
    /// The typed path of each file action.
    pub paths: &'a mut FilePaths,
    /// The text typed in each parameter field, by "workload/param", and the
    /// chunk size's under [`CHUNK_TEXT`].
    pub param_text: &'a mut BTreeMap<String, String>,
    /// This machine's logical cores.
    pub cores: usize,
    /// Whether a job runs (the start buttons are off).
    pub running: bool,
}

/// The key of the chunk size's text in [`Controls::param_text`].
pub const CHUNK_TEXT: &str = "engine/chunk";

/// The colour of a field's error.
const ERROR: Color32 = Color32::from_rgb(220, 60, 60);

/// Draws the controls; pushes what the user asked for into `actions`.
pub fn ui(ui: &mut egui::Ui, app: Controls<'_>, actions: &mut Vec<Action>) {
    let mut app = app;
    let cores = app.cores.max(1);
    let info = workload_picker(ui, app.settings);
    let param_problem = params(ui, &mut app);
    variant_picker(ui, app.settings, info);
    if info.takes_file {
        text_file(ui, &mut app, actions);
    }
    let program = info.design == Design::Program;
    let command_problem = if program { super::command::ui(ui, app.settings, app.param_text) } else { None };

    ui.separator();
    ui.heading(if program { "Threads" } else { "Engine" });
    feeder_picker(ui, app.settings, info);
    threads_control(ui, app.settings, cores, info, actions);
    // A program splits its work itself: no chunk size to set.
    let chunk_problem = if program { None } else { chunk_field(ui, app.settings, app.param_text) };
    if info.design.takes_feeder() {
        ui.checkbox(&mut app.settings.gil, "simulate a GIL")
            .on_hover_text("Hold one process-wide lock around every map call, as CPython's global interpreter lock does.");
    }
    measurement(ui, app.settings, actions);

    ui.separator();
    start_buttons(ui, &mut app, info, param_problem.or(command_problem).or(chunk_problem), actions);
    cancel_button(ui, app.running, actions);

    ui.separator();
    results_files(ui, &mut app, actions);
}

/// The workload picker and its description; what it describes.
fn workload_picker(ui: &mut egui::Ui, settings: &mut Settings) -> &'static WorkloadInfo {
    ui.heading("Workload");
    let mut kind = settings.workload;
    // Tall enough for every workload: none hides below a scroll.
    egui::ComboBox::from_label("workload").selected_text(kind.name()).height(f32::INFINITY).show_ui(ui, |ui| {
        for k in WorkloadKind::ALL.into_iter().filter(|k| k.design().runs_here()) {
            ui.selectable_value(&mut kind, k, k.name());
        }
    });
    if kind != settings.workload {
        settings.workload = kind;
        settings.view = kind;
    }
    let info = kind.info();
    ui.label(RichText::new(info.description).small());
    info
}

/// The variant picker, for a workload that comes in variants.
fn variant_picker(ui: &mut egui::Ui, settings: &mut Settings, info: &WorkloadInfo) {
    let Some(current) = settings.spec().variant() else { return };
    let mut chosen = current;
    egui::ComboBox::from_label("variant").selected_text(chosen.name()).show_ui(ui, |ui| {
        for &v in info.design.variants() {
            ui.selectable_value(&mut chosen, v, v.name()).on_hover_text(v.help());
        }
    });
    if chosen != current {
        settings.spec_mut().variant = Some(chosen);
    }
    ui.label(RichText::new(chosen.help()).small());
}

/// The text file a workload reads, or its built-in generator.
fn text_file(ui: &mut egui::Ui, app: &mut Controls<'_>, actions: &mut Vec<Action>) {
    egui::Grid::new("text-path").num_columns(2).show(ui, |ui| {
        path_row(ui, "text file", &mut app.paths.text, |ui| {
            if ui.button("Open text...").clicked() {
                actions.push(Action::PickText);
            }
        });
    });
    ui.horizontal(|ui| match &app.settings.spec().file {
        Some(f) => {
            ui.label(RichText::new(f.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned())).monospace());
            if ui.small_button("use generator").clicked() {
                app.settings.spec_mut().file = None;
            }
        }
        None => {
            ui.label(RichText::new("built-in generator").weak());
        }
    });
}

/// The feeder picker, or why a workload of its own design has none.
fn feeder_picker(ui: &mut egui::Ui, settings: &mut Settings, info: &WorkloadInfo) {
    if info.design == Design::Program {
        ui.label(RichText::new(info.design.auto_means()).small());
        return;
    }
    if !info.design.takes_feeder() {
        ui.label(RichText::new("This workload runs its own design (pick it as the variant): the feeder and the GIL do not apply.").small());
        return;
    }
    egui::ComboBox::from_label("feeder").selected_text(settings.feeder.name()).show_ui(ui, |ui| {
        for f in FeederKind::ALL {
            ui.selectable_value(&mut settings.feeder, f, f.name()).on_hover_text(f.explain());
        }
    });
    ui.label(RichText::new(settings.feeder.explain()).small());
}

/// The threads slider, or the parameter that fixes the threads. A typed
/// count becomes a [`Threads`] here: one that is not a thread count shows its
/// error under the slider and the last valid count stays; a count past the
/// slider (4x the cores) is brought to its end, and says so.
fn threads_control(ui: &mut egui::Ui, settings: &mut Settings, cores: usize, info: &WorkloadInfo, actions: &mut Vec<Action>) {
    if let Some(param) = info.design.threads_param() {
        ui.label(RichText::new(format!("threads: one per aggregate ({param} = {})", settings.spec().get(param))).small());
        return;
    }
    let top = capped_threads(4 * cores);
    let mut typed = settings.threads.get();
    let slider = egui::Slider::new(&mut typed, 1..=top.get()).text("threads").clamping(egui::SliderClamping::Never);
    let response = ui.add(slider);
    core_marker(ui, response.rect, cores, top.get());
    let error = egui::Id::unique("controls/threads-error");
    match Threads::new(typed) {
        Err(e) => {
            let msg = format!("threads: {e}; kept {}", settings.threads);
            ui.data_mut(|d| d.insert_temp(error, msg));
        }
        Ok(t) if t > top => {
            settings.threads = top;
            actions.push(Action::Say(format!("threads: {typed} is outside 1..={top}, so it was set to {top}.")));
        }
        Ok(t) => {
            if response.changed() {
                ui.data_mut(|d| d.remove::<String>(error));
            }
            settings.threads = t;
        }
    }
    if let Some(msg) = ui.data(|d| d.get_temp::<String>(error)) {
        ui.label(RichText::new(msg).color(ERROR));
    }
}

/// The chunk size field: `auto` or items per chunk, turned into a
/// [`ChunkSize`] here. Text that is not one shows its error under the field
/// and is returned (the start buttons stay off); the settings keep the last
/// valid size.
fn chunk_field(ui: &mut egui::Ui, settings: &mut Settings, texts: &mut BTreeMap<String, String>) -> Option<String> {
    let help = format!("auto, or items per chunk (1 to {})", crate::engine::MAX_CHUNK);
    let text = texts.entry(CHUNK_TEXT.to_string()).or_insert_with(|| settings.chunk.to_string());
    // Set elsewhere (loaded, a test): the field follows, unless it holds a mistake to fix.
    if text.parse::<ChunkSize>().is_ok_and(|c| c != settings.chunk) {
        *text = settings.chunk.to_string();
    }
    egui::Grid::new("chunk").num_columns(2).show(ui, |ui| {
        let label = ui.label("chunk size").on_hover_text(&help);
        ui.add(egui::TextEdit::singleline(text).hint_text("auto").desired_width(110.0)).labelled_by(label.id).on_hover_text(&help);
        ui.end_row();
    });
    match text.parse::<ChunkSize>() {
        Ok(chunk) => {
            settings.chunk = chunk;
            None
        }
        Err(e) => {
            let msg = e.to_string();
            ui.label(RichText::new(&msg).color(ERROR));
            Some(msg)
        }
    }
}

/// Repetitions, warm-up, drawing and the thread sweep's steps.
fn measurement(ui: &mut egui::Ui, settings: &mut Settings, actions: &mut Vec<Action>) {
    ui.collapsing("Measurement", |ui| {
        clamped_slider(ui, &mut settings.reps, 1..=20, "repetitions", false, actions);
        clamped_slider(ui, &mut settings.warmup, 0..=5, "warm-up runs", false, actions);
        ui.checkbox(&mut settings.quiet, "quiet: draw between runs only, from the first repetition on").on_hover_text(
            "Drawing the live plots takes CPU (a lot with software rendering); on a machine with few cores that is taken from the run.",
        );
        ui.horizontal(|ui| {
            ui.label("thread sweep:");
            ui.radio_value(&mut settings.steps, ThreadSteps::Doubling, "1, 2, 4, ...");
            ui.radio_value(&mut settings.steps, ThreadSteps::EveryOne, "every count");
        });
    });
}

/// The buttons that start a job, off while one runs or while `problem` (a
/// field's error) stands, and the notes on what they compare.
fn start_buttons(ui: &mut egui::Ui, app: &mut Controls<'_>, info: &WorkloadInfo, problem: Option<String>, actions: &mut Vec<Action>) {
    if let Some(why) = &problem {
        ui.label(RichText::new(format!("The buttons are off until the field above is fixed ({why}).")).color(ERROR).small());
    }
    let cores = app.cores.max(1);
    let own_design = !info.design.takes_feeder();
    ui.add_enabled_ui(!app.running && problem.is_none(), |ui| {
        ui.horizontal_wrapped(|ui| {
            let mut button = |kind: JobKind, shown: bool, text: &str, hover: String| {
                if shown && ui.button(text).on_hover_text(hover).clicked() {
                    actions.push(Action::Start(kind));
                }
            };
            let threads = app.settings.thread_list();
            let compare = app.settings.compare_threads(cores);
            button(JobKind::Once, true, "Run", "One configuration, against the sequential reference".into());
            button(JobKind::Variants, !info.design.variants().is_empty(), "Compare variants", "every variant at these settings".into());
            button(JobKind::Threads, info.design.threads_param().is_none(), "Sweep threads", format!("threads {threads:?}"));
            let weak = crate::experiment::weak::check(&app.settings.spec()).is_ok();
            button(JobKind::Weak, weak, "Weak scaling", format!("threads {threads:?}, and each count again with n grown with it"));
            let chunks = info.design != Design::Program;
            button(JobKind::Chunks, chunks, "Sweep chunks", "chunk 1, 10, ..., 1,000,000 and auto".into());
            button(JobKind::Feeders, !own_design, "Compare feeders", format!("every feeder at {compare} threads"));
            button(JobKind::Gil, !own_design, "GIL off vs on", format!("threads up to {compare}, GIL off and on"));
        });
        compare_notes(ui, app.settings, cores, info);
    });
}

/// Where "Compare feeders" and "GIL off vs on" stop, and which variants
/// "Compare variants" leaves out.
fn compare_notes(ui: &mut egui::Ui, settings: &mut Settings, cores: usize, info: &WorkloadInfo) {
    if info.design.takes_feeder() && settings.threads.get() > cores {
        let at = settings.compare_threads(cores);
        let note = if settings.compare_oversubscribed {
            format!("Compare feeders and GIL off vs on run at {at} threads, past the {cores} cores: oversubscribed.")
        } else {
            format!("Compare feeders and GIL off vs on run at {at} threads (the core count), not the slider's {}.", settings.threads)
        };
        ui.label(RichText::new(note).small().weak());
        ui.checkbox(&mut settings.compare_oversubscribed, "compare at the slider's thread count");
    }
    if !info.design.variants().is_empty()
        && let Some(why) = settings.compare_variants().1
    {
        ui.label(RichText::new(why).small().weak());
    }
}

/// Cancel, red while a job runs.
fn cancel_button(ui: &mut egui::Ui, running: bool, actions: &mut Vec<Action>) {
    let color = if running { Color32::from_rgb(230, 90, 70) } else { Color32::GRAY };
    if ui.add_enabled(running, egui::Button::new(RichText::new("Cancel").color(color))).clicked() {
        actions.push(Action::Cancel);
    }
}

/// Open, save, export and clear, each with a path of its own.
fn results_files(ui: &mut egui::Ui, app: &mut Controls<'_>, actions: &mut Vec<Action>) {
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
        path_row(ui, "report file", &mut app.paths.report, |ui| {
            if ui
                .button("Save report...")
                .on_hover_text("One HTML page of the experiments shown: plots, verdicts, machine; opens offline")
                .clicked()
            {
                actions.push(Action::SaveReport(None));
            }
            if ui.button("Copy as Markdown").on_hover_text("The table and the verdicts, to paste into an issue or a pull request").clicked()
            {
                actions.push(Action::CopyMarkdown);
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
        ui.label(RichText::new(msg).color(ERROR));
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
