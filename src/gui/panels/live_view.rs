//! The live view: the run going on now in large numbers (its rate and its
//! speedup over the plain loop so far), the experiment's throughput over
//! time with every run named, and one bar per worker; once the job has
//! ended, a summary of every configuration with the fastest named.

mod program;

use eframe::egui::{self, Color32, RichText};
use egui_plot::{HoverPosition, Line, Plot, PlotPoint, Points, Text};

use super::scaling::palette;
use super::{chip, hint};
use crate::engine::WorkerStats;
use crate::gui::jobs::Jobs;
use crate::gui::live::{
    CallTrace, LiveExperiment, LiveRun, SummaryPoint, average_rate, call_at, falling_note, fastest, summary, throughput_falls, time_split,
};
use crate::units::{fmt_count, human_count, human_duration};

const BUSY: Color32 = Color32::from_rgb(70, 160, 90);
const WAIT: Color32 = Color32::from_rgb(220, 150, 50);
const IDLE: Color32 = Color32::from_rgb(120, 120, 130);

/// The colour of the call running now, and of each configuration's average once the job has ended.
const NOW: Color32 = Color32::from_rgb(80, 140, 230);
/// The colour of earlier calls (lines and legend chip alike).
const EARLIER: Color32 = Color32::from_rgb(150, 150, 160);
/// The colour of sequential reference runs (lines and legend chip alike).
const REFERENCE: Color32 = Color32::from_rgb(190, 140, 200);
/// The colour of the fastest configuration.
const FASTEST: Color32 = Color32::from_rgb(235, 185, 60);

/// Text size of the numbers at the top: readable from the back of a
/// classroom on a 1280x720 projector.
const LARGE: f32 = 30.0;
/// Text size of the words beside and under them.
const MEDIUM: f32 = 18.0;

/// Draws the live view. While a job runs: its rate and speedup so far,
/// what runs, and the experiment's throughput so far (`whole`, a checkbox
/// here: the whole experiment, else the call running now) with one row
/// per worker. Once it has ended: the summary of every configuration.
pub fn ui(ui: &mut egui::Ui, jobs: &Jobs, whole: &mut bool) {
    let exp = &jobs.live;
    let live = &exp.current;
    let calls = exp.calls();
    if jobs.job.is_none() && calls.is_empty() {
        ui.label("Nothing running. Pick a workload and press Run, or open the Learn tab.");
        return;
    }
    if let Some(command) = &jobs.program {
        // A program's lanes are its threads: CPU use, not items.
        return program::ui(ui, jobs, command, whole);
    }
    let ended = jobs.job.is_none();
    let points = summary(&calls);
    if ended {
        summary_headline(ui, &points, calls.len());
    } else {
        headline(ui, exp);
        header(ui, jobs);
    }
    if !live.phases.is_empty() {
        phases(ui, live);
    }
    let falls = throughput_falls(&calls);
    let short = exp.too_short() && live.finished;
    // What goes under the plot: the notes, then the table or the workers.
    let notes = if falls { 44.0 } else { 0.0 } + if short { 22.0 } else { 0.0 };
    let below = if ended { table_height(&points) + 30.0 } else { bars_height(ui, live) + 70.0 };
    let mut plot_height = (ui.available_height() - below - notes - 40.0).max(130.0);
    if !live.occupancy.is_empty() {
        plot_height = (plot_height / 2.0 - 30.0).max(110.0);
        occupancy(ui, live, plot_height);
    }
    let plot = ThroughputPlot { exp, calls: &calls, points: &points, ended, height: plot_height };
    throughput(ui, &plot, whole);
    if falls {
        ui.label(RichText::new(falling_note(jobs.workload.map(|w| w.info().description))).strong());
    }
    if short && let Some(rate) = average_rate(live) {
        too_short(ui, live, rate, ended);
    }
    if ended {
        summary_table(ui, &points);
        egui::CollapsingHeader::new("per worker, last run").id_salt("last run workers").show(ui, |ui| workers(ui, live));
    } else {
        throughput_hint(ui);
        ui.separator();
        workers(ui, live);
    }
}

/// Height of the summary table under the plot: every row up to eight, then it scrolls.
fn table_height(points: &[SummaryPoint]) -> f32 {
    (points.len().min(8) as f32 + 1.0) * 23.0 + 6.0
}

