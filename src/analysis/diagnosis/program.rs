//! "Why not ideal?" for a user's own program (the `command` workload, or a
//! hyperfine scan imported): a black box, read from what its process tree
//! used. No feeder, chunk or lock to name; only its CPU time against its
//! wall time (the cores it kept busy), how that grew from fewer threads,
//! which of its threads did the work, the machine's cores and outside load.
//!
//! | order | rule | verdict | when |
//! |---|---|---|---|
//! | 1 | `failed` | `Failed` | a repetition did not exit with status 0 |
//! | 2 | `one_thread` | `OneThread` | one thread |
//! | 3 | `ran_serially` | `RanSerially` | speedup < [`NO_GAIN`], CPU time not [`CPU_GREW`]x that at fewer threads, and one thread did >= [`ONE_THREAD_SHARE`] of the CPU work, or (threads unknown) < [`SERIAL_CORES`] cores busy, or no more cores busy than at fewer threads |
//! | 4 | `scales_well` | `ScalesWell` | efficiency >= 0.9, or past the cores and faster than them |
//! | 5 | `oversubscribed` | `Oversubscription` | more threads than this machine's logical cores |
//! | 6 | `disturbed` | `Disturbed` | outside load (never the program's own CPU) explains >= half the gap, and the program used the cores it left |
//! | 7 | `cpu_grew` | `Overhead` | CPU time >= [`CPU_GREW`]x that of the run at the fewest threads |
//! | 8 | `imbalance` | `LoadImbalance` | the busiest thread did >= [`IMBALANCE_OVER_FAIR`]x its fair share of the CPU work |
//! | - | what is known | `Unexplained` | none of these: cores used against threads asked |

use super::prose::{d, who_took};
use super::{Diagnosis, NAMED_LOAD_CORES, Verdict};
use crate::experiment::RunRecord;
use crate::machine::load::CpuShare;
use crate::program::{Exit, TreeUse};
use crate::stats::median;

/// Speedup below which more threads bought nothing.
pub const NO_GAIN: f64 = 1.2;
/// Cores busy below which a program ran on about one.
pub const SERIAL_CORES: f64 = 1.3;
/// The share of the CPU work one thread did from which the program ran serially.
pub const ONE_THREAD_SHARE: f64 = 0.6;
/// CPU time over that at fewer threads from which the growth is named.
pub const CPU_GREW: f64 = 1.3;
/// The busiest thread's share of the CPU work over a fair share (1 / threads)
/// from which it is named as imbalance.
pub const IMBALANCE_OVER_FAIR: f64 = 1.3;
/// Efficiency from which a run scales well.
const SCALES_WELL: f64 = 0.9;
/// A thread that did less than this share of the CPU work did none of it.
const WORKED: f64 = 0.05;

/// What a run at another thread count used (medians over its repetitions).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Use {
    /// Its threads.
    pub(crate) threads: usize,
    /// CPU seconds (user and system of the process tree).
    pub(crate) cpu_s: f64,
    /// CPU over wall time.
    pub(crate) cores_used: f64,
    /// Its speedup against the reference.
    pub(crate) speedup: f64,
}

impl Use {
    fn of(run: &RunRecord) -> Self {
        let cpu: Vec<f64> = run.process.iter().map(TreeUse::cpu_s).collect();
        let cores: Vec<f64> = run.process.iter().map(TreeUse::cores_used).collect();
        Use { threads: run.threads.max(1), cpu_s: median(&cpu), cores_used: median(&cores), speedup: run.speedup }
    }
}

