//! The status bar: what runs, how far, what is left, and the zoom, on one
//! line that never grows (a long label is cut short, whole on hover). The
//! frame build time is for developers: shown only with
//! `SCALESCOPE_FRAME_STATS` set.

use std::sync::LazyLock;

use eframe::egui;

use crate::gui::jobs::Jobs;
use crate::gui::live::eta_s;

/// Whether `SCALESCOPE_FRAME_STATS` is set (read once).
static FRAME_STATS: LazyLock<bool> = LazyLock::new(|| std::env::var_os("SCALESCOPE_FRAME_STATS").is_some());

/// Draws the status bar; `frame_p95_ms` shows only with `SCALESCOPE_FRAME_STATS` set.
pub fn ui(ui: &mut egui::Ui, jobs: &Jobs, frame_p95_ms: Option<f32>, zoom: f32) {
    ui.horizontal(|ui| {
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            ui.label(egui::RichText::new(format!("zoom {:.0}% (Ctrl +/-, Ctrl 0)", zoom * 100.0)).weak());
            if *FRAME_STATS && let Some(p95) = frame_p95_ms {
                ui.label(egui::RichText::new(format!("frame build p95 {p95:.2} ms  |")).weak());
            }
            // What is left of the line, from the left: cut short, never wrapped.
            ui.with_layout(egui::Layout::left_to_right(egui::Align::Center), |ui| {
                ui.add(egui::Label::new(line(jobs)).truncate());
            });
        });
    });
}

/// The running job in one line: a turning bar, its label, the run, the time and what is left.
fn line(jobs: &Jobs) -> String {
    let Some(job) = &jobs.job else { return "idle".to_string() };
    let elapsed = job.started.elapsed().as_secs_f64();
    // No `ui.spinner()`: it repaints every frame, which would undo the
    // app's throttled repaint and take a core from the run.
    let bar = ["|", "/", "-", "\\"][(elapsed * 10.0) as usize % 4];
    let left = match eta_s(elapsed, jobs.runs_done, job.total_runs) {
        Some(eta) => format!("about {eta:.0} s left"),
        None => "estimating time left...".to_string(),
    };
    let cancelling = if job.is_cancelling() { " - cancelling" } else { "" };
    format!(
        "{bar} {} - run {} of {} - {elapsed:.1} s elapsed, {left}{cancelling}",
        job.label,
        (jobs.runs_done + 1).min(job.total_runs),
        job.total_runs
    )
}
