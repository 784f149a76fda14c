//! Plots as SVG text, drawn with plotters' SVG backend into a `String`:
//! a white background, dark text, colours that stay apart in print, a
//! legend under each plot (never over the data), and ticks chosen here, so
//! that every numeric axis has three labelled ticks or more, thread axes
//! show whole numbers and a log axis shows powers of ten.
//!
//! What is drawn comes from the caller (`plots.rs`, from the plot data the
//! app draws); this file only knows lines, bars and lanes.

use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::html_escape;

/// The width of every plot, pixels (the page scales it down to fit).
pub(super) const WIDTH: u32 = 760;
/// The height of a plot's frame, title and axes included, legend not.
const PLOT_H: u32 = 400;
/// One legend row.
const ROW_H: u32 = 20;
/// The font of every text in a plot.
const FONT: &str = "sans-serif";
/// The text colour: near black.
pub(super) const INK: RGBColor = RGBColor(25, 25, 25);
/// The grid lines: a light grey that prints.
const GRID: RGBColor = RGBColor(222, 222, 222);
/// The ideal lines and the reference bars: mid grey.
pub(super) const GUIDE: RGBColor = RGBColor(120, 120, 120);
/// The machine's core-count line: a dark gold, apart from every series colour.
pub(super) const CORES: RGBColor = RGBColor(176, 128, 0);

/// The series colours, in order: distinct on screen and on paper, none
/// near the grey guides or the gold core line.
const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 100, 180),
    RGBColor(214, 90, 0),
    RGBColor(30, 140, 60),
    RGBColor(200, 30, 50),
    RGBColor(120, 70, 180),
    RGBColor(0, 140, 150),
    RGBColor(150, 75, 40),
    RGBColor(210, 60, 160),
    RGBColor(80, 80, 200),
    RGBColor(100, 130, 0),
];

/// The colour of the `i`-th series (after the tenth, colours repeat with
/// another marker shape: see [`Curve::marker`]).
pub(super) fn colour(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// How a line is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Stroke {
    /// A solid line, 2 px.
    Solid,
    /// A solid line, 3 px: the one that matters most.
    Thick,
    /// Long dashes.
    Dashed,
    /// Short dots.
    Dotted,
}

/// One drawn series: a line and/or markers, and a bar per point over its
/// repetitions (fastest to slowest).
#[derive(Clone, Debug)]
pub(super) struct Curve {
    /// The legend's text; empty: no legend entry.
    pub name: String,
    /// (x, y), in drawing order.
    pub points: Vec<[f64; 2]>,
    /// (x, low, high) per point.
    pub ranges: Vec<[f64; 3]>,
    /// Its colour.
    pub colour: RGBColor,
    /// Its line, if any.
    pub stroke: Option<Stroke>,
    /// Its marker shape (0 circle, 1 square, 2 triangle, 3 diamond,
    /// 4 hollow diamond), if any.
    pub marker: Option<usize>,
}

impl Curve {
    /// The `i`-th series of a plot: its colour, a solid line, and a marker
    /// shape that changes every ten series.
    pub(super) fn series(i: usize, name: &str, points: &[[f64; 2]], ranges: &[[f64; 3]]) -> Self {
        Curve {
            name: name.to_string(),
            points: points.to_vec(),
            ranges: ranges.to_vec(),
            colour: colour(i),
            stroke: Some(Stroke::Solid),
            marker: Some((i / PALETTE.len()) % 4),
        }
    }

    /// A line without markers or ranges.
    pub(super) fn line(name: &str, points: Vec<[f64; 2]>, colour: RGBColor, stroke: Stroke) -> Self {
        Curve { name: name.to_string(), points, ranges: Vec::new(), colour, stroke: Some(stroke), marker: None }
    }
}

/// A shaded band between two curves: (x, low, high).
#[derive(Clone, Debug)]
pub(super) struct Band {
    /// The band's colour (drawn translucent).
    pub colour: RGBColor,
    /// (x, low, high), by x.
    pub points: Vec<[f64; 3]>,
}

/// A horizontal or vertical guide line across the plot.
#[derive(Clone, Debug)]
pub(super) struct Guide {
    /// Where it crosses its axis.
    pub at: f64,
    /// The legend's text.
    pub name: String,
    /// Its colour.
    pub colour: RGBColor,
    /// How it is drawn.
    pub stroke: Stroke,
}

