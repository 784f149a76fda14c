//! `scalescope run` and `scalescope sweep`: one experiment, from the checks
//! made before anything is measured to the exit code. Every refusal happens
//! before measuring (exit 2).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::Result;
use indicatif::{ProgressBar, ProgressStyle};

use super::args::OutputArgs;
use super::console::{say, tell};
use super::signals::{EXIT_SIGNAL, StopOnSignal};
use super::{EXIT_FAILED, usage};
use crate::analysis::Analysis;
use crate::engine::Hooks;
use crate::experiment::autosave::Autosave;
use crate::experiment::{Experiment, Library, Status, StopCause, SweepPlan, write_atomically};
use crate::export::outputs::{self, Output, OutputKind};
use crate::export::{csv, table};
use crate::measure::budget::MemoryBudget;
use crate::measure::{SweepEvent, run_sweep};
use crate::untrusted::{escape, escape_path};

/// The `--json` / `--csv` outputs asked for.
pub(super) fn output_targets(json: Option<&PathBuf>, csv: Option<&PathBuf>) -> Vec<Output> {
    let mut v = Vec::new();
    if let Some(p) = json {
        v.push(Output { flag: "--json", path: p.clone(), kind: OutputKind::Json });
    }
    if let Some(p) = csv {
        v.push(Output { flag: "--csv", path: p.clone(), kind: OutputKind::Csv });
    }
    v
}

/// One experiment, from checks to the final save; returns the exit code.
pub(super) fn execute(plan: &SweepPlan, out: &OutputArgs) -> Result<i32> {
    let library = check_before_measuring(plan, out)?;
    let stop = StopOnSignal::install().map_err(|e| anyhow::anyhow!("cannot install the signal handlers: {e}"))?;
    let Some(plan) = prepare_input(plan, &stop)? else {
        tell!("stopped while waiting for the input: nothing was measured");
        return Ok(EXIT_SIGNAL);
    };
    // A pipe's text is known only now: its memory is checked again, exactly.
    plan.check_memory(out.memory_budget.unwrap_or_else(MemoryBudget::default_for_machine)).map_err(|e| usage(e.to_string()))?;
    let mut exp = Experiment::start(&plan, out.name.clone());
    let mut saver = Autosave::start(&mut exp, Some(library), out.json.iter().cloned().collect())
        .map_err(|e| usage(format!("the experiments library cannot be written: {e}")))?;
    let lib_path = saver.library_file().map(PathBuf::from).unwrap_or_default();
    announce(&exp, &plan, &lib_path);
    let exp = measure(&plan, exp, &stop, &mut saver)?;
    let (analysis, failed) = write_outputs(&exp, out, &mut saver);
    print_results(&exp, out, analysis.as_ref(), &saver, &lib_path, &failed);
    Ok(exit_code(&exp, &saver, &failed, &lib_path))
}

/// Everything checked before anything is measured: the outputs, the
/// memory and time the plan will take, the library's writability. Removes
/// temporary files a killed run left beside `--json`.
fn check_before_measuring(plan: &SweepPlan, out: &OutputArgs) -> Result<Library> {
    let targets = output_targets(out.json.as_ref(), out.csv.as_ref());
    let inputs: Vec<&Path> = plan.workload.file.iter().map(PathBuf::as_path).collect();
    outputs::check(&targets, &inputs, out.force).map_err(|e| usage(e.to_string()))?;
    let budget = out.memory_budget.unwrap_or_else(MemoryBudget::default_for_machine);
    plan.check_memory(budget).map_err(|e| usage(e.to_string()))?;
    plan.check_time(out.yes).map_err(|e| usage(e.to_string()))?;
    let library = Library::default_location().map_err(|e| usage(e.to_string()))?;
    library.ensure_writable().map_err(|e| {
        usage(format!("the experiments library {} cannot be written, so nothing measured would be kept: {e}", escape_path(library.dir())))
    })?;
    if let Some(json) = &out.json {
        let dir = json.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        crate::experiment::file::remove_stale_temps(dir, json.file_name().and_then(|n| n.to_str()));
    }
    Ok(library)
}

/// The plan with its input read (a text that cannot be read twice is read
/// now, before anything is timed); `None` when a signal stopped the wait.
fn prepare_input(plan: &SweepPlan, stop: &StopOnSignal) -> Result<Option<SweepPlan>> {
    let prepared = plan.workload.prepare_cancellable(&stop.token());
    if stop.caught().is_some() {
        return Ok(None);
    }
    Ok(Some(SweepPlan { workload: prepared.map_err(|e| usage(e.to_string()))?, ..plan.clone() }))
}

/// The lines printed before measuring.
fn announce(exp: &Experiment, plan: &SweepPlan, lib_path: &Path) {
    say!("machine:    {}", escape(&exp.machine.describe()));
    say!("workload:   {}", escape(&exp.workload_line()));
    if plan.workload.command.is_some() {
        say!("            (your program at each thread count; the reference is the command at 1 thread, or --reference)");
    } else if !plan.workload.name.design().takes_feeder() {
        say!("            (runs its own design, named by the variant; --feeder does not apply)");
    }
    say!("experiment: {} ({})", exp.id, escape_path(lib_path));
    let most = plan.threads.iter().map(|t| t.get()).max().unwrap_or(1);
    if let Some(warning) = crate::measure::preflight::crowded(&exp.machine, most) {
        tell!("warning: {}", escape(&warning));
    }
    // The machine as it is before measuring (as pyperf's system check does).
    if let Some(busy) = crate::measure::preflight::outside_load().filter(|&c| c > crate::measure::preflight::BUSY_CORES) {
        tell!("warning: another program is using {busy:.1} of a core: the numbers will be disturbed");
    }
}