/// Height of the per-worker rows under the plot.
fn bars_height(ui: &egui::Ui, live: &LiveRun) -> f32 {
    (live.workers.len() as f32 * 22.0 + 40.0).min(ui.available_height() * 0.4)
}

/// The run going on now in large type: its rate so far, and its speedup
/// so far over the plain loop measured earlier in the experiment.
fn headline(ui: &mut egui::Ui, exp: &LiveExperiment) {
    let (rate, speedup) = exp.headline();
    ui.horizontal_wrapped(|ui| {
        let rate = rate.map_or_else(|| "starting...".to_string(), |r| format!("{} items/s", human_count(r)));
        ui.label(RichText::new(rate).size(LARGE).strong().color(NOW));
        let size = if matches!(speedup, crate::gui::live::Speedup::Times(_)) { LARGE } else { MEDIUM };
        ui.label(RichText::new(speedup.words(exp.current.finished)).size(size).strong());
    });
}

/// The job's result in large type: the fastest configuration, its rate and
/// its speedup over the plain loop.
fn summary_headline(ui: &mut egui::Ui, points: &[SummaryPoint], calls: usize) {
    match fastest(points) {
        Some(f) => {
            let speedup = f.speedup.map_or_else(String::new, |s| format!(", {s:.2}x the plain loop"));
            // One configuration (besides the plain loop) has no "fastest".
            let alone = points.iter().filter(|p| !p.reference).count() == 1;
            let (head, run) = if alone { ("The run", "it ran") } else { ("Fastest", "fastest run") };
            ui.label(RichText::new(format!("{head}: {} items/s{speedup}", human_count(f.rate))).size(LARGE).strong().color(FASTEST));
            ui.label(RichText::new(format!("{run}: {}", f.label)).size(MEDIUM).strong());
        }
        None => {
            let rate = points.first().map_or_else(|| "-".to_string(), |p| human_count(p.rate));
            ui.label(RichText::new(format!("The plain loop: {rate} items/s")).size(LARGE).strong().color(REFERENCE));
        }
    }
    ui.label(format!(
        "The job ended: {calls} runs of {} configurations. Each point is one run's average rate, numbered as in the table below; hover a point or a line to name its run.",
        points.len()
    ));
}

/// What runs now: its label, what it ran, its time and items, which run of
/// the job it is, and notes on repetitions, auto's plan and the reference.
fn header(ui: &mut egui::Ui, jobs: &Jobs) {
    let exp = &jobs.live;
    let live = &exp.current;
    let reference = live.is_reference();
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
        // One line however long the plan: the whole plan on hover.
        ui.add(egui::Label::new(RichText::new(format!("auto decided: {plan}")).small()).truncate());
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

/// What the throughput plot draws.
struct ThroughputPlot<'a> {
    exp: &'a LiveExperiment,
    /// Every call so far, the one on show last.
    calls: &'a [CallTrace],
    /// One point per configuration (drawn once the job has ended).
    points: &'a [SummaryPoint],
    /// Whether the job has ended: the summary instead of the run going on.
    ended: bool,
    height: f32,
}

/// Items per second over time. While a job runs: every earlier call of the
/// experiment faint, the one running now bold with a thin line per worker.
/// Once it has ended: every call faint and each configuration's average
/// as a labelled point, the fastest named. Hovering names the run under
/// the pointer.
fn throughput(ui: &mut egui::Ui, p: &ThroughputPlot<'_>, whole: &mut bool) {
    let whole = p.ended || {
        throughput_legend(ui, p.exp.current.workers.len().min(8), whole);
        *whole
    };
    if p.ended {
        summary_legend(ui);
    }
    let offset = if whole { 0.0 } else { p.exp.current_at_s };
    let x_label = if whole { "seconds since the experiment started" } else { "seconds since this run started" };
    let end = p.calls.iter().map(|c| c.at_s + c.duration_s).fold(0.0, f64::max);
    let top = p.calls.iter().flat_map(|c| c.rate.iter().map(|r| r[1])).fold(0.0, f64::max);
    Plot::new("throughput")
        .height(p.height)
        .x_axis_label(x_label)
        .y_axis_label("items / s")
        .include_x(0.0)
        .include_y(0.0)
        .include_y(top * 1.1)
        .y_axis_formatter(|mark, _| if mark.value < 0.0 { String::new() } else { human_count(mark.value) })
        .label_formatter(|h| hover_text(h, p.calls, offset, end / 100.0))
        .allow_scroll(false)
        .show(ui, |plot| {
            let mut labels = Labels::default();
            if whole {
                let earlier = if p.ended { p.calls } else { &p.calls[..p.exp.traces.len().min(p.calls.len())] };
                for (i, c) in earlier.iter().enumerate() {
                    earlier_call(plot, &mut labels, i, c, !p.ended);
                }
            }
            if p.ended {
                summary_points(plot, &mut labels, p.calls, p.points);
            } else {
                current_call(plot, &mut labels, p.exp, offset);
            }
            labels.draw(plot);
        });
}

