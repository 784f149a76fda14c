//! Raw command-line flags, as clap parses them.

use std::path::PathBuf;

use clap::{Arg, ArgMatches, Args, FromArgMatches, Parser, Subcommand};

use crate::engine::Threads;
use crate::measure::budget::MemoryBudget;

/// Watch a parallel map-reduce scale on this machine. With no command, opens the app.
#[derive(Debug, Parser)]
#[command(name = "scalescope", version, about, long_about = None)]
pub struct Cli {
    /// What to do; none opens the desktop app.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// How the app opens (without a command).
    #[command(flatten)]
    pub open: OpenArgs,
}

/// How the desktop app opens: for a class, on a lesson, at a zoom.
#[derive(Clone, Copy, Debug, Default, PartialEq, Args)]
pub struct OpenArgs {
    /// Open the app on lesson N of the Learn tab (1 = the first), in the lesson view.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=99))]
    pub lesson: Option<u16>,
    /// With --lesson: start the lesson's run at once.
    #[arg(long, requires = "lesson")]
    pub run: bool,
    /// The presenter zoom to open at, from 0.5 to 3 (1 = 100%).
    #[arg(long, value_name = "FACTOR", value_parser = zoom_factor)]
    pub zoom: Option<f32>,
}

/// A zoom factor from 0.5 to 3.
fn zoom_factor(s: &str) -> Result<f32, String> {
    let z: f32 = s.trim().parse().map_err(|_| format!("'{s}' is not a number"))?;
    if (0.5..=3.0).contains(&z) { Ok(z) } else { Err(format!("{z} is outside 0.5..=3")) }
}

/// The headless commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the workloads, their parameters and the feeders.
    Workloads,
    /// Run one configuration against the sequential reference.
    Run(RunArgs),
    /// Run every combination of thread counts, chunk sizes and feeders.
    Sweep(SweepArgs),
    /// Show this machine as a run sees it: its CPUs, SMT siblings, core
    /// types, NUMA nodes, governor, what this process may use, and the
    /// default thread ladder.
    Machine,
    /// List the experiments in the library (every run and sweep is kept there).
    List,
    /// Write one experiment of the library out as JSON and/or CSV.
    Export(ExportArgs),
    /// Copy results files (from this or another machine) into the library.
    Import(ImportArgs),
    /// Write a report of experiments of the library: one self-contained HTML
    /// page (every plot, the verdicts, the models) and/or a Markdown summary.
    Report(ReportArgs),
    /// Find the size n above which threads beat the plain loop: measures the
    /// workload at growing n, then narrows in where a model says the lines
    /// cross, and names the best chunk size there.
    Crossover(CrossoverArgs),
}

/// `scalescope crossover`.
#[derive(Debug, Args)]
pub struct CrossoverArgs {
    /// The workload and its parameters (its n is what the search sets).
    #[command(flatten)]
    pub workload: WorkloadArgs,
    /// Threads that race the plain loop.
    #[arg(long, short = 't', default_value = "2")]
    pub threads: Threads,
    /// Timed repetitions per configuration at each n.
    #[arg(long, default_value_t = 5)]
    pub reps: usize,
    /// The smallest n measured.
    #[arg(long, default_value_t = 1_000)]
    pub min_n: u64,
    /// The largest n measured.
    #[arg(long, default_value_t = 1_000_000_000)]
    pub max_n: u64,
}

/// `scalescope report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The experiments' ids, or the start of each (see `scalescope list`);
    /// each is shown on its own, and two or more of one workload are compared.
    #[arg(required = true, value_name = "ID")]
    pub ids: Vec<String>,
    /// Write one self-contained HTML page here (it opens offline in any browser).
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Write a Markdown summary here (tables and verdicts, for a pull request or an issue).
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,
    /// Overwrite an existing file even if it is not a scalescope report.
    #[arg(long)]
    pub force: bool,
}

/// `scalescope export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The experiment's id, or the start of it (see `scalescope list`).
    pub id: String,
    /// Write the experiment (JSON) here.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Write one CSV row per run here.
    #[arg(long)]
    pub csv: Option<PathBuf>,
    /// Write the sweep in Extra-P's text input format here (parameter p =
    /// threads, one region per feeder and chunk size, every repetition).
    #[arg(long)]
    pub extrap: Option<PathBuf>,
    /// Overwrite an existing file even if it is not a scalescope results file.
    #[arg(long)]
    pub force: bool,
}

