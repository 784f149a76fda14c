//! "Why not ideal?": the diagnosis of each run, scaling models fitted over
//! the thread sweeps and extrapolated to bigger machines, what would change
//! the scaling (`what_if.rs`), and a per-worker timeline of a run.

use eframe::egui::{self, Color32, RichText};
use egui_plot::{FilledArea, HoverPosition, Line, LineStyle, MarkerShape, Plot, Points};

use super::hint;
use crate::analysis::diagnosis::Severity;
use crate::analysis::{Analysis, FitRecord, MIN_EXTRAPOLATE};
use crate::engine::SpanKind;
use crate::experiment::{Experiment, RunRecord};
use crate::export::plot_data::{Analysed, Labelled};
use crate::export::plot_data::{LaneBin, lanes, timeline_runs};

/// What the panel remembers between frames.
#[derive(Clone, Debug, Default)]
pub struct WhyState {
    /// Extrapolate the fits to 128 threads (else 64).
    pub to_128: bool,
    /// The run whose timeline is shown: (source index, run index).
    pub timeline: Option<(usize, usize)>,
    /// The run the what-if model is built from: (source index, run index).
    pub what_if: Option<(usize, usize)>,
}

/// Draws the panel; `busy` while a job runs (no prediction can be checked then).
pub fn ui(ui: &mut egui::Ui, sources: &[Analysed<'_>], state: &mut WhyState, busy: bool, actions: &mut Vec<super::Action>) {
    if sources.is_empty() {
        ui.label("No results for this workload yet: run something, or open a results file.");
        return;
    }
    let labelled = crate::export::plot_data::labelled(sources);
    super::experiments::caption(ui, &labelled);
    egui::ScrollArea::vertical().show(ui, |ui| {
        if sources.len() > 1 {
            super::compare::ui(ui, sources);
            ui.separator();
        }
        diagnoses(ui, sources);
        machine_notes(ui, sources);
        ui.separator();
        fits(ui, sources, state);
        ui.separator();
        if let Some(asked) = super::what_if::ui(ui, sources, &mut state.what_if, busy) {
            actions.push(super::Action::Check(Box::new(asked)));
        }
        ui.separator();
        timeline(ui, &labelled, state);
    });
}

/// What each experiment's machine did to its runs (its CPU set, quota,
/// SMT, core types, governor), under "The machine"; nothing where it did nothing.
fn machine_notes(ui: &mut egui::Ui, sources: &[Analysed<'_>]) {
    let noted: Vec<_> = sources.iter().filter(|(_, _, a)| !a.machine.is_empty()).collect();
    if noted.is_empty() {
        return;
    }
    ui.add_space(6.0);
    ui.heading("The machine");
    for (name, _, analysis) in noted {
        for n in &analysis.machine {
            ui.label(RichText::new(format!("{name}: {}", n.headline)).strong());
            ui.label(RichText::new(format!("evidence: {}", n.evidence)).small());
        }
    }
}

fn label(file: &Experiment, r: &RunRecord) -> String {
    file.run_name(r)
}

fn diagnoses(ui: &mut egui::Ui, sources: &[Analysed<'_>]) {
    ui.heading("Why not ideal?");
    for (name, file, analysis) in sources {
        for (r, d) in file.runs.iter().zip(&analysis.diagnoses) {
            ui.horizontal_wrapped(|ui| {
                ui.label(RichText::new(format!("{name}: {}", label(file, r))).strong());
                let spread = crate::analysis::headline::Spread::of(r, file.baseline_median_s());
                ui.label(format!("(speedup {spread}, efficiency {:.2}):", r.efficiency));
                ui.label(RichText::new(&d.headline).color(severity_color(d.severity(r))));
            });
            ui.label(RichText::new(format!("   evidence: {}", d.evidence)).small());
            ui.label(RichText::new(format!("   try: {}", d.suggestion)).small());
        }
        weak(ui, name, file, analysis);
    }
}

/// Weak scaling, where it was measured: Gustafson's reading per series,
/// against Amdahl's from the strong sweep of the same runs.
fn weak(ui: &mut egui::Ui, name: &str, file: &Experiment, analysis: &Analysis) {
    if file.weak.is_none() {
        return;
    }
    let cores = file.machine.logical_cores;
    for g in &analysis.gustafson {
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new(format!("{name}: {} (n grows with the threads)", g.series_name())).strong());
            ui.label(RichText::new(g.headline(cores)).color(severity_color(Severity::Good)));
        });
        let strong = analysis.fit_of(g.feeder, g.chunk_size, g.gil, g.variant);
        let amdahl = strong.map_or(String::new(), |f| {
            format!(
                "; Amdahl from the strong sweep, n fixed: {:.1}x at 16, at most {}",
                f.amdahl.speedup(16.0),
                f.amdahl_ceiling.map_or("unbounded".into(), |c| format!("{c:.1}x"))
            )
        });
        ui.label(
            RichText::new(format!(
                "   Gustafson: S(p) = p - {:.3} (p - 1): {:.1}x at 16 threads if the work grows with them{amdahl}",
                g.serial,
                g.speedup(16.0)
            ))
            .small(),
        );
    }
}

