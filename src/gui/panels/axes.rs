//! Axis ticks that read at any plot size: one pure function, [`marks`],
//! from an axis range and its length in pixels to the marks to label, and
//! [`plot`], which puts it on both axes of an `egui_plot` plot. Every plot
//! of the scaling tab, the bar charts and the model plots use it.
//!
//! Why egui_plot's own ticks vanish on a small plot: its default spacer
//! (`log_grid_spacer(10)`) offers only steps that are powers of ten, and an
//! axis labels a step's marks only where they lie further apart than
//! `label_spacing.min` (60 px on x, 20 px on y) and than the label itself.
//! On a 200 px thread axis from 0 to 8 the step 1 lies 25 px apart and is
//! hidden; the next step, 10, has a single mark in view: "0". Here the steps
//! are 1, 2, 2.5 and 5 times a power of ten, the densest whose marks lie
//! [`GAP_X`] / [`GAP_Y`] apart is taken, and where that leaves fewer than
//! three marks the sparsest with three is taken instead; each mark carries
//! the distance to its nearest neighbour as its `step_size`, and the axis's
//! `label_spacing` is lowered to [`LABEL_MIN_PX`], so egui_plot labels
//! every mark whose label fits between its neighbours.
//!
//! For tests, [`watch`] records the labels each axis printed (and the texts
//! a bar chart wrote inside its plot); [`seen`] reads them back.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use eframe::egui::Rangef;
use egui_plot::{AxisHints, GridInput, GridMark, Plot};

/// How an axis is divided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Round numbers: 1, 2, 2.5 or 5 times a power of ten apart.
    Linear,
    /// Whole numbers only (thread counts): 1, 2 or 5 times a power of ten apart.
    Whole,
    /// The axis holds `log10` of the values: powers of ten, with 2 and 5
    /// (or every digit) between them where fewer than three decades show.
    Log10,
    /// Every whole number in view (one category each, e.g. a bar group).
    Each,
}

/// The gap (px) wanted between labelled marks on an x axis.
pub const GAP_X: f32 = 64.0;
/// The gap (px) wanted between labelled marks on a y axis.
pub const GAP_Y: f32 = 32.0;
/// The `label_spacing.min` every axis gets: egui_plot hides a label only
/// where its marks lie closer than this or than the label's own size.
pub const LABEL_MIN_PX: f32 = 10.0;
/// The plots' `grid_spacing.min`: egui_plot hands spacers `base_step_size`
/// = axis units per pixel times this, from which the spacer reads the length.
const GRID_MIN_PX: f32 = 8.0;

/// The marks of an axis from `lo` to `hi`, `px` pixels long, with labels
/// wanted `gap_px` apart; sorted, each with the distance to its nearest
/// neighbour as its `step_size`.
///
/// At least three marks for any finite range on a `Linear` or `Log10` axis,
/// and on a `Whole` axis at least two units wide, whatever the length.
/// Empty for an empty or non-finite range.
///
/// # Examples
/// ```
/// use scalescope::gui::panels::axes::{marks, Kind};
/// // 0 and 5 alone lie 64 px apart: the sparsest step with three marks wins.
/// let m: Vec<f64> = marks(-0.4, 8.4, 120.0, Kind::Whole, 64.0).iter().map(|m| m.value).collect();
/// assert_eq!(m, [0.0, 2.0, 4.0, 6.0, 8.0]);
/// let m: Vec<f64> = marks(-0.1, 2.2, 120.0, Kind::Whole, 64.0).iter().map(|m| m.value).collect();
/// assert_eq!(m, [0.0, 1.0, 2.0]);
/// let decades: Vec<f64> = marks(-2.3, 1.2, 300.0, Kind::Log10, 32.0).iter().map(|m| m.value).collect();
/// assert_eq!(decades, [-2.0, -1.0, 0.0, 1.0]);
/// ```
pub fn marks(lo: f64, hi: f64, px: f32, kind: Kind, gap_px: f32) -> Vec<GridMark> {
    if !(lo.is_finite() && hi.is_finite() && hi > lo && px > 0.0) {
        return Vec::new();
    }
    let per_unit = f64::from(px) / (hi - lo);
    let values = match kind {
        Kind::Linear => choose(steps(lo, hi, false).map(|s| uniform(lo, hi, s)), per_unit, gap_px),
        Kind::Whole => choose(steps(lo, hi, true).map(|s| uniform(lo, hi, s)), per_unit, gap_px),
        Kind::Each => uniform(lo, hi, 1.0).into_iter().take(1000).collect(),
        Kind::Log10 => log_values(lo, hi, per_unit, gap_px),
    };
    with_gaps(values, hi - lo)
}

