//! The headless command line: raw flags are turned into a checked
//! [`SweepPlan`] before any work starts, then the library runs it as one
//! experiment, saved to the experiments library (and `--json`) after every
//! measurement.

pub mod args;
mod console;
mod signals;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::Parser;
use indicatif::{ProgressBar, ProgressStyle};

use crate::engine::{ChunkSize, Config, FeederKind, Hooks, Threads};
use crate::experiment::outputs::{self, Output, OutputKind};
use crate::experiment::{Experiment, Library, Status, StopCause, write_atomically};
use crate::export::{csv, extrap, table};
use crate::metrics::budget::MemoryBudget;
use crate::metrics::{SweepEvent, SweepPlan, run_sweep};
use crate::workloads::{Variant, WorkloadKind, WorkloadSpec};
pub use args::{Cli, Command};
use args::{ExportArgs, ImportArgs, OutputArgs, RunArgs, SweepArgs, WorkloadArgs};
use console::say;
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
    let kind: WorkloadKind = a.workload.parse().map_err(|e| usage(format!("{e}")))?;
    let mut spec = WorkloadSpec::new(kind);
    let given = [
        ("n", a.n),
        ("sleep_us", a.sleep_us),
        ("spin", a.spin),
        ("width", a.width),
        ("max_iter", a.max_iter),
        ("vocabulary", a.vocabulary),
        ("k", a.k),
        ("adds", a.adds),
        ("keys", a.keys),
        ("serial", a.serial),
        ("passes", a.passes),
    ];
    for (name, value) in given {
        if let Some(v) = value {
            let flag = format!("--{}", name.replace('_', "-"));
            let Some(p) = kind.info().params.iter().find(|p| p.name == name) else {
                return Err(usage(format!("workload '{kind}' has no parameter {flag}")));
            };
            if v < p.min || v > p.max {
                return Err(usage(format!("{flag} {v}: out of bounds for {kind} (allowed {}..={})", p.min, p.max)));
            }
            spec.params.set(name, v);
        }
    }
    spec.file = a.file.clone();
    spec.max_line = a.max_line;
    if spec.max_line.is_some() && spec.file.is_none() {
        return Err(usage("--max-line applies to a --file only"));
    }
    if let [one] = variants(a, &spec)?[..] {
        spec.variant = Some(one);
    }
    spec.validate().map_err(|e| usage(e.to_string()))?;
    Ok(spec)
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
fn default_threads() -> Vec<Threads> {
    let cores = num_cpus::get().clamp(1, crate::engine::MAX_THREADS);
    let mut v = vec![1];
    while *v.last().unwrap_or(&1) * 2 <= cores {
        v.push(v.last().unwrap_or(&1) * 2);
    }
    if v.last() != Some(&cores) {
        v.push(cores);
    }
    v.into_iter().filter_map(|t| Threads::new(t).ok()).collect()
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

/// Saves an experiment after every measurement: to the library and to
/// `--json`, each atomically. A destination that fails is reported once and
/// the run goes on (the other keeps the data).
struct Saver {
    targets: Vec<(PathBuf, Option<String>)>,
}

impl Saver {
    fn new(targets: Vec<PathBuf>) -> Self {
        Saver { targets: targets.into_iter().map(|p| (p, None)).collect() }
    }

    fn save(&mut self, exp: &Experiment) {
        let json = exp.to_json();
        for (path, failed) in &mut self.targets {
            match write_atomically(path, json.as_bytes()) {
                Ok(()) => *failed = None,
                Err(e) => {
                    if failed.is_none() {
                        eprintln!("warning: {e}; measuring goes on");
                    }
                    *failed = Some(e.to_string());
                }
            }
        }
    }

    /// Whether the last save to `path` succeeded.
    fn saved(&self, path: &Path) -> bool {
        self.targets.iter().any(|(p, failed)| p == path && failed.is_none())
    }

    /// The destinations whose last save failed, with why.
    fn failures(&self) -> Vec<&str> {
        self.targets.iter().filter_map(|(_, f)| f.as_deref()).collect()
    }
}

/// The `--json` / `--csv` outputs asked for.
fn output_targets(json: Option<&PathBuf>, csv: Option<&PathBuf>) -> Vec<Output> {
    let mut v = Vec::new();
    if let Some(p) = json {
        v.push(Output { flag: "--json", path: p.clone(), kind: OutputKind::Json });
    }
    if let Some(p) = csv {
        v.push(Output { flag: "--csv", path: p.clone(), kind: OutputKind::Csv });
    }
    v
}

/// One experiment, from checks to the final save. Every refusal happens
/// before anything is measured (exit 2).
fn execute(plan: &SweepPlan, out: &OutputArgs) -> Result<i32> {
    let targets = output_targets(out.json.as_ref(), out.csv.as_ref());
    let inputs: Vec<&Path> = plan.workload.file.iter().map(PathBuf::as_path).collect();
    outputs::check(&targets, &inputs, out.force).map_err(|e| usage(e.to_string()))?;
    let budget = out.memory_budget.unwrap_or_else(MemoryBudget::default_for_machine);
    plan.check_memory(budget).map_err(|e| usage(e.to_string()))?;
    plan.check_time(out.yes).map_err(|e| usage(e.to_string()))?;
    let library = Library::default_location().map_err(|e| usage(e.to_string()))?;
    std::fs::create_dir_all(library.dir())
        .map_err(|e| usage(format!("cannot create the experiments library {}: {e}", library.dir().display())))?;
    let stop = signals::StopOnSignal::install().map_err(|e| anyhow::anyhow!("cannot install the signal handlers: {e}"))?;
    // A text that cannot be read twice is read now, before anything is timed.
    let plan = SweepPlan { workload: plan.workload.prepare().map_err(|e| usage(e.to_string()))?, ..plan.clone() };

    let exp = Experiment::start(&plan, out.name.clone());
    let lib_path = library.path_of(&exp.id);
    let mut saver = Saver::new(std::iter::once(lib_path.clone()).chain(out.json.clone()).collect());
    saver.save(&exp);
    say!("machine:    {}", exp.machine.describe());
    say!("workload:   {}", exp.workload_line());
    if !plan.workload.name.design().takes_feeder() {
        say!("            (runs its own design, named by the variant; --feeder does not apply)");
    }
    say!("experiment: {} ({})", exp.id, lib_path.display());
    let bar = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(plan.total_runs() as u64);
        bar.set_style(ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}").unwrap_or_else(|_| ProgressStyle::default_bar()));
        bar
    } else {
        ProgressBar::hidden()
    };
    let hooks = Hooks { cancel: Some(stop.token()), ..Hooks::none() };
    let mut exp = run_sweep(
        &plan,
        exp,
        &hooks,
        |SweepEvent::Starting { done, label, .. }| {
            bar.set_position(done as u64);
            bar.set_message(label);
        },
        |x| saver.save(x),
    )
    .map_err(|e| usage(e.to_string()))?;
    bar.finish_and_clear();
    if let (Status::Stopped { by, .. }, Some(name)) = (&mut exp.status, stop.caught()) {
        *by = StopCause::Signal { name: name.into() };
    }
    if out.fit && exp.baseline.is_some() {
        crate::metrics::analysis::analyse(&mut exp);
    }
    saver.save(&exp);
    let csv_failed = out.csv.as_ref().and_then(|p| write_atomically(p, csv::to_csv(&exp).as_bytes()).err());

    say!("");
    say!("{}", table::to_table(&exp).trim_end());
    if out.fit {
        say!("{}", crate::metrics::analysis::describe(&exp).trim_end());
    }
    for path in [Some(&lib_path), out.json.as_ref()].into_iter().flatten().filter(|p| saver.saved(p)) {
        say!("wrote {}", path.display());
    }
    if let (Some(path), None) = (&out.csv, &csv_failed) {
        say!("wrote {}", path.display());
    }
    say!("{}: {}", exp.id, exp.status.describe());
    let mut code = 0;
    for failure in saver.failures().into_iter().map(str::to_string).chain(csv_failed.map(|e| e.to_string())) {
        eprintln!("error: {failure}");
        code = EXIT_FAILED;
    }
    match &exp.status {
        Status::Stopped { by: StopCause::Signal { name }, .. } => {
            eprintln!("stopped by {name}: {} kept in {}", exp.id, lib_path.display());
            return Ok(EXIT_SIGNAL);
        }
        Status::Stopped { by: StopCause::Error { message }, .. } => {
            eprintln!("error: {message}");
            if exp.baseline.is_some() {
                eprintln!("(the measurements finished before it are kept in {})", lib_path.display());
            }
            return Ok(EXIT_FAILED);
        }
        _ => {}
    }
    if !exp.all_verified() {
        eprintln!("error: some runs did not reproduce the sequential result (marked NO above)");
        return Ok(EXIT_FAILED);
    }
    Ok(code)
}

