//! The lesson view: one lesson on the whole window, for a class at a
//! projector. Large type, the lesson's text beside its own experiment (and
//! nothing else), one headline in large numbers that agrees with the
//! diagnosis, the live picture while its run goes on, and the way to the
//! previous and next lesson and back to the tabs.

use eframe::egui::{self, RichText, TextStyle};

use super::Action;
use super::learn::{LESSONS, Lesson};
use crate::analysis::headline::headlines;
use crate::export::plot_data::Analysed;
use crate::gui::jobs::Jobs;
use crate::gui::state::Settings;

/// Below this width (points) the text goes above the picture, not beside it.
const SIDE_BY_SIDE: f32 = 900.0;

/// What the lesson view draws.
#[derive(Debug)]
pub struct LessonView<'a> {
    /// Which lesson (an index into the Learn tab's lessons).
    pub index: usize,
    /// The lesson's latest experiment's key, if it has run.
    pub key: Option<crate::gui::shelf::Key>,
    /// The lesson's latest experiment, if it has run.
    pub experiment: Option<Analysed<'a>>,
    /// The job, for the live picture while one runs.
    pub jobs: &'a Jobs,
    /// The person's settings (a lesson keeps their repetitions).
    pub settings: &'a Settings,
    /// The machine's logical cores.
    pub cores: usize,
}

/// Draws the lesson view; `whole` is the live plot's span (as on the Live tab).
pub fn ui(ui: &mut egui::Ui, view: &LessonView<'_>, whole: &mut bool, actions: &mut Vec<Action>) {
    let Some(lesson) = LESSONS.get(view.index) else { return };
    // Large type for the words; the plots keep theirs, so their tick labels fit between the ticks.
    ui.scope(|ui| {
        large_type(ui.style_mut());
        nav(ui, view, actions);
    });
    ui.separator();
    let running = view.jobs.is_running();
    if ui.available_width() >= SIDE_BY_SIDE {
        ui.columns(2, |cols| {
            let [text, picture] = cols else { return };
            egui::ScrollArea::vertical().id_salt("lesson text").show(text, |ui| {
                // Clear of the scroll bar.
                ui.set_max_width(ui.available_width() - 14.0);
                words(ui, view, lesson, running, actions);
            });
            picture_of(picture, view, whole);
        });
    } else {
        egui::ScrollArea::vertical().id_salt("lesson").show(ui, |ui| {
            ui.scope(|ui| words(ui, view, lesson, running, actions));
            ui.separator();
            picture_of(ui, view, whole);
        });
    }
}

/// Type a class reads from the back of the room.
fn large_type(style: &mut egui::Style) {
    for (text_style, size) in [(TextStyle::Body, 20.0), (TextStyle::Button, 20.0), (TextStyle::Heading, 30.0), (TextStyle::Small, 16.0)] {
        if let Some(font) = style.text_styles.get_mut(&text_style) {
            font.size = size;
        }
    }
    style.spacing.button_padding = egui::vec2(10.0, 6.0);
}

/// Previous, which lesson, next; Cancel while a run goes on; the controls;
/// back to the tabs.
fn nav(ui: &mut egui::Ui, view: &LessonView<'_>, actions: &mut Vec<Action>) {
    let (index, controls) = (view.index, view.settings.lesson_controls);
    ui.horizontal_wrapped(|ui| {
        if ui.add_enabled(index > 0, egui::Button::new("< Previous")).clicked() {
            actions.push(Action::Lesson(Some(index - 1)));
        }
        ui.label(RichText::new(format!("Lesson {} of {}", index + 1, LESSONS.len())).strong());
        if ui.add_enabled(index + 1 < LESSONS.len(), egui::Button::new("Next >")).clicked() {
            actions.push(Action::Lesson(Some(index + 1)));
        }
        ui.separator();
        // The controls' Cancel is folded away with them: the run can be stopped here.
        if view.jobs.is_running() && !controls && ui.button("Cancel").clicked() {
            actions.push(Action::Cancel);
        }
        if ui.button(if controls { "Hide the controls" } else { "Show the controls" }).clicked() {
            actions.push(Action::ToggleControls);
        }
        if ui.button("Back to the tabs").clicked() {
            actions.push(Action::Lesson(None));
        }
    });
}

/// The title, the headline, the lesson's text and its button, in large type.
fn words(ui: &mut egui::Ui, view: &LessonView<'_>, lesson: &Lesson, running: bool, actions: &mut Vec<Action>) {
    large_type(ui.style_mut());
    ui.heading(lesson.title);
    headline(ui, view.experiment.as_ref());
    ui.add_space(8.0);
    ui.label(lesson.text);
    ui.add_space(8.0);
    let button = if view.experiment.is_some() { format!("Run it again: {}", after_try(lesson.button)) } else { lesson.button.to_string() };
    if ui.add_enabled(!running, egui::Button::new(RichText::new(button).strong())).clicked() {
        let (s, kind) = lesson.plan(view.settings);
        actions.push(Action::Try(view.index, Box::new(s), kind));
    }
    if running {
        ui.label(RichText::new("A run is going on: the picture is live.").weak());
    } else if view.key.is_some()
        && ui.button("Save a report of this lesson's run...").on_hover_text("one HTML page: the handout of what the class saw").clicked()
    {
        actions.push(Action::SaveReport(view.key));
    }
}

/// `Try it: primes, thread sweep` without its `Try it: `.
fn after_try(button: &str) -> &str {
    button.strip_prefix("Try it: ").unwrap_or(button)
}

/// The experiment's headlines in large numbers, each with its verdict.
fn headline(ui: &mut egui::Ui, experiment: Option<&Analysed<'_>>) {
    let Some((label, exp, analysis)) = experiment else {
        ui.label(RichText::new("Not run yet on this machine: press the button below.").size(22.0));
        return;
    };
    for h in headlines(exp, analysis) {
        ui.label(RichText::new(h.numbers()).size(30.0).strong());
        if !h.verdict.is_empty() {
            ui.label(RichText::new(&h.verdict).size(22.0));
        }
    }
    ui.label(RichText::new(format!("{label}: {} ({})", crate::untrusted::escape(&exp.name), exp.created)).weak());
}

/// The live picture while a run goes on; else the lesson's experiment on
/// the plots (its plots only).
fn picture_of(ui: &mut egui::Ui, view: &LessonView<'_>, whole: &mut bool) {
    if view.jobs.is_running() {
        super::live_view::ui(ui, view.jobs, whole);
        return;
    }
    let Some(exp) = view.experiment else {
        ui.label("The plots of this lesson's run appear here.");
        return;
    };
    egui::ScrollArea::vertical().id_salt("lesson plots").show(ui, |ui| {
        super::scaling::ui(ui, &[exp], exp.1.workload.name, view.cores);
    });
}
