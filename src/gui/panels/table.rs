//! The results table.

use eframe::egui::{self, Color32, RichText};

use super::Action;
use crate::gui::files::SaveFormat;
use crate::gui::plot_data::Labelled;
use crate::workloads::ResultValue;

/// Draws one row per run of every source.
pub fn ui(ui: &mut egui::Ui, sources: &[Labelled<'_>], actions: &mut Vec<Action>) {
    if sources.is_empty() {
        ui.label("No results for this workload yet.");
        return;
    }
    ui.horizontal(|ui| {
        if ui.button("Save JSON...").clicked() {
            actions.push(Action::Save(SaveFormat::Json));
        }
        if ui.button("Save CSV...").clicked() {
            actions.push(Action::Save(SaveFormat::Csv));
        }
        if ui
            .button("Save Extra-P...")
            .on_hover_text("Extra-P's text input: parameter p = threads, a region per feeder and chunk size, every repetition")
            .clicked()
        {
            actions.push(Action::Save(SaveFormat::Extrap));
        }
    });
    egui::ScrollArea::both().show(ui, |ui| {
        egui::Grid::new("results").striped(true).num_columns(12).show(ui, |ui| {
            for h in [
                "source",
                "workload",
                "feeder / variant",
                "threads",
                "chunk",
                "GIL",
                "median",
                "speedup",
                "efficiency",
                "peak held",
                "result",
                "verified",
            ] {
                ui.strong(h);
            }
            ui.end_row();
            for (label, file) in sources {
                if let Some(baseline) = &file.baseline {
                    ui.label(*label);
                    ui.label(file.workload.name.name());
                    ui.label("sequential reference");
                    ui.label("1");
                    ui.label("-");
                    ui.label("-");
                    ui.label(format!("{:.1} ms", baseline.median_s * 1e3));
                    ui.label("1.00");
                    ui.label("1.00");
                    ui.label("-");
                    ui.label(result(&baseline.result));
                    ui.label("-");
                    ui.end_row();
                }
                for r in &file.runs {
                    ui.label(*label);
                    ui.label(file.workload.name.name());
                    ui.label(r.variant.map_or(r.feeder.name(), |v| v.name()))
                        .on_hover_text(r.plan.clone().unwrap_or_else(|| r.used.clone()));
                    ui.label(r.threads.to_string());
                    ui.label(r.chunk_size.to_string());
                    ui.label(if r.gil { "on" } else { "off" });
                    ui.label(format!("{:.1} ms", r.median_s * 1e3));
                    ui.label(format!("{:.2}", r.speedup));
                    ui.label(format!("{:.2}", r.efficiency));
                    ui.label(r.buffer.as_ref().map_or("-".to_string(), |b| match b.bound {
                        Some(bound) => format!("{} / {bound} {}", b.peak, b.unit),
                        None => format!("{} {} (no bound)", b.peak, b.unit),
                    }));
                    ui.label(result(&r.result));
                    if r.verified {
                        ui.label(RichText::new("verified").color(Color32::from_rgb(70, 170, 90)));
                    } else {
                        ui.label(RichText::new("WRONG").color(Color32::from_rgb(220, 60, 60)));
                    }
                    ui.end_row();
                }
            }
        });
    });
}

fn result(v: &ResultValue) -> String {
    v.to_string()
}
