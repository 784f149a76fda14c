//! Every workload, run on every feeder, equals its plain sequential reference.
#![allow(clippy::unwrap_used, reason = "a test fails loudly where an unwrap fails")]

use std::io::Write;

use scalescope::engine::{Config, FeederKind, Run};
use scalescope::workloads::{self, Computed, WorkloadError, WorkloadKind, WorkloadSpec};

fn small(kind: WorkloadKind) -> WorkloadSpec {
    let spec = WorkloadSpec::new(kind);
    match kind {
        WorkloadKind::Primes => spec.with("n", 200_000),
        WorkloadKind::Trivial => spec.with("n", 300_000),
        WorkloadKind::SleepSpin => spec.with("n", 60).with("sleep_us", 50).with("spin", 1000),
        WorkloadKind::WordCount => spec.with("n", 3000),
        WorkloadKind::Skewed => spec.with("n", 60).with("width", 80).with("max_iter", 200),
    }
}

#[test]
fn every_workload_on_every_feeder_matches_its_reference() {
    for kind in WorkloadKind::ALL {
        let spec = small(kind);
        let want = workloads::reference(&spec).unwrap();
        for feeder in FeederKind::ALL {
            for gil in [false, true] {
                let config = Config::new(3).feeder(feeder).chunk(64).gil(gil);
                let got = workloads::run(&spec, Run::new(&config)).unwrap();
                assert_eq!(got.value, want, "{kind} on {feeder} gil={gil}");
            }
        }
    }
}

#[test]
fn primes_known_counts() {
    let spec = WorkloadSpec::new(WorkloadKind::Primes).with("n", 1_000_000);
    assert_eq!(workloads::reference(&spec).unwrap(), Computed::Number(78_498));
    let got = workloads::run(&spec, Run::new(&Config::new(2))).unwrap();
    assert_eq!(got.value, Computed::Number(78_498));
}

#[test]
fn word_count_of_a_real_text_equals_a_sequential_count() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/tinyshakespeare.txt");
    if !path.exists() {
        assert!(std::env::var_os("CI").is_none(), "CI must have ../shared/data/tinyshakespeare.txt");
        eprintln!("{} not found: skipped outside CI", path.display());
        return;
    }
    let mut spec = WorkloadSpec::new(WorkloadKind::WordCount);
    spec.file = Some(path.clone());
    // An independent count: split the whole text at once.
    let text = std::fs::read_to_string(&path).unwrap();
    let mut want = std::collections::HashMap::<String, u64>::new();
    for w in text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
        *want.entry(w.to_lowercase()).or_default() += 1;
    }
    for feeder in [FeederKind::Dispenser, FeederKind::Queue, FeederKind::Auto, FeederKind::Rayon] {
        let got = workloads::run(&spec, Run::new(&Config::new(2).feeder(feeder))).unwrap();
        assert_eq!(got.value, Computed::Counts(want.clone()), "feeder {feeder}");
    }
}

#[test]
fn unreadable_and_non_utf8_files_are_clear_errors() {
    let mut spec = WorkloadSpec::new(WorkloadKind::WordCount);
    spec.file = Some("/definitely/not/here.txt".into());
    let e = workloads::run(&spec, Run::new(&Config::new(2))).unwrap_err();
    assert!(matches!(e, WorkloadError::Io { .. }) && e.to_string().contains("/definitely/not/here.txt"), "{e}");

    let dir = std::env::temp_dir().join(format!("scalescope-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("latin1.txt");
    let mut f = std::fs::File::create(&bad).unwrap();
    f.write_all(b"good line\nalso good\ncaf\xe9 au lait\nmore\n").unwrap();
    drop(f);
    spec.file = Some(bad.clone());
    for feeder in FeederKind::ALL {
        let e = workloads::run(&spec, Run::new(&Config::new(2).feeder(feeder))).unwrap_err();
        assert!(e.to_string().contains("line 3 is not valid UTF-8"), "feeder {feeder}: {e}");
    }
    assert!(workloads::reference(&spec).is_err());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn parameters_out_of_bounds_are_refused() {
    let spec = WorkloadSpec::new(WorkloadKind::Primes).with("n", 0);
    let e = workloads::reference(&spec).unwrap_err();
    assert_eq!(e.to_string(), "n = 0 is out of bounds (allowed 1..=1000000000)");
    let spec = WorkloadSpec::new(WorkloadKind::Primes).with("spin", 3);
    assert!(matches!(workloads::reference(&spec), Err(WorkloadError::UnknownParam(_))));
}
