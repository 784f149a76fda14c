//! Grouped bar charts: one group per design, one bar per series, with the
//! range of the repetitions as a whisker and the value on top. The legend
//! (one chip per series) sits above the chart, never over it.
//!
//! Every bar is named and shows its value. Where the group names fit under
//! their groups (wrapped onto up to three lines) and each value fits above
//! its bar, they are drawn there; where not, the groups are lettered A, B,
//! C... on the axis and a small table beside the chart (below it, on a
//! narrow panel) names each bar with its value and range.

use eframe::egui;
use egui_plot::{Bar, BarChart, Line, PlotPoint, Text};

use super::axes::{self, AxisSpec, Kind};
use super::chip;
use super::scaling::palette;
use crate::export::plot_data::Grouped;

/// How the values are drawn.
pub struct Scale<'a> {
    /// The y axis label.
    pub unit: &'a str,
    /// Bar heights are log10 of the values (for times that span decades).
    pub log: bool,
    /// A value as text, for the label on top of its bar.
    pub fmt: &'a dyn Fn(f64) -> String,
    /// A dashed reference line (e.g. speedup = threads), if any.
    pub reference: Option<(f64, &'a str)>,
}

impl std::fmt::Debug for Scale<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scale")
            .field("unit", &self.unit)
            .field("log", &self.log)
            .field("reference", &self.reference)
            .finish_non_exhaustive()
    }
}

/// The width the y axis (ticks and title) takes from a chart, about.
const Y_AXIS_PX: f32 = 64.0;
/// The width of the table beside a crowded chart.
const TABLE_PX: f32 = 300.0;
/// Charts at least this wide put their table beside them, not below.
const BESIDE_PX: f32 = 620.0;

/// Draws `data` in a plot `w` x `h` (with its table, where crowded).
pub fn grouped(ui: &mut egui::Ui, id: &str, w: f32, h: f32, data: &Grouped, scale: &Scale<'_>) {
    if data.series.len() > 1 {
        ui.push_id(id, |ui| {
            ui.horizontal_wrapped(|ui| {
                for (i, s) in data.series.iter().enumerate() {
                    chip(ui, palette(i), s);
                }
            });
        });
    }
    axes::clear_inside(id);
    let inline = Labels::inline(ui, w, data, scale);
    if let Some(labels) = inline {
        chart(ui, id, w, h, data, scale, &labels);
        return;
    }
    let labels = Labels::keyed(data);
    if w >= BESIDE_PX {
        ui.horizontal_top(|ui| {
            chart(ui, id, w - TABLE_PX - 8.0, h, data, scale, &labels);
            key_table(ui, id, data, scale);
        });
    } else {
        chart(ui, id, w, h, data, scale, &labels);
        key_table(ui, id, data, scale);
    }
}

/// What names the groups on the axis, and whether the values go on the bars.
struct Labels {
    /// One per group: its name (wrapped) or its key letter.
    names: Vec<String>,
    /// The values are written above the bars (else the table has them).
    values: bool,
}

impl Labels {
    /// Names under the groups and values above the bars, if every one fits
    /// a chart `w` wide; `None` where one does not.
    fn inline(ui: &egui::Ui, w: f32, data: &Grouped, scale: &Scale<'_>) -> Option<Self> {
        let groups = data.groups.len().max(1) as f32;
        // The x range is the groups' width plus egui_plot's 5% margin each side.
        let per_group = 0.95 * (w - Y_AXIS_PX) / (groups * 1.1);
        let slot = per_group * 0.8 / data.series.len().max(1) as f32;
        let width = |t: &str| text_width(ui, t);
        let values = data.values.iter().flatten().flatten().all(|&(v, _, _)| width(&(scale.fmt)(v)) + 2.0 <= slot);
        let names: Option<Vec<String>> = data.groups.iter().map(|g| wrap(g, per_group - 8.0, &width)).collect();
        names.filter(|_| values).map(|names| Labels { names, values: true })
    }

