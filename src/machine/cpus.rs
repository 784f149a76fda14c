//! What this process may use, and what the machine's CPUs are, read from
//! `/proc` and `/sys` under a root directory (`/` on this machine, a
//! recorded tree in the tests): the CPUs it may run on (its affinity mask,
//! which a `taskset` or a cgroup cpuset narrows), the cgroup's CPU quota,
//! the SMT sibling sets, core types, NUMA nodes and the frequency governor.

use std::io::Read;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// A set of CPU numbers, as the kernel lists them (`0-3,8-11`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct CpuList(Vec<usize>);

/// The most CPUs a list may name (the kernel's own limit is 8192).
pub const MAX_CPUS: usize = 8192;

impl CpuList {
    /// The CPUs, ascending, without duplicates.
    pub fn cpus(&self) -> &[usize] {
        &self.0
    }

    /// How many.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether it names none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Built from any CPU numbers (sorted, duplicates dropped).
    pub fn of(mut cpus: Vec<usize>) -> Self {
        cpus.sort_unstable();
        cpus.dedup();
        CpuList(cpus)
    }
}

impl std::str::FromStr for CpuList {
    type Err = String;
    /// `0-3,8-11`, `5`, or empty.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut out = Vec::new();
        for part in s.trim().split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let num = |x: &str| x.trim().parse::<usize>().ok().filter(|&n| n < MAX_CPUS).ok_or_else(|| format!("not a CPU list: '{s}'"));
            let (a, b) = match part.split_once('-') {
                Some((a, b)) => (num(a)?, num(b)?),
                None => (num(part)?, num(part)?),
            };
            if a > b {
                return Err(format!("not a CPU list: '{s}'"));
            }
            out.extend(a..=b);
        }
        Ok(CpuList::of(out))
    }
}

impl TryFrom<String> for CpuList {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<CpuList> for String {
    fn from(l: CpuList) -> Self {
        l.to_string()
    }
}

impl std::fmt::Display for CpuList {
    /// Ranges joined: `0-3,8-11`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut parts = Vec::new();
        let mut i = 0;
        while i < self.0.len() {
            let start = self.0[i];
            while i + 1 < self.0.len() && self.0[i + 1] == self.0[i] + 1 {
                i += 1;
            }
            parts.push(if self.0[i] == start { start.to_string() } else { format!("{start}-{}", self.0[i]) });
            i += 1;
        }
        f.write_str(&parts.join(","))
    }
}

/// A tree to read `/proc` and `/sys` from.
#[derive(Clone, Debug)]
pub struct Root(PathBuf);

impl Root {
    /// This machine's.
    pub fn system() -> Self {
        Root(PathBuf::from("/"))
    }

    /// A recorded tree (tests).
    pub fn at(dir: impl Into<PathBuf>) -> Self {
        Root(dir.into())
    }

    /// The text of `path` (absolute, as on the machine) under this root, at most 1 MiB; `None` where it is missing.
    pub fn read(&self, path: &str) -> Option<String> {
        let full = self.0.join(path.trim_start_matches('/'));
        let mut text = String::new();
        std::fs::File::open(full).ok()?.take(1 << 20).read_to_string(&mut text).ok()?;
        Some(text)
    }

    /// Whether `path` exists under this root.
    pub fn exists(&self, path: &str) -> bool {
        self.0.join(path.trim_start_matches('/')).exists()
    }

    /// The names in directory `path` (empty where it is missing).
    pub fn list(&self, path: &str) -> Vec<String> {
        let dir = self.0.join(path.trim_start_matches('/'));
        let mut names: Vec<String> =
            std::fs::read_dir(dir).map(|d| d.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect()).unwrap_or_default();
        names.sort();
        names
    }

    /// Whether it is this machine's own `/`.
    pub fn is_system(&self) -> bool {
        self.0 == Path::new("/")
    }
}

/// What this process may use.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Allowed {
    /// The CPUs it may run on (its affinity mask: `taskset`, a cgroup cpuset).
    pub cpus: CpuList,
    /// The cgroup's CPU quota as a number of CPUs (`cpu.max` "150000 100000"
    /// is 1.5); `None` without a quota.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quota_cpus: Option<f64>,
    /// The cgroup's cpuset, where one narrows the CPUs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpuset: Option<CpuList>,
}

