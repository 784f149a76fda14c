//! The live view: the experiment's throughput over time, the call running
//! now, and one bar per worker.

use eframe::egui::{self, Color32, RichText};
use egui_plot::{HoverPosition, Line, Plot};

use super::scaling::palette;
use super::{chip, hint};
use crate::engine::WorkerStats;
use crate::gui::jobs::Jobs;
use crate::gui::live::{LiveRun, average_rate, time_split};
use crate::units::{fmt_count, human_count, human_duration};

const BUSY: Color32 = Color32::from_rgb(70, 160, 90);
const WAIT: Color32 = Color32::from_rgb(220, 150, 50);
const IDLE: Color32 = Color32::from_rgb(120, 120, 130);

/// The colour of the call running now.
const NOW: Color32 = Color32::from_rgb(80, 140, 230);
/// The colour of earlier calls.
const EARLIER: Color32 = Color32::from_rgb(150, 150, 160);
/// The colour of earlier sequential reference runs.
const REFERENCE: Color32 = Color32::from_rgb(190, 140, 200);

/// Draws the live view: the experiment's throughput so far and the call
/// running now, with one row per worker. `whole` (a checkbox here) spans
/// the whole experiment, else only the call running now.
pub fn ui(ui: &mut egui::Ui, jobs: &Jobs, whole: &mut bool) {
    let live = &jobs.live.current;
    if jobs.job.is_none() && live.workers.is_empty() {
        ui.label("Nothing running. Pick a workload and press Run, or open the Learn tab.");
        return;
    }
    header(ui, jobs);

    if !live.phases.is_empty() {
        phases(ui, live);
    }

    let bars_height = (live.workers.len() as f32 * 22.0 + 40.0).min(ui.available_height() * 0.4);
    let mut plot_height = (ui.available_height() - bars_height - 90.0).max(120.0);
    if !live.occupancy.is_empty() {
        plot_height = (plot_height / 2.0 - 30.0).max(110.0);
        occupancy(ui, live, plot_height);
    }
    throughput(ui, jobs, whole, plot_height);

    ui.separator();
    workers(ui, live);
}

/// What runs now: its label, what it ran, its time and items, which run of
/// the job it is, and notes on repetitions, auto's plan and the reference.
fn header(ui: &mut egui::Ui, jobs: &Jobs) {
    let exp = &jobs.live;
    let live = &exp.current;
    let reference = live.used == crate::workloads::REFERENCE;
    ui.horizontal_wrapped(|ui| {
        ui.label(RichText::new(&live.label).strong());
        if !live.used.is_empty() && !reference {
            ui.label(RichText::new(format!("ran: {}", live.used)).weak());
        }
        ui.label(format!("{:.2} s, {} items", live.elapsed_s, fmt_count(live.items())));
        if let Some(job) = &jobs.job {
            ui.label(format!("(run {} of {})", (jobs.runs_done + 1).min(job.total_runs), job.total_runs));
        }
    });
    if jobs.job.is_some()
        && let Some(rep) = exp.current_rep.filter(|&r| r > 0)
    {
        ui.label(
            RichText::new(format!(
                "Repetition {}: the picture updates between runs only, so the window's drawing does not slow the runs being measured (the first repetition was drawn live).",
                rep + 1
            ))
            .small(),
        );
    }
    if let Some(plan) = &live.plan {
        ui.label(RichText::new(format!("auto decided: {plan}")).small());
    }
    if reference {
        ui.label(
            RichText::new("The sequential reference: the plain loop every speedup is measured against, on one thread, without the engine.")
                .small(),
        );
    }
}

/// The per-worker legend, then one row per worker in a scroll area.
fn workers(ui: &mut egui::Ui, live: &LiveRun) {
    ui.horizontal(|ui| {
        ui.label(RichText::new("per worker:").strong());
        chip(ui, NOW, "items done (longest bar: the busiest worker)");
        chip(ui, BUSY, "busy in map");
        chip(ui, WAIT, "waiting for input");
        chip(ui, IDLE, "idle / not started / done");
    });
    let rayon = live.used.starts_with("rayon");
    egui::ScrollArea::vertical().id_salt("workers").show(ui, |ui| {
        let max_items = live.workers.iter().map(|w| w.items).max().unwrap_or(0).max(1);
        for w in &live.workers {
            ui.horizontal(|ui| worker_row(ui, live, w, max_items, rayon));
        }
    });
}

