//! The strong and the weak view side by side: speedup at a fixed n next to
//! the scaled speedup with n grown with the threads (with Gustafson's line
//! and the strong sweep's Amdahl curve), then both efficiencies and
//! Karp-Flatt.

use eframe::egui::{self, Color32};
use egui_plot::{HLine, Line, LineStyle, Points};

use super::{Cell, chip, draw_one, hint, hover, palette, speedup_guides, threads_plot};
use crate::export::plot_data::{self, Labelled, Series, WeakCurve};

/// Draws the grid of the four plots; `speedup` is the strong sweep's.
pub(super) fn strong_and_weak(ui: &mut egui::Ui, cell: &Cell, labelled: &[Labelled<'_>], speedup: &[Series], weak: &[WeakCurve]) {
    let max_p = plot_data::max_x(speedup).max(cell.cores as f64);
    // A weak curve takes the colour of the strong series of the same runs.
    let colours: Vec<Color32> = weak
        .iter()
        .enumerate()
        .map(|(i, c)| palette(speedup.iter().position(|s| s.name == c.measured.name).unwrap_or(speedup.len() + i)))
        .collect();
    let efficiency = plot_data::efficiency_vs_threads(labelled);
    let kf = plot_data::karp_flatt_vs_threads(labelled);
    egui::Grid::new("plots").num_columns(2).spacing([12.0, 6.0]).show(ui, |ui| {
        cell.speedup(
            ui,
            "Strong scaling: speedup vs threads, n fixed",
            "the same problem on more threads: the serial part stays, so the curve flattens toward Amdahl's ceiling 1/(1-f) (dotted, where it is in view).",
            speedup,
            max_p,
            |plot| amdahl_ceilings(plot, weak, &colours, max_p),
        );
        scaled_speedup(ui, cell, weak, &colours, max_p);
        ui.end_row();
        cell.efficiency(
            ui,
            "Efficiency vs threads: strong (solid), weak (dashed)",
            "speedup over threads. Weak efficiency stays high when the work per thread is what counts; strong efficiency falls as each thread's share shrinks.",
            &efficiency,
            |plot| weak_efficiency(plot, weak, &colours),
        );
        cell.karp_flatt(
            ui,
            "Karp-Flatt serial fraction vs threads (strong)",
            "the serial fraction implied by each strong speedup above 1. Flat means a fixed serial part: exactly the part weak scaling outgrows.",
            &kf,
        );
        ui.end_row();
    });
}

/// Amdahl's ceiling of each series as a dotted line, where it is within
/// twice the plot's thread range.
fn amdahl_ceilings(plot: &mut egui_plot::PlotUi<'_>, weak: &[WeakCurve], colours: &[Color32], max_p: f64) {
    for (c, &colour) in weak.iter().zip(colours) {
        let ceiling = c.amdahl.map(|a| a.ceiling()).filter(|x| x.is_finite() && *x <= 2.0 * max_p);
        if let Some(top) = ceiling {
            let name = format!("Amdahl's ceiling 1/(1-f) = {top:.1}x");
            plot.hline(HLine::new(name, top).color(colour).style(LineStyle::dotted_loose()));
        }
    }
}

/// The weak cell: its title, one legend row per series, the plot and how to read it.
fn scaled_speedup(ui: &mut egui::Ui, cell: &Cell, weak: &[WeakCurve], colours: &[Color32], max_p: f64) {
    ui.vertical(|ui| {
        ui.set_max_width(cell.w);
        ui.strong("Weak scaling: scaled speedup vs threads, n grows with them");
        for (c, &colour) in weak.iter().zip(colours) {
            weak_legend(ui, c, colour);
        }
        // The laws are drawn on to 8 threads at least: where they part is the lesson.
        let to = max_p.max(8.0);
        let plot = threads_plot("weak", cell.w, cell.h).y_axis_label("scaled speedup").include_y(0.0);
        plot.label_formatter(hover("threads", "scaled speedup")).show(ui, |plot| {
            speedup_guides(plot, &cell.marks, to);
            for (c, &colour) in weak.iter().zip(colours) {
                weak_laws(plot, c, colour, to);
            }
        });
        hint(
            ui,
            "p threads get p times n, each size against its own plain loop. Dashed: Gustafson's line fitted to these points; dotted: Amdahl's curve from the strong sweep; both drawn on past the measured threads (to 8 at least), fainter there. A serial part that does not grow lets the weak curve climb where the strong one flattens.",
        );
    });
}

/// One series' legend row: its chip, and what its dashed and dotted lines are.
fn weak_legend(ui: &mut egui::Ui, c: &WeakCurve, colour: Color32) {
    ui.horizontal_wrapped(|ui| {
        chip(ui, colour, &format!("{} measured (solid)", c.measured.name));
        let mut fitted = Vec::new();
        if let Some(s) = c.gustafson {
            fitted.push(format!("dashed: Gustafson, s = {s:.2}"));
        }
        if let Some(a) = c.amdahl {
            fitted.push(format!("dotted: Amdahl, 1 - f = {:.2}", 1.0 - a.f));
        }
        fitted.push("grey: ideal".into());
        if fitted.is_empty() {
            fitted.push("the fitted lines appear once the experiment is analysed".into());
        }
        ui.label(egui::RichText::new(fitted.join("; ")).small());
    });
}

/// One series on the weak plot: Gustafson's line and Amdahl's curve up to
/// `to` threads, fainter past the measured ones, and the measured points on top.
fn weak_laws(plot: &mut egui_plot::PlotUi<'_>, c: &WeakCurve, col: Color32, to: f64) {
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

/// Each series' weak efficiency, dashed with diamonds, over the strong ones.
fn weak_efficiency(plot: &mut egui_plot::PlotUi<'_>, weak: &[WeakCurve], colours: &[Color32]) {
    for (c, &col) in weak.iter().zip(colours) {
        let name = format!("{} (weak)", c.efficiency.name);
        plot.line(Line::new(name.clone(), c.efficiency.points.clone()).color(col).style(LineStyle::dashed_dense()).width(1.5));
        plot.points(Points::new(name, c.efficiency.points.clone()).color(col).radius(3.5).shape(egui_plot::MarkerShape::Diamond));
    }
}
