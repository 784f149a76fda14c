//! Every workload, run on every feeder, equals its plain sequential reference.
#![allow(clippy::unwrap_used, reason = "a test fails loudly where an unwrap fails")]

mod common;

use std::io::Write;

use scalescope::engine::{CancelToken, Config, FeederKind, Hooks, ProgressEvent, Run};
use scalescope::workloads::{self, Computed, Variant, WorkloadError, WorkloadKind, WorkloadSpec};

/// Taken by the tests that start stream workers, so that the thread check
/// sees only its own.
static STREAMS: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn streams() -> std::sync::MutexGuard<'static, ()> {
    STREAMS.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn small(kind: WorkloadKind) -> WorkloadSpec {
    let spec = WorkloadSpec::new(kind);
    match kind {
        WorkloadKind::Primes => spec.with("n", 200_000),
        WorkloadKind::Trivial => spec.with("n", 300_000),
        WorkloadKind::SleepSpin => spec.with("n", 60).with("sleep_us", 50).with("spin", 1000),
        WorkloadKind::WordCount => spec.with("n", 3000),
        WorkloadKind::Skewed => spec.with("n", 60).with("width", 80).with("max_iter", 200),
        WorkloadKind::OrderedMap => spec.with("n", 50_000),
        WorkloadKind::Aggregates => spec.with("n", 100_000),
        WorkloadKind::FalseSharing => spec.with("n", 50_000).with("adds", 4),
        WorkloadKind::Contention => spec.with("n", 50_000).with("keys", 300),
        WorkloadKind::Stream => spec.with("n", 8).with("passes", 3),
        // A real program whose output must not depend on the threads.
        WorkloadKind::Command => WorkloadSpec {
            command: Some(scalescope::program::CommandSpec {
                shell: true,
                check_output: true,
                ..scalescope::program::CommandSpec::new("seq 3000 | sort -n -r --parallel={threads} | head -3")
            }),
            ..spec
        },
        // Measured inside another program (`scalescope::measure::Scaling`): nothing to run here.
        WorkloadKind::Code => spec,
    }
}

#[test]
fn the_stream_sums_every_word_of_its_buffer_once_per_pass() {
    let spec = small(WorkloadKind::Stream);
    let buf = scalescope::workloads::stream::buffer(8);
    let once = buf[..8 << 17].iter().fold(0u64, |a, &x| a.wrapping_add(x));
    let want = Computed::Number(once.wrapping_mul(3));
    assert_eq!(workloads::reference(&spec).unwrap(), want);
    for feeder in FeederKind::ALL {
        let config = Config::new(3).unwrap().feeder(feeder).chunk(5).unwrap();
        assert_eq!(workloads::run(&spec, Run::new(&config)).unwrap().value, want, "stream on {feeder}");
    }
}

#[test]
fn contention_local_merge_matches_its_reference_on_every_feeder() {
    // The loop above runs the default variant (locked-map); this one the other.
    let spec = small(WorkloadKind::Contention).with_variant(scalescope::workloads::Variant::LocalMerge);
    let want = workloads::reference(&spec).unwrap();
    let Computed::Counts(counts) = &want else { panic!("counts expected, got {want:?}") };
    assert_eq!(counts.values().sum::<u64>(), 50_000);
    assert!(counts.len() <= 300 && counts.len() > 250, "{} distinct keys of 300", counts.len());
    for feeder in FeederKind::ALL {
        let config = Config::new(3).unwrap().feeder(feeder).chunk(64).unwrap();
        assert_eq!(workloads::run(&spec, Run::new(&config)).unwrap().value, want, "local-merge on {feeder}");
    }
}

#[test]
fn false_sharing_padded_matches_its_reference_on_every_feeder() {
    // The loop above runs the default variant (packed); this one the other.
    let spec = small(WorkloadKind::FalseSharing).with_variant(scalescope::workloads::Variant::Padded);
    let want = workloads::reference(&spec).unwrap();
    assert_eq!(want, Computed::Number((0..50_000u64).sum()));
    for feeder in FeederKind::ALL {
        let config = Config::new(3).unwrap().feeder(feeder).chunk(64).unwrap();
        assert_eq!(workloads::run(&spec, Run::new(&config)).unwrap().value, want, "padded on {feeder}");
    }
}

