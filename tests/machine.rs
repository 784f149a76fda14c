//! The machine as it is, read from recorded `/proc` and `/sys` trees
//! (tests/machines/, made by tests/machines/make.py): counts, what the
//! process may use, the thread ladder and the plot's lines.
#![allow(clippy::unwrap_used, reason = "a test fails loudly where an unwrap fails")]

use scalescope::analysis::machine::notes;
use scalescope::engine::Config;
use scalescope::experiment::{Baseline, Experiment, RunRecord, SweepPlan};
use scalescope::machine::{MachineInfo, Root};
use scalescope::workloads::{ResultValue, WorkloadKind, WorkloadSpec};

fn machine(name: &str) -> MachineInfo {
    MachineInfo::read(&Root::at(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/machines").join(name)))
}

/// An experiment measured on `m`: a 1-second reference and one run per (threads, median seconds).
fn measured_on(m: MachineInfo, runs: &[(usize, f64)]) -> Experiment {
    let plan = SweepPlan::single(WorkloadSpec::new(WorkloadKind::Primes), scalescope::engine::FeederKind::Auto, &[]);
    let mut exp = Experiment { machine: m, ..Experiment::start(&plan, None) };
    exp.baseline = Some(Baseline { median_s: 1.0, times_s: vec![1.0], result: ResultValue::Number(1) });
    exp.runs = runs.iter().map(|&(t, s)| RunRecord::measured(&Config::new(t).unwrap(), &[s], 1.0, ResultValue::Number(1), true)).collect();
    exp
}

fn headlines(exp: &Experiment) -> Vec<String> {
    notes(exp).into_iter().map(|n| n.headline).collect()
}

fn marks(m: &MachineInfo) -> Vec<(usize, &'static str)> {
    m.marks().iter().map(|k| (k.threads, k.what)).collect()
}

#[test]
fn a_16_core_32_thread_smt_machine() {
    let m = machine("smt-16c32t");
    assert_eq!((m.logical_cores, m.physical_cores), (32, 16));
    assert_eq!(m.cpu_model, "AMD Ryzen 9 7950X 16-Core Processor");
    let t = m.topology.as_ref().unwrap();
    assert_eq!(t.smt_siblings.len(), 16);
    assert_eq!(t.smt_siblings[3].to_string(), "3,19");
    assert!(t.core_types.is_empty() && t.numa_nodes.is_empty(), "{t:?}");
    assert_eq!(t.governor.as_deref(), Some("performance"));
    assert_eq!(m.allowed_cpus(), 32);
    assert_eq!(m.ladder(), [1, 2, 4, 8, 16, 32, 64]);
    assert_eq!(marks(&m), [(16, "physical cores"), (32, "logical CPUs")]);
    // 32 threads on 16 cores' sibling pairs: 1.2x the speed of 16.
    let exp = measured_on(m, &[(1, 1.0), (16, 1.0 / 15.0), (32, 1.0 / 18.0)]);
    let n = notes(&exp);
    assert_eq!(n.len(), 1, "{n:?}");
    assert_eq!(n[0].headline, "past the 16 physical cores, threads run on SMT siblings that share a core's units");
    assert!(n[0].evidence.contains("32 threads ran 1.20x as fast as 16 (ideal for 32 separate cores: 2.00x)"), "{}", n[0].evidence);
}

#[test]
fn an_intel_hybrid_with_performance_and_efficiency_cores() {
    let m = machine("intel-hybrid");
    assert_eq!((m.logical_cores, m.physical_cores), (20, 14));
    let t = m.topology.as_ref().unwrap();
    let kinds: Vec<(String, String)> = t.core_types.iter().map(|c| (c.kind.clone(), c.cpus.to_string())).collect();
    assert_eq!(kinds, [("performance".to_string(), "0-11".to_string()), ("efficiency".to_string(), "12-19".to_string())]);
    assert_eq!(t.kind_of(13), Some("efficiency"));
    assert_eq!(t.smt_siblings.len(), 6, "only the P-cores have siblings");
    assert_eq!(t.governor.as_deref(), Some("powersave"));
    assert_eq!(t.mhz, Some((400, 4700)));
    assert_eq!(m.ladder(), [1, 2, 4, 8, 14, 16, 20, 40]);
    assert_eq!(marks(&m), [(14, "physical cores"), (20, "logical CPUs")]);
    let exp = measured_on(m, &[(1, 1.0), (8, 1.0 / 7.5), (12, 1.0 / 10.0), (16, 1.0 / 10.5)]);
    assert_eq!(
        headlines(&exp),
        [
            "past the 14 physical cores, threads run on SMT siblings that share a core's units",
            "the efficiency cores (CPUs 12-19) joined past 12 threads: threads on them run slower",
            "the governor is powersave: the clock may change during the run",
        ]
    );
    assert!(notes(&exp)[1].evidence.contains("16 threads ran 1.05x as fast as 12"), "{:?}", notes(&exp)[1]);
}

#[test]
fn a_two_socket_numa_machine() {
    let m = machine("numa-2socket");
    assert_eq!((m.logical_cores, m.physical_cores), (32, 16));
    let t = m.topology.as_ref().unwrap();
    assert_eq!(t.packages, 2);
    let nodes: Vec<String> = t.numa_nodes.iter().map(ToString::to_string).collect();
    assert_eq!(nodes, ["0-7,16-23", "8-15,24-31"]);
    assert_eq!(m.ladder(), [1, 2, 4, 8, 16, 32, 64]);
    // Within the physical cores, on the performance governor: nothing to say.
    assert_eq!(headlines(&measured_on(m, &[(1, 1.0), (16, 0.07)])), Vec::<String>::new());
}

#[test]
fn a_container_with_a_cpu_quota_of_one_and_a_half() {
    let m = machine("container-quota");
    assert_eq!((m.logical_cores, m.physical_cores), (8, 4));
    let a = m.allowed.as_ref().unwrap();
    assert_eq!(a.quota_cpus, Some(1.5));
    assert_eq!(a.cpus.len(), 8);
    assert!((a.usable() - 1.5).abs() < 1e-12);
    assert_eq!(m.ladder(), [1, 2, 4, 8, 16]);
    let exp = measured_on(m.clone(), &[(1, 1.0), (2, 0.68), (4, 0.67)]);
    assert_eq!(headlines(&exp)[0], "the cgroup allows 1.50 CPUs: runs of more threads are throttled, not parallel");
    assert_eq!(scalescope::measure::preflight::crowded(&m, 4).unwrap(), "the cgroup allows 1.50 CPUs: runs of more threads are throttled");
    assert_eq!(scalescope::measure::preflight::crowded(&m, 1), None);
}

#[test]
fn taskset_to_one_cpu_of_two() {
    let m = machine("taskset-1-of-2");
    assert_eq!((m.logical_cores, m.physical_cores), (2, 2));
    let a = m.allowed.as_ref().unwrap();
    assert_eq!((a.cpus.to_string(), a.quota_cpus), ("0".to_string(), None));
    assert_eq!(m.allowed_cpus(), 1);
    assert_eq!(m.topology.as_ref().unwrap().governor, None);
    assert_eq!(m.ladder(), [1, 2, 4]);
    assert_eq!(marks(&m), [(1, "allowed CPUs"), (2, "logical CPUs")]);
    let exp = measured_on(m.clone(), &[(1, 1.0), (2, 1.02)]);
    assert_eq!(headlines(&exp), ["this process may run on 1 of 2 CPUs (its CPU set: 0): every run past 1 thread is oversubscribed"]);
    assert!(notes(&exp)[0].evidence.contains("2 threads ran 0.98x as fast as 1 thread"), "{:?}", notes(&exp));
    let warn = scalescope::measure::preflight::crowded(&m, 2).unwrap();
    assert!(warn.contains("its CPU set: 0"), "{warn}");
}

#[test]
fn this_machine_reads_without_error() {
    let m = MachineInfo::detect();
    assert!(m.logical_cores >= 1 && m.physical_cores >= 1 && m.allowed_cpus() >= 1, "{m:?}");
    assert!(m.ladder().contains(&m.logical_cores) && m.ladder().contains(&(2 * m.logical_cores)));
}

/// Runs the CLI through `sh -c PREFIX scalescope ARGS` with a scratch library.
fn cli_under(name: &str, prefix: &str, args: &str) -> (String, String) {
    let dir = std::env::temp_dir().join(format!("scalescope-machine-{name}-{}", std::process::id()));
    let line = format!("{prefix} '{}' {args}", env!("CARGO_BIN_EXE_scalescope"));
    let out = std::process::Command::new("sh").arg("-c").arg(line).env("SCALESCOPE_DATA_DIR", &dir).output().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    (String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

#[test]
fn taskset_to_one_cpu_is_recorded_warned_and_diagnosed() {
    assert!(MachineInfo::detect().logical_cores >= 2, "this check needs a machine of 2 or more CPUs");
    let (out, err) = cli_under("taskset", "taskset -c 0", "sweep -w primes --n 200000 -t 1,2 -f auto --reps 1 --warmup 0 --fit");
    assert!(err.contains("warning: this process may run on 1 of") && err.contains("its CPU set: 0"), "warned before measuring: {err}");
    assert!(out.contains("this process: 1 of"), "recorded with the machine: {out}");
    assert!(out.contains("The machine:") && out.contains("every run past 1 thread is oversubscribed"), "diagnosed: {out}");
}

#[test]
#[ignore = "needs root and cgroup v2 (cgroup.controllers at /sys/fs/cgroup with cpu enabled); this project's build machines run cgroup v1"]
fn a_cgroup_quota_the_test_sets_up_is_recorded_and_diagnosed() {
    let group = format!("/sys/fs/cgroup/scalescope-test-{}", std::process::id());
    std::fs::create_dir(&group).unwrap();
    std::fs::write(format!("{group}/cpu.max"), "50000 100000").unwrap();
    let prefix = format!("echo $$ > {group}/cgroup.procs && exec");
    let (out, err) = cli_under("quota", &prefix, "sweep -w primes --n 200000 -t 1,2 -f auto --reps 1 --warmup 0 --fit");
    let _ = std::fs::remove_dir(&group);
    assert!(err.contains("the cgroup allows 0.50 CPUs"), "{err}");
    assert!(out.contains("the cgroup allows 0.50 CPUs: runs of more threads are throttled"), "{out}");
}
