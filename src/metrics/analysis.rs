//! Turns a results file into explanations: a diagnosis per run and scaling
//! models fitted per series of thread counts, extrapolated to larger machines.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::diagnosis::diagnose;
use super::fit::{self, Amdahl, Quality, Usl};
use crate::engine::{ChunkSize, FeederKind};
use crate::experiment::Experiment;

/// Thread counts the fits are extrapolated to.
pub const EXTRAPOLATE: [usize; 6] = [4, 8, 16, 32, 64, 128];

/// One series' fitted models.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FitRecord {
    /// The feeder of the series.
    pub feeder: FeederKind,
    /// Its chunk size.
    pub chunk_size: ChunkSize,
    /// Its GIL setting.
    pub gil: bool,
    /// Its variant (`ordered-map`, `aggregates`, `false-sharing`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<crate::workloads::Variant>,
    /// Thread counts measured.
    pub threads: Vec<usize>,
    /// Amdahl's law.
    pub amdahl: Amdahl,
    /// Amdahl's ceiling `1/(1-f)`; null when unbounded.
    pub amdahl_ceiling: Option<f64>,
    /// RMS error of the Amdahl fit (speedup units).
    pub amdahl_rmse: f64,
    /// The USL, with 3 or more thread counts.
    pub usl: Option<Usl>,
    /// Where the USL peaks (threads); null when it does not.
    pub usl_peak_threads: Option<f64>,
    /// RMS error of the USL fit.
    pub usl_rmse: Option<f64>,
    /// How well Amdahl fits and predicts (adjusted R^2, SMAPE, leave-one-out error).
    #[serde(default)]
    pub amdahl_quality: Quality,
    /// How well the USL fits and predicts.
    #[serde(default)]
    pub usl_quality: Option<Quality>,
    /// Predicted speedup at larger thread counts: (threads, predicted, low, high),
    /// from the USL when there is one, else Amdahl; the band comes from fitting
    /// the fastest and the slowest repetitions.
    pub predicted: Vec<(usize, f64, f64, f64)>,
}

impl FitRecord {
    /// The model used for predictions.
    pub fn predict(&self, p: f64) -> f64 {
        match &self.usl {
            Some(u) => u.speedup(p),
            None => self.amdahl.speedup(p),
        }
    }
}

/// A workload that reads memory: every run (grown sizes too) against the
/// machine's probe, named memory-bound where it is, its GB/s in the evidence.
fn memory(file: &mut Experiment) {
    let Some(probe) = file.bandwidth.clone() else { return };
    let workload = file.workload.name.workload();
    let judge = |r: &mut crate::experiment::RunRecord, bytes: u64| {
        if let Some(d) = super::diagnosis::against_memory(r, bytes, &probe) {
            r.diagnosis = Some(d);
        } else {
            let note = super::diagnosis::memory_note(r, bytes, &probe);
            if let Some(d) = &mut r.diagnosis {
                d.evidence.push_str(&format!("; {note}"));
            }
        }
    };
    if let Some(bytes) = workload.bytes_read(&file.workload) {
        file.runs.iter_mut().for_each(|r| judge(r, bytes));
    }
    let spec = file.workload.clone();
    for step in file.weak.iter_mut().flat_map(|w| &mut w.steps) {
        if let Some(bytes) = workload.bytes_read(&super::weak::grown(&spec, step.threads)) {
            step.runs.iter_mut().for_each(|r| judge(r, bytes));
        }
    }
}

/// Fits every series of `file` that has at least two thread counts at or
/// below the core count of the machine that measured it: oversubscribed
/// points measure the sharing of cores, not the model, and are not fitted.
pub fn fits(file: &Experiment) -> Vec<FitRecord> {
    let cores = file.machine.logical_cores.max(1);
    type Key = (FeederKind, ChunkSize, bool, Option<crate::workloads::Variant>);
    /// (threads, speedup, low, high)
    type Point = (f64, f64, f64, f64);
    let mut series: BTreeMap<String, (Key, Vec<Point>)> = BTreeMap::new();
    let base = file.baseline_median_s();
    for r in file.runs.iter().filter(|r| r.threads <= cores) {
        let key = (r.feeder, r.chunk_size, r.gil, r.variant);
        let lo = if r.max_s > 0.0 { base / r.max_s } else { r.speedup };
        let hi = if r.min_s > 0.0 { base / r.min_s } else { r.speedup };
        series.entry(format!("{:?}", key)).or_insert((key, vec![])).1.push((r.threads as f64, r.speedup, lo, hi));
    }
    series
        .into_values()
        .filter_map(|((feeder, chunk_size, gil, variant), mut pts)| {
            pts.sort_by(|a, b| a.0.total_cmp(&b.0));
            let mid: Vec<(f64, f64)> = pts.iter().map(|p| (p.0, p.1)).collect();
            let lo: Vec<(f64, f64)> = pts.iter().map(|p| (p.0, p.2)).collect();
            let hi: Vec<(f64, f64)> = pts.iter().map(|p| (p.0, p.3)).collect();
            let f = fit::fit(&mid)?;
            let mut rec = FitRecord {
                variant,
                feeder,
                chunk_size,
                gil,
                threads: pts.iter().map(|p| p.0 as usize).collect(),
                amdahl: f.amdahl,
                amdahl_ceiling: f.amdahl.ceiling().is_finite().then(|| f.amdahl.ceiling()),
                amdahl_rmse: f.amdahl_rmse,
                usl: f.usl,
                usl_peak_threads: f.usl.and_then(|u| u.peak()),
                usl_rmse: f.usl_rmse,
                amdahl_quality: f.amdahl_quality,
                usl_quality: f.usl_quality,
                predicted: vec![],
            };
            // Two points cannot tell one model from another: no extrapolation from them.
            rec.predicted = EXTRAPOLATE
                .iter()
                .filter(|_| rec.threads.len() >= MIN_EXTRAPOLATE)
                .map(|&p| {
                    let y = rec.predict(p as f64);
                    let (a, b) = fit::band(&lo, &hi, p as f64).unwrap_or((y, y));
                    (p, y, a.min(y), b.max(y))
                })
                .collect();
            Some(rec)
        })
        .collect()
}

