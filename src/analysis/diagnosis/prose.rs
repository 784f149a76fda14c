//! The words: a headline, the evidence and a suggestion for each finding,
//! written here and nowhere else. Suggestions follow the run's own
//! settings: never what it already did, never a setting its feeder lacks.

use super::evidence::{Chunking, Evidence};
use super::rules::Finding;
use super::{Diagnosis, NAMED_LOAD_CORES, Verdict};
use crate::engine::FeederKind;
use crate::machine::load::CpuShare;

/// A diagnosis from its parts.
pub(crate) fn d(verdict: Verdict, headline: impl Into<String>, evidence: impl Into<String>, suggestion: impl Into<String>) -> Diagnosis {
    Diagnosis { verdict, headline: headline.into(), evidence: evidence.into(), suggestion: suggestion.into() }
}

/// The diagnosis of `finding`, with what else the evidence shows (outside
/// load that does not explain the loss, disturbed repetitions) added.
pub(crate) fn describe(finding: &Finding, e: &Evidence) -> Diagnosis {
    let mut out = text(finding, e);
    if let Some(share) = finding.largest() {
        out.evidence.push_str(&format!("; the largest part of the time lost to ideal ({:.0}%)", 100.0 * share));
    }
    if finding.verdict() != Verdict::Disturbed {
        out.evidence.push_str(&outside_load(e));
    }
    out
}

fn text(finding: &Finding, e: &Evidence) -> Diagnosis {
    match *finding {
        Finding::OneThread { speedup } => one_thread(e, speedup),
        Finding::Gil { efficiency, fused } => gil(e, efficiency, fused),
        Finding::SerialSource => d(
            Verdict::SerialSource,
            "the source iterator is the bottleneck: auto ran one fused core",
            e.plan.clone(),
            "nothing parallel can win here; give each item more work (or make the source cheaper/indexed)",
        ),
        Finding::ScalesWell { efficiency } => d(
            Verdict::ScalesWell,
            "close to ideal",
            format!("efficiency {efficiency:.2}"),
            "more cores would help; nothing here is the bottleneck",
        ),
        Finding::BlockingPaidOff { speedup } => d(
            Verdict::ScalesWell,
            "more threads than cores paid off: the work blocks, so extra threads overlap the waits",
            format!("{} threads on {} cores gave {speedup:.2}x (efficiency {:.2} per thread)", e.threads, e.cores, e.efficiency),
            "for blocking work, threads past the core count help until the waits are covered",
        ),
        Finding::Oversubscription { speedup } => d(
            Verdict::Oversubscription,
            "more threads than cores for CPU-bound work",
            format!(
                "{p} threads on {on}: speedup {speedup:.2} cannot exceed {cores}; workers were busy {:.0}% of the wall time on average",
                100.0 * e.busy_share,
                p = e.threads,
                on = crate::units::count_of(e.cores, "logical core"),
                cores = e.cores
            ),
            "use at most one thread per core for CPU-bound work; more only pays for work that blocks",
        ),
        Finding::Disturbed { load, cores_left, explains } => disturbed(e, load, cores_left, explains),
        Finding::WaitingForInput { .. }
        | Finding::LoadImbalance { .. }
        | Finding::RayonPerItem { .. }
        | Finding::SerialPart { .. }
        | Finding::Overhead { .. }
        | Finding::SmallLosses { .. } => loss_text(finding, e),
    }
}

/// The losses inside the run: waits, the idle tail, time alone, overhead,
/// and (the last arm) small losses everywhere.
fn loss_text(finding: &Finding, e: &Evidence) -> Diagnosis {
    match *finding {
        Finding::WaitingForInput { wait_share, .. } => d(
            Verdict::WaitingForInput,
            "workers waited for input: the lock, the queue or the source",
            format!("waiting took {:.0}% of the workers' time (chunk {}, {} feeder)", 100.0 * wait_share, e.chunk, e.feeder),
            waiting_help(e),
        ),
        Finding::LoadImbalance { imbalance, idle_workers, .. } => load_imbalance(e, imbalance, idle_workers),
        Finding::RayonPerItem { inflation } => d(
            Verdict::WaitingForInput,
            "workers waited for input: par_bridge takes a lock for every item",
            format!(
                "rayon reports no waiting time apart, but its workers' time, waits included, adds up to {inflation:.2}x the sequential time"
            ),
            "hand out chunks instead of single items: the dispenser or auto feeder",
        ),
        Finding::SerialPart { serial_share, .. } => serial_part(e, serial_share),
        Finding::Overhead { inflation, .. } => d(
            Verdict::Overhead,
            "overhead: the workers did more work than the plain loop",
            format!("the workers' map time adds up to {inflation:.2}x the sequential time (buffering, cache misses, shared cores)"),
            overhead_help(e),
        ),
        _ => d(
            Verdict::Overhead,
            "small losses everywhere",
            format!(
                "waiting {:.0}%, imbalance {:.0}%, map time {:.2}x the sequential",
                100.0 * e.wait_share,
                100.0 * e.imbalance,
                e.inflation
            ),
            sweep_help(e),
        ),
    }
}

