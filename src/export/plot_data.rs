//! Pure functions from results files to what the scaling plots draw.
//! Unit-tested without a window.

use std::collections::BTreeMap;

use crate::engine::{ChunkSize, Span, SpanKind};
use crate::experiment::{Experiment, RunRecord};

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
pub type Labelled<'a> = (&'a str, &'a Experiment);

/// A labelled experiment with its analysis (computed once, when it joined the shelf).
pub type Analysed<'a> = (&'a str, &'a Experiment, &'a crate::analysis::Analysis);

/// The labelled experiments of `sources`, without their analyses.
pub fn labelled<'a>(sources: &[Analysed<'a>]) -> Vec<Labelled<'a>> {
    sources.iter().map(|(l, x, _)| (*l, *x)).collect()
}

/// What ran, for a series' name: the program's name for a command (its
/// feeder and chunk size mean nothing there; escaped, as it may come from a
/// file), else the variant or the feeder.
pub fn design_name(file: &Experiment, r: &RunRecord) -> String {
    match &file.workload.command {
        Some(c) => crate::untrusted::escape(&c.program()).into_owned(),
        None => r.variant.map_or_else(|| r.feeder.to_string(), |v| v.to_string()),
    }
}

fn series_name(source: &str, design: &str, r: &RunRecord, with_threads: bool, with_chunk: bool) -> String {
    let mut s = format!("{source}: {design}");
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
    key: impl Fn(&str, &Experiment, &RunRecord) -> Option<(String, f64)>,
    value: impl Fn(&Experiment, &RunRecord) -> Option<(f64, f64, f64)>,
) -> Vec<Series> {
    // name -> x bits -> (x, y, low, high)
    let mut groups: BTreeMap<String, BTreeMap<u64, Point>> = BTreeMap::new();
    for (label, file) in sources {
        for r in &file.runs {
            let Some((name, x)) = key(label, file, r) else { continue };
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

fn by_threads(label: &str, file: &Experiment, r: &RunRecord) -> Option<(String, f64)> {
    let chunked = file.workload.command.is_none() && !matches!(r.feeder.name(), "locked" | "rayon" | "sequential");
    Some((series_name(label, &design_name(file, r), r, false, chunked), r.threads as f64))
}

fn speedup_range(f: &Experiment, r: &RunRecord) -> (f64, f64) {
    let base = f.baseline_median_s();
    let lo = if r.max_s > 0.0 { base / r.max_s } else { r.speedup };
    let hi = if r.min_s > 0.0 { base / r.min_s } else { r.speedup };
    (lo, hi)
}

/// One bar of the per-variant comparison: a variant's median time and the
/// most it held at once.
#[derive(Clone, Debug, PartialEq)]
pub struct VariantBar {
    /// `source: variant x threads, chunk c`.
    pub name: String,
    /// Median seconds, and the fastest and slowest repetition.
    pub median_s: f64,
    /// Fastest repetition.
    pub min_s: f64,
    /// Slowest repetition.
    pub max_s: f64,
    /// The most held at once, its bound (`None`: unbounded) and unit.
    pub peak: Option<(u64, Option<u64>, String)>,
    /// Whether the result equalled the reference.
    pub verified: bool,
}

/// Per source, the plain-loop reference, then one bar per run that names a
/// variant, in file order. Sources without such runs give no bars.
pub fn variant_bars(sources: &[Labelled<'_>]) -> Vec<VariantBar> {
    let many = sources.len() > 1;
    let mut out = Vec::new();
    for (label, file) in sources {
        if !file.runs.iter().any(|r| r.variant.is_some()) {
            continue;
        }
        let prefix = if many { format!("{label}: ") } else { String::new() };
        let Some(b) = &file.baseline else { continue };
        let (min_s, max_s) = b.times_s.iter().fold((f64::INFINITY, 0.0f64), |(lo, hi), &t| (lo.min(t), hi.max(t)));
        out.push(VariantBar {
            name: format!("{prefix}plain loop"),
            median_s: b.median_s,
            min_s: min_s.min(b.median_s),
            max_s: max_s.max(b.median_s),
            peak: None,
            verified: true,
        });
        out.extend(runs_with_variants(&prefix, file));
    }
    out
}

fn runs_with_variants<'a>(prefix: &'a str, file: &'a Experiment) -> impl Iterator<Item = VariantBar> + 'a {
    // The chunk size goes into the names only when the runs differ in it.
    let mut chunks = file.runs.iter().filter(|r| r.variant.is_some()).map(|r| r.chunk_size);
    let first = chunks.next();
    let one_chunk = chunks.all(|c| Some(c) == first);
    file.runs.iter().filter_map(move |r| {
        let v = r.variant.as_ref()?;
        let threads = if file.workload.name.design().threads_param().is_some() { String::new() } else { format!(" x{}", r.threads) };
        Some(VariantBar {
            name: match r.chunk_size {
                c if !one_chunk => format!("{prefix}{v}{threads}, chunk {c}"),
                _ => format!("{prefix}{v}{threads}"),
            },
            median_s: r.median_s,
            min_s: r.min_s,
            max_s: r.max_s,
            peak: r.buffer.as_ref().map(|b| (b.peak, b.bound, b.unit.clone())),
            verified: r.verified,
        })
    })
}

/// Bars in groups: one group per design, one bar per series in each.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Grouped {
    /// The groups, left to right (their names label the x axis).
    pub groups: Vec<String>,
    /// The series: one colour each, one bar per group where measured.
    pub series: Vec<String>,
    /// `values[group][series]`: (value, low, high), or `None` where not measured.
    pub values: Vec<Vec<Option<(f64, f64, f64)>>>,
}

impl Grouped {
    fn put(&mut self, group: String, series: String, v: (f64, f64, f64)) {
        let g = self.groups.iter().position(|x| *x == group).unwrap_or_else(|| {
            self.groups.push(group);
            self.values.push(vec![None; self.series.len()]);
            self.groups.len() - 1
        });
        let s = self.series.iter().position(|x| *x == series).unwrap_or_else(|| {
            self.series.push(series);
            self.values.iter_mut().for_each(|row| row.push(None));
            self.series.len() - 1
        });
        self.values[g][s] = Some(v);
    }
}

/// The speedup of every multi-threaded run as grouped bars: one group per
/// design (feeder, fixed chunk, GIL), one bar per experiment and thread
/// count. `None` unless the shown runs compare at least two feeders or GIL
/// settings: what "Compare feeders" and "GIL off vs on" measure.
pub fn design_bars(sources: &[Labelled<'_>]) -> Option<Grouped> {
    let multi = || sources.iter().flat_map(|(_, f)| f.runs.iter()).filter(|r| r.threads > 1 || r.feeder.name() == "sequential");
    let kinds: std::collections::BTreeSet<(&str, bool)> = multi().map(|r| (r.feeder.name(), r.gil)).collect();
    if kinds.len() < 2 {
        return None;
    }
    let mut out = Grouped::default();
    for (label, file) in sources {
        for r in file.runs.iter().filter(|r| r.threads > 1 || r.feeder.name() == "sequential") {
            let fixed = matches!(r.chunk_size, ChunkSize::Fixed(_)) && r.feeder.name() != "locked";
            let group = series_name("", &design_name(file, r), r, false, fixed);
            let group = group.trim_start_matches(": ").to_string();
            let threads = if r.feeder.name() == "sequential" { 2 } else { r.threads };
            let (lo, hi) = speedup_range(file, r);
            out.put(group, format!("{label} x{threads}"), (r.speedup, lo, hi));
        }
    }
    Some(out)
}

/// The median time (ms) of each variant as grouped bars: one group per
/// variant (the plain loop first), one bar per experiment.
pub fn variant_groups(sources: &[Labelled<'_>]) -> Grouped {
    let mut out = Grouped::default();
    for (label, file) in sources {
        if !file.runs.iter().any(|r| r.variant.is_some()) {
            continue;
        }
        if let Some(b) = &file.baseline {
            let lo = b.times_s.iter().copied().fold(b.median_s, f64::min);
            let hi = b.times_s.iter().copied().fold(b.median_s, f64::max);
            out.put("plain loop".into(), (*label).to_string(), (b.median_s * 1e3, lo * 1e3, hi * 1e3));
        }
        for r in &file.runs {
            if let Some(v) = r.variant {
                out.put(v.to_string(), (*label).to_string(), (r.median_s * 1e3, r.min_s * 1e3, r.max_s * 1e3));
            }
        }
    }
    out
}

/// The most each variant held at once as grouped bars, like
/// [`variant_groups`]; with the unit. Variants that report nothing have no bar.
pub fn variant_peak_groups(sources: &[Labelled<'_>]) -> (Grouped, String) {
    let mut out = Grouped::default();
    let mut unit = String::new();
    for (label, file) in sources {
        for r in &file.runs {
            if let (Some(v), Some(b)) = (r.variant, &r.buffer) {
                let p = b.peak.max(1) as f64;
                out.put(v.to_string(), (*label).to_string(), (p, p, p));
                unit.clone_from(&b.unit);
            }
        }
    }
    (out, unit)
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
/// Only where it means something: more than one thread and a speedup above
/// 1 (then `e` lies in 0..1); a slowdown gives no serial fraction. Its range
/// is the serial fraction of the fastest and the slowest repetition's
/// speedup (the faster, the smaller), within 0..1.
pub fn karp_flatt_vs_threads(sources: &[Labelled<'_>]) -> Vec<Series> {
    build(sources, by_threads, |f, r| {
        let k = r.karp_flatt.filter(|k| (0.0..=1.0).contains(k) && r.speedup > 1.0)?;
        let p = r.threads as f64;
        let e = |s: f64| ((1.0 / s - 1.0 / p) / (1.0 - 1.0 / p)).clamp(0.0, 1.0);
        let (slow, fast) = speedup_range(f, r);
        Some((k, e(fast).min(k), e(slow).max(k)))
    })
}

/// Median time (seconds) vs log10(chunk size), fixed chunks only; one
/// series per (source, feeder, threads, GIL).
pub fn time_vs_chunk(sources: &[Labelled<'_>]) -> Vec<Series> {
    build(
        sources,
        |label, file, r| match r.chunk_size {
            ChunkSize::Fixed(c) if r.feeder.takes_chunks() && file.workload.command.is_none() => {
                Some((series_name(label, &design_name(file, r), r, true, false), (c.get() as f64).log10()))
            }
            _ => None,
        },
        |_, r| Some((r.median_s, r.min_s, r.max_s)),
    )
}

/// One weak-scaling series: the scaled speedups measured, Gustafson's law
/// fitted to them, and Amdahl's law fitted to the same series' strong sweep.
#[derive(Clone, Debug, PartialEq)]
pub struct WeakCurve {
    /// Scaled speedup vs threads (legend name, points, repetition ranges).
    pub measured: Series,
    /// Scaled efficiency vs threads.
    pub efficiency: Series,
    /// The serial share `s` of `S(p) = p - s (p - 1)`, once analysed.
    pub gustafson: Option<f64>,
    /// The strong sweep's Amdahl fit of the same series, once analysed.
    pub amdahl: Option<crate::analysis::models::Amdahl>,
}

/// The weak-scaling curves of every source that measured them.
pub fn weak_scaling(sources: &[Analysed<'_>]) -> Vec<WeakCurve> {
    let mut out = Vec::new();
    for (label, file, analysis) in sources {
        for ((feeder, chunk, gil, variant), points) in crate::analysis::weak::series(file) {
            // Named as the strong series of the same runs, so the two read as one.
            let same = |r: &&RunRecord| (r.feeder, r.chunk_size, r.gil, r.variant) == (feeder, chunk, gil, variant);
            let steps = file.weak.iter().flat_map(|w| &w.steps).flat_map(|s| &s.runs);
            let Some((name, _)) = file.runs.iter().chain(steps).find(same).and_then(|r| by_threads(label, file, r)) else { continue };
            let fit = analysis.gustafson.iter().find(|g| (g.feeder, g.chunk_size, g.gil, g.variant) == (feeder, chunk, gil, variant));
            let strong = analysis.fit_of(feeder, chunk, gil, variant);
            let p = |x: &crate::analysis::weak::WeakPoint| x.threads as f64;
            out.push(WeakCurve {
                measured: Series {
                    name: name.clone(),
                    points: points.iter().map(|x| [p(x), x.speedup]).collect(),
                    ranges: points.iter().map(|x| [p(x), x.low, x.high]).collect(),
                },
                efficiency: Series {
                    name,
                    points: points.iter().map(|x| [p(x), x.speedup / p(x)]).collect(),
                    ranges: points.iter().map(|x| [p(x), x.low / p(x), x.high / p(x)]).collect(),
                },
                gustafson: fit.map(|g| g.serial),
                amdahl: strong.map(|f| f.amdahl),
            });
        }
    }
    out
}

/// For workloads that read memory: the GB/s each series read vs threads,
/// and per source the machine's probe (`source: probe`); empty otherwise.
pub fn bandwidth_vs_threads(sources: &[Labelled<'_>]) -> Vec<Series> {
    let mut out = build(sources, by_threads, |f, r| {
        let bytes = f.workload.name.workload().bytes_read(&f.workload)?;
        let gbs = |s: f64| crate::workloads::bandwidth::gbs(bytes, s);
        Some((gbs(r.median_s), gbs(r.max_s), gbs(r.min_s)))
    });
    if out.is_empty() {
        return out;
    }
    for (label, file) in sources {
        if let Some(b) = &file.bandwidth {
            let points: Vec<[f64; 2]> = b.points.iter().map(|&(t, g)| [t as f64, g]).collect();
            let ranges = points.iter().map(|p| [p[0], p[1], p[1]]).collect();
            out.push(Series { name: format!("{label}: memory probe (the machine)"), points, ranges });
        }
    }
    out
}

/// The ideal line y = p from 1 to `max_p`.
pub fn ideal_speedup(max_p: f64) -> Vec<[f64; 2]> {
    vec![[1.0, 1.0], [max_p.max(1.0), max_p.max(1.0)]]
}

/// The largest thread count in any series (at least 1).
pub fn max_x(series: &[Series]) -> f64 {
    series.iter().flat_map(|s| s.points.iter().map(|p| p[0])).fold(1.0, f64::max)
}

/// Runs that carry a recorded timeline, as (source index, run index).
pub fn timeline_runs(sources: &[Labelled<'_>]) -> Vec<(usize, usize)> {
    sources
        .iter()
        .enumerate()
        .flat_map(|(si, (_, f))| f.runs.iter().enumerate().filter(|(_, r)| !r.spans.is_empty()).map(move |(ri, _)| (si, ri)))
        .collect()
}

/// One time bin of one worker's lane: how much of it went to each activity.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LaneBin {
    /// The worker (lane).
    pub worker: usize,
    /// Bin start, seconds.
    pub start_s: f64,
    /// Bin end, seconds.
    pub end_s: f64,
    /// Seconds spent mapping within the bin.
    pub map_s: f64,
    /// Seconds spent waiting for input within the bin.
    pub wait_s: f64,
    /// Seconds spent in the final reduce within the bin.
    pub reduce_s: f64,
    /// Items of the map spans that ended in the bin.
    pub items: u64,
}

impl LaneBin {
    /// The activity that took most of the bin, if any took any time.
    pub fn dominant(&self) -> Option<SpanKind> {
        let best = [(SpanKind::Map, self.map_s), (SpanKind::Wait, self.wait_s), (SpanKind::Reduce, self.reduce_s)]
            .into_iter()
            .max_by(|a, b| a.1.total_cmp(&b.1))?;
        (best.1 > 0.0).then_some(best.0)
    }
}

/// Spans binned for drawing: each worker's lane cut into `bins` equal time
/// bins, with the time each activity took in each; bins with no activity
/// (idle) are left out. Bounded, whatever the number of chunks.
pub fn lanes(spans: &[Span], bins: usize) -> Vec<LaneBin> {
    let end = spans.iter().map(|s| s.end_s).fold(0.0, f64::max);
    let bins = bins.max(1);
    if end <= 0.0 {
        return vec![];
    }
    let width = end / bins as f64;
    let workers = spans.iter().map(|s| s.worker).max().map_or(0, |w| w + 1);
    let mut grid: Vec<LaneBin> = (0..workers * bins)
        .map(|k| LaneBin {
            worker: k / bins,
            start_s: (k % bins) as f64 * width,
            end_s: ((k % bins) + 1) as f64 * width,
            map_s: 0.0,
            wait_s: 0.0,
            reduce_s: 0.0,
            items: 0,
        })
        .collect();
    for s in spans {
        let first = ((s.start_s / width) as usize).min(bins - 1);
        // The bin the span ends in, with bins closed on the left: a span that
        // ends exactly on a boundary belongs to the bin before it.
        let last = (((s.end_s / width).ceil() as usize).saturating_sub(1)).clamp(first, bins - 1);
        for b in first..=last {
            let cell = &mut grid[s.worker * bins + b];
            let overlap = s.end_s.min(cell.end_s) - s.start_s.max(cell.start_s);
            if overlap > 0.0 {
                match s.kind {
                    SpanKind::Map => cell.map_s += overlap,
                    SpanKind::Wait => cell.wait_s += overlap,
                    SpanKind::Reduce => cell.reduce_s += overlap,
                }
            }
        }
        grid[s.worker * bins + last].items += s.items;
    }
    grid.into_iter().filter(|c| c.dominant().is_some()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::FeederKind;
    use crate::experiment::{Baseline, WorkerRecord};
    use crate::machine::MachineInfo;
    use crate::workloads::{ResultValue, Variant, WorkloadKind, WorkloadSpec};

    fn run(feeder: FeederKind, threads: usize, chunk: ChunkSize, times: &[f64]) -> RunRecord {
        let config = crate::engine::Config { threads: crate::engine::Threads::new(threads).expect("threads"), chunk, feeder, gil: false };
        RunRecord {
            workers: vec![WorkerRecord { items: 1, chunks: 1, busy_s: 0.0, wait_s: 0.0, pull_s: 0.0 }],
            ..RunRecord::measured(&config, times, 2.0, ResultValue::Number(1), true)
        }
    }

    fn file(runs: Vec<RunRecord>) -> Experiment {
        let plan = crate::experiment::SweepPlan {
            workload: WorkloadSpec::new(WorkloadKind::Primes),
            feeders: vec![],
            threads: vec![],
            chunks: vec![],
            gil: vec![],
            reps: 1,
            warmup: 0,
            spans: false,
            variants: vec![],
            weak: false,
        };
        Experiment {
            machine: MachineInfo::default(),
            baseline: Some(Baseline { median_s: 2.0, times_s: vec![2.0], result: ResultValue::Number(1) }),
            runs,
            ..Experiment::start(&plan, None)
        }
    }

    #[test]
    fn variant_bars_put_the_reference_first_then_each_variant_with_its_peak() {
        let mut chunked = run(FeederKind::Queue, 6, ChunkSize::Auto, &[0.5, 0.4]);
        chunked.variant = Some(Variant::Chunked);
        chunked.buffer = Some(crate::engine::BufferStats { peak: 100, bound: Some(120), unit: "items".into() });
        let mut tee = run(FeederKind::Queue, 6, ChunkSize::Auto, &[0.3]);
        tee.variant = Some(Variant::Tee);
        tee.buffer = Some(crate::engine::BufferStats { peak: 9_000, bound: None, unit: "items".into() });
        let mut f = file(vec![chunked, tee, run(FeederKind::Queue, 6, ChunkSize::Auto, &[0.1])]);
        f.workload = WorkloadSpec::new(WorkloadKind::Aggregates);
        let bars = variant_bars(&[("here", &f)]);
        let names: Vec<&str> = bars.iter().map(|b| b.name.as_str()).collect();
        // aggregates fixes its threads, so the names carry no "x6"; the run without a variant is left out.
        assert_eq!(names, ["plain loop", "chunked", "tee"]);
        assert_eq!((bars[0].median_s, bars[0].peak.clone()), (2.0, None));
        assert!((bars[1].median_s - 0.45).abs() < 1e-12 && bars[1].min_s == 0.4 && bars[1].max_s == 0.5);
        assert_eq!(bars[1].peak, Some((100, Some(120), "items".to_string())));
        assert_eq!(bars[2].peak, Some((9_000, None, "items".to_string())));
        // Two sources: each bar says where it came from; a file with no variant runs adds nothing.
        let plain = file(vec![run(FeederKind::Dispenser, 2, ChunkSize::Auto, &[1.0])]);
        let both = variant_bars(&[("here", &f), ("there", &f), ("old", &plain)]);
        assert_eq!(both.len(), 6);
        assert_eq!(both[3].name, "there: plain loop");
        // Runs that differ in chunk size say which is which.
        let mut small = run(FeederKind::Queue, 6, ChunkSize::Fixed(crate::engine::Chunk::of(100)), &[0.6]);
        small.variant = Some(Variant::Chunked);
        f.runs.push(small);
        let names: Vec<String> = variant_bars(&[("here", &f)]).into_iter().map(|b| b.name).collect();
        assert_eq!(names, ["plain loop", "chunked, chunk auto", "tee, chunk auto", "chunked, chunk 100"]);
    }

    #[test]
    fn a_program_series_is_named_by_the_program_not_the_feeder() {
        let mut f = file(vec![run(FeederKind::Auto, 1, ChunkSize::Auto, &[2.0]), run(FeederKind::Auto, 2, ChunkSize::Auto, &[1.1])]);
        f.workload = WorkloadSpec {
            command: Some(crate::program::CommandSpec::new("/usr/bin/xz -T{threads} -c big.tar")),
            ..WorkloadSpec::new(WorkloadKind::Command)
        };
        let s = speedup_vs_threads(&[("#1", &f)]);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].name, "#1: xz");
        assert!(time_vs_chunk(&[("#1", &f)]).is_empty());
    }

    #[test]
    fn speedup_series_per_feeder_sorted_with_ranges() {
        let f = file(vec![
            run(FeederKind::Dispenser, 2, ChunkSize::Auto, &[1.0, 1.25, 0.8]),
            run(FeederKind::Dispenser, 1, ChunkSize::Auto, &[2.0]),
            run(FeederKind::Locked, 2, ChunkSize::Fixed(crate::engine::Chunk::of(1)), &[4.0]),
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
        // Repetitions of 0.8 s and 1.25 s around 1.0: speedups 2.5 (clamped to e = 0) and 1.6.
        let f = file(vec![run(FeederKind::Auto, 2, ChunkSize::Auto, &[1.0, 1.25, 0.8])]);
        let k = karp_flatt_vs_threads(&[("m", &f)]);
        assert_eq!(k[0].points, vec![[2.0, 0.0]]);
        assert!(k[0].ranges[0][1] == 0.0 && (k[0].ranges[0][2] - 0.25).abs() < 1e-12, "{:?}", k[0].ranges);
    }

    #[test]
    fn chunk_series_on_log_axis_fixed_only() {
        let f = file(vec![
            run(FeederKind::Dispenser, 2, ChunkSize::Fixed(crate::engine::Chunk::of(100)), &[1.0]),
            run(FeederKind::Dispenser, 2, ChunkSize::Fixed(crate::engine::Chunk::of(10)), &[3.0]),
            run(FeederKind::Dispenser, 2, ChunkSize::Auto, &[1.0]),
        ]);
        let c = time_vs_chunk(&[("m", &f)]);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].name, "m: dispenser x2");
        assert_eq!(c[0].points, vec![[1.0, 3.0], [2.0, 1.0]]);
    }

    #[test]
    fn lanes_bin_time_per_worker_and_leave_idle_out() {
        let sp = |worker, kind, start_s, end_s, items| Span { worker, kind, start_s, end_s, items };
        let spans = vec![
            sp(0, SpanKind::Wait, 0.0, 0.1, 0),
            sp(0, SpanKind::Map, 0.1, 1.0, 90),
            sp(1, SpanKind::Map, 0.0, 0.5, 50), // worker 1 idles from 0.5 s
        ];
        let bins = lanes(&spans, 4);
        let w0: Vec<&LaneBin> = bins.iter().filter(|b| b.worker == 0).collect();
        let w1: Vec<&LaneBin> = bins.iter().filter(|b| b.worker == 1).collect();
        assert_eq!(w0.len(), 4);
        assert_eq!(w1.len(), 2, "the idle half of worker 1 is not drawn");
        assert!((w0[0].wait_s - 0.1).abs() < 1e-12 && (w0[0].map_s - 0.15).abs() < 1e-12);
        assert_eq!(w0[0].dominant(), Some(SpanKind::Map));
        assert_eq!(bins.iter().map(|b| b.items).sum::<u64>(), 140);
        assert!(lanes(&[], 10).is_empty());
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
