//! The live view of a user's program (the `command` workload). A program
//! counts no items for the engine: its lanes are its own threads (every
//! thread of its process tree), each one's CPU time sampled from `/proc`;
//! so the picture is CPU use (cores kept busy) over time, and its speedup
//! is the reference's time over its own. Once the job has ended, a summary
//! of every configuration names the quickest.

use eframe::egui::{self, RichText};
use egui_plot::{HoverPosition, Line, Plot, Points};

use super::{BUSY, EARLIER, FASTEST, IDLE, LARGE, Labels, MEDIUM, NOW, REFERENCE, WAIT};
use crate::engine::WorkerStats;
use crate::gui::jobs::Jobs;
use crate::gui::live::{CallTrace, LiveExperiment, LiveRun, ProgramPoint, call_at, program_summary, quickest, time_split};
use crate::gui::panels::scaling::palette;
use crate::gui::panels::{chip, hint};
use crate::program::CommandSpec;
use crate::untrusted::escape;

/// Draws the live view of a job that runs `command` (its name is text the
/// person typed, or from a file: shown escaped).
pub(super) fn ui(ui: &mut egui::Ui, jobs: &Jobs, command: &CommandSpec, whole: &mut bool) {
    let exp = &jobs.live;
    let live = &exp.current;
    let calls = exp.calls();
    let name = escape(&command.program()).into_owned();
    let ended = jobs.job.is_none();
    let points = program_summary(&calls);
    if ended {
        summary_headline(ui, &points, calls.len());
    } else {
        headline(ui, exp);
        header(ui, jobs);
    }
    // Once ended, the lanes are folded away; opened (as the last frame
    // drew them), the plot makes room for them.
    let open = ui.data(|d| d.get_temp::<bool>(lanes_open_id())).unwrap_or(false);
    let below = match (ended, open) {
        (true, false) => table_height(&points) + 30.0,
        (true, true) => table_height(&points) + lanes_height(ui, live) + 70.0,
        (false, _) => lanes_height(ui, live) + 90.0,
    };
    let height = (ui.available_height() - below - 40.0).max(130.0);
    cpu_plot(ui, &CpuPlot { exp, calls: &calls, points: &points, ended, height }, whole);
    if ended {
        summary_table(ui, &points);
        let folded =
            egui::CollapsingHeader::new(format!("threads of {name}, last run")).id_salt(LANES_ID).show(ui, |ui| lanes(ui, live, &name));
        ui.data_mut(|d| d.insert_temp(lanes_open_id(), !folded.fully_closed()));
    } else {
        hint(
            ui,
            "the thick line is how many cores the program keeps busy now (its CPU time per second); the thin ones each of its threads. Grey lines are earlier runs, purple the reference every speedup is measured against; hover one to name it. A program counts no items here: its time and its CPU use are what is measured.",
        );
        ui.separator();
        lanes(ui, live, &name);
    }
}

/// The id of the folded lanes under the summary.
const LANES_ID: &str = "last run threads";

/// Where the frame keeps whether the folded lanes were open.
fn lanes_open_id() -> egui::Id {
    egui::Id::unique("live/program lanes open")
}

/// Seconds for people: milliseconds under one second, else two decimals.
fn secs(s: f64) -> String {
    if s < 1.0 { format!("{:.0} ms", s * 1e3) } else { format!("{s:.2} s") }
}

/// The lanes that reported (the program may run fewer threads than asked).
fn reported(live: &LiveRun) -> impl Iterator<Item = &WorkerStats> {
    live.workers.iter().filter(|w| w.busy_s > 0.0 || w.wait_s > 0.0)
}

/// Height of the lanes under the plot.
fn lanes_height(ui: &egui::Ui, live: &LiveRun) -> f32 {
    (reported(live).count().max(1) as f32 * 22.0 + 40.0).min(ui.available_height() * 0.4)
}

/// Height of the summary table: every row up to eight, then it scrolls.
fn table_height(points: &[ProgramPoint]) -> f32 {
    (points.len().min(8) as f32 + 1.0) * 23.0 + 6.0
}