/// Picks among candidate sets, sparse to dense: the densest whose marks lie
/// `gap_px` apart, or, where that has fewer than three, the sparsest with
/// three. Falls back to the densest set seen.
fn choose(candidates: impl Iterator<Item = Vec<f64>>, per_unit: f64, gap_px: f32) -> Vec<f64> {
    let mut spaced: Option<Vec<f64>> = None;
    let mut three: Option<Vec<f64>> = None;
    let mut last = Vec::new();
    for c in candidates {
        let wide = min_gap(&c).is_none_or(|g| g * per_unit >= f64::from(gap_px));
        if three.is_none() && c.len() >= 3 {
            three = Some(c.clone());
        }
        if wide {
            spaced = Some(c.clone());
        } else if three.is_some() {
            break;
        }
        last = c;
    }
    match (spaced, three) {
        (Some(s), _) if s.len() >= 3 => s,
        (_, Some(t)) => t,
        (Some(s), None) => s,
        (None, None) => last,
    }
}

/// Steps from one at least as wide as the range down: 10, 5, 2.5, 2, 1
/// times powers of ten (no 2.5 for whole numbers, nothing below 1).
fn steps(lo: f64, hi: f64, whole: bool) -> impl Iterator<Item = f64> {
    let top = (hi - lo).log10().ceil() as i32;
    let bottom = if whole { 0 } else { top - 12 };
    (bottom..=top).rev().flat_map(move |e| {
        let p = 10f64.powi(e);
        let ms: &[f64] = if whole { &[5.0, 2.0, 1.0] } else { &[5.0, 2.5, 2.0, 1.0] };
        ms.iter().map(move |m| m * p).filter(move |s| !whole || *s >= 1.0)
    })
}

/// The multiples of `step` from `lo` to `hi`.
fn uniform(lo: f64, hi: f64, step: f64) -> Vec<f64> {
    let eps = 1e-9;
    let first = (lo / step - eps).ceil() as i64;
    let last = (hi / step + eps).floor() as i64;
    if last - first > 10_000 {
        return Vec::new();
    }
    (first..=last).map(|k| k as f64 * step).collect()
}

/// Log axis values: powers of ten (every 1, 2, 5... decades) where three
/// are in view; else 1-2-5 or every digit within each decade; where even
/// that shows fewer than three, round numbers of the values themselves.
fn log_values(lo: f64, hi: f64, per_unit: f64, gap_px: f32) -> Vec<f64> {
    let decades = choose(steps(lo, hi, true).map(|s| uniform(lo, hi, s)), per_unit, gap_px);
    if decades.len() >= 3 {
        return decades;
    }
    let within = [&[1.0, 2.0, 5.0][..], &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0][..]].map(|ms| digits(lo, hi, ms));
    let chosen = choose(within.into_iter(), per_unit, gap_px);
    if chosen.len() >= 3 {
        return chosen;
    }
    // Less than a digit step in view: round numbers of the values, on the log axis.
    let (a, b) = (10f64.powf(lo), 10f64.powf(hi));
    let linear = choose(steps(a, b, false).map(|s| uniform(a, b, s)), 1.0, f32::INFINITY);
    let eps = 1e-9 * (hi - lo);
    linear.into_iter().filter(|v| *v > 0.0).map(f64::log10).filter(|v| *v >= lo - eps && *v <= hi + eps).collect()
}