/// Everything the program's rules read, for one run.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Evidence {
    /// This run's use.
    pub(crate) now: Use,
    /// The machine's logical cores; `None` where unknown (an import).
    pub(crate) cores: Option<usize>,
    pub(crate) efficiency: f64,
    pub(crate) median_s: f64,
    pub(crate) baseline_s: f64,
    /// Repetitions with a reading of the process tree.
    pub(crate) reps: usize,
    /// Repetitions that did not exit with status 0, and the first such exit.
    pub(crate) failures: usize,
    pub(crate) failure: Option<Exit>,
    /// Threads that did a real share of the CPU work (the median repetition's lanes).
    pub(crate) working: usize,
    /// Threads seen with any CPU time.
    pub(crate) lanes: usize,
    /// The busiest thread's share of the CPU work (0 without lanes).
    pub(crate) top_share: f64,
    /// The busiest thread's CPU seconds and all threads' together.
    pub(crate) top_s: f64,
    pub(crate) lanes_s: f64,
    /// Outside load (median over the repetitions), the program's own CPU never in it.
    pub(crate) load: Option<CpuShare>,
    /// Repetitions that outside load disturbed.
    pub(crate) disturbed_reps: usize,
    /// The cores the load left (one per thread at most), and the share of the gap to ideal it explains.
    pub(crate) cores_left: f64,
    pub(crate) load_explains: f64,
    /// The run of the same program at the fewest threads below this one.
    pub(crate) fewer: Option<Use>,
}

impl Evidence {
    /// The evidence of the program run `run` against a reference of
    /// `baseline_s` seconds, on a machine of `cores` logical cores (0:
    /// unknown), next to the run at fewer threads `fewer`.
    pub(crate) fn of(run: &RunRecord, fewer: Option<&RunRecord>, baseline_s: f64, cores: usize) -> Self {
        let now = Use::of(run);
        let cores = (cores > 0).then_some(cores);
        let failed: Vec<Exit> = run.process.iter().map(|p| p.exit).filter(|x| !x.success()).collect();
        let mut busy: Vec<f64> = run.workers.iter().map(|w| w.busy_s).filter(|b| *b > 0.0).collect();
        busy.sort_by(|a, b| b.total_cmp(a));
        let lanes_s: f64 = busy.iter().sum();
        let top_s = busy.first().copied().unwrap_or(0.0);
        let shares = own_load_removed(run, cores);
        let load = CpuShare::median(&shares);
        let total = load.map_or(0.0, |l| l.total());
        let p = now.threads;
        Evidence {
            cores,
            efficiency: run.efficiency,
            median_s: run.median_s,
            baseline_s,
            reps: run.process.len(),
            failures: failed.len(),
            failure: failed.first().copied(),
            working: busy.iter().filter(|b| **b >= WORKED * lanes_s).count(),
            lanes: busy.len(),
            top_share: if lanes_s > 0.0 { top_s / lanes_s } else { 0.0 },
            top_s,
            lanes_s,
            load,
            disturbed_reps: shares.iter().filter(|s| s.disturbed()).count(),
            cores_left: cores.map_or(p as f64, |c| super::evidence::cores_left(p, c, total)),
            load_explains: cores.map_or(0.0, |c| super::evidence::load_explains(run.speedup, p, c, total)),
            fewer: fewer.filter(|f| f.threads < p && !f.process.is_empty()).map(Use::of),
            now,
        }
    }

    fn oversubscribed(&self) -> bool {
        self.cores.is_some_and(|c| self.now.threads > c)
    }

    fn beat_the_cores(&self) -> bool {
        self.cores.is_some_and(|c| self.oversubscribed() && self.now.speedup > c as f64 * super::evidence::BEAT_THE_CORES)
    }

    /// CPU time over that at the fewest threads.
    fn growth(&self) -> Option<(f64, Use)> {
        self.fewer.filter(|f| f.cpu_s > 0.0).map(|f| (self.now.cpu_s / f.cpu_s, f))
    }
}

/// Outside load per repetition with the program's own CPU taken out: a
/// sweep already subtracts it, but a reading that holds more than the cores
/// the program left (an older file) is cut to what was left.
fn own_load_removed(run: &RunRecord, cores: Option<usize>) -> Vec<CpuShare> {
    run.cpu
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let used = run.process.get(i).map_or(0.0, TreeUse::cores_used);
            let room = cores.map_or(f64::INFINITY, |c| (c as f64 - used).max(0.0));
            let other = s.other_processes.min((room - s.rest_of_process).max(0.0));
            CpuShare { rest_of_process: s.rest_of_process.min(room), other_processes: other }
        })
        .collect()
}

