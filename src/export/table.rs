//! A table for people, printed by the CLI.

use crate::experiment::Experiment;

/// The results as an aligned text table. A weak-scaling experiment adds a
/// column for the size and, per grown size, its own reference and runs
/// (their speedup is the scaled speedup against that reference).
pub fn to_table(file: &Experiment) -> String {
    if let Some(c) = &file.workload.command {
        return program_table(file, c);
    }
    let variants = file.runs.iter().any(|r| r.variant.is_some());
    let buffers = file.runs.iter().any(|r| r.buffer.is_some());
    let weak = file.weak.as_ref();
    let mut head: Vec<String> = vec![if variants { "variant" } else { "feeder" }.into()];
    if let Some(w) = weak {
        head.push(w.param.clone());
    }
    head.extend(["threads", "chunk", "gil", "median", "min..max", "speedup", "efficiency", "karp-flatt", "verified"].map(String::from));
    if buffers {
        head.push("peak held / bound".into());
    }
    let size = |n: u64| weak.map(|_| crate::units::fmt_count(n));
    let base_n = weak.map_or(0, |w| w.base);
    let mut rows = vec![head];
    rows.push(reference_row(file.baseline.as_ref(), size(base_n), buffers));
    rows.extend(file.runs.iter().map(|r| run_row(r, size(base_n), buffers)));
    for step in weak.iter().flat_map(|w| &w.steps) {
        rows.push(reference_row(step.baseline.as_ref(), size(step.size), buffers));
        rows.extend(step.runs.iter().map(|r| run_row(r, size(step.size), buffers)));
    }
    let mut out = aligned(&rows);
    for r in file.runs.iter().filter(|r| r.plan.is_some()) {
        if let Some(plan) = &r.plan {
            out.push_str(&format!("auto at {} threads: {plan}\n", r.threads));
        }
    }
    out
}

/// The rows as aligned columns, a rule under the first.
fn aligned(rows: &[Vec<String>]) -> String {
    let widths: Vec<usize> = (0..rows[0].len()).map(|c| rows.iter().map(|r| r[c].len()).max().unwrap_or(0)).collect();
    let mut out = String::new();
    for (i, row) in rows.iter().enumerate() {
        let line: Vec<String> = row.iter().zip(&widths).map(|(cell, w)| format!("{cell:<w$}")).collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
        if i == 0 {
            out.push_str(&widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>().join("  "));
            out.push('\n');
        }
    }
    out
}

/// A program's table: its threads, times and what its process tree used
/// (medians over the repetitions), weak steps after the strong sweep.
fn program_table(file: &Experiment, c: &crate::program::CommandSpec) -> String {
    let head = [
        "program",
        "threads",
        "median",
        "min..max",
        "speedup",
        "efficiency",
        "karp-flatt",
        "cores used",
        "cpu time",
        "peak rss",
        "output same",
    ];
    let mut rows = vec![head.map(String::from).to_vec()];
    let steps = std::iter::once((file.baseline.as_ref(), &file.runs))
        .chain(file.weak.iter().flat_map(|w| w.steps.iter().map(|s| (s.baseline.as_ref(), &s.runs))));
    for (baseline, runs) in steps {
        let (median, times) = baseline.map_or((0.0, &[][..]), |b| (b.median_s, &b.times_s[..]));
        let mut reference = vec!["(reference)".to_string(), "1".into(), ms(median), range(times), "1.00".into(), "1.00".into()];
        reference.extend(["-", "-", "-", "-", "-"].map(String::from));
        rows.push(reference);
        rows.extend(runs.iter().map(|r| program_row(r, c)));
    }
    aligned(&rows)
}

fn program_row(r: &crate::experiment::RunRecord, c: &crate::program::CommandSpec) -> Vec<String> {
    let med = |f: &dyn Fn(&crate::program::TreeUse) -> f64| crate::stats::Summary::of(&r.process.iter().map(f).collect::<Vec<_>>()).median;
    let known = !r.process.is_empty();
    let or_dash = |s: String| if known { s } else { "-".into() };
    vec![
        c.program(),
        r.threads.to_string(),
        ms(r.median_s),
        range(&r.times_s),
        format!("{:.2}", r.speedup),
        format!("{:.2}", r.efficiency),
        r.karp_flatt.map_or("-".into(), |k| format!("{k:.3}")),
        or_dash(format!("{:.2}", med(&|p| p.cores_used()))),
        or_dash(format!("{:.2} s", med(&|p| p.cpu_s()))),
        or_dash(crate::units::human_bytes(med(&|p| p.peak_rss_bytes as f64) as u64)),
        match (c.check_output, r.verified) {
            (false, _) => "not compared".into(),
            (true, true) => "yes".into(),
            (true, false) => "NO".into(),
        },
    ]
}

fn reference_row(b: Option<&crate::experiment::Baseline>, size: Option<String>, buffers: bool) -> Vec<String> {
    let (median, times) = b.map_or((0.0, &[][..]), |b| (b.median_s, &b.times_s[..]));
    let mut row = vec!["(sequential reference)".to_string()];
    row.extend(size);
    row.extend([
        "1".into(),
        "-".into(),
        "-".into(),
        if times.is_empty() { "-".into() } else { ms(median) },
        range(times),
        "1.00".into(),
        "1.00".into(),
        "-".into(),
        "-".into(),
    ]);
    if buffers {
        row.push("-".into());
    }
    row
}

fn run_row(r: &crate::experiment::RunRecord, size: Option<String>, buffers: bool) -> Vec<String> {
    let mut row = vec![r.variant.map_or_else(|| r.feeder.to_string(), |v| v.to_string())];
    row.extend(size);
    row.extend([
        r.threads.to_string(),
        r.chunk_size.to_string(),
        if r.gil { "on".into() } else { "off".into() },
        ms(r.median_s),
        range(&r.times_s),
        format!("{:.2}", r.speedup),
        format!("{:.2}", r.efficiency),
        r.karp_flatt.map_or("-".into(), |k| format!("{k:.3}")),
        if r.verified { "yes".into() } else { "NO".into() },
    ]);
    if buffers {
        row.push(r.buffer.as_ref().map_or("-".into(), |b| {
            let bound = b.bound.map_or("unbounded".to_string(), |x| x.to_string());
            format!("{} / {bound} {}", b.peak, b.unit)
        }));
    }
    row
}

fn ms(s: f64) -> String {
    format!("{:.1} ms", s * 1e3)
}

fn range(times: &[f64]) -> String {
    let min = times.iter().copied().fold(f64::INFINITY, f64::min);
    let max = times.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if times.is_empty() { "-".into() } else { format!("{:.1}..{:.1}", min * 1e3, max * 1e3) }
}
