//! The verdict of one run: a table of rules in priority order, each a small
//! function of the run's [`Evidence`]. The first that finds something
//! names the run; when none does, the largest part of the lost time does.

use super::evidence::Evidence;
use super::{NAMED_LOAD_CORES, SERIAL_SHARE, Verdict};
use crate::engine::FeederKind;
use crate::machine::load::CpuShare;

/// What a rule found: the verdict and the numbers that decided it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Finding {
    /// One thread; its speedup against the plain loop.
    OneThread { speedup: f64 },
    /// The simulated GIL; `fused` when `auto` retreated to one core because of it.
    Gil { efficiency: f64, fused: bool },
    /// `auto` ran (most of) the input on one fused core.
    SerialSource,
    /// Within 10% of ideal.
    ScalesWell { efficiency: f64 },
    /// More threads than cores, and faster than the cores alone could be.
    BlockingPaidOff { speedup: f64 },
    /// More threads than cores for CPU-bound work.
    Oversubscription { speedup: f64 },
    /// Outside load that explains most of the gap to ideal.
    Disturbed { load: CpuShare, cores_left: f64, explains: f64 },
    /// Waiting for input; `largest`: named as the largest share of the loss.
    WaitingForInput { wait_share: f64, largest: Option<f64> },
    /// An idle tail, or workers given nothing.
    LoadImbalance { imbalance: f64, idle_workers: usize, largest: Option<f64> },
    /// rayon's `par_bridge`: a lock per item, its waits inside the map time.
    RayonPerItem { inflation: f64 },
    /// Time in which no worker ran.
    SerialPart { serial_share: f64, largest: Option<f64> },
    /// The workers' map time above the sequential time.
    Overhead { inflation: f64, largest: Option<f64> },
    /// Every part of the lost time under [`SMALL_LOSS`] of the workers'
    /// time and under half of the loss; `largest`: the largest part's share of the loss.
    SmallLosses { largest: f64 },
}

impl Finding {
    /// The verdict it names.
    pub(crate) fn verdict(&self) -> Verdict {
        match self {
            Finding::OneThread { .. } => Verdict::OneThread,
            Finding::Gil { .. } => Verdict::Gil,
            Finding::SerialSource => Verdict::SerialSource,
            Finding::ScalesWell { .. } | Finding::BlockingPaidOff { .. } => Verdict::ScalesWell,
            Finding::Oversubscription { .. } => Verdict::Oversubscription,
            Finding::Disturbed { .. } => Verdict::Disturbed,
            Finding::WaitingForInput { .. } | Finding::RayonPerItem { .. } => Verdict::WaitingForInput,
            Finding::LoadImbalance { .. } => Verdict::LoadImbalance,
            Finding::SerialPart { .. } => Verdict::SerialPart,
            Finding::Overhead { .. } | Finding::SmallLosses { .. } => Verdict::Overhead,
        }
    }

    /// The share of the lost time, where the finding was named as its
    /// largest part rather than by its own rule.
    pub(crate) fn largest(&self) -> Option<f64> {
        match *self {
            Finding::WaitingForInput { largest, .. }
            | Finding::LoadImbalance { largest, .. }
            | Finding::SerialPart { largest, .. }
            | Finding::Overhead { largest, .. } => largest,
            _ => None,
        }
    }
}

/// Efficiency at or above which a run scales well.
pub(crate) const SCALES_WELL: f64 = 0.9;
/// Efficiency below which the simulated GIL is named.
pub(crate) const GIL_EFFICIENCY: f64 = 0.75;
/// Waiting, as a share of the workers' time, above which it is named.
pub(crate) const WAITING: f64 = 0.25;
/// An idle tail above which it is named.
pub(crate) const IMBALANCE: f64 = 0.15;
/// rayon's map time over the sequential time above which its per-item lock is named.
pub(crate) const RAYON_INFLATION: f64 = 1.5;
/// Map time over the sequential time above which overhead is named.
pub(crate) const OVERHEAD_INFLATION: f64 = 1.2;
/// The share of the lost time from which its largest part is named.
pub(crate) const LARGEST_LOSS: f64 = 0.5;
/// The share of the workers' time (threads x wall) from which a part of the
/// lost time is no longer small, and is named if it is the largest.
pub(crate) const SMALL_LOSS: f64 = 0.1;

/// A rule: the finding, or `None` when it does not apply.
pub(crate) type Rule = fn(&Evidence) -> Option<Finding>;

