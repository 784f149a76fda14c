//! The headless command line: raw flags are turned into a checked
//! [`SweepPlan`] before any work starts, then the library runs it as one
//! experiment, saved to the experiments library (and `--json`) after every
//! measurement.

pub mod args;
mod console;
mod execute;
mod signals;

use anyhow::Result;
use clap::Parser;

use crate::analysis::Analysis;
use crate::engine::{ChunkSize, Config, FeederKind, Threads};
use crate::experiment::{Library, SweepPlan, write_atomically};
use crate::export::outputs::{self, Output, OutputKind};
use crate::export::{csv, extrap};
use crate::untrusted::{escape, escape_path};
use crate::workloads::{Variant, WorkloadKind, WorkloadSpec};
pub use args::{Cli, Command};
use args::{ExportArgs, ImportArgs, ReportArgs, RunArgs, SweepArgs, WorkloadArgs};
use console::{say, tell};
use execute::{execute, output_targets};
pub use signals::EXIT_SIGNAL;

/// Exit code for bad flags or input.
pub const EXIT_USAGE: i32 = 2;
/// Exit code for a run that failed or was not verified.
pub const EXIT_FAILED: i32 = 1;

/// A usage error: reported as one line, exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

fn usage(msg: impl Into<String>) -> anyhow::Error {
    UsageError(msg.into()).into()
}

/// Turns the workload flags into a checked [`WorkloadSpec`].
///
/// # Errors
/// An unknown workload, a parameter it does not take or out of bounds, an unreadable file.
pub fn workload_spec(a: &WorkloadArgs) -> Result<WorkloadSpec> {
    let command = command_spec(&a.program)?;
    let kind: WorkloadKind =
        if command.is_some() { WorkloadKind::Command } else { a.workload.parse().map_err(|e| usage(format!("{e}")))? };
    if !kind.design().runs_here() {
        return Err(usage(format!(
            "workload '{kind}' cannot run from the command line: it is your own Rust code, measured inside your program by scalescope::measure::Scaling (see examples/own_code.rs); its experiments show in 'scalescope list' and the app"
        )));
    }
    let mut spec = WorkloadSpec::new(kind);
    for &(name, v) in &a.params.0 {
        let flag = format!("--{}", name.replace('_', "-"));
        let Some(p) = kind.info().params.iter().find(|p| p.name == name) else {
            return Err(usage(format!("workload '{kind}' has no parameter {flag}")));
        };
        if v < p.min || v > p.max {
            return Err(usage(format!("{flag} {v}: out of bounds for {kind} (allowed {}..={})", p.min, p.max)));
        }
        spec.params.set(name, v);
    }
    spec.file = a.file.clone();
    spec.max_line = a.max_line;
    spec.command = command;
    if spec.max_line.is_some() && spec.file.is_none() {
        return Err(usage("--max-line applies to a --file only"));
    }
    if let [one] = variants(a, &spec)?[..] {
        spec.variant = Some(one);
    }
    spec.validate().map_err(|e| usage(e.to_string()))?;
    Ok(spec)
}

/// The `command` workload's spec from `--cmd` and its flags; `None` without `--cmd`.
fn command_spec(a: &args::CommandArgs) -> Result<Option<crate::program::CommandSpec>> {
    let Some(cmd) = &a.cmd else {
        let stray = !a.env.is_empty() || a.shell || a.prepare.is_some() || a.cleanup.is_some() || a.reference.is_some();
        if stray || a.workdir.is_some() || a.timeout.is_some() || a.check_output {
            return Err(usage("--env, --shell, --prepare, --cleanup, --workdir, --timeout, --reference and --check-output go with --cmd"));
        }
        return Ok(None);
    };
    let env = a.env.iter().map(|e| e.parse()).collect::<Result<Vec<_>, _>>().map_err(|e| usage(format!("{e}")))?;
    let spec = crate::program::CommandSpec {
        command: cmd.clone(),
        env,
        shell: a.shell,
        prepare: a.prepare.clone(),
        cleanup: a.cleanup.clone(),
        workdir: a.workdir.clone(),
        timeout_s: a.timeout,
        reference: a.reference.clone(),
        check_output: a.check_output,
    };
    spec.check().map_err(|e| usage(e.to_string()))?;
    Ok(Some(spec))
}

