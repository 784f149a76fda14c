//! A hyperfine scan of thread counts, imported as an experiment of the
//! `command` workload:
//!
//! ```text
//! hyperfine -P threads 1 8 'xz -T{threads} -c big.tar' --export-json scan.json
//! scalescope import scan.json
//! ```
//!
//! The export (hyperfine 1.x: `{"results": [{"command", "times", "user",
//! "system", "exit_codes", "parameters", ...}]}`) comes from anyone, so it
//! is read as untrusted bytes: a regular file of at most [`MAX_BYTES`], each
//! field that is used checked (times finite, not negative and under a year;
//! thread counts within the engine's bounds; one result per thread count),
//! and any problem is one error, never a panic. Importing never runs the
//! command.
//!
//! What becomes of it:
//! - the thread count is the parameter named `threads`, `num_threads`,
//!   `j`, `jobs` or `t` (the first the results all have), or the one named
//!   with `--param`;
//! - each result is a run; its `times` are the repetitions, and speedup,
//!   efficiency and Karp-Flatt come from them as a sweep computes them
//!   ([`RunRecord::measured`]), against the 1-thread result (or, without
//!   one, the smallest thread count) as the reference;
//! - the command is the template the results were made from: the commands
//!   with the thread count's text put back as `{threads}`, run through a
//!   shell (as hyperfine runs it, unless `-N`);
//! - per repetition, [`RunRecord::process`] holds its time, hyperfine's
//!   mean user and system time (it records no other), its exit status, and
//!   its peak memory where the export has `memory_usage_byte` (hyperfine
//!   1.19 and later), else 0: unknown. No per-thread readings, no outside load;
//! - a repetition that did not exit with status 0 (kept by `hyperfine -i`)
//!   leaves its run not verified, and a warning says so;
//! - hyperfine records no machine: the experiment's is unknown (0 cores,
//!   [`UNKNOWN_MACHINE`]), never this one;
//! - its id is made from the file's time and a digest of its bytes, so
//!   importing one file twice finds it already there.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use thiserror::Error;

use super::{Asked, Baseline, Experiment, ExperimentId, RunRecord, SCHEMA, Status};
use crate::engine::{ChunkSize, Config, FeederKind, Ran, Threads};
use crate::machine::MachineInfo;
use crate::program::{CommandSpec, Exit, TreeUse, spec::THREADS};
use crate::untrusted::{Links, escape};
use crate::workloads::{ResultValue, WorkloadKind, WorkloadSpec};

/// The largest export read, bytes.
pub const MAX_BYTES: u64 = 16 << 20;
/// The most repetitions one result may hold.
pub const MAX_TIMES: usize = 100_000;
/// The parameters taken for the thread count, in this order, without `--param`.
pub const THREAD_PARAMS: [&str; 5] = ["threads", "num_threads", "j", "jobs", "t"];
/// The machine of an imported scan.
pub const UNKNOWN_MACHINE: &str = "unknown machine (imported from hyperfine, which records none)";
/// The longest time a repetition may take: a year, in seconds.
const MAX_SECONDS: f64 = 366.0 * 24.0 * 3600.0;
/// Occurrences of the thread count in a command tried in every combination
/// for the template (beyond, one at a time or all).
const MAX_COMBINED: usize = 8;

/// Why an export cannot be imported.
#[derive(Debug, Error)]
pub enum HyperfineError {
    /// The file could not be read (not a regular file, too large, unreadable).
    #[error("{path}: {error}")]
    Io {
        /// The file, as given.
        path: String,
        /// Why.
        error: std::io::Error,
    },
    /// Not a hyperfine export, or one that holds a value out of bounds.
    #[error("not a hyperfine scan that can be imported: {0}")]
    Invalid(String),
}

fn invalid(message: impl Into<String>) -> HyperfineError {
    HyperfineError::Invalid(message.into())
}

/// An imported scan: the experiment, and what people should know about it.
#[derive(Clone, Debug, PartialEq)]
pub struct Scan {
    /// The experiment.
    pub experiment: Experiment,
    /// What the import assumed (the reference, the parameter, the machine).
    pub notes: Vec<String>,
    /// Runs that failed (non-zero exit codes): not verified.
    pub warnings: Vec<String>,
}