/// One earlier call: its line, named. While the job runs (`running`), a
/// call too short for a line is a point, and either is labelled with its
/// average rate (once the job has ended, [`summary_points`] marks them).
fn earlier_call(plot: &mut egui_plot::PlotUi<'_>, labels: &mut Labels, i: usize, c: &CallTrace, running: bool) {
    let color = if c.reference { REFERENCE } else { EARLIER };
    let Some(avg) = c.average_rate() else { return };
    let text = format!("{}/s", human_count(avg));
    if !c.short {
        plot.line(Line::new(c.name(), c.rate.clone()).id(("call", i)).width(1.5).color(color));
        if running {
            let peak = c.rate.iter().map(|r| r[1]).fold(0.0, f64::max);
            labels.add([c.mid_s(), peak], text, color, false);
        }
    } else if running {
        plot.points(Points::new(c.name(), vec![[c.mid_s(), avg]]).id(("short", i)).radius(4.0).color(color));
        labels.add([c.mid_s(), avg], text, color, false);
    }
}

/// The call running now, bold, with a thin line per worker (the same bins:
/// the thin lines add up to the thick one); too short for a line, a
/// labelled point.
fn current_call(plot: &mut egui_plot::PlotUi<'_>, labels: &mut Labels, exp: &LiveExperiment, offset: f64) {
    let live = &exp.current;
    let shift = |v: Vec<[f64; 2]>| -> Vec<[f64; 2]> { v.into_iter().map(|[t, r]| [t - offset, r]).collect() };
    let name = format!("now: {}", live.label);
    if exp.too_short() {
        if let Some(avg) = average_rate(live) {
            let at = [exp.current_at_s + live.elapsed_s / 2.0 - offset, avg];
            plot.points(Points::new(name, vec![at]).radius(6.0).color(NOW));
            labels.add(at, format!("{} items/s", human_count(avg)), NOW, true);
        }
        return;
    }
    plot.line(Line::new(name, shift(exp.current_rate())).width(2.5).color(NOW));
    if live.workers.len() > 1 && live.workers.len() <= 32 {
        for i in 0..live.workers.len() {
            plot.line(Line::new(format!("worker {i}"), shift(exp.worker_rate(i))).width(1.0).color(palette(i + 1)));
        }
    }
}

/// Every run's average rate as a point labelled with its configuration's
/// number in the table; the fastest configuration's points bigger, and
/// named at its run nearest its mean.
fn summary_points(plot: &mut egui_plot::PlotUi<'_>, labels: &mut Labels, calls: &[CallTrace], points: &[SummaryPoint]) {
    let best = fastest(points);
    // The fastest is named by its run nearest its mean rate.
    let off = |c: &CallTrace, b: &SummaryPoint| c.average_rate().map_or(f64::INFINITY, |r| (r - b.rate).abs());
    let named = best.and_then(|b| {
        (0..calls.len()).filter(|&i| calls[i].label == b.label).min_by(|&i, &j| off(&calls[i], b).total_cmp(&off(&calls[j], b)))
    });
    for (i, c) in calls.iter().enumerate() {
        let (Some(avg), Some(k)) = (c.average_rate(), points.iter().position(|p| p.label == c.label)) else { continue };
        let is_best = best.is_some_and(|b| b.label == c.label);
        let color = if is_best {
            FASTEST
        } else if c.reference {
            REFERENCE
        } else {
            NOW
        };
        let name = format!("#{} {}: {} items/s on average", k + 1, c.name(), human_count(avg));
        plot.points(Points::new(name, vec![[c.mid_s(), avg]]).id(("run average", i)).radius(if is_best { 6.5 } else { 4.5 }).color(color));
        match best.filter(|_| named == Some(i)) {
            Some(b) => labels.add([c.mid_s(), avg], format!("#{} fastest: {} items/s", k + 1, human_count(b.rate)), FASTEST, true),
            None => labels.add([c.mid_s(), avg], format!("#{}", k + 1), color, false),
        }
    }
}