/// What a rule found.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Finding {
    Failed,
    OneThread,
    /// `same`: it used no more cores than at fewer threads (this run).
    RanSerially {
        same: Option<Use>,
    },
    ScalesWell,
    BlockingPaidOff,
    Oversubscribed,
    Disturbed,
    CpuGrew {
        growth: f64,
        from: Use,
    },
    Imbalance,
    Known,
}

type Rule = fn(&Evidence) -> Option<Finding>;

/// The rules, first match wins.
const RULES: [Rule; 8] = [failed, one_thread, ran_serially, scales_well, oversubscribed, disturbed, cpu_grew, imbalance];

/// The first rule's finding, else what is known.
pub(crate) fn first(e: &Evidence) -> Finding {
    RULES.iter().find_map(|rule| rule(e)).unwrap_or(Finding::Known)
}

fn failed(e: &Evidence) -> Option<Finding> {
    (e.failures > 0).then_some(Finding::Failed)
}

fn one_thread(e: &Evidence) -> Option<Finding> {
    (e.now.threads == 1).then_some(Finding::OneThread)
}

/// No faster, and one thread did the work (or, with no thread readings,
/// about one core busy), or no more cores busy than at fewer threads.
/// A program whose CPU time grew did run its threads: [`cpu_grew`] names it.
fn ran_serially(e: &Evidence) -> Option<Finding> {
    let grew = e.growth().is_some_and(|(g, _)| g >= CPU_GREW);
    if e.now.speedup >= NO_GAIN || grew {
        return None;
    }
    let one = if e.lanes > 0 { e.top_share >= ONE_THREAD_SHARE } else { e.now.cores_used < SERIAL_CORES };
    if one {
        return Some(Finding::RanSerially { same: None });
    }
    let same = e.fewer.filter(|f| e.now.cores_used <= f.cores_used * 1.1 + 0.1 && e.now.speedup < NO_GAIN * f.speedup.max(1e-9));
    same.map(|f| Finding::RanSerially { same: Some(f) })
}

fn scales_well(e: &Evidence) -> Option<Finding> {
    if e.oversubscribed() && (e.beat_the_cores() || e.efficiency >= SCALES_WELL) {
        Some(Finding::BlockingPaidOff)
    } else {
        (e.efficiency >= SCALES_WELL).then_some(Finding::ScalesWell)
    }
}

fn oversubscribed(e: &Evidence) -> Option<Finding> {
    (e.oversubscribed() && !e.beat_the_cores()).then_some(Finding::Oversubscribed)
}

/// Outside load that explains most of the gap, beside a program that used
/// the cores it left (one that used fewer was not held back by it).
fn disturbed(e: &Evidence) -> Option<Finding> {
    let load = e.load.filter(|l| l.total() >= NAMED_LOAD_CORES)?;
    let squeezed = e.now.cores_used >= 0.8 * e.cores_left;
    (load.total() > 0.0 && squeezed && e.load_explains >= super::LOAD_EXPLAINS).then_some(Finding::Disturbed)
}

fn cpu_grew(e: &Evidence) -> Option<Finding> {
    let (growth, from) = e.growth()?;
    (growth >= CPU_GREW).then_some(Finding::CpuGrew { growth, from })
}

fn imbalance(e: &Evidence) -> Option<Finding> {
    let fair = 1.0 / e.now.threads as f64;
    (e.working >= 2 && e.top_share >= IMBALANCE_OVER_FAIR * fair).then_some(Finding::Imbalance)
}

/// The diagnosis of the program run `run`, next to the run at its fewest
/// threads `fewer` where there is one.
pub(crate) fn diagnose(run: &RunRecord, fewer: Option<&RunRecord>, baseline_s: f64, cores: usize) -> Diagnosis {
    let e = Evidence::of(run, fewer, baseline_s, cores);
    let finding = first(&e);
    let mut out = text(finding, &e);
    if out.verdict != Verdict::Disturbed {
        out.evidence.push_str(&outside_load(&e, matches!(finding, Finding::RanSerially { .. })));
    }
    out
}

