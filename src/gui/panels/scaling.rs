//! The scaling plots: speedup and efficiency vs threads with their ideal
//! lines, time vs chunk size on a log axis, Karp-Flatt vs threads; with
//! weak scaling measured, the strong and the weak view side by side
//! (`scaling/weak.rs`).

mod weak;

use eframe::egui::{self, Color32};
use egui_plot::{HLine, HoverPosition, Line, LineStyle, Plot, PlotPoints, Points, VLine};

use super::{bars, chip, hint};
use crate::gui::plot_data::{self, Analysed, Labelled, Series};
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
    design_bars(ui, labelled, full);
    let speedup = plot_data::speedup_vs_threads(labelled);
    let weak = plot_data::weak_scaling(analysed);
    // One legend for the thread plots, outside every plot: it never covers data.
    legend(ui, "threads-legend", &speedup, cores);
    let h = ((ui.available_height() - 150.0) / 2.0).max(160.0);
    let w = (full / 2.0 - 14.0).max(200.0);
    let cell = Cell { w, h, cores };
    if weak.is_empty() {
        strong(ui, &cell, labelled, &speedup);
    } else {
        weak::strong_and_weak(ui, &cell, labelled, &speedup, &weak);
    }
}

/// The speedup of each design as bars, where the experiments compared designs.
fn design_bars(ui: &mut egui::Ui, labelled: &[Labelled<'_>], full: f32) {
    let Some(designs) = plot_data::design_bars(labelled) else { return };
    ui.strong("Speedup by design (Compare feeders, GIL off vs on)");
    let bar_h = (ui.available_height() * 0.3).clamp(160.0, 300.0);
    let scale = bars::Scale { unit: "speedup", log: false, fmt: &|v| format!("{v:.2}x"), reference: Some((1.0, "the plain loop (1x)")) };
    bars::grouped(ui, "designs", full - 8.0, bar_h, &designs, &scale);
    ui.separator();
}

/// The strong view: speedup and efficiency on top, memory read (where a
/// probe was run) or time vs chunk size and Karp-Flatt below.
fn strong(ui: &mut egui::Ui, cell: &Cell, labelled: &[Labelled<'_>], speedup: &[Series]) {
    let max_p = plot_data::max_x(speedup).max(cell.cores as f64);
    let efficiency = plot_data::efficiency_vs_threads(labelled);
    let kf = plot_data::karp_flatt_vs_threads(labelled);
    egui::Grid::new("plots").num_columns(2).spacing([12.0, 6.0]).show(ui, |ui| {
        cell.speedup(ui, "Speedup vs threads", SPEEDUP_HINT, speedup, max_p, |_| {});
        cell.efficiency(ui, "Efficiency vs threads", EFFICIENCY_HINT, &efficiency, |_| {});
        ui.end_row();
        ui.vertical(|ui| {
            ui.set_max_width(cell.w);
            let memory = plot_data::bandwidth_vs_threads(labelled);
            if memory.is_empty() { chunks(ui, cell, labelled) } else { memory_read(ui, cell, labelled, &memory) }
        });
        cell.karp_flatt(ui, "Karp-Flatt serial fraction vs threads", KARP_FLATT_HINT, &kf);
        ui.end_row();
    });
}

/// Memory read vs threads, with what each source's bandwidth probe says.
fn memory_read(ui: &mut egui::Ui, cell: &Cell, labelled: &[Labelled<'_>], memory: &[Series]) {
    ui.strong("Memory read vs threads, against this machine's probe");
    for (label, file) in labelled {
        if let Some(b) = &file.bandwidth {
            ui.label(egui::RichText::new(format!("{label}: {}", probe_reading(b))).small());
        }
    }
    legend(ui, "memory-legend", memory, 0);
    threads_plot("memory", cell.w, cell.h).y_axis_label("GB/s").include_y(0.0).label_formatter(hover("threads", "GB/s")).show(ui, |plot| {
        core_line(plot, cell.cores);
        draw(plot, memory);
    });
    hint(
        ui,
        "bytes the run read per second. The probe is the most this machine's memory gave at each thread count: where the run meets the probe's flat top, more threads cannot help.",
    );
}

/// Time vs chunk size on a log axis, or a frame saying how to fill it.
fn chunks(ui: &mut egui::Ui, cell: &Cell, labelled: &[Labelled<'_>]) {
    let chunks = plot_data::time_vs_chunk(labelled);
    ui.strong("Time vs chunk size");
    legend(ui, "chunk-legend", &chunks, 0);
    if chunks.is_empty() {
        let (rect, _) = ui.allocate_exact_size(egui::vec2(cell.w, cell.h), egui::Sense::hover());
        ui.painter().rect_stroke(rect, 4.0, ui.visuals().widgets.noninteractive.bg_stroke, egui::StrokeKind::Inside);
        ui.put(rect, egui::Label::new("No fixed chunk sizes measured yet: press 'Sweep chunks' to fill this plot."));
    } else {
        Plot::new("chunks")
            .width(cell.w)
            .height(cell.h)
            .x_axis_label("chunk size (items, log scale)")
            .y_axis_label("median seconds")
            .include_y(0.0)
            .x_axis_formatter(|m, _| {
                if (m.value - m.value.round()).abs() < 1e-6 { human_count(10f64.powf(m.value.round())) } else { String::new() }
            })
            .label_formatter(|h| match h {
                HoverPosition::NearDataPoint { plot_name, position: p, .. } => {
                    Some(format!("{plot_name}\nchunk {:.0}: {:.4} s", 10f64.powf(p.x), p.y))
                }
                HoverPosition::Elsewhere { .. } => None,
            })
            .show(ui, |plot| draw(plot, &chunks));
    }
    hint(
        ui,
        "tiny chunks pay the lock on every few items; huge chunks leave workers idle at the end. The floor between them is the sweet spot. Run 'Sweep chunks' to fill it.",
    );
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
            ideal_line(p, max_p);
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

/// A speedup plot of model curves over thread counts, `height` high, with
/// `max_p` threads in view: whole-thread ticks, and hovering near a point
/// names its series, threads and speedup. Draw [`speedup_guides`] in it.
pub(crate) fn speedup_plot(id: &str, height: f32, x_label: &str, y_label: &str, max_p: f64) -> Plot<'static> {
    Plot::new(id)
        .allow_scroll(false)
        .height(height)
        .x_axis_label(x_label)
        .x_axis_formatter(whole_threads)
        .y_axis_label(y_label)
        .include_x(max_p)
        .label_formatter(|h| match h {
            HoverPosition::NearDataPoint { plot_name, position: p, .. } => Some(format!("{plot_name}\nthreads {:.0}: {:.2}x", p.x, p.y)),
            HoverPosition::Elsewhere { .. } => None,
        })
}

/// The guides of a speedup plot: this machine's core count, and the ideal
/// line y = p up to `to` (not higher, so it does not squash the curves).
pub fn speedup_guides(plot: &mut egui_plot::PlotUi<'_>, cores: usize, to: f64) {
    core_line(plot, cores);
    ideal_line(plot, to);
}

/// The ideal speedup y = p, from 1 to `to` threads, dashed grey.
fn ideal_line(plot: &mut egui_plot::PlotUi<'_>, to: f64) {
    plot.line(Line::new("ideal (y = p)", plot_data::ideal_speedup(to)).style(LineStyle::dashed_loose()).color(Color32::GRAY));
}

/// A vertical line at this machine's core count: past it, threads share cores.
fn core_line(plot: &mut egui_plot::PlotUi<'_>, cores: usize) {
    plot.vline(VLine::new(cores_name(cores), cores as f64).style(LineStyle::dotted_dense()).color(CORES));
}

/// The colour of the core-count line.
pub const CORES: Color32 = Color32::from_rgb(200, 170, 60);

/// A legend outside the plots: one colour chip per series, wrapped in rows.
/// With `cores > 0` it also names the dotted core-count line.
fn legend(ui: &mut egui::Ui, id: &str, series: &[Series], cores: usize) {
    ui.push_id(id, |ui| {
        ui.horizontal_wrapped(|ui| {
            ui.spacing_mut().item_spacing.x = 10.0;
            series_chips(ui, series.iter().map(|s| &s.name));
            if cores > 0 {
                cores_chip(ui, cores);
            }
        });
    });
}

/// One chip per series in the palette's colours, in order: the entries of a
/// legend drawn outside a plot (in a wrapped row the caller opens).
pub(crate) fn series_chips(ui: &mut egui::Ui, names: impl IntoIterator<Item = impl AsRef<str>>) {
    for (i, name) in names.into_iter().enumerate() {
        chip(ui, palette(i), name.as_ref());
    }
}

/// The legend's chip for the dotted core-count line.
pub(crate) fn cores_chip(ui: &mut egui::Ui, cores: usize) {
    chip(ui, CORES, &cores_name(cores));
}

/// The name of the core-count line, on the plot and in legends.
fn cores_name(cores: usize) -> String {
    format!("{cores} cores (this machine)")
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
