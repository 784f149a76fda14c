//! The scaling plots: speedup and efficiency vs threads with their ideal
//! lines, time vs chunk size on a log axis, Karp-Flatt vs threads; with
//! weak scaling measured, the strong and the weak view side by side
//! (`scaling/weak.rs`).

mod weak;

use eframe::egui::{self, Color32};
use egui_plot::{HLine, HoverPosition, Line, LineStyle, Plot, PlotPoints, Points, VLine};

use crate::machine::Mark;

use super::axes::{self, AxisSpec, Kind};
use super::{bars, chip, hint};
use crate::export::plot_data::{self, Analysed, Labelled, Series};
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
    // The machine's lines (allowed CPUs, physical cores, logical CPUs), from the experiment's own record.
    let marks = analysed.first().map_or_else(Vec::new, |a| a.1.machine.marks());
    legend(ui, "threads-legend", &speedup, &marks);
    let h = ((ui.available_height() - 150.0) / 2.0).max(160.0);
    // Two plots and the grid's 12 px between them, clear of the scroll bar.
    let w = ((full - 12.0 - 12.0) / 2.0).max(150.0);
    let cell = Cell { w, h, cores, marks };
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
        // An empty plot is noise on a projector: each plot below is drawn
        // where there is something in it, else one line says what fills it.
        let memory = plot_data::bandwidth_vs_threads(labelled);
        let has_chunks = !plot_data::time_vs_chunk(labelled).is_empty();
        ui.vertical(|ui| {
            ui.set_max_width(cell.w);
            if !memory.is_empty() {
                memory_read(ui, cell, labelled, &memory);
            } else if has_chunks {
                chunks(ui, cell, labelled);
            } else if labelled.iter().all(|(_, x)| x.workload.command.is_some()) {
                // A program has no chunk size: say what it has instead.
                let text = "A program splits its work itself: there is no chunk size to sweep. The Live tab shows the cores it kept busy; Why not ideal? reads its CPU time.";
                ui.add(egui::Label::new(egui::RichText::new(text).weak()).wrap());
            } else {
                ui.label(egui::RichText::new("Time vs chunk size: press 'Sweep chunks' to measure it.").weak());
            }
        });
        if kf.is_empty() {
            ui.vertical(|ui| {
                ui.set_max_width(cell.w);
                ui.add(egui::Label::new(egui::RichText::new(KARP_FLATT_EMPTY).weak()).wrap());
            });
        } else {
            cell.karp_flatt(ui, "Karp-Flatt serial fraction vs threads", KARP_FLATT_HINT, &kf);
        }
        ui.end_row();
    });
}

/// Why the Karp-Flatt plot is not drawn: it reads a serial fraction out of a speedup above 1.
const KARP_FLATT_EMPTY: &str = "Karp-Flatt serial fraction: no run here reached a speedup above 1 on more than one thread, \
     so there is no serial fraction to read from it (it would be 1 or more).";

