//! Pure functions from results files to what the scaling plots draw.
//! Unit-tested without a window.

use std::collections::BTreeMap;

use crate::engine::ChunkSize;
use crate::export::{ResultsFile, RunRecord};

/// One plotted series: points, and a min..max bar per point.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// Legend name.
    pub name: String,
    /// (x, y) points, sorted by x.
    pub points: Vec<[f64; 2]>,
    /// (x, low, high) per point, from the repetitions.
    pub ranges: Vec<[f64; 3]>,
}

/// (x, y, low, high).
type Point = (f64, f64, f64, f64);

/// A results file and the label its curves carry ("this machine", or the machine's CPU).
pub type Labelled<'a> = (&'a str, &'a ResultsFile);

fn series_name(source: &str, r: &RunRecord, with_threads: bool, with_chunk: bool) -> String {
    let mut s = format!("{source}: {}", r.feeder);
    if with_chunk {
        s.push_str(&format!(" chunk {}", r.chunk_size));
    }
    if with_threads {
        s.push_str(&format!(" x{}", r.threads));
    }
    if r.gil {
        s.push_str(" + GIL");
    }
    s
}

/// Groups runs by a key and builds one series per group; a later file's
/// point at the same x replaces an earlier one.
fn build(
    sources: &[Labelled<'_>],
    key: impl Fn(&str, &RunRecord) -> Option<(String, f64)>,
    value: impl Fn(&ResultsFile, &RunRecord) -> Option<(f64, f64, f64)>,
) -> Vec<Series> {
    // name -> x bits -> (x, y, low, high)
    let mut groups: BTreeMap<String, BTreeMap<u64, Point>> = BTreeMap::new();
    for (label, file) in sources {
        for r in &file.runs {
            let Some((name, x)) = key(label, r) else { continue };
            let Some((y, lo, hi)) = value(file, r) else { continue };
            groups.entry(name).or_default().insert(x.to_bits(), (x, y, lo, hi));
        }
    }
    groups
        .into_iter()
        .map(|(name, pts)| {
            let mut v: Vec<Point> = pts.into_values().collect();
            v.sort_by(|a, b| a.0.total_cmp(&b.0));
            Series { name, points: v.iter().map(|p| [p.0, p.1]).collect(), ranges: v.iter().map(|p| [p.0, p.2, p.3]).collect() }
        })
        .collect()
}

fn by_threads(label: &str, r: &RunRecord) -> Option<(String, f64)> {
    Some((
        series_name(label, r, false, r.feeder.name() != "locked" && r.feeder.name() != "rayon" && r.feeder.name() != "sequential"),
        r.threads as f64,
    ))
}

fn speedup_range(f: &ResultsFile, r: &RunRecord) -> (f64, f64) {
    let base = f.baseline.median_s;
    let lo = if r.max_s > 0.0 { base / r.max_s } else { r.speedup };
    let hi = if r.min_s > 0.0 { base / r.min_s } else { r.speedup };
    (lo, hi)
}

/// Speedup vs threads, one series per (source, feeder, chunk, GIL).
pub fn speedup_vs_threads(sources: &[Labelled<'_>]) -> Vec<Series> {
    build(sources, by_threads, |f, r| {
        let (lo, hi) = speedup_range(f, r);
        Some((r.speedup, lo, hi))
    })
}

/// Efficiency vs threads, one series per (source, feeder, chunk, GIL).
pub fn efficiency_vs_threads(sources: &[Labelled<'_>]) -> Vec<Series> {
    build(sources, by_threads, |f, r| {
        let (lo, hi) = speedup_range(f, r);
        let p = r.threads.max(1) as f64;
        Some((r.efficiency, lo / p, hi / p))
    })
}

/// Karp-Flatt serial fraction vs threads (p > 1 only).
pub fn karp_flatt_vs_threads(sources: &[Labelled<'_>]) -> Vec<Series> {
    build(sources, by_threads, |_, r| r.karp_flatt.map(|k| (k, k, k)))
}

/// Median time (seconds) vs log10(chunk size), fixed chunks only; one
/// series per (source, feeder, threads, GIL).
pub fn time_vs_chunk(sources: &[Labelled<'_>]) -> Vec<Series> {
    build(
        sources,
        |label, r| match r.chunk_size {
            ChunkSize::Fixed(c) if matches!(r.feeder.name(), "dispenser" | "queue" | "auto") => {
                Some((series_name(label, r, true, false), (c as f64).log10()))
            }
            _ => None,
        },
        |_, r| Some((r.median_s, r.min_s, r.max_s)),
    )
}

/// The ideal line y = p from 1 to `max_p`.
pub fn ideal_speedup(max_p: f64) -> Vec<[f64; 2]> {
    vec![[1.0, 1.0], [max_p.max(1.0), max_p.max(1.0)]]
}

/// The largest thread count in any series (at least 1).
pub fn max_x(series: &[Series]) -> f64 {
    series.iter().flat_map(|s| s.points.iter().map(|p| p[0])).fold(1.0, f64::max)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::FeederKind;
    use crate::export::{Baseline, WorkerRecord};
    use crate::machine::MachineInfo;
    use crate::workloads::{ResultValue, WorkloadKind, WorkloadSpec};

    fn run(feeder: FeederKind, threads: usize, chunk: ChunkSize, times: &[f64]) -> RunRecord {
        let s = crate::metrics::Summary::of(times);
        let sp = 2.0 / s.median;
        RunRecord {
            feeder,
            threads,
            chunk_size: chunk,
            gil: false,
            times_s: times.to_vec(),
            median_s: s.median,
            mean_s: s.mean,
            stddev_s: s.stddev,
            min_s: s.min,
            max_s: s.max,
            speedup: sp,
            efficiency: sp / threads as f64,
            karp_flatt: crate::metrics::karp_flatt(sp, threads),
            result: ResultValue::Number(1),
            verified: true,
            workers: vec![WorkerRecord { items: 1, chunks: 1, busy_s: 0.0, wait_s: 0.0 }],
            used: String::new(),
            plan: None,
            outliers: vec![],
            spans: vec![],
            diagnosis: None,
        }
    }

    fn file(runs: Vec<RunRecord>) -> ResultsFile {
        ResultsFile {
            schema: "scalescope-results/1".into(),
            machine: MachineInfo::default(),
            workload: WorkloadSpec::new(WorkloadKind::Primes),
            baseline: Baseline { median_s: 2.0, times_s: vec![2.0], result: ResultValue::Number(1) },
            runs,
            fits: vec![],
        }
    }

    #[test]
    fn speedup_series_per_feeder_sorted_with_ranges() {
        let f = file(vec![
            run(FeederKind::Dispenser, 2, ChunkSize::Auto, &[1.0, 1.25, 0.8]),
            run(FeederKind::Dispenser, 1, ChunkSize::Auto, &[2.0]),
            run(FeederKind::Locked, 2, ChunkSize::Fixed(1), &[4.0]),
        ]);
        let s = speedup_vs_threads(&[("here", &f)]);
        assert_eq!(s.len(), 2);
        let d = s.iter().find(|s| s.name == "here: dispenser chunk auto").unwrap();
        assert_eq!(d.points, vec![[1.0, 1.0], [2.0, 2.0]]);
        assert_eq!(d.ranges[1], [2.0, 1.6, 2.5]);
        let l = s.iter().find(|s| s.name == "here: locked").unwrap();
        assert_eq!(l.points, vec![[2.0, 0.5]]);
    }

    #[test]
    fn efficiency_is_speedup_over_threads() {
        let f = file(vec![run(FeederKind::Auto, 4, ChunkSize::Auto, &[1.0])]);
        let e = efficiency_vs_threads(&[("m", &f)]);
        assert_eq!(e[0].points, vec![[4.0, 0.5]]);
        assert_eq!(e[0].ranges, vec![[4.0, 0.5, 0.5]]);
    }

    #[test]
    fn karp_flatt_skips_one_thread() {
        let f = file(vec![run(FeederKind::Auto, 1, ChunkSize::Auto, &[2.0]), run(FeederKind::Auto, 2, ChunkSize::Auto, &[1.0])]);
        let k = karp_flatt_vs_threads(&[("m", &f)]);
        assert_eq!(k[0].points, vec![[2.0, 0.0]]);
    }

    #[test]
    fn chunk_series_on_log_axis_fixed_only() {
        let f = file(vec![
            run(FeederKind::Dispenser, 2, ChunkSize::Fixed(100), &[1.0]),
            run(FeederKind::Dispenser, 2, ChunkSize::Fixed(10), &[3.0]),
            run(FeederKind::Dispenser, 2, ChunkSize::Auto, &[1.0]),
        ]);
        let c = time_vs_chunk(&[("m", &f)]);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].name, "m: dispenser x2");
        assert_eq!(c[0].points, vec![[1.0, 3.0], [2.0, 1.0]]);
    }

    #[test]
    fn overlays_make_separate_series_and_later_points_replace() {
        let a = file(vec![run(FeederKind::Auto, 2, ChunkSize::Auto, &[1.0])]);
        let b = file(vec![run(FeederKind::Auto, 2, ChunkSize::Auto, &[0.5])]);
        assert_eq!(speedup_vs_threads(&[("here", &a), ("there", &b)]).len(), 2);
        let same = speedup_vs_threads(&[("here", &a), ("here", &b)]);
        assert_eq!(same[0].points, vec![[2.0, 4.0]]);
        assert_eq!(max_x(&same), 2.0);
        assert_eq!(ideal_speedup(8.0), vec![[1.0, 1.0], [8.0, 8.0]]);
    }
}
