//! The Markdown summary: what fits in a pull request or an issue. Per
//! experiment a heading, the machine line, a GitHub-flavoured table of the
//! results with each run's verdict, and the headline verdicts; then the
//! comparisons of experiments of one workload.

use std::fmt::Write as _;

use super::{heading, letter, rows, same_workload};
use crate::analysis::{Analysis, headline};
use crate::experiment::Experiment;

/// `s` as literal Markdown text: control characters shown as `\u{..}`;
/// `<`, `>` and `&` as entities (raw HTML cannot start, in CommonMark or
/// not); every other character Markdown acts on backslash-escaped, so that
/// a name from a file cannot open a link, an image, emphasis or a new table cell.
fn md(s: &str) -> String {
    let s = crate::untrusted::escape(s);
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '!' | '~' | '$' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// The report of `experiments` in GitHub-flavoured Markdown: per
/// experiment its heading, machine line, results table (configuration,
/// median with its range, speedup with its spread, efficiency, verdict)
/// and headline verdicts; then, for two or more experiments of one
/// workload, their point-by-point comparison. Strings from files are escaped.
///
/// # Examples
/// ```
/// # let plan = scalescope::experiment::SweepPlan {
/// #     workload: scalescope::workloads::WorkloadSpec::new(scalescope::workloads::WorkloadKind::Primes),
/// #     feeders: vec![], threads: vec![], chunks: vec![], gil: vec![], reps: 1, warmup: 0,
/// #     spans: false, variants: vec![], weak: false,
/// # };
/// let exp = scalescope::experiment::Experiment::start(&plan, Some("a | b".into()));
/// let md = scalescope::export::report::markdown(&[&exp]);
/// assert!(md.starts_with("## Scalescope report"));
/// assert!(md.contains("a \\| b"));
/// ```
pub fn markdown(experiments: &[&Experiment]) -> String {
    let names: Vec<String> = experiments.iter().map(|e| md(&e.name)).collect();
    let mut out = format!("{}: {}\n", super::ReportKind::Markdown.opening(), names.join(" / "));
    for (i, exp) in experiments.iter().enumerate() {
        let analysis = Analysis::of(exp);
        experiment(&mut out, i, experiments.len(), exp, &analysis);
    }
    for group in same_workload(experiments) {
        comparison(&mut out, experiments, &group);
    }
    out
}

fn experiment(out: &mut String, i: usize, count: usize, exp: &Experiment, analysis: &Analysis) {
    let _ = writeln!(out, "\n### {}\n", md(&heading(i, count, exp)));
    let _ = writeln!(
        out,
        "**Machine:** {} \u{b7} **Date:** {} \u{b7} **Workload:** {} \u{b7} **Id:** {}",
        md(&exp.machine.describe()),
        md(&exp.created),
        md(&exp.workload_line()),
        md(exp.id.as_str())
    );
    if let Some(lesson) = &exp.lesson {
        let _ = writeln!(out, "\n**Lesson:** {}", md(lesson));
    }
    if exp.status.word() != "complete" {
        let _ = writeln!(out, "\n**Status:** {}", md(&exp.status.describe()));
    }
    out.push_str("\n| configuration | median (min-max) | speedup (spread) | efficiency | verdict |\n| --- | ---: | ---: | ---: | --- |\n");
    for r in rows(exp, analysis) {
        let mut verdict = r.diagnosis.map_or(String::new(), |(d, _)| md(&d.headline));
        if !r.verified {
            verdict = format!("**NOT VERIFIED** {verdict}");
        }
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            md(&r.config),
            md(&r.median),
            md(&r.speedup),
            md(&r.efficiency),
            verdict.trim_end()
        );
    }
    for n in &analysis.machine {
        let _ = writeln!(out, "\n**The machine:** {} ({})", md(&n.headline), md(&n.evidence));
    }
    let lines = headline::headlines(exp, analysis);
    if !lines.is_empty() {
        out.push_str("\n**Headline:**\n\n");
        for h in lines {
            let _ = writeln!(out, "- {}: {}", md(&h.numbers()), md(&h.verdict));
        }
    }
    let cores = exp.machine.logical_cores;
    for g in &analysis.gustafson {
        let _ = writeln!(out, "- {}: {}", md(&g.series_name()), md(&g.headline(cores)));
    }
}

fn comparison(out: &mut String, experiments: &[&Experiment], group: &[usize]) {
    let first = group[0];
    let labels: Vec<String> = group.iter().map(|&i| letter(i)).collect();
    let _ = writeln!(out, "\n### Comparison: {} ({})\n", md(&experiments[first].workload_line()), labels.join(" vs "));
    for &i in group {
        let e = experiments[i];
        let _ = writeln!(out, "- **{}**: {} on {}", letter(i), md(&e.name), md(&e.machine.describe()));
    }
    for &j in &group[1..] {
        let (a, b) = (letter(first), letter(j));
        match super::compare_lines(experiments[first], experiments[j]) {
            Ok((lines, summary)) => {
                let _ = writeln!(out, "\n**{b} against {a}:** {}\n", md(&super::relabel(&summary, &b)));
                for l in lines {
                    let _ = writeln!(out, "- {}", md(&super::relabel(&l, &b)));
                }
            }
            Err(why) => {
                let _ = writeln!(out, "\n**{b} against {a}:** cannot be compared: {}", md(&why));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_text_from_files_stays_text() {
        assert_eq!(md("a|b"), "a\\|b");
        assert_eq!(md("<script>x</script> & co"), "&lt;script&gt;x&lt;/script&gt; &amp; co");
        assert_eq!(md("[link](http://x) ![img](y)"), "\\[link\\](http://x) \\!\\[img\\](y)");
        assert_eq!(md("line\nbreak"), "line\\\\u{a}break");
    }
}
