//! Who else used the CPU while a run was measured.
//!
//! On a machine with few cores, the window's own drawing or another program
//! takes cycles the measured run does not get, and its speedup reads low for
//! a reason that is not the engine's. Around every timed repetition the
//! sweep reads `/proc` (outside the timed region) and records what the rest
//! of this process and the other processes used, in cores (CPU-seconds per
//! wall-second). Where `/proc` is missing nothing is recorded.

use std::collections::BTreeMap;
use std::time::Instant;

use serde::{Deserialize, Serialize};

/// CPU used beside the measured run during one repetition, in cores.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CpuShare {
    /// This process's threads other than the run's: in the app, the window
    /// drawing; in the CLI, next to nothing.
    pub rest_of_process: f64,
    /// Every other process on the machine.
    pub other_processes: f64,
}

/// Outside load, in cores, above which a repetition is flagged as disturbed.
pub const DISTURBED_CORES: f64 = 0.15;

impl CpuShare {
    /// Both together.
    pub fn total(&self) -> f64 {
        self.rest_of_process + self.other_processes
    }

    /// Whether the outside load could have slowed the run.
    pub fn disturbed(&self) -> bool {
        self.total() > DISTURBED_CORES
    }

    /// The median of each part over `shares` (`None` for none).
    pub fn median(shares: &[CpuShare]) -> Option<CpuShare> {
        let med = |f: fn(&CpuShare) -> f64| crate::stats::Summary::of(&shares.iter().map(f).collect::<Vec<_>>()).median;
        (!shares.is_empty()).then(|| CpuShare { rest_of_process: med(|s| s.rest_of_process), other_processes: med(|s| s.other_processes) })
    }
}

/// A reading of the CPU clocks, taken on the thread that runs the measurement.
#[derive(Clone, Debug)]
pub struct CpuClock {
    at: Instant,
    /// Nanoseconds on CPU of this process's threads that are neither the
    /// measuring thread nor one of the engine's (`scalescope-*`), by thread id.
    rest_ns: BTreeMap<u32, u64>,
    /// This process's user + system time, in clock ticks (exited threads included).
    process_ticks: u64,
    /// The machine's busy time over every CPU, in clock ticks.
    machine_busy_ticks: u64,
}

/// Clock ticks per second of `/proc` (USER_HZ, 100 on Linux).
const TICKS_PER_S: f64 = 100.0;
/// Ticks of other processes' time not counted (see [`CpuClock::share_since`]).
const TICK_SLACK: u64 = 4;

impl CpuClock {
    /// Reads the clocks now; `None` where `/proc` cannot be read.
    pub fn now() -> Option<CpuClock> {
        let at = Instant::now();
        let me = std::fs::read_link("/proc/thread-self").ok()?.file_name()?.to_str()?.parse::<u32>().ok()?;
        let mut rest_ns = BTreeMap::new();
        for entry in std::fs::read_dir("/proc/self/task").ok()?.flatten() {
            let Some(tid) = entry.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else { continue };
            if tid == me {
                continue;
            }
            let dir = entry.path();
            let comm = std::fs::read_to_string(dir.join("comm")).unwrap_or_default();
            if comm.trim_end().starts_with("scalescope-") {
                continue;
            }
            // schedstat: nanoseconds on CPU, nanoseconds waiting, timeslices.
            if let Some(ns) = std::fs::read_to_string(dir.join("schedstat")).ok().and_then(|s| s.split_whitespace().next()?.parse().ok()) {
                rest_ns.insert(tid, ns);
            }
        }
        let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
        // Fields after the parenthesised name: state is field 3, utime 14, stime 15.
        let after = stat.rsplit_once(')')?.1.split_whitespace().collect::<Vec<_>>();
        let process_ticks = after.get(11)?.parse::<u64>().ok()? + after.get(12)?.parse::<u64>().ok()?;
        let machine = std::fs::read_to_string("/proc/stat").ok()?;
        let cpu: Vec<u64> = machine.lines().next()?.split_whitespace().skip(1).filter_map(|v| v.parse().ok()).collect();
        // user nice system idle iowait irq softirq steal ...: busy is all but idle and iowait.
        let machine_busy_ticks = cpu.iter().enumerate().filter(|(i, _)| *i != 3 && *i != 4 && *i < 8).map(|(_, v)| v).sum();
        Some(CpuClock { at, rest_ns, process_ticks, machine_busy_ticks })
    }

