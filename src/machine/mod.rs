//! What machine this is: shown in the app and written into results files.

pub mod load;

use serde::{Deserialize, Serialize};

/// The machine a result was measured on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
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
}

impl MachineInfo {
    /// Reads this machine.
    pub fn detect() -> Self {
        MachineInfo {
            logical_cores: num_cpus::get(),
            physical_cores: num_cpus::get_physical(),
            cpu_model: cpu_model().unwrap_or_else(|| "unknown CPU".to_string()),
            os: format!("{} {}", std::env::consts::OS, std::env::consts::ARCH),
        }
    }

    /// One line for people.
    pub fn describe(&self) -> String {
        format!("{} ({} logical / {} physical cores, {})", self.cpu_model, self.logical_cores, self.physical_cores, self.os)
    }
}

fn cpu_model() -> Option<String> {
    let text = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    text.lines()
        .find(|l| l.starts_with("model name") || l.starts_with("Model") || l.starts_with("Hardware"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_string())
}