/// `log10(m * 10^e)` for every `m` of `ms` and every decade `e`, within `lo..=hi`.
fn digits(lo: f64, hi: f64, ms: &[f64]) -> Vec<f64> {
    let eps = 1e-9;
    let (first, last) = (lo.floor() as i64, hi.ceil() as i64);
    (first..=last).flat_map(|e| ms.iter().map(move |m| e as f64 + m.log10())).filter(|v| *v >= lo - eps && *v <= hi + eps).collect()
}

fn min_gap(values: &[f64]) -> Option<f64> {
    values.windows(2).map(|w| w[1] - w[0]).min_by(f64::total_cmp)
}

/// The marks, each with the distance to its nearest neighbour (`span` for a lone mark).
fn with_gaps(values: Vec<f64>, span: f64) -> Vec<GridMark> {
    let n = values.len();
    (0..n)
        .map(|i| {
            let before = if i > 0 { values[i] - values[i - 1] } else { f64::INFINITY };
            let after = if i + 1 < n { values[i + 1] - values[i] } else { f64::INFINITY };
            let gap = before.min(after);
            GridMark { value: values[i], step_size: if gap.is_finite() { gap } else { span } }
        })
        .collect()
}

/// A number as an axis prints it: up to four significant digits, no
/// trailing zeros ("0.01", "2.5", "1500"); "10k" and up from ten thousand.
///
/// # Examples
/// ```
/// use scalescope::gui::panels::axes::number;
/// assert_eq!([number(0.01), number(0.30000000000000004), number(2.5), number(1500.0), number(20_000.0)], ["0.01", "0.3", "2.5", "1500", "20k"]);
/// ```
pub fn number(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return if v.is_finite() { "0".into() } else { String::new() };
    }
    if v.abs() >= 1e4 {
        return crate::units::human_count(v);
    }
    let decimals = (3 - v.abs().log10().floor() as i32).clamp(0, 12) as usize;
    let text = format!("{v:.decimals$}");
    let text = if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.') } else { &text };
    if text == "-0" { "0".into() } else { text.to_string() }
}

/// One axis of a plot: its title, how it is divided and how a value reads.
pub struct AxisSpec<'a> {
    label: String,
    kind: Kind,
    fmt: Rc<dyn Fn(f64) -> String + 'a>,
}

impl std::fmt::Debug for AxisSpec<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AxisSpec").field("label", &self.label).field("kind", &self.kind).finish_non_exhaustive()
    }
}

impl<'a> AxisSpec<'a> {
    /// An axis titled `label`, divided as `kind`, whose values read as `fmt`
    /// says (on a `Log10` axis `fmt` gets the value, not its logarithm).
    pub fn new(label: impl Into<String>, kind: Kind, fmt: impl Fn(f64) -> String + 'a) -> Self {
        Self { label: label.into(), kind, fmt: Rc::new(fmt) }
    }

    /// Thread counts: whole numbers, none below 0 (the margin left of 0 is unlabelled).
    pub fn threads(label: impl Into<String>) -> Self {
        Self::new(label, Kind::Whole, |v| if v >= 0.0 { format!("{v:.0}") } else { String::new() })
    }

    /// Round numbers, printed by [`number`].
    pub fn numbers(label: impl Into<String>) -> Self {
        Self::new(label, Kind::Linear, number)
    }

    /// A log axis (the plot holds `log10` of the values): 0.01, 0.1, 1, 10...
    pub fn log(label: impl Into<String>) -> Self {
        Self::new(label, Kind::Log10, number)
    }
}

