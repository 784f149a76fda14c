//! A hyperfine scan of thread counts imported as an experiment: the export
//! in `tests/data/hyperfine-scan.json` was recorded with
//! `hyperfine -N -P threads 1 4 --runs 3 --export-json hyperfine-scan.json
//! 'sort --parallel={threads} -n /tmp/hfw/somefile -o /dev/null'` (hyperfine
//! 1.15, a 2-core VM beside other builds). Its numbers become the runs, as a
//! sweep would compute them; garbage, a huge file and a FIFO are refused with
//! one error; `scalescope import` keeps it in the library and never runs it.
#![allow(clippy::unwrap_used, reason = "a test fails loudly where an unwrap fails")]

use std::path::{Path, PathBuf};
use std::process::Command;

use scalescope::analysis::Analysis;
use scalescope::analysis::diagnosis::Verdict;
use scalescope::experiment::hyperfine::{self, HyperfineError, MAX_BYTES};
use serde_json::Value;

fn recorded_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("data").join("hyperfine-scan.json")
}

fn recorded() -> Vec<u8> {
    std::fs::read(recorded_path()).unwrap()
}

fn median(xs: &[f64]) -> f64 {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    if v.len() % 2 == 1 { v[m] } else { (v[m - 1] + v[m]) / 2.0 }
}

#[test]
fn the_recorded_scan_imports_with_its_own_numbers() {
    let bytes = recorded();
    let file: Value = serde_json::from_slice(&bytes).unwrap();
    let results = file["results"].as_array().unwrap();
    let times = |i: usize| -> Vec<f64> { results[i]["times"].as_array().unwrap().iter().map(|t| t.as_f64().unwrap()).collect() };
    let scan = hyperfine::from_bytes(&bytes, None, "2026-12-05T14:44:51Z").unwrap();
    let exp = &scan.experiment;
    assert_eq!(exp.runs.iter().map(|r| r.threads).collect::<Vec<_>>(), [1, 2, 3, 4]);
    assert_eq!(exp.asked.reps, 3);
    let command = exp.workload.command.as_ref().unwrap();
    assert_eq!(command.command, "sort --parallel={threads} -n /tmp/hfw/somefile -o /dev/null");
    command.check().unwrap();
    // The reference is the 1-thread result; every speedup is its median over the run's.
    let base = median(&times(0));
    assert_eq!(exp.baseline.as_ref().unwrap().median_s, base);
    assert_eq!(exp.baseline.as_ref().unwrap().times_s, times(0));
    for (i, r) in exp.runs.iter().enumerate() {
        assert_eq!(r.times_s, times(i), "threads {}", r.threads);
        let speedup = base / median(&times(i));
        assert!((r.speedup - speedup).abs() < 1e-12, "threads {}: {} against {speedup}", r.threads, r.speedup);
        assert!((r.efficiency - speedup / r.threads as f64).abs() < 1e-12);
        assert_eq!(r.karp_flatt.is_some(), r.threads > 1);
        assert!(r.verified);
        // One reading per repetition: its time, hyperfine's mean user and system time, exit 0.
        assert_eq!(r.process.len(), 3);
        for (p, t) in r.process.iter().zip(times(i)) {
            assert_eq!(p.wall_s, t);
            assert_eq!(p.user_s, results[i]["user"].as_f64().unwrap());
            assert_eq!(p.sys_s, results[i]["system"].as_f64().unwrap());
            assert!(p.exit.success() && p.peak_rss_bytes == 0);
        }
    }
    // No machine is claimed, and the file reads back as it was written.
    assert_eq!(exp.machine.logical_cores, 0);
    assert!(exp.machine.cpu_model.contains("hyperfine"), "{}", exp.machine.cpu_model);
    assert!(scan.warnings.is_empty(), "{:?}", scan.warnings);
    let back = scalescope::experiment::Experiment::from_json(&exp.to_json(), "back").unwrap();
    assert_eq!(&back, exp);
    // sort with -n on this input kept one core busy at every count: it ran serially.
    let analysis = Analysis::of(exp);
    let d = &analysis.diagnoses[3];
    assert_eq!(d.verdict, Verdict::RanSerially, "{d:?}");
    assert_eq!(d.headline, "asked for 4 threads, used 1.0 core: the program ran serially (does it read {threads}?)");
    assert!(analysis.what_if.is_empty());
    // The same bytes give the same id; another parameter name, another.
    assert_eq!(hyperfine::from_bytes(&bytes, None, "2026-12-05T14:44:51Z").unwrap().experiment.id, exp.id);
}

