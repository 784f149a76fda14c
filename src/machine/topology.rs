//! What the machine's CPUs are, from `/sys/devices/system/cpu` and
//! `/sys/devices/system/node`: physical cores, SMT sibling sets, core types
//! (Intel's performance and efficiency cores, or CPUs of differing capacity),
//! NUMA nodes, and the frequency governor with its limits.

use serde::{Deserialize, Serialize};

use super::cpus::{CpuList, Root};

/// A kind of core and the CPUs of that kind.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CoreType {
    /// `performance` or `efficiency`.
    pub kind: String,
    /// Its CPUs.
    pub cpus: CpuList,
}

/// The machine's CPUs.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Topology {
    /// Online logical CPUs.
    pub logical: usize,
    /// Physical cores (distinct package and core ids).
    pub physical: usize,
    /// Sockets.
    pub packages: usize,
    /// The CPUs that share one core, where there is more than one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub smt_siblings: Vec<CpuList>,
    /// Core types, where the cores differ; empty where they are alike.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub core_types: Vec<CoreType>,
    /// NUMA nodes' CPUs (one node: no NUMA).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub numa_nodes: Vec<CpuList>,
    /// The frequency governor (`performance`, `powersave`, `schedutil`), where the kernel has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub governor: Option<String>,
    /// The lowest and highest clock the CPUs may run at, MHz.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mhz: Option<(u64, u64)>,
}

const CPU: &str = "/sys/devices/system/cpu";

impl Topology {
    /// Reads the CPUs under `root`; `None` where `/sys` does not list them.
    pub fn read(root: &Root) -> Option<Self> {
        let online: CpuList = root.read(&format!("{CPU}/online"))?.parse().ok()?;
        let mut cores = std::collections::BTreeSet::new();
        let mut packages = std::collections::BTreeSet::new();
        let mut siblings: Vec<CpuList> = Vec::new();
        for &c in online.cpus() {
            let topo = |f: &str| root.read(&format!("{CPU}/cpu{c}/topology/{f}")).map(|s| s.trim().to_string());
            let package = topo("physical_package_id").unwrap_or_default();
            cores.insert((package.clone(), topo("core_id").unwrap_or_else(|| c.to_string())));
            packages.insert(package);
            let set = topo("thread_siblings_list").and_then(|s| s.parse::<CpuList>().ok()).filter(|s| s.len() > 1);
            if let Some(set) = set.filter(|s| !siblings.contains(s)) {
                siblings.push(set);
            }
        }
        let freq = |c: usize, f: &str| root.read(&format!("{CPU}/cpu{c}/cpufreq/{f}")).map(|s| s.trim().to_string());
        let first = online.cpus().first().copied().unwrap_or(0);
        let khz = |f: &str| freq(first, f).and_then(|s| s.parse::<u64>().ok());
        Some(Topology {
            logical: online.len(),
            physical: cores.len().max(1),
            packages: packages.len().max(1),
            smt_siblings: siblings,
            core_types: core_types(root, &online),
            numa_nodes: numa(root),
            governor: freq(first, "scaling_governor").filter(|g| !g.is_empty()),
            mhz: khz("cpuinfo_min_freq").zip(khz("cpuinfo_max_freq")).map(|(a, b)| (a / 1000, b / 1000)),
        })
    }

    /// The kind of `cpu`'s core, where the cores differ.
    pub fn kind_of(&self, cpu: usize) -> Option<&str> {
        self.core_types.iter().find(|t| t.cpus.cpus().contains(&cpu)).map(|t| t.kind.as_str())
    }
}

/// Intel hybrids list their cores under `/sys/devices/cpu_core` and
/// `cpu_atom`; elsewhere differing `cpu_capacity` (Arm big.LITTLE) or a
/// highest clock at least 20% apart says which cores are the faster.
fn core_types(root: &Root, online: &CpuList) -> Vec<CoreType> {
    let list = |p: &str| root.read(p).and_then(|s| s.parse::<CpuList>().ok()).filter(|l| !l.is_empty());
    if let (Some(p), Some(e)) = (list("/sys/devices/cpu_core/cpus"), list("/sys/devices/cpu_atom/cpus")) {
        return vec![CoreType { kind: "performance".into(), cpus: p }, CoreType { kind: "efficiency".into(), cpus: e }];
    }
    let by = |file: &str, ratio: f64| -> Vec<CoreType> {
        let vals: Vec<(usize, u64)> = online
            .cpus()
            .iter()
            .filter_map(|&c| root.read(&format!("{CPU}/cpu{c}/{file}")).and_then(|s| s.trim().parse().ok()).map(|v| (c, v)))
            .collect();
        let (Some(lo), Some(hi)) = (vals.iter().map(|v| v.1).min(), vals.iter().map(|v| v.1).max()) else { return vec![] };
        if vals.len() != online.len() || (hi as f64) < lo as f64 * ratio {
            return vec![];
        }
        let fast = CpuList::of(vals.iter().filter(|v| v.1 as f64 >= hi as f64 / ratio).map(|v| v.0).collect());
        let slow = CpuList::of(vals.iter().filter(|v| (v.1 as f64) < hi as f64 / ratio).map(|v| v.0).collect());
        vec![CoreType { kind: "performance".into(), cpus: fast }, CoreType { kind: "efficiency".into(), cpus: slow }]
    };
    let t = by("cpu_capacity", 1.2);
    if t.is_empty() { by("cpufreq/cpuinfo_max_freq", 1.2) } else { t }
}

/// Each NUMA node's CPUs; empty where there is one node or none is listed.
fn numa(root: &Root) -> Vec<CpuList> {
    let base = "/sys/devices/system/node";
    let mut ids: Vec<u32> = root.list(base).iter().filter_map(|n| n.strip_prefix("node")?.parse().ok()).collect();
    ids.sort_unstable();
    let nodes: Vec<CpuList> = ids
        .iter()
        .filter_map(|k| root.read(&format!("{base}/node{k}/cpulist"))?.parse().ok())
        .filter(|l: &CpuList| !l.is_empty())
        .collect();
    if nodes.len() > 1 { nodes } else { vec![] }
}