/// A plot whose axes are divided by [`marks`]: `x` and `y` give each
/// axis's title, division and number format.
pub fn plot<'a>(id: &str, x: AxisSpec<'a>, y: AxisSpec<'a>) -> Plot<'a> {
    let (xh, xs) = axis(id, 0, x);
    let (yh, ys) = axis(id, 1, y);
    Plot::new(id)
        .grid_spacing(Rangef::new(GRID_MIN_PX, 300.0))
        .custom_x_axes(vec![xh])
        .custom_y_axes(vec![yh])
        .x_grid_spacer(xs)
        .y_grid_spacer(ys)
}

type Spacer<'a> = Box<dyn Fn(GridInput) -> Vec<GridMark> + 'a>;

/// The axis hints (title, formatter, label spacing) and the grid spacer of
/// one axis.
fn axis<'a>(id: &str, which: usize, spec: AxisSpec<'a>) -> (AxisHints<'a>, Spacer<'a>) {
    let key = (id.to_string(), which);
    let gap = if which == 0 { GAP_X } else { GAP_Y };
    let kind = spec.kind;
    let spacer = {
        let key = key.clone();
        move |input: GridInput| {
            let (lo, hi) = input.bounds;
            let unit = if input.base_step_size > 0.0 { f64::from(GRID_MIN_PX) / input.base_step_size } else { 0.0 };
            let m = marks(lo, hi, ((hi - lo) * unit) as f32, kind, gap);
            remember_marks(&key, &m, unit);
            m
        }
    };
    let fmt = Rc::clone(&spec.fmt);
    let formatter = move |m: GridMark, _: &std::ops::RangeInclusive<f64>| {
        let text = match kind {
            Kind::Log10 => fmt(10f64.powf(m.value)),
            _ => fmt(m.value),
        };
        remember_text(&key, m.value, &text);
        text
    };
    let spacing = Rangef::new(LABEL_MIN_PX, LABEL_MIN_PX + 1.0);
    let hints = if which == 0 { AxisHints::new_x() } else { AxisHints::new_y() };
    let hints = hints.label(spec.label).formatter(formatter).label_spacing(spacing);
    (hints, Box::new(spacer))
}

/// One tick label an axis printed, as [`seen`] reports it.
#[derive(Clone, Debug, PartialEq)]
pub struct Label {
    /// The mark's value on the axis (`log10` of it on a log axis).
    pub value: f64,
    /// The text printed.
    pub text: String,
    /// Pixels to the nearest neighbouring mark: egui_plot draws the label
    /// only where this exceeds [`LABEL_MIN_PX`] and the label's own size.
    pub gap_px: f32,
}

/// What one plot showed in the last frame drawn while [`watch`]ing.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Seen {
    /// The x axis's labels, left to right.
    pub x: Vec<Label>,
    /// The y axis's labels, bottom to top.
    pub y: Vec<Label>,
    /// Texts written inside the plot (a bar chart's values).
    pub inside: Vec<String>,
}

type Book = BTreeMap<(String, usize), Vec<Label>>;

thread_local! {
    /// What each plot's axes printed; `None` unless a test watches.
    static BOOK: RefCell<Option<Book>> = const { RefCell::new(None) };
}

/// Starts (`true`, from nothing) or stops recording what the axes print on
/// this thread, for tests; off by default, and then nothing is kept.
pub fn watch(on: bool) {
    BOOK.with(|b| *b.borrow_mut() = on.then(BTreeMap::new));
}

/// What plot `id` showed since [`watch`] began, the labels of its last
/// frame drawn; empty where it was not drawn.
pub fn seen(id: &str) -> Seen {
    BOOK.with(|b| {
        let book = b.borrow();
        let get = |which: usize| -> Vec<Label> {
            let labels = book.as_ref().and_then(|b| b.get(&(id.to_string(), which))).cloned().unwrap_or_default();
            labels.into_iter().filter(|l| !l.text.is_empty()).collect()
        };
        Seen { x: get(0), y: get(1), inside: get(2).into_iter().map(|l| l.text).collect() }
    })
}

