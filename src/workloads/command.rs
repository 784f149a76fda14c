//! `command`: a user's own program, run as a black box at each thread count.
//! `{threads}` in its words or environment says where the count goes; the
//! reference is the command at 1 thread (or `--reference`). Each run's
//! process tree is sampled from `/proc` and reported as lanes, one per
//! thread ([`crate::program::tree`]); its CPU time, peak memory and exit
//! status go into the report ([`crate::engine::Report::process`]).

use std::time::Duration;

use super::{Cancel, Computed, Design, ParamInfo, Workload, WorkloadError, WorkloadInfo, WorkloadSpec};
use crate::engine::{CallEnd, Config, EngineError, Hooks, Outcome, ProgressEvent, Report, Reporter, Run, WorkerStats};
use crate::program::{CommandSpec, Finished, Invocation, RunError, Sample, tree};
use crate::workloads::memory::MemoryEstimate;

/// Description and parameters.
pub static INFO: WorkloadInfo = WorkloadInfo {
    name: "command",
    summary: "your own program, run at each thread count",
    description: "Runs a command you give (--cmd 'xz -T{threads} -c big.tar') at each thread count, \
        {threads} replaced in its words and in its environment (--env OMP_NUM_THREADS={threads}). \
        The sequential reference is the command at 1 thread. Each run records its wall time, the \
        CPU time of its whole process tree, its peak memory and its exit status; while it runs, \
        each of its threads is a lane, sampled from /proc.",
    params: &[ParamInfo { name: "n", help: "the size put in {n} (weak scaling grows it)", default: 1, min: 1, max: 1_000_000_000_000_000 }],
    takes_file: false,
    design: Design::Program,
};

/// How often the process tree is sampled.
pub const SAMPLE_EVERY: Duration = Duration::from_millis(50);

/// The `command` workload (see [`INFO`]).
#[derive(Debug)]
pub struct Command;

/// Checks the command of a `command` spec (and that no other workload has one).
pub(super) fn check(spec: &WorkloadSpec) -> Result<(), WorkloadError> {
    match (&spec.command, spec.name.design() == Design::Program) {
        (Some(c), true) => Ok(c.check()?),
        (None, true) => Err(WorkloadError::Program("the command workload needs a command (--cmd 'xz -T{threads} -c file')".into())),
        (Some(_), false) => Err(WorkloadError::Program(format!("workload '{}' takes no command", spec.name))),
        (None, false) => Ok(()),
    }
}

fn command(spec: &WorkloadSpec) -> Result<&CommandSpec, WorkloadError> {
    spec.command.as_ref().ok_or_else(|| WorkloadError::Program("the command workload needs a command".into()))
}

impl Workload for Command {
    fn info(&self) -> &'static WorkloadInfo {
        &INFO
    }

    /// Another process's memory: nothing held here but its output's digest.
    fn memory(&self, _spec: &WorkloadSpec, _config: &Config) -> MemoryEstimate {
        MemoryEstimate::new(0, "the program runs in its own process (its peak memory is measured)")
    }

    /// Items are the program's business: never fewer than the threads.
    fn items(&self, _spec: &WorkloadSpec) -> u64 {
        u64::MAX
    }

    fn reference(&self, spec: &WorkloadSpec, cancel: Cancel<'_>) -> Result<Computed, WorkloadError> {
        let hooks = Hooks { cancel: cancel.token.cloned(), ..Hooks::none() };
        self.timed_reference(spec, &hooks).unwrap_or_else(|| Err(WorkloadError::Program("no reference".into()))).map(|(c, _)| c)
    }

    fn timed_reference(&self, spec: &WorkloadSpec, hooks: &Hooks) -> Option<Result<(Computed, f64), WorkloadError>> {
        let go = || {
            let c = command(spec)?;
            let done = timed(c, &c.reference_at(spec.get("n"))?, 1, spec.get("n"), hooks)?;
            Ok((output(&done, c.check_output), done.usage.wall_s))
        };
        Some(go())
    }

    fn run(&self, spec: &WorkloadSpec, call: Run<'_>) -> Result<Outcome<Computed>, WorkloadError> {
        let (config, hooks) = call.parts();
        let c = command(spec)?;
        let threads = config.threads.get();
        let done = timed(c, &c.at(threads, spec.get("n"))?, threads, spec.get("n"), hooks)?;
        let report = Report {
            feeder: config.feeder,
            shape: crate::engine::Shape::Program,
            chunk: config.chunk,
            threads_used: done.lanes.len(),
            workers: lanes(&done.lanes),
            wall_s: done.usage.wall_s,
            process: Some(done.usage),
            ..Report::default()
        };
        Ok(Outcome { value: output(&done, c.check_output), report })
    }

    /// The output's digest is compared only when asked (`--check-output`).
    fn verify(&self, reference: &Computed, got: &Computed) -> bool {
        match (reference, got) {
            (Computed::Named(r), Computed::Named(g)) if r.iter().any(|(k, _)| k == CHECKED) => r == g,
            _ => true,
        }
    }
}