/// The `--variant` list, `all` expanded, each checked against the workload.
fn variants(a: &WorkloadArgs, spec: &WorkloadSpec) -> Result<Vec<Variant>> {
    let design = spec.name.design();
    let mut out = Vec::new();
    for v in a.variant.iter().map(|v| v.trim()).filter(|v| !v.is_empty()) {
        if v == "all" {
            out.extend(design.variants());
            continue;
        }
        let unknown = || {
            let names: Vec<&str> = design.variants().iter().map(|x| x.name()).collect();
            let allowed = if names.is_empty() { "none: it runs one way".to_string() } else { names.join(", ") + " or all" };
            usage(format!("--variant {v}: workload '{}' has no such variant (variants: {allowed})", spec.name))
        };
        let parsed: Variant = v.parse().map_err(|_| unknown())?;
        if parsed.design() != design {
            return Err(unknown());
        }
        out.push(parsed);
    }
    Ok(out)
}

/// A comma-separated flag's values, each parsed; an empty list is refused
/// with `nouns` ("thread counts").
fn parse_list<T, E: std::fmt::Display>(items: &[String], flag: &str, nouns: &str, parse: impl Fn(&str) -> Result<T, E>) -> Result<Vec<T>> {
    let out: Vec<T> = items
        .iter()
        .filter(|s| !s.trim().is_empty())
        .map(|s| parse(s.trim()).map_err(|e| usage(format!("{flag} '{s}': {e}"))))
        .collect::<Result<_>>()?;
    if out.is_empty() {
        return Err(usage(format!("{flag}: an empty list of {nouns}")));
    }
    Ok(out)
}

/// 1, 2, 4, ... up to the logical core count, and that count.
/// The machine's thread ladder ([`crate::machine::MachineInfo::ladder`]).
fn default_threads() -> Vec<Threads> {
    crate::machine::MachineInfo::detect().ladder().into_iter().filter_map(|t| Threads::new(t).ok()).collect()
}

/// `scalescope machine`: every fact, one a line, escaped.
fn machine() -> i32 {
    for (what, fact) in crate::machine::MachineInfo::detect().details() {
        say!("{:<22} {}", format!("{what}:"), escape(&fact));
    }
    0
}

/// The checked plan of `scalescope run`.
///
/// # Errors
/// Any bad flag, as a [`UsageError`].
pub fn run_plan(a: &RunArgs) -> Result<SweepPlan> {
    let threads = vec![a.threads.unwrap_or(Config::default().threads)];
    let plan = SweepPlan {
        workload: workload_spec(&a.workload)?,
        feeders: parse_list(std::slice::from_ref(&a.feeder), "--feeder", "feeders", str::parse::<FeederKind>)?,
        threads,
        chunks: parse_list(std::slice::from_ref(&a.chunk), "--chunk", "chunk sizes", str::parse::<ChunkSize>)?,
        gil: vec![a.workload.gil],
        reps: a.output.reps,
        warmup: a.output.warmup,
        spans: a.output.spans,
        variants: vec![],
        weak: false,
    };
    if a.workload.variant.len() > 1 || a.workload.variant.iter().any(|v| v == "all") {
        return Err(usage("run takes one --variant; use sweep to compare several"));
    }
    check(plan)
}

/// The checked plan of `scalescope sweep`.
///
/// # Errors
/// Any bad flag, as a [`UsageError`].
pub fn sweep_plan(a: &SweepArgs) -> Result<SweepPlan> {
    let threads =
        if a.threads.is_empty() { default_threads() } else { parse_list(&a.threads, "--threads", "thread counts", str::parse::<Threads>)? };
    let workload = workload_spec(&a.workload)?;
    let variants = variants(&a.workload, &workload)?;
    let plan = SweepPlan {
        variants: if variants.len() > 1 { variants } else { vec![] },
        workload,
        feeders: parse_list(&a.feeder, "--feeder", "feeders", str::parse::<FeederKind>)?,
        threads,
        chunks: parse_list(&a.chunk, "--chunk", "chunk sizes", str::parse::<ChunkSize>)?,
        gil: if a.both_gil { vec![false, true] } else { vec![a.workload.gil] },
        reps: a.output.reps,
        warmup: a.output.warmup,
        spans: a.output.spans,
        weak: a.weak,
    };
    check(plan)
}

fn check(plan: SweepPlan) -> Result<SweepPlan> {
    if plan.reps == 0 {
        return Err(usage("--reps must be at least 1"));
    }
    if plan.reps > 1000 || plan.warmup > 100 {
        return Err(usage("--reps is at most 1000 and --warmup at most 100"));
    }
    plan.validate().map_err(|e| usage(e.to_string()))?;
    Ok(plan)
}

