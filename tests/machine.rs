//! The machine as it is, read from recorded `/proc` and `/sys` trees
//! (tests/machines/, made by tests/machines/make.py): counts, what the
//! process may use, the thread ladder and the plot's lines.
#![allow(clippy::unwrap_used, reason = "a test fails loudly where an unwrap fails")]

use scalescope::machine::{MachineInfo, Root};

fn machine(name: &str) -> MachineInfo {
    MachineInfo::read(&Root::at(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/machines").join(name)))
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
}

#[test]
fn this_machine_reads_without_error() {
    let m = MachineInfo::detect();
    assert!(m.logical_cores >= 1 && m.physical_cores >= 1 && m.allowed_cpus() >= 1, "{m:?}");
    assert!(m.ladder().contains(&m.logical_cores) && m.ladder().contains(&(2 * m.logical_cores)));
}