/// The run of `runs` a program run is compared with: the same program at
/// the fewest threads below its own.
pub(crate) fn fewer<'a>(runs: &'a [RunRecord], run: &RunRecord) -> Option<&'a RunRecord> {
    runs.iter().filter(|r| !r.process.is_empty() && r.threads < run.threads && r.variant == run.variant).min_by_key(|r| r.threads)
}

fn plural(n: f64, one: &str) -> String {
    let shown = format!("{n:.1}");
    if shown == "1.0" { format!("{shown} {one}") } else { format!("{shown} {one}s") }
}

fn threads(p: usize) -> String {
    if p == 1 { "1 thread".into() } else { format!("{p} threads") }
}

/// `exit status 1`, `ended by SIGKILL`, or `ended by a signal` (hyperfine names none).
fn exit_text(x: Exit) -> String {
    if x == Exit::Signal(0) { "ended by a signal".into() } else { x.to_string() }
}

/// CPU over wall, and the threads that did the work.
fn cpu_line(e: &Evidence) -> String {
    let mut s = format!(
        "CPU {:.2} s over {:.3} s of wall time (medians of {} repetitions): {:.2} cores busy; speedup {:.2} against the reference",
        e.now.cpu_s, e.median_s, e.reps, e.now.cores_used, e.now.speedup
    );
    if e.lanes > 0 {
        s.push_str(&format!("; the busiest of its {} threads did {:.0}% of the CPU work", e.lanes, 100.0 * e.top_share));
    }
    s
}

fn text(finding: Finding, e: &Evidence) -> Diagnosis {
    let p = e.now.threads;
    match finding {
        Finding::Failed => failed_text(e),
        Finding::OneThread => one_thread_text(e),
        Finding::RanSerially { same } => serial_text(e, same),
        Finding::ScalesWell => d(
            Verdict::ScalesWell,
            format!("close to ideal: {} kept {} busy", threads(p), plural(e.now.cores_used, "core")),
            format!("efficiency {:.2}; {}", e.efficiency, cpu_line(e)),
            "more cores would help; nothing here is the bottleneck",
        ),
        Finding::BlockingPaidOff => d(
            Verdict::ScalesWell,
            "more threads than cores paid off: the program blocks, so extra threads overlap the waits",
            format!("{} on {} cores gave {:.2}x; {}", threads(p), e.cores.unwrap_or(0), e.now.speedup, cpu_line(e)),
            "for work that blocks, threads past the core count help until the waits are covered",
        ),
        Finding::Oversubscribed => {
            let c = e.cores.unwrap_or(0);
            d(
                Verdict::Oversubscription,
                format!("more threads than cores: {} on {}", threads(p), crate::units::count_of(c, "logical core")),
                format!("{}; for CPU-bound work the speedup cannot exceed {c}", cpu_line(e)),
                format!("give it at most one thread per core ({c} here) for CPU-bound work; more only pays for work that blocks"),
            )
        }
        Finding::Disturbed => disturbed_text(e),
        Finding::CpuGrew { growth, from } => d(
            Verdict::Overhead,
            format!(
                "CPU time grew {growth:.1}x from {} to {p} threads: the extra threads spent it on overhead (spinning, contention)",
                from.threads
            ),
            format!("CPU {:.2} s at {}, {:.2} s at {p}; {}", from.cpu_s, threads(from.threads), e.now.cpu_s, cpu_line(e)),
            "find where the extra CPU goes: a profiler (perf record) at both thread counts; threads that spin while they wait (OMP_WAIT_POLICY=passive), a lock they queue at, or data they all write are the usual causes",
        ),
        Finding::Imbalance => d(
            Verdict::LoadImbalance,
            format!("one thread did {:.0}% of the work: imbalance", 100.0 * e.top_share),
            format!(
                "the busiest of its {} threads used {:.2} s of their {:.2} s of CPU (the median repetition), {} of them a real share; with {} a fair share is {:.0}%; {}",
                e.lanes,
                e.top_s,
                e.lanes_s,
                e.working,
                threads(p),
                100.0 / p as f64,
                cpu_line(e)
            ),
            "share the work out more evenly (smaller pieces, dynamic scheduling such as OpenMP's schedule(dynamic)), or make the part that one thread does alone parallel",
        ),
        Finding::Known => known_text(e),
    }
}

