//! The results table.

use eframe::egui::{self, Color32, RichText};

use super::Action;
use crate::export::plot_data::Labelled;
use crate::gui::files::SaveFormat;
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
                // A weak-scaling experiment names the size of every row; its grown sizes follow.
                let at = |n: u64| match &file.weak {
                    Some(w) => format!("{}, {} = {}", file.workload.name, w.param, crate::units::fmt_count(n)),
                    None => file.workload.name.name().to_string(),
                };
                let base = file.weak.as_ref().map_or(0, |w| w.base);
                // A program: named by its own name, its feeder and chunk size mean nothing.
                let program = file.workload.command.as_ref().map(|c| crate::untrusted::escape(&c.program()).into_owned());
                let program = program.as_deref();
                if let Some(baseline) = &file.baseline {
                    reference_row(ui, label, &at(base), baseline);
                }
                for r in &file.runs {
                    run_row(ui, label, &at(base), r, program);
                }
                for step in file.weak.iter().flat_map(|w| &w.steps) {
                    if let Some(baseline) = &step.baseline {
                        reference_row(ui, label, &at(step.size), baseline);
                    }
                    for r in &step.runs {
                        run_row(ui, label, &at(step.size), r, program);
                    }
                }
            }
        });
    });
}

/// The plain loop's row: what every speedup below it (of the same size) is against.
fn reference_row(ui: &mut egui::Ui, label: &str, workload: &str, baseline: &crate::experiment::Baseline) {
    ui.label(label);
    ui.label(workload);
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

/// One run's row; `program`: the program's name, for a command's runs.
fn run_row(ui: &mut egui::Ui, label: &str, workload: &str, r: &crate::experiment::RunRecord, program: Option<&str>) {
    ui.label(label);
    ui.label(workload);
    match program {
        Some(name) => {
            let cpu = r.process.iter().map(crate::program::TreeUse::cores_used).sum::<f64>() / r.process.len().max(1) as f64;
            ui.label(name).on_hover_text(format!("your program, {cpu:.2} cores busy on average"));
        }
        None => {
            ui.label(r.variant.map_or(r.feeder.name(), |v| v.name())).on_hover_text(r.plan.clone().unwrap_or_else(|| r.used.clone()));
        }
    }
    ui.label(r.threads.to_string());
    ui.label(if program.is_some() { "-".to_string() } else { r.chunk_size.to_string() });
    ui.label(if program.is_some() {
        "-"
    } else if r.gil {
        "on"
    } else {
        "off"
    });
    ui.label(format!("{:.1} ms", r.median_s * 1e3));
    ui.label(format!("{:.2}", r.speedup));
    ui.label(format!("{:.2}", r.efficiency));
    let peak = r.process.iter().map(|p| p.peak_rss_bytes).max().filter(|_| program.is_some());
    ui.label(match (peak, &r.buffer) {
        (Some(bytes), _) => format!("{} memory", crate::units::human_bytes(bytes)),
        (None, None) => "-".to_string(),
        (None, Some(b)) => match b.bound {
            Some(bound) => format!("{} / {bound} {}", b.peak, b.unit),
            None => format!("{} {} (no bound)", b.peak, b.unit),
        },
    });
    ui.label(result(&r.result));
    if r.verified {
        ui.label(RichText::new("verified").color(Color32::from_rgb(70, 170, 90)));
    } else {
        ui.label(RichText::new("WRONG").color(Color32::from_rgb(220, 60, 60)));
    }
    ui.end_row();
}

fn result(v: &ResultValue) -> String {
    v.to_string()
}