#[test]
fn a_parameter_of_another_name_is_taken_with_param() {
    let text = String::from_utf8(recorded()).unwrap().replace("\"threads\"", "\"workers\"");
    let err = hyperfine::from_bytes(text.as_bytes(), None, "").unwrap_err().to_string();
    assert!(err.contains("--param NAME") && err.contains("its parameters: workers"), "{err}");
    let scan = hyperfine::from_bytes(text.as_bytes(), Some("workers"), "").unwrap();
    assert_eq!(scan.experiment.runs.len(), 4);
    assert_eq!(scan.experiment.workload.command.unwrap().command, "sort --parallel={threads} -n /tmp/hfw/somefile -o /dev/null");
    assert!(scan.notes.iter().any(|n| n.contains("'workers'")), "{:?}", scan.notes);
    let err = hyperfine::from_bytes(text.as_bytes(), Some("jobs"), "").unwrap_err().to_string();
    assert!(err.contains("results[0] has no parameter 'jobs'"), "{err}");
    // One of the usual names is found without --param.
    let jobs = String::from_utf8(recorded()).unwrap().replace("\"threads\"", "\"jobs\"");
    assert_eq!(hyperfine::from_bytes(jobs.as_bytes(), None, "").unwrap().experiment.runs.len(), 4);
}

#[test]
fn without_a_one_thread_result_the_smallest_count_is_the_reference() {
    let mut file: Value = serde_json::from_slice(&recorded()).unwrap();
    file["results"].as_array_mut().unwrap().remove(0);
    let scan = hyperfine::from_bytes(file.to_string().as_bytes(), None, "").unwrap();
    let exp = &scan.experiment;
    assert_eq!(exp.runs[0].threads, 2);
    assert!((exp.runs[0].speedup - 1.0).abs() < 1e-12);
    assert!(scan.notes.iter().any(|n| n.contains("reference is the run at 2 threads")), "{:?}", scan.notes);
}

#[test]
fn a_failed_run_is_not_verified_and_says_so() {
    let mut file: Value = serde_json::from_slice(&recorded()).unwrap();
    file["results"][2]["exit_codes"] = serde_json::json!([0, 2, null]);
    let scan = hyperfine::from_bytes(file.to_string().as_bytes(), None, "").unwrap();
    let exp = &scan.experiment;
    assert!(!exp.runs[2].verified && exp.runs.iter().filter(|r| r.verified).count() == 3);
    assert_eq!(scan.warnings, ["3 threads: 2 of 3 runs failed (exit status 2): not verified"]);
    let d = &Analysis::of(exp).diagnoses[2];
    assert_eq!(d.verdict, Verdict::Failed, "{d:?}");
}

/// Every way an export can be wrong: one error each, never a panic.
#[test]
fn garbage_is_refused_with_one_error() {
    let good = String::from_utf8(recorded()).unwrap();
    let cases: Vec<(String, &str)> = vec![
        ("not json at all".into(), "expected"),
        ("{\"results\": 5}".into(), "invalid type"),
        ("{\"results\": []}".into(), "no results"),
        ("{\"results\": [{\"command\": \"x\"}]}".into(), "missing field"),
        (good.replace("\"threads\": \"2\"", "\"threads\": \"0\""), "'0' is not a thread count"),
        (good.replace("\"threads\": \"2\"", "\"threads\": \"99999\""), "not a thread count"),
        (good.replace("\"threads\": \"2\"", "\"threads\": \"1\""), "two results for 1 threads"),
        (good.replace("2.06438985", "-2.06438985"), "is not a time in seconds"),
        (good.replace("2.06438985", "1e300"), "is not a time in seconds"),
        (good.replace("\"user\": 1.9906596666666665", "\"user\": -1"), "results[0].user"),
        (good.replacen("0,\n        0,\n        0\n", "0\n", 1), "exit_codes"),
        (good.replace("--parallel=3", "--parallel=7"), "do not differ by the value"),
        (good.replace("\"parameters\"", "\"params\""), "no parameters"),
    ];
    for (text, says) in cases {
        let err = hyperfine::from_bytes(text.as_bytes(), None, "").expect_err(says);
        let msg = err.to_string();
        assert!(matches!(err, HyperfineError::Invalid(_)), "{msg}");
        assert!(msg.contains(says), "expected '{says}' in: {msg}");
        assert_eq!(msg.lines().count(), 1, "{msg}");
    }
    // Results named with --command-name: the commands no longer show the thread count.
    let mut named: Value = serde_json::from_str(&good).unwrap();
    for r in named["results"].as_array_mut().unwrap() {
        r["command"] = Value::String("sort, parallel".into());
    }
    let err = hyperfine::from_bytes(named.to_string().as_bytes(), None, "").unwrap_err().to_string();
    assert!(err.contains("the commands do not differ by the value of 'threads' alone"), "{err}");
    // Every truncation and every single-byte change of a real export: an error or an experiment, never a panic.
    let bytes = recorded();
    for cut in 0..bytes.len() {
        let _ = hyperfine::from_bytes(&bytes[..cut], None, "");
    }
    for at in (0..bytes.len()).step_by(7) {
        for b in [b'"', b'9', b'-', b'{', b'\\', 0xff] {
            let mut v = bytes.clone();
            v[at] = b;
            let _ = hyperfine::from_bytes(&v, None, "");
        }
    }
}

