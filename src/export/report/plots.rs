//! Which plots a report holds, built from the plot data the app draws
//! ([`crate::export::plot_data`]) and the analysis: the scaling plots
//! (speedup, efficiency, design bars, weak scaling, memory, chunk size,
//! Karp-Flatt), the fitted models, the what-if curves, the timelines, and
//! the overlaid speedup of a comparison.

use crate::analysis::{Analysis, FitRecord, MIN_EXTRAPOLATE};
use crate::experiment::{Experiment, RunRecord};
use crate::export::plot_data::{self, Grouped, Labelled, Series, WeakCurve};

use super::svg::{self, Axis, Band, Bars, Chart, Curve, Guide, Scale, Stroke, Timeline};

/// One plot of the report: its title, the SVG and how to read it.
#[derive(Clone, Debug)]
pub(super) struct Figure {
    /// The title (also the SVG's `<title>`).
    pub title: String,
    /// The `<svg>` element.
    pub svg: String,
    /// How to read it (plain text, escaped when written).
    pub hint: String,
}

/// The threads the fitted models are drawn to (the app's default).
const FITS_TO: f64 = 64.0;
/// The most timelines one experiment shows (the app shows every one).
const MAX_TIMELINES: usize = 4;
/// Time bins per timeline lane.
const TIMELINE_BINS: usize = 240;

const SPEEDUP_HINT: &str = "Points on the dashed grey line scale perfectly; the gap below it is what parallelism lost. Bars span the fastest and slowest repetition. The dotted gold line is the machine's core count.";
const EFFICIENCY_HINT: &str = "Speedup divided by threads: 1.0 means every thread pulls its full weight. Past the core count it must fall.";
const KARP_FLATT_HINT: &str = "The serial fraction implied by each measured speedup (drawn only where the speedup is above 1). Flat means a fixed serial part (Amdahl); rising with threads means overhead that grows: contention, imbalance, oversubscription.";
const CHUNK_HINT: &str =
    "Tiny chunks pay the lock on every few items; huge chunks leave workers idle at the end. The floor between them is the sweet spot.";
const WEAK_HINT: &str = "p threads get p times n, each size against its own plain loop. Dashed: Gustafson's line fitted to these points; dotted: Amdahl's curve from the strong sweep. A serial part that does not grow lets the weak curve climb where the strong one flattens.";
const FITS_HINT: &str = "Markers are measured; dashed curves are Amdahl's law (a fixed serial part: it flattens at its ceiling), solid ones the Universal Scalability Law (contention and crosstalk: it can peak and fall). The shaded band comes from fitting the fastest and the slowest repetitions. Hollow diamonds were measured past the core count and not fitted.";
const WHAT_IF_HINT: &str = "Each line is the speedup the model predicts on a machine with that many cores; the thick one is the run as measured, the dashed ones change one condition. The black markers are what this series measured (past the machine's cores they share cores, so they sit below the curve).";

/// A series name without the empty source label of a lone experiment
/// (`: auto` is `auto`); a design bar's ` x2` is `2 threads`.
fn tidy(name: &str) -> String {
    let name = name.trim_start_matches(':').trim();
    match name.strip_prefix('x').and_then(|n| n.parse::<usize>().ok()) {
        Some(n) => crate::units::count_of(n, "thread"),
        None => name.to_string(),
    }
}

fn figure(title: &str, svg: String, hint: &str) -> Figure {
    Figure { title: title.into(), svg, hint: hint.into() }
}

/// The measured series of a plot over threads, in palette order.
fn curves(series: &[Series]) -> Vec<Curve> {
    series.iter().enumerate().map(|(i, s)| Curve::series(i, &tidy(&s.name), &s.points, &s.ranges)).collect()
}

