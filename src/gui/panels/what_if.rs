//! "What if?": a model built from one run (per-item map and pull costs,
//! the lock's critical section, per-chunk overhead, imbalance) predicts the
//! speedup at any thread count, as measured and under changed conditions,
//! over the measured points; it names the change that would help most, and
//! says how far off it was on the other runs of the experiment. Each
//! prediction that can be run here (another thread count, another chunk
//! size where the feeder has one, the GIL off) has a "Check it" button: it
//! runs that configuration into the same experiment, and the row then
//! shows predicted against measured.

use eframe::egui::{self, Color32, RichText};
use egui_plot::{Line, LineStyle, Points};

use super::chip;
use crate::analysis::whatif::{self, Change, Model};
use crate::engine::{ChunkSize, Threads};
use crate::experiment::{Experiment, ExperimentId, RunRecord, SweepPlan};
use crate::export::plot_data::Analysed;

/// A prediction the person asked to check: run `plan` into the experiment `target`.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckRequest {
    /// The experiment the run joins.
    pub target: ExperimentId,
    /// The one configuration to run.
    pub plan: SweepPlan,
    /// What is checked, in words (`x4 threads`, `chunks of 64`).
    pub what: String,
    /// The model's prediction, seconds.
    pub predicted_s: f64,
}

/// A prediction that can be run here: its words, the configuration and
/// the predicted seconds.
struct Runnable {
    what: String,
    threads: usize,
    chunk: ChunkSize,
    gil: bool,
    predicted_s: f64,
}

/// A run a model can be built from: (source index, run index, its name).
type Candidate = (usize, usize, String);