/// `scalescope import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Results files (schema 1 or 2), or hyperfine JSON exports of a scan of
    /// thread counts (`hyperfine -P threads 1 8 'xz -T{threads} -c f' --export-json scan.json`),
    /// read as they are: the command is never run.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// The hyperfine parameter that holds the thread count (by default the
    /// first of threads, num_threads, j, jobs, t); with it every file is read
    /// as a hyperfine export.
    #[arg(long, value_name = "NAME")]
    pub param: Option<String>,
}

/// Flags that pick the workload and its parameters.
#[derive(Debug, Args, Clone, Default)]
pub struct WorkloadArgs {
    /// Workload (see `scalescope workloads`): primes, trivial, sleep-spin, word-count, skewed, ordered-map, aggregates, false-sharing, contention.
    #[arg(long, short = 'w', default_value = "primes")]
    pub workload: String,
    /// ordered-map: ordered, unordered; aggregates: chunked, tee, buffer-all,
    /// lock-step, cooperative; false-sharing: packed, padded; contention: locked-map,
    /// local-merge. A sweep takes several,
    /// comma-separated, or `all`.
    #[arg(long, value_delimiter = ',')]
    pub variant: Vec<String>,
    /// Every workload's own parameters (`--n`, `--spin`, ...), as flags
    /// generated from the workloads' parameter lists.
    #[command(flatten)]
    pub params: ParamFlags,
    /// word-count: read this text file instead of the built-in generator
    /// (a pipe, FIFO or `/dev/stdin` is read once into memory, at most 256 MiB).
    #[arg(long)]
    pub file: Option<PathBuf>,
    /// word-count: the longest line the text may have, in bytes (default 1 MiB).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_line: Option<u64>,
    /// Hold a simulated global interpreter lock around every map call.
    #[arg(long)]
    pub gil: bool,
    /// Your own program instead of a workload (`--cmd`, `--env`, ...).
    #[command(flatten)]
    pub program: CommandArgs,
}

/// Flags of the `command` workload: your own program, run at each thread count.
#[derive(Debug, Args, Clone, Default)]
pub struct CommandArgs {
    /// Measure your own program: `--cmd 'xz -T{threads} -c big.tar'`.
    /// `{threads}` is replaced by the thread count (and `{n}` by `--n`, which
    /// `--weak` grows). Split into words as a shell would, and run without one.
    #[arg(long, value_name = "COMMAND")]
    pub cmd: Option<String>,
    /// Set a variable for it, `{threads}` replaced: `--env OMP_NUM_THREADS={threads}` (repeatable).
    #[arg(long, value_name = "NAME=VALUE")]
    pub env: Vec<String>,
    /// Run the command through `sh -c` (pipes, globs, `&&`).
    #[arg(long)]
    pub shell: bool,
    /// Run this before each timed run, untimed (same placeholders).
    #[arg(long, value_name = "COMMAND")]
    pub prepare: Option<String>,
    /// Run this after each timed run, untimed.
    #[arg(long, value_name = "COMMAND")]
    pub cleanup: Option<String>,
    /// The directory the commands run in.
    #[arg(long, value_name = "DIR")]
    pub workdir: Option<PathBuf>,
    /// End a run that takes longer than this many seconds (it fails).
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<f64>,
    /// The sequential reference, when it is not the command at 1 thread.
    #[arg(long, value_name = "COMMAND")]
    pub reference: Option<String>,
    /// Fail a run whose standard output differs from the reference's.
    #[arg(long)]
    pub check_output: bool,
}

/// Flags for measurement and output.
#[derive(Debug, Args, Clone)]
pub struct OutputArgs {
    /// Timed repetitions per configuration.
    #[arg(long, default_value_t = 5)]
    pub reps: usize,
    /// Untimed warm-up runs per configuration.
    #[arg(long, default_value_t = 1)]
    pub warmup: usize,
    /// Write the results file (JSON) here.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Write one CSV row per run here.
    #[arg(long)]
    pub csv: Option<PathBuf>,
    /// Record per-worker timeline spans of the median repetition into the JSON.
    #[arg(long)]
    pub spans: bool,
    /// Fit Amdahl and the USL over the thread counts, diagnose every run, and
    /// print both (they also go into the JSON).
    #[arg(long)]
    pub fit: bool,
    /// Overwrite an existing --json or --csv file even if it is not a scalescope results file.
    #[arg(long)]
    pub force: bool,
    /// Run even when the plan is expected to take more than a few minutes.
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// A name for the experiment (default: what was swept).
    #[arg(long)]
    pub name: Option<String>,
    /// The most memory one configuration's buffers may take, e.g. 512M or 4G
    /// (default: half of this machine's memory).
    #[arg(long)]
    pub memory_budget: Option<MemoryBudget>,
}