/// Memory read vs threads, with what each source's bandwidth probe says.
fn memory_read(ui: &mut egui::Ui, cell: &Cell, labelled: &[Labelled<'_>], memory: &[Series]) {
    ui.strong("Memory read vs threads, against this machine's probe");
    for (label, file) in labelled {
        if let Some(b) = &file.bandwidth {
            ui.label(egui::RichText::new(format!("{label}: {}", probe_reading(b))).small());
        }
    }
    legend(ui, "memory-legend", memory, &cell.marks);
    let plot = threads_plot("memory", cell.w, cell.h).y_axis_label("GB/s").include_y(0.0);
    plot.label_formatter(hover_spread("threads", "read", (|v| format!("{v:.1}"), " GB/s"), memory)).show(ui, |plot| {
        machine_lines(plot, &cell.marks);
        draw(plot, memory);
    });
    hint(
        ui,
        "bytes the run read per second. The probe is the most this machine's memory gave at each thread count: where the run meets the probe's flat top, more threads cannot help.",
    );
}

/// Time vs chunk size on a log axis (drawn only where fixed chunk sizes were measured).
fn chunks(ui: &mut egui::Ui, cell: &Cell, labelled: &[Labelled<'_>]) {
    let chunks = plot_data::time_vs_chunk(labelled);
    ui.strong("Time vs chunk size");
    legend(ui, "chunk-legend", &chunks, &[]);
    // Half a decade either side of the sizes measured, so that their powers of ten show.
    let xs = chunks.iter().flat_map(|s| s.points.iter().map(|p| p[0]));
    let (lo, hi) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| (lo.min(x), hi.max(x)));
    let x = AxisSpec::new("chunk size (items, log scale)", Kind::Log10, human_count);
    axes::plot("chunks", x, AxisSpec::numbers("median seconds"))
        .allow_scroll(false)
        .width(cell.w)
        .height(cell.h)
        .include_y(0.0)
        .include_x(lo - 0.5)
        .include_x(hi + 0.5)
        .label_formatter(hover_chunks(&chunks))
        .show(ui, |plot| draw(plot, &chunks));
    hint(
        ui,
        "tiny chunks pay the lock on every few items; huge chunks leave workers idle at the end. The floor between them is the sweet spot.",
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
    marks: Vec<Mark>,
}

impl Cell {
    fn show(&self, ui: &mut egui::Ui, title: &str, hint_text: &str, plot: Plot<'_>, body: impl FnOnce(&mut egui_plot::PlotUi<'_>)) {
        ui.vertical(|ui| {
            ui.set_max_width(self.w);
            ui.strong(title);
            plot.show(ui, |p| {
                machine_lines(p, &self.marks);
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
        let plot = threads_plot("speedup", self.w, self.h).y_axis_label("speedup").include_y(0.0).label_formatter(hover_spread(
            "threads",
            "speedup",
            (|v| format!("{v:.2}"), "x"),
            series,
        ));
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
            .label_formatter(hover_spread("threads", "efficiency", (|v| format!("{v:.2}"), ""), series));
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
            .label_formatter(hover_spread("threads", "e", (|v| format!("{v:.3}"), ""), series));
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

/// A plot over thread counts, from 0 to 2 threads at least: whole-thread
/// ticks on x, round numbers on y (title it with `y_axis_label`), three
/// labels or more on each axis whatever the size ([`axes`]). The mouse
/// wheel scrolls the tab, not the plot.
fn threads_plot<'a>(id: &str, w: f32, h: f32) -> Plot<'a> {
    // The mouse wheel scrolls the tab, not the plot under it (drag pans, Ctrl+wheel zooms).
    let plot = axes::plot(id, AxisSpec::threads("threads"), AxisSpec::numbers("")).allow_scroll(false);
    plot.width(w).height(h).include_x(0.0).include_x(2.0)
}

/// A speedup plot of model curves over thread counts, `height` high, with
/// `max_p` threads in view: whole-thread ticks, and hovering near a point
/// names its series, threads and speedup. Draw [`speedup_guides`] in it.
pub(crate) fn speedup_plot(id: &str, height: f32, x_label: &str, y_label: &str, max_p: f64) -> Plot<'static> {
    axes::plot(id, AxisSpec::threads(x_label), AxisSpec::numbers(y_label))
        .allow_scroll(false)
        .height(height)
        .include_x(max_p)
        .label_formatter(|h| match h {
            HoverPosition::NearDataPoint { plot_name, position: p, .. } => Some(format!("{plot_name}\nthreads {:.0}: {:.2}x", p.x, p.y)),
            HoverPosition::Elsewhere { .. } => None,
        })
}

/// The guides of a speedup plot: the machine's lines, and the ideal
/// line y = p up to `to` (not higher, so it does not squash the curves).
pub fn speedup_guides(plot: &mut egui_plot::PlotUi<'_>, marks: &[Mark], to: f64) {
    machine_lines(plot, marks);
    ideal_line(plot, to);
}

/// The ideal speedup y = p, from 1 to `to` threads, dashed grey.
fn ideal_line(plot: &mut egui_plot::PlotUi<'_>, to: f64) {
    plot.line(Line::new("ideal (y = p)", plot_data::ideal_speedup(to)).style(LineStyle::dashed_loose()).color(Color32::GRAY));
}

/// Vertical lines where the machine changes ([`crate::machine::MachineInfo::marks`]):
/// past the allowed CPUs runs are oversubscribed, past the physical cores
/// threads share cores (SMT), past the logical CPUs they take turns.
fn machine_lines(plot: &mut egui_plot::PlotUi<'_>, marks: &[Mark]) {
    for (i, m) in marks.iter().enumerate() {
        plot.vline(VLine::new(mark_name(m), m.threads as f64).style(LineStyle::dotted_dense()).color(mark_colour(i, marks.len())));
    }
}

/// The colour of the core-count line (the last of the machine's lines).
pub const CORES: Color32 = Color32::from_rgb(200, 170, 60);

/// The machine's lines in turn: the last (the logical CPUs) in [`CORES`], those before in other warm colours.
fn mark_colour(i: usize, count: usize) -> Color32 {
    const EARLIER: [Color32; 2] = [Color32::from_rgb(230, 110, 80), Color32::from_rgb(120, 200, 210)];
    if i + 1 == count { CORES } else { EARLIER[i % EARLIER.len()] }
}

/// A legend outside the plots: one colour chip per series, wrapped in rows.
/// It also names the machine's dotted lines.
fn legend(ui: &mut egui::Ui, id: &str, series: &[Series], marks: &[Mark]) {
    ui.push_id(id, |ui| {
        ui.horizontal_wrapped(|ui| {
            ui.spacing_mut().item_spacing.x = 10.0;
            series_chips(ui, series.iter().map(|s| &s.name));
            cores_chip(ui, marks);
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

/// The legend's chips for the machine's dotted lines.
pub(crate) fn cores_chip(ui: &mut egui::Ui, marks: &[Mark]) {
    for (i, m) in marks.iter().enumerate() {
        chip(ui, mark_colour(i, marks.len()), &mark_name(m));
    }
}

/// The name of one of the machine's lines, on the plot and in legends: `2 logical CPUs`.
fn mark_name(m: &Mark) -> String {
    m.name()
}

/// Hovering a point shows its series and numbers (for plots whose points
/// carry no spread; [`hover_spread`] for those that do).
fn hover(x: &'static str, y: &'static str) -> impl Fn(&HoverPosition<'_>) -> Option<String> {
    move |h| match h {
        HoverPosition::NearDataPoint { plot_name, position: p, .. } => Some(format!("{plot_name}\n{x} {:.0}: {y} {:.3}", p.x, p.y)),
        HoverPosition::Elsewhere { .. } => None,
    }
}

/// A number format and the unit written after a value (not after its range).
type Format = (fn(f64) -> String, &'static str);

/// Hovering a point of `series` shows its series, its median as `fmt`
/// writes it and the range of its repetitions: "speedup 1.94x (1.90-1.97)".
/// Other points (ideal lines, fits) show their value alone.
fn hover_spread(x: &'static str, y: &'static str, fmt: Format, series: &[Series]) -> impl Fn(&HoverPosition<'_>) -> Option<String> {
    let series = series.to_vec();
    move |h| match h {
        HoverPosition::NearDataPoint { plot_name, position: p, .. } => {
            Some(format!("{plot_name}\n{x} {:.0}: {y} {}", p.x, with_spread(&series, plot_name, [p.x, p.y], fmt)))
        }
        HoverPosition::Elsewhere { .. } => None,
    }
}

/// Hovering a point of the chunk plot: its chunk size, median time and range.
fn hover_chunks(series: &[Series]) -> impl Fn(&HoverPosition<'_>) -> Option<String> {
    let series = series.to_vec();
    move |h| match h {
        HoverPosition::NearDataPoint { plot_name, position: p, .. } => {
            let time = with_spread(&series, plot_name, [p.x, p.y], (axes::number, " s"));
            Some(format!("{plot_name}\nchunk {}: median {time}", human_count(10f64.powf(p.x))))
        }
        HoverPosition::Elsewhere { .. } => None,
    }
}

/// The value at `at` as `fmt` writes it, with the range of the repetitions
/// where `at` is a point of the series `name` that has one: "1.94x (1.90-1.97)".
pub(crate) fn with_spread(series: &[Series], name: &str, at: [f64; 2], (fmt, unit): Format) -> String {
    let range = series
        .iter()
        .filter(|s| s.name == name)
        .find_map(|s| s.points.iter().position(|q| *q == at).and_then(|i| s.ranges.get(i)))
        .filter(|r| r[2] > r[1]);
    match range {
        Some(r) => format!("{}{unit} ({}-{})", fmt(at[1]), fmt(r[1]), fmt(r[2])),
        None => format!("{}{unit}", fmt(at[1])),
    }
}

fn draw(plot: &mut egui_plot::PlotUi<'_>, series: &[Series]) {
    for (i, s) in series.iter().enumerate() {
        draw_one(plot, s, palette(i));
    }
}

/// One series: its line, its points and a bar per point over the
/// repetitions. Only the points answer a hover: the ends of a bar are the
/// fastest and slowest repetition, not the value of the point.
fn draw_one(plot: &mut egui_plot::PlotUi<'_>, s: &Series, color: Color32) {
    plot.line(Line::new(s.name.clone(), s.points.clone()).color(color).width(1.5));
    plot.points(Points::new(s.name.clone(), s.points.clone()).color(color).radius(3.5));
    for r in &s.ranges {
        if (r[2] - r[1]).abs() > f64::EPSILON {
            let whisker = Line::new(s.name.clone(), PlotPoints::from(vec![[r[0], r[1]], [r[0], r[2]]]));
            plot.line(whisker.color(color).width(1.0).allow_hover(false));
        }
    }
}

/// The colour of the `i`-th series of a plot: never the same for two
/// series (of the first [`PALETTE_LEN`]), and never near the core-count
/// line's gold ([`CORES`]) or the grey of the ideal and reference lines.
/// Ten chosen colours, then hues a golden angle apart, leaving out those
/// near the ten, gold, grey or a colour already taken.
pub fn palette(i: usize) -> Color32 {
    static TABLE: std::sync::LazyLock<Vec<Color32>> = std::sync::LazyLock::new(palette_table);
    TABLE.get(i).copied().unwrap_or_else(|| generated(i))
}

/// How many series colours [`palette`] keeps apart.
pub const PALETTE_LEN: usize = 256;

fn palette_table() -> Vec<Color32> {
    let mut out = vec![
        Color32::from_rgb(80, 140, 230),
        Color32::from_rgb(230, 120, 60),
        Color32::from_rgb(70, 170, 90),
        Color32::from_rgb(200, 80, 160),
        Color32::from_rgb(150, 120, 220),
        Color32::from_rgb(60, 180, 190),
        Color32::from_rgb(180, 90, 80),
        Color32::from_rgb(140, 200, 70),
        Color32::from_rgb(120, 200, 250),
        Color32::from_rgb(240, 110, 120),
    ];
    let chosen = out.len();
    let dist = |a: Color32, b: Color32| (0..3).map(|k| (i32::from(a[k]) - i32::from(b[k])).abs()).sum::<i32>();
    for c in (0..100_000).map(generated) {
        if out.len() == PALETTE_LEN {
            break;
        }
        let guides = dist(c, CORES) >= 90 && dist(c, Color32::GRAY) >= 90;
        if guides && out[..chosen].iter().all(|&f| dist(c, f) >= 60) && out[chosen..].iter().all(|&f| dist(c, f) >= 6) {
            out.push(c);
        }
    }
    out
}

/// The `k`-th generated colour: hues a golden angle apart, in six shades
/// (so that two hues a few degrees apart still differ).
fn generated(k: usize) -> Color32 {
    let hue = (k as f32 * 137.507_77 + 200.0) % 360.0;
    let (s, v) = [(0.65, 0.95), (0.85, 0.75), (0.45, 0.85), (0.9, 0.95), (0.55, 0.65), (0.35, 0.95)][k % 6];
    egui::ecolor::Hsva::new(hue / 360.0, s, v, 1.0).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn distance(a: Color32, b: Color32) -> i32 {
        (0..3).map(|k| (i32::from(a.to_array()[k]) - i32::from(b.to_array()[k])).abs()).sum()
    }

    #[test]
    fn the_palette_never_repeats_and_keeps_clear_of_the_guides() {
        let colours: Vec<Color32> = (0..PALETTE_LEN).map(palette).collect();
        assert_eq!(palette_table().len(), PALETTE_LEN);
        for (i, a) in colours.iter().enumerate() {
            assert!(distance(*a, CORES) >= 60, "series {i} {a:?} looks like the core line");
            assert!(distance(*a, Color32::GRAY) >= 60, "series {i} {a:?} looks like the grey guides");
            for (j, b) in colours.iter().enumerate().skip(i + 1) {
                assert_ne!(a, b, "series {i} and {j} share a colour");
                if j < 20 {
                    assert!(distance(*a, *b) >= 40, "series {i} and {j} look alike: {a:?} {b:?}");
                }
            }
        }
    }

    #[test]
    fn a_hovered_point_shows_its_median_and_the_range_of_its_repetitions() {
        let s =
            Series { name: "here: auto".into(), points: vec![[1.0, 1.0], [2.0, 1.94]], ranges: vec![[1.0, 1.0, 1.0], [2.0, 1.9, 1.97]] };
        let fmt: Format = (|v| format!("{v:.2}"), "x");
        let series = std::slice::from_ref(&s);
        assert_eq!(with_spread(series, "here: auto", [2.0, 1.94], fmt), "1.94x (1.90-1.97)");
        // One repetition: no range to show.
        assert_eq!(with_spread(series, "here: auto", [1.0, 1.0], fmt), "1.00x");
        // A point of another item (the ideal line): its value alone.
        assert_eq!(with_spread(series, "ideal (y = p)", [2.0, 2.0], fmt), "2.00x");
        let hover = hover_spread("threads", "speedup", fmt, series);
        let at = HoverPosition::NearDataPoint { plot_name: "here: auto", position: egui_plot::PlotPoint::new(2.0, 1.94), index: 1 };
        assert_eq!(hover(&at).as_deref(), Some("here: auto\nthreads 2: speedup 1.94x (1.90-1.97)"));
    }
}