/// Records a text written inside plot `id` (a bar's value), while watched.
pub fn note_inside(id: &str, text: &str) {
    BOOK.with(|b| {
        if let Some(book) = b.borrow_mut().as_mut() {
            book.entry((id.to_string(), 2)).or_default().push(Label { value: 0.0, text: text.to_string(), gap_px: 0.0 });
        }
    });
}

/// Forgets the texts recorded inside plot `id` (at the start of its frame).
pub fn clear_inside(id: &str) {
    BOOK.with(|b| {
        if let Some(book) = b.borrow_mut().as_mut() {
            book.remove(&(id.to_string(), 2));
        }
    });
}

/// A frame's marks of one axis; the texts of the same marks are kept
/// (egui_plot asks the spacer again to paint the grid, after the labels).
fn remember_marks(key: &(String, usize), marks: &[GridMark], per_unit: f64) {
    BOOK.with(|b| {
        let mut b = b.borrow_mut();
        let Some(book) = b.as_mut() else { return };
        let fresh: Vec<Label> =
            marks.iter().map(|m| Label { value: m.value, text: String::new(), gap_px: (m.step_size * per_unit) as f32 }).collect();
        let old = book.entry(key.clone()).or_default();
        let same = old.len() == fresh.len() && old.iter().zip(&fresh).all(|(a, b)| a.value == b.value && a.gap_px == b.gap_px);
        if !same {
            *old = fresh;
        }
    });
}