fn one_thread(e: &Evidence, speedup: f64) -> Diagnosis {
    let headline = if speedup < 0.9 {
        format!("one thread, {:.1}x slower than the plain loop: the cost of the design itself", 1.0 / speedup.max(1e-9))
    } else {
        "one thread: as fast as the plain loop".to_string()
    };
    d(
        Verdict::OneThread,
        headline,
        format!("{:.3} s against {:.3} s for the plain loop (speedup {speedup:.2})", e.median_s, e.baseline_s),
        "sweep the thread count to see how it scales",
    )
}

fn gil(e: &Evidence, efficiency: f64, fused: bool) -> Diagnosis {
    let mut evidence = format!("GIL on: speedup {:.2} with {} threads (efficiency {efficiency:.2})", e.speedup, e.threads);
    if fused {
        evidence.push_str(&format!("; auto measured the threads taking turns, slower than one core, and ran one fused core ({})", e.plan));
    }
    d(
        Verdict::Gil,
        "the global interpreter lock: threads take turns at every map call",
        evidence,
        "turn the GIL off (free-threaded Python); with a GIL only blocking work gains from threads",
    )
}

/// "the window's drawing took 35% of a core" or "other programs took 91% of a core".
pub(crate) fn who_took(load: CpuShare) -> String {
    let pct = |c: f64| format!("{:.0}% of a core", 100.0 * c);
    if load.rest_of_process >= load.other_processes {
        format!("the window's drawing took {}", pct(load.rest_of_process))
    } else {
        format!("other programs took {}", pct(load.other_processes))
    }
}

fn disturbed(e: &Evidence, load: CpuShare, cores_left: f64, explains: f64) -> Diagnosis {
    let pct = |c: f64| format!("{:.0}% of a core", 100.0 * c);
    let window = load.rest_of_process >= load.other_processes;
    let headline = format!("{} while this ran{}", who_took(load), if window { "; the CLI measures without it" } else { "" });
    d(
        Verdict::Disturbed,
        headline,
        format!(
            "median over {} repetitions: this process's other threads (the window) {}, other processes {}; {} of them disturbed; speedup {:.2}, efficiency {:.2}; {cores_left:.2} cores left for {} threads: that explains {:.0}% of the gap to ideal",
            e.reps,
            pct(load.rest_of_process),
            pct(load.other_processes),
            e.disturbed_reps,
            e.speedup,
            e.efficiency,
            e.threads,
            100.0 * explains
        ),
        "measure with `scalescope sweep` (no window), tick 'quiet', or close other programs; then the losses that remain are the engine's",
    )
}

fn load_imbalance(e: &Evidence, imbalance: f64, idle_workers: usize) -> Diagnosis {
    d(
        Verdict::LoadImbalance,
        "load imbalance: some workers sat idle while others finished",
        format!(
            "worker time ranged {:.3}..{:.3} s{}; {:.0}% of the workers' time was idle tail",
            e.workers.min_s,
            e.workers.max_s,
            if idle_workers > 0 { format!(", and {idle_workers} worker(s) got no items at all") } else { String::new() },
            100.0 * imbalance
        ),
        imbalance_help(e),
    )
}

fn serial_part(e: &Evidence, serial_share: f64) -> Diagnosis {
    let wall = e.median_s.max(1e-12);
    let serial_s = serial_share * wall;
    let cap = if e.baseline_s > 0.0 {
        format!("; {serial_s:.3} s of serial work caps the speedup at {:.1}x on any machine (Amdahl)", e.baseline_s / serial_s)
    } else {
        String::new()
    };
    let ran = (e.workers.busy_s + e.workers.wait_s) / e.workers.active.max(1) as f64;
    d(
        Verdict::SerialPart,
        "a serial part: for part of the run no worker ran",
        format!(
            "the workers ran {ran:.3} s of the run's {wall:.3} s on average: {:.0}% of it was one thread alone{cap}",
            100.0 * serial_share
        ),
        "make that part parallel too; or grow the problem (Weak scaling) so the serial part is a smaller share of it",
    )
}