/// One result as hyperfine writes it (the fields used; others are ignored).
#[derive(Deserialize)]
struct Raw {
    command: String,
    times: Option<Vec<f64>>,
    user: f64,
    system: f64,
    #[serde(default)]
    exit_codes: Vec<Option<i32>>,
    #[serde(default)]
    memory_usage_byte: Option<Vec<u64>>,
    #[serde(default)]
    parameters: BTreeMap<String, serde_json::Value>,
}

#[derive(Deserialize)]
struct Export {
    results: Vec<Raw>,
}

/// One checked result.
struct Point {
    threads: usize,
    /// The thread count as it appears in the command.
    text: String,
    command: String,
    times: Vec<f64>,
    user_s: f64,
    sys_s: f64,
    exits: Vec<Exit>,
    rss: Vec<u64>,
}

/// Whether the file at `path` looks like a hyperfine export (a JSON object
/// whose first key is `results`), from its first bytes; `false` for
/// anything that is not a regular file.
pub fn sniff(path: &Path) -> bool {
    use std::io::Read;
    let Ok((file, _)) = crate::untrusted::open_regular(path, u64::MAX, Links::Follow) else { return false };
    let mut head = Vec::with_capacity(256);
    file.take(256).read_to_end(&mut head).is_ok() && looks_like(&head)
}

/// Whether `head`, the start of a file, opens a JSON object whose first key is `results`.
pub fn looks_like(head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(head);
    let rest = text.trim_start_matches('\u{feff}').trim_start();
    rest.strip_prefix('{').is_some_and(|r| r.trim_start().starts_with("\"results\""))
}

/// Reads the export at `path` (a regular file of at most [`MAX_BYTES`]) as
/// an experiment, with the thread count in the parameter `param` (else one
/// of [`THREAD_PARAMS`]). Its creation time is the file's.
///
/// # Errors
/// The file cannot be read, or [`from_bytes`] refuses it.
pub fn read(path: &Path, param: Option<&str>) -> Result<Scan, HyperfineError> {
    let io = |error| HyperfineError::Io { path: path.display().to_string(), error };
    let bytes = crate::untrusted::read_regular(path, MAX_BYTES, Links::Follow).map_err(io)?;
    let created =
        std::fs::metadata(path).and_then(|m| m.modified()).map(|t| humantime::format_rfc3339_seconds(t).to_string()).unwrap_or_default();
    from_bytes(&bytes, param, &created)
}

/// The experiment a hyperfine export's bytes record, created at `created`
/// (RFC 3339; empty when unknown). Pure: nothing is read, written or run.
///
/// # Errors
/// Not JSON, not a hyperfine export, no thread-count parameter, a value
/// out of bounds, two results for one thread count, or commands that do not
/// differ by the thread count alone: the message names the field.
pub fn from_bytes(bytes: &[u8], param: Option<&str>, created: &str) -> Result<Scan, HyperfineError> {
    if bytes.len() as u64 > MAX_BYTES {
        return Err(invalid(format!("it is larger than {} MiB", MAX_BYTES >> 20)));
    }
    let export: Export = serde_json::from_slice(bytes).map_err(|e| invalid(e.to_string()))?;
    if export.results.is_empty() {
        return Err(invalid("it holds no results"));
    }
    if export.results.len() > crate::engine::MAX_THREADS {
        return Err(invalid(format!("it holds {} results, more than one per thread count", export.results.len())));
    }
    let name = thread_param(&export.results, param)?;
    let mut points = export.results.iter().enumerate().map(|(i, r)| point(i, r, &name)).collect::<Result<Vec<_>, _>>()?;
    points.sort_by_key(|p| p.threads);
    if let Some(w) = points.windows(2).find(|w| w[0].threads == w[1].threads) {
        return Err(invalid(format!(
            "two results for {} threads: the export holds more than one command, or varies another parameter too; import one scan at a time",
            w[0].threads
        )));
    }
    let pairs: Vec<(&str, &str)> = points.iter().map(|p| (p.command.as_str(), p.text.as_str())).collect();
    let template = template(&pairs).ok_or_else(|| {
        invalid(format!(
            "the commands do not differ by the value of '{}' alone, so the command it ran cannot be told (was --command-name used?)",
            escape(&name)
        ))
    })?;
    let spec = CommandSpec { shell: true, ..CommandSpec::new(template) };
    spec.check().map_err(|e| invalid(e.to_string()))?;
    Ok(build(&points, spec, &name, bytes, param, created))
}