/// `scalescope list`: one line per file, from its header; the fields from
/// the files escaped.
fn list() -> Result<i32> {
    let library = Library::default_location().map_err(|e| usage(e.to_string()))?;
    if library.dir().exists() && !library.dir().is_dir() {
        return Err(anyhow::anyhow!("the experiments library {} is not a directory", escape_path(library.dir())));
    }
    let entries = library.headers()?;
    if entries.is_empty() {
        say!("No experiments yet in {}.", escape_path(library.dir()));
        return Ok(0);
    }
    say!("{:<26} {:<11} {:<20} {:<12} {:<44} name", "id", "status", "created", "machine", "workload");
    let mut unreadable = 0;
    for e in &entries {
        match &e.header {
            Ok(x) => say!(
                "{:<26} {:<11} {:<20} {:<12} {:<44} {}",
                x.id,
                x.status.word(),
                escape(x.created.replace('T', " ").trim_end_matches('Z')),
                format!("{} cores", x.machine.logical_cores),
                escape(&crate::experiment::workload_line(&x.workload)),
                escape(&x.name)
            ),
            Err(err) => {
                unreadable += 1;
                let name = e.path.file_name().map_or_else(String::new, |s| s.to_string_lossy().into_owned());
                say!("{:<26} unreadable: {}", escape(&name), escape(&err.to_string()));
            }
        }
    }
    let bad = if unreadable > 0 { format!(" ({unreadable} unreadable)") } else { String::new() };
    say!("{} files{bad} in {}", entries.len(), escape_path(library.dir()));
    Ok(0)
}

/// `scalescope export ID --json F --csv G --extrap H`: `ID` is an id in the
/// library (or the start of one), never a path.
fn export(a: &ExportArgs) -> Result<i32> {
    let mut targets = output_targets(a.json.as_ref(), a.csv.as_ref());
    if let Some(p) = &a.extrap {
        targets.push(Output { flag: "--extrap", path: p.clone(), kind: OutputKind::Extrap });
    }
    if targets.is_empty() {
        return Err(usage("export needs --json FILE, --csv FILE or --extrap FILE"));
    }
    outputs::check(&targets, &[], a.force).map_err(|e| usage(e.to_string()))?;
    let library = Library::default_location().map_err(|e| usage(e.to_string()))?;
    let (_, exp) = library.find(&a.id).map_err(usage)?;
    if let Some(p) = &a.json {
        // With the analysis computed now, under schema 2's names.
        write_atomically(p, Analysis::of(&exp).annotated_json(&exp).as_bytes())?;
        say!("wrote {}", escape_path(p));
    }
    if let Some(p) = &a.csv {
        write_atomically(p, csv::to_csv(&exp).as_bytes())?;
        say!("wrote {}", escape_path(p));
    }
    if let Some(p) = &a.extrap {
        let out = extrap::to_extrap(&exp).map_err(|e| usage(format!("--extrap {}: {e}", escape_path(p))))?;
        write_atomically(p, out.text.as_bytes())?;
        say!("wrote {} (Extra-P text: {})", escape_path(p), out.summary());
    }
    Ok(0)
}

