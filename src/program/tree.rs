//! One run of a command: spawned in a process group of its own, its
//! process tree sampled from `/proc` every interval (each thread's CPU time
//! is a lane), timed from spawn to exit, its CPU time (user and system, of
//! every process it waited for) and exit status read when it ends, its
//! standard output digested and the tail of its standard error kept. A
//! cancel or a timeout ends the whole group; so does the end of the run, so
//! nothing it started is left behind.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, killpg};
use nix::sys::wait::{Id, WaitPidFlag, waitid};
use nix::unistd::Pid;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::spec::Invocation;

/// How long the tail of standard error kept is, bytes.
pub const STDERR_TAIL: usize = 2048;
/// The most lanes (threads) followed in one run.
pub const MAX_LANES: usize = 256;

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Exit {
    /// It exited with this status.
    Code(i32),
    /// A signal ended it.
    Signal(i32),
}

impl Exit {
    /// Whether it exited with status 0.
    pub fn success(self) -> bool {
        self == Exit::Code(0)
    }
}

impl std::fmt::Display for Exit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Exit::Code(c) => write!(f, "exit status {c}"),
            Exit::Signal(s) => {
                let name = Signal::try_from(*s).map_or_else(|_| format!("signal {s}"), |s| s.as_str().to_string());
                write!(f, "ended by {name}")
            }
        }
    }
}

/// What one run of a command's process tree used.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct TreeUse {
    /// Spawn to exit, seconds.
    pub wall_s: f64,
    /// User CPU time of the command and every process it waited for, seconds.
    pub user_s: f64,
    /// System CPU time of the same, seconds.
    pub sys_s: f64,
    /// The most resident memory the tree held at one sample, bytes (0 when
    /// it ended before the first sample).
    pub peak_rss_bytes: u64,
    /// Threads seen over the run (all processes of the tree).
    pub threads_seen: usize,
    /// Processes seen over the run.
    pub processes_seen: usize,
    /// How it ended.
    pub exit: Exit,
}

impl TreeUse {
    /// CPU time over wall time: how many cores it kept busy on average.
    pub fn cores_used(&self) -> f64 {
        if self.wall_s > 0.0 { (self.user_s + self.sys_s) / self.wall_s } else { 0.0 }
    }

    /// User and system CPU time, seconds.
    pub fn cpu_s(&self) -> f64 {
        self.user_s + self.sys_s
    }
}

/// One thread of the tree, as last sampled.
#[derive(Clone, Debug, PartialEq)]
pub struct Lane {
    /// The thread's id.
    pub tid: i32,
    /// Its name (`comm`), as the program set it: untrusted text.
    pub name: String,
    /// CPU time it has used, seconds.
    pub cpu_s: f64,
    /// Seconds since it was first seen.
    pub alive_s: f64,
    /// Whether it was still there at this sample.
    pub running: bool,
}

/// The tree at one sample.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    /// Since the spawn.
    pub elapsed: Duration,
    /// Every thread seen so far, in the order first seen.
    pub lanes: Vec<Lane>,
    /// Resident memory of the tree now, bytes.
    pub rss_bytes: u64,
}

/// A finished run.
#[derive(Clone, Debug, PartialEq)]
pub struct Finished {
    /// What it used.
    pub usage: TreeUse,
    /// The lanes at the end (CPU time per thread).
    pub lanes: Vec<Lane>,
    /// A 64-bit FNV-1a digest of its standard output.
    pub stdout_digest: u64,
    /// Bytes it wrote to standard output.
    pub stdout_bytes: u64,
    /// The end of its standard error (lossy UTF-8; untrusted text).
    pub stderr_tail: String,
}

/// Why a run did not finish.
#[derive(Debug, Error)]
pub enum RunError {
    /// It could not be started.
    #[error("cannot start '{program}': {message}")]
    Spawn {
        /// What was to run.
        program: String,
        /// Why not.
        message: String,
    },
    /// Cancelled: its process group was ended.
    #[error("cancelled")]
    Cancelled,
    /// It ran past its timeout and its process group was ended.
    #[error("ran past its timeout of {0:.1} s and was ended")]
    Timeout(f64),
}

