//! The scaling plots: speedup and efficiency vs threads with their ideal
//! lines, time vs chunk size on a log axis, Karp-Flatt vs threads.

use eframe::egui::{self, Color32};
use egui_plot::{HLine, HoverPosition, Line, LineStyle, Plot, PlotPoints, Points, VLine};

use super::{bars, chip, hint};
use crate::gui::plot_data::Analysed;
use crate::gui::plot_data::{self, Series};
use crate::units::human_count;
use crate::workloads::WorkloadKind;

/// Draws the four plots (the app exports the whole tab as a PNG).
///
/// For workloads with variants, the per-variant comparison (time and peak
/// held) comes first; for `aggregates`, whose thread count is fixed, it is
/// the only view.
pub fn ui(ui: &mut egui::Ui, analysed: &[Analysed<'_>], kind: WorkloadKind, cores: usize) {
    let labelled = &plot_data::labelled(analysed)[..];
    let info = kind.info();
    // The width the panel has, taken before anything is drawn (a wide
    // child must not widen the plots past the window).
    let full = ui.available_width().min(ui.clip_rect().width());
    ui.set_max_width(full);
    if labelled.is_empty() {
        let what = if info.design.variants().is_empty() { "run a thread sweep" } else { "press Compare variants" };
        ui.label(format!("No results for this workload yet: {what} (or open a results file)."));
        return;
    }
    super::experiments::caption(ui, labelled);
    if !info.design.variants().is_empty() {
        let full = info.design.threads_param().is_some();
        super::variants::ui(ui, labelled, if full { ui.available_height() - 80.0 } else { 240.0 });
        if full {
            return;
        }
        ui.separator();
    }
    let speedup = plot_data::speedup_vs_threads(labelled);
    let efficiency = plot_data::efficiency_vs_threads(labelled);
    let chunks = plot_data::time_vs_chunk(labelled);
    let kf = plot_data::karp_flatt_vs_threads(labelled);
    let max_p = plot_data::max_x(&speedup).max(cores as f64);
    if let Some(designs) = plot_data::design_bars(labelled) {
        ui.strong("Speedup by design (Compare feeders, GIL off vs on)");
        let bar_h = (ui.available_height() * 0.3).clamp(160.0, 300.0);
        let scale =
            bars::Scale { unit: "speedup", log: false, fmt: &|v| format!("{v:.2}x"), reference: Some((1.0, "the plain loop (1x)")) };
        bars::grouped(ui, "designs", full - 8.0, bar_h, &designs, &scale);
        ui.separator();
    }
    let weak = plot_data::weak_scaling(analysed);
    // One legend for the thread plots, outside every plot: it never covers data.
    legend(ui, "threads-legend", &speedup, cores);
    let h = ((ui.available_height() - 150.0) / 2.0).max(160.0);
    let w = (full / 2.0 - 14.0).max(200.0);
    if !weak.is_empty() {
        strong_and_weak(ui, &speedup, &efficiency, &kf, &weak, cores, [w, h]);
        return;
    }
    egui::Grid::new("plots").num_columns(2).spacing([12.0, 6.0]).show(ui, |ui| {
        let cell = Cell { w, h, cores };
        cell.speedup(ui, "Speedup vs threads", SPEEDUP_HINT, &speedup, max_p, |_| {});
        cell.efficiency(ui, "Efficiency vs threads", EFFICIENCY_HINT, &efficiency, |_| {});
        ui.end_row();
        ui.vertical(|ui| {
            ui.set_max_width(w);
            let memory = plot_data::bandwidth_vs_threads(labelled);
            if !memory.is_empty() {
                ui.strong("Memory read vs threads, against this machine's probe");
                for (label, file) in labelled {
                    if let Some(b) = &file.bandwidth {
                        ui.label(egui::RichText::new(format!("{label}: {}", probe_reading(b))).small());
                    }
                }
                legend(ui, "memory-legend", &memory, 0);
                threads_plot("memory", w, h).y_axis_label("GB/s").include_y(0.0).label_formatter(hover("threads", "GB/s")).show(ui, |plot| {
                    core_line(plot, cores);
                    draw(plot, &memory);
                });
                hint(ui, "bytes the run read per second. The probe is the most this machine's memory gave at each thread count: where the run meets the probe's flat top, more threads cannot help.");
            } else {
            ui.strong("Time vs chunk size");
            legend(ui, "chunk-legend", &chunks, 0);
            if chunks.is_empty() {
                let (rect, _) = ui.allocate_exact_size(egui::vec2(w, h), egui::Sense::hover());
                ui.painter().rect_stroke(rect, 4.0, ui.visuals().widgets.noninteractive.bg_stroke, egui::StrokeKind::Inside);
                ui.put(rect, egui::Label::new("No fixed chunk sizes measured yet: press 'Sweep chunks' to fill this plot."));
            } else {
                Plot::new("chunks")
                .width(w)
                .height(h)
                .x_axis_label("chunk size (items, log scale)")
                .y_axis_label("median seconds")
                .include_y(0.0)
                .x_axis_formatter(|m, _| if (m.value - m.value.round()).abs() < 1e-6 { human_count(10f64.powf(m.value.round())) } else { String::new() })
                .label_formatter(|h| match h {
                    HoverPosition::NearDataPoint { plot_name, position: p, .. } => Some(format!("{plot_name}\nchunk {:.0}: {:.4} s", 10f64.powf(p.x), p.y)),
                    HoverPosition::Elsewhere { .. } => None,
                })
                .show(ui, |plot| draw(plot, &chunks));
            }
            hint(ui, "tiny chunks pay the lock on every few items; huge chunks leave workers idle at the end. The floor between them is the sweet spot. Run 'Sweep chunks' to fill it.");
            }
        });
        cell.karp_flatt(ui, "Karp-Flatt serial fraction vs threads", KARP_FLATT_HINT, &kf);
        ui.end_row();
    });
}

/// The strong and the weak view side by side: speedup at a fixed n next to
/// the scaled speedup with n grown with the threads (with Gustafson's line
/// and the strong sweep's Amdahl curve), then both efficiencies and
/// Karp-Flatt.
fn strong_and_weak(
    ui: &mut egui::Ui,
    speedup: &[Series],
    efficiency: &[Series],
    kf: &[Series],
    weak: &[plot_data::WeakCurve],
    cores: usize,
    [w, h]: [f32; 2],
) {
    let max_p = plot_data::max_x(speedup).max(cores as f64);
    // A weak curve takes the colour of the strong series of the same runs.
    let colour = |name: &str, i: usize| palette(speedup.iter().position(|s| s.name == name).unwrap_or(speedup.len() + i));
    egui::Grid::new("plots").num_columns(2).spacing([12.0, 6.0]).show(ui, |ui| {
        let cell = Cell { w, h, cores };
        cell.speedup(
            ui,
            "Strong scaling: speedup vs threads, n fixed",
            "the same problem on more threads: the serial part stays, so the curve flattens toward Amdahl's ceiling 1/(1-f) (dotted, where it is in view).",
            speedup,
            max_p,
            |plot| {
                for (i, c) in weak.iter().enumerate() {
                    let ceiling = c.amdahl.map(|a| a.ceiling()).filter(|x| x.is_finite() && *x <= 2.0 * max_p);
                    if let Some(top) = ceiling {
                        let name = format!("Amdahl's ceiling 1/(1-f) = {top:.1}x");
                        plot.hline(HLine::new(name, top).color(colour(&c.measured.name, i)).style(LineStyle::dotted_loose()));
                    }
                }
            },
        );
        ui.vertical(|ui| {
            ui.set_max_width(w);
            ui.strong("Weak scaling: scaled speedup vs threads, n grows with them");
            for (i, c) in weak.iter().enumerate() {
                ui.horizontal_wrapped(|ui| {
                    chip(ui, colour(&c.measured.name, i), &format!("{} measured (solid)", c.measured.name));
                    let mut fitted = Vec::new();
                    if let Some(s) = c.gustafson {
                        fitted.push(format!("dashed: Gustafson's law fitted here, serial share s = {s:.2}"));
                    }
                    if let Some(a) = c.amdahl {
                        fitted.push(format!("dotted: the strong speedup by Amdahl's law, for contrast (serial share 1 - f = {:.2})", 1.0 - a.f));
                    }
                    fitted.push("grey dashed: ideal (p)".into());
                    if fitted.is_empty() {
                        fitted.push("the fitted lines appear once the experiment is analysed".into());
                    }
                    ui.label(egui::RichText::new(fitted.join("; ")).small());
                });
            }
            // The laws are drawn on to 8 threads at least: where they part is the lesson.
            let to = max_p.max(8.0);
            threads_plot("weak", w, h).y_axis_label("scaled speedup").include_y(0.0).label_formatter(hover("threads", "scaled speedup")).show(ui, |plot| {
                speedup_guides(plot, cores, to);
                for (i, c) in weak.iter().enumerate() {
                    let col = colour(&c.measured.name, i);
                    // Past the measured thread counts the laws are extrapolated: drawn fainter there.
                    let seen = c.measured.points.iter().map(|p| p[0]).fold(1.0, f64::max);
                    let spans = [(1.0, seen, col, 1.5), (seen, to, col.gamma_multiply(0.45), 1.0)];
                    let along = |a: f64, b: f64| (0..=40).map(move |k| a + (b - a) * f64::from(k) / 40.0);
                    if let Some(s) = c.gustafson {
                        let name = format!("Gustafson S = p - {s:.2}(p - 1)");
                        for (a, b, colour, width) in spans {
                            let line: Vec<[f64; 2]> = [a, b].iter().map(|&p| [p, p - s * (p - 1.0)]).collect();
                            plot.line(Line::new(name.clone(), line).color(colour).style(LineStyle::dashed_dense()).width(width));
                        }
                    }
                    if let Some(law) = c.amdahl {
                        let name = format!("Amdahl f = {:.2} (strong sweep)", law.f);
                        for (a, b, colour, width) in spans {
                            let curve: Vec<[f64; 2]> = along(a, b).map(|p| [p, law.speedup(p)]).collect();
                            plot.line(Line::new(name.clone(), curve).color(colour).style(LineStyle::dotted_loose()).width(width));
                        }
                    }
                    // The measured points on top of the laws, larger: a line through two points always fits them.
                    draw_one(plot, &c.measured, col);
                    plot.points(Points::new(c.measured.name.clone(), c.measured.points.clone()).color(col).radius(5.5));
                }
            });
            hint(ui, "p threads get p times n, each size against its own plain loop. Dashed: Gustafson's line fitted to these points; dotted: Amdahl's curve from the strong sweep; both drawn on past the measured threads (to 8 at least), fainter there. A serial part that does not grow lets the weak curve climb where the strong one flattens.");
        });
        ui.end_row();
        cell.efficiency(
            ui,
            "Efficiency vs threads: strong (solid), weak (dashed)",
            "speedup over threads. Weak efficiency stays high when the work per thread is what counts; strong efficiency falls as each thread's share shrinks.",
            efficiency,
            |plot| {
                for (i, c) in weak.iter().enumerate() {
                    let col = colour(&c.measured.name, i);
                    let name = format!("{} (weak)", c.efficiency.name);
                    plot.line(Line::new(name.clone(), c.efficiency.points.clone()).color(col).style(LineStyle::dashed_dense()).width(1.5));
                    plot.points(Points::new(name, c.efficiency.points.clone()).color(col).radius(3.5).shape(egui_plot::MarkerShape::Diamond));
                }
            },
        );
        cell.karp_flatt(
            ui,
            "Karp-Flatt serial fraction vs threads (strong)",
            "the serial fraction implied by each strong speedup above 1. Flat means a fixed serial part: exactly the part weak scaling outgrows.",
            kf,
        );
        ui.end_row();
    });
}

const SPEEDUP_HINT: &str =
    "points on the dashed line scale perfectly; the gap below it is what parallelism lost. Bars span the fastest and slowest repetition.";
const EFFICIENCY_HINT: &str = "speedup divided by threads: 1.0 means every thread pulls its full weight. Past the core count it must fall.";
const KARP_FLATT_HINT: &str = "the serial fraction implied by each measured speedup (drawn only where the speedup is above 1). Flat means a fixed serial part (Amdahl); rising with threads means overhead that grows: contention, imbalance, oversubscription.";

/// What a probe's curve says, in one line: a flat top (memory sets the
/// limit past it) or none (the memory kept up with every core).
fn probe_reading(b: &crate::workloads::bandwidth::Bandwidth) -> String {
    let (at, peak) = b.peak();
    if at > 1 && b.scaling() >= 0.75 * at as f64 {
        format!(
            "the probe rose {:.1}x from 1 to {at} threads: no flat top on this machine; its memory keeps up with its cores",
            b.scaling()
        )
    } else {
        format!(
            "the probe tops out at {peak:.1} GB/s ({:.1}x one thread's, with {at} threads): past that, memory, not cores, sets the limit",
            b.scaling()
        )
    }
}

/// One cell of the plot grid over thread counts: a title, the plot and how
/// to read it, `w` by `h`, with this machine's core count marked.
struct Cell {
    w: f32,
    h: f32,
    cores: usize,
}

impl Cell {
    fn show(&self, ui: &mut egui::Ui, title: &str, hint_text: &str, plot: Plot<'_>, body: impl FnOnce(&mut egui_plot::PlotUi<'_>)) {
        ui.vertical(|ui| {
            ui.set_max_width(self.w);
            ui.strong(title);
            plot.show(ui, |p| {
                core_line(p, self.cores);
                body(p);
            });
            hint(ui, hint_text);
        });
    }

    /// Speedup vs threads with the ideal line up to `max_p`.
    /// Speedup vs threads with the ideal line up to `max_p`, and whatever `more` draws over it.
    fn speedup(
        &self,
        ui: &mut egui::Ui,
        title: &str,
        hint_text: &str,
        series: &[Series],
        max_p: f64,
        more: impl FnOnce(&mut egui_plot::PlotUi<'_>),
    ) {
        let plot =
            threads_plot("speedup", self.w, self.h).y_axis_label("speedup").include_y(0.0).label_formatter(hover("threads", "speedup"));
        self.show(ui, title, hint_text, plot, |p| {
            p.line(Line::new("ideal (y = p)", plot_data::ideal_speedup(max_p)).style(LineStyle::dashed_loose()).color(Color32::GRAY));
            draw(p, series);
            more(p);
        });
    }

    /// Efficiency vs threads with the ideal y = 1, and whatever `more` draws over it.
    fn efficiency(
        &self,
        ui: &mut egui::Ui,
        title: &str,
        hint_text: &str,
        series: &[Series],
        more: impl FnOnce(&mut egui_plot::PlotUi<'_>),
    ) {
        let plot = threads_plot("efficiency", self.w, self.h)
            .y_axis_label("efficiency")
            .include_y(0.0)
            .include_y(1.1)
            .label_formatter(hover("threads", "efficiency"));
        self.show(ui, title, hint_text, plot, |p| {
            p.hline(HLine::new("ideal (y = 1)", 1.0).style(LineStyle::dashed_loose()).color(Color32::GRAY));
            draw(p, series);
            more(p);
        });
    }

    /// Karp-Flatt's serial fraction vs threads, 0 to 1.
    fn karp_flatt(&self, ui: &mut egui::Ui, title: &str, hint_text: &str, series: &[Series]) {
        let plot = threads_plot("karp-flatt", self.w, self.h)
            .y_axis_label("serial fraction e")
            .include_y(0.0)
            .include_y(1.0)
            .label_formatter(hover("threads", "e"));
        // One point cannot be flat or rising: say what would show it.
        let one = series.iter().all(|s| s.points.len() <= 1);
        let hint_text = if one {
            format!(
                "{hint_text} One thread count above 1 gives one point here: sweep more thread counts to see whether it stays flat or rises."
            )
        } else {
            hint_text.to_string()
        };
        self.show(ui, title, &hint_text, plot, |p| draw(p, series));
    }
}

/// A plot over thread counts: integer ticks only, from 0.
fn threads_plot(id: &str, w: f32, h: f32) -> Plot<'static> {
    Plot::new(id).width(w).height(h).x_axis_label("threads").include_x(0.0).x_axis_formatter(whole_threads)
}

/// An x-axis tick over thread counts: whole numbers only (no "1.5 threads").
pub fn whole_threads(m: egui_plot::GridMark, _: &std::ops::RangeInclusive<f64>) -> String {
    if m.value >= 0.0 && (m.value - m.value.round()).abs() < 1e-6 { format!("{}", m.value.round()) } else { String::new() }
}

/// The guides of a speedup plot: this machine's core count, and the ideal
/// line y = p up to `to` (not higher, so it does not squash the curves).
pub fn speedup_guides(plot: &mut egui_plot::PlotUi<'_>, cores: usize, to: f64) {
    core_line(plot, cores);
    plot.line(Line::new("ideal (y = p)", vec![[1.0, 1.0], [to, to]]).style(LineStyle::dashed_loose()).color(Color32::GRAY));
}

/// A vertical line at this machine's core count: past it, threads share cores.
fn core_line(plot: &mut egui_plot::PlotUi<'_>, cores: usize) {
    plot.vline(VLine::new(format!("{cores} cores (this machine)"), cores as f64).style(LineStyle::dotted_dense()).color(CORES));
}

/// The colour of the core-count line.
pub const CORES: Color32 = Color32::from_rgb(200, 170, 60);

/// A legend outside the plots: one colour chip per series, wrapped in rows.
/// With `cores > 0` it also names the dotted core-count line.
fn legend(ui: &mut egui::Ui, id: &str, series: &[Series], cores: usize) {
    ui.push_id(id, |ui| {
        ui.horizontal_wrapped(|ui| {
            ui.spacing_mut().item_spacing.x = 10.0;
            for (i, s) in series.iter().enumerate() {
                chip(ui, palette(i), &s.name);
            }
            if cores > 0 {
                chip(ui, CORES, &format!("{cores} cores (this machine)"));
            }
        });
    });
}

/// Hovering a point shows its series and numbers.
fn hover(x: &'static str, y: &'static str) -> impl Fn(&HoverPosition<'_>) -> Option<String> {
    move |h| match h {
        HoverPosition::NearDataPoint { plot_name, position: p, .. } => Some(format!("{plot_name}\n{x} {:.0}: {y} {:.3}", p.x, p.y)),
        HoverPosition::Elsewhere { .. } => None,
    }
}

fn draw(plot: &mut egui_plot::PlotUi<'_>, series: &[Series]) {
    for (i, s) in series.iter().enumerate() {
        draw_one(plot, s, palette(i));
    }
}

/// One series: its line, its points and a bar per point over the repetitions.
fn draw_one(plot: &mut egui_plot::PlotUi<'_>, s: &Series, color: Color32) {
    plot.line(Line::new(s.name.clone(), s.points.clone()).color(color).width(1.5));
    plot.points(Points::new(s.name.clone(), s.points.clone()).color(color).radius(3.5));
    for r in &s.ranges {
        if (r[2] - r[1]).abs() > f64::EPSILON {
            plot.line(Line::new(s.name.clone(), PlotPoints::from(vec![[r[0], r[1]], [r[0], r[2]]])).color(color).width(1.0));
        }
    }
}

/// The colour of the `i`-th series.
pub fn palette(i: usize) -> Color32 {
    const C: [Color32; 8] = [
        Color32::from_rgb(80, 140, 230),
        Color32::from_rgb(230, 120, 60),
        Color32::from_rgb(70, 170, 90),
        Color32::from_rgb(200, 80, 160),
        Color32::from_rgb(150, 120, 220),
        Color32::from_rgb(200, 180, 60),
        Color32::from_rgb(60, 180, 190),
        Color32::from_rgb(180, 90, 80),
    ];
    C[i % C.len()]
}