/// `scalescope report ID... --html F --markdown G`: each `ID` an id in the
/// library (or the start of one), never a path; each experiment shown on
/// its own; the reports written atomically.
fn report(a: &ReportArgs) -> Result<i32> {
    use crate::export::report::{self, ReportKind};
    let mut targets: Vec<(Output, ReportKind)> = Vec::new();
    if let Some(p) = &a.html {
        targets.push((Output { flag: "--html", path: p.clone(), kind: OutputKind::Json }, ReportKind::Html));
    }
    if let Some(p) = &a.markdown {
        targets.push((Output { flag: "--markdown", path: p.clone(), kind: OutputKind::Json }, ReportKind::Markdown));
    }
    if targets.is_empty() {
        return Err(usage("report needs --html FILE or --markdown FILE (or both)"));
    }
    // The shared checks (a regular, writable file in an existing directory,
    // no two outputs the same file) with `force`: whether an existing file
    // may be written over is decided by the report's own test just below.
    let outs: Vec<Output> = targets.iter().map(|(o, _)| o.clone()).collect();
    outputs::check(&outs, &[], true).map_err(|e| usage(e.to_string()))?;
    for (o, kind) in &targets {
        if !a.force && o.path.exists() && !kind.is_report(&o.path) {
            return Err(usage(format!(
                "{} {}: exists and is not a scalescope report; it would be destroyed (pass --force to overwrite it)",
                o.flag,
                escape_path(&o.path)
            )));
        }
    }
    let library = Library::default_location().map_err(|e| usage(e.to_string()))?;
    let mut found: Vec<crate::experiment::Experiment> = Vec::new();
    for id in &a.ids {
        crate::experiment::ExperimentId::parse(id).map_err(|e| usage(format!("'{}': {e}", escape(id))))?;
        let (_, exp) = library.find(id).map_err(usage)?;
        if found.iter().any(|e| e.id == exp.id) {
            return Err(usage(format!("{} is named twice: each experiment is shown once", exp.id)));
        }
        found.push(exp);
    }
    let experiments: Vec<&crate::experiment::Experiment> = found.iter().collect();
    let what = crate::units::count_of(experiments.len(), "experiment");
    for (o, kind) in &targets {
        let text = match kind {
            ReportKind::Html => report::html(&experiments),
            ReportKind::Markdown => report::markdown(&experiments),
        };
        write_atomically(&o.path, text.as_bytes())?;
        say!("wrote {} ({what}, {} bytes)", escape_path(&o.path), text.len());
    }
    Ok(0)
}

/// `scalescope import FILE...`: each file read only if it is a regular file
/// of a bounded size, kept under a valid, free id. A hyperfine export (or
/// any file, with `--param`) is read as a scan of thread counts; its
/// command is shown, escaped, and never run.
fn import(a: &ImportArgs) -> Result<i32> {
    let library = Library::default_location().map_err(|e| usage(e.to_string()))?;
    library.ensure_writable().map_err(|e| usage(format!("the experiments library cannot be written: {e}")))?;
    let mut code = 0;
    for f in &a.files {
        let scan = a.param.is_some() || crate::experiment::hyperfine::sniff(f);
        let done = if scan {
            import_scan(&library, f, a.param.as_deref())
        } else {
            library.import(f).map(|i| (i, None)).map_err(|e| e.to_string())
        };
        match done {
            Ok((i, scan)) => {
                let x = &i.experiment;
                let what = match &scan {
                    Some(_) => format!(
                        "hyperfine scan of {}, threads {}, {} runs each",
                        escape(&x.workload_line()),
                        x.runs.iter().map(|r| r.threads.to_string()).collect::<Vec<_>>().join(","),
                        x.asked.reps
                    ),
                    None => format!("{}, {}", escape(&x.workload_line()), escape(&x.machine.describe())),
                };
                if i.already {
                    say!("{} is already in the library as {} ({what})", escape_path(f), x.id);
                } else {
                    say!("imported {} as {} ({what})", escape_path(f), x.id);
                }
                let (notes, warnings) = scan.unwrap_or_default();
                for note in i.note.iter().chain(&notes) {
                    say!("  note: {}", escape(note));
                }
                for w in &warnings {
                    tell!("warning: {}", escape(w));
                }
            }
            Err(e) => {
                tell!("error: {}", escape(&e));
                code = EXIT_USAGE;
            }
        }
    }
    Ok(code)
}

/// What a scan's import said besides the experiment: its notes and warnings.
type ScanNotes = (Vec<String>, Vec<String>);

/// A hyperfine export into the library.
fn import_scan(
    library: &Library,
    f: &std::path::Path,
    param: Option<&str>,
) -> Result<(crate::experiment::library::Imported, Option<ScanNotes>), String> {
    use crate::experiment::hyperfine::{self, HyperfineError};
    let scan = hyperfine::read(f, param).map_err(|e| match e {
        HyperfineError::Io { .. } => e.to_string(),
        HyperfineError::Invalid(_) => format!("{}: {e}", escape_path(f)),
    })?;
    let i = library.import_built(scan.experiment).map_err(|e| e.to_string())?;
    Ok((i, Some((scan.notes, scan.warnings))))
}