    /// Key letters under the groups; the table names them.
    fn keyed(data: &Grouped) -> Self {
        Labels { names: (0..data.groups.len()).map(key).collect(), values: false }
    }
}

/// The key of the `g`-th group: A to Z, then numbers.
fn key(g: usize) -> String {
    u8::try_from(g).ok().filter(|g| *g < 26).map_or_else(|| format!("{}", g + 1), |g| char::from(b'A' + g).to_string())
}

/// The width of `text` in the body font.
fn text_width(ui: &egui::Ui, text: &str) -> f32 {
    let font = egui::TextStyle::Body.resolve(ui.style());
    ui.painter().layout_no_wrap(text.to_string(), font, egui::Color32::WHITE).size().x
}

/// `text` wrapped at spaces into lines `max` wide (by `width`), at most
/// three; `None` where a word is wider or more lines would be needed.
fn wrap(text: &str, max: f32, width: &dyn Fn(&str) -> f32) -> Option<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        if width(word) > max {
            return None;
        }
        match lines.last_mut() {
            Some(line) if width(&format!("{line} {word}")) <= max => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_string()),
        }
    }
    (lines.len() <= 3).then(|| lines.join("\n"))
}

/// The y of a value on the chart (its log where the scale is log).
fn y_of(scale: &Scale<'_>, v: f64) -> f64 {
    if scale.log { v.max(1e-12).log10() } else { v }
}

/// One chart being drawn: what it shows and where its bars stand.
struct Chart<'c> {
    id: &'c str,
    data: &'c Grouped,
    scale: &'c Scale<'c>,
    /// The y the bars stand on (below the smallest value on a log scale).
    floor: f64,
    /// The values are written above the bars.
    values: bool,
}

/// The plot: bars, whiskers, values (where `labels` says) and the reference.
fn chart(ui: &mut egui::Ui, id: &str, w: f32, h: f32, data: &Grouped, scale: &Scale<'_>, labels: &Labels) {
    let y = |v: f64| y_of(scale, v);
    let all: Vec<f64> = data.values.iter().flatten().flatten().flat_map(|&(v, lo, hi)| [y(v), y(lo), y(hi)]).collect();
    let floor = if scale.log { all.iter().copied().fold(f64::INFINITY, f64::min).floor() - 0.3 } else { 0.0 };
    let floor = if floor.is_finite() { floor } else { 0.0 };
    let top = all.iter().copied().fold(floor + 1.0, f64::max);
    let names = labels.names.clone();
    let x_axis =
        AxisSpec::new(
            "",
            Kind::Each,
            move |v| {
                if v < -0.5 { String::new() } else { names.get(v.round() as usize).cloned().unwrap_or_default() }
            },
        );
    let y_axis = if scale.log { AxisSpec::log(format!("{} (log scale)", scale.unit)) } else { AxisSpec::numbers(scale.unit) };
    let this = Chart { id, data, scale, floor, values: labels.values };
    axes::plot(id, x_axis, y_axis)
        .width(w)
        .height(h)
        .include_y(floor)
        .include_y(top + 0.18 * (top - floor))
        .include_x(-0.6)
        .include_x(data.groups.len() as f64 - 0.4)
        .allow_scroll(false)
        .allow_drag(false)
        .allow_zoom(false)
        .show_grid([false, true])
        .label_formatter(|_| None)
        .show(ui, |plot| {
            for (g, row) in data.values.iter().enumerate() {
                for (s, v) in row.iter().enumerate() {
                    if let Some(v) = *v {
                        this.bar(plot, (g, s), v);
                    }
                }
            }
            if let Some((r, name)) = scale.reference {
                plot.hline(egui_plot::HLine::new(name, y(r)).style(egui_plot::LineStyle::dashed_loose()).color(egui::Color32::GRAY));
            }
        });
}