/// Draws the section; `chosen` is the (source, run) the model is built
/// from; `busy` while a job runs (no check can start). A "Check it" click
/// comes back as the request to run.
pub fn ui(ui: &mut egui::Ui, sources: &[Analysed<'_>], chosen: &mut Option<(usize, usize)>, busy: bool) -> Option<CheckRequest> {
    ui.heading("What if?");
    let candidates = candidates(sources);
    if candidates.is_empty() {
        ui.label("Run a threaded feeder (dispenser, queue, locked, rayon or auto on several cores) to ask what would change its scaling. The model covers plain map-reduce runs: not the streams, the one-pass aggregates or variants.");
        return None;
    }
    if !chosen.is_some_and(|c| candidates.iter().any(|(s, r, _)| (*s, *r) == c)) {
        *chosen = most_helped(sources, &candidates);
    }
    let (si, ri) = (*chosen)?;
    run_picker(ui, &candidates, chosen);
    let (_, file, analysis) = sources[si];
    let run = &file.runs[ri];
    let w = whatif::what_if(file, run)?;
    ui.label(RichText::new(&w.summary).strong());
    ui.label(RichText::new(w.model.measured()).small());
    // The checks were made when the experiment joined the shelf.
    let from = whatif::label(run);
    let checked: Vec<&whatif::Check> = analysis.what_if_check.iter().filter(|c| c.from == from).collect();
    ui.label(RichText::new(check_line(&checked)).small().color(ui.visuals().weak_text_color()));
    ui.horizontal_wrapped(|ui| {
        super::scaling::series_chips(ui, w.scenarios.iter().map(|sc| sc.change.label()));
        chip(ui, Color32::WHITE, "measured (this series)");
        super::scaling::cores_chip(ui, &file.machine.marks());
    });
    plot(ui, &w, file, run);
    super::hint(
        ui,
        "each line is the speedup the model predicts on a machine with that many cores; the thick one is the run as measured, the dashed ones change one condition. The white dots are what this series measured here (past this machine's cores they share cores, so they sit below the curve).",
    );
    checks(ui, file, run, &w.model, busy)
}

/// The predictions that can be run on this machine, each with what was
/// measured or a "Check it" button; the click's request.
fn checks(ui: &mut egui::Ui, file: &Experiment, run: &RunRecord, model: &Model, busy: bool) -> Option<CheckRequest> {
    ui.add_space(4.0);
    ui.label(RichText::new("Check a prediction: run it here, into this experiment").strong());
    ui.label(RichText::new(design_can(run)).small());
    let mut asked = None;
    egui::Grid::new("what-if-checks").num_columns(3).striped(true).show(ui, |ui| {
        for r in runnable(file, run, model) {
            ui.label(&r.what);
            ui.label(format!("predicted {}", ms(r.predicted_s)));
            match measured(file, run, &r) {
                Some(m) => {
                    let error = (r.predicted_s - m.median_s) / m.median_s.max(1e-12) * 100.0;
                    // Rounded first: never "-0%".
                    let error = if error.abs() < 0.5 { "0%".to_string() } else { format!("{error:+.0}%") };
                    ui.label(format!("measured {}: error {error}", ms(m.median_s)));
                }
                None => {
                    let button = ui.add_enabled(!busy, egui::Button::new("Check it")).on_disabled_hover_text("a job is running");
                    if button.on_hover_text("Runs this configuration into this experiment and compares").clicked() {
                        asked = Some(request(file, run, &r));
                    }
                }
            }
            ui.end_row();
        }
    });
    asked
}

/// Which changes this design can make (rayon has no chunk setting; a lock
/// per item has none either), in words.
fn design_can(run: &RunRecord) -> String {
    let chunk =
        if run.feeder.takes_chunks() { "its thread count and its chunk size" } else { "its thread count only: it has no chunk setting" };
    let gil = if run.gil { ", and the GIL off" } else { "" };
    format!("{} can change {chunk}{gil}. (A fused loop on one core has no lock to model.)", run.feeder)
}

/// The runnable predictions: every thread count up to twice the cores but
/// the model's own, another chunk size, the GIL off.
fn runnable(file: &Experiment, run: &RunRecord, model: &Model) -> Vec<Runnable> {
    let cores = file.machine.logical_cores.max(1);
    let at = |p: usize, change: Change| model.time_on(p, change, true);
    let mut out: Vec<Runnable> = whatif::curve_threads(cores)
        .into_iter()
        .filter(|&p| p != run.threads && p <= 2 * cores)
        .map(|p| Runnable {
            what: format!("x{p} threads"),
            threads: p,
            chunk: run.chunk_size,
            gil: run.gil,
            predicted_s: at(p, Change::AsMeasured),
        })
        .collect();
    for change in model.changes(run.feeder) {
        let (chunk, gil) = match change {
            Change::Chunk { items } => (ChunkSize::fixed(items as usize).unwrap_or(run.chunk_size), run.gil),
            Change::NoGil => (run.chunk_size, false),
            _ => continue,
        };
        let what = format!("x{} threads, {}", run.threads, change.label());
        out.push(Runnable { what, threads: run.threads, chunk, gil, predicted_s: at(run.threads, change) });
    }
    out
}

/// The run of `file` that measured `r`'s configuration, if any.
fn measured<'a>(file: &'a Experiment, run: &RunRecord, r: &Runnable) -> Option<&'a RunRecord> {
    file.runs.iter().find(|x| (x.variant, x.feeder, x.threads, x.chunk_size, x.gil) == (run.variant, run.feeder, r.threads, r.chunk, r.gil))
}

/// The request to run `r` into `file`: the experiment's own repetitions and warm-up.
fn request(file: &Experiment, run: &RunRecord, r: &Runnable) -> CheckRequest {
    let threads = Threads::new(r.threads).map_or_else(|_| vec![], |t| vec![t]);
    let plan = SweepPlan {
        chunks: vec![r.chunk],
        gil: vec![r.gil],
        reps: file.asked.reps.max(1),
        warmup: file.asked.warmup,
        ..SweepPlan::single(crate::workloads::WorkloadSpec { input: None, ..file.workload.clone() }, run.feeder, &threads)
    };
    CheckRequest { target: file.id.clone(), plan, what: r.what.clone(), predicted_s: r.predicted_s }
}

/// Seconds as milliseconds, `12.3 ms`.
fn ms(s: f64) -> String {
    format!("{:.1} ms", s * 1e3)
}

