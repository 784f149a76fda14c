//! Plain single-pass sources, as a user's own iterator would be: they do not
//! know their length and cannot be split.

/// Counts `0..end`, one `next()` at a time, reporting no length.
#[derive(Clone, Debug)]
pub struct Counter {
    next: u64,
    end: u64,
}

impl Counter {
    /// `0..end`.
    pub fn new(end: u64) -> Self {
        Counter { next: 0, end }
    }

    /// `start..end`.
    pub fn range(start: u64, end: u64) -> Self {
        Counter { next: start, end }
    }
}

impl Iterator for Counter {
    type Item = u64;
    #[inline]
    fn next(&mut self) -> Option<u64> {
        if self.next < self.end {
            let x = self.next;
            self.next += 1;
            Some(x)
        } else {
            None
        }
    }
}

/// splitmix64: a small, fixed, seedable generator, so built-in data is the
/// same on every machine and every version.
#[derive(Clone, Debug)]
pub struct SplitMix(pub u64);

impl SplitMix {
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// A float in [0, 1).
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}
