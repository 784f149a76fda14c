//! Reports of experiments, to hand to someone else: one self-contained
//! HTML page ([`html`]) with every plot the app draws, the results, the
//! verdicts with their evidence, the fitted models and the what-if curves;
//! and a Markdown summary ([`markdown`]) to paste into a pull request or an
//! issue. Each experiment is shown on its own, never merged; two or more
//! of one workload are also compared point by point.
//!
//! Both are pure: built from the experiments and their analysis, computed
//! here ([`crate::analysis::Analysis::of`]), and returned as text. Every
//! string that came from a file is escaped for the format it goes into
//! ([`html_escape`], and the Markdown's own escaping).
//!
//! The HTML page loads nothing: its style is inline, its plots are inline
//! SVG (plotters' SVG backend, from [`crate::export::plot_data`]), it has
//! no script, and a Content-Security-Policy forbids every load.

mod html;
mod markdown;
mod plots;
mod svg;

use std::path::Path;

use crate::analysis::Analysis;
use crate::analysis::diagnosis::{Diagnosis, Severity};
use crate::analysis::headline::Spread;
use crate::experiment::{Experiment, RunRecord};

pub use html::{html, html_with_lesson};
pub use markdown::markdown;

/// The kinds of report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportKind {
    /// The HTML page ([`html`]).
    Html,
    /// The Markdown summary ([`markdown`]).
    Markdown,
}

impl ReportKind {
    /// How every report of this kind begins: how an existing file is
    /// recognised as a report that may be written over.
    pub fn opening(self) -> &'static str {
        match self {
            ReportKind::Html => "<!DOCTYPE html>\n<!-- scalescope report -->\n",
            ReportKind::Markdown => "## Scalescope report",
        }
    }

    /// Whether the file at `path` is empty or a report of this kind (read:
    /// its first bytes only).
    pub fn is_report(self, path: &Path) -> bool {
        use std::io::Read;
        let want = self.opening().as_bytes();
        let mut head = vec![0u8; want.len()];
        let Ok(mut f) = std::fs::File::open(path) else { return false };
        let mut n = 0;
        while n < head.len() {
            match f.read(&mut head[n..]) {
                Ok(0) | Err(_) => break,
                Ok(k) => n += k,
            }
        }
        n == 0 || head[..n] == *want
    }
}

/// `s` safe inside HTML text and attribute values: `&`, `<`, `>`, `"` and
/// `'` written as entities.
///
/// # Examples
/// ```
/// use scalescope::export::report::html_escape;
/// assert_eq!(html_escape("<script>a & 'b'</script>"), "&lt;script&gt;a &amp; &#39;b&#39;&lt;/script&gt;");
/// ```
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A string from a file, for HTML: control characters and direction
/// overrides shown as `\u{..}` ([`crate::untrusted::escape`]), then escaped.
fn text(s: &str) -> String {
    html_escape(&crate::untrusted::escape(s))
}

/// The label of the `i`-th experiment of a report: A, B, ... Z, then #27, ...
fn letter(i: usize) -> String {
    match u8::try_from(i) {
        Ok(k) if k < 26 => char::from(b'A' + k).to_string(),
        _ => format!("#{}", i + 1),
    }
}

/// The heading of an experiment: its name, after its letter where the report has several.
fn heading(i: usize, count: usize, exp: &Experiment) -> String {
    if count > 1 { format!("{}. {}", letter(i), exp.name) } else { exp.name.clone() }
}

/// A run's configuration ([`Experiment::run_name`]).
fn config(exp: &Experiment, r: &RunRecord) -> String {
    exp.run_name(r)
}

/// A median and its range in one unit: `12.3 ms (12.1-12.6)`, `1.52 s (1.50-1.55)`.
fn time_range(median: f64, min: f64, max: f64) -> String {
    let (scale, unit, d) = match median {
        m if m >= 1.0 => (1.0, "s", 2),
        m if m >= 0.01 => (1e3, "ms", 1),
        _ => (1e3, "ms", 3),
    };
    let f = |v: f64| format!("{:.d$}", v * scale);
    if f(min) == f(max) { format!("{} {unit}", f(median)) } else { format!("{} {unit} ({}-{})", f(median), f(min), f(max)) }
}

