//! The HTML report: one page that opens offline in any browser. Inline
//! style, inline SVG, no script; a Content-Security-Policy that forbids
//! every load, so that nothing in it can reach the network.

use std::fmt::Write as _;

use super::plots::{self, Figure};
use super::{Row, config, heading, html_escape, letter, rows, same_workload, text};
use crate::analysis::diagnosis::Severity;
use crate::analysis::{Analysis, FitRecord, headline};
use crate::experiment::Experiment;

/// The page's style: light, legible when printed, wide plots scaled to fit.
const STYLE: &str = "
:root { color-scheme: light; }
body { font: 16px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif;
  color: #191919; background: #fff; max-width: 980px; margin: 0 auto; padding: 24px; }
h1 { font-size: 1.9em; margin: 0 0 .2em; }
h2 { font-size: 1.5em; border-bottom: 2px solid #444; padding-bottom: .2em; margin-top: 2.2em; }
h3 { font-size: 1.2em; margin-top: 1.8em; }
table { border-collapse: collapse; margin: .6em 0; font-size: .93em; }
th, td { border: 1px solid #bbb; padding: .3em .55em; text-align: left; vertical-align: top; }
thead th { background: #eee; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
table.facts th { background: #f4f4f4; width: 11em; }
code { font-family: ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, monospace; font-size: .92em; }
figure { margin: 1.4em 0; break-inside: avoid; page-break-inside: avoid; }
figcaption { color: #333; font-size: .92em; margin-top: .3em; }
svg.plot { width: 100%; height: auto; border: 1px solid #ddd; }
.verdict { border-left: 6px solid #999; padding: .3em .8em; margin: .7em 0; background: #fafafa; break-inside: avoid; }
.verdict p { margin: .2em 0; }
.sev-good { border-color: #2a8a4a; } .sev-notice { border-color: #c98a00; } .sev-bad { border-color: #c0282d; }
.tag { font-size: .8em; font-weight: 600; text-transform: uppercase; letter-spacing: .03em; padding: 0 .35em; border-radius: 3px; color: #fff; }
.tag.sev-good { background: #2a8a4a; } .tag.sev-notice { background: #a86f00; } .tag.sev-bad { background: #c0282d; }
.small { font-size: .9em; color: #333; }
.warn { color: #9a1c1f; font-weight: 600; }
.headline li { margin: .3em 0; }
nav ul { columns: 2; }
@media print { body { max-width: none; padding: 0; } h2 { break-before: page; } a { color: inherit; text-decoration: none; } }
";

/// The report of `experiments` as one self-contained HTML page: per
/// experiment the machine, the date, what was asked, the results, the
/// verdicts with their evidence, every plot the app draws for it, the
/// fitted models and the what-if curves; then, where two or more are of
/// one workload, their comparison. Every string from a file is escaped.
///
/// # Examples
/// ```
/// # let plan = scalescope::experiment::SweepPlan {
/// #     workload: scalescope::workloads::WorkloadSpec::new(scalescope::workloads::WorkloadKind::Primes),
/// #     feeders: vec![], threads: vec![], chunks: vec![], gil: vec![], reps: 1, warmup: 0,
/// #     spans: false, variants: vec![], weak: false,
/// # };
/// let mut exp = scalescope::experiment::Experiment::start(&plan, Some("<b>mine</b>".into()));
/// let page = scalescope::export::report::html(&[&exp]);
/// assert!(page.starts_with("<!DOCTYPE html>"));
/// assert!(page.contains("&lt;b&gt;mine&lt;/b&gt;") && !page.contains("<b>mine"));
/// ```
pub fn html(experiments: &[&Experiment]) -> String {
    html_with_lesson(experiments, None)
}

/// The page of [`html`], with a lesson's `(title, text)` first: the
/// handout of what a class saw.
pub fn html_with_lesson(experiments: &[&Experiment], lesson: Option<(&str, &str)>) -> String {
    let analyses: Vec<Analysis> = experiments.iter().map(|e| Analysis::of(e)).collect();
    let mut out = String::with_capacity(256 * 1024);
    head(&mut out, experiments);
    if let Some((title, body)) = lesson {
        let _ = writeln!(out, "<section class=\"lesson\">\n<h2>Lesson: {}</h2>\n<p>{}</p>\n</section>", text(title), text(body));
    }
    for (i, (exp, analysis)) in experiments.iter().zip(&analyses).enumerate() {
        section(&mut out, i, experiments.len(), exp, analysis);
    }
    for group in same_workload(experiments) {
        comparison(&mut out, experiments, &group);
    }
    out.push_str("<footer class=\"small\"><p>Made by scalescope ");
    out.push_str(env!("CARGO_PKG_VERSION"));
    out.push_str(". This page loads nothing: its plots are inline SVG and it has no script.</p></footer>\n</body>\n</html>\n");
    out
}

/// The document head, the title and the table of contents.
fn head(out: &mut String, experiments: &[&Experiment]) {
    let names: Vec<String> = experiments.iter().map(|e| e.name.clone()).collect();
    let title = if names.is_empty() { "no experiments".to_string() } else { names.join(" / ") };
    out.push_str(super::ReportKind::Html.opening());
    out.push_str("<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n");
    out.push_str(
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"generator\" content=\"scalescope\">\n",
    );
    let _ = writeln!(out, "<title>Scalescope report: {}</title>\n<style>{STYLE}</style>\n</head>\n<body>", text(&title));
    let _ = writeln!(out, "<header>\n<h1>Scalescope report</h1>\n<p class=\"small\">{}</p>", text(&title));
    if experiments.len() > 1 {
        out.push_str("<nav><ul>\n");
        for (i, e) in experiments.iter().enumerate() {
            let _ = writeln!(out, "<li><a href=\"#exp-{}\">{}</a></li>", letter(i), text(&heading(i, experiments.len(), e)));
        }
        for g in same_workload(experiments) {
            let _ = writeln!(
                out,
                "<li><a href=\"#compare-{}\">Comparison: {}</a></li>",
                letter(g[0]),
                text(&experiments[g[0]].workload_line())
            );
        }
        out.push_str("</ul></nav>\n");
    }
    out.push_str("</header>\n");
}

/// One experiment, whole.
fn section(out: &mut String, i: usize, count: usize, exp: &Experiment, analysis: &Analysis) {
    let _ = writeln!(out, "<section class=\"experiment\" id=\"exp-{}\">\n<h2>{}</h2>", letter(i), text(&heading(i, count, exp)));
    facts(out, exp);
    headlines(out, exp, analysis);
    out.push_str("<h3>Results</h3>\n");
    results_table(out, &rows(exp, analysis));
    weak_table(out, exp, analysis);
    let figures = plots::scaling(exp, analysis);
    if !figures.is_empty() {
        out.push_str("<h3>Plots</h3>\n");
        figures.iter().for_each(|f| figure(out, f));
    }
    diagnoses(out, exp, analysis);
    machine(out, exp, analysis);
    fits(out, exp, analysis);
    what_if(out, exp, analysis);
    timelines(out, exp);
    out.push_str("</section>\n");
}

/// The machine as the experiment recorded it (one fact a row), and what it did to the runs.
fn machine(out: &mut String, exp: &Experiment, analysis: &Analysis) {
    out.push_str("<h3>The machine</h3>\n");
    for n in &analysis.machine {
        let _ = writeln!(
            out,
            "<div class=\"verdict sev-notice\"><p><strong>{}</strong></p>\n<p class=\"small\">evidence: {}</p></div>",
            text(&n.headline),
            text(&n.evidence)
        );
    }
    out.push_str("<table class=\"facts\">\n");
    for (what, fact) in exp.machine.details() {
        let _ = writeln!(out, "<tr><th>{}</th><td>{}</td></tr>", text(what), text(&fact));
    }
    out.push_str("</table>\n");
}

/// The machine, the date, the status, the id, the workload, what was asked, the lesson.
fn facts(out: &mut String, exp: &Experiment) {
    let m = &exp.machine;
    let a = &exp.asked;
    let list = |v: Vec<String>| if v.is_empty() { "-".to_string() } else { v.join(", ") };
    let mut asked = vec![
        format!("threads {}", list(a.threads.iter().map(ToString::to_string).collect())),
        format!("feeders {}", list(a.feeders.iter().map(ToString::to_string).collect())),
        format!("chunks {}", list(a.chunks.iter().map(ToString::to_string).collect())),
        format!("GIL {}", list(a.gil.iter().map(|g| if *g { "on" } else { "off" }.to_string()).collect())),
    ];
    if !a.variants.is_empty() {
        asked.push(format!("variants {}", list(a.variants.iter().map(ToString::to_string).collect())));
    }
    if let Some(c) = &exp.workload.command {
        // A program has no feeder, chunk or GIL: its own settings instead.
        asked.truncate(1);
        asked.extend(c.shell.then(|| "through sh -c".to_string()));
        asked.extend(c.workdir.as_ref().map(|d| format!("in {}", d.display())));
        asked.extend(c.prepare.as_ref().map(|p| format!("prepare: {p}")));
        asked.extend(c.cleanup.as_ref().map(|p| format!("cleanup: {p}")));
        asked.extend(c.reference.as_ref().map(|p| format!("reference: {p}")));
        asked.extend(c.check_output.then(|| "output compared with the reference".to_string()));
    }
    asked.push(format!("{} timed repetitions after {} warm-up", a.reps, a.warmup));
    if a.spans {
        asked.push("per-worker timelines recorded".into());
    }
    if a.weak {
        asked.push("weak scaling (n grows with the threads)".into());
    }
    let rows: [(&str, String); 8] = [
        ("Machine", text(&m.cpu_model)),
        ("Cores", format!("{} logical / {} physical", m.logical_cores, m.physical_cores)),
        ("Operating system", text(&m.os)),
        ("Date", text(&date(&exp.created))),
        ("Status", text(&exp.status.describe())),
        ("Experiment id", format!("<code>{}</code>", text(exp.id.as_str()))),
        ("Workload", format!("<code>{}</code>", text(&exp.workload_line()))),
        ("Asked", text(&asked.join("; "))),
    ];
    out.push_str("<table class=\"facts\">\n");
    for (k, v) in rows {
        let _ = writeln!(out, "<tr><th>{k}</th><td>{v}</td></tr>");
    }
    if let Some(lesson) = &exp.lesson {
        let _ = writeln!(out, "<tr><th>Lesson</th><td>{}</td></tr>", text(lesson));
    }
    out.push_str("</table>\n");
    if !exp.all_verified() {
        out.push_str("<p class=\"warn\">Some runs did not reproduce the reference's result: see the verified column.</p>\n");
    }
}

/// An RFC 3339 time as people read it: `2026-12-05 12:50:00 UTC`.
fn date(created: &str) -> String {
    created.replacen('T', " ", 1).replace('Z', " UTC")
}

/// The best run's line, and the slowest's where it lost most of what the best gained.
fn headlines(out: &mut String, exp: &Experiment, analysis: &Analysis) {
    let lines = headline::headlines(exp, analysis);
    if lines.is_empty() {
        out.push_str("<p>No reference or runs were timed: there is nothing to report yet.</p>\n");
        return;
    }
    out.push_str("<h3>Headline</h3>\n<ul class=\"headline\">\n");
    for h in lines {
        let _ = writeln!(out, "<li><strong>{}</strong>: {}</li>", text(&h.numbers()), text(&h.verdict));
    }
    out.push_str("</ul>\n");
}

fn severity(s: Severity) -> (&'static str, &'static str) {
    match s {
        Severity::Good => ("sev-good", "good"),
        Severity::Notice => ("sev-notice", "worth a look"),
        Severity::Bad => ("sev-bad", "loss"),
    }
}

fn results_table(out: &mut String, rows: &[Row<'_>]) {
    out.push_str("<table class=\"results\">\n<thead><tr><th>configuration</th><th>median (min-max)</th><th>speedup (spread)</th><th>efficiency</th><th>verified</th><th>verdict</th></tr></thead>\n<tbody>\n");
    for r in rows {
        let verdict = r.diagnosis.map_or(String::new(), |(d, s)| {
            format!("<span class=\"tag {}\">{}</span> {}", severity(s).0, severity(s).1, text(&d.headline))
        });
        let verified = if r.verified { "yes" } else { "<span class=\"warn\">NO</span>" };
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{verified}</td><td>{verdict}</td></tr>",
            text(&r.config),
            text(&r.median),
            text(&r.speedup),
            text(&r.efficiency)
        );
    }
    out.push_str("</tbody></table>\n");
}

/// The grown sizes of a weak sweep: each with its own reference and runs.
fn weak_table(out: &mut String, exp: &Experiment, analysis: &Analysis) {
    let Some(weak) = &exp.weak else { return };
    let _ = writeln!(out, "<h3>Weak scaling: {} grows with the threads</h3>", text(&weak.param));
    out.push_str("<table class=\"results\">\n<thead><tr><th>size</th><th>configuration</th><th>median (min-max)</th><th>scaled speedup (spread)</th><th>efficiency</th><th>verified</th><th>verdict</th></tr></thead>\n<tbody>\n");
    for (step, ds) in weak.steps.iter().zip(analysis.weak_diagnoses.iter().map(Some).chain(std::iter::repeat(None))) {
        let base = step.baseline.as_ref().map_or(0.0, |b| b.median_s);
        if let Some(b) = &step.baseline {
            let (lo, hi) = b.times_s.iter().fold((b.median_s, b.median_s), |(lo, hi), &t| (lo.min(t), hi.max(t)));
            let _ = writeln!(
                out,
                "<tr><td class=\"num\">{}</td><td>sequential reference</td><td class=\"num\">{}</td><td class=\"num\">1.00x</td><td class=\"num\">1.00</td><td>yes</td><td></td></tr>",
                crate::units::fmt_count(step.size),
                super::time_range(b.median_s, lo, hi)
            );
        }
        for (k, r) in step.runs.iter().enumerate() {
            let verdict = ds.and_then(|d| d.get(k)).map_or(String::new(), |d| text(&d.headline));
            let _ = writeln!(
                out,
                "<tr><td class=\"num\">{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{:.2}</td><td>{}</td><td>{verdict}</td></tr>",
                crate::units::fmt_count(step.size),
                text(&config(exp, r)),
                super::time_range(r.median_s, r.min_s, r.max_s),
                headline::Spread::of(r, base),
                r.efficiency,
                if r.verified { "yes" } else { "<span class=\"warn\">NO</span>" }
            );
        }
    }
    out.push_str("</tbody></table>\n");
}

fn figure(out: &mut String, f: &Figure) {
    let _ = writeln!(out, "<figure aria-label=\"{}\">\n{}\n<figcaption>{}</figcaption>\n</figure>", text(&f.title), f.svg, text(&f.hint));
}

/// Every run's verdict with its evidence and what to try; Gustafson's reading of a weak sweep.
fn diagnoses(out: &mut String, exp: &Experiment, analysis: &Analysis) {
    if exp.runs.is_empty() {
        return;
    }
    out.push_str("<h3>Why not ideal? The verdicts and their evidence</h3>\n");
    for (r, d) in exp.runs.iter().zip(&analysis.diagnoses) {
        let (class, word) = severity(d.severity(r));
        let _ = writeln!(
            out,
            "<div class=\"verdict {class}\"><p><span class=\"tag {class}\">{word}</span> <strong>{}</strong> (speedup {:.2}, efficiency {:.2}): {}</p>\n<p class=\"small\">evidence: {}</p>\n<p class=\"small\">try: {}</p></div>",
            text(&config(exp, r)),
            r.speedup,
            r.efficiency,
            text(&d.headline),
            text(&d.evidence),
            text(&d.suggestion)
        );
    }
    let cores = exp.machine.logical_cores;
    for g in &analysis.gustafson {
        let _ = writeln!(
            out,
            "<div class=\"verdict sev-good\"><p><strong>{} (n grows with the threads)</strong>: {}</p>\n<p class=\"small\">Gustafson: S(p) = p - {:.3} (p - 1): {:.1}x at 16 threads if the work grows with them.</p></div>",
            text(&g.series_name()),
            text(&g.headline(cores)),
            g.serial,
            g.speedup(16.0)
        );
    }
}

/// A fit's parameters and quality, in two lines.
fn fit_text(exp: &Experiment, f: &FitRecord) -> (String, String) {
    let mut first = format!(
        "{}: Amdahl f = {:.3} (ceiling {})",
        plots::fit_name(exp, f),
        f.amdahl.f,
        f.amdahl_ceiling.map_or("unbounded".into(), |c| format!("{c:.1}x"))
    );
    if let Some(u) = &f.usl {
        let peak = f.usl_peak_threads.map_or("no peak".to_string(), |p| format!("peak {:.1}x at {p:.0} threads", u.speedup(p)));
        let _ = write!(first, "; USL sigma = {:.3}, kappa = {:.4}, {peak}", u.sigma, u.kappa);
    }
    let mut second = format!("quality: Amdahl {}", f.amdahl_quality.line());
    if let Some(q) = &f.usl_quality {
        let _ = write!(second, "; USL {}", q.line());
    }
    if let Some(why) = f.usl_quality.as_ref().unwrap_or(&f.amdahl_quality).missing() {
        let _ = write!(second, " ({why})");
    }
    let ranges: Vec<String> = f.predicted.iter().map(|(p, _, lo, hi)| format!("{p}: {lo:.1}-{hi:.1}x")).collect();
    if ranges.is_empty() {
        let _ = write!(
            second,
            "; not extrapolated: fitted from {} thread counts at or below the core count, {} are needed",
            f.threads.len(),
            crate::analysis::MIN_EXTRAPOLATE
        );
    } else {
        let _ = write!(second, "; predicted range at threads {}", ranges.join(", "));
    }
    (first, second)
}

fn fits(out: &mut String, exp: &Experiment, analysis: &Analysis) {
    out.push_str("<h3>Fitted scaling models</h3>\n");
    let Some(fig) = plots::fits(exp, analysis) else {
        out.push_str(
            "<p>Sweep at least two thread counts (three for the USL) to fit Amdahl's law and the Universal Scalability Law.</p>\n",
        );
        return;
    };
    out.push_str("<ul>\n");
    for f in &analysis.fits {
        let (first, second) = fit_text(exp, f);
        let _ = writeln!(out, "<li>{}<br><span class=\"small\">{}</span></li>", text(&first), text(&second));
    }
    out.push_str("</ul>\n");
    figure(out, &fig);
}

fn what_if(out: &mut String, exp: &Experiment, analysis: &Analysis) {
    if analysis.what_if.is_empty() {
        return;
    }
    out.push_str("<h3>What if?</h3>\n");
    for (w, fig) in analysis.what_if.iter().zip(plots::what_if(exp, analysis)) {
        let checks: Vec<&crate::analysis::whatif::Check> = analysis.what_if_check.iter().filter(|c| c.from == w.from).collect();
        let _ = writeln!(
            out,
            "<p><strong>{}</strong></p>\n<p class=\"small\">{}<br>{}</p>",
            text(&w.summary),
            text(&w.model.measured()),
            text(&check_line(&checks))
        );
        figure(out, &fig);
    }
}

/// How far off the model was on the experiment's other runs of the same feeder.
fn check_line(checks: &[&crate::analysis::whatif::Check]) -> String {
    let mut errs: Vec<f64> = checks.iter().map(|c| c.error).collect();
    if errs.is_empty() {
        return "checked: no other runs of this feeder to check the model against".into();
    }
    errs.sort_by(f64::total_cmp);
    format!(
        "checked against the other runs of this feeder ({}): median error {:.0}%, worst {:.0}%",
        checks.len(),
        errs[errs.len() / 2] * 100.0,
        errs[errs.len() - 1] * 100.0
    )
}

fn timelines(out: &mut String, exp: &Experiment) {
    let (figures, recorded) = plots::timelines(exp);
    if figures.is_empty() {
        return;
    }
    out.push_str("<h3>Per-worker timelines</h3>\n");
    if recorded > figures.len() {
        let _ = writeln!(
            out,
            "<p class=\"small\">{recorded} runs recorded a timeline; shown here is the run on the most threads of each series (up to {}); the app shows them all.</p>",
            figures.len()
        );
    }
    figures.iter().for_each(|f| figure(out, f));
}

/// Two or more experiments of one workload: the overlaid speedup, and
/// each later one against the first, point by point.
fn comparison(out: &mut String, experiments: &[&Experiment], group: &[usize]) {
    let first = group[0];
    let labels: Vec<String> = group.iter().map(|&i| letter(i)).collect();
    let _ = writeln!(
        out,
        "<section class=\"comparison\" id=\"compare-{}\">\n<h2>Comparison: {} ({})</h2>",
        letter(first),
        text(&experiments[first].workload_line()),
        html_escape(&labels.join(" vs "))
    );
    out.push_str("<ul>\n");
    for &i in group {
        let e = experiments[i];
        let _ = writeln!(
            out,
            "<li><strong>{}</strong>: {} on {}, {}</li>",
            letter(i),
            text(&e.name),
            text(&e.machine.describe()),
            text(&date(&e.created))
        );
    }
    out.push_str("</ul>\n");
    let labelled: Vec<(&str, &Experiment)> = group.iter().zip(&labels).map(|(&i, l)| (l.as_str(), experiments[i])).collect();
    figure(out, &plots::comparison(&labelled));
    for &j in &group[1..] {
        let (a, b) = (letter(first), letter(j));
        let _ = writeln!(out, "<h3>{b} against {a}</h3>");
        match super::compare_lines(experiments[first], experiments[j]) {
            Ok((lines, summary)) => {
                let _ = writeln!(out, "<p><strong>{}</strong></p>\n<ul>", text(&super::relabel(&summary, &b)));
                for l in lines {
                    let _ = writeln!(out, "<li>{}</li>", text(&super::relabel(&l, &b)));
                }
                out.push_str("</ul>\n");
            }
            Err(why) => {
                let _ = writeln!(out, "<p>{b} cannot be compared with {a}: {}</p>", text(&why));
            }
        }
    }
    out.push_str("<p class=\"small\">Raw times are compared, point by point (Welch's t-test on the logarithms of the repetition times; \u{b1} is a 95% interval of the ratio).</p>\n</section>\n");
}