/// Outside load too small (or too late in the rules) to be the verdict,
/// and the disturbed repetitions: added to any verdict but `Disturbed`.
fn outside_load(e: &Evidence) -> String {
    let mut out = String::new();
    if let Some(load) = e.load.filter(|l| l.total() >= NAMED_LOAD_CORES && e.threads >= 2) {
        let explains = if e.cores_left >= e.threads as f64 {
            "a core was left for each thread: none of the gap to ideal".to_string()
        } else if e.load_explains < 0.01 {
            "that explains less than 1% of the gap to ideal".to_string()
        } else {
            format!("that explains at most {:.0}% of the gap to ideal", 100.0 * e.load_explains)
        };
        out.push_str(&format!("; {} while this ran: {explains}", who_took(load)));
    }
    if e.disturbed_reps > 0 {
        out.push_str(&format!(
            "; {} of {} repetitions were disturbed by outside load (more than {:.2} of a core)",
            e.disturbed_reps,
            e.reps,
            crate::machine::load::DISTURBED_CORES
        ));
    }
    out
}

/// Waiting: fewer visits to the lock or queue, in the settings this feeder has.
fn waiting_help(e: &Evidence) -> &'static str {
    match (e.feeder, e.chunking) {
        (FeederKind::Locked, _) => "locked takes the lock once per item: use the dispenser or auto feeder (one lock per chunk)",
        (_, Chunking::Fixed) => "bigger chunks, so the lock or queue is visited less often; or auto, which sizes them",
        (FeederKind::Auto, Chunking::Auto) => {
            "the chunks were already sized from the map's cost, so the source is slow next to the map: give each item more work, or make the source cheaper"
        }
        (_, Chunking::Auto) => {
            "the chunks were already sized from the map's cost, so the source is slow next to the map: give each item more work, or make the source cheaper; the auto feeder runs one fused core when that is faster"
        }
        (_, Chunking::None) => "hand out chunks instead of single items: the dispenser or auto feeder",
    }
}

/// An idle tail: the expensive items shared out, in the settings this feeder has.
fn imbalance_help(e: &Evidence) -> String {
    match (e.feeder, e.chunking) {
        (_, Chunking::Fixed) => "smaller chunks (or auto, which shrinks them toward the end) share the expensive items out".into(),
        (FeederKind::Auto, Chunking::Auto) => "smaller fixed chunks share the expensive items out".into(),
        (_, Chunking::Auto) => {
            "smaller fixed chunks (or the auto feeder, which shrinks them toward the end) share the expensive items out".into()
        }
        (feeder, Chunking::None) => format!("split the expensive items into smaller ones: {feeder} already hands out one item at a time"),
    }
}

/// Overhead: per-chunk costs and fusing, where the run did not already.
fn overhead_help(e: &Evidence) -> &'static str {
    match (e.feeder, e.chunking) {
        (FeederKind::Auto, Chunking::Fixed) => "bigger chunks cut per-chunk costs",
        (_, Chunking::Fixed) => "bigger chunks cut per-chunk costs; for cheap items, auto runs fused",
        (FeederKind::Auto, _) => "bigger fixed chunks cut per-chunk costs",
        (_, Chunking::Auto) => "bigger fixed chunks cut per-chunk costs; for cheap items, auto runs fused",
        (_, Chunking::None) => "hand out chunks instead of single items (the dispenser or auto feeder): per-item costs add up",
    }
}

/// Small losses: a thread sweep, and auto chunks where the run had fixed ones.
fn sweep_help(e: &Evidence) -> &'static str {
    if e.chunking == Chunking::Fixed {
        "auto chunks and a thread sweep; the Karp-Flatt plot shows whether the loss grows with threads"
    } else {
        "a thread sweep; the Karp-Flatt plot shows whether the loss grows with threads"
    }
}

#[cfg(test)]
mod tests {
    use super::super::diagnose;
    use super::super::fixture::{fixed, run, share};
    use super::*;
    use crate::experiment::RunRecord;

    /// Every feeder and chunk setting of one run's numbers.
    fn settings(r: &RunRecord) -> Vec<RunRecord> {
        let feeders = [FeederKind::Locked, FeederKind::Queue, FeederKind::Dispenser, FeederKind::Rayon, FeederKind::Auto];
        let chunks = [crate::engine::ChunkSize::Auto, fixed(64)];
        feeders.iter().flat_map(|&feeder| chunks.iter().map(move |&chunk_size| RunRecord { feeder, chunk_size, ..r.clone() })).collect()
    }