/// `scalescope list`.
fn list() -> Result<i32> {
    let library = Library::default_location().map_err(|e| usage(e.to_string()))?;
    let entries = library.list();
    if entries.is_empty() {
        say!("No experiments yet in {}.", library.dir().display());
        return Ok(0);
    }
    say!("{:<26} {:<11} {:<20} {:<12} {:<44} name", "id", "status", "created", "machine", "workload");
    for e in &entries {
        match &e.experiment {
            Ok(x) => say!(
                "{:<26} {:<11} {:<20} {:<12} {:<44} {}",
                x.id,
                x.status.word(),
                x.created.replace('T', " ").trim_end_matches('Z'),
                format!("{} cores", x.machine.logical_cores),
                x.workload_line(),
                x.name
            ),
            Err(err) => say!("{:<26} unreadable: {err}", e.path.file_stem().map(|s| s.to_string_lossy()).unwrap_or_default()),
        }
    }
    say!("{} experiments in {}", entries.len(), library.dir().display());
    Ok(0)
}

/// `scalescope export ID --json F --csv G --extrap H`.
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
    let exp = library.find(&a.id).map_err(usage)?;
    if let Some(p) = &a.json {
        exp.save(p)?;
        say!("wrote {}", p.display());
    }
    if let Some(p) = &a.csv {
        write_atomically(p, csv::to_csv(&exp).as_bytes())?;
        say!("wrote {}", p.display());
    }
    if let Some(p) = &a.extrap {
        let out = extrap::to_extrap(&exp).map_err(|e| usage(format!("--extrap {}: {e}", p.display())))?;
        write_atomically(p, out.text.as_bytes())?;
        say!("wrote {} (Extra-P text: {})", p.display(), out.summary());
    }
    Ok(0)
}

/// `scalescope import FILE...`.
fn import(a: &ImportArgs) -> Result<i32> {
    let library = Library::default_location().map_err(|e| usage(e.to_string()))?;
    let mut code = 0;
    for f in &a.files {
        match library.import(f) {
            Ok(x) => say!("imported {} as {} ({}, {})", f.display(), x.id, x.workload_line(), x.machine.describe()),
            Err(e) => {
                eprintln!("error: {e}");
                code = EXIT_USAGE;
            }
        }
    }
    Ok(code)
}

fn list_workloads() {
    say!("Workloads:");
    for k in WorkloadKind::ALL {
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
    };
    match result {
        Ok(code) => code,
        Err(e) if e.is::<UsageError>() => {
            eprintln!("error: {e}");
            EXIT_USAGE
        }
        Err(e) => {
            eprintln!("error: {e:#}");
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
                    eprintln!("{first} (see 'scalescope --help')");
                    Err(EXIT_USAGE)
                }
            }
        }
    }
}