/// The rules, first match wins.
pub(crate) const RULES: [Rule; 11] = [
    one_thread,
    gil,
    serial_source,
    scales_well,
    oversubscription,
    disturbed,
    waiting_for_input,
    load_imbalance,
    rayon_per_item,
    serial_part,
    overhead,
];

/// The first rule's finding, else the largest part of the lost time.
pub(crate) fn first(e: &Evidence) -> Finding {
    RULES.iter().find_map(|rule| rule(e)).unwrap_or_else(|| largest_loss(e))
}

/// One thread: nothing to lose to other threads yet.
pub(crate) fn one_thread(e: &Evidence) -> Option<Finding> {
    (e.threads == 1).then_some(Finding::OneThread { speedup: e.speedup })
}

/// The simulated GIL, first: with it on, `auto`'s retreat to one core is
/// the GIL's doing, not the source's.
pub(crate) fn gil(e: &Evidence) -> Option<Finding> {
    (e.gil && (e.efficiency < GIL_EFFICIENCY || e.one_core)).then_some(Finding::Gil { efficiency: e.efficiency, fused: e.one_core })
}

/// `auto` measured the source as the bottleneck and ran one fused core.
pub(crate) fn serial_source(e: &Evidence) -> Option<Finding> {
    e.one_core.then_some(Finding::SerialSource)
}

/// Within 10% of ideal, or past the cores and faster than they could be.
pub(crate) fn scales_well(e: &Evidence) -> Option<Finding> {
    if e.oversubscribed() && (e.beat_the_cores() || e.efficiency >= SCALES_WELL) {
        Some(Finding::BlockingPaidOff { speedup: e.speedup })
    } else {
        (e.efficiency >= SCALES_WELL).then_some(Finding::ScalesWell { efficiency: e.efficiency })
    }
}

/// More threads than cores, no faster than the cores.
pub(crate) fn oversubscription(e: &Evidence) -> Option<Finding> {
    (e.oversubscribed() && !e.beat_the_cores()).then_some(Finding::Oversubscription { speedup: e.speedup })
}

/// Outside load large enough to explain most of the gap to ideal, and more
/// of it than the waits or the idle tail the design itself shows.
pub(crate) fn disturbed(e: &Evidence) -> Option<Finding> {
    let load = e.load.filter(|l| l.total() >= NAMED_LOAD_CORES)?;
    let explains = e.load_explains;
    (explains >= super::LOAD_EXPLAINS && explains >= e.losses.wait && explains >= e.losses.tail).then_some(Finding::Disturbed {
        load,
        cores_left: e.cores_left,
        explains,
    })
}

/// The workers waited for input for a real share of their time.
pub(crate) fn waiting_for_input(e: &Evidence) -> Option<Finding> {
    (e.wait_share > WAITING).then_some(Finding::WaitingForInput { wait_share: e.wait_share, largest: None })
}

/// An idle tail, or a worker that got nothing.
pub(crate) fn load_imbalance(e: &Evidence) -> Option<Finding> {
    let idle_workers = e.workers.idle();
    (e.imbalance > IMBALANCE || idle_workers > 0).then_some(Finding::LoadImbalance { imbalance: e.imbalance, idle_workers, largest: None })
}

/// rayon's waits hide in its map time: far more of it than the plain loop's.
pub(crate) fn rayon_per_item(e: &Evidence) -> Option<Finding> {
    (e.feeder == FeederKind::Rayon && e.inflation > RAYON_INFLATION).then_some(Finding::RayonPerItem { inflation: e.inflation })
}

/// For a real share of the run no (timed) worker ran.
pub(crate) fn serial_part(e: &Evidence) -> Option<Finding> {
    let timed = e.timed_workers && e.workers.active > 0;
    (timed && e.serial_share > SERIAL_SHARE).then_some(Finding::SerialPart { serial_share: e.serial_share, largest: None })
}

/// The workers' map time well above the plain loop's.
pub(crate) fn overhead(e: &Evidence) -> Option<Finding> {
    (e.inflation > OVERHEAD_INFLATION).then_some(Finding::Overhead { inflation: e.inflation, largest: None })
}