/// Runs the sweep with a progress bar on a terminal, saving as it goes;
/// the experiment comes back complete or stopped (by a signal: named).
fn measure(plan: &SweepPlan, exp: Experiment, stop: &StopOnSignal, saver: &mut Autosave) -> Result<Experiment> {
    let bar = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(plan.total_runs() as u64);
        bar.set_style(ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}").unwrap_or_else(|_| ProgressStyle::default_bar()));
        bar
    } else {
        ProgressBar::hidden()
    };
    let hooks = Hooks { cancel: Some(stop.token()), ..Hooks::none() };
    let on_event = |SweepEvent::Starting { done, label, .. }| {
        bar.set_position(done as u64);
        bar.set_message(label);
    };
    let on_measured = |x: &Experiment| {
        if let Some(e) = saver.save(x) {
            tell!("warning: {e}; measuring goes on");
        }
    };
    let mut exp = run_sweep(plan, exp, &hooks, on_event, on_measured).map_err(|e| usage(e.to_string()))?;
    bar.finish_and_clear();
    if let (Status::Stopped { by, .. }, Some(name)) = (&mut exp.status, stop.caught()) {
        *by = StopCause::Signal { name: name.into() };
    }
    Ok(exp)
}

/// The final save, the `--fit` analysis (written with the `--json` copy; the
/// library keeps what was measured) and the CSV; the analysis and the
/// outputs that failed.
fn write_outputs(exp: &Experiment, out: &OutputArgs, saver: &mut Autosave) -> (Option<Analysis>, Vec<String>) {
    saver.flush(exp);
    let analysis = (out.fit && exp.baseline.is_some()).then(|| Analysis::of(exp));
    let mut failed = Vec::new();
    if let (Some(a), Some(path)) = (&analysis, &out.json)
        && saver.saved(path)
        && let Err(e) = write_atomically(path, a.annotated_json(exp).as_bytes())
    {
        failed.push(e.to_string());
    }
    if let Some(p) = &out.csv
        && let Err(e) = write_atomically(p, csv::to_csv(exp).as_bytes())
    {
        failed.push(e.to_string());
    }
    (analysis, failed)
}

/// The table, the notes, the analysis with `--fit`, and what was written.
fn print_results(exp: &Experiment, out: &OutputArgs, analysis: Option<&Analysis>, saver: &Autosave, lib_path: &Path, failed: &[String]) {
    say!("");
    say!("{}", table::to_table(exp).trim_end());
    let cut = exp.runs.iter().filter(|r| r.spans_cut).count();
    if cut > 0 {
        say!(
            "note: the per-worker timeline of {cut} runs was cut to its start, to keep the experiment under {} spans",
            crate::units::fmt_count(crate::measure::sweep::MAX_SPANS_PER_EXPERIMENT as u64)
        );
    }
    if let Some(a) = analysis {
        say!("{}", crate::analysis::describe(exp, a).trim_end());
    }
    for path in [Some(&lib_path.to_path_buf()), out.json.as_ref()].into_iter().flatten().filter(|p| saver.saved(p)) {
        say!("wrote {}", escape_path(path));
    }
    if let Some(path) = &out.csv
        && failed.iter().all(|f| !f.contains(&path.display().to_string()))
    {
        say!("wrote {}", escape_path(path));
    }
    say!("{}: {}", exp.id, escape(&exp.status.describe()));
}

/// 130 for a signal, 1 for a failed run, an unverified one or an output
/// that could not be written, else 0; says why on stderr.
fn exit_code(exp: &Experiment, saver: &Autosave, failed: &[String], lib_path: &Path) -> i32 {
    let failures: Vec<String> = saver.failures().into_iter().map(str::to_string).chain(failed.iter().cloned()).collect();
    for failure in &failures {
        tell!("error: {failure}");
    }
    match &exp.status {
        Status::Stopped { by: StopCause::Signal { name }, .. } => {
            tell!("stopped by {name}: {} kept in {}", exp.id, escape_path(lib_path));
            return EXIT_SIGNAL;
        }
        Status::Stopped { by: StopCause::Error { message }, .. } => {
            // A program's error output is untrusted text: escaped.
            tell!("error: {}", escape(message));
            if exp.baseline.is_some() {
                tell!("(the measurements finished before it are kept in {})", escape_path(lib_path));
            }
            return EXIT_FAILED;
        }
        _ => {}
    }
    if !exp.all_verified() && exp.workload.command.is_some() {
        tell!("error: not the same output as the 1-thread run (marked NO above)");
        return EXIT_FAILED;
    }
    if !exp.all_verified() {
        tell!("error: some runs did not reproduce the sequential result (marked NO above)");
        return EXIT_FAILED;
    }
    if failures.is_empty() { 0 } else { EXIT_FAILED }
}