/// The parameter that holds the thread count.
fn thread_param(results: &[Raw], param: Option<&str>) -> Result<String, HyperfineError> {
    let all_have = |name: &str| results.iter().all(|r| r.parameters.contains_key(name));
    if let Some(name) = param {
        if all_have(name) {
            return Ok(name.to_string());
        }
        let (i, r) = results.iter().enumerate().find(|(_, r)| !r.parameters.contains_key(name)).unwrap_or((0, &results[0]));
        return Err(invalid(format!("results[{i}] has no parameter '{}' ({})", escape(name), known(r))));
    }
    THREAD_PARAMS.iter().find(|n| all_have(n)).map(ToString::to_string).ok_or_else(|| {
        let first = &results[0];
        if first.parameters.is_empty() {
            invalid("its results have no parameters: it is not a scan (hyperfine -P threads 1 8 'cmd -T {threads}')")
        } else {
            invalid(format!(
                "which parameter is the thread count? none is named {}; {}: name it with --param NAME",
                THREAD_PARAMS.join(", "),
                known(first)
            ))
        }
    })
}

/// `its parameters: size, workers`.
fn known(r: &Raw) -> String {
    let names: Vec<String> = r.parameters.keys().take(8).map(|k| escape(k).into_owned()).collect();
    if names.is_empty() { "it has no parameters".into() } else { format!("its parameters: {}", names.join(", ")) }
}

/// Result `i`, checked.
fn point(i: usize, r: &Raw, param: &str) -> Result<Point, HyperfineError> {
    let field = |f: &str| format!("results[{i}].{f}");
    let text = match r.parameters.get(param) {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Number(n)) => n.to_string(),
        _ => return Err(invalid(format!("{}: not a thread count", field(&format!("parameters.{}", escape(param)))))),
    };
    let threads = text.trim().parse::<usize>().ok().filter(|p| Threads::new(*p).is_ok()).ok_or_else(|| {
        invalid(format!("{}: '{}' is not a thread count (1..={})", field("parameters"), escape(&text), crate::engine::MAX_THREADS))
    })?;
    let times = r.times.clone().ok_or_else(|| invalid(format!("{} is missing: the export holds no repetitions", field("times"))))?;
    if times.is_empty() || times.len() > MAX_TIMES {
        return Err(invalid(format!("{}: {} repetitions (1..={MAX_TIMES} are read)", field("times"), times.len())));
    }
    if let Some(bad) = times.iter().find(|t| !(0.0..=MAX_SECONDS).contains(*t)) {
        return Err(invalid(format!("{}: {bad:e} is not a time in seconds (0 to a year)", field("times"))));
    }
    if crate::stats::median(&times) <= 0.0 {
        return Err(invalid(format!("{}: a median of 0 s", field("times"))));
    }
    for (name, v) in [("user", r.user), ("system", r.system)] {
        if !(0.0..=MAX_SECONDS).contains(&v) {
            return Err(invalid(format!("{}: {v:e} is not a time in seconds (0 to a year)", field(name))));
        }
    }
    if r.exit_codes.len() != times.len() {
        return Err(invalid(format!("{}: {} of them for {} repetitions", field("exit_codes"), r.exit_codes.len(), times.len())));
    }
    // hyperfine writes null for a run a signal ended, without naming the signal.
    let exits = r.exit_codes.iter().map(|c| c.map_or(Exit::Signal(0), Exit::Code)).collect();
    let rss = r.memory_usage_byte.clone().unwrap_or_else(|| vec![0; times.len()]);
    if rss.len() != times.len() {
        return Err(invalid(format!("{}: {} of them for {} repetitions", field("memory_usage_byte"), rss.len(), times.len())));
    }
    Ok(Point { threads, text, command: r.command.clone(), times, user_s: r.user, sys_s: r.system, exits, rss })
}

