//! The machine in words: one line per fact, for `scalescope machine`, the
//! app's machine panel and the report.

use super::MachineInfo;
use crate::units::count_of;

impl MachineInfo {
    /// (what, the fact) pairs: the CPU, its cores and threads, SMT, core
    /// types, NUMA, the governor, what this process may use, the ladder.
    pub fn details(&self) -> Vec<(&'static str, String)> {
        let t = self.topology.as_ref();
        let mut out = vec![
            ("CPU", self.cpu_model.clone()),
            ("logical CPUs", self.logical_cores.to_string()),
            (
                "physical cores",
                match t.map_or(1, |t| t.packages) {
                    1 => self.physical_cores.to_string(),
                    p => format!("{} in {p} sockets", self.physical_cores),
                },
            ),
        ];
        let smt = t.filter(|t| !t.smt_siblings.is_empty()).map_or_else(
            || "none: one thread per core".to_string(),
            |t| {
                let shown: Vec<String> = t.smt_siblings.iter().take(4).map(|s| format!("{{{s}}}")).collect();
                let more = if t.smt_siblings.len() > 4 { ", ..." } else { "" };
                format!("{} (cores shared: {}{more})", count_of(t.smt_siblings.len(), "sibling set"), shown.join(" "))
            },
        );
        out.push(("SMT siblings", smt));
        let types: Vec<String> = t.map_or(vec![], |t| t.core_types.iter().map(|c| format!("{} CPUs {}", c.kind, c.cpus)).collect());
        out.push(("core types", if types.is_empty() { "all alike".into() } else { types.join("; ") }));
        let nodes: Vec<String> = t.map_or(vec![], |t| t.numa_nodes.iter().enumerate().map(|(i, n)| format!("node {i}: {n}")).collect());
        out.push(("NUMA", if nodes.is_empty() { "one node".into() } else { nodes.join("; ") }));
        let clock = t.and_then(|t| t.mhz).map_or(String::new(), |(lo, hi)| format!(", {lo}-{hi} MHz"));
        let governor =
            t.and_then(|t| t.governor.clone()).map_or_else(|| "not reported (no cpufreq)".to_string(), |g| format!("{g}{clock}"));
        out.push(("governor", governor));
        out.push(("this process may use", self.allowed_words()));
        let ladder: Vec<String> = self.ladder().iter().map(ToString::to_string).collect();
        out.push(("default thread ladder", ladder.join(", ")));
        out
    }

    /// `2 CPUs (0-1), no CPU quota` or `1 of 2 CPUs (its CPU set: 0)`, with the quota.
    pub fn allowed_words(&self) -> String {
        let Some(a) = &self.allowed else { return "not recorded".into() };
        let cpus = if a.cpus.len() < self.logical_cores {
            format!("{} of {} CPUs (its CPU set: {})", a.cpus.len(), self.logical_cores, a.cpus)
        } else {
            format!("{} ({})", count_of(a.cpus.len(), "CPU"), a.cpus)
        };
        let quota = a.quota_cpus.map_or_else(|| "no CPU quota".to_string(), |q| format!("a cgroup CPU quota of {q:.2} CPUs"));
        format!("{cpus}, {quota}")
    }
}