/// A label over a point of the plot, in the colour of what it labels.
#[derive(Debug)]
struct PlotLabel {
    at: [f64; 2],
    text: String,
    color: Color32,
    /// Placed before the others.
    first: bool,
}

/// The plot's labels, placed just above their points where they overlap
/// no label placed before them (the ones that would are left out: a
/// hover still names their point). Placed in screen space with the last
/// frame's transform.
#[derive(Debug, Default)]
struct Labels(Vec<PlotLabel>);

impl Labels {
    fn add(&mut self, at: [f64; 2], text: String, color: Color32, first: bool) {
        self.0.push(PlotLabel { at, text, color, first });
    }

    fn draw(mut self, plot: &mut egui_plot::PlotUi<'_>) {
        self.0.sort_by_key(|l| !l.first);
        let frame = *plot.transform().frame();
        let (lo, hi) = self.0.iter().fold((0.0_f64, 0.0_f64), |(lo, hi), l| (lo.min(l.at[0]), hi.max(l.at[0])));
        let mut placed: Vec<egui::Rect> = vec![];
        for (i, l) in self.0.into_iter().enumerate() {
            let point = plot.screen_from_plot(PlotPoint::new(l.at[0], l.at[1]));
            let size = egui::vec2(l.text.chars().count() as f32 * 7.0, 16.0);
            let tries = placements(point, size, (l.at[0] - lo) / (hi - lo).max(f64::MIN_POSITIVE));
            let inside = |r: &egui::Rect| frame.contains_rect(*r);
            let free = |r: &egui::Rect| !placed.iter().any(|p| p.intersects(*r));
            let fits = if l.first {
                tries.iter().find(|t| inside(&t.2)).or(tries.first()).copied()
            } else {
                tries.iter().find(|t| inside(&t.2) && free(&t.2)).copied()
            };
            let Some((at, anchor, rect)) = fits else { continue };
            placed.push(rect);
            let text = Text::new("label", plot.plot_from_screen(at), RichText::new(l.text).size(13.0));
            plot.text(text.id(("label", i)).anchor(anchor).color(l.color).allow_hover(false));
        }
    }
}

/// Where a label of `size` may go by its `point` (screen space), best
/// first: just above it, centred, or reaching inwards when the point lies
/// near an end of the x range (`frac`: 0 at the left, 1 at the right),
/// then just below it. Each: (anchor position, anchor, the label's rect).
fn placements(point: egui::Pos2, size: egui::Vec2, frac: f64) -> Vec<(egui::Pos2, egui::Align2, egui::Rect)> {
    use egui::Align2 as A;
    let sides = if frac > 0.8 {
        [A::RIGHT_BOTTOM, A::CENTER_BOTTOM, A::LEFT_BOTTOM]
    } else if frac < 0.15 {
        [A::LEFT_BOTTOM, A::CENTER_BOTTOM, A::RIGHT_BOTTOM]
    } else {
        [A::CENTER_BOTTOM, A::RIGHT_BOTTOM, A::LEFT_BOTTOM]
    };
    let above = point - egui::vec2(0.0, 7.0);
    let below = point + egui::vec2(0.0, 7.0);
    let mut out: Vec<_> = sides.iter().map(|&a| (above, a, a.anchor_size(above, size))).collect();
    let under = match sides[0] {
        A::RIGHT_BOTTOM => A::RIGHT_TOP,
        A::LEFT_BOTTOM => A::LEFT_TOP,
        _ => A::CENTER_TOP,
    };
    out.push((below, under, under.anchor_size(below, size)));
    out
}

