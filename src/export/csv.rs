//! CSV: one row per run, each with its experiment's id and its own
//! baseline, so that the rows of several experiments stay apart.

use crate::experiment::Experiment;

/// The header row.
pub const HEADER: &str = "experiment,workload,feeder,threads,chunk_size,gil,median_s,mean_s,stddev_s,min_s,max_s,speedup,efficiency,karp_flatt,result,verified,baseline_median_s,variant,buffer_peak,buffer_bound,n,scaling";

/// The header of files written before the experiment column (still recognised as ours).
pub const LEGACY_HEADER: &str = "workload,feeder,threads,chunk_size,gil,median_s,mean_s,stddev_s,min_s,max_s,speedup,efficiency,karp_flatt,result,verified,baseline_median_s,variant,buffer_peak,buffer_bound,n,scaling";

/// The whole CSV text of one experiment, header first (see [`to_csv_many`]).
pub fn to_csv(file: &Experiment) -> String {
    to_csv_many(&[file])
}

/// The CSV text of several experiments, header first, then each
/// experiment's rows: the runs at the size asked (`scaling` = `strong`),
/// then those of each grown size (`weak`, their speedup against the plain
/// loop at that size). Every row names its experiment and carries its own
/// baseline, so `speedup` = `baseline_median_s` / `median_s` on each row.
pub fn to_csv_many(files: &[&Experiment]) -> String {
    let mut out = String::from(HEADER);
    out.push('\n');
    for file in files {
        rows(&mut out, file);
    }
    out
}

/// Appends `file`'s rows to `out`.
fn rows(out: &mut String, file: &Experiment) {
    let n = file.workload.get(crate::experiment::weak::SIZE_PARAM);
    let strong = file.runs.iter().map(|r| (r, file.baseline_median_s(), n, "strong"));
    let weak = file.weak.iter().flat_map(|w| &w.steps).flat_map(|s| {
        let base = s.baseline.as_ref().map_or(0.0, |b| b.median_s);
        s.runs.iter().map(move |r| (r, base, s.size, "weak"))
    });
    for (r, baseline_s, n, scaling) in strong.chain(weak) {
        let result = r.result.to_string();
        let buffer =
            |f: fn(&crate::engine::BufferStats) -> Option<u64>| r.buffer.as_ref().and_then(f).map(|v| v.to_string()).unwrap_or_default();
        // Seconds in full (the shortest text that reads back as the same
        // number): a run of microseconds keeps its digits.
        let opt = |x: Option<f64>| x.map(|v| v.to_string()).unwrap_or_default();
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{},{},{:.4},{:.4},{},\"{}\",{},{},{},{},{},{},{}\n",
            file.id,
            file.workload.name,
            r.feeder,
            r.threads,
            r.chunk_size,
            r.gil,
            r.median_s,
            r.mean_s,
            opt(r.stddev_s),
            r.min_s,
            r.max_s,
            r.speedup,
            r.efficiency,
            opt(r.karp_flatt),
            result.replace('"', "'"),
            r.verified,
            baseline_s,
            r.variant.map_or("", |v| v.name()),
            buffer(|b| Some(b.peak)),
            buffer(|b| b.bound),
            n,
            scaling,
        ));
    }
}