/// The run going on now in large type: the cores it keeps busy, and its
/// time against the reference's.
fn headline(ui: &mut egui::Ui, exp: &LiveExperiment) {
    let live = &exp.current;
    ui.horizontal_wrapped(|ui| {
        let cores = live.cores().map_or_else(|| "starting...".to_string(), |c| format!("{c:.2} cores busy"));
        ui.label(RichText::new(cores).size(LARGE).strong().color(NOW));
        let (words, size) = if live.is_reference() {
            ("the reference: speedups are measured against it".to_string(), MEDIUM)
        } else {
            match exp.program_reference() {
                None => ("speedup appears once the reference has run".to_string(), MEDIUM),
                Some(r) if live.finished && live.elapsed_s > 0.0 => (format!("{:.2}x the reference", r.duration_s / live.elapsed_s), LARGE),
                Some(r) => (format!("{} so far; the reference took {}", secs(live.elapsed_s), secs(r.duration_s)), MEDIUM),
            }
        };
        ui.label(RichText::new(words).size(size).strong());
    });
}

/// What runs now: its label, its time and CPU time, which run of the job
/// it is, and notes on repetitions and the reference.
fn header(ui: &mut egui::Ui, jobs: &Jobs) {
    let exp = &jobs.live;
    let live = &exp.current;
    ui.horizontal_wrapped(|ui| {
        ui.label(RichText::new(&live.label).strong());
        ui.label(format!("{:.2} s, {:.2} s of CPU", live.elapsed_s, live.cpu_s()));
        if let Some(job) = &jobs.job {
            ui.label(format!("(run {} of {})", (jobs.runs_done + 1).min(job.total_runs), job.total_runs));
        }
    });
    if let Some(rep) = exp.current_rep.filter(|&r| r > 0) {
        ui.label(
            RichText::new(format!(
                "Repetition {}: the picture updates between runs only, so the window's drawing does not slow the runs being measured (the first repetition was drawn live).",
                rep + 1
            ))
            .small(),
        );
    }
    if live.is_reference() {
        ui.label(RichText::new("The reference: the command at 1 thread (or the reference command), timed like the runs.").small());
    }
}

/// The job's result in large type: the quickest configuration, its time
/// and its speedup over the reference.
fn summary_headline(ui: &mut egui::Ui, points: &[ProgramPoint], calls: usize) {
    match quickest(points) {
        Some(q) => {
            let speedup = q.speedup.map_or_else(String::new, |s| format!(", {s:.2}x the reference"));
            let alone = points.iter().filter(|p| !p.reference).count() == 1;
            let (head, run) = if alone { ("The run", "it ran") } else { ("Quickest", "quickest run") };
            ui.label(RichText::new(format!("{head}: {}{speedup}", secs(q.time_s))).size(LARGE).strong().color(FASTEST));
            let cores = q.cores.map_or_else(String::new, |c| format!(", {c:.2} cores busy"));
            ui.label(RichText::new(format!("{run}: {}{cores}", q.label)).size(MEDIUM).strong());
        }
        None => {
            let time = points.first().map_or_else(|| "-".to_string(), |p| secs(p.time_s));
            ui.label(RichText::new(format!("The reference: {time}")).size(LARGE).strong().color(REFERENCE));
        }
    }
    ui.label(format!(
        "The job ended: {calls} runs of {} configurations. Each point is one run's CPU use (cores busy on average), numbered as in the table below; hover a point or a line to name its run.",
        points.len()
    ));
}

/// What the CPU plot draws.
struct CpuPlot<'a> {
    exp: &'a LiveExperiment,
    calls: &'a [CallTrace],
    points: &'a [ProgramPoint],
    ended: bool,
    height: f32,
}

