//! The `command` workload: a user's own program at each thread count. Real
//! programs (`sh`, `sleep`, `sort`, `xz`) run here; what they did is read back
//! from the files they wrote, from `/proc`, and from the experiment.
#![allow(clippy::unwrap_used, reason = "a test fails loudly where an unwrap fails")]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use scalescope::engine::{CancelToken, Config, Hooks, Run};
use scalescope::experiment::{Experiment, Status, StopCause};
use scalescope::program::{CommandSpec, tree};
use scalescope::workloads::{self, WorkloadKind, WorkloadSpec};

/// A fresh directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("scalescope-command-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs the CLI with its library in `dir`; (exit code, stdout, stderr).
fn scalescope(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_scalescope")).env("SCALESCOPE_DATA_DIR", dir.join("lib")).args(args).output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

/// The one experiment in `dir`'s library.
fn the_experiment(dir: &Path) -> Experiment {
    let exps = dir.join("lib/experiments");
    let files: Vec<PathBuf> =
        std::fs::read_dir(&exps).unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|x| x == "json")).collect();
    assert_eq!(files.len(), 1, "{files:?}");
    serde_json::from_slice(&std::fs::read(&files[0]).unwrap()).unwrap()
}

fn spec(c: CommandSpec) -> WorkloadSpec {
    WorkloadSpec { command: Some(c), ..WorkloadSpec::new(WorkloadKind::Command) }
}

#[test]
fn placeholders_and_environment_reach_the_program() {
    let dir = scratch("placeholders");
    let cmd = r#"sh -c 'echo "$1 $OMP_NUM_THREADS $SIZE" > "out.$1"' sh {threads}"#;
    let work = dir.to_str().unwrap();
    let args = ["sweep", "--cmd", cmd, "--env", "OMP_NUM_THREADS={threads}", "--env", "SIZE={n}", "--n", "7"];
    let (code, out, err) = scalescope(&dir, &[&args[..], &["--workdir", work, "-t", "1,2,3", "--reps", "1", "--warmup", "0"]].concat());
    assert_eq!(code, 0, "{out}\n{err}");
    for t in 1..=3 {
        assert_eq!(std::fs::read_to_string(dir.join(format!("out.{t}"))).unwrap(), format!("{t} {t} 7\n"));
    }
    let exp = the_experiment(&dir);
    assert_eq!(exp.status, Status::Complete);
    let threads: Vec<usize> = exp.runs.iter().map(|r| r.threads).collect();
    assert_eq!(threads, [1, 2, 3]);
    assert!(exp.runs.iter().all(|r| r.process.len() == 1 && r.process[0].exit.success()), "{:?}", exp.runs);
    assert_eq!(exp.workload.command.as_ref().unwrap().command, cmd, "the command is kept as typed");
}