/// The command the results were made from: the first result's command with
/// some of the occurrences of its thread count's text replaced by
/// `{threads}`, the fewest that give every result's command back.
fn template(points: &[(&str, &str)]) -> Option<String> {
    let &(first, value) = points.first()?;
    if value.is_empty() || first.contains(THREADS) {
        return None;
    }
    let at: Vec<usize> = first.match_indices(value).map(|(i, _)| i).collect();
    if at.is_empty() {
        return None;
    }
    let build = |chosen: &[usize]| {
        let mut out = String::with_capacity(first.len() + 16);
        let mut from = 0;
        for &i in chosen {
            out.push_str(&first[from..i]);
            out.push_str(THREADS);
            from = i + value.len();
        }
        out.push_str(&first[from..]);
        out
    };
    let gives_back = |t: &String| points.iter().all(|(c, v)| t.replace(THREADS, v) == *c);
    let mut candidates: Vec<Vec<usize>> = if at.len() <= MAX_COMBINED {
        let mut masks: Vec<u32> = (1..(1u32 << at.len())).collect();
        masks.sort_by_key(|m| m.count_ones());
        masks.iter().map(|m| at.iter().enumerate().filter(|(k, _)| m & (1 << k) != 0).map(|(_, &i)| i).collect()).collect()
    } else {
        at.iter().map(|&i| vec![i]).collect()
    };
    candidates.push(at.clone());
    candidates.into_iter().map(|c| build(&c)).find(gives_back)
}

/// The experiment of checked `points` (sorted by thread count).
fn build(points: &[Point], spec: CommandSpec, param: &str, bytes: &[u8], asked_param: Option<&str>, created: &str) -> Scan {
    let reference = points.iter().find(|p| p.threads == 1).unwrap_or(&points[0]);
    let base = crate::stats::Summary::of(&reference.times).median;
    let result = ResultValue::Named(BTreeMap::new());
    let runs: Vec<RunRecord> = points.iter().map(|p| run(p, base, &result)).collect();
    let mut notes = vec![format!("the thread count is the parameter '{}'", escape(param))];
    if reference.threads != 1 {
        notes.push(format!(
            "there is no 1-thread result: the reference is the run at {} threads, and speedups are relative to it",
            reference.threads
        ));
    }
    notes.push("hyperfine records no machine: it is unknown here, and no verdict depends on its cores".into());
    let warnings = points
        .iter()
        .filter_map(|p| {
            let failed: Vec<&Exit> = p.exits.iter().filter(|x| !x.success()).collect();
            let first = failed.first()?;
            let how = if **first == Exit::Signal(0) { "ended by a signal".to_string() } else { first.to_string() };
            Some(format!("{} threads: {} of {} runs failed ({how}): not verified", p.threads, failed.len(), p.times.len()))
        })
        .collect();
    let threads: Vec<Threads> = points.iter().filter_map(|p| Threads::new(p.threads).ok()).collect();
    let list: Vec<String> = points.iter().map(|p| p.threads.to_string()).collect();
    let experiment = Experiment {
        schema: SCHEMA.into(),
        id: id_of(bytes, asked_param, created),
        name: format!("{}: threads {} (hyperfine)", spec.command, list.join(",")),
        created: created.to_string(),
        status: Status::Complete,
        asked: Asked {
            feeders: vec![FeederKind::Auto],
            threads,
            chunks: vec![ChunkSize::Auto],
            gil: vec![false],
            variants: Vec::new(),
            reps: points.iter().map(|p| p.times.len()).max().unwrap_or(0),
            warmup: 0,
            spans: false,
            weak: false,
        },
        lesson: None,
        machine: MachineInfo {
            logical_cores: 0,
            physical_cores: 0,
            cpu_model: UNKNOWN_MACHINE.into(),
            os: "unknown".into(),
            ..MachineInfo::default()
        },
        workload: WorkloadSpec { command: Some(spec), ..WorkloadSpec::new(WorkloadKind::Command) },
        baseline: Some(Baseline { median_s: base, times_s: reference.times.clone(), result: result.clone() }),
        runs,
        weak: None,
        bandwidth: None,
    };
    Scan { experiment, notes, warnings }
}