impl Guide {
    /// The dotted gold line at a machine's core count.
    pub(super) fn cores(cores: usize, whose: &str) -> Self {
        Guide { at: cores as f64, name: format!("{cores} cores ({whose})"), colour: CORES, stroke: Stroke::Dotted }
    }

    /// The machine's dotted lines ([`crate::machine::MachineInfo::marks`]):
    /// the logical CPUs in gold, the allowed CPUs and physical cores before it in their own colours.
    pub(super) fn machine(m: &crate::machine::MachineInfo) -> Vec<Self> {
        let marks = m.marks();
        let colour = |i: usize| if i + 1 == marks.len() { CORES } else { [RGBColor(200, 90, 60), RGBColor(40, 130, 150)][i % 2] };
        marks
            .iter()
            .enumerate()
            .map(|(i, k)| Guide { at: k.threads as f64, name: k.name(), colour: colour(i), stroke: Stroke::Dotted })
            .collect()
    }
}

/// How an axis places and labels its ticks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Scale {
    /// Thread counts: whole numbers from 0, 2 at least.
    Threads,
    /// Any number.
    Linear,
    /// Values are log10 of the quantity; ticks at 1, 2, 5 x powers of ten.
    Log10,
}

/// One axis: its title, its scale and values it must show.
#[derive(Clone, Debug)]
pub(super) struct Axis {
    /// The axis title.
    pub label: String,
    /// How ticks are placed.
    pub scale: Scale,
    /// Values the range must include (0, the ideal 1).
    pub include: Vec<f64>,
}

impl Axis {
    /// A thread axis, from 0 to 2 at least.
    pub(super) fn threads(label: &str) -> Self {
        Axis { label: label.into(), scale: Scale::Threads, include: vec![0.0, 2.0] }
    }

    /// A numeric axis that includes `include`.
    pub(super) fn linear(label: &str, include: &[f64]) -> Self {
        Axis { label: label.into(), scale: Scale::Linear, include: include.to_vec() }
    }

    /// The range shown for `values`: every value and every `include`, with
    /// a margin so that no marker sits on the frame.
    fn extent(&self, values: impl Iterator<Item = f64>) -> (f64, f64) {
        let (lo, hi) = values
            .chain(self.include.iter().copied())
            .filter(|v| v.is_finite())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
        let (lo, hi) = if lo.is_finite() { (lo, hi) } else { (0.0, 1.0) };
        let (lo, hi) = if hi - lo < 1e-12 { (lo - 0.5, hi + 0.5) } else { (lo, hi) };
        let pad = match self.scale {
            Scale::Log10 => 0.5,
            _ => (hi - lo) * 0.04,
        };
        // Zero stays the floor of an axis that starts there (speedups, times).
        let floor = if lo == 0.0 && self.scale != Scale::Log10 { 0.0 } else { lo - pad };
        (floor, hi + pad)
    }
}

/// A plot of lines over two numeric axes.
#[derive(Clone, Debug)]
pub(super) struct Chart {
    /// The title, drawn above the plot and kept as the SVG's `<title>`.
    pub title: String,
    /// The x axis.
    pub x: Axis,
    /// The y axis.
    pub y: Axis,
    /// The series, drawn in order (later on top).
    pub curves: Vec<Curve>,
    /// Shaded bands, under everything.
    pub bands: Vec<Band>,
    /// Vertical guides (the core count).
    pub vlines: Vec<Guide>,
    /// Horizontal guides (efficiency 1, a ceiling).
    pub hlines: Vec<Guide>,
}

/// An axis' range with the ticks chosen here ([`ticks`]), not plotters'.
#[derive(Clone, Debug)]
struct Ticked {
    lo: f64,
    hi: f64,
    ticks: Vec<f64>,
}

impl Ticked {
    fn new(lo: f64, hi: f64, ticks: &[f64]) -> Self {
        Ticked { lo, hi, ticks: ticks.to_vec() }
    }
}

impl Ranged for Ticked {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        let share = if self.hi > self.lo { (v - self.lo) / (self.hi - self.lo) } else { 0.5 };
        // A value far outside the range lands just outside the frame, not at infinity.
        let share = if share.is_finite() { share.clamp(-1.0, 2.0) } else { 0.5 };
        limit.0 + (f64::from(limit.1 - limit.0) * share).round() as i32
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        // Only the labelled ticks draw grid lines; there are no light ones.
        if hint.weight().allow_light_points() { Vec::new() } else { self.ticks.clone() }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.lo..self.hi
    }
}