fn list_workloads() {
    say!("Workloads:");
    for k in WorkloadKind::ALL.into_iter().filter(|k| k.design().runs_here()) {
        let info = k.info();
        say!("  {:<11} {}", info.name, info.summary);
        for p in info.params {
            say!("      --{:<11} {} (default {}, {}..={})", p.name.replace('_', "-"), p.help, p.default, p.min, p.max);
        }
        if info.takes_file {
            say!("      --file        a text file to read instead of the generator");
        }
        for (i, v) in info.design.variants().iter().enumerate() {
            let default = if i == 0 { " (default)" } else { "" };
            say!("      --variant {:<11} {}{default}", v.name(), v.help());
        }
        say!("      auto: {}", info.design.auto_means());
    }
    say!("\nFeeders:");
    for f in FeederKind::ALL {
        say!("  {:<11} {}", f.name(), f.explain());
    }
}

/// Runs a parsed headless command; returns the process exit code.
pub fn run_command(command: Command) -> i32 {
    let result = match command {
        Command::Workloads => {
            list_workloads();
            Ok(0)
        }
        Command::Run(a) => run_plan(&a).and_then(|p| execute(&p, &a.output)),
        Command::Sweep(a) => sweep_plan(&a).and_then(|p| execute(&p, &a.output)),
        Command::List => list(),
        Command::Export(a) => export(&a),
        Command::Import(a) => import(&a),
        Command::Machine => Ok(machine()),
        Command::Report(a) => report(&a),
        Command::Crossover(a) => crossover(&a),
    };
    match result {
        Ok(code) => code,
        Err(e) if e.is::<UsageError>() => {
            tell!("error: {e}");
            EXIT_USAGE
        }
        Err(e) => {
            tell!("error: {e:#}");
            EXIT_FAILED
        }
    }
}

/// Parses `std::env::args`. A bad flag is one line on stderr and exit code 2.
///
/// # Errors
/// `Err(code)` when the process should exit now with `code`.
pub fn parse() -> Result<Cli, i32> {
    match Cli::try_parse() {
        Ok(cli) => Ok(cli),
        Err(e) => {
            use clap::error::ErrorKind;
            match e.kind() {
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
                    let _ = e.print();
                    Err(0)
                }
                _ => {
                    let text = e.to_string();
                    let first = text.lines().next().unwrap_or("bad arguments").trim();
                    tell!("{first} (see 'scalescope --help')");
                    Err(EXIT_USAGE)
                }
            }
        }
    }
}

/// `scalescope crossover`: the search, one line per point as it is
/// measured, then the answer.
fn crossover(a: &args::CrossoverArgs) -> Result<i32> {
    use crate::measure::crossover::{self, CrossoverPlan};
    let spec = workload_spec(&a.workload)?;
    if a.min_n == 0 || a.min_n > a.max_n {
        return Err(usage(format!("--min-n {} --max-n {}: give 1 <= min-n <= max-n", a.min_n, a.max_n)));
    }
    let plan = CrossoverPlan { reps: a.reps.clamp(1, 50), min_n: a.min_n, max_n: a.max_n, ..CrossoverPlan::new(spec, a.threads) };
    let stop = signals::StopOnSignal::install().map_err(|e| anyhow::anyhow!("cannot install the signal handlers: {e}"))?;
    let hooks = crate::engine::Hooks { cancel: Some(stop.token()), ..crate::engine::Hooks::none() };
    say!(
        "crossover: {} (n from {} to {}) at {} threads against the plain loop (dispenser, chunks {}; {} repetitions)",
        plan.workload.name,
        crate::units::fmt_count(plan.min_n),
        crate::units::fmt_count(plan.max_n),
        a.threads,
        chunk_list(&plan.chunks),
        plan.reps
    );
    say!("{:>14} {:>12} {:>12} {:>9} {:>8}", "n", "plain loop", "threads", "speedup", "chunk");
    let on_point = |p: &crossover::Point| {
        let wrong = if p.verified { "" } else { "  WRONG result" };
        say!(
            "{:>14} {:>9.3} ms {:>9.3} ms {:>8.2}x {:>8}{wrong}",
            crate::units::fmt_count(p.n),
            p.plain_s * 1e3,
            p.best_s * 1e3,
            p.speedup,
            p.chunk.to_string()
        );
    };
    let found = crossover::find(&plan, &hooks, on_point).map_err(|e| usage(e.to_string()))?;
    say!("{}", found.words());
    Ok(if found.points.iter().all(|p| p.verified) { 0 } else { 1 })
}

/// Chunk sizes, comma-separated.
fn chunk_list(chunks: &[crate::engine::ChunkSize]) -> String {
    chunks.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
}
