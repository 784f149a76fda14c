//! "What if?": a model built from one run (per-item map and pull costs,
//! the lock's critical section, per-chunk overhead, imbalance) predicts the
//! speedup at any thread count, as measured and under changed conditions,
//! over the measured points; it names the change that would help most, and
//! says how far off it was on the other runs of the experiment.

use eframe::egui::{self, Color32, RichText};
use egui_plot::{Line, LineStyle, Points};

use super::chip;
use crate::analysis::whatif::{self, Change};
use crate::experiment::{Experiment, RunRecord};
use crate::export::plot_data::Analysed;

/// A run a model can be built from: (source index, run index, its name).
type Candidate = (usize, usize, String);

/// Draws the section; `chosen` is the (source, run) the model is built from.
pub fn ui(ui: &mut egui::Ui, sources: &[Analysed<'_>], chosen: &mut Option<(usize, usize)>) {
    ui.heading("What if?");
    let candidates = candidates(sources);
    if candidates.is_empty() {
        ui.label("Run a threaded feeder (dispenser, queue, locked, rayon or auto on several cores) to ask what would change its scaling. The model covers plain map-reduce runs: not the streams, the one-pass aggregates or variants.");
        return;
    }
    if !chosen.is_some_and(|c| candidates.iter().any(|(s, r, _)| (*s, *r) == c)) {
        *chosen = most_helped(sources, &candidates);
    }
    let Some((si, ri)) = *chosen else { return };
    run_picker(ui, &candidates, chosen);
    let (_, file, analysis) = sources[si];
    let run = &file.runs[ri];
    let Some(w) = whatif::what_if(file, run) else { return };
    ui.label(RichText::new(&w.summary).strong());
    ui.label(RichText::new(w.model.measured()).small());
    // The checks were made when the experiment joined the shelf.
    let from = whatif::label(run);
    let checks: Vec<&whatif::Check> = analysis.what_if_check.iter().filter(|c| c.from == from).collect();
    ui.label(RichText::new(check_line(&checks)).small().color(ui.visuals().weak_text_color()));
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
        ui.label("model built from");
        egui::ComboBox::from_id_salt("what-if-run").selected_text(current).show_ui(ui, |ui| {
            for (s, r, text) in candidates {
                ui.selectable_value(chosen, Some((*s, *r)), text);
            }
        });
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