/// The chart type every plot draws on.
type Lines<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<Ticked, Ticked>>;

/// A drawing failure, as text.
fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// One legend entry: its text, colour, line and marker.
type Entry = (String, RGBColor, Option<Stroke>, Option<usize>);

impl Chart {
    /// A chart titled `title` over `x` and `y`, empty.
    pub(super) fn new(title: &str, x: Axis, y: Axis) -> Self {
        Chart { title: title.into(), x, y, curves: Vec::new(), bands: Vec::new(), vlines: Vec::new(), hlines: Vec::new() }
    }

    /// The plot as an `<svg>` element, or a line saying why it could not be drawn.
    pub(super) fn svg(&self) -> String {
        self.draw().unwrap_or_else(|e| not_drawn(&self.title, &e))
    }

    fn xs(&self) -> impl Iterator<Item = f64> + '_ {
        let curves = self.curves.iter().flat_map(|c| c.points.iter().map(|p| p[0]));
        curves.chain(self.bands.iter().flat_map(|b| b.points.iter().map(|p| p[0]))).chain(self.vlines.iter().map(|g| g.at))
    }

    fn ys(&self) -> impl Iterator<Item = f64> + '_ {
        let curves = self.curves.iter().flat_map(|c| c.points.iter().map(|p| p[1]).chain(c.ranges.iter().flat_map(|r| [r[1], r[2]])));
        curves.chain(self.bands.iter().flat_map(|b| b.points.iter().flat_map(|p| [p[1], p[2]]))).chain(self.hlines.iter().map(|g| g.at))
    }

    fn legend(&self) -> Vec<Entry> {
        let curves = self.curves.iter().filter(|c| !c.name.is_empty()).map(|c| (c.name.clone(), c.colour, c.stroke, c.marker));
        let guides = self.hlines.iter().chain(&self.vlines).map(|g| (g.name.clone(), g.colour, Some(g.stroke), None));
        let mut out: Vec<Entry> = Vec::new();
        for e in curves.chain(guides) {
            if !out.iter().any(|o| o.0 == e.0) {
                out.push(e);
            }
        }
        out
    }

    fn draw(&self) -> Result<String, String> {
        let (x0, x1) = self.x.extent(self.xs());
        let (y0, y1) = self.y.extent(self.ys());
        let (xt, yt) = (ticks(self.x.scale, x0, x1), ticks(self.y.scale, y0, y1));
        let legend = self.legend();
        let mut buf = String::new();
        {
            let root = SVGBackend::with_string(&mut buf, (WIDTH, PLOT_H + legend_height(legend.len()))).into_drawing_area();
            root.fill(&WHITE).map_err(err)?;
            let (top, bottom) = root.split_vertically(PLOT_H);
            let mut chart = ChartBuilder::on(&top)
                .caption(&self.title, (FONT, 23).into_font().color(&INK))
                .margin(14)
                .x_label_area_size(48)
                .y_label_area_size(70)
                .build_cartesian_2d(Ticked::new(x0, x1, &xt), Ticked::new(y0, y1, &yt))
                .map_err(err)?;
            let fx = |v: &f64| tick_label(self.x.scale, *v, &xt);
            let fy = |v: &f64| tick_label(self.y.scale, *v, &yt);
            mesh(&mut chart, (&self.x.label, &fx), (&self.y.label, &fy), true)?;
            self.draw_contents(&mut chart, (y0, y1), (x0, x1))?;
            draw_legend(&bottom, &legend)?;
            root.present().map_err(err)?;
        }
        Ok(with_title(&buf, &self.title))
    }

    fn draw_contents(&self, chart: &mut Lines<'_, '_>, (y0, y1): (f64, f64), (x0, x1): (f64, f64)) -> Result<(), String> {
        for b in &self.bands {
            let mut outline: Vec<(f64, f64)> = b.points.iter().map(|p| (p[0], p[1])).collect();
            outline.extend(b.points.iter().rev().map(|p| (p[0], p[2])));
            chart.draw_series(std::iter::once(Polygon::new(outline, b.colour.mix(0.18).filled()))).map_err(err)?;
        }
        for g in &self.vlines {
            path(chart, vec![(g.at, y0), (g.at, y1)], g.colour, g.stroke)?;
        }
        for g in &self.hlines {
            path(chart, vec![(x0, g.at), (x1, g.at)], g.colour, g.stroke)?;
        }
        for c in &self.curves {
            curve(chart, c)?;
        }
        Ok(())
    }
}