/// Thread counts (at or below the core count) a fit needs before it is extrapolated.
pub const MIN_EXTRAPOLATE: usize = 3;

/// Adds a diagnosis to every run and the fits to the file.
pub fn analyse(file: &mut Experiment) {
    let cores = file.machine.logical_cores;
    let base = file.baseline_median_s();
    for r in &mut file.runs {
        r.diagnosis = Some(diagnose(r, base, cores));
    }
    // False sharing and shared state show only next to the twin that does
    // the same work the better way.
    use crate::workloads::Variant;
    const TWINS: [(Variant, Variant); 2] = [(Variant::Packed, Variant::Padded), (Variant::LockedMap, Variant::LocalMerge)];
    let twins: Vec<(usize, super::diagnosis::Diagnosis)> = file
        .runs
        .iter()
        .enumerate()
        .filter_map(|(i, run)| {
            let better = TWINS.iter().find(|(worse, _)| run.variant == Some(*worse))?.1;
            let twin = file.runs.iter().find(|r| {
                r.variant == Some(better)
                    && (r.feeder, r.threads, r.chunk_size, r.gil) == (run.feeder, run.threads, run.chunk_size, run.gil)
            })?;
            Some((i, super::diagnosis::against_twin(run, twin)?))
        })
        .collect();
    for (i, d) in twins {
        file.runs[i].diagnosis = Some(d);
    }
    memory(file);
    file.fits = fits(file);
    file.what_if = super::whatif::series_runs(file).into_iter().filter_map(|r| super::whatif::what_if(file, r)).collect();
    file.what_if_check = super::whatif::check(file);
    // Weak steps: each run against its own size's reference, then Gustafson per series.
    if let Some(weak) = &mut file.weak {
        for step in &mut weak.steps {
            let base = step.baseline.as_ref().map_or(0.0, |b| b.median_s);
            for r in &mut step.runs {
                r.diagnosis = Some(diagnose(r, base, cores));
            }
        }
    }
    let gustafson = super::weak::fits(file);
    if let Some(weak) = &mut file.weak {
        weak.fits = gustafson;
    }
}

/// The fits and diagnoses as text, for the CLI.
pub fn describe(file: &Experiment) -> String {
    let mut out = String::new();
    if !file.fits.is_empty() {
        out.push_str("\nFitted scaling models (speedup vs threads):\n");
        let cores = file.machine.logical_cores;
        if file.runs.iter().any(|r| r.threads > cores) {
            out.push_str(&format!(
                "  (thread counts above this machine's {cores} logical cores are included: there the fit models the core limit, so its extrapolation is pessimistic)\n"
            ));
        }
        for f in &file.fits {
            out.push_str(&format!(
                "  {} chunk {}{} (threads {:?}):\n    Amdahl: parallel fraction f = {:.4}, ceiling {} (rmse {:.3}; {})\n",
                f.variant.map_or_else(|| f.feeder.to_string(), |v| format!("{v} ({})", f.feeder)),
                f.chunk_size,
                if f.gil { " + GIL" } else { "" },
                f.threads,
                f.amdahl.f,
                f.amdahl_ceiling.map_or("unbounded".to_string(), |c| format!("{c:.1}x")),
                f.amdahl_rmse,
                f.amdahl_quality.line()
            ));
            match &f.usl {
                Some(u) => out.push_str(&format!(
                    "    USL: lambda {:.3}, contention sigma {:.4}, coherency kappa {:.5}, {} (rmse {:.3}; {})\n",
                    u.lambda,
                    u.sigma,
                    u.kappa,
                    f.usl_peak_threads.map_or("no peak".to_string(), |p| format!("peak at {p:.0} threads ({:.1}x)", u.speedup(p))),
                    f.usl_rmse.unwrap_or(0.0),
                    f.usl_quality.as_ref().map_or_else(|| "n/a".to_string(), Quality::line)
                )),
                None => out.push_str("    USL: needs 3 or more thread counts\n"),
            }
            if let Some(why) = f.usl_quality.as_ref().unwrap_or(&f.amdahl_quality).missing() {
                out.push_str(&format!("    fit quality: {why}\n"));
            }
            let pred: Vec<String> =
                f.predicted.iter().map(|(p, y, lo, hi)| format!("{p} threads {lo:.1}-{hi:.1}x (fit {y:.1}x)")).collect();
            if pred.is_empty() {
                out.push_str(&format!(
                    "    predicted: none (fitted from {} thread counts at or below the core count; {MIN_EXTRAPOLATE} are needed to extrapolate)\n",
                    f.threads.len()
                ));
            } else {
                out.push_str(&format!("    predicted: {}\n", pred.join(", ")));
            }
        }
    }
    if !file.what_if.is_empty() {
        out.push_str(&super::whatif::describe(file));
    }
    out.push_str(&super::weak::describe(file));
    out.push_str("\nWhy not ideal?\n");
    for r in &file.runs {
        if let Some(d) = &r.diagnosis {
            out.push_str(&format!(
                "  {} x{} chunk {}{}: {}\n      evidence: {}\n      try: {}\n",
                r.feeder,
                r.threads,
                r.chunk_size,
                if r.gil { " GIL" } else { "" },
                d.headline,
                d.evidence,
                d.suggestion
            ));
        }
    }
    out
}