fn failed_text(e: &Evidence) -> Diagnosis {
    let how = e.failure.map_or_else(|| "a failure".to_string(), exit_text);
    d(
        Verdict::Failed,
        format!("the program failed: {how} in {} of {} repetitions; these times are not of its work", e.failures, e.reps),
        cpu_line(e),
        "run the command by hand to see why it fails, fix it, and measure again",
    )
}

fn one_thread_text(e: &Evidence) -> Diagnosis {
    let headline = if e.now.speedup < 0.9 {
        format!("one thread, {:.1}x slower than the reference", 1.0 / e.now.speedup.max(1e-9))
    } else {
        "one thread: as fast as the reference".to_string()
    };
    let mut evidence = format!(
        "{:.3} s against {:.3} s for the reference (speedup {:.2}); {:.2} cores busy ({:.2} s of CPU)",
        e.median_s, e.baseline_s, e.now.speedup, e.now.cores_used, e.now.cpu_s
    );
    if e.now.cores_used >= 1.5 {
        evidence.push_str(&format!(
            "; at 1 thread it already kept {:.1} cores busy: threads of its own, whatever {{threads}} says, or a pipeline",
            e.now.cores_used
        ));
    }
    d(Verdict::OneThread, headline, evidence, "sweep the thread count to see how it scales")
}

fn serial_text(e: &Evidence, same: Option<Use>) -> Diagnosis {
    let p = e.now.threads;
    let used = plural(e.now.cores_used, "core");
    let headline = match same {
        None => format!("asked for {p} threads, used {used}: the program ran serially (does it read {{threads}}?)"),
        Some(f) => format!(
            "asked for {p} threads, used {used} as at {}: the thread count changed nothing (does it read {{threads}}?)",
            threads(f.threads)
        ),
    };
    let mut evidence = cpu_line(e);
    if let Some(f) = same.or(e.fewer) {
        evidence.push_str(&format!(
            "; at {}: {:.2} cores busy, speedup {:.2}, CPU {:.2} s ({:.2}x of it now)",
            threads(f.threads),
            f.cores_used,
            f.speedup,
            f.cpu_s,
            e.now.cpu_s / f.cpu_s.max(1e-12)
        ));
    }
    d(
        Verdict::RanSerially,
        headline,
        evidence,
        "check that the program takes the thread count where {threads} puts it (a flag such as -T{threads}, or a variable: --env OMP_NUM_THREADS={threads}); if it does, its work is serial and more threads cannot help",
    )
}

fn disturbed_text(e: &Evidence) -> Diagnosis {
    let load = e.load.unwrap_or_default();
    let pct = |c: f64| format!("{:.0}% of a core", 100.0 * c);
    d(
        Verdict::Disturbed,
        format!("{} while this ran", who_took(load)),
        format!(
            "median over {} repetitions: this process's other threads (the window) {}, other processes {} (the program's own CPU not counted); {} of them disturbed; the program kept {:.2} cores busy of the {:.2} the load left to its {}: that explains {:.0}% of the gap to ideal",
            e.reps,
            pct(load.rest_of_process),
            pct(load.other_processes),
            e.disturbed_reps,
            e.now.cores_used,
            e.cores_left,
            threads(e.now.threads),
            100.0 * e.load_explains
        ),
        "measure again on a quiet machine: close other programs (in the app, tick 'quiet'); then the losses that remain are the program's",
    )
}

fn known_text(e: &Evidence) -> Diagnosis {
    let mut evidence = cpu_line(e);
    if let Some((growth, from)) = e.growth() {
        evidence.push_str(&format!("; CPU time {growth:.2}x that at {}", threads(from.threads)));
    }
    evidence.push_str("; a program is a black box: its CPU use names no single loss");
    d(
        Verdict::Unexplained,
        format!(
            "asked for {} threads, the program kept {} busy: speedup {:.2} (efficiency {:.2})",
            e.now.threads,
            plural(e.now.cores_used, "core"),
            e.now.speedup,
            e.efficiency
        ),
        evidence,
        "a profiler (perf record) at two thread counts shows where the time goes; the lanes of a sweep show which of its threads worked",
    )
}