/// The grid, the axes and their labels, in the report's colours.
fn mesh(
    chart: &mut Lines<'_, '_>,
    (x_label, fx): (&str, &dyn Fn(&f64) -> String),
    (y_label, fy): (&str, &dyn Fn(&f64) -> String),
    y_grid: bool,
) -> Result<(), String> {
    let mut m = chart.configure_mesh();
    m.x_desc(x_label)
        .y_desc(y_label)
        .x_label_formatter(fx)
        .y_label_formatter(fy)
        .label_style((FONT, 17).into_font().color(&INK))
        .axis_desc_style((FONT, 18).into_font().color(&INK))
        .bold_line_style(GRID)
        .light_line_style(TRANSPARENT)
        .axis_style(INK);
    if !y_grid {
        m.disable_y_mesh();
    }
    m.draw().map_err(err)
}

/// A polyline in a stroke style.
fn path(chart: &mut Lines<'_, '_>, points: Vec<(f64, f64)>, colour: RGBColor, stroke: Stroke) -> Result<(), String> {
    chart.draw_series(std::iter::once(PathElement::new(points, stroke_style(colour, stroke)))).map(drop).map_err(err)
}

/// The opacities that mark a dashed and a dotted line in plotters'
/// output; [`dash`] turns them into SVG's own `stroke-dasharray`, one
/// polyline each, where plotters' dashed elements write one per dash.
const DASHED: (f64, &str) = (0.9961, "9 5");
const DOTTED: (f64, &str) = (0.9962, "2 4");

fn stroke_style(colour: RGBColor, stroke: Stroke) -> ShapeStyle {
    let alpha = match stroke {
        Stroke::Dashed => DASHED.0,
        Stroke::Dotted => DOTTED.0,
        Stroke::Solid | Stroke::Thick => 1.0,
    };
    colour.mix(alpha).stroke_width(if stroke == Stroke::Thick { 3 } else { 2 })
}

/// Plotters' SVG with the marked opacities written as dash patterns.
fn dash(svg: &str) -> String {
    [DASHED, DOTTED].iter().fold(svg.to_string(), |s, (alpha, pattern)| {
        s.replace(&format!("opacity=\"{alpha}\""), &format!("opacity=\"1\" stroke-dasharray=\"{pattern}\""))
    })
}

/// One curve: its line, its repetition bars with caps, its markers.
fn curve(chart: &mut Lines<'_, '_>, c: &Curve) -> Result<(), String> {
    if let Some(stroke) = c.stroke.filter(|_| c.points.len() > 1) {
        path(chart, c.points.iter().map(|p| (p[0], p[1])).collect(), c.colour, stroke)?;
    }
    let style = c.colour.stroke_width(1);
    for r in c.ranges.iter().filter(|r| r[2] - r[1] > 1e-12) {
        let bar = PathElement::new(vec![(r[0], r[1]), (r[0], r[2])], style);
        let cap = |y: f64| EmptyElement::at((r[0], y)) + PathElement::new(vec![(-4, 0), (4, 0)], style);
        chart.draw_series([cap(r[1]), cap(r[2])]).map_err(err)?;
        chart.draw_series(std::iter::once(bar)).map_err(err)?;
    }
    if let Some(shape) = c.marker {
        let points: Vec<(f64, f64)> = c.points.iter().map(|p| (p[0], p[1])).collect();
        markers(chart, points, shape, c.colour)?;
    }
    Ok(())
}

/// The points of a diamond marker around (0, 0), closed.
const DIAMOND: [(i32, i32); 5] = [(0, -6), (6, 0), (0, 6), (-6, 0), (0, -6)];