#[test]
fn a_huge_file_and_a_fifo_are_refused_before_they_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let huge = dir.path().join("huge.json");
    std::fs::File::create(&huge).unwrap().set_len(MAX_BYTES + 1).unwrap();
    let err = hyperfine::read(&huge, None).unwrap_err().to_string();
    assert!(err.contains("more than the limit of 16 MiB"), "{err}");
    let fifo = dir.path().join("scan.json");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let err = hyperfine::read(&fifo, None).unwrap_err().to_string();
    assert!(err.contains("FIFO"), "{err}");
    assert!(!hyperfine::sniff(&fifo), "a FIFO is not sniffed either");
    let err = hyperfine::read(&dir.path().join("absent.json"), None).unwrap_err().to_string();
    assert!(err.contains("absent.json"), "{err}");
}

/// Runs the CLI with its experiments library in `data`.
fn scalescope(data: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_scalescope")).env("SCALESCOPE_DATA_DIR", data).args(args).output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

#[test]
fn scalescope_import_keeps_the_scan_and_never_runs_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // A command that would leave a mark, and an escape sequence in it.
    let marker = dir.path().join("ran");
    let text = String::from_utf8(recorded())
        .unwrap()
        .replace("sort --parallel=", &format!("touch {} \\u001b[2J; sort --parallel=", marker.display()));
    let scan = dir.path().join("scan.json");
    std::fs::write(&scan, &text).unwrap();
    let (code, stdout, stderr) = scalescope(&data, &["import", scan.to_str().unwrap()]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.starts_with("imported "), "{stdout}");
    assert!(stdout.contains("hyperfine scan of touch"), "{stdout}");
    assert!(stdout.contains("\\u{1b}[2J; sort --parallel={threads}"), "the command escaped: {stdout}");
    assert!(!stdout.contains('\u{1b}') && !stderr.contains('\u{1b}'), "{stdout}{stderr}");
    assert!(stdout.contains("threads 1,2,3,4, 3 runs each"), "{stdout}");
    assert!(!marker.exists(), "importing ran the command");
    // It is in the library, as a command experiment of the scan's numbers.
    let lib = scalescope::experiment::Library::at(data.join("experiments"));
    let kept = lib.experiments();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].runs.len(), 4);
    assert!(kept[0].workload.command.as_ref().unwrap().command.ends_with("sort --parallel={threads} -n /tmp/hfw/somefile -o /dev/null"));
    let (_, list, _) = scalescope(&data, &["list"]);
    assert!(list.contains(kept[0].id.as_str()), "{list}");
    // A second import finds it there.
    let (code, again, _) = scalescope(&data, &["import", scan.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(again.contains("is already in the library"), "{again}");
    // --param names the parameter; a wrong one is one line and exit code 2.
    let (code, _, err) = scalescope(&data, &["import", "--param", "jobs", scan.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.starts_with("error: ") && err.contains("has no parameter 'jobs'"), "{err}");
    // Garbage named as a scan: one line.
    let junk = dir.path().join("junk.json");
    std::fs::write(&junk, "{\"results\": [garbage").unwrap();
    let (code, _, err) = scalescope(&data, &["import", junk.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("not a hyperfine scan"), "{err}");
    assert!(!marker.exists());
}
