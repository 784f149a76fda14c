//! One module per panel. Each draws from state it is given and reports what
//! the user asked for as [`Action`]s; none starts work itself.

pub mod axes;
pub mod bars;
pub mod command;
pub mod compare;
pub mod controls;
pub mod crossover;
pub mod experiments;
pub mod learn;
pub mod lesson_view;
pub mod live_view;
pub mod scaling;
pub mod status;
pub mod table;
pub mod variants;
pub mod what_if;
pub mod why;

use eframe::egui;

use super::state::{JobKind, Settings};

/// What a panel asks the app to do.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Start a job of this kind with the current settings.
    Start(JobKind),
    /// Cancel the running job.
    Cancel,
    /// Pick a text file for word-count (file dialog).
    PickText,
    /// Pick a results file to lay over this machine's curves (file dialog).
    PickResults,
    /// Save the shown results (file dialog): JSON, CSV or Extra-P text.
    Save(crate::gui::files::SaveFormat),
    /// Save one experiment on its own (file dialog, or the typed path).
    SaveOne(crate::gui::shelf::Key, crate::gui::files::SaveFormat),
    /// Save a report (one HTML page) of the experiments shown, or (`Some`)
    /// of that one experiment (a lesson's).
    SaveReport(Option<crate::gui::shelf::Key>),
    /// Copy a Markdown summary of the experiments shown to the clipboard.
    CopyMarkdown,
    /// Export the tab on show as a PNG (file dialog).
    ExportPng,
    /// Hide every experiment from the plots.
    Clear,
    /// Start lesson `i`'s job with its own settings (the controls keep
    /// theirs) and show the lesson view.
    Try(usize, Box<Settings>, JobKind),
    /// Show the lesson view of lesson `i`, or (`None`) the tabs again.
    Lesson(Option<usize>),
    /// Show or hide the control panel.
    ToggleControls,
    /// Show (true) or hide an experiment on the plots.
    SetShown(crate::gui::shelf::Key, bool),
    /// Rename an experiment (saved to the library).
    Rename(crate::gui::shelf::Key, String),
    /// Delete an experiment (from the list and the library; undo restores it).
    Delete(crate::gui::shelf::Key),
    /// Restore the experiment deleted last.
    UndoDelete,
    /// Set the controls as this experiment ran, to run it again here (a
    /// command in it is shown to the person before it runs).
    UseSettings(crate::gui::shelf::Key),
    /// Tell the person something on the message line (e.g. that a value was clamped).
    Say(String),
    /// Run a what-if prediction into its experiment ("Check it").
    Check(Box<what_if::CheckRequest>),
    /// Search where the controls' thread count beats the plain loop.
    FindCrossover,
    /// Stop that search.
    CancelCrossover,
}

/// A short "how to read this" hint under a plot.
pub fn hint(ui: &mut egui::Ui, text: &str) {
    ui.label(egui::RichText::new(format!("How to read this: {text}")).small().weak());
}

/// A colour chip and its name: one entry of a legend drawn outside a plot.
/// One widget, so that a wrapped row of chips wraps between entries.
pub fn chip(ui: &mut egui::Ui, color: egui::Color32, text: &str) {
    let font = egui::TextStyle::Small.resolve(ui.style());
    let galley = ui.painter().layout_no_wrap(text.to_string(), font, ui.visuals().text_color());
    let size = egui::vec2(16.0 + galley.size().x, galley.size().y.max(12.0));
    let (rect, response) = ui.allocate_exact_size(size, egui::Sense::hover());
    let square = egui::Rect::from_min_size(egui::pos2(rect.left(), rect.center().y - 6.0), egui::vec2(12.0, 12.0));
    ui.painter().rect_filled(square, 2.0, color);
    ui.painter().galley(egui::pos2(rect.left() + 16.0, rect.top()), galley, ui.visuals().text_color());
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Label, true, text));
}