/// Runs `inv` to its end, calling `on_sample` every `every` with the tree's
/// lanes, ending its process group when `cancelled()` turns true or its
/// timeout passes. Standard input is empty; standard output is digested.
///
/// # Errors
/// It could not start, was cancelled, or ran past its timeout.
pub fn run(
    inv: &Invocation,
    every: Duration,
    cancelled: &dyn Fn() -> bool,
    on_sample: &mut dyn FnMut(&Sample),
) -> Result<Finished, RunError> {
    let mut child = spawn(inv)?;
    let start = Instant::now();
    let pid = i32::try_from(child.id()).unwrap_or(i32::MAX);
    let out = child.stdout.take().map(|s| std::thread::spawn(move || digest(s)));
    let err = child.stderr.take().map(|s| std::thread::spawn(move || tail(s)));
    let exited = waiter(pid);
    let mut sampler = Sampler::new(pid, start);
    let ended = loop {
        sampler.sample();
        on_sample(&sampler.snapshot());
        let stop = if cancelled() {
            Some(RunError::Cancelled)
        } else {
            inv.timeout.filter(|t| start.elapsed() >= *t).map(|t| RunError::Timeout(t.as_secs_f64()))
        };
        if let Some(e) = stop {
            end_group(pid, &mut child);
            join(out, err);
            return Err(e);
        }
        match exited.recv_timeout(every) {
            Ok(at) => break at,
            Err(crossbeam_channel::RecvTimeoutError::Timeout) => {}
            Err(crossbeam_channel::RecvTimeoutError::Disconnected) => break Instant::now(),
        }
    };
    let wall_s = ended.saturating_duration_since(start).as_secs_f64();
    // The zombie's times hold everything it and its waited-for children used.
    let (user_s, sys_s) = final_times(pid);
    end_group(pid, &mut child);
    let exit = child.wait().map_or(Exit::Signal(9), status_of);
    let ((stdout_digest, stdout_bytes), stderr_tail) = join(out, err);
    let usage = TreeUse {
        wall_s,
        user_s,
        sys_s,
        peak_rss_bytes: sampler.peak_rss,
        threads_seen: sampler.lanes.len(),
        processes_seen: sampler.processes_seen.len(),
        exit,
    };
    Ok(Finished { usage, lanes: sampler.snapshot().lanes, stdout_digest, stdout_bytes, stderr_tail })
}

fn spawn(inv: &Invocation) -> Result<Child, RunError> {
    let program = inv.argv.first().cloned().unwrap_or_default();
    let mut cmd = Command::new(&program);
    cmd.args(&inv.argv[1..]).envs(inv.env.iter().map(|(k, v)| (k, v))).process_group(0);
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    if let Some(dir) = &inv.workdir {
        cmd.current_dir(dir);
    }
    cmd.spawn().map_err(|e| RunError::Spawn { program, message: e.to_string() })
}

/// A thread that waits for `pid` to exit without reaping it (so its final
/// times stay readable), and sends the moment it did.
fn waiter(pid: i32) -> crossbeam_channel::Receiver<Instant> {
    let (tx, rx) = crossbeam_channel::bounded(1);
    std::thread::spawn(move || {
        while let Err(nix::errno::Errno::EINTR) = waitid(Id::Pid(Pid::from_raw(pid)), WaitPidFlag::WEXITED | WaitPidFlag::WNOWAIT) {}
        let _ = tx.send(Instant::now());
    });
    rx
}

/// Ends every process of the group led by `pid` (SIGKILL) and reaps the
/// leader (waiting for it: a SIGKILL cannot be caught, so it ends at once;
/// reaped, no zombie stays in the group).
fn end_group(pid: i32, child: &mut Child) {
    let _ = killpg(Pid::from_raw(pid), Signal::SIGKILL);
    let _ = child.wait();
}

fn status_of(s: std::process::ExitStatus) -> Exit {
    use std::os::unix::process::ExitStatusExt;
    s.code().map_or_else(|| Exit::Signal(s.signal().unwrap_or(9)), Exit::Code)
}

/// User and system seconds of the exited (not yet reaped) `pid` and its waited-for children.
fn final_times(pid: i32) -> (f64, f64) {
    let tps = procfs::ticks_per_second() as f64;
    procfs::process::Process::new(pid).and_then(|p| p.stat()).map_or((0.0, 0.0), |s| {
        let user = s.utime as f64 + s.cutime.max(0) as f64;
        let sys = s.stime as f64 + s.cstime.max(0) as f64;
        (user / tps, sys / tps)
    })
}