/// `scalescope run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The workload and its parameters.
    #[command(flatten)]
    pub workload: WorkloadArgs,
    /// Worker threads (default: the logical core count).
    #[arg(long, short = 't')]
    pub threads: Option<Threads>,
    /// Items per chunk, or `auto`.
    #[arg(long, short = 'c', default_value = "auto")]
    pub chunk: String,
    /// Feeder: sequential, locked, queue, dispenser, rayon, auto.
    #[arg(long, short = 'f', default_value = "auto")]
    pub feeder: String,
    /// Repetitions and where the results go.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `scalescope sweep`.
#[derive(Debug, Args)]
pub struct SweepArgs {
    /// The workload and its parameters.
    #[command(flatten)]
    pub workload: WorkloadArgs,
    /// Thread counts, comma-separated (default: the machine's ladder: 1, 2, 4, ...,
    /// the allowed CPUs, the physical cores, the logical CPUs, twice the logical CPUs; see `scalescope machine`).
    #[arg(long, short = 't', value_delimiter = ',')]
    pub threads: Vec<String>,
    /// Chunk sizes, comma-separated, each a number or `auto`.
    #[arg(long, short = 'c', value_delimiter = ',', default_value = "auto")]
    pub chunk: Vec<String>,
    /// Feeders, comma-separated.
    #[arg(long, short = 'f', value_delimiter = ',', default_value = "locked,queue,dispenser,rayon,auto")]
    pub feeder: Vec<String>,
    /// Also run every configuration with the simulated GIL off and on.
    #[arg(long)]
    pub both_gil: bool,
    /// Weak scaling as well: each thread count p above one also runs at
    /// n x p, against its own sequential reference at that size (Gustafson).
    #[arg(long)]
    pub weak: bool,
    /// Repetitions and where the results go.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// The workloads' parameters given as flags: (parameter, value), in the
/// order of the workloads' parameter lists. The flags are generated from
/// [`crate::workloads::WorkloadKind::ALL`]: a new workload's parameters need
/// no line here.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParamFlags(pub Vec<(&'static str, u64)>);

/// Every parameter name of every workload, once, with the help of each
/// workload that takes it (`skewed: pixels per row`).
fn param_flags() -> Vec<(&'static str, String)> {
    let mut out: Vec<(&'static str, Vec<String>)> = Vec::new();
    for kind in crate::workloads::WorkloadKind::ALL {
        for p in kind.info().params {
            let help = format!("{kind}: {} ({}..={}, default {})", p.help, p.min, p.max, p.default);
            match out.iter_mut().find(|(n, _)| *n == p.name) {
                Some((_, helps)) => helps.push(help),
                None => out.push((p.name, vec![help])),
            }
        }
    }
    out.into_iter()
        .map(|(name, helps)| {
            let help = if helps.len() > 3 {
                "the workload's size (see `scalescope workloads` for each one's meaning and bounds)".to_string()
            } else {
                helps.join("; ")
            };
            (name, help)
        })
        .collect()
}

impl FromArgMatches for ParamFlags {
    fn from_arg_matches(m: &ArgMatches) -> Result<Self, clap::Error> {
        Ok(ParamFlags(param_flags().into_iter().filter_map(|(name, _)| m.get_one::<u64>(name).map(|v| (name, *v))).collect()))
    }

    fn update_from_arg_matches(&mut self, m: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(m)?;
        Ok(())
    }
}

impl Args for ParamFlags {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        param_flags().into_iter().fold(cmd, |cmd, (name, help)| {
            cmd.arg(Arg::new(name).long(name.replace('_', "-")).value_name("N").value_parser(clap::value_parser!(u64)).help(help))
        })
    }

    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        Self::augment_args(cmd)
    }
}
