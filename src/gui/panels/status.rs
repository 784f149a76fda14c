//! The status bar: what runs, how far, what is left, frame times and the zoom.

use eframe::egui;

use crate::gui::jobs::Jobs;
use crate::gui::live::eta_s;

/// Draws the status bar.
pub fn ui(ui: &mut egui::Ui, jobs: &Jobs, frame_p95_ms: Option<f32>, zoom: f32) {
    ui.horizontal(|ui| {
        match &jobs.job {
            Some(job) => {
                let elapsed = job.started.elapsed().as_secs_f64();
                // No `ui.spinner()`: it repaints every frame, which would undo the
                // app's throttled repaint and take a core from the run.
                ui.label(["|", "/", "-", "\\"][(elapsed * 10.0) as usize % 4]);
                ui.label(format!(
                    "{} - run {} of {} - {:.1} s elapsed",
                    job.label,
                    (jobs.runs_done + 1).min(job.total_runs),
                    job.total_runs,
                    elapsed
                ));
                match eta_s(elapsed, jobs.runs_done, job.total_runs) {
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
            ui.label(egui::RichText::new(format!("zoom {:.0}% (Ctrl +/-, Ctrl 0)", zoom * 100.0)).weak());
            if let Some(p95) = frame_p95_ms {
                ui.label(egui::RichText::new(format!("frame build p95 {p95:.2} ms  |")).weak());
            }
        });
    });
}
