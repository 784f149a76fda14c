//! The per-variant comparison: median time and the most each variant held
//! at once, side by side (the view that teaches the one-pass aggregates and
//! the ordered vs unordered stream).

use eframe::egui::{self, Color32, RichText};
use egui_plot::{Bar, BarChart, Plot, PlotPoint, Text};

use super::hint;
use super::scaling::palette;
use crate::gui::plot_data::{self, Labelled};

/// Draws both bar charts, `height` tall.
pub fn ui(ui: &mut egui::Ui, sources: &[Labelled<'_>], height: f32) {
    let bars = plot_data::variant_bars(sources);
    if bars.is_empty() {
        ui.label("No variant runs yet: press Compare variants.");
        return;
    }
    let h = (height - 70.0).max(140.0);
    let w = (ui.available_width() / 2.0 - 8.0).max(200.0);
    ui.horizontal_top(|ui| {
        ui.vertical(|ui| {
            ui.strong("Median time per variant (log scale)");
            let values: Vec<Option<f64>> = bars.iter().map(|b| Some(b.median_s * 1e3)).collect();
            let texts: Vec<String> = bars
                .iter()
                .map(|b| format!("{}\n{}{}", b.name, fmt_ms(b.median_s * 1e3), if b.verified { "" } else { " WRONG" }))
                .collect();
            log_chart(ui, "variant-time", w, h, "ms", &values, &texts);
        });
        ui.vertical(|ui| {
            ui.strong("Most held at once (log scale)");
            let values: Vec<Option<f64>> = bars.iter().map(|b| b.peak.as_ref().map(|(p, _, _)| (*p).max(1) as f64)).collect();
            let texts: Vec<String> = bars
                .iter()
                .map(|b| match &b.peak {
                    Some((p, Some(bound), _)) => format!("{}\n{p} / {bound}", b.name),
                    Some((p, None, _)) => format!("{}\n{p}, no bound", b.name),
                    None => String::new(),
                })
                .collect();
            let unit = bars.iter().find_map(|b| b.peak.as_ref().map(|p| p.2.clone())).unwrap_or_default();
            log_chart(ui, "variant-peak", w, h, &format!("{unit} held"), &values, &texts);
        });
    });
    for b in &bars {
        let peak = match &b.peak {
            Some((p, Some(bound), unit)) => format!(", held at most {p} {unit} (bound {bound})"),
            Some((p, None, unit)) => format!(", held at most {p} {unit} (no bound)"),
            None => String::new(),
        };
        let line = format!("{}: {} ({}..{}){peak}", b.name, fmt_ms(b.median_s * 1e3), fmt_ms(b.min_s * 1e3), fmt_ms(b.max_s * 1e3));
        ui.label(RichText::new(line).small().color(if b.verified { ui.visuals().text_color() } else { Color32::from_rgb(220, 60, 60) }));
    }
    hint(
        ui,
        "each bar is one variant's median over the repetitions. Bounded designs hold a few chunks whatever the input length; \
         buffer-all holds the whole input and a tee holds what the slowest reader has not read yet. Lock-step holds one item \
         but waits at a barrier for every item: the time bar shows what that costs.",
    );
}

fn fmt_ms(ms: f64) -> String {
    if ms >= 100.0 {
        format!("{ms:.0} ms")
    } else if ms >= 1.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{ms:.3} ms")
    }
}

/// Bars whose heights are `log10(value)` above a floor under the smallest,
/// so that a 1 ms bar and a 5 s bar are both readable; each bar is labelled
/// with its text (name and value) on top. `None` draws no bar.
fn log_chart(ui: &mut egui::Ui, id: &str, w: f32, h: f32, unit: &str, values: &[Option<f64>], texts: &[String]) {
    let logs: Vec<Option<f64>> = values.iter().map(|v| v.filter(|x| *x > 0.0).map(f64::log10)).collect();
    let lowest = logs.iter().flatten().copied().fold(f64::INFINITY, f64::min);
    let floor = if lowest.is_finite() { lowest.floor() - 0.5 } else { 0.0 };
    let top = logs.iter().flatten().copied().fold(floor + 1.0, f64::max);
    Plot::new(id)
        .width(w)
        .height(h)
        .y_axis_label(format!("{unit} (log scale)"))
        .include_y(floor)
        .include_y(top + 0.35 * (top - floor))
        .include_x(-0.6)
        .include_x(values.len() as f64 - 0.4)
        .allow_scroll(false)
        .allow_drag(false)
        .allow_zoom(false)
        .show_x(false)
        .x_axis_formatter(|_, _| String::new())
        .y_axis_formatter(
            |m, _| {
                if (m.value - m.value.round()).abs() < 1e-9 { format!("{}", 10f64.powf(m.value.round())) } else { String::new() }
            },
        )
        .label_formatter(|_| None)
        .show(ui, |plot| {
            for (i, (log, text)) in logs.iter().zip(texts).enumerate() {
                let x = i as f64;
                let y = match log {
                    Some(l) => {
                        let bar = Bar::new(x, l - floor).base_offset(floor).width(0.6).fill(palette(i));
                        plot.bar_chart(BarChart::new(format!("bar {i}"), vec![bar]).color(palette(i)));
                        *l
                    }
                    None => floor,
                };
                plot.text(Text::new(format!("label {i}"), PlotPoint::new(x, y), text.as_str()).anchor(egui::Align2::CENTER_BOTTOM));
            }
        });
}
