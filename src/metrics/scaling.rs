//! Speedup, efficiency and the Karp-Flatt serial fraction.

/// `S(p) = T_seq / T_p`.
pub fn speedup(t_seq: f64, t_p: f64) -> f64 {
    if t_p > 0.0 { t_seq / t_p } else { 0.0 }
}

/// `E(p) = S(p) / p`.
pub fn efficiency(speedup: f64, p: usize) -> f64 {
    speedup / p.max(1) as f64
}

/// Karp-Flatt experimentally determined serial fraction,
/// `e = (1/S - 1/p) / (1 - 1/p)`; `None` for `p <= 1`.
///
/// # Examples
/// ```
/// use scalescope::metrics::karp_flatt;
/// assert_eq!(karp_flatt(2.0, 2), Some(0.0));
/// assert!(karp_flatt(1.0, 1).is_none());
/// assert!((karp_flatt(1.0, 2).unwrap() - 1.0).abs() < 1e-12);
/// ```
pub fn karp_flatt(speedup: f64, p: usize) -> Option<f64> {
    if p <= 1 || speedup <= 0.0 {
        return None;
    }
    let p = p as f64;
    Some((1.0 / speedup - 1.0 / p) / (1.0 - 1.0 / p))
}
