//! The live view: throughput over time and one bar per worker.

use eframe::egui::{self, Color32, RichText};
use egui_plot::{Legend, Line, Plot};

use super::hint;
use crate::gui::live::{LiveRun, rate_bin, time_split, total_rate};
use crate::gui::runner::Job;
use crate::metrics::units::{fmt_count, human_count};

const BUSY: Color32 = Color32::from_rgb(70, 160, 90);
const WAIT: Color32 = Color32::from_rgb(220, 150, 50);
const IDLE: Color32 = Color32::from_rgb(120, 120, 130);

/// Draws the live view of the current engine call.
pub fn ui(ui: &mut egui::Ui, live: &LiveRun, job: Option<&Job>, runs_done: usize, current: &str) {
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
            ui.label(format!("(run {} of {}: {current})", (runs_done + 1).min(job.total_runs), job.total_runs));
        }
    });
    if let Some(plan) = &live.plan {
        ui.label(RichText::new(format!("auto decided: {plan}")).small());
    }

    if !live.phases.is_empty() {
        phases(ui, live);
    }

    let bars_height = (live.workers.len() as f32 * 22.0 + 40.0).min(ui.available_height() * 0.45);
    let mut plot_height = (ui.available_height() - bars_height - 40.0).max(120.0);
    if !live.occupancy.is_empty() {
        plot_height = (plot_height / 2.0 - 30.0).max(110.0);
        occupancy(ui, live, plot_height);
    }
    let span = live.history.iter().filter_map(|h| h.last().map(|s| s.0)).fold(0.0, f64::max);
    Plot::new("throughput")
        .height(plot_height)
        .legend(Legend::default())
        .x_axis_label("seconds")
        .y_axis_label("items / s")
        .include_x(0.0)
        .include_y(0.0)
        .y_axis_formatter(|mark, _| if mark.value < 0.0 { String::new() } else { human_count(mark.value) })
        .allow_scroll(false)
        .show(ui, |plot| {
            plot.line(
                Line::new("all workers", total_rate(&live.history, rate_bin(span))).width(2.5).color(Color32::from_rgb(80, 140, 230)),
            );
            if live.workers.len() <= 32 {
                for (i, h) in live.history.iter().enumerate() {
                    // The same bins as the total: the thin lines add up to the thick one.
                    plot.line(Line::new(format!("worker {i}"), total_rate(std::slice::from_ref(h), rate_bin(span))).width(1.0));
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

/// One progress bar per phase of a keyed map-reduce, with its share of the time.
fn phases(ui: &mut egui::Ui, live: &LiveRun) {
    ui.label(RichText::new("phases of the keyed map-reduce:").strong());
    for p in &live.phases {
        let (frac, text) = match p.total {
            Some(t) if t > 0 => ((p.done as f32 / t as f32).min(1.0), format!("{} / {}", fmt_count(p.done), fmt_count(t))),
            Some(_) => (1.0, "nothing to do".to_string()),
            None => (0.0, fmt_count(p.done)),
        };
        let unit = match p.phase {
            crate::engine::Phase::Map => "items",
            crate::engine::Phase::Reduce => "entries merged",
        };
        ui.horizontal(|ui| {
            ui.label(RichText::new(format!("{:<20}", p.phase.label())).monospace());
            ui.add(
                egui::ProgressBar::new(frac)
                    .desired_width((ui.available_width() - 10.0).max(100.0))
                    .text(format!("{text} {unit}, {:.3} s", p.last_s - p.start_s)),
            );
        });
    }
    hint(
        ui,
        "the map phase reads the input and counts per worker into one table per partition; the shuffle + reduce phase then merges partition i of every worker's table on reducer i, so each key is owned by exactly one reducer.",
    );
}

/// Occupancy over time: what the design holds, and its bound.
fn occupancy(ui: &mut egui::Ui, live: &LiveRun, height: f32) {
    let (bound, unit) = live.occupancy_bound.unwrap_or((None, "items"));
    let ordered = unit == "chunks";
    let title = if ordered { "Reorder window: chunks in flight" } else { "Items buffered between the reader and the aggregates" };
    ui.label(RichText::new(title).strong());
    let held: Vec<[f64; 2]> = live.occupancy.iter().map(|&(t, h, _)| [t, h as f64]).collect();
    let waiting: Vec<[f64; 2]> = live.occupancy.iter().map(|&(t, _, w)| [t, w as f64]).collect();
    Plot::new("occupancy")
        .height(height)
        .legend(Legend::default())
        .x_axis_label("seconds")
        .y_axis_label(unit)
        .include_y(0.0)
        .allow_scroll(false)
        .show(ui, |plot| {
            let held_name = if ordered { "in flight (taken, not yet yielded)" } else { "held" };
            plot.line(Line::new(held_name, held).width(2.0).color(Color32::from_rgb(80, 140, 230)));
            if ordered {
                plot.line(Line::new("waiting in the reorder buffer", waiting).width(1.5).color(WAIT));
            }
            if let Some(b) = bound {
                plot.hline(egui_plot::HLine::new(format!("bound ({b} {unit})"), b as f64).color(Color32::from_rgb(220, 60, 60)));
            }
        });
    let text = if ordered {
        "workers take a chunk only while fewer than the window are in flight, so memory stays bounded. Chunks that finish before an earlier one wait in the reorder buffer (orange); a slow chunk makes the orange line climb, never past the bound."
    } else {
        "the reader seals items into chunks shared by every aggregate; a chunk is freed once the slowest aggregate has read it. The red line is the bound of the chunked design; an unbounded design (tee, buffer-all) has none."
    };
    hint(ui, text);
}

fn legend_chip(ui: &mut egui::Ui, color: Color32, text: &str) {
    let (rect, _) = ui.allocate_exact_size(egui::vec2(10.0, 10.0), egui::Sense::hover());
    ui.painter().rect_filled(rect, 2.0, color);
    ui.label(RichText::new(text).small());
}
