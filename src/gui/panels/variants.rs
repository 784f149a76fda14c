//! The per-variant comparison: median time and the most each variant held
//! at once, side by side on a wide panel, one above the other on a narrow
//! one (the view that teaches the one-pass aggregates and the ordered vs
//! unordered stream).

use super::bars::{self, Scale};
use super::hint;
use crate::export::plot_data::{self, Labelled};
use eframe::egui::{self, Color32, RichText};

/// Draws both bar charts, `height` tall.
pub fn ui(ui: &mut egui::Ui, sources: &[Labelled<'_>], height: f32) {
    let bars = plot_data::variant_bars(sources);
    if bars.is_empty() {
        ui.label("No variant runs yet: press Compare variants.");
        return;
    }
    // Only the buffering designs (streams, one-pass aggregates) hold items;
    // the others get the whole width for their times. Two charts side by
    // side where each gets 480 px, else one under the other (a chart too
    // narrow for its names letters its bars and names them in a table).
    let buffers = bars.iter().any(|b| b.peak.is_some());
    let full = ui.available_width();
    let beside = buffers && full >= 2.0 * 480.0 + 16.0;
    let w = if beside { full / 2.0 - 8.0 } else { full };
    let h = if buffers && !beside { ((height - 120.0) / 2.0).max(140.0) } else { (height - 90.0).max(140.0) };
    let times = |ui: &mut egui::Ui| {
        ui.strong("Median time per variant");
        let times = plot_data::variant_groups(sources);
        let scale = Scale { unit: "ms", log: true, fmt: &|ms| fmt_ms(ms), reference: None };
        bars::grouped(ui, "variant-time", w, h, &times, &scale);
    };
    let peaks = |ui: &mut egui::Ui| {
        ui.strong("Most held at once");
        let (peaks, unit) = plot_data::variant_peak_groups(sources);
        let unit = format!("{unit} held");
        let scale = Scale { unit: &unit, log: true, fmt: &|p| format!("{p:.0}"), reference: None };
        bars::grouped(ui, "variant-peak", w, h, &peaks, &scale);
    };
    if beside {
        ui.horizontal_top(|ui| {
            ui.vertical(times);
            ui.vertical(peaks);
        });
    } else {
        times(ui);
        if buffers {
            peaks(ui);
        }
    }
    for b in &bars {
        // "1 item", "6000 items": the unit is plural, one is not.
        let held = |p: &u64, unit: &str| if *p == 1 { format!("1 {}", unit.trim_end_matches('s')) } else { format!("{p} {unit}") };
        let peak = match &b.peak {
            Some((p, Some(bound), unit)) => format!(", held at most {} (bound {bound})", held(p, unit)),
            Some((p, None, unit)) => format!(", held at most {} (no bound)", held(p, unit)),
            None => String::new(),
        };
        let line = format!("{}: {} ({}..{}){peak}", b.name, fmt_ms(b.median_s * 1e3), fmt_ms(b.min_s * 1e3), fmt_ms(b.max_s * 1e3));
        ui.label(RichText::new(line).small().color(if b.verified { ui.visuals().text_color() } else { Color32::from_rgb(220, 60, 60) }));
    }
    if buffers {
        hint(
            ui,
            "each bar is one variant's median over the repetitions. Bounded designs hold a few chunks whatever the input length; \
             buffer-all holds the whole input and a tee holds what the slowest reader has not read yet. Lock-step holds one item \
             but waits at a barrier for every item: the time bar shows what that costs.",
        );
    } else {
        hint(ui, "each bar is one variant's median over the repetitions, next to the plain loop: the same work, laid out differently.");
    }
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
