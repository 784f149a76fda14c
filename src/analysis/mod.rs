//! The analysis: reads an experiment and computes what it means. A
//! diagnosis per run, scaling models fitted per series of thread counts and
//! extrapolated to larger machines, Gustafson's law for a weak sweep, and
//! the what-if model with its check. Pure: nothing here runs anything or
//! writes anything, and nothing computed here is stored in the experiment.
//!
//! May import: `experiment`, `workloads`, `engine`, `machine`, `stats`,
//! `units`. Never `measure`, `export`, `cli` or `gui`.

pub mod compare;
pub mod diagnosis;
pub mod headline;
pub mod machine;
pub mod models;
pub mod weak;
pub mod whatif;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::engine::{ChunkSize, FeederKind};
use crate::experiment::{Experiment, RunRecord};
use diagnosis::Diagnosis;
use models::{self as fit, Amdahl, Quality, Usl};

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

/// Fits every series of `file` that has at least two thread counts at or
/// below the core count of the machine that measured it: oversubscribed
/// points measure the sharing of cores, not the model, and are not fitted.
pub fn fits(file: &Experiment) -> Vec<FitRecord> {
    // An unknown machine (an import) sets no core limit.
    let cores = match file.machine.logical_cores {
        0 => usize::MAX,
        c => c,
    };
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

/// A fitted series' name: the program (`xz`), or `feeder chunk C + GIL` with its variant.
pub fn series_name(file: &Experiment, f: &FitRecord) -> String {
    if let Some(c) = &file.workload.command {
        return c.program();
    }
    let who = f.variant.map_or_else(|| f.feeder.to_string(), |v| format!("{v} ({})", f.feeder));
    format!("{who} chunk {}{}", f.chunk_size, if f.gil { " + GIL" } else { "" })
}

/// Thread counts (at or below the core count) a fit needs before it is extrapolated.
pub const MIN_EXTRAPOLATE: usize = 3;

/// Everything scalescope reads out of an experiment: a diagnosis per run
/// (grown sizes too), the scaling models per series, Gustafson's law for a
/// weak sweep, and the what-if models with their check against the other
/// runs. Computed from what was measured, never stored in the experiment:
/// a file opened anywhere, under any later rules, is read afresh.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Analysis {
    /// Per run of the experiment, in the order of `runs`.
    pub diagnoses: Vec<Diagnosis>,
    /// Per weak step, per run of it.
    pub weak_diagnoses: Vec<Vec<Diagnosis>>,
    /// Amdahl and the USL per series of thread counts.
    pub fits: Vec<FitRecord>,
    /// Gustafson per weak series.
    pub gustafson: Vec<weak::Gustafson>,
    /// What-if models per series, with their predicted curves.
    pub what_if: Vec<whatif::WhatIf>,
    /// What the machine did to the runs (its CPU set, quota, SMT, core types, governor).
    pub machine: Vec<machine::Note>,
    /// The what-if models checked against the other measured runs.
    pub what_if_check: Vec<whatif::Check>,
}

impl Analysis {
    /// The analysis of `exp`.
    pub fn of(exp: &Experiment) -> Self {
        // Oversubscription is judged against the CPUs this process could use.
        let cores = exp.machine.allowed_cpus().min(exp.machine.logical_cores);
        let base = exp.baseline_median_s();
        let mut diagnoses: Vec<Diagnosis> = diagnosis::diagnose_runs(&exp.runs, base, cores);
        for (i, d) in twins(&exp.runs) {
            diagnoses[i] = d;
        }
        let mut weak_diagnoses: Vec<Vec<Diagnosis>> = exp
            .weak
            .iter()
            .flat_map(|w| &w.steps)
            .map(|step| {
                let base = step.baseline.as_ref().map_or(0.0, |b| b.median_s);
                diagnosis::diagnose_runs(&step.runs, base, cores)
            })
            .collect();
        memory(exp, &mut diagnoses, &mut weak_diagnoses);
        let fits = fits(exp);
        let gustafson = weak::fits(exp);
        let what_if = whatif::series_runs(exp).into_iter().filter_map(|r| whatif::what_if(exp, r)).collect();
        let what_if_check = whatif::check(exp);
        Analysis { diagnoses, weak_diagnoses, fits, gustafson, what_if, what_if_check, machine: machine::notes(exp) }
    }

    /// The fits of the series `run` belongs to.
    pub fn fit_of(
        &self,
        feeder: FeederKind,
        chunk: ChunkSize,
        gil: bool,
        variant: Option<crate::workloads::Variant>,
    ) -> Option<&FitRecord> {
        self.fits.iter().find(|f| (f.feeder, f.chunk_size, f.gil, f.variant) == (feeder, chunk, gil, variant))
    }