    /// What the rest of this process and the other processes used between
    /// `earlier` and this reading, in cores.
    pub fn share_since(&self, earlier: &CpuClock) -> CpuShare {
        let wall = (self.at - earlier.at).as_secs_f64().max(1e-9);
        let rest: u64 = self.rest_ns.iter().map(|(tid, ns)| ns.saturating_sub(earlier.rest_ns.get(tid).copied().unwrap_or(0))).sum();
        let process = self.process_ticks.saturating_sub(earlier.process_ticks);
        let machine = self.machine_busy_ticks.saturating_sub(earlier.machine_busy_ticks);
        CpuShare {
            rest_of_process: rest as f64 * 1e-9 / wall,
            // Tick counts are coarse (10 ms), and the process's and the
            // machine's are kept apart: over a short run they can differ by
            // a few ticks with nobody else running. Those few are not named.
            other_processes: machine.saturating_sub(process).saturating_sub(TICK_SLACK) as f64 / TICKS_PER_S / wall,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_busy_sibling_thread_is_counted_as_the_rest_of_the_process() {
        let Some(before) = CpuClock::now() else {
            panic!("this test needs Linux's /proc");
        };
        let stop = std::sync::atomic::AtomicBool::new(false);
        let share = std::thread::scope(|s| {
            // A thread not named scalescope-*: it stands for the window.
            s.spawn(|| {
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    std::hint::spin_loop();
                }
            });
            std::thread::sleep(std::time::Duration::from_millis(300));
            let after = CpuClock::now().expect("read /proc again");
            stop.store(true, std::sync::atomic::Ordering::Relaxed);
            after.share_since(&before)
        });
        // It spun for the whole 300 ms (on a busy machine it may have had a core only part of the time).
        assert!(share.rest_of_process > 0.2, "{share:?}");
        assert!(share.disturbed());
        assert!(share.other_processes >= 0.0);
    }

    #[test]
    fn engine_threads_are_not_the_rest() {
        let stop = &std::sync::atomic::AtomicBool::new(false);
        let (tid, reading) = std::thread::scope(|s| {
            let (tx, rx) = std::sync::mpsc::channel();
            std::thread::Builder::new()
                .name("scalescope-w0".into())
                .spawn_scoped(s, move || {
                    let me = std::fs::read_link("/proc/thread-self").expect("/proc/thread-self");
                    tx.send(me.file_name().and_then(|n| n.to_str()?.parse::<u32>().ok()).expect("a tid")).expect("send");
                    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                        std::hint::spin_loop();
                    }
                })
                .expect("spawn");
            let tid = rx.recv().expect("the worker's tid");
            let reading = CpuClock::now().expect("/proc");
            stop.store(true, std::sync::atomic::Ordering::Relaxed);
            (tid, reading)
        });
        assert!(!reading.rest_ns.contains_key(&tid), "an engine worker counted as outside load");
        assert!(!reading.rest_ns.is_empty(), "the test harness's main thread counts as outside load");
    }

    #[test]
    fn median_per_part() {
        let s = |a, b| CpuShare { rest_of_process: a, other_processes: b };
        assert_eq!(CpuShare::median(&[s(0.1, 0.9), s(0.3, 0.0), s(0.2, 0.5)]), Some(s(0.2, 0.5)));
        assert_eq!(CpuShare::median(&[]), None);
    }
}
