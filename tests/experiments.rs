//! Experiments that lose nothing: every way out of a run keeps what was
//! measured and destroys no file the user had. Most tests drive the real
//! binary as a child process, each with its own experiments library.
#![allow(clippy::unwrap_used, reason = "a test fails loudly where an unwrap fails")]

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use proptest::prelude::*;
use scalescope::engine::{Chunk, ChunkSize, FeederKind, Hooks, Run, Threads};
use scalescope::experiment::SweepPlan;
use scalescope::experiment::{Experiment, Library, Status, StopCause};
use scalescope::measure::run_sweep;
use scalescope::workloads::{self, WorkloadError, WorkloadKind, WorkloadSpec};

/// A fresh directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("scalescope-exp-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The CLI with its library in `dir/data`.
fn cli(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_scalescope"));
    c.env("SCALESCOPE_DATA_DIR", dir.join("data")).args(args);
    c
}

fn output(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = cli(dir, args).output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

fn library(dir: &Path) -> Library {
    Library::at(dir.join("data").join("experiments"))
}

fn signal(child: &Child, sig: &str) {
    let ok = Command::new("kill").args([sig, &child.id().to_string()]).status().unwrap();
    assert!(ok.success());
}

/// Waits (at most a minute) until the library holds an experiment with at
/// least `done` finished measurements.
fn wait_for_measurements(lib: &Library, done: usize) {
    let t0 = Instant::now();
    loop {
        let reached = lib.experiments().iter().any(|x| matches!(x.status, Status::Running { done: d, .. } if d >= done));
        if reached {
            return;
        }
        assert!(t0.elapsed() < Duration::from_secs(60), "no measurement was saved within a minute");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A sweep long enough to interrupt: primes n = 400,000 (about 20 ms a
/// call here), 2 x 2 configurations, 40 repetitions.
const LONG_SWEEP: &[&str] =
    &["sweep", "--workload", "primes", "--n", "400000", "--threads", "1,2", "--feeder", "dispenser,auto", "--reps", "40", "--warmup", "0"];

fn small_plan() -> SweepPlan {
    SweepPlan {
        workload: WorkloadSpec::new(WorkloadKind::Primes).with("n", 3000),
        feeders: vec![FeederKind::Dispenser, FeederKind::Auto],
        threads: vec![Threads::new(1).unwrap(), Threads::new(2).unwrap()],
        chunks: vec![ChunkSize::Auto, ChunkSize::Fixed(Chunk::of(64))],
        gil: vec![false],
        reps: 2,
        warmup: 0,
        spans: true,
        variants: vec![],
        weak: false,
    }
}

/// Every snapshot a small sweep saves, in order, and the final experiment.
fn snapshots() -> &'static (Vec<Experiment>, Experiment) {
    static SNAPS: std::sync::OnceLock<(Vec<Experiment>, Experiment)> = std::sync::OnceLock::new();
    SNAPS.get_or_init(|| {
        let plan = small_plan();
        let mut snaps = Vec::new();
        let last = run_sweep(&plan, Experiment::start(&plan, None), &Hooks::none(), |_| {}, |x| snaps.push(x.clone())).unwrap();
        (snaps, last)
    })
}

#[test]
fn every_snapshot_holds_exactly_the_measurements_finished_so_far() {
    let (snaps, last) = snapshots();
    let plan = small_plan();
    assert_eq!(snaps.len(), plan.total_measurements());
    for (k, x) in snaps.iter().enumerate() {
        let Status::Running { done, total, .. } = x.status else { panic!("{:?}", x.status) };
        assert_eq!((done, total), (k + 1, plan.total_measurements()));
        let timed: usize =
            x.baseline.iter().map(|b| b.times_s.len()).sum::<usize>() + x.runs.iter().map(|r| r.times_s.len()).sum::<usize>();
        assert_eq!(timed, done, "snapshot {k}");
        assert!(x.runs.iter().all(|r| r.verified && r.result == x.baseline.as_ref().unwrap().result));
    }
    assert_eq!(last.status, Status::Complete);
    assert_eq!(last.runs.len(), plan.configs().len());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// An experiment written after any prefix of its measurements reopens
    /// equal to that prefix, whatever status it was written with.
    #[test]
    fn a_prefix_written_reopens_equal(k in 0usize..13, stop in 0u8..4) {
        let (snaps, last) = snapshots();
        let mut x = if k < snaps.len() { snaps[k].clone() } else { last.clone() };
        x.status = match stop {
            0 => x.status,
            1 => Status::Stopped { done: k, total: snaps.len(), by: StopCause::User },
            2 => Status::Stopped { done: k, total: snaps.len(), by: StopCause::Signal { name: "SIGTERM".into() } },
            _ => Status::Stopped { done: k, total: snaps.len(), by: StopCause::Error { message: "a \"quoted\"\nmessage".into() } },
        };
        let dir = scratch(&format!("prefix-{k}-{stop}"));
        let path = dir.join("x.json");
        x.save(&path).unwrap();
        prop_assert_eq!(Experiment::load(&path).unwrap(), x);
        let lib = library(&dir);
        lib.create(&mut snaps.first().unwrap().clone()).unwrap();
        prop_assert_eq!(lib.experiments().len(), 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

/// A results file as the builds of schema 1 wrote it.
const SCHEMA_1: &str = r#"{
  "schema": "scalescope-results/1",
  "machine": { "logical_cores": 16, "physical_cores": 8, "cpu_model": "AMD EPYC", "os": "linux x86_64" },
  "workload": { "name": "primes", "params": { "n": 30000 } },
  "baseline": { "median_s": 0.004, "times_s": [0.004, 0.0041], "result": 3245 },
  "runs": [
    { "feeder": "dispenser", "threads": 2, "chunk_size": 100, "gil": false, "times_s": [0.0021, 0.0022],
      "median_s": 0.00215, "mean_s": 0.00215, "stddev_s": 0.00007, "min_s": 0.0021, "max_s": 0.0022,
      "speedup": 1.86, "efficiency": 0.93, "karp_flatt": 0.075, "result": 3245, "verified": true,
      "workers": [{ "items": 15000, "chunks": 150, "busy_s": 0.002, "wait_s": 0.0001 },
                  { "items": 15000, "chunks": 150, "busy_s": 0.002, "wait_s": 0.0001 }],
      "used": "dispenser", "plan": null, "outliers": [] }
  ]
}"#;

#[test]
fn schema_1_files_still_open_and_import() {
    let x = Experiment::from_json(SCHEMA_1, "/somewhere/old results.json").unwrap();
    assert_eq!(x.schema, scalescope::experiment::SCHEMA);
    assert_eq!(x.status, Status::Complete);
    assert_eq!(x.id.as_str(), "v1-old-results");
    assert_eq!(x.machine.logical_cores, 16);
    assert_eq!(x.runs.len(), 1);
    assert_eq!(x.asked.threads, vec![Threads::new(2).unwrap()]);
    assert_eq!(x.asked.feeders, vec![FeederKind::Dispenser]);
    assert_eq!(x.asked.reps, 2);
    assert_eq!(x.baseline.as_ref().unwrap().times_s, vec![0.004, 0.0041]);

    let dir = scratch("schema1");
    let old = dir.join("old.json");
    std::fs::write(&old, SCHEMA_1).unwrap();
    let (code, stdout, stderr) = output(&dir, &["import", old.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("imported"), "{stdout}");
    let (code, stdout, _) = output(&dir, &["list"]);
    assert_eq!(code, 0);
    assert!(stdout.contains("v1-old") && stdout.contains("primes n=30000"), "{stdout}");
    // Importing it again changes nothing.
    output(&dir, &["import", old.to_str().unwrap()]);
    assert_eq!(library(&dir).experiments().len(), 1);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn sigint_and_sigterm_keep_a_valid_stopped_experiment() {
    for (sig, name) in [("-INT", "SIGINT"), ("-TERM", "SIGTERM")] {
        let dir = scratch(&format!("signal{sig}"));
        let json = dir.join("out.json");
        let mut args = LONG_SWEEP.to_vec();
        args.extend(["--json", json.to_str().unwrap()]);
        let child = cli(&dir, &args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        wait_for_measurements(&library(&dir), 3);
        signal(&child, sig);
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(130), "{stderr}");
        assert!(stderr.contains(&format!("stopped by {name}")), "{stderr}");
        for path in [json.clone(), library(&dir).list().unwrap()[0].path.clone()] {
            let x = Experiment::load(&path).unwrap();
            let Status::Stopped { done, total, by } = &x.status else { panic!("{:?}", x.status) };
            assert_eq!(by, &StopCause::Signal { name: name.into() });
            assert!(*done >= 3 && done < total, "{done} of {total}");
            let timed = x.baseline.as_ref().unwrap().times_s.len() + x.runs.iter().map(|r| r.times_s.len()).sum::<usize>();
            assert_eq!(timed, *done);
            assert!(x.runs.iter().all(|r| r.verified && r.result == x.baseline.as_ref().unwrap().result));
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

/// A sweep of `trivial` (about a millisecond a call): 2 x 2 configurations,
/// `reps` repetitions, no warm-up, the experiment also written to `json`.
fn trivial_sweep(reps: usize, json: &Path) -> Vec<String> {
    let mut args: Vec<String> =
        ["sweep", "--workload", "trivial", "--n", "20000", "--threads", "1,2", "--feeder", "dispenser,auto", "--warmup", "0", "--reps"]
            .map(String::from)
            .to_vec();
    args.push(reps.to_string());
    args.push("--json".into());
    args.push(json.display().to_string());
    args
}

#[test]
fn kill_9_mid_write_leaves_the_previous_file_intact() {
    let dir = scratch("kill9");
    let json = dir.join("out.json");
    // Saves after every measurement of about a millisecond: kills land mid-write.
    let args = trivial_sweep(1000, &json);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    for delay_ms in [150, 230, 310, 470, 650] {
        let mut child = cli(&dir, &args).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        if json.exists() {
            let x = Experiment::load(&json).unwrap();
            assert!(matches!(x.status, Status::Running { .. }), "{:?}", x.status);
        }
        for entry in library(&dir).list().unwrap() {
            entry.experiment.unwrap();
        }
    }
    // Every killed experiment reads back, and says it was interrupted.
    let all = library(&dir).experiments();
    assert!(!all.is_empty() && all.len() <= 5);
    assert!(all.iter().all(|x| x.status.word() == "interrupted"), "{:?}", all.iter().map(|x| x.status.describe()).collect::<Vec<_>>());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn two_processes_writing_at_once_lose_nothing() {
    let dir = scratch("concurrent");
    let json = dir.join("shared.json");
    let args = trivial_sweep(60, &json);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let a = cli(&dir, &args).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    let b = cli(&dir, &args).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    assert!(a.status.success(), "{}", String::from_utf8_lossy(&a.stderr));
    assert!(b.status.success(), "{}", String::from_utf8_lossy(&b.stderr));
    let all = library(&dir).experiments();
    assert_eq!(all.len(), 2);
    assert_ne!(all[0].id, all[1].id);
    assert!(all.iter().all(|x| x.status == Status::Complete && x.runs.len() == 4));
    // The path both wrote holds one of the two whole experiments.
    let shared = Experiment::load(&json).unwrap();
    assert!(all.contains(&shared));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_output_paths_exit_2_before_measuring() {
    let dir = scratch("badpaths");
    let text = dir.join("notes.txt");
    std::fs::write(&text, "my notes\n").unwrap();
    let readonly = dir.join("readonly.json");
    let (code, _, stderr) = output(&dir, &["run", "--n", "1000", "--json", readonly.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    let mut perms = std::fs::metadata(&readonly).unwrap().permissions();
    perms.set_readonly(true);
    std::fs::set_permissions(&readonly, perms).unwrap();
    let before = library(&dir).experiments().len();
    let d = dir.to_str().unwrap();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (vec!["--json".into(), format!("{d}/missing/out.json")], "does not exist"),
        (vec!["--json".into(), d.into()], "is a directory"),
        (vec!["--csv".into(), format!("{d}/")], "is a directory"),
        (vec!["--json".into(), readonly.to_str().unwrap().into()], "read-only"),
        (vec!["--json".into(), format!("{d}/a.json"), "--csv".into(), format!("{d}/./a.json")], "the same file as --json"),
        (vec!["--json".into(), text.to_str().unwrap().into()], "not a scalescope results file"),
        (vec!["--csv".into(), text.to_str().unwrap().into()], "not a scalescope CSV file"),
        (vec!["--csv".into(), "/dev/null".into()], "not a regular file"),
        (
            vec![
                "--workload".into(),
                "word-count".into(),
                "--file".into(),
                text.to_str().unwrap().into(),
                "--force".into(),
                "--csv".into(),
                text.to_str().unwrap().into(),
            ],
            "is the input file",
        ),
    ];
    for (extra, expect) in cases {
        let mut args = vec!["run".to_string(), "--n".into(), "1000".into()];
        if extra.contains(&"word-count".to_string()) {
            args.truncate(1);
        }
        args.extend(extra);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let t0 = Instant::now();
        let (code, stdout, stderr) = output(&dir, &args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.contains(expect), "{args:?}: {stderr}");
        assert!(stdout.is_empty(), "{args:?} measured: {stdout}");
        assert!(t0.elapsed() < Duration::from_secs(5));
    }
    assert_eq!(library(&dir).experiments().len(), before, "a refused run made an experiment");
    assert_eq!(std::fs::read_to_string(&text).unwrap(), "my notes\n", "the text file was touched");
    // --force overwrites a file that is not ours, and says nothing about it.
    let (code, _, stderr) = output(&dir, &["run", "--n", "1000", "--force", "--json", text.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    Experiment::load(&text).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_closed_stdout_neither_panics_nor_stops_the_save() {
    let dir = scratch("pipe");
    let json = dir.join("out.json");
    let args = ["sweep", "--workload", "primes", "--n", "20000", "--threads", "1,2", "--reps", "3", "--json", json.to_str().unwrap()];
    // Like `| head -2`: read two lines, then close the pipe.
    let mut child = cli(&dir, &args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 16];
    stdout.read_exact(&mut first).unwrap();
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(Experiment::load(&json).unwrap().status, Status::Complete);
    // And closed before anything was printed.
    std::fs::remove_file(&json).unwrap();
    let mut child = cli(&dir, &args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(Experiment::load(&json).unwrap().status, Status::Complete);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Runs the CLI under a 1 GiB address-space limit: growing without bound
/// would end in an allocation failure (an abort), not the error expected.
fn output_limited(dir: &Path, args: &[&str], stdin: Stdio) -> (i32, String) {
    let line = "ulimit -v 1048576; exec \"$0\" \"$@\"";
    let out = Command::new("sh")
        .env("SCALESCOPE_DATA_DIR", dir.join("data"))
        .arg("-c")
        .arg(line)
        .arg(env!("CARGO_BIN_EXE_scalescope"))
        .args(args)
        .stdin(stdin)
        .output()
        .unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).into())
}

#[test]
fn endless_or_one_line_inputs_are_one_error_line_within_memory() {
    let dir = scratch("longline");
    let long = dir.join("one-line.txt");
    std::fs::write(&long, vec![b'a'; 3 << 20]).unwrap();
    let l = long.to_str().unwrap();
    for (args, expect) in [
        (vec!["run", "--workload", "word-count", "--file", "/dev/zero"], "/dev/zero: line 1 is longer than 1.0 MiB"),
        (vec!["run", "--workload", "word-count", "--file", l], "line 1 is longer than 1.0 MiB"),
        (vec!["run", "--workload", "word-count", "--file", l, "--max-line", "100"], "line 1 is longer than 100 B"),
    ] {
        let (code, stderr) = output_limited(&dir, &args, Stdio::null());
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.contains(expect), "{args:?}: {stderr}");
    }
    // An endless stream of short lines stops at the spool's limit.
    let mut yes = Command::new("yes").arg("some words here").stdout(Stdio::piped()).spawn().unwrap();
    let (code, stderr) =
        output_limited(&dir, &["run", "--workload", "word-count", "--file", "/dev/stdin"], Stdio::from(yes.stdout.take().unwrap()));
    yes.kill().unwrap();
    yes.wait().unwrap();
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("more than 256 MiB"), "{stderr}");
    assert_eq!(library(&dir).experiments().len(), 0);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A text of `lines` lines.
fn text(lines: usize) -> String {
    (0..lines).map(|i| format!("the quick brown fox {i} jumps over the lazy dog {}\n", i % 17)).collect()
}

#[test]
fn a_fifo_is_read_once_neither_hanging_nor_mismatching() {
    let dir = scratch("fifo");
    let fifo = dir.join("in.fifo");
    let plain = dir.join("in.txt");
    let body = text(5000);
    std::fs::write(&plain, &body).unwrap();
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let writer = {
        let (fifo, body) = (fifo.clone(), body.clone());
        std::thread::spawn(move || std::fs::OpenOptions::new().write(true).open(fifo).unwrap().write_all(body.as_bytes()).unwrap())
    };
    let json = dir.join("fifo.json");
    let args = [
        "sweep",
        "--workload",
        "word-count",
        "--file",
        fifo.to_str().unwrap(),
        "--threads",
        "1,2",
        "--reps",
        "3",
        "--json",
        json.to_str().unwrap(),
    ];
    let mut child = cli(&dir, &args).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    let t0 = Instant::now();
    while child.try_wait().unwrap().is_none() {
        assert!(t0.elapsed() < Duration::from_secs(120), "a FIFO input hung");
        std::thread::sleep(Duration::from_millis(50));
    }
    let status = child.wait().unwrap();
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    assert!(status.success(), "{stderr}");
    writer.join().unwrap();
    let x = Experiment::load(&json).unwrap();
    assert!(x.all_verified() && !x.runs.is_empty());
    // The same words as the plain loop over the same text in a file.
    let reference = workloads::reference(&WorkloadSpec { file: Some(plain), ..WorkloadSpec::new(WorkloadKind::WordCount) }).unwrap();
    assert_eq!(x.baseline.unwrap().result, reference.to_value());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_file_that_changes_between_passes_is_reported_as_changed() {
    let dir = scratch("changed");
    let path = dir.join("in.txt");
    std::fs::write(&path, text(2000)).unwrap();
    let spec = WorkloadSpec { file: Some(path.clone()), ..WorkloadSpec::new(WorkloadKind::WordCount) }.prepare().unwrap();
    workloads::run(&spec, Run::new(&scalescope::engine::Config::new(2).unwrap())).unwrap();
    std::fs::OpenOptions::new().append(true).open(&path).unwrap().write_all(b"one more line\n").unwrap();
    for result in
        [workloads::run(&spec, Run::new(&scalescope::engine::Config::new(2).unwrap())).map(|_| ()), workloads::reference(&spec).map(|_| ())]
    {
        match result {
            Err(e @ WorkloadError::InputChanged { .. }) => assert!(e.to_string().contains("the input changed during the run"), "{e}"),
            other => panic!("expected InputChanged, got {other:?}"),
        }
    }
    std::fs::remove_file(&path).unwrap();
    assert!(matches!(workloads::reference(&spec), Err(WorkloadError::InputChanged { .. }) | Err(WorkloadError::Io { .. })));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_long_lock_step_plan_asks_for_yes_and_a_huge_one_is_refused_for_memory() {
    let dir = scratch("cost");
    let (code, stdout, stderr) = output(&dir, &["sweep", "--workload", "aggregates", "--variant", "all"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("lock-step") && stderr.contains("--yes") && stderr.contains("1 h"), "{stderr}");
    assert!(stdout.is_empty());
    let (code, _, stderr) =
        output(&dir, &["run", "--threads", "8", "--feeder", "dispenser", "--chunk", "16777216", "--memory-budget", "512M"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("1.0 GiB") && stderr.contains("512 MiB") && stderr.contains("--memory-budget"), "{stderr}");
    let (code, _, stderr) =
        output(&dir, &["sweep", "--workload", "aggregates", "--variant", "buffer-all", "--n", "100000000", "--memory-budget", "100M"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("763 MiB"), "{stderr}");
    assert_eq!(library(&dir).experiments().len(), 0);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn list_and_export_show_the_library() {
    let dir = scratch("list");
    let (code, _, stderr) = output(&dir, &["run", "--n", "5000", "--name", "first try"]);
    assert_eq!(code, 0, "{stderr}");
    let x = library(&dir).experiments().pop().unwrap();
    assert_eq!(x.name, "first try");
    let (code, stdout, _) = output(&dir, &["list"]);
    assert_eq!(code, 0);
    assert!(stdout.contains(x.id.as_str()) && stdout.contains("complete") && stdout.contains("first try"), "{stdout}");
    let json = dir.join("x.json");
    let csv = dir.join("x.csv");
    let (code, _, stderr) =
        output(&dir, &["export", &x.id.as_str()[..12], "--json", json.to_str().unwrap(), "--csv", csv.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(Experiment::load(&json).unwrap(), x);
    assert_eq!(std::fs::read_to_string(&csv).unwrap().lines().count(), 1 + x.runs.len());
    let (code, _, stderr) = output(&dir, &["export", "nope", "--json", json.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(stderr.contains("no experiment 'nope'"), "{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
#[ignore = "needs root to mount a 16 KiB tmpfs as a full disk; run with --ignored as root"]
fn a_full_disk_fails_the_output_not_the_measurements() {
    let dir = scratch("fulldisk");
    let full = dir.join("full");
    std::fs::create_dir_all(&full).unwrap();
    assert!(Command::new("mount").args(["-t", "tmpfs", "-o", "size=16k", "tmpfs"]).arg(&full).status().unwrap().success());
    std::fs::write(full.join("keep.txt"), "mine").unwrap();
    // Fill it.
    let _ = std::fs::write(full.join("fill"), vec![0u8; 64 << 10]);
    let json = full.join("out.json");
    let (code, stdout, stderr) = output(&dir, &["run", "--n", "20000", "--json", json.to_str().unwrap()]);
    let unmounted = Command::new("umount").arg(&full).status().unwrap().success();
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("No space left on device"), "{stderr}");
    assert!(!stdout.contains(&format!("wrote {}", json.display())), "{stdout}");
    // The measurements are in the library, whole.
    let all = library(&dir).experiments();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].status, Status::Complete);
    assert!(unmounted);
    std::fs::remove_dir_all(&dir).unwrap();
}