const CHECKED: &str = "stdout digest";

/// What a run's result is: its output's size, and its digest where the
/// output is checked (`--check-output`).
fn output(done: &Finished, checked: bool) -> Computed {
    let mut v = vec![("stdout bytes".to_string(), done.stdout_bytes)];
    if checked {
        v.push((CHECKED.into(), done.stdout_digest));
    }
    Computed::Named(v)
}

/// Runs `inv` between the spec's prepare and cleanup commands (untimed),
/// reporting its lanes through `hooks`; a non-zero exit fails it.
fn timed(c: &CommandSpec, inv: &Invocation, threads: usize, n: u64, hooks: &Hooks) -> Result<Finished, WorkloadError> {
    if let Some(p) = &c.prepare {
        untimed("--prepare", &c.invocation(p, threads, n)?, hooks)?;
    }
    let reporter = Reporter::of(hooks);
    reporter.lifecycle(ProgressEvent::Started { workers: threads, feeder: c.program(), plan: None });
    let cancelled = || hooks.cancel.as_ref().is_some_and(crate::engine::CancelToken::is_cancelled);
    let mut on_sample = |s: &Sample| {
        for (worker, stats) in lanes(&s.lanes).into_iter().enumerate() {
            reporter.snapshot(ProgressEvent::Worker { elapsed: s.elapsed, stats: WorkerStats { worker, ..stats } });
        }
    };
    let out = tree::run(inv, hooks.interval().max(SAMPLE_EVERY), &cancelled, &mut on_sample);
    let end = match &out {
        Ok(_) => CallEnd::Completed,
        Err(RunError::Cancelled) => CallEnd::of::<()>(&Err(cancelled_error())),
        Err(e) => CallEnd::Failed(crate::engine::Failure { thread: c.program(), stage: crate::engine::Stage::Fused, message: e.to_string() }),
    };
    let elapsed = out.as_ref().map_or(Duration::ZERO, |d| Duration::from_secs_f64(d.usage.wall_s));
    reporter.lifecycle(ProgressEvent::Finished { elapsed, workers: out.as_ref().map_or(vec![], |d| lanes(&d.lanes)), end });
    let done = out.map_err(|e| failed(inv, e))?;
    if !done.usage.exit.success() {
        return Err(exited(inv, &done));
    }
    if let Some(p) = &c.cleanup {
        untimed("--cleanup", &c.invocation(p, threads, n)?, hooks)?;
    }
    Ok(done)
}

/// A prepare or cleanup command: run to its end, not timed, not reported.
fn untimed(what: &str, inv: &Invocation, hooks: &Hooks) -> Result<(), WorkloadError> {
    let cancelled = || hooks.cancel.as_ref().is_some_and(crate::engine::CancelToken::is_cancelled);
    let done = tree::run(inv, SAMPLE_EVERY, &cancelled, &mut |_| {}).map_err(|e| failed(inv, e))?;
    if done.usage.exit.success() {
        Ok(())
    } else {
        Err(WorkloadError::Program(format!("{what} failed: {}", exited(inv, &done))))
    }
}

fn cancelled_error() -> EngineError {
    EngineError::Cancelled { items_done: 0, workers: vec![] }
}

fn failed(inv: &Invocation, e: RunError) -> WorkloadError {
    match e {
        RunError::Cancelled => WorkloadError::Engine(cancelled_error()),
        e => WorkloadError::Program(format!("{inv}: {e}")),
    }
}

/// `xz -T2 ...: exit status 1; its last error output: ...`.
fn exited(inv: &Invocation, done: &Finished) -> WorkloadError {
    let tail = done.stderr_tail.trim();
    let tail = if tail.is_empty() { String::new() } else { format!("; its last error output: {tail}") };
    WorkloadError::Program(format!("{inv}: {}{tail}", done.usage.exit))
}

/// The lanes as workers: CPU time is busy, the rest of its life waiting.
fn lanes(lanes: &[crate::program::Lane]) -> Vec<WorkerStats> {
    lanes
        .iter()
        .enumerate()
        .map(|(worker, l)| WorkerStats { worker, busy_s: l.cpu_s, wait_s: (l.alive_s - l.cpu_s).max(0.0), ..WorkerStats::default() })
        .collect()
}