/// Markers at `points`: 0 circle, 1 square, 2 triangle, 3 diamond, 4 hollow diamond.
/// (One `draw_series` per shape: plotters' dynamic elements need a `'static` backend.)
fn markers(chart: &mut Lines<'_, '_>, points: Vec<(f64, f64)>, shape: usize, colour: RGBColor) -> Result<(), String> {
    let (filled, at) = (colour.filled(), points.into_iter());
    match shape {
        1 => chart.draw_series(at.map(|p| EmptyElement::at(p) + Rectangle::new([(-4, -4), (4, 4)], filled))).map(drop),
        2 => chart.draw_series(at.map(|p| EmptyElement::at(p) + TriangleMarker::new((0, 0), 6, filled))).map(drop),
        3 => chart.draw_series(at.map(|p| EmptyElement::at(p) + Polygon::new(DIAMOND[..4].to_vec(), filled))).map(drop),
        4 => chart.draw_series(at.map(|p| EmptyElement::at(p) + PathElement::new(DIAMOND.to_vec(), colour.stroke_width(2)))).map(drop),
        _ => chart.draw_series(at.map(|p| EmptyElement::at(p) + Circle::new((0, 0), 4, filled))).map(drop),
    }
    .map_err(err)
}

/// One marker of the legend, at `at` (pixels).
fn legend_marker(area: &DrawingArea<SVGBackend<'_>, Shift>, at: (i32, i32), shape: usize, colour: RGBColor) -> Result<(), String> {
    let filled = colour.filled();
    match shape {
        1 => area.draw(&(EmptyElement::at(at) + Rectangle::new([(-4, -4), (4, 4)], filled))),
        2 => area.draw(&(EmptyElement::at(at) + TriangleMarker::new((0, 0), 6, filled))),
        3 => area.draw(&(EmptyElement::at(at) + Polygon::new(DIAMOND[..4].to_vec(), filled))),
        4 => area.draw(&(EmptyElement::at(at) + PathElement::new(DIAMOND.to_vec(), colour.stroke_width(2)))),
        _ => area.draw(&(EmptyElement::at(at) + Circle::new((0, 0), 4, filled))),
    }
    .map_err(err)
}

/// The legend's height for `n` entries.
fn legend_height(n: usize) -> u32 {
    if n == 0 { 8 } else { 12 + ROW_H * u32::try_from(n).unwrap_or(u32::MAX / ROW_H / 2) }
}

/// The legend, one entry a row: a sample of the line and marker, then the name.
fn draw_legend(area: &DrawingArea<SVGBackend<'_>, Shift>, entries: &[Entry]) -> Result<(), String> {
    let text = (FONT, 17).into_font().color(&INK).pos(Pos::new(HPos::Left, VPos::Center));
    for (i, (name, colour, stroke, shape)) in entries.iter().enumerate() {
        let y = 10 + ROW_H as i32 * i as i32 + ROW_H as i32 / 2;
        let (x0, x1) = (84, 124);
        if let Some(stroke) = stroke {
            area.draw(&PathElement::new(vec![(x0, y), (x1, y)], stroke_style(*colour, *stroke))).map_err(err)?;
        }
        if let Some(s) = shape {
            legend_marker(area, ((x0 + x1) / 2, y), *s, *colour)?;
        }
        area.draw(&Text::new(name.clone(), (x1 + 10, y), text.clone())).map_err(err)?;
    }
    Ok(())
}

/// `svg` (plotters' output) with a `<title>` for screen readers and the
/// tests, a class for the page's style and the size left to the page.
fn with_title(svg: &str, title: &str) -> String {
    let svg = dash(svg);
    let Some(end) = svg.find('>') else { return svg };
    let open = svg[..end].replacen("<svg ", "<svg class=\"plot\" role=\"img\" ", 1);
    format!("{open}><title>{}</title>{}", html_escape(title), &svg[end + 1..])
}

/// What stands where a plot could not be drawn.
pub(super) fn not_drawn(title: &str, why: &str) -> String {
    format!("<p class=\"warn\">The plot \u{201c}{}\u{201d} could not be drawn: {}</p>", html_escape(title), html_escape(why))
}

/// Where the ticks of an axis from `lo` to `hi` go: three or more, each labelled.
pub(super) fn ticks(scale: Scale, lo: f64, hi: f64) -> Vec<f64> {
    match scale {
        Scale::Log10 => log_ticks(lo, hi),
        Scale::Threads => linear_ticks(lo, hi, true),
        Scale::Linear => linear_ticks(lo, hi, false),
    }
}

