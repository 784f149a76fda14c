//! The status bar: what runs, how far, what is left, and frame times.

use eframe::egui;

use crate::gui::app::ScalescopeApp;
use crate::gui::live::eta_s;

/// Draws the status bar.
pub fn ui(ui: &mut egui::Ui, app: &ScalescopeApp) {
    ui.horizontal(|ui| {
        match &app.job {
            Some(job) => {
                let elapsed = job.started.elapsed().as_secs_f64();
                // No `ui.spinner()`: it repaints every frame, which would undo the
                // app's throttled repaint and take a core from the run.
                ui.label(["|", "/", "-", "\\"][(elapsed * 10.0) as usize % 4]);
                ui.label(format!(
                    "{} - run {} of {} - {:.1} s elapsed",
                    job.label,
                    (app.runs_done + 1).min(job.total_runs),
                    job.total_runs,
                    elapsed
                ));
                match eta_s(elapsed, app.runs_done, job.total_runs) {
                    Some(eta) => ui.label(format!("about {eta:.0} s left")),
                    None => ui.label("estimating time left..."),
                };
                if job.is_cancelling() {
                    ui.label("cancelling");
                }
            }
            None => {
                ui.label("idle");
            }
        }
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            if let Some(p95) = app.frame_p95_ms() {
                ui.label(egui::RichText::new(format!("frame build p95 {p95:.2} ms")).weak());
            }
        });
    });
}