impl Chart<'_> {
    /// One bar: its fill, its whisker over the repetitions, and its value on
    /// top where the chart writes them; hovering it names it with its value and range.
    fn bar(&self, plot: &mut egui_plot::PlotUi<'_>, (g, s): (usize, usize), (v, lo, hi): (f64, f64, f64)) {
        let y = |v: f64| y_of(self.scale, v);
        let fmt = self.scale.fmt;
        let per = self.data.series.len().max(1) as f64;
        let width = 0.8 / per;
        let x = g as f64 + (s as f64 - (per - 1.0) / 2.0) * width;
        // One series: one colour (a colour per group would suggest a legend that is not there).
        let color = palette(if self.data.series.len() <= 1 { 0 } else { s });
        let name = bar_name(self.data, g, s);
        let spread = if hi > lo { format!(" ({}-{})", fmt(lo), fmt(hi)) } else { String::new() };
        let tip = format!("{name}\n{}{spread}", fmt(v));
        let bar = Bar::new(x, y(v) - self.floor).base_offset(self.floor).width(width * 0.9).fill(color);
        plot.bar_chart(BarChart::new(name, vec![bar]).color(color).element_formatter(Box::new(move |_, _| tip.clone())));
        if hi > lo {
            let whisker = Line::new(format!("range {g} {s}"), vec![[x, y(lo)], [x, y(hi)]]);
            plot.line(whisker.color(egui::Color32::GRAY).width(1.5).allow_hover(false));
        }
        if self.values {
            let text = fmt(v);
            axes::note_inside(self.id, &text);
            plot.text(Text::new(format!("value {g} {s}"), PlotPoint::new(x, y(hi.max(v))), text).anchor(egui::Align2::CENTER_BOTTOM));
        }
    }
}

/// A bar's name: its group, and its series where there are several.
fn bar_name(data: &Grouped, g: usize, s: usize) -> String {
    match data.series.get(s) {
        Some(series) if data.series.len() > 1 => format!("{} · {series}", data.groups[g]),
        _ => data.groups[g].clone(),
    }
}

/// The table of a crowded chart: each bar's key, name, value and range.
fn key_table(ui: &mut egui::Ui, id: &str, data: &Grouped, scale: &Scale<'_>) {
    let many = data.series.len() > 1;
    ui.vertical(|ui| {
        ui.set_max_width(TABLE_PX);
        egui::Grid::new(format!("{id}-key")).striped(true).spacing([10.0, 2.0]).show(ui, |ui| {
            for (g, row) in data.values.iter().enumerate() {
                for (s, v) in row.iter().enumerate() {
                    let Some((v, lo, hi)) = *v else { continue };
                    ui.strong(key(g));
                    ui.label(&data.groups[g]);
                    if many {
                        chip(ui, palette(s), &data.series[s]);
                    }
                    ui.label((scale.fmt)(v));
                    ui.label(if hi > lo { format!("{}-{}", (scale.fmt)(lo), (scale.fmt)(hi)) } else { String::new() });
                    ui.end_row();
                }
            }
        });
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Eight pixels a character.
    fn width(t: &str) -> f32 {
        8.0 * t.chars().count() as f32
    }

    #[test]
    fn names_wrap_at_spaces_into_three_lines_at_most() {
        assert_eq!(wrap("dispenser chunk 10 + GIL", 100.0, &width).as_deref(), Some("dispenser\nchunk 10 +\nGIL"));
        assert_eq!(wrap("plain loop", 100.0, &width).as_deref(), Some("plain loop"));
        assert_eq!(wrap("cooperative", 60.0, &width), None, "a word wider than its group");
        assert_eq!(wrap("a b c d e f g h", 8.0, &width), None, "more than three lines");
    }

    #[test]
    fn keys_are_letters_then_numbers() {
        assert_eq!([key(0), key(2), key(25), key(26)], ["A", "C", "Z", "27"]);
    }
}