/// Cores busy over time: while a job runs, every earlier call faint and
/// the one running now bold with a thin line per thread; once it has
/// ended, every call faint and each run's average as a numbered point.
fn cpu_plot(ui: &mut egui::Ui, p: &CpuPlot<'_>, whole: &mut bool) {
    let whole = p.ended || {
        ui.horizontal_wrapped(|ui| {
            ui.checkbox(whole, "whole experiment");
            chip(ui, NOW, "the program, this run");
            // The thin lines' own colours (drawn for 2 to 32 threads).
            let threads: Vec<usize> = reported(&p.exp.current).map(|w| w.worker).collect();
            if threads.len() > 1 && threads.len() <= 32 {
                for (k, t) in threads.iter().enumerate().take(8) {
                    chip(ui, palette(k + 1), &format!("thread {t}"));
                }
            }
            if *whole {
                chip(ui, EARLIER, "earlier runs (hover to name one)");
                chip(ui, REFERENCE, "the reference");
            }
        });
        *whole
    };
    if p.ended {
        ui.horizontal_wrapped(|ui| {
            chip(ui, EARLIER, "each run over time (hover to name it)");
            chip(ui, REFERENCE, "the reference");
            chip(ui, NOW, "a run's average (# as in the table)");
            chip(ui, FASTEST, "the quickest");
        });
    }
    let offset = if whole { 0.0 } else { p.exp.current_at_s };
    let x_label = if whole { "seconds since the experiment started" } else { "seconds since this run started" };
    let top = p.calls.iter().flat_map(|c| c.cpu.iter().map(|r| r[1])).fold(1.0, f64::max);
    Plot::new("cpu use")
        .height(p.height)
        .x_axis_label(x_label)
        .y_axis_label("cores busy")
        .include_x(0.0)
        .include_y(0.0)
        .include_y(top * 1.1)
        .label_formatter(|h| hover_text(h, p.calls, offset))
        .allow_scroll(false)
        .show(ui, |plot| {
            let mut labels = Labels::default();
            if whole {
                let earlier = if p.ended { p.calls } else { &p.calls[..p.exp.traces.len().min(p.calls.len())] };
                for (i, c) in earlier.iter().enumerate().filter(|(_, c)| c.cpu.len() >= 2) {
                    let color = if c.reference { REFERENCE } else { EARLIER };
                    plot.line(Line::new(c.name(), c.cpu.clone()).id(("call", i)).width(1.5).color(color));
                    if let (false, Some(cores)) = (p.ended, c.cores()) {
                        labels.add([c.mid_s(), cores], format!("{cores:.1} cores"), color, false);
                    }
                }
            }
            if p.ended {
                averages(plot, &mut labels, p.calls, p.points);
            } else {
                current(plot, p.exp, offset);
            }
            labels.draw(plot);
        });
}

/// The call running now, bold, with a thin line per thread that reported.
fn current(plot: &mut egui_plot::PlotUi<'_>, exp: &LiveExperiment, offset: f64) {
    let shift = |v: Vec<[f64; 2]>| -> Vec<[f64; 2]> { v.into_iter().map(|[t, c]| [t - offset, c]).collect() };
    plot.line(Line::new(format!("now: {}", exp.current.label), shift(exp.current_cpu())).width(2.5).color(NOW));
    let threads: Vec<usize> = reported(&exp.current).map(|w| w.worker).collect();
    if threads.len() > 1 && threads.len() <= 32 {
        for (k, t) in threads.into_iter().enumerate() {
            plot.line(Line::new(format!("thread {t}"), shift(exp.worker_cpu(t))).width(1.0).color(palette(k + 1)));
        }
    }
}

/// Every run's average cores as a point numbered as its configuration in
/// the table; the quickest configuration's points bigger, one named.
fn averages(plot: &mut egui_plot::PlotUi<'_>, labels: &mut Labels, calls: &[CallTrace], points: &[ProgramPoint]) {
    let best = quickest(points);
    let mut named = false;
    for (i, c) in calls.iter().enumerate() {
        let (Some(cores), Some(k)) = (c.cores(), points.iter().position(|p| p.label == c.label)) else { continue };
        let is_best = best.is_some_and(|b| b.label == c.label);
        let color = if is_best {
            FASTEST
        } else if c.reference {
            REFERENCE
        } else {
            NOW
        };
        let name = format!("#{} {}: {cores:.2} cores busy on average, {}", k + 1, c.name(), secs(c.duration_s));
        plot.points(
            Points::new(name, vec![[c.mid_s(), cores]]).id(("run average", i)).radius(if is_best { 6.5 } else { 4.5 }).color(color),
        );
        match best.filter(|_| is_best && !named) {
            Some(b) => {
                named = true;
                labels.add([c.mid_s(), cores], format!("#{} quickest: {}", k + 1, secs(b.time_s)), FASTEST, true);
            }
            None => labels.add([c.mid_s(), cores], format!("#{}", k + 1), color, false),
        }
    }
}

/// The tooltip: near a point, its line's name, time and cores; elsewhere,
/// the run that went on at that time.
fn hover_text(h: &HoverPosition<'_>, calls: &[CallTrace], offset: f64) -> Option<String> {
    match h {
        HoverPosition::NearDataPoint { plot_name, .. } if plot_name.contains("on average") => Some(plot_name.to_string()),
        HoverPosition::NearDataPoint { plot_name, position: p, .. } => Some(format!("{plot_name}\n{:.2} s: {:.2} cores busy", p.x, p.y)),
        HoverPosition::Elsewhere { position } => {
            let end = calls.iter().map(|c| c.at_s + c.duration_s).fold(0.0, f64::max);
            let c = call_at(calls, position.x + offset, end / 100.0)?;
            let cores = c.cores().map_or_else(String::new, |x| format!(", {x:.2} cores busy on average"));
            Some(format!("{}\n{}{cores}", c.name(), secs(c.duration_s)))
        }
    }
}