fn join(out: Option<JoinHandle<(u64, u64)>>, err: Option<JoinHandle<String>>) -> ((u64, u64), String) {
    let o = out.and_then(|h| h.join().ok()).unwrap_or((FNV_OFFSET, 0));
    let e = err.and_then(|h| h.join().ok()).unwrap_or_default();
    (o, e)
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// FNV-1a over everything `r` gives, and how many bytes.
fn digest(mut r: impl Read) -> (u64, u64) {
    let (mut h, mut n) = (FNV_OFFSET, 0u64);
    let mut buf = vec![0u8; 64 * 1024];
    while let Ok(k) = r.read(&mut buf) {
        if k == 0 {
            break;
        }
        for &b in &buf[..k] {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        n += k as u64;
    }
    (h, n)
}

/// The last [`STDERR_TAIL`] bytes `r` gives, as lossy UTF-8.
fn tail(mut r: impl Read) -> String {
    let mut kept: Vec<u8> = Vec::new();
    let mut buf = [0u8; 4096];
    while let Ok(k) = r.read(&mut buf) {
        if k == 0 {
            break;
        }
        kept.extend_from_slice(&buf[..k]);
        if kept.len() > 2 * STDERR_TAIL {
            kept.drain(..kept.len() - STDERR_TAIL);
        }
    }
    let from = kept.len().saturating_sub(STDERR_TAIL);
    String::from_utf8_lossy(&kept[from..]).into_owned()
}

/// The tree's threads as seen so far.
struct Sampler {
    root: i32,
    start: Instant,
    tps: f64,
    page: u64,
    lanes: Vec<Lane>,
    /// When each lane was first seen, seconds since the spawn.
    first_seen: Vec<f64>,
    processes_seen: std::collections::BTreeSet<i32>,
    rss_now: u64,
    peak_rss: u64,
}

impl Sampler {
    fn new(root: i32, start: Instant) -> Self {
        Sampler {
            root,
            start,
            tps: procfs::ticks_per_second() as f64,
            page: procfs::page_size(),
            lanes: Vec::new(),
            first_seen: Vec::new(),
            processes_seen: Default::default(),
            rss_now: 0,
            peak_rss: 0,
        }
    }

    /// Reads every process of the tree (the root and its descendants) and their threads.
    fn sample(&mut self) {
        let now = self.start.elapsed().as_secs_f64();
        self.lanes.iter_mut().for_each(|l| l.running = false);
        let mut rss = 0;
        for pid in descendants(self.root) {
            let Ok(p) = procfs::process::Process::new(pid) else { continue };
            self.processes_seen.insert(pid);
            rss += p.statm().map_or(0, |m| m.resident * self.page);
            let Ok(tasks) = p.tasks() else { continue };
            for t in tasks.flatten() {
                if let Ok(st) = t.stat() {
                    self.see(t.tid, st.comm, (st.utime + st.stime) as f64 / self.tps, now);
                }
            }
        }
        self.rss_now = rss;
        self.peak_rss = self.peak_rss.max(rss);
    }

    fn see(&mut self, tid: i32, name: String, cpu_s: f64, now: f64) {
        let full = self.lanes.len() >= MAX_LANES;
        match self.lanes.iter_mut().find(|l| l.tid == tid) {
            Some(l) => {
                l.cpu_s = cpu_s;
                l.running = true;
            }
            None if !full => {
                self.lanes.push(Lane { tid, name, cpu_s, alive_s: 0.0, running: true });
                self.first_seen.push(now);
            }
            None => {}
        }
    }

    /// The lanes with `alive_s` as time since first seen.
    fn snapshot(&self) -> Sample {
        let now = self.start.elapsed().as_secs_f64();
        let lanes = self.lanes.iter().zip(&self.first_seen).map(|(l, t0)| Lane { alive_s: (now - t0).max(l.cpu_s), ..l.clone() }).collect();
        Sample { elapsed: self.start.elapsed(), lanes, rss_bytes: self.rss_now }
    }
}

/// `root` and every process below it, from `/proc/<pid>/task/<tid>/children`.
fn descendants(root: i32) -> Vec<i32> {
    let mut out = vec![root];
    let mut i = 0;
    while i < out.len() && out.len() < 4096 {
        let pid = out[i];
        if let Ok(p) = procfs::process::Process::new(pid)
            && let Ok(tasks) = p.tasks()
        {
            for t in tasks.flatten() {
                out.extend(t.children().unwrap_or_default().into_iter().filter_map(|c| i32::try_from(c).ok()));
            }
        }
        i += 1;
    }
    out
}
