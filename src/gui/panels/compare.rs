//! Two or more experiments of one workload (two machines, before and
//! after): each later one against the first, point by point, with the
//! ratio and its uncertainty, or "no significant difference".

use eframe::egui::{self, RichText};

use crate::analysis::compare::{compare, incomparable, summary};
use crate::export::plot_data::Analysed;

/// Draws the comparisons of the shown experiments against the first; nothing with fewer than two.
pub fn ui(ui: &mut egui::Ui, sources: &[Analysed<'_>]) {
    let Some(((a_label, a, _), rest)) = sources.split_first() else { return };
    if rest.is_empty() {
        return;
    }
    ui.heading("Compared");
    for (b_label, b, _) in rest {
        ui.label(RichText::new(format!("{b_label} (B) against {a_label} (A)")).strong());
        if let Some(why) = incomparable(a, b) {
            ui.label(RichText::new(format!("not compared: {why}")).weak());
            continue;
        }
        let points = compare(a, b);
        ui.label(summary(&points));
        for p in &points {
            let text = RichText::new(p.to_string());
            ui.label(if p.significant { text } else { text.weak() });
        }
        ui.add_space(6.0);
    }
    ui.label(
        RichText::new("Times of the repetitions compared with Welch's t-test on their logarithms; ± is the 95% interval of the ratio.")
            .small()
            .weak(),
    );
}