/// Green for good news, amber for a loss worth a look, red for a loss that dominates.
fn severity_color(s: Severity) -> Color32 {
    match s {
        Severity::Good => Color32::from_rgb(60, 170, 90),
        Severity::Notice => Color32::from_rgb(220, 160, 50),
        Severity::Bad => Color32::from_rgb(220, 70, 60),
    }
}

/// How well the fits fit and predict, and the extrapolated ranges, in one line.
fn fit_quality_line(f: &FitRecord) -> String {
    let mut s = format!("    quality: Amdahl {}", f.amdahl_quality.line());
    if let Some(q) = &f.usl_quality {
        s.push_str(&format!("; USL {}", q.line()));
    }
    if let Some(why) = f.usl_quality.as_ref().unwrap_or(&f.amdahl_quality).missing() {
        s.push_str(&format!(" ({why})"));
    }
    let ranges: Vec<String> = f.predicted.iter().map(|(p, _, lo, hi)| format!("{p}: {lo:.1}-{hi:.1}x")).collect();
    if !ranges.is_empty() {
        s.push_str(&format!("; predicted range at threads {}", ranges.join(", ")));
    }
    s
}

fn fits(ui: &mut egui::Ui, sources: &[Analysed<'_>], state: &mut WhyState) {
    ui.horizontal(|ui| {
        ui.heading("Fitted scaling models");
        ui.checkbox(&mut state.to_128, "extrapolate to 128 threads (else 64)");
    });
    let any = sources.iter().any(|(_, _, a)| !a.fits.is_empty());
    if !any {
        ui.label("Sweep at least two thread counts (three for the USL) to fit Amdahl's law and the Universal Scalability Law.");
        return;
    }
    let asked_p = if state.to_128 { 128.0 } else { 64.0 };
    short_fits(ui, sources, asked_p);
    fit_lines(ui, sources);
    fits_legend(ui, sources);
    ui.label(
        RichText::new("dashed: Amdahl; solid: USL; shaded: the band between the fits to the fastest and slowest repetitions; dots: measured and fitted; hollow diamonds: measured past the core count, not fitted")
            .small(),
    );
    fits_plot(ui, sources, asked_p);
    hint(
        ui,
        "dots are measured; the dashed curve is Amdahl's law (a fixed serial part: it flattens at its ceiling), the solid one the Universal Scalability Law (contention and crosstalk: it can peak and fall). The shaded band comes from fitting the fastest and the slowest repetitions. Points above this machine's core count make any fit pessimistic.",
    );
}

/// How far a fit's curves are drawn: to `asked_p` threads, or, for a fit
/// from fewer than [`MIN_EXTRAPOLATE`] thread counts (which cannot tell one
/// model from another), to its last measured point.
fn reach(f: &FitRecord, asked_p: f64) -> f64 {
    if f.threads.len() >= MIN_EXTRAPOLATE { asked_p } else { f.threads.iter().copied().max().unwrap_or(1) as f64 }
}

/// A fit's series: the source, the feeder, the chunk size and the GIL (a
/// program's: the source and the program).
fn series_name(name: &str, file: &Experiment, f: &FitRecord) -> String {
    format!("{name}: {}", crate::analysis::series_name(file, f))
}

/// A warning for each fit too short to extrapolate.
fn short_fits(ui: &mut egui::Ui, sources: &[Analysed<'_>], asked_p: f64) {
    for (name, file, analysis) in sources {
        for f in analysis.fits.iter().filter(|f| f.threads.len() < MIN_EXTRAPOLATE) {
            ui.label(RichText::new(format!(
                "{}: fitted from {} thread counts at or below the core count; {MIN_EXTRAPOLATE} are needed to extrapolate, so its curves stop at {} threads{}.",
                series_name(name, file, f),
                f.threads.len(),
                reach(f, asked_p),
                if file.machine.logical_cores < MIN_EXTRAPOLATE { " (this machine has too few cores: run `scalescope sweep` on a bigger one and open its file here)" } else { "" }
            )).small().color(ui.visuals().warn_fg_color));
        }
    }
}

/// Each fit's parameters in one line, and its quality in a second.
fn fit_lines(ui: &mut egui::Ui, sources: &[Analysed<'_>]) {
    for (name, file, analysis) in sources {
        for f in &analysis.fits {
            let mut text = format!(
                "{}: Amdahl f = {:.3} (ceiling {})",
                series_name(name, file, f),
                f.amdahl.f,
                f.amdahl_ceiling.map_or("unbounded".into(), |c| format!("{c:.1}x"))
            );
            if let Some(u) = &f.usl {
                text.push_str(&format!(
                    "; USL sigma = {:.3}, kappa = {:.4}, {}",
                    u.sigma,
                    u.kappa,
                    f.usl_peak_threads.map_or("no peak".to_string(), |p| format!("peak {:.1}x at {p:.0} threads", u.speedup(p)))
                ));
            }
            ui.label(text);
            ui.label(RichText::new(fit_quality_line(f)).small());
        }
    }
}

/// The legend outside the plot, so it never covers a curve.
fn fits_legend(ui: &mut egui::Ui, sources: &[Analysed<'_>]) {
    ui.horizontal_wrapped(|ui| {
        super::scaling::series_chips(ui, sources.iter().flat_map(|(name, file, a)| a.fits.iter().map(move |f| series_name(name, file, f))));
        super::scaling::cores_chip(ui, &sources.first().map_or_else(Vec::new, |s| s.1.machine.marks()));
    });
}

/// The fitted curves, their bands and the measured points, one colour per fit.
fn fits_plot(ui: &mut egui::Ui, sources: &[Analysed<'_>], asked_p: f64) {
    let max_p = sources.iter().flat_map(|(_, _, a)| a.fits.iter().map(|f| reach(f, asked_p))).fold(2.0, f64::max);
    super::scaling::speedup_plot("fits", 300.0, "threads", "speedup", max_p).show(ui, |plot| {
        // The ideal line only up to a little above the highest curve, so
        // that it does not squash the curves that matter.
        let top = sources
            .iter()
            .flat_map(|(_, f, a)| a.fits.iter().flat_map(|fit| fit.predicted.iter().map(|p| p.3)).chain(f.runs.iter().map(|r| r.speedup)))
            .fold(2.0, f64::max)
            * 1.5;
        super::scaling::speedup_guides(plot, &sources.first().map_or_else(Vec::new, |s| s.1.machine.marks()), top.min(max_p));
        let fits = sources.iter().flat_map(|(name, file, a)| a.fits.iter().map(move |f| (*name, *file, f)));
        for (i, (name, file, f)) in fits.enumerate() {
            fit_curves(plot, &series_name(name, file, f), file, f, super::scaling::palette(i), reach(f, asked_p));
        }
    });
}

/// One fit: Amdahl dashed, the USL solid, the band between the fits to the
/// fastest and slowest repetitions, and the runs it was fitted to, up to `end` threads.
fn fit_curves(plot: &mut egui_plot::PlotUi<'_>, series: &str, file: &Experiment, f: &FitRecord, color: Color32, end: f64) {
    let xs: Vec<f64> = (0..=200).map(|k| 1.0 + (end - 1.0) * k as f64 / 200.0).collect();
    plot.line(
        Line::new(format!("{series}: Amdahl"), xs.iter().map(|&p| [p, f.amdahl.speedup(p)]).collect::<Vec<_>>())
            .color(color)
            .style(LineStyle::dashed_dense()),
    );
    if let Some(u) = &f.usl {
        plot.line(Line::new(format!("{series}: USL"), xs.iter().map(|&p| [p, u.speedup(p)]).collect::<Vec<_>>()).color(color).width(2.0));
    }
    let band: Vec<&(usize, f64, f64, f64)> = f.predicted.iter().filter(|p| p.0 as f64 <= end).collect();
    if band.len() >= 2 {
        let x: Vec<f64> = band.iter().map(|p| p.0 as f64).collect();
        let lo: Vec<f64> = band.iter().map(|p| p.2).collect();
        let hi: Vec<f64> = band.iter().map(|p| p.3).collect();
        plot.add(FilledArea::new(format!("{series}: band"), &x, &lo, &hi).fill_color(color.gamma_multiply(0.25)));
    }
    let (fitted, not_fitted): (Vec<[f64; 2]>, Vec<[f64; 2]>) = file
        .runs
        .iter()
        .filter(|r| r.feeder == f.feeder && r.chunk_size == f.chunk_size && r.gil == f.gil)
        .map(|r| [r.threads as f64, r.speedup])
        .partition(|p| p[0] <= file.machine.logical_cores.max(1) as f64);
    plot.points(Points::new(format!("{series}: measured, fitted"), fitted).color(color).radius(4.0));
    if !not_fitted.is_empty() {
        plot.points(
            Points::new(format!("{series}: measured past the core count, not fitted"), not_fitted)
                .color(color)
                .filled(false)
                .shape(MarkerShape::Diamond)
                .radius(5.0),
        );
    }
}

fn timeline(ui: &mut egui::Ui, sources: &[Labelled<'_>], state: &mut WhyState) {
    ui.heading("Per-worker timeline");
    let runs = timeline_runs(sources);
    if runs.is_empty() {
        ui.label("No recorded timeline yet (the app records one per configuration; `scalescope sweep --spans` too).");
        return;
    }
    if state.timeline.is_none_or(|k| !runs.contains(&k)) {
        state.timeline = runs.last().copied();
    }
    let Some((si, ri)) = state.timeline else { return };
    let selected = &sources[si].1.runs[ri];
    egui::ComboBox::from_label("run").selected_text(format!("{}: {}", sources[si].0, label(sources[si].1, selected))).show_ui(ui, |ui| {
        for &(s, r) in &runs {
            ui.selectable_value(
                &mut state.timeline,
                Some((s, r)),
                format!("{}: {}", sources[s].0, label(sources[s].1, &sources[s].1.runs[r])),
            );
        }
    });
    if selected.spans_cut {
        ui.label(
            RichText::new("This timeline was cut to fit the experiment's limit of recorded spans: it shows the start of the run only.")
                .color(ui.visuals().warn_fg_color),
        );
    }
    timeline_plot(ui, selected);
    hint(
        ui,
        "one lane per worker (the last lane, if any, is the final reduce on the calling thread). Green is mapping, orange waiting for input. Gaps at the end are an idle tail (imbalance); orange everywhere is a contended source. Drag to pan, scroll with Ctrl to zoom, hover for a span's numbers.",
    );
}

/// The lanes of one run's timeline, one per worker, coloured by what
/// dominates each bin.
fn timeline_plot(ui: &mut egui::Ui, run: &RunRecord) {
    let workers = run.spans.iter().map(|s| s.worker).max().unwrap_or(0) + 1;
    let bins = lanes(&run.spans, (1600 / workers).clamp(50, 400));
    // The last lane is the calling thread's final reduce, where there is one.
    let reduce_lane = run.spans.iter().find(|s| s.kind == SpanKind::Reduce).map(|s| s.worker);
    Plot::new("timeline")
        .y_axis_formatter(move |m, _| lane_name(m.value, reduce_lane, workers))
        .height((workers as f32 * 26.0 + 60.0).clamp(120.0, 420.0))
        .x_axis_label("seconds since the call began")
        .y_axis_label("worker")
        .include_y(-0.5)
        .include_y(workers as f64 - 0.5)
        .allow_scroll(false)
        .label_formatter(|h| match h {
            HoverPosition::NearDataPoint { plot_name, .. } => Some(plot_name.to_string()),
            HoverPosition::Elsewhere { position } => Some(format!("{:.4} s", position.x)),
        })
        .show(ui, |plot| {
            for b in bins {
                plot.line(lane(&b));
            }
        });
}

/// A lane's name on the y axis: `w0`, `w1`, ... and `reduce` for the calling thread's lane.
fn lane_name(y: f64, reduce_lane: Option<usize>, lanes: usize) -> String {
    if y < -0.01 || y.fract().abs() > 0.01 || y.round() as usize >= lanes {
        return String::new();
    }
    let lane = y.round() as usize;
    if Some(lane) == reduce_lane { "reduce".into() } else { format!("w{lane}") }
}

/// One bin of a lane: a thick segment named with its shares of the time.
fn lane(b: &LaneBin) -> Line<'static> {
    let color = match b.dominant() {
        Some(SpanKind::Map) => Color32::from_rgb(70, 160, 90),
        Some(SpanKind::Wait) => Color32::from_rgb(220, 150, 50),
        _ => Color32::from_rgb(80, 140, 230),
    };
    let len = b.end_s - b.start_s;
    let who =
        if b.reduce_s > 0.0 && b.map_s == 0.0 { "the final reduce (calling thread)".to_string() } else { format!("worker {}", b.worker) };
    let name = format!(
        "{who}, {:.4}..{:.4} s: map {:.0}%, waiting {:.0}%, reduce {:.0}%, idle {:.0}%; {} items",
        b.start_s,
        b.end_s,
        100.0 * b.map_s / len,
        100.0 * b.wait_s / len,
        100.0 * b.reduce_s / len,
        (100.0 * (1.0 - (b.map_s + b.wait_s + b.reduce_s) / len)).max(0.0),
        b.items
    );
    let y = b.worker as f64;
    Line::new(name, vec![[b.start_s, y], [b.end_s, y]]).color(color).width(12.0)
}
