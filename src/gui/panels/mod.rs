//! One module per panel. Each draws from state it is given and reports what
//! the user asked for as [`super::app::Action`]s; none starts work itself.

pub mod controls;
pub mod experiments;
pub mod learn;
pub mod live_view;
pub mod scaling;
pub mod status;
pub mod table;
pub mod variants;
pub mod why;

use eframe::egui;

/// A short "how to read this" hint under a plot.
pub fn hint(ui: &mut egui::Ui, text: &str) {
    ui.label(egui::RichText::new(format!("How to read this: {text}")).small().weak());
}
