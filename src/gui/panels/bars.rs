//! Grouped bar charts: one group per design, one bar per series, with the
//! range of the repetitions as a whisker and the value on top. The legend
//! (one chip per series) sits above the chart, never over it.

use eframe::egui;
use egui_plot::{Bar, BarChart, Line, Plot, PlotPoint, Text};

use super::chip;
use super::scaling::palette;
use crate::gui::plot_data::Grouped;
use crate::units::human_count;

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

/// Draws `data` in a plot `w` x `h`.
pub fn grouped(ui: &mut egui::Ui, id: &str, w: f32, h: f32, data: &Grouped, scale: &Scale<'_>) {
    let one_series = data.series.len() <= 1;
    if !one_series {
        ui.push_id(id, |ui| {
            ui.horizontal_wrapped(|ui| {
                for (i, s) in data.series.iter().enumerate() {
                    chip(ui, palette(i), s);
                }
            });
        });
    }
    let y = |v: f64| if scale.log { v.max(1e-12).log10() } else { v };
    let all: Vec<f64> = data.values.iter().flatten().flatten().flat_map(|&(v, lo, hi)| [y(v), y(lo), y(hi)]).collect();
    let floor = if scale.log { all.iter().copied().fold(f64::INFINITY, f64::min).floor() - 0.3 } else { 0.0 };
    let floor = if floor.is_finite() { floor } else { 0.0 };
    let top = all.iter().copied().fold(floor + 1.0, f64::max);
    let per = data.series.len().max(1) as f64;
    let width = 0.8 / per;
    let names = data.groups.clone();
    let log = scale.log;
    let labels = data.groups.len() * data.series.len().max(1) <= 24;
    Plot::new(id)
        .width(w)
        .height(h)
        .y_axis_label(if scale.log { format!("{} (log scale)", scale.unit) } else { scale.unit.to_string() })
        .include_y(floor)
        .include_y(top + 0.18 * (top - floor))
        .include_x(-0.6)
        .include_x(data.groups.len() as f64 - 0.4)
        .allow_scroll(false)
        .allow_drag(false)
        .allow_zoom(false)
        .show_grid([false, true])
        .x_axis_formatter(move |m, _| {
            let i = m.value.round();
            if (m.value - i).abs() < 1e-6 && i >= 0.0 { names.get(i as usize).cloned().unwrap_or_default() } else { String::new() }
        })
        .y_axis_formatter(move |m, _| match log {
            // Log charts label the decades only.
            true if (m.value - m.value.round()).abs() < 1e-9 => human_count(10f64.powf(m.value.round())),
            true => String::new(),
            false if m.value >= 0.0 => format!("{}", (m.value * 100.0).round() / 100.0),
            false => String::new(),
        })
        .label_formatter(|_| None)
        .show(ui, |plot| {
            for (g, row) in data.values.iter().enumerate() {
                for (s, v) in row.iter().enumerate() {
                    let Some((v, lo, hi)) = *v else { continue };
                    let x = g as f64 + (s as f64 - (per - 1.0) / 2.0) * width;
                    // One series: one colour (a colour per group would suggest a legend that is not there).
                    let color = palette(if one_series { 0 } else { s });
                    let bar = Bar::new(x, y(v) - floor).base_offset(floor).width(width * 0.9).fill(color);
                    plot.bar_chart(
                        BarChart::new(format!("{} {}", data.groups[g], data.series.get(s).cloned().unwrap_or_default()), vec![bar])
                            .color(color),
                    );
                    if (hi - lo).abs() > f64::EPSILON {
                        plot.line(Line::new(format!("range {g} {s}"), vec![[x, y(lo)], [x, y(hi)]]).color(egui::Color32::GRAY).width(1.5));
                    }
                    if labels {
                        plot.text(
                            Text::new(format!("value {g} {s}"), PlotPoint::new(x, y(hi.max(v))), (scale.fmt)(v))
                                .anchor(egui::Align2::CENTER_BOTTOM),
                        );
                    }
                }
            }
            if let Some((r, name)) = scale.reference {
                plot.hline(egui_plot::HLine::new(name, y(r)).style(egui_plot::LineStyle::dashed_loose()).color(egui::Color32::GRAY));
            }
        });
}