/// Every run a model can be built from: one per series.
fn candidates(sources: &[Analysed<'_>]) -> Vec<Candidate> {
    sources
        .iter()
        .enumerate()
        .flat_map(|(si, (name, file, _))| {
            whatif::series_runs(file).into_iter().filter_map(move |r| {
                let ri = file.runs.iter().position(|x| std::ptr::eq(x, r))?;
                Some((si, ri, format!("{name}: {}", whatif::label(r))))
            })
        })
        .collect()
}

/// The run a change would help most: the one with a lesson in it.
fn most_helped(sources: &[Analysed<'_>], candidates: &[Candidate]) -> Option<(usize, usize)> {
    let gain = |c: &&Candidate| {
        let (s, r) = (c.0, c.1);
        let (_, file, _) = sources[s];
        whatif::what_if(file, &file.runs[r]).and_then(|w| w.best).map_or(1.0, |b| b.1)
    };
    candidates.iter().max_by(|a, b| gain(a).total_cmp(&gain(b))).map(|(s, r, _)| (*s, *r))
}

/// The combo box that picks the run the model is built from.
fn run_picker(ui: &mut egui::Ui, candidates: &[Candidate], chosen: &mut Option<(usize, usize)>) {
    let current = candidates.iter().find(|(s, r, _)| Some((*s, *r)) == *chosen).map_or(String::new(), |c| c.2.clone());
    ui.horizontal(|ui| {
        let label = ui.label("model built from");
        let combo = egui::ComboBox::from_id_salt("what-if-run").selected_text(current).show_ui(ui, |ui| {
            for (s, r, text) in candidates {
                ui.selectable_value(chosen, Some((*s, *r)), text);
            }
        });
        // Named for screen readers (and the tests' accessibility check).
        combo.response.labelled_by(label.id);
    });
}

/// The predicted speedup of each scenario over the threads, with the
/// measured points of the series the model was built from.
fn plot(ui: &mut egui::Ui, w: &whatif::WhatIf, file: &Experiment, run: &RunRecord) {
    let top = w.scenarios.iter().flat_map(|s| s.curve.iter().map(|p| p.1)).fold(2.0, f64::max) * 1.1;
    let max_p = w.scenarios.iter().flat_map(|s| s.curve.iter().map(|p| p.0)).max().unwrap_or(16) as f64;
    let plot = super::scaling::speedup_plot("what-if", 260.0, "threads (a machine with that many cores)", "predicted speedup", max_p);
    plot.include_y(0.0).include_y(top).show(ui, |plot| {
        super::scaling::speedup_guides(plot, &file.machine.marks(), top.min(max_p));
        for (i, sc) in w.scenarios.iter().enumerate() {
            let pts: Vec<[f64; 2]> = sc.curve.iter().map(|&(p, y)| [p as f64, y]).collect();
            let line = Line::new(sc.change.label(), pts).color(color(i)).width(if sc.change == Change::AsMeasured { 2.5 } else { 1.5 });
            plot.line(if sc.change == Change::AsMeasured { line } else { line.style(LineStyle::dashed_dense()) });
        }
        let measured: Vec<[f64; 2]> = file
            .runs
            .iter()
            .filter(|r| r.feeder == run.feeder && r.chunk_size == run.chunk_size && r.gil == run.gil && r.variant.is_none())
            .map(|r| [r.threads as f64, r.speedup])
            .collect();
        plot.points(Points::new("measured (this series)", measured).color(Color32::WHITE).radius(4.0));
    });
}

/// How far off the model was on the experiment's other runs of the same feeder.
fn check_line(checks: &[&whatif::Check]) -> String {
    if checks.is_empty() {
        return "checked: no other runs of this feeder here to check the model against (sweep thread counts or chunk sizes)".into();
    }
    let mut errs: Vec<f64> = checks.iter().map(|c| c.error).collect();
    errs.sort_by(f64::total_cmp);
    let worst = checks
        .iter()
        .max_by(|a, b| a.error.total_cmp(&b.error))
        .map_or(String::new(), |c| format!(" ({}: predicted {:.1} ms, measured {:.1} ms)", c.run, c.predicted_s * 1e3, c.measured_s * 1e3));
    format!(
        "checked against the other runs of this feeder here ({}): median error {:.0}%, worst {:.0}%{worst}",
        checks.len(),
        errs[errs.len() / 2] * 100.0,
        errs[errs.len() - 1] * 100.0
    )
}

fn color(i: usize) -> Color32 {
    super::scaling::palette(i)
}