/// Multiples of a round step (1, 2 or 5 times a power of ten; a whole
/// number on a thread axis), the step halved until three or more fit.
fn linear_ticks(lo: f64, hi: f64, whole: bool) -> Vec<f64> {
    let raw = (hi - lo).max(1e-12) / 5.0;
    let mag = 10f64.powf(raw.log10().floor());
    let mut step = [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * mag).find(|s| *s >= raw).unwrap_or(10.0 * mag);
    if whole {
        step = step.round().max(1.0);
    }
    loop {
        let (a, b) = ((lo / step).ceil() as i64, (hi / step).floor() as i64);
        let v: Vec<f64> = (a..=b).map(|k| k as f64 * step).collect();
        let finest = if whole { step <= 1.0 } else { step < 1e-12 };
        if v.len() >= 3 || finest {
            return v;
        }
        step = if whole { (step / 2.0).floor().max(1.0) } else { step / 2.0 };
    }
}

/// Powers of ten in `lo..=hi` (log10 values); with fewer than three, 1, 2
/// and 5 times them; then 1, 2, 3 and 5; then round steps of the log.
fn log_ticks(lo: f64, hi: f64) -> Vec<f64> {
    for mults in [&[1.0_f64][..], &[1.0, 2.0, 5.0], &[1.0, 2.0, 3.0, 5.0]] {
        let v: Vec<f64> = ((lo.floor() as i64)..=(hi.ceil() as i64))
            .flat_map(|k| mults.iter().map(move |m| k as f64 + m.log10()))
            .filter(|x| (lo..=hi).contains(x))
            .collect();
        if v.len() >= 3 {
            return v;
        }
    }
    linear_ticks(lo, hi, false)
}

/// The label of the tick at `v` among `ticks`: whole threads, a count for
/// a log axis (`100`, `2k`), else as many decimals as the step needs.
pub(super) fn tick_label(scale: Scale, v: f64, ticks: &[f64]) -> String {
    match scale {
        Scale::Threads => format!("{v:.0}"),
        Scale::Log10 => crate::units::human_count(10f64.powf(v)),
        Scale::Linear => {
            let step = ticks.windows(2).map(|w| w[1] - w[0]).fold(f64::INFINITY, f64::min);
            let d = (0..7).find(|d| ((step * 10f64.powi(*d)).round() - step * 10f64.powi(*d)).abs() < 1e-6).unwrap_or(6);
            let d = usize::try_from(d).unwrap_or(6);
            if v.abs() >= 10_000.0 { crate::units::human_count(v) } else { format!("{v:.d$}") }
        }
    }
}

/// Grouped horizontal bars: one band per group, one bar per series in
/// it, each with the range of its repetitions.
#[derive(Clone, Debug)]
pub(super) struct Bars {
    /// The title.
    pub title: String,
    /// The value axis' title.
    pub unit: String,
    /// Group names, top to bottom.
    pub groups: Vec<String>,
    /// Series names (one colour each).
    pub series: Vec<String>,
    /// `values[group][series]`: (value, low, high), where measured.
    pub values: Vec<Vec<Option<(f64, f64, f64)>>>,
    /// A reference line: where and its name (the plain loop's 1x).
    pub reference: Option<(f64, String)>,
}

impl Bars {
    /// The plot as an `<svg>` element, or a line saying why it could not be drawn.
    pub(super) fn svg(&self) -> String {
        self.draw().unwrap_or_else(|e| not_drawn(&self.title, &e))
    }

