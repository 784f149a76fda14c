//! Whether the calling thread was preempted: the kernel's count of its
//! involuntary context switches (`getrusage(RUSAGE_THREAD)`), and its CPU
//! time (`CLOCK_THREAD_CPUTIME_ID`). A wall-clock time over a stretch in
//! which another program took the core reads as work that was not done;
//! the CPU time of that stretch is what the work took.

use std::time::Duration;

/// The calling thread's account at one moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ThreadClock {
    cpu: Duration,
    preempted: i64,
}

impl ThreadClock {
    /// The calling thread's account now. Where the kernel keeps none per
    /// thread it is empty, and no stretch reads as preempted (wall-clock
    /// times then stand as measured).
    pub(crate) fn now() -> Self {
        Self::read().unwrap_or(ThreadClock { cpu: Duration::ZERO, preempted: 0 })
    }

    #[cfg(target_os = "linux")]
    fn read() -> Option<Self> {
        use nix::sys::resource::{UsageWho, getrusage};
        use nix::time::{ClockId, clock_gettime};
        // The CPU time from the thread's clock: getrusage's lags a running
        // thread by up to a scheduler tick.
        let t = clock_gettime(ClockId::CLOCK_THREAD_CPUTIME_ID).ok()?;
        let cpu = Duration::new(u64::try_from(t.tv_sec()).ok()?, u32::try_from(t.tv_nsec()).ok()?);
        #[allow(clippy::useless_conversion, reason = "c_long is i32 on 32-bit targets")]
        let preempted = getrusage(UsageWho::RUSAGE_THREAD).ok()?.involuntary_context_switches().into();
        Some(ThreadClock { cpu, preempted })
    }

    #[cfg(not(target_os = "linux"))]
    fn read() -> Option<Self> {
        None
    }

    /// The CPU time this thread spent since `earlier`, where it was
    /// preempted in between; `None` where it ran undisturbed (its wall
    /// time is then the work's).
    pub(crate) fn preempted_since(&self, earlier: &ThreadClock) -> Option<Duration> {
        (self.preempted > earlier.preempted).then(|| self.cpu.saturating_sub(earlier.cpu))
    }
}

/// What a stretch of work took that began at `before` and took `wall` on
/// the clock: `wall`, or the thread's CPU time since `before` where it was
/// preempted in between (the less of the two).
pub(crate) fn undisturbed(before: ThreadClock, wall: Duration) -> Duration {
    ThreadClock::now().preempted_since(&before).map_or(wall, |cpu| cpu.min(wall))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_preempted_stretch_gives_its_cpu_time_and_an_undisturbed_one_none() {
        let (a, b) =
            (ThreadClock { cpu: Duration::from_micros(100), preempted: 3 }, ThreadClock { cpu: Duration::from_micros(250), preempted: 3 });
        assert_eq!(b.preempted_since(&a), None);
        let c = ThreadClock { cpu: Duration::from_micros(400), preempted: 5 };
        assert_eq!(c.preempted_since(&a), Some(Duration::from_micros(300)));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_thread_that_spins_has_cpu_time_and_one_that_sleeps_has_little() {
        let t0 = ThreadClock::read().expect("linux keeps a per-thread account");
        let start = std::time::Instant::now();
        let mut x = 0u64;
        while start.elapsed() < Duration::from_millis(30) {
            x = std::hint::black_box(x.wrapping_add(1));
        }
        let t1 = ThreadClock::read().unwrap();
        std::thread::sleep(Duration::from_millis(30));
        let t2 = ThreadClock::read().unwrap();
        assert!(t1.cpu - t0.cpu >= Duration::from_millis(1), "spun: {:?}", t1.cpu - t0.cpu);
        assert!(t2.cpu - t1.cpu < Duration::from_millis(20), "slept: {:?}", t2.cpu - t1.cpu);
        assert!(t2.preempted >= t0.preempted);
    }
}