/// Every configuration of the ended job: its number on the plot, its
/// label, its mean time, the cores it kept busy and its speedup.
fn summary_table(ui: &mut egui::Ui, points: &[ProgramPoint]) {
    let best = quickest(points).map(|q| q.label.as_str());
    egui::ScrollArea::vertical().id_salt("live summary").max_height(table_height(points)).show(ui, |ui| {
        egui::Grid::new("live program summary").striped(true).num_columns(5).show(ui, |ui| {
            for head in ["#", "run", "time (median)", "cores busy", "vs the reference"] {
                ui.label(RichText::new(head).strong());
            }
            ui.end_row();
            for (i, p) in points.iter().enumerate() {
                ui.label(format!("#{}", i + 1));
                let runs = if p.calls > 1 { format!(" ({} runs)", p.calls) } else { String::new() };
                if best == Some(p.label.as_str()) {
                    ui.label(RichText::new(format!("{}{runs}  - quickest", p.label)).strong().color(FASTEST));
                } else {
                    ui.label(format!("{}{runs}", p.label));
                }
                ui.label(secs(p.time_s));
                ui.label(p.cores.map_or_else(|| "-".to_string(), |c| format!("{c:.2}")));
                ui.label(p.speedup.map_or_else(|| "-".to_string(), |s| format!("{s:.2}x")));
                ui.end_row();
            }
        });
    });
}

/// The program's threads, one row each: its CPU time, a bar of it against
/// the busiest thread's, and the split of its time.
fn lanes(ui: &mut egui::Ui, live: &LiveRun, name: &str) {
    let every = crate::workloads::command::SAMPLE_EVERY.as_millis();
    ui.label(
        RichText::new(format!("Lanes: the threads of {name} (its whole process tree), CPU use sampled from /proc every {every} ms"))
            .strong(),
    );
    ui.horizontal_wrapped(|ui| {
        chip(ui, NOW, "CPU time (longest bar: the busiest thread)");
        chip(ui, BUSY, "on a CPU");
        chip(ui, WAIT, "alive, not on a CPU");
        chip(ui, IDLE, "not started yet / ended");
    });
    if reported(live).next().is_none() {
        ui.label(RichText::new("Waiting for the first sample of its threads...").weak());
        return;
    }
    let max = reported(live).map(|w| w.busy_s).fold(0.0, f64::max).max(f64::MIN_POSITIVE);
    egui::ScrollArea::vertical().id_salt("workers").show(ui, |ui| {
        for w in reported(live) {
            ui.horizontal(|ui| lane(ui, live, w, max, name));
        }
    });
}

/// One thread of the program.
fn lane(ui: &mut egui::Ui, live: &LiveRun, w: &WorkerStats, max_cpu_s: f64, name: &str) {
    ui.label(RichText::new(format!("thread {:<3} CPU {:>9.3} s", w.worker, w.busy_s)).monospace());
    let width = (ui.available_width() - 10.0).max(100.0);
    let (rect, resp) = ui.allocate_exact_size(egui::vec2(width, 16.0), egui::Sense::hover());
    let p = ui.painter();
    let top = egui::Rect::from_min_size(rect.min, egui::vec2(rect.width() * (w.busy_s / max_cpu_s) as f32, 6.0));
    p.rect_filled(top, 1.0, NOW);
    let (busy, wait, idle) = time_split(w, live.elapsed_s);
    let mut x = rect.left();
    for (frac, color) in [(busy, BUSY), (wait, WAIT), (idle, IDLE)] {
        let seg = egui::Rect::from_min_size(egui::pos2(x, rect.top() + 8.0), egui::vec2(rect.width() * frac as f32, 8.0));
        p.rect_filled(seg, 0.0, color);
        x += seg.width();
    }
    resp.on_hover_text(format!(
        "thread {} of {name}: {:.3} s on a CPU ({:.0}%), {:.3} s alive but not on a CPU ({:.0}%), {:.0}% not started yet or ended",
        w.worker,
        w.busy_s,
        busy * 100.0,
        w.wait_s,
        wait * 100.0,
        idle * 100.0
    ));
}
