//! How long the window takes to build a frame, and how often it draws while
//! a job runs: the cost the window puts on the measured runs.

use std::collections::VecDeque;
use std::time::Instant;

/// Recent frame times, bounded.
#[derive(Debug, Default)]
pub(crate) struct FrameStats {
    /// Frame build times, milliseconds (the last 600 frames).
    pub(crate) build_ms: VecDeque<f32>,
    /// Frame build times while a job ran, milliseconds (the last 2000 such frames).
    pub(crate) busy_build_ms: VecDeque<f32>,
    /// Time between frames while a job ran, milliseconds (the last 2000).
    pub(crate) busy_interval_ms: VecDeque<f32>,
    last: Option<Instant>,
}

impl FrameStats {
    /// Records a frame that began at `t0` and ends now; `busy`: a job ran.
    pub(crate) fn record(&mut self, t0: Instant, busy: bool) {
        let build_ms = t0.elapsed().as_secs_f32() * 1e3;
        push_capped(&mut self.build_ms, build_ms, 600);
        if busy {
            push_capped(&mut self.busy_build_ms, build_ms, 2000);
            if let Some(last) = self.last {
                push_capped(&mut self.busy_interval_ms, (t0 - last).as_secs_f32() * 1e3, 2000);
            }
        }
        self.last = Some(t0);
    }

    /// The 95th percentile of recent frame build times, milliseconds.
    pub(crate) fn p95_ms(&self) -> Option<f32> {
        p95(&self.build_ms)
    }

    /// One line on the frames drawn while jobs ran.
    pub(crate) fn summary(&self) -> String {
        format!(
            "frames while a job ran: {} frames, build time p95 {:.2} ms, time between frames p95 {:.1} ms",
            self.busy_build_ms.len(),
            p95(&self.busy_build_ms).unwrap_or(0.0),
            p95(&self.busy_interval_ms).unwrap_or(0.0)
        )
    }
}

fn push_capped(q: &mut VecDeque<f32>, v: f32, cap: usize) {
    q.push_back(v);
    if q.len() > cap {
        q.pop_front();
    }
}

/// The 95th percentile (nearest rank), or `None` for no samples.
pub(crate) fn p95(samples: &VecDeque<f32>) -> Option<f32> {
    if samples.is_empty() {
        return None;
    }
    let mut v: Vec<f32> = samples.iter().copied().collect();
    v.sort_by(f32::total_cmp);
    Some(v[((v.len() as f32 * 0.95).ceil() as usize).clamp(1, v.len()) - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p95_is_the_nearest_rank() {
        let q: VecDeque<f32> = (1..=100).map(|i| i as f32).collect();
        assert_eq!(p95(&q), Some(95.0));
        assert_eq!(p95(&VecDeque::new()), None);
    }

    #[test]
    fn busy_frames_are_counted_apart_and_bounded() {
        let mut f = FrameStats::default();
        for i in 0..3000 {
            f.record(Instant::now(), i % 2 == 0);
        }
        assert_eq!(f.build_ms.len(), 600);
        assert_eq!(f.busy_build_ms.len(), 1500);
        assert!(f.p95_ms().is_some_and(|ms| ms >= 0.0));
    }
}