#[test]
fn a_command_without_a_placeholder_is_refused_with_the_reason() {
    let dir = scratch("refused");
    let (code, out, err) = scalescope(&dir, &["sweep", "--cmd", "touch made-anyway", "--workdir", dir.to_str().unwrap(), "-t", "1,2"]);
    assert_eq!(code, 2, "{out}\n{err}");
    assert!(err.contains("{threads}") && err.contains("--env"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(!dir.join("made-anyway").exists(), "a refused command never runs");
    let (code, _, err) = scalescope(&dir, &["sweep", "--cmd", "echo 'unclosed {threads}"]);
    assert_eq!(code, 2);
    assert!(err.contains("--shell"), "{err}");
}

#[test]
fn a_failing_exit_status_stops_the_sweep_and_keeps_what_was_measured() {
    let dir = scratch("exit");
    let cmd = "if [ {threads} -gt 1 ]; then echo 'out of memory at {threads}' >&2; exit 3; fi";
    let (code, out, err) = scalescope(&dir, &["sweep", "--shell", "--cmd", cmd, "-t", "1,2", "--reps", "1", "--warmup", "0"]);
    assert_ne!(code, 0, "{out}\n{err}");
    assert!(err.contains("exit status 3") && err.contains("out of memory at 2"), "the status and the tail of stderr: {err}");
    let exp = the_experiment(&dir);
    let Status::Stopped { by: StopCause::Error { message }, .. } = &exp.status else { panic!("{:?}", exp.status) };
    assert!(message.contains("exit status 3"), "{message}");
    assert!(exp.baseline.is_some(), "the reference was measured and kept");
    assert_eq!(exp.runs.iter().map(|r| r.threads).collect::<Vec<_>>(), [1], "the 1-thread run is kept");
}

#[test]
fn output_is_compared_with_the_reference_when_asked() {
    let same = CommandSpec { shell: true, check_output: true, ..CommandSpec::new("seq 500 | sort -n --parallel={threads} | tail -1") };
    let differs = CommandSpec { shell: true, check_output: true, ..CommandSpec::new("echo {threads}") };
    let unchecked = CommandSpec { check_output: false, ..differs.clone() };
    for (c, want) in [(same, true), (differs, false), (unchecked, true)] {
        let spec = spec(c.clone());
        let reference = workloads::reference(&spec).unwrap();
        let got = workloads::run(&spec, Run::new(&Config::new(2).unwrap())).unwrap().value;
        assert_eq!(spec.name.workload().verify(&reference, &got), want, "{c:?}");
    }
}

/// Pids of the live processes whose process group is `pgid` (a zombie has
/// ended: an orphan's waits on whoever reaps orphans here).
fn in_group(pgid: i32) -> Vec<i32> {
    let all = procfs::process::all_processes().unwrap().flatten().filter_map(|p| p.stat().ok());
    all.filter(|s| s.pgrp == pgid && s.state != 'Z').map(|s| s.pid).collect()
}

#[test]
fn a_cancel_ends_the_whole_process_group() {
    let c = CommandSpec { shell: true, ..CommandSpec::new("sleep 30 & sleep 30 & sh -c 'sleep 30' & wait; : {threads}") };
    let inv = c.at(2, 1).unwrap();
    let cancel = CancelToken::new();
    let (tripped, seen) = (cancel.clone(), std::cell::RefCell::new(None::<i32>));
    let started = Instant::now();
    let out = tree::run(&inv, Duration::from_millis(50), &|| tripped.is_cancelled(), &mut |s| {
        // The leader's pid is the group's id; trip the cancel once its children are up.
        let pids: Vec<i32> = s.lanes.iter().map(|l| l.tid).collect();
        if let Some(&leader) = pids.first() {
            seen.borrow_mut().get_or_insert(leader);
        }
        if pids.len() >= 4 {
            cancel.cancel();
        }
    });
    assert!(matches!(out, Err(tree::RunError::Cancelled)), "{out:?}");
    assert!(started.elapsed() < Duration::from_secs(10), "the cancel ended it, not the sleeps");
    let leader = seen.borrow().unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while !in_group(leader).is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(in_group(leader), Vec::<i32>::new(), "no process of the group is left");
}

#[test]
fn a_timeout_ends_the_run_with_a_clear_error() {
    let c = CommandSpec { timeout_s: Some(0.3), ..CommandSpec::new("sleep {threads}0") };
    let err = workloads::run(&spec(c), Run::new(&Config::new(3).unwrap())).unwrap_err().to_string();
    assert!(err.contains("timeout of 0.3 s") && err.contains("sleep 30"), "{err}");
}

#[test]
#[ignore = "needs xz (Debian's xz-utils), which CI installs; run with --ignored"]
fn lanes_are_the_programs_threads_read_from_proc() {
    let dir = scratch("lanes");
    let data = dir.join("data");
    let mut text = String::new();
    let mut x: u64 = 1;
    while text.len() < 12_000_000 {
        x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        text.push_str(&format!("{:x} ", x >> 20));
    }
    std::fs::write(&data, text).unwrap();
    let c = CommandSpec::new(format!("xz -T{{threads}} --block-size=1MiB -c -6 {}", data.display()));
    let (tx, rx) = crossbeam_channel::unbounded();
    let hooks = Hooks { progress: Some(tx), ..Hooks::none() };
    let out = workloads::run(&spec(c), Run::new(&Config::new(2).unwrap()).hooks(hooks)).unwrap();
    let usage = out.report.process.unwrap();
    assert!(usage.threads_seen >= 3, "xz -T2 runs a main thread and two workers: {usage:?}");
    let busy: Vec<f64> = out.report.workers.iter().map(|w| w.busy_s).filter(|&b| b > 0.0).collect();
    assert!(busy.len() >= 2, "two threads did the work: {:?}", out.report.workers);
    assert!(usage.cpu_s() >= busy.iter().sum::<f64>() * 0.9, "the tree's CPU time holds its threads': {usage:?} {busy:?}");
    assert!(usage.peak_rss_bytes > 1 << 20, "{usage:?}");
    let lanes_sent =
        rx.try_iter().filter(|p| matches!(p.event, scalescope::engine::ProgressEvent::Worker { stats, .. } if stats.busy_s > 0.0)).count();
    assert!(lanes_sent > 0, "live lanes were sent while it ran");
}

#[test]
fn a_cancelled_run_leaves_no_zombie_of_its_own() {
    // The leader is this process's child: reaping it is this process's job.
    let c = CommandSpec::new("sleep {threads}0");
    let cancel = CancelToken::new();
    let leader = std::cell::Cell::new(0);
    let out = tree::run(&c.at(3, 1).unwrap(), Duration::from_millis(20), &|| cancel.is_cancelled(), &mut |s| {
        if let Some(l) = s.lanes.first() {
            leader.set(l.tid);
            cancel.cancel();
        }
    });
    assert!(matches!(out, Err(tree::RunError::Cancelled)), "{out:?}");
    assert!(procfs::process::Process::new(leader.get()).is_err(), "the leader {} was reaped", leader.get());
}