fn remember_text(key: &(String, usize), value: f64, text: &str) {
    BOOK.with(|b| {
        if let Some(label) =
            b.borrow_mut().as_mut().and_then(|book| book.get_mut(key)).and_then(|l| l.iter_mut().find(|l| l.value == value))
        {
            label.text = text.to_string();
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(m: &[GridMark]) -> Vec<f64> {
        m.iter().map(|m| m.value).collect()
    }

    /// Ranges from tiny to huge, negative to positive, and lengths from 80 to 2000 px.
    fn ranges() -> Vec<(f64, f64)> {
        let mut out = vec![(0.0, 1.0), (-0.05, 1.05), (0.0, 2.1), (-0.4, 16.4), (0.0, 0.003), (-7.5, 3.2), (1e6, 1e6 + 3.0), (-1e9, 2e9)];
        for k in 0..40 {
            let lo = (f64::from(k) * 0.7).sin() * 10f64.powi(k % 7 - 3);
            let span = 10f64.powf(f64::from(k % 11) * 0.6 - 2.5);
            out.push((lo, lo + span));
        }
        out
    }

    const LENGTHS: [f32; 7] = [80.0, 120.0, 160.0, 237.0, 400.0, 1000.0, 2000.0];

    #[test]
    fn linear_axes_get_three_round_marks_at_any_length() {
        for (lo, hi) in ranges() {
            for px in LENGTHS {
                for gap in [GAP_X, GAP_Y] {
                    let m = marks(lo, hi, px, Kind::Linear, gap);
                    assert!(m.len() >= 3, "{lo}..{hi} at {px} px: {:?}", values(&m));
                    assert!(m.iter().all(|m| m.value >= lo - 1e-9 * (hi - lo) && m.value <= hi + 1e-9 * (hi - lo)));
                    // Round: each mark is a whole multiple of a 1-2-2.5-5 step.
                    let step = m[1].value - m[0].value;
                    let mantissa = step / 10f64.powf(step.log10().floor());
                    assert!([1.0, 2.0, 2.5, 5.0, 10.0].iter().any(|r| (mantissa - r).abs() < 1e-6), "step {step}");
                    // Spaced as wanted, or as wide as three marks allow.
                    let px_gap = step * f64::from(px) / (hi - lo);
                    assert!(px_gap >= f64::from(gap) || px_gap >= f64::from(px) / 8.0, "{px_gap} px apart at {px} px");
                }
            }
        }
    }

    #[test]
    fn thread_axes_get_whole_numbers_only() {
        for hi in [2.1, 3.0, 4.2, 8.4, 16.8, 33.0, 64.0, 128.0, 512.0] {
            for px in LENGTHS {
                // egui_plot's 5% margin either side of 0..hi; the thread axis leaves marks below 0 unlabelled.
                let m = marks(-0.05 * hi, hi * 1.05, px, Kind::Whole, GAP_X);
                let labelled: Vec<f64> = values(&m).into_iter().filter(|v| *v >= 0.0).collect();
                assert!(labelled.len() >= 3, "0..{hi} at {px} px: {labelled:?}");
                assert!(m.iter().all(|m| m.value.fract() == 0.0), "{:?}", values(&m));
            }
        }
        assert_eq!((AxisSpec::threads("").fmt)(-5.0), "");
        assert_eq!(values(&marks(-0.1, 2.1, 237.0, Kind::Whole, GAP_X)), [0.0, 1.0, 2.0]);
    }

    #[test]
    fn log_axes_get_powers_of_ten_where_they_fit() {
        // 0.01 ms to 100 ms: the decades.
        let m = marks(-2.2, 2.3, 160.0, Kind::Log10, GAP_Y);
        assert_eq!(values(&m), [-2.0, -1.0, 0.0, 1.0, 2.0]);
        // Chunk sizes 10 to 1M at 237 px: powers of ten, every other one where crowded.
        for px in LENGTHS {
            let m = marks(0.5, 6.5, px, Kind::Log10, GAP_X);
            assert!(m.len() >= 3 && m.iter().all(|m| m.value.fract() == 0.0), "{px}: {:?}", values(&m));
        }
        // One decade in view: 1, 2, 5 between the powers of ten.
        let m = marks(-0.1, 1.1, 300.0, Kind::Log10, GAP_Y);
        let shown: Vec<String> = m.iter().map(|m| number(10f64.powf(m.value))).collect();
        assert_eq!(shown, ["1", "2", "5", "10"]);
        // Any range, any length: three marks or more, within the range.
        for (lo, hi) in ranges() {
            let (lo, hi) = (lo.clamp(-20.0, 20.0), hi.clamp(-20.0, 20.0));
            if hi <= lo {
                continue;
            }
            for px in LENGTHS {
                let m = marks(lo, hi, px, Kind::Log10, GAP_Y);
                assert!(m.len() >= 3, "{lo}..{hi} at {px} px: {:?}", values(&m));
                assert!(m.iter().all(|m| m.value >= lo - 1e-9 && m.value <= hi + 1e-9));
            }
        }
    }

    #[test]
    fn each_category_gets_its_mark_and_gaps_are_to_the_nearest_neighbour() {
        assert_eq!(values(&marks(-0.9, 4.9, 80.0, Kind::Each, GAP_X)), [0.0, 1.0, 2.0, 3.0, 4.0]);
        let m = marks(-0.1, 1.1, 300.0, Kind::Log10, GAP_Y);
        assert!((m[0].step_size - 2f64.log10()).abs() < 1e-12, "1 to 2");
        assert!((m[2].step_size - 2f64.log10()).abs() < 1e-12, "5 to 10 is nearer than 2 to 5");
        assert!(marks(1.0, 1.0, 100.0, Kind::Linear, GAP_X).is_empty());
        assert!(marks(0.0, f64::NAN, 100.0, Kind::Linear, GAP_X).is_empty());
    }

    #[test]
    fn numbers_read_without_float_noise() {
        assert_eq!(number(0.1 + 0.2), "0.3");
        assert_eq!(number(10f64.powf(-2.0)), "0.01");
        assert_eq!(number(10f64.powf(3.0)), "1000");
        assert_eq!(number(-0.25), "-0.25");
        assert_eq!(number(0.0), "0");
        assert_eq!(number(1_000_000.0), "1M");
    }
}