/// The run of one result against a reference of `base` seconds.
fn run(p: &Point, base: f64, result: &ResultValue) -> RunRecord {
    let config =
        Config { threads: Threads::new(p.threads).unwrap_or(Threads::ONE), chunk: ChunkSize::Auto, feeder: FeederKind::Auto, gil: false };
    let verified = p.exits.iter().all(|x| x.success());
    let process: Vec<TreeUse> = p
        .times
        .iter()
        .zip(&p.exits)
        .zip(&p.rss)
        .map(|((&wall_s, &exit), &peak_rss_bytes)| TreeUse {
            wall_s,
            user_s: p.user_s,
            sys_s: p.sys_s,
            peak_rss_bytes,
            threads_seen: 0,
            processes_seen: 0,
            exit,
        })
        .collect();
    let mean = p.times.iter().sum::<f64>() / p.times.len() as f64;
    RunRecord {
        used: format!(
            "imported from hyperfine: user {:.3} s + system {:.3} s per run on average, {:.2} cores busy",
            p.user_s,
            p.sys_s,
            if mean > 0.0 { (p.user_s + p.sys_s) / mean } else { 0.0 }
        ),
        ran: Some(Ran::Workers),
        process,
        ..RunRecord::measured(&config, &p.times, base, result.clone(), verified)
    }
}

/// `20261205-144351-3fa2c01b`: the file's time and a digest of its bytes
/// and the parameter asked for, so one file imported twice has one id.
fn id_of(bytes: &[u8], param: Option<&str>, created: &str) -> ExperimentId {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes.iter().chain([0u8].iter()).chain(param.unwrap_or("").as_bytes()) {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    let stamp: String = created.chars().filter(char::is_ascii_digit).take(14).collect();
    let text =
        if stamp.len() == 14 { format!("{}-{}-{:08x}", &stamp[..8], &stamp[8..], h & 0xffff_ffff) } else { format!("hyperfine-{h:016x}") };
    ExperimentId::parse(&text).unwrap_or_else(|_| ExperimentId::fresh(created))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_puts_back_only_the_thread_counts_text() {
        let t = |p: &[(&str, &str)]| template(p);
        assert_eq!(t(&[("xz -T1 -1 -c f", "1"), ("xz -T2 -1 -c f", "2")]).as_deref(), Some("xz -T{threads} -1 -c f"));
        assert_eq!(t(&[("a -j1 --mem=1x1", "1"), ("a -j4 --mem=4x4", "4")]).as_deref(), Some("a -j{threads} --mem={threads}x{threads}"));
        assert_eq!(t(&[("make -j 8", "8"), ("make -j 16", "16")]).as_deref(), Some("make -j {threads}"));
        // Commands that do not differ by the value (--command-name): none.
        assert_eq!(t(&[("build", "1"), ("build", "2")]), None);
        assert_eq!(t(&[("x -T1", "1"), ("y -T2", "2")]), None);
    }

    #[test]
    fn the_head_of_an_export_is_recognised() {
        assert!(looks_like(b"{\n  \"results\": ["));
        assert!(looks_like(b"\xef\xbb\xbf { \"results\":[]}"));
        assert!(!looks_like(b"{\n  \"schema\": \"scalescope-experiment/2\""));
        assert!(!looks_like(b"\x00\x01garbage"));
    }

    #[test]
    fn the_id_is_the_files_time_and_digest() {
        let a = id_of(b"{}", None, "2026-12-05T14:43:51Z");
        assert!(a.as_str().starts_with("20261205-144351-"), "{a}");
        assert_eq!(a, id_of(b"{}", None, "2026-12-05T14:43:51Z"));
        assert_ne!(a, id_of(b"{}", Some("jobs"), "2026-12-05T14:43:51Z"));
        assert!(id_of(b"{}", None, "").as_str().starts_with("hyperfine-"));
    }
}