    fn draw(&self) -> Result<String, String> {
        let n = self.groups.len().max(1);
        let per = self.series.len().max(1);
        let bars = self.values.iter().flatten().flatten();
        let hi = bars.clone().map(|v| v.2.max(v.0)).chain(self.reference.iter().map(|r| r.0)).fold(0.0, f64::max);
        let axis = Axis::linear(&self.unit, &[0.0]);
        let (x0, x1) = axis.extent(std::iter::once(hi));
        let xt = ticks(Scale::Linear, x0, x1);
        // Group labels on the left, as wide as the longest needs (cut past 40 characters).
        let names: Vec<String> = self.groups.iter().map(|g| crate::units::shorten(g, 40)).collect();
        let label_w = names.iter().map(|g| g.chars().count()).max().unwrap_or(4) as u32 * 8 + 24;
        let band_h = (per as u32 * 16 + 14).max(30);
        let plot_h = 110 + band_h * n as u32;
        let mut legend: Vec<Entry> = self.series.iter().enumerate().map(|(i, s)| (s.clone(), colour(i), None, Some(1))).collect();
        if let Some((_, name)) = &self.reference {
            legend.push((name.clone(), GUIDE, Some(Stroke::Dashed), None));
        }
        let mut buf = String::new();
        {
            let root = SVGBackend::with_string(&mut buf, (WIDTH, plot_h + legend_height(legend.len()))).into_drawing_area();
            root.fill(&WHITE).map_err(err)?;
            let (top, bottom) = root.split_vertically(plot_h);
            let centres: Vec<f64> = (0..n).map(|g| (n - g) as f64 - 0.5).collect();
            let mut chart = ChartBuilder::on(&top)
                .caption(&self.title, (FONT, 23).into_font().color(&INK))
                .margin(14)
                .x_label_area_size(48)
                .y_label_area_size(label_w.clamp(60, 360))
                .build_cartesian_2d(Ticked::new(x0, x1, &xt), Ticked::new(0.0, n as f64, &centres))
                .map_err(err)?;
            let fx = |v: &f64| tick_label(Scale::Linear, *v, &xt);
            let fy = |v: &f64| names.get(n.saturating_sub((v + 0.5).round() as usize)).cloned().unwrap_or_default();
            mesh(&mut chart, (&self.unit, &fx), ("", &fy), false)?;
            self.draw_bars(&mut chart, n, per)?;
            if let Some((at, _)) = &self.reference {
                path(&mut chart, vec![(*at, 0.0), (*at, n as f64)], GUIDE, Stroke::Dashed)?;
            }
            draw_legend(&bottom, &legend)?;
            root.present().map_err(err)?;
        }
        Ok(with_title(&buf, &self.title))
    }

    fn draw_bars(&self, chart: &mut Lines<'_, '_>, n: usize, per: usize) -> Result<(), String> {
        let slot = 0.8 / per as f64;
        for (g, row) in self.values.iter().enumerate() {
            let top = (n - g) as f64 - 0.1;
            for (s, v) in row.iter().enumerate() {
                let Some((value, lo, hi)) = *v else { continue };
                let (y1, y0) = (top - slot * s as f64, top - slot * (s + 1) as f64 + slot * 0.15);
                chart.draw_series(std::iter::once(Rectangle::new([(0.0, y0), (value, y1)], colour(s).filled()))).map_err(err)?;
                if hi - lo > 1e-12 {
                    let y = (y0 + y1) / 2.0;
                    chart.draw_series(std::iter::once(PathElement::new(vec![(lo, y), (hi, y)], INK.stroke_width(1)))).map_err(err)?;
                }
            }
        }
        Ok(())
    }
}

/// One bin of a timeline lane, merged with its like neighbours: the
/// lane, start and end (seconds), and what dominated it.
pub(super) type Segment = (usize, f64, f64, crate::engine::SpanKind);

/// A per-worker timeline: one lane per worker, coloured by what took most
/// of each stretch of time.
#[derive(Clone, Debug)]
pub(super) struct Timeline {
    /// The title.
    pub title: String,
    /// The lanes' names, lane 0 first.
    pub lanes: Vec<String>,
    /// The segments.
    pub segments: Vec<Segment>,
}

/// The colour of an activity on a timeline (the app's: green map, orange wait, blue reduce).
pub(super) fn activity_colour(kind: crate::engine::SpanKind) -> RGBColor {
    match kind {
        crate::engine::SpanKind::Map => RGBColor(40, 150, 70),
        crate::engine::SpanKind::Wait => RGBColor(230, 140, 20),
        crate::engine::SpanKind::Reduce => RGBColor(50, 110, 210),
    }
}

impl Timeline {
    /// The plot as an `<svg>` element, or a line saying why it could not be drawn.
    pub(super) fn svg(&self) -> String {
        self.draw().unwrap_or_else(|e| not_drawn(&self.title, &e))
    }

