//! The headless CLI: bad flags are one line and exit code 2; the JSON has the
//! documented shape.
#![allow(clippy::unwrap_used, reason = "a test fails loudly where an unwrap fails")]

use std::process::Command;

/// Runs the CLI with its experiments library in a scratch directory.
fn scalescope(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_scalescope"))
        .env("SCALESCOPE_DATA_DIR", std::env::temp_dir().join(format!("scalescope-cli-data-{}", std::process::id())))
        .args(args)
        .output()
        .unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

/// A fresh directory for one test's output files.
fn scratch_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("scalescope-cli-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn bad_flags_are_one_line_and_exit_2() {
    for args in [
        &["run", "--threads", "0"][..],
        &["run", "--chunk", "0"],
        &["run", "--feeder", "fastest"],
        &["run", "--workload", "nope"],
        &["run", "--workload", "primes", "--spin", "5"],
        &["run", "--n", "0"],
        &["run", "-w", "trivial", "--n", "0"],
        &["sweep", "--threads", "1,x"],
        &["run", "--workload", "word-count", "--file", "/no/such/file.txt"],
        &["run", "--bogus"],
        &["run", "--reps", "0"],
    ] {
        let (code, stdout, stderr) = scalescope(args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.starts_with("error"), "{args:?}: {stderr}");
        assert!(stdout.is_empty(), "{args:?}: {stdout}");
    }
}

#[test]
fn workloads_lists_every_workload_and_feeder() {
    let (code, stdout, _) = scalescope(&["workloads"]);
    assert_eq!(code, 0);
    for name in [
        "primes",
        "trivial",
        "sleep-spin",
        "word-count",
        "skewed",
        "ordered-map",
        "aggregates",
        "chunked",
        "lock-step",
        "locked",
        "queue",
        "dispenser",
        "rayon",
        "auto",
    ] {
        assert!(stdout.contains(name), "{name}");
    }
}

#[test]
fn sweep_writes_the_documented_json_and_csv() {
    let dir = scratch_dir("sweep");
    let json = dir.join("out.json");
    let csv = dir.join("out.csv");
    let (code, stdout, stderr) = scalescope(&[
        "sweep",
        "--workload",
        "primes",
        "--n",
        "30000",
        "--threads",
        "1,2",
        "--chunk",
        "100,auto",
        "--feeder",
        "dispenser,locked,auto",
        "--reps",
        "2",
        "--warmup",
        "0",
        "--json",
        json.to_str().unwrap(),
        "--csv",
        csv.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("verified"));
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert!(v["machine"]["logical_cores"].as_u64().unwrap() >= 1);
    assert!(v["machine"]["physical_cores"].as_u64().unwrap() >= 1);
    assert!(v["machine"]["cpu_model"].is_string());
    assert_eq!(v["workload"]["name"], "primes");
    assert_eq!(v["workload"]["params"]["n"], 30000);
    assert_eq!(v["baseline"]["result"], 3245);
    assert_eq!(v["baseline"]["times_s"].as_array().unwrap().len(), 2);
    let runs = v["runs"].as_array().unwrap();
    // dispenser: 2 threads x 2 chunks; locked: 2 threads (chunk ignored); auto: 2 x 2.
    assert_eq!(runs.len(), 10);
    for r in runs {
        for key in [
            "feeder",
            "threads",
            "chunk_size",
            "gil",
            "times_s",
            "median_s",
            "speedup",
            "efficiency",
            "karp_flatt",
            "result",
            "verified",
            "workers",
        ] {
            assert!(r.get(key).is_some(), "missing {key} in {r}");
        }
        assert_eq!(r["verified"], true);
        assert_eq!(r["result"], 3245);
        let p = r["threads"].as_u64().unwrap();
        assert_eq!(r["karp_flatt"].is_null(), p == 1, "{r}");
        let items: u64 = r["workers"].as_array().unwrap().iter().map(|w| w["items"].as_u64().unwrap()).sum();
        assert_eq!(items, 30000);
        let sp = r["speedup"].as_f64().unwrap();
        let eff = r["efficiency"].as_f64().unwrap();
        assert!((eff - sp / p as f64).abs() < 1e-9);
    }
    assert!(runs.iter().any(|r| r["chunk_size"] == "auto"));
    assert!(runs.iter().any(|r| r["chunk_size"] == 100));
    let csv_text = std::fs::read_to_string(&csv).unwrap();
    assert_eq!(csv_text.lines().count(), 11);
    assert!(csv_text.starts_with("experiment,workload,feeder,threads"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn word_count_json_has_keyed_result() {
    let dir = scratch_dir("wc");
    let json = dir.join("wc.json");
    let (code, _, stderr) = scalescope(&[
        "run",
        "--workload",
        "word-count",
        "--n",
        "2000",
        "--threads",
        "2",
        "--reps",
        "1",
        "--warmup",
        "0",
        "--json",
        json.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let result = &v["runs"][0]["result"];
    assert!(result["total"].as_u64().unwrap() > 2000);
    assert!(result["distinct"].as_u64().unwrap() > 10);
    let top = result["top"].as_array().unwrap();
    assert_eq!(top.len(), 10);
    let counts: Vec<u64> = top.iter().map(|e| e[1].as_u64().unwrap()).collect();
    assert!(counts.windows(2).all(|w| w[0] >= w[1]), "top is sorted by count: {counts:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn aggregates_and_ordered_map_sweep_their_variants_into_the_same_schema() {
    let dir = scratch_dir("variants");
    let json = dir.join("agg.json");
    let (code, stdout, stderr) = scalescope(&[
        "sweep",
        "--workload",
        "aggregates",
        "--n",
        "2000",
        "--k",
        "4",
        "--variant",
        "all",
        "--reps",
        "2",
        "--warmup",
        "0",
        "--json",
        json.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("variant") && stdout.contains("lock-step") && stdout.contains("peak held / bound"), "{stdout}");
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let runs = v["runs"].as_array().unwrap();
    let variants: Vec<&str> = runs.iter().map(|r| r["variant"].as_str().unwrap()).collect();
    assert_eq!(variants, ["chunked", "tee", "buffer-all", "lock-step", "cooperative"]);
    for r in runs {
        assert_eq!(r["verified"], true);
        assert_eq!(r["threads"], 4, "one thread per aggregate");
        assert_eq!(r["feeder"], "queue");
        let peak = r["buffer"]["peak"].as_u64().unwrap();
        assert_eq!(r["buffer"]["unit"], "items");
        match r["buffer"]["bound"].as_u64() {
            Some(bound) => assert!(peak <= bound, "{r}"),
            None => assert!(r["variant"] == "tee" || r["variant"] == "buffer-all"),
        }
        assert_eq!(r["result"], v["baseline"]["result"]);
        assert_eq!(r["result"]["count"], 2000);
    }
    assert_eq!(runs[2]["buffer"]["peak"], 2000, "buffer-all holds the whole input");

    let json = dir.join("om.json");
    let (code, _, stderr) = scalescope(&[
        "sweep",
        "-w",
        "ordered-map",
        "--n",
        "20000",
        "--variant",
        "ordered,unordered",
        "-t",
        "1,2",
        "--reps",
        "1",
        "--json",
        json.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let runs = v["runs"].as_array().unwrap();
    let got: Vec<(String, u64)> =
        runs.iter().map(|r| (r["variant"].as_str().unwrap().to_string(), r["threads"].as_u64().unwrap())).collect();
    assert_eq!(got, [("ordered".into(), 1), ("ordered".into(), 2), ("unordered".into(), 1), ("unordered".into(), 2)]);
    assert!(runs.iter().all(|r| r["verified"] == true && r["buffer"]["unit"] == "chunks" && r["result"] == 2262));
    // The file opens again.
    scalescope::experiment::Experiment::load(&json).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_variants_are_one_line_and_exit_2() {
    for args in [
        &["run", "-w", "aggregates", "--variant", "zip"][..],
        &["run", "-w", "primes", "--variant", "ordered"],
        &["run", "-w", "ordered-map", "--variant", "ordered,unordered"],
        &["run", "-w", "aggregates", "--k", "7"],
    ] {
        let (code, _, stderr) = scalescope(args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "{args:?}: {stderr}");
    }
}

#[test]
fn fits_carry_their_quality_and_a_sweep_exports_to_extrap() {
    let dir = scratch_dir("extrap");
    let json = dir.join("out.json");
    let (code, stdout, stderr) = scalescope(&[
        "sweep",
        "--workload",
        "primes",
        "--n",
        "20000",
        "--threads",
        "1,2,3",
        "--feeder",
        "dispenser",
        "--reps",
        "2",
        "--warmup",
        "0",
        "--fit",
        "--json",
        json.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("SMAPE"), "{stdout}");
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let fit = &v["fits"][0];
    let q = &fit["amdahl_quality"];
    let fitted = fit["threads"].as_array().unwrap().len() as u64;
    assert_eq!(q["points"].as_u64(), Some(fitted), "{fit}");
    assert!(q["smape_pct"].as_f64().unwrap() >= 0.0, "{q}");
    // Cross-validation and adjusted R^2 need 3 points for Amdahl's one parameter.
    assert_eq!(q["loo_rmse"].is_null(), fitted < 3, "{q}");
    assert_eq!(q["adj_r2"].is_null(), fitted < 3, "{q}");
    // The experiment is in the library under the id the sweep printed last.
    let id = stdout.lines().rev().find_map(|l| l.strip_suffix(": complete")).unwrap().trim().to_string();
    let out = dir.join("sweep.extrap.txt");
    let (code, said, stderr) = scalescope(&["export", &id, "--extrap", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert!(said.contains("1 regions over thread counts [1, 2, 3]") && said.contains("5 points"), "{said}");
    let text = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(&lines[..2], &["PARAMETER p", "POINTS (1) (2) (3)"], "{text}");
    assert!(lines.contains(&"REGION dispenser_chunkauto") && lines.contains(&"METRIC time"), "{text}");
    let data: Vec<Vec<f64>> =
        lines.iter().filter_map(|l| l.strip_prefix("DATA ")).map(|d| d.split(' ').map(|x| x.parse().unwrap()).collect()).collect();
    assert_eq!(data.len(), 3, "a DATA line per thread count: {text}");
    let runs = v["runs"].as_array().unwrap();
    for (row, run) in data.iter().zip(runs) {
        let times: Vec<f64> = run["times_s"].as_array().unwrap().iter().map(|t| t.as_f64().unwrap()).collect();
        assert_eq!(row.len(), times.len());
        assert!(row.iter().zip(&times).all(|(a, b)| (a - b).abs() < 1e-8), "{row:?} vs {times:?}");
    }
    // A text file of the user's is never overwritten.
    let notes = dir.join("notes.txt");
    std::fs::write(&notes, "my notes").unwrap();
    let (code, _, stderr) = scalescope(&["export", &id, "--extrap", notes.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--extrap") && stderr.contains("not an Extra-P input"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&notes).unwrap(), "my notes");
    std::fs::remove_dir_all(&dir).unwrap();
}