    /// `exp` as JSON with this analysis added under schema 2's names
    /// (`fits`, `what_if`, `what_if_check`, each run's `diagnosis`, the weak
    /// half's `fits`), for `--fit` and exports. Readers of this build ignore
    /// them and compute their own.
    pub fn annotate(&self, exp: &Experiment) -> serde_json::Value {
        let mut v = serde_json::to_value(exp).unwrap_or(serde_json::Value::Null);
        let put = |v: &mut serde_json::Value, key: &str, x: serde_json::Value| {
            if let Some(map) = v.as_object_mut() {
                map.insert(key.to_string(), x);
            }
        };
        put(&mut v, "fits", serde_json::to_value(&self.fits).unwrap_or_default());
        put(&mut v, "what_if", serde_json::to_value(&self.what_if).unwrap_or_default());
        put(&mut v, "what_if_check", serde_json::to_value(&self.what_if_check).unwrap_or_default());
        if let Some(runs) = v.get_mut("runs").and_then(serde_json::Value::as_array_mut) {
            for (r, d) in runs.iter_mut().zip(&self.diagnoses) {
                put(r, "diagnosis", serde_json::to_value(d).unwrap_or_default());
            }
        }
        if let Some(weak) = v.get_mut("weak").filter(|w| w.is_object()) {
            put(weak, "fits", serde_json::to_value(&self.gustafson).unwrap_or_default());
            if let Some(steps) = weak.get_mut("steps").and_then(serde_json::Value::as_array_mut) {
                for (step, ds) in steps.iter_mut().zip(&self.weak_diagnoses) {
                    if let Some(runs) = step.get_mut("runs").and_then(serde_json::Value::as_array_mut) {
                        for (r, d) in runs.iter_mut().zip(ds) {
                            put(r, "diagnosis", serde_json::to_value(d).unwrap_or_default());
                        }
                    }
                }
            }
        }
        v
    }

    /// [`Self::annotate`] as pretty JSON text.
    pub fn annotated_json(&self, exp: &Experiment) -> String {
        serde_json::to_string_pretty(&self.annotate(exp)).unwrap_or_else(|_| exp.to_json())
    }
}

/// False sharing and shared state show only next to the twin that does the
/// same work the better way: (run index, its diagnosis against the twin).
fn twins(runs: &[RunRecord]) -> Vec<(usize, Diagnosis)> {
    use crate::workloads::Variant;
    const TWINS: [(Variant, Variant); 2] = [(Variant::Packed, Variant::Padded), (Variant::LockedMap, Variant::LocalMerge)];
    runs.iter()
        .enumerate()
        .filter_map(|(i, run)| {
            let better = TWINS.iter().find(|(worse, _)| run.variant == Some(*worse))?.1;
            let twin = runs.iter().find(|r| {
                r.variant == Some(better)
                    && (r.feeder, r.threads, r.chunk_size, r.gil) == (run.feeder, run.threads, run.chunk_size, run.gil)
            })?;
            Some((i, diagnosis::against_twin(run, twin)?))
        })
        .collect()
}

/// A workload that reads memory: every run (grown sizes too) against the
/// machine's probe, named memory-bound where it is, its GB/s in the evidence.
fn memory(exp: &Experiment, diagnoses: &mut [Diagnosis], weak: &mut [Vec<Diagnosis>]) {
    let Some(probe) = &exp.bandwidth else { return };
    let workload = exp.workload.name.workload();
    let judge = |r: &RunRecord, d: &mut Diagnosis, bytes: u64| match diagnosis::against_memory(r, bytes, probe) {
        Some(m) => *d = m,
        None => {
            let note = diagnosis::memory_note(r, bytes, probe);
            d.evidence.push_str(&format!("; {note}"));
        }
    };
    if let Some(bytes) = workload.bytes_read(&exp.workload) {
        exp.runs.iter().zip(diagnoses.iter_mut()).for_each(|(r, d)| judge(r, d, bytes));
    }
    for (step, ds) in exp.weak.iter().flat_map(|w| &w.steps).zip(weak.iter_mut()) {
        if let Some(bytes) = workload.bytes_read(&crate::experiment::weak::grown(&exp.workload, step.threads)) {
            step.runs.iter().zip(ds.iter_mut()).for_each(|(r, d)| judge(r, d, bytes));
        }
    }
}

/// The fits and diagnoses as text, for the CLI.
pub fn describe(file: &Experiment, analysis: &Analysis) -> String {
    let mut out = String::new();
    if !analysis.fits.is_empty() {
        out.push_str("\nFitted scaling models (speedup vs threads):\n");
        let cores = file.machine.logical_cores;
        if file.runs.iter().any(|r| r.threads > cores) {
            out.push_str(&format!(
                "  (thread counts above this machine's {cores} logical cores are included: there the fit models the core limit, so its extrapolation is pessimistic)\n"
            ));
        }
        for f in &analysis.fits {
            out.push_str(&format!(
                "  {} (threads {:?}):\n    Amdahl: parallel fraction f = {:.4}, ceiling {} (rmse {:.3}; {})\n",
                series_name(file, f),
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
    if !analysis.what_if.is_empty() {
        out.push_str(&whatif::describe(analysis));
    }
    if let Some(why) = whatif::black_box(file) {
        out.push_str(&format!("\nWhat if: {why}\n"));
    }
    out.push_str(&weak::describe(file, analysis));
    if !analysis.machine.is_empty() {
        out.push_str("\nThe machine:\n");
        for n in &analysis.machine {
            out.push_str(&format!("  {}\n      evidence: {}\n", n.headline, n.evidence));
        }
    }
    out.push_str("\nWhy not ideal?\n");
    for (r, d) in file.runs.iter().zip(&analysis.diagnoses) {
        let name = file.run_name(r);
        out.push_str(&format!("  {name}: {}\n      evidence: {}\n      try: {}\n", d.headline, d.evidence, d.suggestion));
    }
    out
}