    fn draw(&self) -> Result<String, String> {
        use crate::engine::SpanKind;
        let n = self.lanes.len().max(1);
        let axis = Axis::linear("seconds since the call began", &[0.0]);
        let (x0, x1) = axis.extent(self.segments.iter().map(|s| s.2));
        let xt = ticks(Scale::Linear, x0, x1);
        let plot_h = 110 + 26 * n as u32;
        let legend: Vec<Entry> =
            [(SpanKind::Map, "mapping"), (SpanKind::Wait, "waiting for input"), (SpanKind::Reduce, "the final reduce")]
                .into_iter()
                .map(|(k, name)| (name.to_string(), activity_colour(k), None, Some(1)))
                .chain(std::iter::once(("idle (no colour)".to_string(), GRID, None, Some(4))))
                .collect();
        let mut buf = String::new();
        {
            let root = SVGBackend::with_string(&mut buf, (WIDTH, plot_h + legend_height(legend.len()))).into_drawing_area();
            root.fill(&WHITE).map_err(err)?;
            let (top, bottom) = root.split_vertically(plot_h);
            let centres: Vec<f64> = (0..n).map(|l| l as f64 + 0.5).collect();
            let mut chart = ChartBuilder::on(&top)
                .caption(&self.title, (FONT, 23).into_font().color(&INK))
                .margin(14)
                .x_label_area_size(48)
                .y_label_area_size(90)
                .build_cartesian_2d(Ticked::new(x0, x1, &xt), Ticked::new(0.0, n as f64, &centres))
                .map_err(err)?;
            let fx = |v: &f64| tick_label(Scale::Linear, *v, &xt);
            let fy = |v: &f64| self.lanes.get(v.floor().max(0.0) as usize).cloned().unwrap_or_default();
            mesh(&mut chart, (&axis.label, &fx), ("", &fy), false)?;
            let rects = self.segments.iter().map(|&(lane, a, b, kind)| {
                let y = lane as f64;
                Rectangle::new([(a, y + 0.15), (b, y + 0.85)], activity_colour(kind).filled())
            });
            chart.draw_series(rects).map_err(err)?;
            draw_legend(&bottom, &legend)?;
            root.present().map_err(err)?;
        }
        Ok(with_title(&buf, &self.title))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_axis_has_three_labelled_ticks_or_more() {
        for (lo, hi) in [(0.0, 2.1), (0.0, 8.3), (0.0, 66.0), (0.0, 1.1), (0.0, 0.0042), (-0.5, 0.5), (0.0, 129.0), (12.0, 13.0)] {
            assert!(ticks(Scale::Linear, lo, hi).len() >= 3, "{lo}..{hi}: {:?}", ticks(Scale::Linear, lo, hi));
            // A thread axis starts at 0 and reaches 2 at least (`Axis::threads`).
            let t = ticks(Scale::Threads, 0.0, hi.max(2.0));
            assert!(t.len() >= 3 && t.iter().all(|v| v.fract() == 0.0), "{lo}..{hi}: {t:?}");
        }
        // A log axis half a decade either side of the sizes measured.
        for (lo, hi) in [(1.5, 2.5), (1.5, 3.5), (-0.5, 6.5), (2.8, 3.8)] {
            let t = ticks(Scale::Log10, lo, hi);
            assert!(t.len() >= 3, "{lo}..{hi}: {t:?}");
        }
        let labels: Vec<String> = ticks(Scale::Log10, 1.5, 3.5).iter().map(|&v| tick_label(Scale::Log10, v, &[])).collect();
        assert!(labels.contains(&"100".to_string()) && labels.contains(&"1k".to_string()), "{labels:?}");
    }

    #[test]
    fn tick_labels_show_the_digits_the_step_needs() {
        let t = ticks(Scale::Linear, 0.0, 1.1);
        let labels: Vec<String> = t.iter().map(|&v| tick_label(Scale::Linear, v, &t)).collect();
        assert_eq!(labels, ["0.0", "0.5", "1.0"]);
        assert_eq!(tick_label(Scale::Threads, 4.0, &[]), "4");
    }

    #[test]
    fn a_chart_is_one_svg_with_its_title_and_legend() {
        let mut c = Chart::new("Speedup <vs> threads", Axis::threads("threads"), Axis::linear("speedup", &[0.0]));
        c.curves.push(Curve::series(0, "auto & co", &[[1.0, 1.0], [2.0, 1.9]], &[[1.0, 1.0, 1.0], [2.0, 1.8, 2.0]]));
        c.vlines.push(Guide::cores(4, "this machine"));
        let svg = c.svg();
        assert!(svg.starts_with("<svg class=\"plot\""), "{}", &svg[..80]);
        assert!(svg.contains("<title>Speedup &lt;vs&gt; threads</title>"));
        assert!(svg.contains("auto &amp; co") && svg.contains("4 cores (this machine)"));
        assert_eq!(svg.matches("<svg").count(), 1);
        // The core line is dotted, by SVG's own dash pattern.
        assert!(svg.contains("stroke-dasharray=\"2 4\"") && !svg.contains("opacity=\"0.996"), "{svg}");
    }
}