/// The tooltip: near a point, its line's name, time and rate; elsewhere,
/// the run that went on at that time (`slack_s`: how near counts).
fn hover_text(h: &HoverPosition<'_>, calls: &[CallTrace], offset: f64, slack_s: f64) -> Option<String> {
    match h {
        // A run's average point says all in its name.
        HoverPosition::NearDataPoint { plot_name, .. } if plot_name.ends_with("on average") => Some(plot_name.to_string()),
        HoverPosition::NearDataPoint { plot_name, position: p, .. } => {
            Some(format!("{plot_name}\n{:.2} s: {} items/s", p.x, human_count(p.y)))
        }
        HoverPosition::Elsewhere { position } => {
            let c = call_at(calls, position.x + offset, slack_s)?;
            let avg = c.average_rate().map_or_else(String::new, |r| format!("\n{} items/s on average", human_count(r)));
            Some(format!("{}{avg}", c.name()))
        }
    }
}

/// The throughput plot's legend while a job runs, after the checkbox that
/// picks its span: the run, its first `workers` workers and, for the whole
/// experiment, the earlier runs and the reference. The chips have the
/// lines' own colours.
fn throughput_legend(ui: &mut egui::Ui, workers: usize, whole: &mut bool) {
    ui.horizontal_wrapped(|ui| {
        ui.checkbox(whole, "whole experiment");
        chip(ui, NOW, "all workers, this run");
        for i in 0..workers {
            chip(ui, palette(i + 1), &format!("worker {i}"));
        }
        if *whole {
            chip(ui, EARLIER, "earlier runs (hover to name one)");
            chip(ui, REFERENCE, "sequential reference (the plain loop)");
        }
    });
}

/// The summary plot's legend, in the colours of its lines and points.
fn summary_legend(ui: &mut egui::Ui) {
    ui.horizontal_wrapped(|ui| {
        chip(ui, EARLIER, "each run over time (hover to name it)");
        chip(ui, REFERENCE, "sequential reference (the plain loop)");
        chip(ui, NOW, "a run's average (# as in the table)");
        chip(ui, FASTEST, "the fastest");
    });
}

/// How to read the plot while a job runs.
fn throughput_hint(ui: &mut egui::Ui) {
    hint(
        ui,
        "the thick line is the items per second of all workers of the run going on now; the thin ones each worker. Grey lines are the experiment's earlier runs, purple the sequential reference: repetitions build up from left to right; hover one to name it. This window's own drawing takes some CPU too: from the second repetition on the window draws only between runs, and `scalescope sweep` measures without a window.",
    );
}

/// Instead of a curve, for a run too short to draw over time: its average `rate`.
fn too_short(ui: &mut egui::Ui, live: &LiveRun, rate: f64, ended: bool) {
    ui.label(RichText::new(format!(
        "{} took {}: too short to draw its rate over time. It did {} items, {} items/s on average (the labelled point).",
        if ended { "The last run" } else { "This run" },
        human_duration(live.elapsed_s),
        fmt_count(live.items()),
        human_count(rate)
    )));
}

/// Every configuration of the ended job: its number on the plot, its
/// label, its average rate and its speedup over the plain loop.
fn summary_table(ui: &mut egui::Ui, points: &[SummaryPoint]) {
    let best = fastest(points).map(|f| f.label.as_str());
    egui::ScrollArea::vertical().id_salt("live summary").max_height(table_height(points)).show(ui, |ui| {
        egui::Grid::new("live summary grid").striped(true).num_columns(4).show(ui, |ui| {
            for head in ["#", "run", "items/s (mean)", "vs the plain loop"] {
                ui.label(RichText::new(head).strong());
            }
            ui.end_row();
            for (i, p) in points.iter().enumerate() {
                ui.label(format!("#{}", i + 1));
                let runs = if p.calls > 1 { format!(" ({} runs)", p.calls) } else { String::new() };
                if best == Some(p.label.as_str()) {
                    ui.label(RichText::new(format!("{}{runs}  - fastest", p.label)).strong().color(FASTEST));
                } else {
                    ui.label(format!("{}{runs}", p.label));
                }
                ui.label(human_count(p.rate));
                ui.label(p.speedup.map_or_else(|| "-".to_string(), |s| format!("{s:.2}x")));
                ui.end_row();
            }
        });
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
