//! The per-variant comparison: median time and the most each variant held
//! at once, side by side (the view that teaches the one-pass aggregates and
//! the ordered vs unordered stream).

use eframe::egui::{self, Color32, RichText};
use egui_plot::{Bar, BarChart, Plot, PlotPoint, Text};

use super::hint;
use super::scaling::palette;
use crate::gui::plot_data::{self, Labelled, VariantBar};

/// Draws both bar charts, `height` tall.
pub fn ui(ui: &mut egui::Ui, sources: &[Labelled<'_>], height: f32) {
    let bars = plot_data::variant_bars(sources);
    if bars.is_empty() {
        ui.label("No variant runs yet: press Compare variants.");
        return;
    }
    let h = (height - 70.0).max(140.0);
    let w = (ui.available_width() / 2.0 - 8.0).max(200.0);
    let names: Vec<String> = bars.iter().map(|b| b.name.clone()).collect();
    ui.horizontal_top(|ui| {
        ui.vertical(|ui| {
            ui.strong("Median time per variant");
            chart(
                ui,
                "variant-time",
                &names,
                w,
                h,
                "milliseconds",
                &bars,
                |b| Some(b.median_s * 1e3),
                |b| {
                    let mut s = format!("{:.1} ms", b.median_s * 1e3);
                    if !b.verified {
                        s.push_str(" WRONG");
                    }
                    s
                },
            );
        });
        ui.vertical(|ui| {
            ui.strong("Most held at once (log scale)");
            chart(
                ui,
                "variant-peak",
                &names,
                w,
                h,
                "held (log10)",
                &bars,
                |b| b.peak.as_ref().map(|(p, _, _)| (*p.max(&1) as f64).log10()),
                |b| match &b.peak {
                    Some((p, Some(bound), unit)) => format!("{p} of {bound} {unit}"),
                    Some((p, None, unit)) => format!("{p} {unit}, unbounded"),
                    None => "-".into(),
                },
            );
        });
    });
    for b in &bars {
        let peak = match &b.peak {
            Some((p, Some(bound), unit)) => format!("held at most {p} {unit} (bound {bound})"),
            Some((p, None, unit)) => format!("held at most {p} {unit} (no bound)"),
            None => String::new(),
        };
        let line = format!("{}: {:.1} ms ({:.1}..{:.1}), {peak}", b.name, b.median_s * 1e3, b.min_s * 1e3, b.max_s * 1e3);
        ui.label(RichText::new(line).small().color(if b.verified { ui.visuals().text_color() } else { Color32::from_rgb(220, 60, 60) }));
    }
    hint(
        ui,
        "each bar is one variant's median over the repetitions. Bounded designs hold a few chunks whatever the input length; \
         buffer-all holds the whole input and a tee holds what the slowest reader has not read yet. Lock-step holds one item \
         but waits at a barrier for every item: the time bar shows what that costs.",
    );
}

#[allow(clippy::too_many_arguments, reason = "one chart, its layout and its two readings of a bar")]
fn chart(
    ui: &mut egui::Ui,
    id: &str,
    names: &[String],
    w: f32,
    h: f32,
    y_label: &str,
    bars: &[VariantBar],
    value: impl Fn(&VariantBar) -> Option<f64>,
    text: impl Fn(&VariantBar) -> String,
) {
    let names = names.to_vec();
    Plot::new(id)
        .width(w)
        .height(h)
        .y_axis_label(y_label)
        .include_y(0.0)
        .allow_scroll(false)
        .allow_drag(false)
        .allow_zoom(false)
        .x_axis_formatter(move |m, _| {
            let i = m.value.round();
            if (m.value - i).abs() < 1e-6 && i >= 0.0 { names.get(i as usize).cloned().unwrap_or_default() } else { String::new() }
        })
        .show(ui, |plot| {
            for (i, b) in bars.iter().enumerate() {
                let Some(v) = value(b) else { continue };
                let bar = Bar::new(i as f64, v).width(0.6).name(&b.name).fill(palette(i));
                plot.bar_chart(BarChart::new(b.name.clone(), vec![bar]).color(palette(i)));
                plot.text(Text::new(b.name.clone(), PlotPoint::new(i as f64, v), text(b)).anchor(egui::Align2::CENTER_BOTTOM));
            }
        });
}