/// One row of the results table.
#[derive(Clone, Debug)]
struct Row<'a> {
    /// The configuration, or the reference.
    config: String,
    /// `12.3 ms (12.1-12.6)`.
    median: String,
    /// `1.94x (1.90-1.97)`.
    speedup: String,
    /// `0.97`.
    efficiency: String,
    /// Whether the result equalled the reference's.
    verified: bool,
    /// Its diagnosis and how bad it is; none for the reference.
    diagnosis: Option<(&'a Diagnosis, Severity)>,
}

/// The reference, then one row per run.
fn rows<'a>(exp: &Experiment, analysis: &'a Analysis) -> Vec<Row<'a>> {
    let base = exp.baseline_median_s();
    let mut out = Vec::new();
    if let Some(b) = &exp.baseline {
        let (min, max) = b.times_s.iter().fold((b.median_s, b.median_s), |(lo, hi), &t| (lo.min(t), hi.max(t)));
        out.push(Row {
            config: exp.reference_name(),
            median: time_range(b.median_s, min, max),
            speedup: "1.00x".into(),
            efficiency: "1.00".into(),
            verified: true,
            diagnosis: None,
        });
    }
    for (i, r) in exp.runs.iter().enumerate() {
        let d = analysis.diagnoses.get(i);
        out.push(Row {
            config: config(exp, r),
            median: time_range(r.median_s, r.min_s, r.max_s),
            speedup: Spread::of(r, base).to_string(),
            efficiency: format!("{:.2}", r.efficiency),
            verified: r.verified,
            diagnosis: d.map(|d| (d, d.severity(r))),
        });
    }
    out
}

/// Experiments of one workload (the same workload with the same
/// parameters), by index, where two or more were given: what the
/// comparison sections compare.
fn same_workload(experiments: &[&Experiment]) -> Vec<Vec<usize>> {
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for (i, e) in experiments.iter().enumerate() {
        match groups.iter_mut().find(|g| crate::analysis::compare::same_workload(&experiments[g[0]].workload, &e.workload)) {
            Some(g) => g.push(i),
            None => groups.push(vec![i]),
        }
    }
    groups.retain(|g| g.len() > 1);
    groups
}

/// The comparison of `b` against `a`: one line per point measured in
/// both and a summary, or why they cannot be compared.
fn compare_lines(a: &Experiment, b: &Experiment) -> Result<(Vec<String>, String), String> {
    if let Some(why) = crate::analysis::compare::incomparable(a, b) {
        return Err(why);
    }
    let points = crate::analysis::compare::compare(a, b);
    let summary = crate::analysis::compare::summary(&points);
    Ok((points.iter().map(ToString::to_string).collect(), summary))
}

/// A line of [`crate::analysis::compare`], which calls the later
/// experiment B, with B's own letter.
fn relabel(line: &str, b: &str) -> String {
    match line.strip_prefix("B is ") {
        Some(rest) => format!("{b} is {rest}"),
        None => line.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escape_leaves_no_markup() {
        assert_eq!(html_escape("<script>alert(1)</script>"), "&lt;script&gt;alert(1)&lt;/script&gt;");
        assert_eq!(html_escape("R&D \"fast\" 'cpu'"), "R&amp;D &quot;fast&quot; &#39;cpu&#39;");
        assert_eq!(text("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
    }

    #[test]
    fn letters_then_numbers() {
        assert_eq!((letter(0), letter(25), letter(26)), ("A".into(), "Z".into(), "#27".into()));
    }

    #[test]
    fn times_read_in_one_unit() {
        assert_eq!(time_range(0.0123, 0.0121, 0.0126), "12.3 ms (12.1-12.6)");
        assert_eq!(time_range(1.5, 1.5, 1.5), "1.50 s");
        assert_eq!(time_range(0.00045, 0.00044, 0.00047), "0.450 ms (0.440-0.470)");
    }
}
