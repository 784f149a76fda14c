//! The headless command line: raw flags are turned into a checked
//! [`SweepPlan`] before any work starts, then the library runs it.

pub mod args;

use std::io::IsTerminal;
use std::path::Path;

use anyhow::{Context, Result};
use clap::Parser;
use indicatif::{ProgressBar, ProgressStyle};

use crate::engine::{ChunkSize, FeederKind, Hooks};
use crate::export::{ResultsFile, csv, table};
use crate::machine::MachineInfo;
use crate::metrics::{SweepEvent, SweepPlan, run_sweep};
use crate::workloads::{WorkloadKind, WorkloadSpec};
pub use args::{Cli, Command};
use args::{OutputArgs, RunArgs, SweepArgs, WorkloadArgs};

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
    ];
    for (name, value) in given {
        if let Some(v) = value {
            if !kind.info().params.iter().any(|p| p.name == name) {
                return Err(usage(format!("workload '{kind}' has no parameter --{}", name.replace('_', "-"))));
            }
            spec.params.set(name, v);
        }
    }
    spec.file = a.file.clone();
    if let [one] = &variants(a, &spec)?[..] {
        spec.variant = Some(one.clone());
    }
    spec.validate().map_err(|e| usage(e.to_string()))?;
    Ok(spec)
}

/// The `--variant` list, `all` expanded, each checked against the workload.
fn variants(a: &WorkloadArgs, spec: &WorkloadSpec) -> Result<Vec<String>> {
    let info = spec.name.info();
    let mut out = Vec::new();
    for v in a.variant.iter().map(|v| v.trim()).filter(|v| !v.is_empty()) {
        if v == "all" {
            out.extend(info.variants.iter().map(|x| x.name.to_string()));
        } else {
            spec.clone().with_variant(v).validate().map_err(|e| usage(e.to_string()))?;
            out.push(v.to_string());
        }
    }
    Ok(out)
}

fn parse_list<T, E: std::fmt::Display>(items: &[String], what: &str, parse: impl Fn(&str) -> Result<T, E>) -> Result<Vec<T>> {
    items.iter().filter(|s| !s.trim().is_empty()).map(|s| parse(s.trim()).map_err(|e| usage(format!("{what} '{s}': {e}")))).collect()
}

fn parse_threads(s: &str) -> Result<usize, String> {
    let t: usize = s.parse().map_err(|_| "not a whole number".to_string())?;
    if t == 0 {
        return Err("thread count must be at least 1".into());
    }
    Ok(t)
}

fn default_threads() -> Vec<usize> {
    let cores = num_cpus::get().max(1);
    let mut v = vec![1];
    while *v.last().unwrap_or(&1) * 2 <= cores {
        v.push(v.last().unwrap_or(&1) * 2);
    }
    if v.last() != Some(&cores) {
        v.push(cores);
    }
    v
}

/// The checked plan of `scalescope run`.
///
/// # Errors
/// Any bad flag, as a [`UsageError`].
pub fn run_plan(a: &RunArgs) -> Result<SweepPlan> {
    let threads = match a.threads {
        Some(0) => return Err(usage("--threads 0: thread count must be at least 1")),
        Some(t) => vec![t],
        None => vec![num_cpus::get().max(1)],
    };
    let plan = SweepPlan {
        workload: workload_spec(&a.workload)?,
        feeders: parse_list(std::slice::from_ref(&a.feeder), "--feeder", str::parse::<FeederKind>)?,
        threads,
        chunks: parse_list(std::slice::from_ref(&a.chunk), "--chunk", str::parse::<ChunkSize>)?,
        gil: vec![a.workload.gil],
        reps: a.output.reps,
        warmup: a.output.warmup,
        spans: a.output.spans,
        variants: vec![],
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
    let threads = if a.threads.is_empty() { default_threads() } else { parse_list(&a.threads, "--threads", parse_threads)? };
    let workload = workload_spec(&a.workload)?;
    let variants = variants(&a.workload, &workload)?;
    let plan = SweepPlan {
        variants: if variants.len() > 1 { variants } else { vec![] },
        workload,
        feeders: parse_list(&a.feeder, "--feeder", str::parse::<FeederKind>)?,
        threads,
        chunks: parse_list(&a.chunk, "--chunk", str::parse::<ChunkSize>)?,
        gil: if a.both_gil { vec![false, true] } else { vec![a.workload.gil] },
        reps: a.output.reps,
        warmup: a.output.warmup,
        spans: a.output.spans,
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

fn execute(plan: &SweepPlan, out: &OutputArgs) -> Result<i32> {
    let machine = MachineInfo::detect();
    println!("machine:  {}", machine.describe());
    println!("workload: {} {}", plan.workload.name, params_line(&plan.workload));
    if plan.workload.name.info().fixed_feeder.is_some() {
        println!("          (runs its own design, named by the variant; --feeder does not apply)");
    }
    let bar = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(plan.total_runs() as u64);
        bar.set_style(ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}").unwrap_or_else(|_| ProgressStyle::default_bar()));
        bar
    } else {
        ProgressBar::hidden()
    };
    let result = run_sweep(plan, &Hooks::none(), |SweepEvent::Starting { done, label, .. }| {
        bar.set_position(done as u64);
        bar.set_message(label);
    });
    bar.finish_and_clear();
    let mut file = result.map_err(|e| anyhow::anyhow!(e.error))?;
    println!();
    print!("{}", table::to_table(&file));
    if out.fit {
        crate::metrics::analysis::analyse(&mut file);
        print!("{}", crate::metrics::analysis::describe(&file));
    }
    write_outputs(&file, out)?;
    if file.runs.iter().any(|r| !r.verified) {
        eprintln!("error: some runs did not reproduce the sequential result (marked NO above)");
        return Ok(EXIT_FAILED);
    }
    Ok(0)
}

fn params_line(spec: &WorkloadSpec) -> String {
    let mut s: Vec<String> = spec.params.0.iter().map(|(k, v)| format!("{k}={v}")).collect();
    if let Some(f) = &spec.file {
        s.push(format!("file={}", f.display()));
    }
    s.join(" ")
}

fn write_outputs(file: &ResultsFile, out: &OutputArgs) -> Result<()> {
    if let Some(path) = &out.json {
        file.save(path)?;
        println!("wrote {}", path.display());
    }
    if let Some(path) = &out.csv {
        write(path, &csv::to_csv(file))?;
        println!("wrote {}", path.display());
    }
    Ok(())
}

fn write(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

fn list_workloads() {
    println!("Workloads:");
    for k in WorkloadKind::ALL {
        let info = k.info();
        println!("  {:<11} {}", info.name, info.summary);
        for p in info.params {
            println!("      --{:<11} {} (default {}, {}..={})", p.name.replace('_', "-"), p.help, p.default, p.min, p.max);
        }
        if info.takes_file {
            println!("      --file        a text file to read instead of the generator");
        }
        for (i, v) in info.variants.iter().enumerate() {
            let default = if i == 0 { " (default)" } else { "" };
            println!("      --variant {:<11} {}{default}", v.name, v.help);
        }
    }
    println!("\nFeeders:");
    for f in FeederKind::ALL {
        println!("  {:<11} {}", f.name(), f.explain());
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