impl Allowed {
    /// Reads this process's (`/proc/self`) affinity, quota and cpuset under `root`.
    pub fn read(root: &Root) -> Self {
        let cpus = field(&root.read("/proc/self/status").unwrap_or_default(), "Cpus_allowed_list")
            .and_then(|v| v.parse().ok())
            .unwrap_or_default();
        let groups = root.read("/proc/self/cgroup").unwrap_or_default();
        Allowed { cpus, quota_cpus: quota(root, &groups), cpuset: cpuset(root, &groups) }
    }

    /// How many CPUs' worth it may use: the fewer of its CPUs and its quota.
    pub fn usable(&self) -> f64 {
        let n = self.cpus.len() as f64;
        self.quota_cpus.map_or(n, |q| q.min(n))
    }
}

/// The value of `key:` in a `/proc/<pid>/status` text.
fn field<'a>(status: &'a str, key: &str) -> Option<&'a str> {
    status.lines().find_map(|l| l.strip_prefix(key)?.strip_prefix(':')).map(str::trim)
}

/// The cgroup directory of `controller` (v1), or of the unified hierarchy (v2, `None`).
fn group_path(groups: &str, controller: Option<&str>) -> Option<String> {
    groups.lines().find_map(|l| {
        let mut parts = l.splitn(3, ':');
        let (_, ctrls, path) = (parts.next()?, parts.next()?, parts.next()?);
        let hit = match controller {
            None => ctrls.is_empty(),
            Some(c) => ctrls.split(',').any(|x| x == c),
        };
        hit.then(|| path.trim().to_string())
    })
}

/// The quota in CPUs: v2 `cpu.max` ("max 100000": none), else v1 `cpu.cfs_quota_us` / `cpu.cfs_period_us`.
fn quota(root: &Root, groups: &str) -> Option<f64> {
    let ratio =
        |q: &str, p: &str| Some(q.trim().parse::<f64>().ok()? / p.trim().parse::<f64>().ok().filter(|&p| p > 0.0)?).filter(|&r| r > 0.0);
    if let Some(g) = group_path(groups, None)
        && let Some(max) = root.read(&format!("/sys/fs/cgroup{}/cpu.max", slash(&g)))
    {
        let mut w = max.split_whitespace();
        return ratio(w.next()?, w.next()?);
    }
    let g = group_path(groups, Some("cpu"))?;
    ["/sys/fs/cgroup/cpu", "/sys/fs/cgroup/cpu,cpuacct"].iter().find_map(|base| {
        let dir = format!("{base}{}", slash(&g));
        ratio(&root.read(&format!("{dir}/cpu.cfs_quota_us"))?, &root.read(&format!("{dir}/cpu.cfs_period_us"))?)
    })
}

/// The cgroup's cpuset (v2 `cpuset.cpus.effective`, v1 `cpuset.cpus`).
fn cpuset(root: &Root, groups: &str) -> Option<CpuList> {
    let v2 = group_path(groups, None).and_then(|g| root.read(&format!("/sys/fs/cgroup{}/cpuset.cpus.effective", slash(&g))));
    let v1 = || group_path(groups, Some("cpuset")).and_then(|g| root.read(&format!("/sys/fs/cgroup/cpuset{}/cpuset.cpus", slash(&g))));
    v2.or_else(v1).and_then(|t| t.parse().ok()).filter(|l: &CpuList| !l.is_empty())
}

/// `/` stays empty; `/a/b` stays as it is.
fn slash(g: &str) -> &str {
    if g == "/" { "" } else { g }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_lists_parse_and_print_as_the_kernel_writes_them() {
        let l: CpuList = "0-3,8-11,5".parse().unwrap();
        assert_eq!(l.cpus(), [0, 1, 2, 3, 5, 8, 9, 10, 11]);
        assert_eq!(l.to_string(), "0-3,5,8-11");
        assert_eq!("".parse::<CpuList>().unwrap().len(), 0);
        for bad in ["3-1", "x", "0-99999", "1,-"] {
            assert!(bad.parse::<CpuList>().is_err(), "{bad}");
        }
    }

    #[test]
    fn this_machine_allows_at_least_one_cpu() {
        let a = Allowed::read(&Root::system());
        assert!(!a.cpus.is_empty(), "{a:?}");
        assert!(Root::system().is_system());
    }
}
