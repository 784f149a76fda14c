//! What machine this is: shown in the app and written into results files.

pub mod cpus;
mod describe;
pub mod load;
pub mod topology;

use serde::{Deserialize, Serialize};

pub use cpus::{Allowed, CpuList, Root};
pub use topology::{CoreType, Topology};

/// The machine a result was measured on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
pub struct MachineInfo {
    /// Logical cores (hardware threads).
    pub logical_cores: usize,
    /// Physical cores.
    pub physical_cores: usize,
    /// The CPU's model name, as the OS reports it.
    pub cpu_model: String,
    /// The operating system and architecture.
    #[serde(default)]
    pub os: String,
    /// What the measuring process was allowed to use (its CPUs, its cgroup
    /// quota), read when the experiment started; absent in older files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed: Option<Allowed>,
    /// What the CPUs are (SMT siblings, core types, NUMA nodes, governor);
    /// absent in older files and where `/sys` does not say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topology: Option<Topology>,
    /// What one read of the clock costs here, ns: every timed interval of
    /// a run holds one (a chunk's pull of 16 items read 1.8 ns an item
    /// dearer for it). Absent in older files and for machines read from
    /// a fixture.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clock_read_ns: Option<f64>,
}

/// A thread count worth a line on a plot: where the machine changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mark {
    /// The thread count.
    pub threads: usize,
    /// What it is: `allowed CPUs`, `physical cores`, `logical CPUs`.
    pub what: &'static str,
}

impl Mark {
    /// `2 logical CPUs`, `1 allowed CPU`: its name on a plot and in a legend.
    pub fn name(&self) -> String {
        let what = if self.threads == 1 { self.what.trim_end_matches('s') } else { self.what };
        format!("{} {what}", self.threads)
    }
}

impl MachineInfo {
    /// Reads this machine, and what this process may use of it.
    pub fn detect() -> Self {
        Self::read(&Root::system())
    }

    /// Reads the machine whose `/proc` and `/sys` are under `root`.
    pub fn read(root: &Root) -> Self {
        let topology = Topology::read(root);
        let allowed = Some(Allowed::read(root)).filter(|a| !a.cpus.is_empty());
        let (logical, physical) = match &topology {
            Some(t) => (t.logical, t.physical),
            None if root.is_system() => (num_cpus::get(), num_cpus::get_physical()),
            None => (1, 1),
        };
        MachineInfo {
            logical_cores: logical,
            physical_cores: physical,
            cpu_model: cpu_model(root).unwrap_or_else(|| "unknown CPU".to_string()),
            os: format!("{} {}", std::env::consts::OS, std::env::consts::ARCH),
            allowed,
            topology,
            clock_read_ns: root.is_system().then(clock_read_ns),
        }
    }

    /// Whether `other` is this machine as a run sees it: all of it but what
    /// is measured anew at every start (the clock's cost).
    pub fn same_as(&self, other: &MachineInfo) -> bool {
        let fixed = |m: &MachineInfo| MachineInfo { clock_read_ns: None, ..m.clone() };
        fixed(self) == fixed(other)
    }

    /// The CPUs this process could run on (all logical CPUs where unknown).
    pub fn allowed_cpus(&self) -> usize {
        self.allowed.as_ref().map_or(self.logical_cores, |a| a.cpus.len()).max(1)
    }

    /// The thread counts worth measuring: 1, 2, 4, ... up to the logical
    /// CPUs, then the allowed CPUs, the physical cores, the logical CPUs and
    /// twice the logical CPUs, ascending, without duplicates.
    pub fn ladder(&self) -> Vec<usize> {
        let logical = self.logical_cores.max(1);
        let mut out: Vec<usize> = std::iter::successors(Some(1usize), |&p| Some(p * 2)).take_while(|&p| p <= logical).collect();
        out.extend([self.allowed_cpus(), self.physical_cores.max(1), logical, 2 * logical]);
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The lines a scaling plot draws: the allowed CPUs, the physical cores
    /// and the logical CPUs, each only where it differs from the ones after it.
    pub fn marks(&self) -> Vec<Mark> {
        let logical = self.logical_cores.max(1);
        let mut out = vec![Mark { threads: logical, what: "logical CPUs" }];
        if self.physical_cores > 0 && self.physical_cores != logical {
            out.insert(0, Mark { threads: self.physical_cores, what: "physical cores" });
        }
        let allowed = self.allowed_cpus();
        if allowed != logical && out.iter().all(|m| m.threads != allowed) {
            out.insert(0, Mark { threads: allowed, what: "allowed CPUs" });
        }
        out.sort_by_key(|m| m.threads);
        out
    }

    /// One line for people.
    pub fn describe(&self) -> String {
        let allowed = self.allowed.as_ref().filter(|a| a.cpus.len() < self.logical_cores || a.quota_cpus.is_some());
        let allowed = allowed.map_or(String::new(), |_| format!(", this process: {}", self.allowed_words()));
        format!("{} ({} logical / {} physical cores{allowed}, {})", self.cpu_model, self.logical_cores, self.physical_cores, self.os)
    }
}

fn cpu_model(root: &Root) -> Option<String> {
    let text = root.read("/proc/cpuinfo")?;
    text.lines()
        .find(|l| l.starts_with("model name") || l.starts_with("Model") || l.starts_with("Hardware"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_string())
}

/// The cost of one `Instant::now()`, ns: the fastest of 5 batches of 1,000
/// reads (about 0.1 ms in all; a batch that lost its core only reads slower).
fn clock_read_ns() -> f64 {
    const READS: u32 = 1_000;
    (0..5)
        .map(|_| {
            let t0 = std::time::Instant::now();
            for _ in 0..READS {
                std::hint::black_box(std::time::Instant::now());
            }
            t0.elapsed().as_nanos() as f64 / f64::from(READS)
        })
        .fold(f64::INFINITY, f64::min)
}
