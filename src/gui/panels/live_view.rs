//! The live view: throughput over time and one bar per worker.

use eframe::egui::{self, Color32, RichText};
use egui_plot::{Legend, Line, Plot};

use super::hint;
use crate::gui::live::{LiveRun, time_split, total_rate, worker_rate};
use crate::gui::runner::Job;

const BUSY: Color32 = Color32::from_rgb(70, 160, 90);
const WAIT: Color32 = Color32::from_rgb(220, 150, 50);
const IDLE: Color32 = Color32::from_rgb(120, 120, 130);

/// Draws the live view of the current engine call.
pub fn ui(ui: &mut egui::Ui, live: &LiveRun, job: Option<&Job>, runs_done: usize) {
    if job.is_none() && live.workers.is_empty() {
        ui.label("Nothing running. Pick a workload and press Run, or open the Learn tab.");
        return;
    }
    ui.horizontal_wrapped(|ui| {
        ui.label(RichText::new(&live.label).strong());
        if !live.used.is_empty() {
            ui.label(RichText::new(format!("ran: {}", live.used)).weak());
        }
        ui.label(format!("{:.2} s, {} items", live.elapsed_s, fmt_count(live.items())));
        if let Some(job) = job {
            ui.label(format!("(run {} of {})", (runs_done + 1).min(job.total_runs), job.total_runs));
        }
    });
    if let Some(plan) = &live.plan {
        ui.label(RichText::new(format!("auto decided: {plan}")).small());
    }

    let bars_height = (live.workers.len() as f32 * 22.0 + 40.0).min(ui.available_height() * 0.45);
    let plot_height = (ui.available_height() - bars_height - 40.0).max(120.0);
    Plot::new("throughput")
        .height(plot_height)
        .legend(Legend::default())
        .x_axis_label("seconds")
        .y_axis_label("items / s")
        .allow_scroll(false)
        .show(ui, |plot| {
            plot.line(Line::new("all workers", total_rate(&live.history, 0.1)).width(2.5).color(Color32::from_rgb(80, 140, 230)));
            if live.workers.len() <= 32 {
                for (i, h) in live.history.iter().enumerate() {
                    plot.line(Line::new(format!("worker {i}"), worker_rate(h, 3)).width(1.0));
                }
            }
        });
    hint(
        ui,
        "the thick line is the items per second of all workers together; thin lines are each worker. Flat and equal thin lines mean the work is shared evenly. This window's own drawing takes some CPU too: on a machine with few cores, `scalescope sweep` measures without it.",
    );

    ui.separator();
    ui.horizontal(|ui| {
        ui.label(RichText::new("per worker:").strong());
        legend_chip(ui, BUSY, "busy in map");
        legend_chip(ui, WAIT, "waiting for input");
        legend_chip(ui, IDLE, "idle / not started / done");
    });
    egui::ScrollArea::vertical().id_salt("workers").show(ui, |ui| {
        let max_items = live.workers.iter().map(|w| w.items).max().unwrap_or(0).max(1);
        for w in &live.workers {
            ui.horizontal(|ui| {
                ui.label(
                    RichText::new(format!("w{:<2} {:>12} items {:>7} chunks", w.worker, fmt_count(w.items), fmt_count(w.chunks)))
                        .monospace(),
                );
                let width = (ui.available_width() - 10.0).max(100.0);
                let (rect, resp) = ui.allocate_exact_size(egui::vec2(width, 16.0), egui::Sense::hover());
                let p = ui.painter();
                // Top half: items done relative to the busiest worker.
                let top = egui::Rect::from_min_size(rect.min, egui::vec2(rect.width() * w.items as f32 / max_items as f32, 6.0));
                p.rect_filled(top, 1.0, Color32::from_rgb(80, 140, 230));
                // Bottom: the time split.
                let (busy, wait, idle) = time_split(w, live.elapsed_s);
                let mut x = rect.left();
                for (frac, color) in [(busy, BUSY), (wait, WAIT), (idle, IDLE)] {
                    let seg = egui::Rect::from_min_size(egui::pos2(x, rect.top() + 8.0), egui::vec2(rect.width() * frac as f32, 8.0));
                    p.rect_filled(seg, 0.0, color);
                    x += seg.width();
                }
                resp.on_hover_text(format!(
                    "worker {}: {} items in {} chunks\nbusy {:.3} s ({:.0}%), waiting {:.3} s ({:.0}%), idle {:.0}%",
                    w.worker,
                    w.items,
                    w.chunks,
                    w.busy_s,
                    busy * 100.0,
                    w.wait_s,
                    wait * 100.0,
                    idle * 100.0
                ));
            });
        }
    });
}

fn legend_chip(ui: &mut egui::Ui, color: Color32, text: &str) {
    let (rect, _) = ui.allocate_exact_size(egui::vec2(10.0, 10.0), egui::Sense::hover());
    ui.painter().rect_filled(rect, 2.0, color);
    ui.label(RichText::new(text).small());
}

/// 1234567 -> "1,234,567".
pub fn fmt_count(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