/// Outside load that is not the verdict, and disturbed repetitions; a
/// program that ran serially needed one core of what the load left.
fn outside_load(e: &Evidence, serial: bool) -> String {
    let mut out = String::new();
    if let Some(load) = e.load.filter(|l| l.total() >= NAMED_LOAD_CORES && e.now.threads >= 2) {
        let explains = if serial && e.cores_left >= 0.95 {
            format!("it left {:.2} cores, and a program that runs serially needs one: it did not hold it back", e.cores_left)
        } else if serial {
            format!(
                "it left {:.2} cores, less than the one a program that runs serially needs: it slowed it, but more threads could not have helped",
                e.cores_left
            )
        } else if e.now.cores_used < 0.8 * e.cores_left {
            format!("the program used {:.2} cores of the {:.2} it left: it did not hold it back", e.now.cores_used, e.cores_left)
        } else if e.load_explains < 0.01 {
            "that explains less than 1% of the gap to ideal".to_string()
        } else {
            format!("that explains at most {:.0}% of the gap to ideal", 100.0 * e.load_explains)
        };
        out.push_str(&format!("; {} while this ran (the program's own CPU not counted): {explains}", who_took(load)));
    }
    if e.disturbed_reps > 0 {
        out.push_str(&format!(
            "; {} of {} repetitions were disturbed by outside load (more than {:.2} of a core)",
            e.disturbed_reps,
            e.reps.max(e.disturbed_reps),
            crate::machine::load::DISTURBED_CORES
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{program, share};
    use super::super::{diagnose, diagnose_runs};
    use super::*;

    /// Words that belong to the engine's feeders, never to a program.
    const ENGINE_WORDS: [&str; 7] = ["chunk", "feeder", "dispenser", "auto", "the lock", "plain loop", "engine"];

    fn no_engine_words(dg: &Diagnosis) {
        for text in [&dg.headline, &dg.evidence, &dg.suggestion] {
            for w in ENGINE_WORDS {
                assert!(!text.contains(w), "'{w}' in a program's diagnosis: {text}");
            }
        }
        assert!(!dg.suggestion.starts_with("try"), "the CLI prints 'try: ' before it: {}", dg.suggestion);
    }

    #[test]
    fn a_program_that_ignores_the_thread_count_ran_serially() {
        // Recorded: `sh -c "yes | head -c 200000000 | gzip -1 > /dev/null; : {threads}"` at 2
        // threads on 2 cores, beside another program's core: gzip did 83% of the CPU work.
        let lanes = [(0.0, 1.16), (0.06, 1.05), (0.12, 0.99), (0.89, 0.22)];
        let mut r = program(2, 1.178, 1.162, &[(1.189, 1.16), (1.167, 1.14)], &lanes);
        r.cpu = vec![share(0.0, 0.96), share(0.0, 0.98)];
        let dg = diagnose(&r, 1.162, 2);
        assert_eq!(dg.verdict, Verdict::RanSerially, "{dg:?}");
        assert_eq!(dg.headline, "asked for 2 threads, used 1.0 core: the program ran serially (does it read {threads}?)");
        assert!(dg.evidence.contains("the busiest of its 3 threads did 83% of the CPU work"), "{}", dg.evidence);
        assert!(dg.suggestion.contains("OMP_NUM_THREADS={threads}"), "{}", dg.suggestion);
        no_engine_words(&dg);
        // Without thread readings (a hyperfine import): about one core busy.
        let bare = program(4, 2.13, 2.11, &[(2.13, 2.1); 3], &[]);
        let dg = diagnose(&bare, 2.11, 0);
        assert_eq!(dg.headline, "asked for 4 threads, used 1.0 core: the program ran serially (does it read {threads}?)");
    }

    #[test]
    fn a_serial_program_squeezed_by_outside_load_still_ran_serially() {
        // Recorded: the same pipeline beside 1.1 cores of other builds; gzip did 73% of the CPU work.
        let mut r = program(2, 1.524, 1.497, &[(1.696, 1.17), (1.352, 1.28)], &[(0.0, 1.5), (0.09, 1.4), (0.24, 1.3), (0.91, 0.6)]);
        r.cpu = vec![share(0.0, 1.27), share(0.0, 0.99)];
        let dg = diagnose(&r, 1.497, 2);
        assert_eq!(dg.verdict, Verdict::RanSerially, "{dg:?}");
        assert!(dg.evidence.contains("less than the one a program that runs serially needs"), "{}", dg.evidence);
        // A parallel program squeezed the same way (its two threads even) is the load's.
        let mut even = r.clone();
        even.workers = program(2, 1.0, 1.0, &[], &[(0.62, 0.9), (0.62, 0.9)]).workers;
        assert_eq!(diagnose(&even, 1.497, 2).verdict, Verdict::Disturbed);
    }

    #[test]
    fn a_program_whose_cores_did_not_grow_with_its_threads_changed_nothing() {
        // A pipeline busy on 1.5 cores at any thread count, its CPU spread over three processes.
        let lanes = [(0.5, 0.5), (0.5, 0.5), (0.5, 0.5)];
        let one = program(1, 1.0, 1.0, &[(1.0, 1.5); 3], &lanes);
        let four = program(4, 0.98, 1.0, &[(0.98, 1.5); 3], &lanes);
        let runs = [one, four];
        let dg = &diagnose_runs(&runs, 1.0, 8)[1];
        assert_eq!(dg.verdict, Verdict::RanSerially, "{dg:?}");
        assert_eq!(
            dg.headline,
            "asked for 4 threads, used 1.5 cores as at 1 thread: the thread count changed nothing (does it read {threads}?)"
        );
        no_engine_words(dg);
    }

    #[test]
    fn a_program_that_kept_one_core_busy_but_spent_more_cpu_did_run_its_threads() {
        // A hyperfine import (no thread readings): one core busy at 1 and at 2 threads, but 1.5x the CPU.
        let one = program(1, 1.0, 1.0, &[(1.0, 1.0); 3], &[]);
        let two = program(2, 1.5, 1.0, &[(1.5, 1.5); 3], &[]);
        let runs = [one, two];
        let dg = &diagnose_runs(&runs, 1.0, 0)[1];
        assert_eq!(dg.verdict, Verdict::Overhead, "{dg:?}");
        assert!(dg.headline.starts_with("CPU time grew 1.5x from 1 to 2 threads"), "{}", dg.headline);
    }

    #[test]
    fn cpu_time_that_grew_with_the_threads_is_overhead() {
        // 2.0 s of CPU at 1 thread, 3.4 s at 4: 1.7x, for a speedup of 2.
        let one = program(1, 2.0, 2.0, &[(2.0, 2.0); 3], &[(2.0, 0.0)]);
        let four = program(4, 1.0, 2.0, &[(1.0, 3.4); 3], &[(0.85, 0.15); 4]);
        let runs = [one, four];
        let dg = &diagnose_runs(&runs, 2.0, 8)[1];
        assert_eq!(dg.verdict, Verdict::Overhead, "{dg:?}");
        assert_eq!(dg.headline, "CPU time grew 1.7x from 1 to 4 threads: the extra threads spent it on overhead (spinning, contention)");
        assert!(dg.evidence.starts_with("CPU 2.00 s at 1 thread, 3.40 s at 4"), "{}", dg.evidence);
        no_engine_words(dg);
        // On its own (no run at fewer threads to compare with) the growth is not claimed.
        assert_eq!(diagnose(&runs[1], 2.0, 8).verdict, Verdict::Unexplained);
    }

    #[test]
    fn one_thread_that_did_most_of_the_work_is_imbalance() {
        // 4 threads, one did 70% of 3.0 s of CPU: a fair share is 25%.
        let lanes = [(2.1, 0.0), (0.3, 1.8), (0.3, 1.8), (0.3, 1.8)];
        let r = program(4, 2.1, 3.0, &[(2.1, 3.0); 3], &lanes);
        let dg = diagnose(&r, 3.0, 8);
        assert_eq!(dg.verdict, Verdict::LoadImbalance, "{dg:?}");
        assert_eq!(dg.headline, "one thread did 70% of the work: imbalance");
        assert!(dg.evidence.contains("used 2.10 s of their 3.00 s of CPU"), "{}", dg.evidence);
        no_engine_words(&dg);
        // An even share is not.
        let even = program(4, 1.2, 3.0, &[(1.2, 3.0); 3], &[(0.75, 0.45); 4]);
        assert_eq!(diagnose(&even, 3.0, 8).verdict, Verdict::Unexplained);
    }

    #[test]
    fn more_threads_than_cores_is_named_with_the_cores() {
        let r = program(8, 0.55, 1.0, &[(0.55, 1.05); 3], &[(0.13, 0.4); 8]);
        let dg = diagnose(&r, 1.0, 2);
        assert_eq!(dg.verdict, Verdict::Oversubscription, "{dg:?}");
        assert_eq!(dg.headline, "more threads than cores: 8 threads on 2 logical cores");
        no_engine_words(&dg);
        // Cores unknown (an import): never claimed.
        assert_ne!(diagnose(&r, 1.0, 0).verdict, Verdict::Oversubscription);
    }

    #[test]
    fn outside_load_is_named_only_where_it_held_the_program_back() {
        // 2 threads on 2 cores, even lanes, 1.1 cores busy beside 0.9 of another program.
        let mut r = program(2, 0.9, 1.0, &[(0.9, 1.0); 3], &[(0.5, 0.4); 2]);
        r.cpu = vec![share(0.0, 0.85); 3];
        let dg = diagnose(&r, 1.0, 2);
        assert_eq!(dg.verdict, Verdict::Disturbed, "{dg:?}");
        assert_eq!(dg.headline, "other programs took 85% of a core while this ran");
        assert!(dg.evidence.ends_with("1.15 the load left to its 2 threads: that explains 92% of the gap to ideal"), "{}", dg.evidence);
        no_engine_words(&dg);
        // A reading that holds the program's own CPU (2 cores busy on 2 cores): none of it is outside load.
        let mut own = program(2, 0.55, 1.0, &[(0.55, 1.1); 3], &[(0.55, 0.0); 2]);
        own.cpu = vec![share(0.0, 1.9); 3];
        let dg = diagnose(&own, 1.0, 2);
        assert_ne!(dg.verdict, Verdict::Disturbed, "{dg:?}");
        assert!(!dg.evidence.contains("other programs"), "{}", dg.evidence);
    }

    #[test]
    fn a_failed_repetition_is_named_first() {
        let mut r = program(2, 0.6, 1.0, &[(0.6, 1.1); 3], &[(0.55, 0.05); 2]);
        r.process[1].exit = Exit::Code(1);
        let dg = diagnose(&r, 1.0, 2);
        assert_eq!(dg.verdict, Verdict::Failed, "{dg:?}");
        assert_eq!(dg.headline, "the program failed: exit status 1 in 1 of 3 repetitions; these times are not of its work");
        assert_eq!(dg.severity(&r), super::super::Severity::Bad);
    }

    #[test]
    fn otherwise_what_is_known_and_good_news() {
        let r = program(2, 0.7, 1.0, &[(0.7, 1.3); 3], &[(0.65, 0.05); 2]);
        let dg = diagnose(&r, 1.0, 4);
        assert_eq!(dg.verdict, Verdict::Unexplained);
        assert_eq!(dg.headline, "asked for 2 threads, the program kept 1.9 cores busy: speedup 1.43 (efficiency 0.71)");
        no_engine_words(&dg);
        let good = program(2, 0.52, 1.0, &[(0.52, 1.02); 3], &[(0.51, 0.01); 2]);
        let dg = diagnose(&good, 1.0, 4);
        assert_eq!((dg.verdict, dg.headline.as_str()), (Verdict::ScalesWell, "close to ideal: 2 threads kept 2.0 cores busy"));
        let one = program(1, 1.0, 1.0, &[(1.0, 1.0); 3], &[(1.0, 0.0)]);
        assert_eq!(diagnose(&one, 1.0, 4).headline, "one thread: as fast as the reference");
    }
}