#[test]
fn every_workload_on_every_feeder_matches_its_reference() {
    let _streams = streams();
    for kind in WorkloadKind::ALL.into_iter().filter(|k| k.design().runs_here()) {
        let spec = small(kind);
        let want = workloads::reference(&spec).unwrap();
        for feeder in FeederKind::ALL {
            for gil in [false, true] {
                let config = Config::new(3).unwrap().feeder(feeder).chunk(64).unwrap().gil(gil);
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
    let got = workloads::run(&spec, Run::new(&Config::new(2).unwrap())).unwrap();
    assert_eq!(got.value, Computed::Number(78_498));
}

/// Word counts of the text at `path` by every feeder equal an independent
/// count that splits the whole text at once.
fn word_count_matches_a_sequential_count(path: &std::path::Path) {
    let mut spec = WorkloadSpec::new(WorkloadKind::WordCount);
    spec.file = Some(path.to_path_buf());
    let text = std::fs::read_to_string(path).unwrap();
    let mut want = std::collections::HashMap::<String, u64>::new();
    for w in text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
        *want.entry(w.to_lowercase()).or_default() += 1;
    }
    assert!(want.len() > 100, "a real text: {} distinct words", want.len());
    for feeder in [FeederKind::Dispenser, FeederKind::Queue, FeederKind::Auto, FeederKind::Rayon] {
        let got = workloads::run(&spec, Run::new(&Config::new(2).unwrap().feeder(feeder))).unwrap();
        assert_eq!(got.value, Computed::Counts(want.clone()), "feeder {feeder}");
    }
}

#[test]
fn word_count_of_the_readme_equals_a_sequential_count() {
    word_count_matches_a_sequential_count(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"));
}

#[test]
#[ignore = "needs ../shared/data/tinyshakespeare.txt, which is not committed"]
fn word_count_of_tinyshakespeare_equals_a_sequential_count() {
    word_count_matches_a_sequential_count(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/tinyshakespeare.txt"));
}

#[test]
fn unreadable_and_non_utf8_files_are_clear_errors() {
    let mut spec = WorkloadSpec::new(WorkloadKind::WordCount);
    spec.file = Some("/definitely/not/here.txt".into());
    let e = workloads::run(&spec, Run::new(&Config::new(2).unwrap())).unwrap_err();
    assert!(matches!(e, WorkloadError::Io { .. }) && e.to_string().contains("/definitely/not/here.txt"), "{e}");

    let dir = std::env::temp_dir().join(format!("scalescope-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("latin1.txt");
    let mut f = std::fs::File::create(&bad).unwrap();
    f.write_all(b"good line\nalso good\ncaf\xe9 au lait\nmore\n").unwrap();
    drop(f);
    spec.file = Some(bad.clone());
    for feeder in FeederKind::ALL {
        let e = workloads::run(&spec, Run::new(&Config::new(2).unwrap().feeder(feeder))).unwrap_err();
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

#[test]
fn ordered_map_every_variant_thread_count_and_chunk_counts_the_primes_exactly() {
    let _streams = streams();
    let spec = WorkloadSpec::new(WorkloadKind::OrderedMap).with("n", 30_011);
    let want = workloads::reference(&spec).unwrap();
    // An independent count.
    let primes = (0..30_011u64).filter(|&x| x >= 2 && (2..x).take_while(|d| d * d <= x).all(|d| x % d != 0)).count() as u64;
    assert_eq!(want, Computed::Number(primes));
    for variant in ["ordered", "unordered"] {
        for threads in [1, 2, 3, 8] {
            for chunk in [Some(1), Some(7), None] {
                let config = match chunk {
                    Some(c) => Config::new(threads).unwrap().chunk(c).unwrap(),
                    None => Config::new(threads).unwrap(),
                };
                let got = workloads::run(&spec.clone().with_variant(variant.parse().unwrap()), Run::new(&config)).unwrap();
                let what = format!("{variant} x{threads} chunk {chunk:?}");
                assert_eq!(got.value, want, "{what}");
                assert_eq!(got.report.items(), 30_011, "{what}");
                let buffer = got.report.buffer.clone().unwrap();
                assert_eq!(buffer.bound, Some(threads as u64 * 32), "{what}");
                assert!(buffer.peak <= threads as u64 * 32, "{what}: {buffer:?}");
                assert!(got.report.used().starts_with(variant), "{what}: {}", got.report.used());
            }
        }
    }
}

/// sum, max, min, count, mean and the histogram of the first `n` items, each
/// by its own plain iterator pass (not the fused reference loop).
fn independent_aggregates(n: u64, k: usize) -> Vec<(String, u64)> {
    use scalescope::workloads::aggregates::value;
    let items = || (0..n).map(value);
    let (sum, count) = (items().sum::<u64>(), items().count() as u64);
    let mut out = vec![
        ("sum".to_string(), sum),
        ("max".to_string(), items().max().unwrap_or(0)),
        ("min".to_string(), items().min().unwrap_or(0)),
        ("count".to_string(), count),
        ("mean".to_string(), sum.checked_div(count).unwrap_or(0)),
    ];
    out.truncate(k.min(5));
    if k == 6 {
        for b in 0..8u64 {
            out.push((format!("hist{b}"), items().filter(|x| x >> 29 == b).count() as u64));
        }
    }
    out
}

#[test]
fn aggregates_every_strategy_and_k_equals_independent_passes() {
    for k in 1..=6usize {
        for variant in ["chunked", "tee", "buffer-all", "lock-step", "cooperative"] {
            // lock-step pays a barrier per item: keep it short.
            let n = if variant == "lock-step" { 1_500 } else { 40_000 };
            let spec = WorkloadSpec::new(WorkloadKind::Aggregates).with("n", n).with("k", k as u64).with_variant(variant.parse().unwrap());
            let want = Computed::Named(independent_aggregates(n, k));
            assert_eq!(workloads::reference(&spec).unwrap(), want, "reference k={k}");
            for chunk in [Some(1), Some(100), None] {
                let config = match chunk {
                    Some(c) => Config::new(2).unwrap().chunk(c).unwrap(),
                    None => Config::new(2).unwrap(),
                };
                let got = workloads::run(&spec, Run::new(&config)).unwrap();
                let what = format!("{variant} k={k} chunk {chunk:?}");
                assert_eq!(got.value, want, "{what}");
                let buffer = got.report.buffer.unwrap();
                if let Some(bound) = buffer.bound {
                    assert!(buffer.peak <= bound, "{what}: {buffer:?}");
                }
                if variant == "buffer-all" {
                    assert_eq!(buffer.peak, n, "{what}");
                }
            }
        }
    }
    // Empty input: every aggregate of nothing.
    let spec = WorkloadSpec::new(WorkloadKind::Aggregates).with("n", 0);
    let got = workloads::run(&spec, Run::new(&Config::new(2).unwrap())).unwrap();
    assert_eq!(got.value, workloads::reference(&spec).unwrap());
    assert_eq!(got.value, Computed::Named(independent_aggregates(0, 6)));
}

#[test]
fn ordered_map_reports_its_window_and_workers_as_progress_events() {
    let _streams = streams();
    let (tx, rx) = crossbeam_channel::unbounded();
    let hooks = Hooks { progress: Some(tx), cancel: None, interval: Some(std::time::Duration::from_millis(1)), ..Hooks::none() };
    let spec = WorkloadSpec::new(WorkloadKind::OrderedMap).with("n", 300_000);
    let got = workloads::run(&spec, Run::new(&Config::new(2).unwrap().chunk(64).unwrap()).hooks(hooks)).unwrap();
    let events: Vec<ProgressEvent> = rx.try_iter().map(|p| p.event).collect();
    assert!(matches!(events.first(), Some(ProgressEvent::Started { workers: 2, .. })), "{:?}", events.first());
    let occupancy: Vec<(u64, u64, Option<u64>)> = events
        .iter()
        .filter_map(|e| match e {
            ProgressEvent::Occupancy { held, waiting, bound, unit, .. } => {
                assert_eq!(*unit, "chunks");
                Some((*held, *waiting, *bound))
            }
            _ => None,
        })
        .collect();
    assert!(!occupancy.is_empty());
    for (held, waiting, bound) in &occupancy {
        assert_eq!(*bound, Some(64));
        assert!(waiting <= held && *held <= 64, "held {held} waiting {waiting}");
    }
    match events.last() {
        Some(ProgressEvent::Finished { workers, .. }) => {
            assert_eq!(workers.iter().map(|w| w.items).sum::<u64>(), 300_000);
            assert_eq!(workers, &got.report.workers);
        }
        other => panic!("last event {other:?}"),
    }
}

fn stream_threads() -> usize {
    common::threads_left("scalescope-stre").len()
}

#[test]
fn own_design_workloads_cancel_and_leave_no_thread() {
    let _streams = streams();
    for (kind, variant) in
        [(WorkloadKind::OrderedMap, "ordered"), (WorkloadKind::OrderedMap, "unordered"), (WorkloadKind::Aggregates, "chunked")]
    {
        let token = CancelToken::new();
        let hooks = Hooks { progress: None, cancel: Some(token.clone()), interval: None, ..Hooks::none() };
        let spec = WorkloadSpec::new(kind).with("n", 1_000_000_000).with_variant(variant.parse().unwrap());
        let t = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(50));
            token.cancel();
        });
        let t0 = std::time::Instant::now();
        let e = workloads::run(&spec, Run::new(&Config::new(2).unwrap()).hooks(hooks)).unwrap_err();
        t.join().unwrap();
        assert!(e.to_string().contains("cancelled"), "{kind} {variant}: {e}");
        assert!(t0.elapsed().as_secs() < 20, "{kind} {variant} took {:?}", t0.elapsed());
    }
    assert_eq!(stream_threads(), 0);
}

#[test]
fn a_variant_the_workload_lacks_is_refused() {
    // A name that is no variant at all cannot even be made into one.
    assert_eq!(
        "zip".parse::<Variant>().unwrap_err(),
        "no variant 'zip' (variants: ordered, unordered, chunked, tee, buffer-all, lock-step, cooperative, packed, padded, locked-map, local-merge)"
    );
    let e = workloads::reference(&WorkloadSpec::new(WorkloadKind::Aggregates).with_variant(Variant::Ordered)).unwrap_err();
    assert_eq!(
        e.to_string(),
        "workload 'aggregates' has no variant 'ordered' (variants: chunked, tee, buffer-all, lock-step, cooperative)"
    );
    let e = workloads::reference(&WorkloadSpec::new(WorkloadKind::Primes).with_variant(Variant::Ordered)).unwrap_err();
    assert!(e.to_string().contains("none: it runs one way"), "{e}");
}
