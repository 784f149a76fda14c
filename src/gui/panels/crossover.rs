//! "Where parallel pays": the "Find the crossover" button, the points of
//! the search as they are measured (speedup over the plain loop against
//! `n`, on a log axis), and its answer in one sentence.

use eframe::egui::{self, Color32, RichText};
use egui_plot::{HLine, Line, LineStyle, Points};

use super::Action;
use super::axes::{self, AxisSpec};
use crate::gui::crossover::CrossoverSearch;

/// Draws the section; `busy` while a job runs (no search can start then).
pub fn ui(ui: &mut egui::Ui, search: &CrossoverSearch, busy: bool, actions: &mut Vec<Action>) {
    ui.heading("Where parallel pays");
    ui.label(
        "Find the size n above which the chosen thread count beats the plain loop: it measures n = 1,000, 10,000, ... until threads win, then narrows in where a model of the two lines says they cross, and names the best chunk size there.",
    );
    ui.horizontal(|ui| {
        if search.is_running() {
            // No spinner: an animation redraws every frame and takes a core
            // from the measurement (it made 2 threads read 2x slower here).
            ui.label(format!("Measuring {}: {} points so far...", search.what, search.points.len()));
            if ui.button("Cancel the search").clicked() {
                actions.push(Action::CancelCrossover);
            }
        } else {
            let button = ui.add_enabled(!busy, egui::Button::new("Find the crossover")).on_disabled_hover_text("a job is running");
            if button.on_hover_text("Uses the controls' workload and thread count").clicked() {
                actions.push(Action::FindCrossover);
            }
        }
    });
    match &search.result {
        Some(Ok(found)) => {
            ui.label(RichText::new(format!("{}: {}", search.what, found.words())).strong());
        }
        Some(Err(e)) => {
            ui.label(RichText::new(format!("No answer: {e}")).color(Color32::from_rgb(230, 90, 80)));
        }
        None => {}
    }
    if !search.points.is_empty() {
        plot(ui, search);
    }
}

/// Speedup over the plain loop against n (log axis), with the line y = 1.
fn plot(ui: &mut egui::Ui, search: &CrossoverSearch) {
    let pts: Vec<[f64; 2]> = search.points.iter().map(|p| [(p.n as f64).log10(), p.speedup]).collect();
    let top = pts.iter().map(|p| p[1]).fold(1.2, f64::max) * 1.1;
    let plot = axes::plot("crossover", AxisSpec::log("n (log scale)"), AxisSpec::numbers("speedup over the plain loop"))
        .height(220.0)
        .allow_scroll(false)
        .include_y(0.0)
        .include_y(top);
    plot.show(ui, |plot| {
        plot.hline(HLine::new("the plain loop (1x)", 1.0).color(Color32::GRAY).style(LineStyle::dashed_loose()));
        plot.line(Line::new("threads", pts.clone()).color(super::scaling::palette(0)).width(2.0));
        plot.points(Points::new("measured n", pts).color(super::scaling::palette(0)).radius(4.0));
    });
    super::hint(
        ui,
        "each dot is one n, timed against the plain loop at that n (the best chunk size of the dispenser there); above the dashed line the threads win.",
    );
}