/// The scaling plots of one experiment, in the app's order, each where
/// there is something in it.
pub(super) fn scaling(exp: &Experiment, analysis: &Analysis) -> Vec<Figure> {
    let one: [Labelled<'_>; 1] = [("", exp)];
    let cores = exp.machine.logical_cores;
    let guides = Guide::machine(&exp.machine);
    let mut out = Vec::new();
    if let Some(g) = plot_data::design_bars(&one) {
        out.push(bars(
            "Speedup by design",
            "speedup",
            &g,
            Some((1.0, "the plain loop (1x)")),
            "Each design's speedup, one bar per thread count; the whiskers span the repetitions.",
        ));
    }
    let variants = plot_data::variant_groups(&one);
    if !variants.groups.is_empty() {
        out.push(bars(
            "Median time per variant",
            "median time (ms)",
            &variants,
            None,
            "The plain loop first; the whiskers span the repetitions.",
        ));
    }
    let speedup = plot_data::speedup_vs_threads(&one);
    let weak = plot_data::weak_scaling(&[("", exp, analysis)]);
    if !speedup.is_empty() {
        out.push(figure("Speedup vs threads", speedup_chart("Speedup vs threads", &speedup, &guides, cores).svg(), SPEEDUP_HINT));
        out.push(figure("Efficiency vs threads", efficiency_chart(exp, &speedup, &weak, &guides).svg(), EFFICIENCY_HINT));
    }
    if !weak.is_empty() {
        out.push(figure("Weak scaling: scaled speedup vs threads", weak_chart(&speedup, &weak, &guides, cores).svg(), WEAK_HINT));
    }
    let memory = plot_data::bandwidth_vs_threads(&one);
    if !memory.is_empty() {
        let mut c = Chart::new("Memory read vs threads", Axis::threads("threads"), Axis::linear("GB/s", &[0.0]));
        c.curves = curves(&memory);
        c.vlines = guides.clone();
        out.push(figure("Memory read vs threads", c.svg(), &memory_hint(exp)));
    }
    let chunks = plot_data::time_vs_chunk(&one);
    if !chunks.is_empty() {
        let ms: Vec<Series> = chunks.iter().map(in_ms).collect();
        let x = Axis { label: "chunk size (items, log scale)".into(), scale: Scale::Log10, include: vec![] };
        let mut c = Chart::new("Time vs chunk size", x, Axis::linear("median time (ms)", &[0.0]));
        c.curves = curves(&ms);
        out.push(figure("Time vs chunk size", c.svg(), CHUNK_HINT));
    }
    let kf = plot_data::karp_flatt_vs_threads(&one);
    if !kf.is_empty() {
        let mut c =
            Chart::new("Karp-Flatt serial fraction vs threads", Axis::threads("threads"), Axis::linear("serial fraction e", &[0.0, 1.0]));
        c.curves = curves(&kf);
        c.vlines = guides;
        out.push(figure("Karp-Flatt serial fraction vs threads", c.svg(), KARP_FLATT_HINT));
    }
    out
}

/// A series with its seconds in milliseconds.
fn in_ms(s: &Series) -> Series {
    Series {
        name: s.name.clone(),
        points: s.points.iter().map(|p| [p[0], p[1] * 1e3]).collect(),
        ranges: s.ranges.iter().map(|r| [r[0], r[1] * 1e3, r[2] * 1e3]).collect(),
    }
}

/// What the memory probe says, in one line.
fn memory_hint(exp: &Experiment) -> String {
    let reading = exp.bandwidth.as_ref().map_or(String::new(), |b| {
        let (at, peak) = b.peak();
        format!(" The probe read at most {peak:.1} GB/s (with {at} threads), {:.1}x what one thread read.", b.scaling())
    });
    format!(
        "Bytes the run read per second, against the machine's memory probe: where the run meets the probe's flat top, more threads cannot help.{reading}"
    )
}

fn bars(title: &str, unit: &str, g: &Grouped, reference: Option<(f64, &str)>, hint: &str) -> Figure {
    let b = Bars {
        title: title.into(),
        unit: unit.into(),
        groups: g.groups.iter().map(|s| tidy(s)).collect(),
        series: g.series.iter().map(|s| tidy(s)).collect(),
        values: g.values.clone(),
        reference: reference.map(|(at, name)| (at, name.to_string())),
    };
    figure(title, b.svg(), hint)
}

/// Speedup vs threads: the series, the ideal y = p and the core lines.
pub(super) fn speedup_chart(title: &str, series: &[Series], guides: &[Guide], cores: usize) -> Chart {
    let max_p = plot_data::max_x(series).max(cores as f64);
    let mut c = Chart::new(title, Axis::threads("threads"), Axis::linear("speedup", &[0.0]));
    c.curves.push(Curve::line("ideal (y = p)", plot_data::ideal_speedup(max_p), svg::GUIDE, Stroke::Dashed));
    c.curves.extend(curves(series));
    c.vlines = guides.to_vec();
    c
}

/// Efficiency vs threads, with the weak efficiencies dashed where measured.
fn efficiency_chart(exp: &Experiment, speedup: &[Series], weak: &[WeakCurve], guides: &[Guide]) -> Chart {
    let efficiency = plot_data::efficiency_vs_threads(&[("", exp)]);
    let title = if weak.is_empty() { "Efficiency vs threads" } else { "Efficiency vs threads: strong (solid), weak (dashed)" };
    let mut c = Chart::new(title, Axis::threads("threads"), Axis::linear("efficiency", &[0.0, 1.1]));
    c.hlines.push(Guide { at: 1.0, name: "ideal (y = 1)".into(), colour: svg::GUIDE, stroke: Stroke::Dashed });
    c.curves = curves(&efficiency);
    for (i, w) in weak.iter().enumerate() {
        let mut curve =
            Curve::series(weak_colour(speedup, w, i), &format!("{} (weak)", tidy(&w.efficiency.name)), &w.efficiency.points, &[]);
        (curve.stroke, curve.marker) = (Some(Stroke::Dashed), Some(3));
        c.curves.push(curve);
    }
    c.vlines = guides.to_vec();
    c
}

/// A weak curve takes the palette index of the strong series of the same runs.
fn weak_colour(speedup: &[Series], w: &WeakCurve, i: usize) -> usize {
    speedup.iter().position(|s| s.name == w.measured.name).unwrap_or(speedup.len() + i)
}

/// The scaled speedup measured, with Gustafson's line and the strong
/// sweep's Amdahl curve, drawn to 8 threads at least.
fn weak_chart(speedup: &[Series], weak: &[WeakCurve], guides: &[Guide], cores: usize) -> Chart {
    let to = plot_data::max_x(speedup).max(cores as f64).max(8.0);
    let mut c = Chart::new(
        "Weak scaling: scaled speedup vs threads, n grows with them",
        Axis::threads("threads"),
        Axis::linear("scaled speedup", &[0.0]),
    );
    c.curves.push(Curve::line("ideal (y = p)", plot_data::ideal_speedup(to), svg::GUIDE, Stroke::Dashed));
    for (i, w) in weak.iter().enumerate() {
        let k = weak_colour(speedup, w, i);
        let name = tidy(&w.measured.name);
        let colour = svg::colour(k);
        if let Some(s) = w.gustafson {
            let line = vec![[1.0, 1.0], [to, to - s * (to - 1.0)]];
            c.curves.push(Curve::line(&format!("{name}: Gustafson S = p - {s:.2} (p - 1), fitted"), line, colour, Stroke::Dashed));
        }
        if let Some(a) = w.amdahl {
            let curve = (0..=40).map(|k| 1.0 + (to - 1.0) * f64::from(k) / 40.0).map(|p| [p, a.speedup(p)]).collect();
            c.curves.push(Curve::line(&format!("{name}: Amdahl f = {:.2}, from the strong sweep", a.f), curve, colour, Stroke::Dotted));
        }
        c.curves.push(Curve::series(k, &format!("{name}: measured"), &w.measured.points, &w.measured.ranges));
    }
    c.vlines = guides.to_vec();
    c
}

/// A fit's series ([`crate::analysis::series_name`]).
pub(super) fn fit_name(exp: &Experiment, f: &FitRecord) -> String {
    crate::analysis::series_name(exp, f)
}

/// How far a fit is drawn: to [`FITS_TO`] threads, or to its last measured
/// point where it has too few points to extrapolate.
fn reach(f: &FitRecord) -> f64 {
    if f.threads.len() >= MIN_EXTRAPOLATE { FITS_TO } else { f.threads.iter().copied().max().unwrap_or(1) as f64 }
}

/// The fitted models of one experiment, or `None` without fits.
pub(super) fn fits(exp: &Experiment, analysis: &Analysis) -> Option<Figure> {
    if analysis.fits.is_empty() {
        return None;
    }
    let cores = exp.machine.logical_cores.max(1);
    let mut c = Chart::new("Fitted scaling models: speedup vs threads", Axis::threads("threads"), Axis::linear("speedup", &[0.0]));
    let top =
        analysis.fits.iter().flat_map(|f| f.predicted.iter().map(|p| p.3)).chain(exp.runs.iter().map(|r| r.speedup)).fold(2.0, f64::max);
    let end = analysis.fits.iter().map(reach).fold(2.0, f64::max);
    c.curves.push(Curve::line("ideal (y = p)", plot_data::ideal_speedup((top * 1.5).min(end)), svg::GUIDE, Stroke::Dashed));
    for (i, f) in analysis.fits.iter().enumerate() {
        fit_curves(&mut c, exp, f, i, cores);
    }
    c.vlines.extend(Guide::machine(&exp.machine));
    Some(figure("Fitted scaling models", c.svg(), FITS_HINT))
}

/// One fit: Amdahl dashed, the USL solid, the band, the measured points.
fn fit_curves(c: &mut Chart, exp: &Experiment, f: &FitRecord, i: usize, cores: usize) {
    let (name, colour, end) = (fit_name(exp, f), svg::colour(i), reach(f));
    let xs: Vec<f64> = (0..=80).map(|k| 1.0 + (end - 1.0) * f64::from(k) / 80.0).collect();
    let amdahl = xs.iter().map(|&p| [p, f.amdahl.speedup(p)]).collect();
    c.curves.push(Curve::line(&format!("{name}: Amdahl f = {:.3}", f.amdahl.f), amdahl, colour, Stroke::Dashed));
    if let Some(u) = &f.usl {
        let usl = xs.iter().map(|&p| [p, u.speedup(p)]).collect();
        c.curves.push(Curve::line(&format!("{name}: USL sigma = {:.3}, kappa = {:.4}", u.sigma, u.kappa), usl, colour, Stroke::Thick));
    }
    let band: Vec<[f64; 3]> = f.predicted.iter().filter(|p| p.0 as f64 <= end).map(|p| [p.0 as f64, p.2, p.3]).collect();
    if band.len() >= 2 {
        c.bands.push(Band { colour, points: band });
    }
    let same = |r: &&RunRecord| (r.feeder, r.chunk_size, r.gil, r.variant) == (f.feeder, f.chunk_size, f.gil, f.variant);
    let (fitted, past): (Vec<[f64; 2]>, Vec<[f64; 2]>) =
        exp.runs.iter().filter(same).map(|r| [r.threads as f64, r.speedup]).partition(|p| p[0] <= cores as f64);
    let points = |label: &str, pts: Vec<[f64; 2]>, shape: usize| Curve {
        name: format!("{name}: {label}"),
        points: pts,
        ranges: vec![],
        colour,
        stroke: None,
        marker: Some(shape),
    };
    c.curves.push(points("measured, fitted", fitted, 0));
    if !past.is_empty() {
        c.curves.push(points("measured past the core count, not fitted", past, 4));
    }
}

/// One plot per what-if model of the experiment.
pub(super) fn what_if(exp: &Experiment, analysis: &Analysis) -> Vec<Figure> {
    analysis
        .what_if
        .iter()
        .map(|w| {
            let title = format!("What if? The model of {}", w.from);
            let x = Axis::threads("threads (a machine with that many cores)");
            let mut c = Chart::new(&title, x, Axis::linear("predicted speedup", &[0.0]));
            let max_p = w.scenarios.iter().flat_map(|s| s.curve.iter().map(|p| p.0)).max().unwrap_or(16) as f64;
            let top = w.scenarios.iter().flat_map(|s| s.curve.iter().map(|p| p.1)).fold(2.0, f64::max);
            c.curves.push(Curve::line("ideal (y = p)", plot_data::ideal_speedup(top.min(max_p)), svg::GUIDE, Stroke::Dashed));
            for (i, sc) in w.scenarios.iter().enumerate() {
                let pts = sc.curve.iter().map(|&(p, y)| [p as f64, y]).collect();
                let stroke = if i == 0 { Stroke::Thick } else { Stroke::Dashed };
                c.curves.push(Curve::line(&sc.change.label(), pts, svg::colour(i), stroke));
            }
            let measured =
                exp.runs.iter().filter(|r| r.variant.is_none() && same_series(r, &w.from)).map(|r| [r.threads as f64, r.speedup]).collect();
            c.curves.push(Curve {
                name: "measured (this series)".into(),
                points: measured,
                ranges: vec![],
                colour: svg::INK,
                stroke: None,
                marker: Some(0),
            });
            c.vlines.extend(Guide::machine(&exp.machine));
            figure(&title, c.svg(), WHAT_IF_HINT)
        })
        .collect()
}

/// Whether `run` belongs to the series whose what-if label is `from`
/// (`dispenser x4 chunk auto`): the same feeder, chunk size and GIL.
fn same_series(run: &RunRecord, from: &str) -> bool {
    let key = |label: &str| {
        let mut words = label.split(' ');
        let feeder = words.next().unwrap_or_default().to_string();
        let rest: Vec<&str> = words.skip(1).collect();
        (feeder, rest.join(" "))
    };
    key(&crate::analysis::whatif::label(run)) == key(from)
}

/// The timelines of the runs that recorded one: per series the run on the
/// most threads, at most [`MAX_TIMELINES`].
pub(super) fn timelines(exp: &Experiment) -> (Vec<Figure>, usize) {
    let mut chosen: Vec<&RunRecord> = Vec::new();
    for r in exp.runs.iter().filter(|r| !r.spans.is_empty()) {
        let key = |x: &RunRecord| (x.feeder, x.chunk_size, x.gil, x.variant);
        match chosen.iter_mut().find(|c| key(c) == key(r)) {
            Some(c) if r.threads > c.threads => *c = r,
            Some(_) => {}
            None => chosen.push(r),
        }
    }
    let recorded = exp.runs.iter().filter(|r| !r.spans.is_empty()).count();
    let figures = chosen.into_iter().take(MAX_TIMELINES).map(|r| timeline(exp, r)).collect();
    (figures, recorded)
}

fn timeline(exp: &Experiment, run: &RunRecord) -> Figure {
    let bins = plot_data::lanes(&run.spans, TIMELINE_BINS);
    let mut segments: Vec<svg::Segment> = Vec::new();
    for b in bins {
        let Some(kind) = b.dominant() else { continue };
        match segments.last_mut() {
            Some(s) if s.0 == b.worker && s.3 == kind && (s.2 - b.start_s).abs() < 1e-12 => s.2 = b.end_s,
            _ => segments.push((b.worker, b.start_s, b.end_s, kind)),
        }
    }
    let lanes = run.spans.iter().map(|s| s.worker).max().map_or(0, |w| w + 1);
    let names = (0..lanes).map(|w| if w == run.threads { "reduce".to_string() } else { format!("worker {w}") }).collect();
    let title = format!("Per-worker timeline: {} (median repetition)", super::config(exp, run));
    let cut = if run.spans_cut {
        " This timeline was cut to fit the experiment's limit of recorded spans: it shows the start of the run only."
    } else {
        ""
    };
    let hint = format!(
        "One lane per worker (a lane named reduce is the final reduce on the calling thread). Green is mapping, orange waiting for input. Gaps at the end are an idle tail (imbalance); orange everywhere is a contended source.{cut}"
    );
    figure(&title, Timeline { title: title.clone(), lanes: names, segments }.svg(), &hint)
}

/// The speedup of several experiments of one workload in one plot, each
/// series named after its experiment's label, with each machine's cores.
pub(super) fn comparison(labelled: &[Labelled<'_>]) -> Figure {
    let series = plot_data::speedup_vs_threads(labelled);
    // One dotted line per core count, naming every experiment measured with it.
    let mut by_cores: Vec<(usize, Vec<&str>)> = Vec::new();
    for (label, exp) in labelled {
        let cores = exp.machine.logical_cores;
        match by_cores.iter_mut().find(|(c, _)| *c == cores) {
            Some((_, labels)) => labels.push(label),
            None => by_cores.push((cores, vec![label])),
        }
    }
    let guides: Vec<Guide> = by_cores
        .iter()
        .enumerate()
        .map(|(i, (cores, labels))| {
            let mut g = Guide::cores(*cores, &format!("the machine of {}", labels.join(", ")));
            g.colour = if i == 0 { svg::CORES } else { svg::GUIDE };
            g
        })
        .collect();
    let cores = by_cores.iter().map(|(c, _)| *c).max().unwrap_or(1);
    let title = "Comparison: speedup vs threads";
    let c = speedup_chart(title, &series, &guides, cores);
    figure(title, c.svg(), "Each experiment's curves are named after its letter; each machine's core count is a dotted line.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lone_labels_are_left_out_of_series_names() {
        assert_eq!(tidy(": dispenser chunk auto"), "dispenser chunk auto");
        assert_eq!(tidy(" x2"), "2 threads");
        assert_eq!(tidy("A: auto"), "A: auto");
    }
}