    #[test]
    fn no_suggestion_repeats_the_runs_own_setting_or_one_its_feeder_lacks() {
        let runs = [
            run(FeederKind::Dispenser, 2, 4.0, 0.1, &[(50, 0.6, 3.3), (50, 0.6, 3.3)]),
            run(FeederKind::Dispenser, 2, 0.9, 1.0, &[(90, 0.88, 0.0), (10, 0.15, 0.0)]),
            run(FeederKind::Dispenser, 2, 0.75, 1.0, &[(50, 0.74, 0.01); 2]),
            run(FeederKind::Dispenser, 2, 0.95, 1.6, &[(50, 0.8, 0.05), (50, 0.85, 0.05)]),
        ];
        for r in runs.iter().flat_map(settings) {
            let dg = diagnose(&r, r.speedup * r.median_s, 2);
            let s = &dg.suggestion;
            assert!(!s.starts_with("try"), "the CLI prints 'try: ' before it: {s}");
            if r.chunk_size == crate::engine::ChunkSize::Auto {
                assert!(!s.contains("auto chunks") && !s.contains("or auto, which"), "{} already on auto chunks: {s}", r.feeder);
            }
            if r.feeder == FeederKind::Auto {
                assert!(!s.contains("auto runs fused") && !s.contains("the auto feeder"), "already the auto feeder: {s}");
            }
            if matches!(r.feeder, FeederKind::Rayon | FeederKind::Locked) {
                assert!(!s.contains("bigger chunks") && !s.contains("smaller chunks") && !s.contains("auto chunks"), "{}: {s}", r.feeder);
            }
        }
    }

    #[test]
    fn the_largest_part_of_the_loss_is_the_headline_with_its_share() {
        // Imbalance 15% and nothing else: not "small losses everywhere".
        let r = run(FeederKind::Dispenser, 2, 0.85, 1.45, &[(50, 0.85, 0.0), (50, 0.6, 0.0)]);
        let dg = diagnose(&r, 1.45, 2);
        assert_eq!(dg.verdict, Verdict::LoadImbalance, "{dg:?}");
        assert!(dg.evidence.contains("15% of the workers' time was idle tail"), "{}", dg.evidence);
        assert!(dg.evidence.contains("the largest part of the time lost to ideal (100%)"), "{}", dg.evidence);
        // Losses of about even size: small losses, numbers as before.
        let even = run(FeederKind::Dispenser, 2, 0.95, 1.6, &[(50, 0.8, 0.05), (50, 0.85, 0.05)]);
        let dg = diagnose(&even, 1.6, 2);
        assert_eq!(dg.headline, "small losses everywhere");
        assert_eq!(dg.evidence, "waiting 5%, imbalance 3%, map time 1.03x the sequential");
    }

    #[test]
    fn outside_load_that_cannot_explain_the_loss_is_evidence_not_the_headline() {
        let mut r = run(FeederKind::Locked, 2, 50.0, 1.0, &[(50, 10.0, 39.0), (50, 10.0, 39.0)]);
        r.chunk_size = fixed(1);
        r.cpu = vec![share(0.0, 0.91), share(0.0, 0.9), share(0.0, 0.95)];
        let dg = diagnose(&r, 1.0, 2);
        assert_eq!(dg.verdict, Verdict::WaitingForInput, "{dg:?}");
        assert!(dg.headline.contains("the lock"), "{}", dg.headline);
        assert!(dg.suggestion.starts_with("locked takes the lock once per item"), "{}", dg.suggestion);
        assert!(
            dg.evidence.contains("other programs took 91% of a core while this ran: that explains less than 1% of the gap to ideal"),
            "{}",
            dg.evidence
        );
        assert!(dg.evidence.ends_with("3 of 3 repetitions were disturbed by outside load (more than 0.15 of a core)"), "{}", dg.evidence);
        // The load that does explain it is the headline, with what it explains.
        let mut r = run(FeederKind::Dispenser, 2, 0.7, 1.0, &[(50, 0.69, 0.0); 2]);
        r.cpu = vec![share(0.0, 0.5); 3];
        let dg = diagnose(&r, 1.0, 2);
        assert_eq!(dg.headline, "other programs took 50% of a core while this ran");
        assert!(dg.evidence.ends_with("1.50 cores left for 2 threads: that explains 83% of the gap to ideal"), "{}", dg.evidence);
    }

    #[test]
    fn with_the_gil_on_a_fused_auto_names_the_gil() {
        let mut r = run(FeederKind::Auto, 2, 1.02, 1.0, &[(100, 1.0, 0.0), (0, 0.0, 0.0)]);
        r.gil = true;
        r.ran = Some(crate::engine::Ran::OneCore);
        r.plan = Some("started 2 workers; at 1.0 ms -> one fused core".into());
        let dg = diagnose(&r, 1.0, 2);
        assert_eq!(dg.verdict, Verdict::Gil);
        assert_eq!(dg.headline, "the global interpreter lock: threads take turns at every map call");
        assert!(dg.evidence.contains("ran one fused core (started 2 workers; at 1.0 ms -> one fused core)"), "{}", dg.evidence);
        assert!(!dg.headline.contains("source iterator"));
    }
}