/// No rule matched: the largest part of the lost time, when it is most of
/// it or no longer small; else small losses everywhere.
pub(crate) fn largest_loss(e: &Evidence) -> Finding {
    let l = e.losses;
    let parts = [l.wait, l.tail, l.overhead, l.serial];
    let (at, share) = parts.iter().copied().enumerate().fold((0, 0.0), |best, (i, s)| if s > best.1 { (i, s) } else { best });
    if share < LARGEST_LOSS && share * l.of_capacity < SMALL_LOSS {
        return Finding::SmallLosses { largest: share };
    }
    let largest = Some(share);
    match at {
        0 => Finding::WaitingForInput { wait_share: e.wait_share, largest },
        1 => Finding::LoadImbalance { imbalance: e.imbalance, idle_workers: e.workers.idle(), largest },
        2 => Finding::Overhead { inflation: e.inflation, largest },
        _ => Finding::SerialPart { serial_share: e.serial_share, largest },
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{fixed, run, share};
    use super::*;
    use crate::engine::Ran;

    fn ev(r: &crate::experiment::RunRecord, base: f64, cores: usize) -> Evidence {
        Evidence::of(r, base, cores)
    }

    #[test]
    fn one_thread_names_one_thread_only() {
        let one = run(FeederKind::Auto, 1, 1.0, 0.9, &[(100, 1.0, 0.0)]);
        assert_eq!(one_thread(&ev(&one, 0.9, 2)), Some(Finding::OneThread { speedup: 0.9 }));
        let two = run(FeederKind::Auto, 2, 0.5, 0.9, &[(50, 0.45, 0.0); 2]);
        assert_eq!(one_thread(&ev(&two, 0.9, 2)), None);
    }

    #[test]
    fn gil_names_the_gil_when_threads_take_turns_or_auto_fused_for_it() {
        let mut g = run(FeederKind::Dispenser, 2, 1.4, 1.0, &[(50, 0.7, 0.6), (50, 0.7, 0.6)]);
        g.gil = true;
        assert!(matches!(gil(&ev(&g, 1.0, 2)), Some(Finding::Gil { fused: false, .. })));
        // auto retreated to one fused core because of the GIL: still the GIL.
        let mut f = run(FeederKind::Auto, 2, 1.02, 1.0, &[(100, 1.0, 0.0), (0, 0.0, 0.0)]);
        f.gil = true;
        f.ran = Some(Ran::OneCore);
        assert!(matches!(gil(&ev(&f, 1.0, 2)), Some(Finding::Gil { fused: true, .. })));
        // Without the GIL, or with it and efficiency 0.8 on workers: not this rule.
        g.gil = false;
        assert_eq!(gil(&ev(&g, 1.0, 2)), None);
        let mut fine = run(FeederKind::Dispenser, 2, 0.625, 1.0, &[(50, 0.6, 0.02); 2]);
        fine.gil = true;
        assert_eq!(gil(&ev(&fine, 1.0, 2)), None);
    }

    #[test]
    fn serial_source_when_auto_ran_one_fused_core() {
        let mut f = run(FeederKind::Auto, 2, 1.2, 1.0, &[(100, 1.2, 0.0), (0, 0.0, 0.0)]);
        f.ran = Some(Ran::Mixed { one_core_share: 0.8 });
        assert_eq!(serial_source(&ev(&f, 1.0, 2)), Some(Finding::SerialSource));
        f.ran = None;
        f.used = "auto: fused".into();
        assert_eq!(serial_source(&ev(&f, 1.0, 2)), Some(Finding::SerialSource), "an old file, in words");
        f.ran = Some(Ran::Mixed { one_core_share: 0.2 });
        assert_eq!(serial_source(&ev(&f, 1.0, 2)), None);
    }

    #[test]
    fn scales_well_within_ten_percent_or_past_the_cores_on_blocking_work() {
        let r = run(FeederKind::Dispenser, 2, 0.52, 1.0, &[(50, 0.5, 0.01); 2]);
        assert!(matches!(scales_well(&ev(&r, 1.0, 2)), Some(Finding::ScalesWell { .. })));
        let blocking = run(FeederKind::Auto, 8, 0.15, 1.0, &[(12, 0.14, 0.0); 8]);
        assert!(matches!(scales_well(&ev(&blocking, 1.0, 2)), Some(Finding::BlockingPaidOff { .. })));
        let short = run(FeederKind::Dispenser, 2, 0.7, 1.0, &[(50, 0.69, 0.0); 2]);
        assert_eq!(scales_well(&ev(&short, 1.0, 2)), None);
    }

    #[test]
    fn oversubscription_past_the_cores_no_faster_than_them() {
        let r = run(FeederKind::Auto, 8, 0.52, 1.0, &[(12, 0.12, 0.0); 8]);
        assert!(matches!(oversubscription(&ev(&r, 1.0, 2)), Some(Finding::Oversubscription { .. })));
        assert_eq!(oversubscription(&ev(&r, 1.0, 8)), None, "8 threads on 8 cores");
        let blocking = run(FeederKind::Auto, 8, 0.15, 1.0, &[(12, 0.14, 0.0); 8]);
        assert_eq!(oversubscription(&ev(&blocking, 1.0, 2)), None);
    }

    #[test]
    fn disturbed_only_when_the_load_explains_most_of_the_gap() {
        // 1.43x of 2 with half a core taken: 1.5 cores left explain 83% of the gap.
        let mut r = run(FeederKind::Dispenser, 2, 0.7, 1.0, &[(50, 0.69, 0.0); 2]);
        r.cpu = vec![share(0.0, 0.5); 3];
        let Some(Finding::Disturbed { explains, cores_left, .. }) = disturbed(&ev(&r, 1.0, 2)) else { panic!("disturbed") };
        assert!((cores_left - 1.5).abs() < 1e-9 && (explains - 0.833).abs() < 1e-3, "{explains}");
        // Too little load to name.
        r.cpu = vec![share(0.02, 0.05); 3];
        assert_eq!(disturbed(&ev(&r, 1.0, 2)), None);
        // locked at 0.02x beside 0.91 of a core: the load explains 1% of a 50x loss.
        let mut locked = run(FeederKind::Locked, 2, 50.0, 1.0, &[(50, 10.0, 39.0), (50, 10.0, 39.0)]);
        locked.cpu = vec![share(0.0, 0.91); 3];
        assert!(ev(&locked, 1.0, 2).load_explains < 0.01);
        assert_eq!(disturbed(&ev(&locked, 1.0, 2)), None);
        // One worker did all: its idle twin explains more than the load.
        let mut skewed = run(FeederKind::Dispenser, 2, 1.0, 1.0, &[(100, 1.0, 0.0), (0, 0.0, 0.0)]);
        skewed.cpu = vec![share(0.0, 0.9); 3];
        assert!(ev(&skewed, 1.0, 2).load_explains >= 0.5);
        assert_eq!(disturbed(&ev(&skewed, 1.0, 2)), None);
        // A core free for each thread: none of the loss is the load's.
        r.cpu = vec![share(0.0, 0.5); 3];
        assert!(disturbed(&ev(&r, 1.0, 2)).is_some());
        assert_eq!(disturbed(&ev(&r, 1.0, 4)), None);
    }

    #[test]
    fn waiting_for_input_above_a_quarter_of_the_workers_time() {
        let r = run(FeederKind::Locked, 2, 4.0, 0.1, &[(50, 0.6, 3.3), (50, 0.6, 3.3)]);
        assert!(matches!(waiting_for_input(&ev(&r, 0.1, 2)), Some(Finding::WaitingForInput { largest: None, .. })));
        let quiet = run(FeederKind::Dispenser, 2, 0.6, 1.0, &[(50, 0.5, 0.1), (50, 0.5, 0.1)]);
        assert_eq!(waiting_for_input(&ev(&quiet, 1.0, 2)), None);
    }

    #[test]
    fn load_imbalance_for_an_idle_tail_or_a_worker_with_nothing() {
        let tail = run(FeederKind::Dispenser, 2, 0.9, 1.0, &[(90, 0.88, 0.0), (10, 0.15, 0.0)]);
        assert!(matches!(load_imbalance(&ev(&tail, 1.0, 2)), Some(Finding::LoadImbalance { idle_workers: 0, .. })));
        let nothing = run(FeederKind::Dispenser, 2, 1.0, 1.0, &[(100, 0.99, 0.0), (0, 0.0, 0.0)]);
        assert!(matches!(load_imbalance(&ev(&nothing, 1.0, 2)), Some(Finding::LoadImbalance { idle_workers: 1, .. })));
        let even = run(FeederKind::Dispenser, 2, 0.6, 1.0, &[(50, 0.55, 0.0); 2]);
        assert_eq!(load_imbalance(&ev(&even, 1.0, 2)), None);
    }

    #[test]
    fn rayon_per_item_when_its_map_time_balloons() {
        let r = run(FeederKind::Rayon, 2, 1.5, 1.0, &[(50, 1.5, 0.0), (50, 1.5, 0.0)]);
        assert!(matches!(rayon_per_item(&ev(&r, 1.0, 2)), Some(Finding::RayonPerItem { .. })));
        let d = run(FeederKind::Dispenser, 2, 1.5, 1.0, &[(50, 1.5, 0.0), (50, 1.5, 0.0)]);
        assert_eq!(rayon_per_item(&ev(&d, 1.0, 2)), None, "a dispenser's waits are timed apart");
    }

    #[test]
    fn serial_part_when_no_timed_worker_ran_for_a_fifth_of_the_run() {
        let r = run(FeederKind::Dispenser, 2, 1.0, 1.5, &[(50, 0.5, 0.0), (50, 0.5, 0.0)]);
        assert!(matches!(serial_part(&ev(&r, 1.5, 2)), Some(Finding::SerialPart { .. })));
        let rayon = run(FeederKind::Rayon, 2, 1.0, 1.5, &[(50, 0.5, 0.0), (50, 0.5, 0.0)]);
        assert_eq!(serial_part(&ev(&rayon, 1.5, 2)), None, "rayon's workers are not timed per chunk");
        let busy = run(FeederKind::Dispenser, 2, 1.0, 1.5, &[(50, 0.95, 0.0), (50, 0.95, 0.0)]);
        assert_eq!(serial_part(&ev(&busy, 1.5, 2)), None);
    }

    #[test]
    fn overhead_when_map_time_is_a_fifth_above_the_plain_loop() {
        let r = run(FeederKind::Dispenser, 2, 0.75, 1.0, &[(50, 0.74, 0.01); 2]);
        assert!(matches!(overhead(&ev(&r, 1.0, 2)), Some(Finding::Overhead { largest: None, .. })));
        let lean = run(FeederKind::Dispenser, 2, 0.6, 1.0, &[(50, 0.5, 0.0); 2]);
        assert_eq!(overhead(&ev(&lean, 1.0, 2)), None);
    }

    #[test]
    fn the_largest_loss_is_named_when_no_rule_matched() {
        // Imbalance 15% (14.7, just under the rule's threshold) and nothing else: all the loss is the tail.
        let tail = run(FeederKind::Dispenser, 2, 0.85, 1.45, &[(50, 0.85, 0.0), (50, 0.6, 0.0)]);
        let e = ev(&tail, 1.45, 2);
        assert!(RULES.iter().all(|rule| rule(&e).is_none()), "{e:?}");
        let Finding::LoadImbalance { largest: Some(share), .. } = first(&e) else { panic!("{:?}", first(&e)) };
        assert!(share > 0.99, "{share}");
        // Waits, tail, overhead and time alone about even, each under a tenth of the workers' time: small losses.
        let mixed = run(FeederKind::Dispenser, 2, 0.95, 1.6, &[(50, 0.8, 0.05), (50, 0.85, 0.05)]);
        let e = ev(&mixed, 1.6, 2);
        assert!(RULES.iter().all(|rule| rule(&e).is_none()), "{e:?}");
        assert!(matches!(first(&e), Finding::SmallLosses { largest } if largest < LARGEST_LOSS), "{:?}", first(&e));
        // An idle tail of 15% (14% of the workers' time) beside overhead and time alone:
        // under half the loss, but not small.
        let big = run(FeederKind::Dispenser, 2, 1.0, 1.36, &[(50, 0.95, 0.0), (50, 0.67, 0.0)]);
        let e = ev(&big, 1.36, 2);
        assert!(RULES.iter().all(|rule| rule(&e).is_none()), "{e:?}");
        assert!(e.losses.tail < LARGEST_LOSS && e.losses.tail * e.losses.of_capacity >= SMALL_LOSS, "{:?}", e.losses);
        assert!(matches!(first(&e), Finding::LoadImbalance { largest: Some(_), .. }), "{:?}", first(&e));
    }

    #[test]
    fn the_table_is_in_priority_order() {
        // A run that several rules match gets the first: GIL before the fused core, the
        // fused core before the idle worker it leaves behind.
        let mut r = run(FeederKind::Auto, 2, 1.02, 1.0, &[(100, 1.0, 0.0), (0, 0.0, 0.0)]);
        r.ran = Some(Ran::OneCore);
        assert_eq!(first(&ev(&r, 1.0, 2)), Finding::SerialSource);
        r.gil = true;
        assert!(matches!(first(&ev(&r, 1.0, 2)), Finding::Gil { fused: true, .. }));
        // Waiting before imbalance, with fixed chunks too.
        let mut w = run(FeederKind::Queue, 2, 1.0, 0.5, &[(90, 0.2, 0.7), (10, 0.05, 0.3)]);
        w.chunk_size = fixed(64);
        assert!(matches!(first(&ev(&w, 0.5, 2)), Finding::WaitingForInput { .. }));
    }
}