/// One worker: its counts, a bar of its items against the busiest
/// worker's, and under it the split of its time (not for rayon while it runs).
fn worker_row(ui: &mut egui::Ui, live: &LiveRun, w: &WorkerStats, max_items: u64, rayon: bool) {
    ui.label(RichText::new(format!("w{:<2} {:>12} items  {:>9} chunks", w.worker, fmt_count(w.items), fmt_count(w.chunks))).monospace());
    let width = (ui.available_width() - 10.0).max(100.0);
    let (rect, resp) = ui.allocate_exact_size(egui::vec2(width, 16.0), egui::Sense::hover());
    let p = ui.painter();
    // Top half: items done relative to the busiest worker.
    let top = egui::Rect::from_min_size(rect.min, egui::vec2(rect.width() * w.items as f32 / max_items as f32, 6.0));
    p.rect_filled(top, 1.0, NOW);
    if rayon && !live.finished {
        // rayon's workers report their time only when their part ends.
        p.text(
            egui::pos2(rect.left(), rect.top() + 8.0),
            egui::Align2::LEFT_TOP,
            "rayon reports no per-worker busy or waiting time while it runs (only its total, at the end)",
            egui::FontId::proportional(10.0),
            ui.visuals().weak_text_color(),
        );
        return;
    }
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
}

/// Items per second over time: every earlier call of the experiment faint,
/// the one running now bold with a thin line per worker.
fn throughput(ui: &mut egui::Ui, jobs: &Jobs, whole: &mut bool, height: f32) {
    let exp = &jobs.live;
    let live = &exp.current;
    throughput_legend(ui, live.workers.len().min(8), whole);
    let offset = if *whole { 0.0 } else { exp.current_at_s };
    let shift = |v: Vec<[f64; 2]>| -> Vec<[f64; 2]> { v.into_iter().map(|[t, r]| [t - offset, r]).collect() };
    let x_label = if *whole { "seconds since the experiment started" } else { "seconds since this run started" };
    Plot::new("throughput")
        .height(height)
        .x_axis_label(x_label)
        .y_axis_label("items / s")
        .include_x(0.0)
        .include_y(0.0)
        .y_axis_formatter(|mark, _| if mark.value < 0.0 { String::new() } else { human_count(mark.value) })
        .label_formatter(|h| match h {
            HoverPosition::NearDataPoint { plot_name, position: p, .. } => {
                Some(format!("{plot_name}\n{:.2} s: {} items/s", p.x, human_count(p.y)))
            }
            HoverPosition::Elsewhere { .. } => None,
        })
        .allow_scroll(false)
        .show(ui, |plot| {
            if *whole {
                for t in &exp.traces {
                    let color = if t.reference { REFERENCE } else { EARLIER };
                    plot.line(Line::new(t.label.clone(), t.rate.clone()).width(1.2).color(color.gamma_multiply(0.8)));
                }
            }
            plot.line(Line::new(format!("now: {}", live.label), shift(exp.current_rate())).width(2.5).color(NOW));
            if live.workers.len() > 1 && live.workers.len() <= 32 {
                for i in 0..live.workers.len() {
                    // The same bins as the total: the thin lines add up to the thick one.
                    plot.line(Line::new(format!("worker {i}"), shift(exp.worker_rate(i))).width(1.0).color(palette(i + 1)));
                }
            }
        });
    if exp.too_short()
        && let Some(rate) = average_rate(live)
    {
        too_short(ui, live, rate);
    }
    hint(
        ui,
        "the thick line is the items per second of all workers of the run going on now; the thin ones each worker. Grey lines are the experiment's earlier runs, purple the sequential reference: repetitions build up from left to right. This window's own drawing takes some CPU too: from the second repetition on the window draws only between runs, and `scalescope sweep` measures without a window.",
    );
}

/// The throughput plot's legend, after the checkbox that picks its span:
/// the run, its first `workers` workers and, for the whole experiment, the
/// earlier runs and the reference.
fn throughput_legend(ui: &mut egui::Ui, workers: usize, whole: &mut bool) {
    ui.horizontal_wrapped(|ui| {
        ui.checkbox(whole, "whole experiment");
        chip(ui, NOW, "all workers, this run");
        for i in 0..workers {
            chip(ui, palette(i + 1), &format!("worker {i}"));
        }
        if *whole {
            chip(ui, EARLIER, "earlier runs");
            chip(ui, REFERENCE, "sequential reference");
        }
    });
}

/// Instead of a curve, for a run too short to draw over time: its average `rate`.
fn too_short(ui: &mut egui::Ui, live: &LiveRun, rate: f64) {
    ui.label(RichText::new(format!(
        "This run took {}: too short to draw its rate over time. It did {} items, {} items/s on average (the flat line).",
        human_duration(live.elapsed_s),
        fmt_count(live.items()),
        human_count(rate)
    )));
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
    let held_name = if ordered { "in flight (taken, not yet yielded)" } else { "held" };
    ui.horizontal_wrapped(|ui| {
        chip(ui, NOW, held_name);
        if ordered {
            chip(ui, WAIT, "waiting in the reorder buffer");
        }
        if let Some(b) = bound {
            chip(ui, Color32::from_rgb(220, 60, 60), &format!("bound ({b} {unit})"));
        }
    });
    Plot::new("occupancy").height(height).x_axis_label("seconds").y_axis_label(unit).include_y(0.0).allow_scroll(false).show(ui, |plot| {
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
