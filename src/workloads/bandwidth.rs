//! This machine's memory bandwidth, probed: threads each summing a share of
//! a buffer larger than the caches, at 1, 2, 4, ... threads up to the core
//! count. A memory-bound run (`stream`) is read against it: "X GB/s of a
//! measured Y GB/s".

use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::engine::{Failures, Stage, crew_scope};

/// Times each thread reads its share per pass, so a pass is long enough
/// (tens of milliseconds at least) that starting the threads does not count.
pub const READS: usize = 4;

/// A run reading at least this share of the probe's peak has reached the
/// machine's memory bandwidth.
pub const AT_PEAK: f64 = 0.8;

/// The probe's result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Bandwidth {
    /// Bytes each repetition read (the whole buffer, shared out, [`READS`] times).
    pub bytes: u64,
    /// (threads, GB/s) per thread count probed, fastest repetition, by threads.
    pub points: Vec<(usize, f64)>,
}

impl Bandwidth {
    /// The most the probe read, GB/s, and at how many threads.
    pub fn peak(&self) -> (usize, f64) {
        self.points.iter().copied().fold((1, 0.0), |best, p| if p.1 > best.1 { p } else { best })
    }

    /// GB/s with one thread.
    pub fn one_thread(&self) -> f64 {
        self.points.iter().find(|p| p.0 == 1).map_or(0.0, |p| p.1)
    }

    /// How many times one thread's bandwidth the peak is: well below the
    /// thread count at the peak means the memory system, not the cores, set it.
    pub fn scaling(&self) -> f64 {
        let one = self.one_thread();
        if one > 0.0 { self.peak().1 / one } else { 0.0 }
    }

    /// Keeps, per thread count, the faster of this and `other` (a probe
    /// asks what the machine can do, so the best repetition is the answer).
    pub fn merge(&mut self, other: &Bandwidth) {
        for &(t, g) in &other.points {
            match self.points.iter_mut().find(|p| p.0 == t) {
                Some(p) => p.1 = p.1.max(g),
                None => self.points.push((t, g)),
            }
        }
        self.points.sort_by_key(|p| p.0);
    }

    /// `1 thread 11.2, 2 threads 21.9 GB/s`.
    pub fn line(&self) -> String {
        let parts: Vec<String> = self.points.iter().map(|(t, g)| format!("{t} thread{} {g:.1}", if *t == 1 { "" } else { "s" })).collect();
        format!("{} GB/s", parts.join(", "))
    }
}

/// u64s per block the kernel sums at a time (64 KiB): a length the
/// compiler knows, so the loop is unrolled and vectorised.
pub const BLOCK: usize = 8 * 1024;

/// The wrapping sum of `words`: the one kernel that both the probe and the
/// `stream` workload read memory with.
#[inline]
pub fn sum_words(words: &[u64]) -> u64 {
    let (blocks, rest) = words.as_chunks::<BLOCK>();
    let whole = blocks.iter().fold(0u64, |acc, b| b.iter().fold(acc, |a, &x| a.wrapping_add(x)));
    rest.iter().fold(whole, |a, &x| a.wrapping_add(x))
}

/// GB/s for `bytes` in `seconds`.
pub fn gbs(bytes: u64, seconds: f64) -> f64 {
    if seconds > 0.0 { bytes as f64 / seconds / 1e9 } else { 0.0 }
}

/// Thread counts the probe measures: 1, 2, 4, ... and `cores`.
fn counts(cores: usize) -> Vec<usize> {
    let cores = cores.max(1);
    let mut v: Vec<usize> = std::iter::successors(Some(1usize), |&t| t.checked_mul(2)).take_while(|&t| t <= cores).collect();
    if v.last() != Some(&cores) {
        v.push(cores);
    }
    v
}

/// One timed pass of `threads` threads, each summing its share of `buf`;
/// seconds, or `None` where a thread could not start.
fn pass(buf: &[u64], threads: usize) -> Option<(f64, u64)> {
    let failures = Failures::default();
    let share = buf.len().div_ceil(threads);
    let t0 = Instant::now();
    let sums: Vec<Option<u64>> = crew_scope(&failures, |crew| {
        let members: Vec<_> = buf
            .chunks(share)
            .enumerate()
            .map(|(i, part)| {
                crew.spawn(format!("scalescope-probe-{i}"), Stage::Map, move |_| {
                    (0..READS).fold(0u64, |acc, _| acc.wrapping_add(sum_words(part)))
                })
            })
            .collect();
        members.into_iter().map(|m| m.join(&failures)).collect()
    });
    let s = t0.elapsed().as_secs_f64();
    let total = sums.into_iter().try_fold(0u64, |acc, x| Some(acc.wrapping_add(x?)))?;
    Some((s, total))
}

/// Probes `buf` at 1, 2, 4, ... threads up to `cores`, `reps` times each,
/// interleaved; the fastest pass counts. Every pass must sum to the same
/// total (a check that each thread read its whole share): one that does
/// not is dropped, not trusted. A sweep probes once per round, between its
/// runs, and [merges](Bandwidth::merge) the rounds.
pub fn probe(buf: &[u64], cores: usize, reps: usize) -> Bandwidth {
    let bytes = std::mem::size_of_val(buf) as u64 * READS as u64;
    let counts = counts(cores);
    let mut best = vec![f64::INFINITY; counts.len()];
    let mut total = None;
    for _ in 0..reps {
        for (i, &t) in counts.iter().enumerate() {
            if let Some((s, sum)) = pass(buf, t)
                && *total.get_or_insert(sum) == sum
            {
                best[i] = best[i].min(s);
            }
        }
    }
    Bandwidth { bytes, points: counts.into_iter().zip(best).filter(|(_, s)| s.is_finite()).map(|(t, s)| (t, gbs(bytes, s))).collect() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_probe_counts_every_thread_count_up_to_the_cores() {
        assert_eq!(counts(1), vec![1]);
        assert_eq!(counts(6), vec![1, 2, 4, 6]);
        assert_eq!(counts(16), vec![1, 2, 4, 8, 16]);
        let buf: Vec<u64> = (0..1 << 16).collect();
        let b = probe(&buf, 2, 2);
        assert_eq!(b.bytes, (8 << 16) * READS as u64);
        assert_eq!(b.points.iter().map(|p| p.0).collect::<Vec<_>>(), vec![1, 2]);
        assert!(b.points.iter().all(|p| p.1 > 0.0 && p.1.is_finite()), "{b:?}");
        assert!(b.line().starts_with("1 thread ") && b.line().ends_with(" GB/s"), "{}", b.line());
    }

    #[test]
    fn peak_and_scaling_read_the_points() {
        let b = Bandwidth { bytes: 1, points: vec![(1, 10.0), (2, 19.0), (4, 30.0), (8, 31.0)] };
        assert_eq!(b.peak(), (8, 31.0));
        assert!((b.scaling() - 3.1).abs() < 1e-12);
        assert!((gbs(2_000_000_000, 0.5) - 4.0).abs() < 1e-12);
        let mut m = Bandwidth { bytes: 1, points: vec![(1, 9.0), (2, 20.0)] };
        m.merge(&Bandwidth { bytes: 1, points: vec![(1, 10.0), (2, 18.0), (4, 22.0)] });
        assert_eq!(m.points, vec![(1, 10.0), (2, 20.0), (4, 22.0)]);
    }
}
